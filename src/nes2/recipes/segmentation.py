"""Recipe `segmentation`: per-pixel classes on canvases of 2-4 real digits.

Eleven classes: background and the ten digits. Canvases are 64 x 64 and
drawn from the training digits; the test canvases from digits the network
never saw. The loss is cross-entropy plus soft Dice (`nes2.tasks.segmentation`),
batches are small (8): both matter more here than a bigger model. Metrics:
mean IoU over the 11 classes (background included) and IoU per class.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("segmentation", "quick", model="unet")
    run.metrics["mean_iou"]
    run.figure("masks")
    ```
"""

from __future__ import annotations

from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe, cosine, history_dict

CANVAS = 64
NUM_CLASSES = 11
CANVASES = {"quick": 4000, "full": 20000}
TEST_CANVASES = 500
SCALE = (0.7, 1.1)
BATCH_SIZE = 8
LEARNING_RATE = 3e-3
MODELS = ("unet", "segnet", "deeplabv3plus", "segformer", "deeplabv3-hub")
"""`nes2.tasks.segmentation.MODELS`, without importing Keras; the last three need `nes2[cv]`."""
GREY_MODELS = ("unet", "segnet")
"""Models that take one channel; the library models take the canvas repeated to RGB."""


class Segmentation(Recipe):
    name = "segmentation"
    summary = "a class for every pixel: mean IoU"
    options = (Option("model", "unet", MODELS, help="the segmentation network"),)
    epochs: ClassVar[dict] = {"quick": 6, "full": 30}
    run_option = "model"

    def data(self, profile, options, seed):
        import numpy as np

        from nes2.data import arrays, digit_canvas

        digits = arrays.mnist(profile, seed=seed)
        train = digit_canvas.digit_canvases(
            digits.x_train, digits.y_train, CANVASES[profile], size=CANVAS, scale=SCALE, seed=seed
        )
        test = digit_canvas.digit_canvases(
            digits.x_test, digits.y_test, TEST_CANVASES, size=CANVAS, scale=SCALE, seed=seed + 1
        )
        channels = 1 if options["model"] in GREY_MODELS else 3
        return Data(
            digits.source,
            {"train": len(train.images), "test": len(test.images)},
            x_train=np.repeat(train.images, channels, axis=-1).astype("float32"),
            masks_train=train.masks,
            x_test=np.repeat(test.images, channels, axis=-1).astype("float32"),
            test=test,
        )

    def build(self, data, options, profile, epochs):
        import keras

        from nes2.tasks import segmentation

        model = options["model"]
        net = segmentation.build(model, (CANVAS, CANVAS, data.x_train.shape[-1]), NUM_CLASSES)
        schedule = cosine(LEARNING_RATE, epochs, -(-len(data.x_train) // BATCH_SIZE))
        net.compile(
            optimizer=keras.optimizers.Adam(schedule),
            loss=segmentation.DiceCrossEntropy(NUM_CLASSES, from_logits=model == "deeplabv3-hub"),
            metrics=[],  # KerasHub's segmenter would add an accuracy that expects one-hot masks
        )
        return net

    def fit(self, model, data, options, epochs, verbose):
        history = model.fit(
            data.x_train, data.masks_train, epochs=epochs, batch_size=BATCH_SIZE, verbose=verbose
        )
        return history_dict(history)

    def evaluate(self, model, data, options, history):
        from nes2.tasks import segmentation

        iou = segmentation.mean_iou(data.test.masks, predict_masks(model, data.x_test), NUM_CLASSES)
        return {
            "canvas": CANVAS,
            "params": model.count_params(),
            "mean_iou": iou["mean_iou"],
            "iou_per_class": iou["per_class"],
        }

    def figures(self, run, count: int = 6):
        from nes2 import viz

        test = run.data.test
        return {
            "masks": viz.mask_grid(
                test.images[:count],
                test.masks[:count],
                predict_masks(run.model, run.data.x_test[:count]),
                NUM_CLASSES,
                title=f"Segmentace, {run.options['model']}\n({self.label(run)})",
            )
        }


def predict_masks(model, images):
    """The predicted class of every pixel of `images`."""
    return model.predict(images, batch_size=32, verbose=0).argmax(axis=-1)
