"""Recipe `detection`: boxes and classes of several objects per image, measured by mAP.

Two data sets (`--data`): `digits`, canvases of 96 x 96 with 2-4 real MNIST
digits (grey, repeated to 3 channels; the test canvases are made from digits
the detector never saw), the quick profile's default; and `voc`, the
photographs of Pascal VOC 2007 through tensorflow-datasets (20 classes,
trained on `train` + `validation`, measured on `test`), the full profile's
default. Boxes and classes are in KerasCV's dict format, padded with -1.
mAP is COCO's (IoU 0.5:0.95) and mAP@0.5, from KerasCV's `BoxCOCOMetrics`.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("detection", "quick", model="yolov8")
    run.metrics["map50"]
    run.figure("detections")
    recipes.train("detection", "full", data="voc")   # needs `tfds build voc/2007` once
    ```
"""

from __future__ import annotations

import dataclasses
import functools
from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe, cosine, global_batch, history_dict

CANVAS = 96
MAX_BOXES = 4
CANVASES = {"quick": 3000, "full": 20000}
TEST_CANVASES = 300
BATCH_SIZE = 16
DATA = ("digits", "voc")
VOC = "voc/2007"
VOC_SIZE = {"quick": 160, "full": 320}
"""Photographs are resized to this square (the boxes with them)."""
VOC_IMAGES = {"quick": (1000, 250), "full": (None, None)}
"""Training and test photographs used per profile (`None`: all 5,011 and 4,952)."""
VOC_MAX_BOXES = 42
"""The most objects in one VOC 2007 photograph: labels are padded to this many."""
SHOWN = 12
MODELS = ("yolov8", "retinanet", "ssd")
"""nes2.tasks.detection.MODELS (without importing Keras) and the detector written in
`nes2.tasks.ssd`."""
LIBRARIES = ("keras-cv", "keras-hub")  # nes2.tasks.detection.LIBRARIES
SSD_BATCH_SIZE = 32


@dataclasses.dataclass(kw_only=True)
class DetectionData(Data):
    """`Data` of a detection: the classes, the input's shape and the anchors' sizes.

    `canvases_test` holds the test canvases (masks and instances included) of the digits.
    """

    class_names: list[str]
    input_shape: tuple[int, int, int]
    anchor_sizes: tuple[float, ...]
    canvases_test: object = None


class Detection(Recipe):
    name = "detection"
    summary = "several digits per canvas: boxes, classes, mAP"
    options = (
        Option("data", "digits", DATA, help="the data set", by_profile={"full": "voc"}),
        Option("model", "yolov8", MODELS, help="the detector"),
        Option("library", "keras-cv", LIBRARIES, help="KerasHub has RetinaNet only; ssd: none"),
    )
    epochs: ClassVar[dict] = {
        "quick": {"yolov8": 7, "retinanet": 5, "ssd": 2},
        "full": {"yolov8": 40, "retinanet": 40, "ssd": 60},
    }
    epochs_by = "model"
    run_option = "model"
    deterministic = False

    batch_size = BATCH_SIZE

    def data(self, spec):
        if spec.options["model"] == "ssd" and spec.options["library"] != "keras-cv":
            from nes2.errors import InvalidOptionError

            raise InvalidOptionError(
                "detection --model ssd is written in nes2.tasks.ssd with Keras alone: leave "
                "--library out (it chooses the library of yolov8 and retinanet)."
            )
        voc = spec.options["data"] == "voc"
        return _voc(spec.profile, spec.seed) if voc else _digits(spec.profile, spec.seed)

    def build(self, data, spec):
        from nes2.tasks import detection

        options = spec.options
        model = options["model"]
        if model == "ssd":
            return _ssd(data, spec)
        steps = -(-data.counts["train"] // global_batch(BATCH_SIZE))
        schedule = cosine(detection.LEARNING_RATES[model], spec.epochs, steps)
        return detection.detector(
            model,
            len(data.class_names),
            data.input_shape,
            library=options["library"],
            learning_rate=schedule,
            anchor_sizes=data.anchor_sizes,
        )

    def fit(self, model, data, spec):
        from nes2.tasks import detection

        ssd = spec.options["model"] == "ssd"  # the anchors' targets: nes2.tasks.anchors
        if isinstance(data.train, tuple):  # canvases as arrays: boxes and classes padded with -1
            images, truth = data.train
            if ssd:
                labels = model.targets(truth["boxes"], truth["classes"])
            else:
                labels = detection.labels_for(model, truth["boxes"], truth["classes"])
            history = model.fit(
                images,
                labels,
                epochs=spec.epochs,
                batch_size=global_batch(SSD_BATCH_SIZE if ssd else BATCH_SIZE),
                verbose=spec.verbose,
            )
        else:  # photographs as a batched dataset, shuffled and flipped as it goes
            train = data.train.map(_ssd_labels(model) if ssd else _library_labels(model))
            history = model.fit(train, epochs=spec.epochs, shuffle=False, verbose=spec.verbose)
        return history_dict(history)

    def evaluate(self, model, data, spec, history):
        from nes2.tasks import detection

        if isinstance(data.test, tuple):
            images, truth = data.test
            found = detection.mean_average_precision(
                model, images, truth["boxes"], truth["classes"]
            )
        else:
            found = detection.mean_average_precision(model, data.test)
        return {"image_size": data.input_shape[0], "params": model.count_params(), **found}

    def figures(self, run):
        from nes2 import viz
        from nes2.tasks import detection

        shown = run.data.shown
        found = detection.predict(run.model, shown["inputs"])
        options = run.options
        return {
            "detections": viz.box_grid(
                shown["images"],
                boxes=[d["boxes"] for d in found],
                labels=[d["classes"] for d in found],
                scores=[d["scores"] for d in found],
                true_boxes=shown["boxes"],
                class_names=run.data.class_names,
                title=f"Detekce, {_detector_name(options)}\n({self.label(run)})",
            )
        }


def _detector_name(options) -> str:
    if options["model"] == "ssd":
        return "jednostupňový detektor nes2 (ssd)"
    return f"{options['model']} / {options['library']}"


def _ssd(data, spec):
    from nes2.tasks import ssd

    height, _, channels = data.input_shape
    preset = ssd.PRESETS["digits" if spec.options["data"] == "digits" else "photos"]
    model = ssd.SingleShotDetector(len(data.class_names), height, channels, **preset)
    steps = -(-data.counts["train"] // global_batch(SSD_BATCH_SIZE))
    return ssd.compile_detector(model, cosine(ssd.LEARNING_RATE, spec.epochs, steps))


def _library_labels(model):
    from nes2.tasks import detection

    key = detection.label_key(model)
    return lambda x, y: (x, {"boxes": y["boxes"], key: y["classes"]})


def _ssd_labels(model):
    """A dataset map: the anchors' targets of a batch of photographs, computed in NumPy."""
    import tensorflow as tf

    anchors = len(model.anchor_boxes)

    def targets(boxes, classes):
        labels = model.targets(boxes, classes)
        return labels["classes"], labels["boxes"]

    def mapped(x, y):
        classes, boxes = tf.numpy_function(
            targets, [y["boxes"], y["classes"]], (tf.int32, tf.float32)
        )
        classes.set_shape((None, anchors))
        boxes.set_shape((None, anchors, 5))
        return x, {"classes": classes, "boxes": boxes}

    return mapped


def _digits(profile, seed):
    import numpy as np

    from nes2.data import arrays, digit_canvas
    from nes2.tasks.detection import SMALL_ANCHORS

    digits = arrays.mnist(profile, seed=seed)
    train = digit_canvas.digit_canvases(
        digits.x_train, digits.y_train, CANVASES[profile], size=CANVAS, seed=seed
    )
    test = digit_canvas.digit_canvases(
        digits.x_test, digits.y_test, TEST_CANVASES, size=CANVAS, seed=seed + 1
    )
    x_test = np.repeat(test.images, 3, axis=-1).astype("float32")
    truth = test.padded(MAX_BOXES)
    return DetectionData(
        digits.source,
        {"train": len(train.images), "test": len(test.images)},
        class_names=digits.class_names,
        input_shape=(CANVAS, CANVAS, 3),
        anchor_sizes=SMALL_ANCHORS,
        train=(np.repeat(train.images, 3, axis=-1).astype("float32"), train.padded(MAX_BOXES)),
        test=(x_test, truth),
        canvases_test=test,
        shown={
            "images": test.images[:SHOWN],
            "inputs": x_test[:SHOWN],
            "boxes": test.boxes[:SHOWN],
            "classes": test.classes[:SHOWN],
            "labels": {k: v[:SHOWN] for k, v in truth.items()},
        },
    )


def _voc(profile, seed):
    from nes2.data import tfds
    from nes2.tasks.detection import PHOTO_ANCHORS

    size = VOC_SIZE[profile]
    train_limit, test_limit = VOC_IMAGES[profile]
    convert = functools.partial(tfds.detection_example, size=size, max_boxes=VOC_MAX_BOXES)
    train = tfds.examples(VOC, "train+validation", convert, train_limit)
    test = tfds.examples(VOC, "test", convert, test_limit)
    counts = {"train": _count(train), "test": _count(test)}
    batch = global_batch(BATCH_SIZE)
    images, labels = next(iter(test.batch(SHOWN)))
    boxes, classes = labels["boxes"].numpy(), labels["classes"].numpy()
    shown = {
        "images": images.numpy().astype("uint8"),
        "inputs": images.numpy(),
        "boxes": [b[c >= 0] for b, c in zip(boxes, classes, strict=True)],
        "classes": [c[c >= 0].astype(int) for c in classes],
        "labels": {"boxes": boxes, "classes": classes},
    }
    return DetectionData(
        f"Pascal VOC 2007 (tensorflow-datasets {VOC}, {size} x {size} px)",
        counts,
        class_names=tfds.class_names(VOC),
        input_shape=(size, size, 3),
        anchor_sizes=PHOTO_ANCHORS,
        train=train.shuffle(1000, seed=seed).map(_flip).batch(batch).prefetch(2),
        test=test.batch(batch),
        shown=shown,
    )


def _count(dataset) -> int:
    """Examples in a dataset (TFDS knows its splits' sizes; a mocked one is counted)."""
    known = int(dataset.cardinality())
    return known if known >= 0 else sum(1 for _ in dataset)


def _flip(image, labels):
    """Mirror half of the photographs left-right, with their boxes (padding stays -1)."""
    import tensorflow as tf

    width = tf.cast(tf.shape(image)[1], tf.float32)
    boxes = labels["boxes"]
    x0, y0, x1, y1 = tf.unstack(boxes, axis=-1)
    mirrored = tf.stack([width - x1, y0, width - x0, y1], axis=-1)
    mirrored = tf.where(labels["classes"][:, None] >= 0, mirrored, boxes)
    flip = tf.random.uniform(()) < 0.5
    return (
        tf.where(flip, tf.reverse(image, axis=[1]), image),
        {"boxes": tf.where(flip, mirrored, boxes), "classes": labels["classes"]},
    )
