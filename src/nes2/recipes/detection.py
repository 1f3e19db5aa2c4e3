"""Recipe `detection`: find and classify 2-4 real digits per canvas.

Canvases of 96 x 96 (grey, repeated to 3 channels) carry digits of roughly
20-45 px; boxes and classes are in KerasCV's dict format, padded with -1.
The test canvases are made from digits the detector never saw. mAP is
COCO's (IoU 0.5:0.95) and mAP@0.5, from KerasCV's `BoxCOCOMetrics`.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("detection", "quick", model="yolov8")
    run.metrics["map50"]
    run.figure("detections")
    ```
"""

from __future__ import annotations

from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe, cosine, history_dict

CANVAS = 96
MAX_BOXES = 4
CANVASES = {"quick": 3000, "full": 20000}
TEST_CANVASES = 300
BATCH_SIZE = 16
MODELS = ("yolov8", "retinanet")  # nes2.tasks.detection.MODELS, without importing Keras
LIBRARIES = ("keras-cv", "keras-hub")  # nes2.tasks.detection.LIBRARIES


class Detection(Recipe):
    name = "detection"
    summary = "several digits per canvas: boxes, classes, mAP"
    options = (
        Option("model", "yolov8", MODELS, help="the detector"),
        Option("library", "keras-cv", LIBRARIES, help="KerasHub has RetinaNet only"),
    )
    epochs: ClassVar[dict] = {
        "quick": {"yolov8": 7, "retinanet": 5},
        "full": {"yolov8": 40, "retinanet": 40},
    }
    epochs_by = "model"
    run_option = "model"
    deterministic = False

    def data(self, profile, options, seed):
        import numpy as np

        from nes2.data import arrays, digit_canvas

        digits = arrays.mnist(profile, seed=seed)
        train = digit_canvas.digit_canvases(
            digits.x_train, digits.y_train, CANVASES[profile], size=CANVAS, seed=seed
        )
        test = digit_canvas.digit_canvases(
            digits.x_test, digits.y_test, TEST_CANVASES, size=CANVAS, seed=seed + 1
        )
        return Data(
            digits.source,
            {"train": len(train.images), "test": len(test.images)},
            x_train=np.repeat(train.images, 3, axis=-1).astype("float32"),
            labels=train.padded(MAX_BOXES),
            x_test=np.repeat(test.images, 3, axis=-1).astype("float32"),
            test=test,
            truth=test.padded(MAX_BOXES),
        )

    def build(self, data, options, profile, epochs):
        from nes2.tasks import detection

        model = options["model"]
        steps = -(-len(data.x_train) // BATCH_SIZE)
        schedule = cosine(detection.LEARNING_RATES[model], epochs, steps)
        return detection.detector(
            model, 10, (CANVAS, CANVAS, 3), library=options["library"], learning_rate=schedule
        )

    def fit(self, model, data, options, epochs, verbose):
        from nes2.tasks import detection

        labels = detection.labels_for(model, data.labels["boxes"], data.labels["classes"])
        history = model.fit(
            data.x_train, labels, epochs=epochs, batch_size=BATCH_SIZE, verbose=verbose
        )
        return history_dict(history)

    def evaluate(self, model, data, options, history):
        from nes2.tasks import detection

        truth = data.truth
        return {
            "canvas": CANVAS,
            "params": model.count_params(),
            **detection.mean_average_precision(
                model, data.x_test, truth["boxes"], truth["classes"]
            ),
        }

    def figures(self, run, count: int = 12):
        from nes2 import viz
        from nes2.tasks import detection

        test = run.data.test
        found = detection.predict(run.model, run.data.x_test[:count])
        options = run.options
        return {
            "detections": viz.box_grid(
                test.images[:count],
                boxes=[d["boxes"] for d in found],
                labels=[d["classes"] for d in found],
                scores=[d["scores"] for d in found],
                true_boxes=test.boxes[:count],
                title=f"Detekce, {options['model']} / {options['library']}\n({self.label(run)})",
            )
        }
