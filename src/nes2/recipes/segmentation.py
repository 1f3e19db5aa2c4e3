"""Recipe `segmentation`: a class for every pixel, measured by mean IoU.

Two data sets (`--data`): `digits`, 48 x 48 canvases of 2-4 real MNIST
digits with eleven classes (background and the ten digits; the test canvases
are made from digits the network never saw), the quick profile's default; and
`pets`, the photographs of Oxford-IIIT Pet through tensorflow-datasets with
their trimaps as three classes (background, pet, border), as keras.io's
example uses them, the full profile's default. The loss is cross-entropy plus
soft Dice (`nes2.tasks.segmentation`); batches are small (8). Metrics: mean
IoU over all classes (background included) and IoU per class.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("segmentation", "quick", model="unet")
    run.metrics["mean_iou"]
    run.figure("masks")
    recipes.train("segmentation", "full", data="pets")   # `tfds build oxford_iiit_pet` once
    ```
"""

from __future__ import annotations

import dataclasses
import functools
from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe, cosine, global_batch

CANVAS = 48
NUM_CLASSES = 11
CANVASES = {"quick": 4000, "full": 20000}
TEST_CANVASES = 500
SCALE = (0.7, 1.1)
BATCH_SIZE = 8
LEARNING_RATE = 3e-3
MODELS = ("unet", "segnet", "deeplabv3plus", "segformer", "deeplabv3-hub")
"""`nes2.tasks.segmentation.MODELS`, without importing Keras; the last three need `nes2[cv]`."""
LABELS = {
    "unet": "U-Net",
    "segnet": "SegNet",
    "deeplabv3plus": "DeepLabV3+",
    "segformer": "SegFormer",
    "deeplabv3-hub": "DeepLabV3 (KerasHub)",
}
"""The networks' names as the figures and pages write them."""
GREY_MODELS = ("unet", "segnet")
"""Models that take one channel; the library models take the canvas repeated to RGB."""
DATA = ("digits", "pets")
PETS = "oxford_iiit_pet"
PETS_SIZE = {"quick": 96, "full": 160}
"""Photographs are resized to this square (keras.io's Oxford-IIIT Pet example uses 160)."""
PETS_IMAGES = {"quick": (800, 200), "full": (None, None)}
"""Training and test photographs used per profile (`None`: all 3,680 and 3,669)."""
PETS_WIDTH = 32
"""Filters of the first block of `unet` and `segnet` on photographs (8 on the digits)."""
SHOWN = 6


@dataclasses.dataclass(kw_only=True)
class SegmentationData(Data):
    """`Data` of a segmentation: the classes (background first) and `unet`'s or `segnet`'s width."""

    class_names: list[str]
    model_args: dict = dataclasses.field(default_factory=dict)


class Segmentation(Recipe):
    name = "segmentation"
    summary = "a class for every pixel: mean IoU"
    options = (
        Option("data", "digits", DATA, help="the data set", by_profile={"full": "pets"}),
        Option("model", "unet", MODELS, help="the segmentation network"),
    )
    epochs: ClassVar[dict] = {"quick": 6, "full": 30}
    run_option = "model"

    batch_size = BATCH_SIZE

    def data(self, spec):
        if spec.options["data"] == "pets":
            return _pets(spec.profile, spec.options["model"])
        return _digits(spec.profile, spec.options["model"], spec.seed)

    def build(self, data, spec):
        import keras

        from nes2.tasks import segmentation

        model = spec.options["model"]
        classes = len(data.class_names)
        extra = data.model_args if model in GREY_MODELS else {}
        images = data.train[0]
        net = segmentation.build(model, images.shape[1:], classes, **extra)
        steps = -(-len(images) // global_batch(BATCH_SIZE))
        schedule = cosine(LEARNING_RATE, spec.epochs, steps)
        net.compile(
            optimizer=keras.optimizers.Adam(schedule),
            loss=segmentation.DiceCrossEntropy(classes, from_logits=model == "deeplabv3-hub"),
            metrics=[],  # KerasHub's segmenter would add an accuracy that expects one-hot masks
        )
        return net

    def evaluate(self, model, data, spec, history):
        from nes2.tasks import segmentation

        images, masks = data.test
        predicted = predict_masks(model, images)
        iou = segmentation.mean_iou(masks, predicted, len(data.class_names))
        return {
            "image_size": images.shape[1],
            "params": model.count_params(),
            "mean_iou": iou["mean_iou"],
            "iou_per_class": iou["per_class"],
        }

    def figures(self, run):
        from nes2 import viz

        data = run.data
        images, masks = data.test
        return {
            "masks": viz.mask_grid(
                data.shown[:SHOWN],
                masks[:SHOWN],
                predict_masks(run.model, images[:SHOWN]),
                len(data.class_names),
                class_names=data.class_names[1:],  # mask_grid names the classes after background
                title=f"Segmentace, {LABELS[run.options['model']]}\n({self.label(run)})",
            )
        }


def predict_masks(model, images, batch_size: int = 32):
    """The predicted class of every pixel of `images`, batch by batch."""
    import numpy as np

    return np.concatenate(
        [
            model.predict(images[i : i + batch_size], verbose=0).argmax(axis=-1)
            for i in range(0, len(images), batch_size)
        ]
    )


def _digits(profile, model, seed):
    import numpy as np

    from nes2.data import arrays, digit_canvas

    digits = arrays.mnist(profile, seed=seed)
    train = digit_canvas.digit_canvases(
        digits.x_train, digits.y_train, CANVASES[profile], size=CANVAS, scale=SCALE, seed=seed
    )
    test = digit_canvas.digit_canvases(
        digits.x_test, digits.y_test, TEST_CANVASES, size=CANVAS, scale=SCALE, seed=seed + 1
    )
    channels = 1 if model in GREY_MODELS else 3
    return SegmentationData(
        digits.source,
        {"train": len(train.images), "test": len(test.images)},
        class_names=["pozadí", *digits.class_names],
        train=(np.repeat(train.images, channels, axis=-1).astype("float32"), train.masks),
        test=(np.repeat(test.images, channels, axis=-1).astype("float32"), test.masks),
        shown=test.images,
    )


def _pets(profile, model):
    import numpy as np

    from nes2.data import tfds

    size = PETS_SIZE[profile]

    convert = functools.partial(tfds.pet_segmentation_example, size=size)

    def split(name, limit):
        examples = tfds.examples(PETS, name, convert, limit)
        images, masks = zip(
            *((x.astype("uint8"), m.astype("uint8")) for x, m in examples.as_numpy_iterator()),
            strict=True,
        )
        return np.stack(images), np.stack(masks)

    train_limit, test_limit = PETS_IMAGES[profile]
    x_train, masks_train = split("train", train_limit)
    x_test, masks_test = split("test", test_limit)
    return SegmentationData(
        f"Oxford-IIIT Pet (tensorflow-datasets {PETS}, {size} x {size} px)",
        {"train": len(x_train), "test": len(x_test)},
        class_names=["pozadí", "zvíře", "okraj"],
        model_args={"width": PETS_WIDTH},
        train=(x_train, masks_train),
        test=(x_test, masks_test),
        shown=x_test,
    )
