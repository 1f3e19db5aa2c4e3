"""Full-profile data sets through tensorflow-datasets: Pascal VOC, COCO, Oxford-IIIT Pet.

TFDS downloads and prepares a data set once (VOC 2007 is 0.9 GB, COCO 2017
25 GB, Oxford-IIIT Pet 0.8 GB). Without a network it would retry for minutes;
`load` checks first and fails within seconds, unless the data set is already
prepared in `data_dir`. The converters turn TFDS examples into the formats
the rest of `nes2` uses: KerasCV's `{"boxes", "classes"}` dict with pixel
`xyxy` boxes for detection, integer masks for segmentation.

Examples:
    ```python
    train = voc("train").map(detection_example).padded_batch(8)
    pets = oxford_pets("train").map(lambda e: pet_segmentation_example(e, 128))
    ```
"""

from __future__ import annotations

import os
import socket

from nes2.errors import DownloadError

TFDS_HOST = ("storage.googleapis.com", 443)
PET_CLASSES = ("background", "pet", "border")
"""Oxford-IIIT Pet trimap classes, in the order of `pet_segmentation_example`'s mask values
(background first, as in every `nes2` mask)."""


def _reachable(address: tuple[str, int], timeout: float = 5.0) -> bool:
    try:
        socket.create_connection(address, timeout=timeout).close()
    except OSError:
        return False
    return True


def _versions(builder) -> list[str]:
    """Versions of the builder's data set prepared beside the one it reads."""
    parent = os.path.dirname(builder.data_dir)
    if not os.path.isdir(parent):
        return []
    return sorted(
        entry
        for entry in os.listdir(parent)
        if os.path.isfile(os.path.join(parent, entry, "dataset_info.json"))
    )


def load(name: str, split: str, data_dir: str | None = None):
    """A TFDS data set, prepared on first use; fails fast offline.

    A data set already prepared in `data_dir` (or mocked by
    `tfds.testing.mock_data`) is read without touching the network.

    Args:
        name: the TFDS name with its version, e.g. `"voc/2007"`.
        split: e.g. `"train"`, `"train+validation"`, `"test"`.
        data_dir: where TFDS keeps its data (default `$TFDS_DATA_DIR`, else
            `~/tensorflow_datasets`).

    Returns:
        A `tf.data.Dataset` of TFDS example dicts.

    Raises:
        DownloadError: when the data set is prepared in another version than
            this tensorflow-datasets reads, or is not prepared and TFDS'
            storage cannot be reached; the message says what to do.

    Examples:
        ```python
        validation = load("coco/2017", "validation")
        ```
    """
    import tensorflow_datasets as tfds

    builder = tfds.builder(name, data_dir=data_dir)
    try:
        return builder.as_dataset(split=split)
    except AssertionError:  # TFDS' way of saying "not prepared"
        pass
    wanted = str(builder.version)
    others = _versions(builder)
    if others:
        raise DownloadError(
            f"{name} is prepared in {os.path.dirname(builder.data_dir)} as version "
            f"{', '.join(others)}, but tensorflow-datasets {tfds.__version__} reads version "
            f"{wanted}. Prepare it again with `tfds build {name}` where there is a network, or "
            "install the tensorflow-datasets that prepared it."
        )
    if not _reachable(TFDS_HOST):
        raise DownloadError(
            f"{name} is not prepared in {builder.data_dir} and {TFDS_HOST[0]} cannot be "
            f"reached. Run `tfds build {name}` where there is a network and copy the folder "
            f"it makes to {builder.data_dir} (or set TFDS_DATA_DIR to where it is)."
        )
    builder.download_and_prepare()
    return builder.as_dataset(split=split)


def examples(name: str, split: str, convert, limit: int | None = None, data_dir: str | None = None):
    """A TFDS split as `convert(example)` pairs, the first `limit` examples (all if `None`).

    Examples:
        ```python
        test = examples("voc/2007", "test", lambda e: detection_example(e, 320, 42), limit=250)
        ```
    """
    import tensorflow as tf

    found = load(name, split, data_dir)
    if limit is not None:
        found = found.take(limit)
    return found.map(convert, num_parallel_calls=tf.data.AUTOTUNE)


def voc(split: str = "train", data_dir: str | None = None, year: int = 2007):
    """Pascal VOC (20 classes) for detection. See `load` and `detection_example`."""
    return load(f"voc/{year}", split, data_dir)


def coco(split: str = "validation", data_dir: str | None = None, year: int = 2017):
    """COCO (80 classes) for detection. See `load` and `detection_example`."""
    return load(f"coco/{year}", split, data_dir)


def oxford_pets(split: str = "train", data_dir: str | None = None):
    """Oxford-IIIT Pet for segmentation. See `load` and `pet_segmentation_example`."""
    return load("oxford_iiit_pet", split, data_dir)


def class_names(name: str, data_dir: str | None = None) -> list[str]:
    """The object class names of a TFDS detection data set, e.g. VOC's 20 (no download)."""
    import tensorflow_datasets as tfds

    return list(tfds.builder(name, data_dir=data_dir).info.features["objects"]["label"].names)


def detection_example(example: dict, size: int | None = None, max_boxes: int | None = None):
    """A TFDS detection example as `(image, {"boxes", "classes"})` with pixel xyxy boxes.

    TFDS keeps boxes as `[y_min, x_min, y_max, x_max]` relative to the image;
    KerasCV and `nes2.tasks.detection` use `[x_min, y_min, x_max, y_max]` in pixels.

    Args:
        example: a TFDS example with `image` and `objects` (`bbox`, `label`).
        size: resize the image to `size` x `size` (the boxes with it); `None` keeps it.
        max_boxes: pad (with -1) or cut the boxes to this many, so that examples batch.

    Examples:
        >>> import tensorflow as tf
        >>> example = {"image": tf.zeros((100, 200, 3), "uint8"),
        ...            "objects": {"bbox": tf.constant([[0.1, 0.25, 0.5, 1.0]]),
        ...                        "label": tf.constant([7])}}
        >>> image, labels = detection_example(example)
        >>> labels["boxes"].numpy().tolist(), labels["classes"].numpy().tolist()
        ([[50.0, 10.0, 200.0, 50.0]], [7.0])
        >>> image, labels = detection_example(example, size=50, max_boxes=2)
        >>> image.shape.as_list(), labels["boxes"].numpy().tolist()
        ([50, 50, 3], [[12.5, 5.0, 50.0, 25.0], [-1.0, -1.0, -1.0, -1.0]])
    """
    import tensorflow as tf

    image = tf.cast(example["image"], tf.float32)
    if size is not None:
        image = tf.image.resize(image, (size, size))
    shape = tf.cast(tf.shape(image)[:2], tf.float32)
    height, width = shape[0], shape[1]
    y0, x0, y1, x1 = tf.unstack(example["objects"]["bbox"], axis=-1)
    boxes = tf.stack(
        [
            tf.minimum(x0, x1) * width,
            tf.minimum(y0, y1) * height,
            tf.maximum(x0, x1) * width,
            tf.maximum(y0, y1) * height,
        ],
        axis=-1,
    )
    classes = tf.cast(example["objects"]["label"], tf.float32)
    if max_boxes is not None:
        count = tf.minimum(tf.minimum(tf.shape(boxes)[0], tf.shape(classes)[0]), max_boxes)
        pad = max_boxes - count
        boxes = tf.pad(boxes[:count], [[0, pad], [0, 0]], constant_values=-1.0)
        classes = tf.pad(classes[:count], [[0, pad]], constant_values=-1.0)
        boxes.set_shape((max_boxes, 4))
        classes.set_shape((max_boxes,))
    return image, {"boxes": boxes, "classes": classes}


def pet_segmentation_example(example: dict, size: int = 128):
    """An Oxford-IIIT Pet example as `(image, mask)` resized to `size` x `size`.

    The TFDS trimap has 1 = pet, 2 = background, 3 = border; the mask here has
    0 = background, 1 = pet, 2 = border (`PET_CLASSES`), resized with nearest
    neighbours so that it keeps whole class numbers.

    Examples:
        >>> import tensorflow as tf
        >>> trimap = tf.constant([[[1], [2]], [[3], [2]]], tf.uint8)
        >>> example = {"image": tf.zeros((2, 2, 3), "uint8"), "segmentation_mask": trimap}
        >>> image, mask = pet_segmentation_example(example, size=4)
        >>> image.shape.as_list(), mask.numpy().tolist()[0]
        ([4, 4, 3], [1, 1, 0, 0])
    """
    import tensorflow as tf

    image = tf.image.resize(tf.cast(example["image"], tf.float32), (size, size))
    trimap = tf.image.resize(example["segmentation_mask"], (size, size), method="nearest")
    # Trimap 1, 2, 3 -> classes 1, 0, 2; clipping keeps any other value a valid class.
    trimap = tf.clip_by_value(tf.cast(trimap[..., 0], tf.int32), 1, 3)
    return image, tf.gather(tf.constant([0, 1, 0, 2]), trimap)
