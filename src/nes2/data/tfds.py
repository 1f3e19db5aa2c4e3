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
PET_CLASSES = ("pet", "background", "border")
"""Oxford-IIIT Pet trimap classes, in the order of `pet_segmentation_example`'s mask values."""


def _reachable(address: tuple[str, int], timeout: float = 5.0) -> bool:
    try:
        socket.create_connection(address, timeout=timeout).close()
    except OSError:
        return False
    return True


def load(name: str, split: str, data_dir: str | None = None):
    """A TFDS data set, prepared on first use; fails fast offline.

    Args:
        name: the TFDS name with its version, e.g. `"voc/2007"`.
        split: e.g. `"train"`, `"validation"`, `"test"`.
        data_dir: where TFDS keeps its data (default `~/tensorflow_datasets`).

    Returns:
        A `tf.data.Dataset` of TFDS example dicts.

    Raises:
        DownloadError: when the data set is not prepared and TFDS' storage
            cannot be reached; the message says how to prepare it elsewhere.

    Examples:
        ```python
        validation = load("coco/2017", "validation")
        ```
    """
    import tensorflow_datasets as tfds

    builder = tfds.builder(name, data_dir=data_dir)
    if not os.path.isdir(builder.data_dir) and not _reachable(TFDS_HOST):
        raise DownloadError(
            f"{name} is not prepared in {builder.data_dir} and {TFDS_HOST[0]} cannot be "
            f"reached. Run `tfds build {name}` where there is a network and copy the folder "
            "there, or pass data_dir=."
        )
    builder.download_and_prepare()
    return builder.as_dataset(split=split)


def voc(split: str = "train", data_dir: str | None = None, year: int = 2007):
    """Pascal VOC (20 classes) for detection. See `load` and `detection_example`."""
    return load(f"voc/{year}", split, data_dir)


def coco(split: str = "validation", data_dir: str | None = None, year: int = 2017):
    """COCO (80 classes) for detection. See `load` and `detection_example`."""
    return load(f"coco/{year}", split, data_dir)


def oxford_pets(split: str = "train", data_dir: str | None = None):
    """Oxford-IIIT Pet for segmentation. See `load` and `pet_segmentation_example`."""
    return load("oxford_iiit_pet", split, data_dir)


def detection_example(example: dict):
    """A TFDS detection example as `(image, {"boxes", "classes"})` with pixel xyxy boxes.

    TFDS keeps boxes as `[y_min, x_min, y_max, x_max]` relative to the image;
    KerasCV and `nes2.tasks.detection` use `[x_min, y_min, x_max, y_max]` in pixels.

    Examples:
        >>> import tensorflow as tf
        >>> example = {"image": tf.zeros((100, 200, 3), "uint8"),
        ...            "objects": {"bbox": tf.constant([[0.1, 0.25, 0.5, 1.0]]),
        ...                        "label": tf.constant([7])}}
        >>> image, labels = detection_example(example)
        >>> labels["boxes"].numpy().tolist(), labels["classes"].numpy().tolist()
        ([[50.0, 10.0, 200.0, 50.0]], [7.0])
    """
    import tensorflow as tf

    image = example["image"]
    size = tf.cast(tf.shape(image)[:2], tf.float32)
    y_min, x_min, y_max, x_max = tf.unstack(example["objects"]["bbox"], axis=-1)
    height, width = size[0], size[1]
    boxes = tf.stack([x_min * width, y_min * height, x_max * width, y_max * height], axis=-1)
    classes = tf.cast(example["objects"]["label"], tf.float32)
    return tf.cast(image, tf.float32), {"boxes": boxes, "classes": classes}


def pet_segmentation_example(example: dict, size: int = 128):
    """An Oxford-IIIT Pet example as `(image, mask)` resized to `size` x `size`.

    The TFDS trimap has 1 = pet, 2 = background, 3 = border; the mask here has
    0, 1, 2 in that order (`PET_CLASSES`), resized with nearest neighbours so
    that it keeps whole class numbers.

    Examples:
        >>> import tensorflow as tf
        >>> trimap = tf.constant([[[1], [2]], [[3], [2]]], tf.uint8)
        >>> example = {"image": tf.zeros((2, 2, 3), "uint8"), "segmentation_mask": trimap}
        >>> image, mask = pet_segmentation_example(example, size=4)
        >>> image.shape.as_list(), mask[:, :, 0].numpy().tolist()[0]
        ([4, 4, 3], [0, 0, 1, 1])
    """
    import tensorflow as tf

    image = tf.image.resize(tf.cast(example["image"], tf.float32), (size, size))
    mask = tf.image.resize(example["segmentation_mask"], (size, size), method="nearest")
    return image, tf.cast(mask, tf.int32) - 1
