"""A single-shot detector written out: backbone, two heads, the loss and decoding.

The same idea as SSD (Liu et al., 2016) and RetinaNet (Lin et al., 2017), small
enough to read and to train on a CPU:

* a convolutional backbone gives feature maps at strides 8 and 16;
* on every cell of each map, for every anchor there (`nes2.tasks.anchors`),
  a **class head** (a 3 x 3 convolution) predicts scores for the classes and
  the background, and a **box head** predicts four offsets from the anchor;
* `FocalLoss` compares the classes: of the 720 anchors of a canvas only a few
  hold a digit, and the focal term `(1 - p)^gamma` turns the loss of the many
  easy background anchors almost to zero, so they do not drown the few
  objects (SSD itself keeps three background anchors per object instead,
  "hard-negative mining"); `PositiveSmoothL1` compares the offsets of the
  anchors that hold an object, and only theirs;
* `SingleShotDetector.detect` turns the outputs into boxes: the best class
  of every anchor, its offsets decoded, then non-max suppression per class.

Examples:
    >>> model = SingleShotDetector(num_classes=10, image_size=96)
    >>> outputs = model(np.zeros((1, 96, 96, 3)))
    >>> {name: tuple(value.shape) for name, value in sorted(outputs.items())}
    {'boxes': (1, 720, 4), 'classes': (1, 720, 11)}
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import layers, ops

from nes2.boxes import class_non_max_suppression
from nes2.errors import InvalidOptionError
from nes2.layers import conv_bn_relu
from nes2.tasks import anchors

FILTERS = (16, 32, 48, 64)
"""Filters of the backbone's stages (each halves the map); the maps of the third stage on
(strides 8, 16, ...) carry the heads, one level each."""
PRESETS = {
    "digits": {"filters": FILTERS, "sizes": anchors.SIZES},
    "photos": {
        "filters": (32, 64, 96, 128, 192, 256),
        "sizes": ((24, 40), (56, 88), (120, 170), (220, 300)),
    },
}
"""Backbone and anchors per data: digits on 96 px canvases (two levels, strides 8 and 16);
photographs of 160-320 px (four levels, strides 8-64, anchors 24-300 px)."""
LEARNING_RATE = 3e-3
"""Adam's learning rate (measured on the digit canvases)."""
SCORE_THRESHOLD = 0.2
"""Detections less confident than this are dropped before non-max suppression (as YOLOv8's
decoder in KerasCV does)."""
NMS_IOU = 0.45


@keras.saving.register_keras_serializable(package="nes2")
class FocalLoss(keras.losses.Loss):
    """Softmax focal loss over classes + background, per image, normalised by its objects.

    `-(1 - p)^gamma log p` of the true class, summed over the anchors that are
    not ignored (target -1) and divided by the number of anchors that hold an
    object (at least 1). `gamma = 0` is plain cross-entropy.

    Examples:
        >>> loss = FocalLoss(gamma=2.0)
        >>> logits = np.log([[[0.9, 0.1], [0.5, 0.5], [0.2, 0.8]]])
        >>> round(float(loss(np.array([[0, -1, 1]]), logits)), 5)  # 0.1²·0.105 + 0.2²·0.223
        0.00998
    """

    def __init__(self, gamma: float = 2.0, name: str = "focal", **kwargs):
        super().__init__(name=name, **kwargs)
        self.gamma = gamma

    def call(self, y_true, y_pred):
        y_true = ops.cast(y_true, "int32")
        counted = ops.cast(y_true >= 0, y_pred.dtype)
        log_p = ops.log_softmax(y_pred, axis=-1)
        true = ops.one_hot(ops.maximum(y_true, 0), ops.shape(y_pred)[-1], dtype=y_pred.dtype)
        log_p_true = ops.sum(true * log_p, axis=-1)
        focal = -((1.0 - ops.exp(log_p_true)) ** self.gamma) * log_p_true
        objects = ops.maximum(ops.sum(ops.cast(y_true > 0, y_pred.dtype), axis=-1), 1.0)
        return ops.sum(focal * counted, axis=-1) / objects

    def get_config(self):
        return {**super().get_config(), "gamma": self.gamma}


@keras.saving.register_keras_serializable(package="nes2")
class PositiveSmoothL1(keras.losses.Loss):
    """Smooth-L1 (Huber) distance of the offsets, on the anchors that hold an object only.

    `y_true` is `(batch, anchors, 5)`: four target offsets and a last column that
    is 1 where the anchor holds an object (`anchors.batch_targets`). The sum
    over those anchors is divided by their number (at least 1).

    Examples:
        >>> loss = PositiveSmoothL1()
        >>> y_true = np.array([[[0, 0, 0, 0, 1], [9, 9, 9, 9, 0]]], "float32")
        >>> float(loss(y_true, np.array([[[0.5, 0, 0, 2], [0, 0, 0, 0]]], "float32")))
        1.625
    """

    def __init__(self, delta: float = 1.0, name: str = "smooth_l1", **kwargs):
        super().__init__(name=name, **kwargs)
        self.delta = delta

    def call(self, y_true, y_pred):
        positive = y_true[..., 4]
        error = ops.abs(y_true[..., :4] - y_pred)
        huber = ops.where(error < self.delta, 0.5 * error**2 / self.delta, error - 0.5 * self.delta)
        objects = ops.maximum(ops.sum(positive, axis=-1), 1.0)
        return ops.sum(ops.sum(huber, axis=-1) * positive, axis=-1) / objects

    def get_config(self):
        return {**super().get_config(), "delta": self.delta}


def backbone(image, filters: Sequence[int] = FILTERS) -> list:
    """Four stages of convolution + max pooling; returns the stride-8 and stride-16 maps."""
    x = layers.Rescaling(1.0 / 255, name="rescale")(image)
    maps = []
    for stage, n in enumerate(filters, start=1):
        x = conv_bn_relu(x, n, padding="same", prefix="backbone_", suffix=f"{stage}a")
        if stage >= 3:
            x = conv_bn_relu(x, n, padding="same", prefix="backbone_", suffix=f"{stage}b")
        x = layers.MaxPooling2D(2, padding="same", name=f"backbone_pool{stage}")(x)
        if stage >= 3:
            maps.append(x)
    return maps


def head(features, outputs_per_anchor: int, anchors_per_cell: int, name: str):
    """A 3 x 3 convolution giving `outputs_per_anchor` numbers per anchor, as `(anchors, n)`."""
    x = layers.Conv2D(anchors_per_cell * outputs_per_anchor, 3, padding="same", name=name)(features)
    return layers.Reshape((-1, outputs_per_anchor), name=f"{name}_per_anchor")(x)


@keras.saving.register_keras_serializable(package="nes2")
class SingleShotDetector(keras.Model):
    """A small single-shot anchor detector for square images (a functional model).

    Outputs `{"classes": (batch, anchors, num_classes + 1) logits (index 0 is
    the background), "boxes": (batch, anchors, 4) offsets}`, the anchors in
    `anchor_boxes` (`anchors.anchors(image_size, strides, sizes, ratios)`) order. Train it with
    `compile_detector` on `anchors.batch_targets(...)`; `detect` gives boxes.

    Args:
        num_classes: object classes (without the background).
        image_size: the side of the square input images, pixels 0-255.
        channels: the images' channels.
        sizes: per level, the anchor sides; one level per backbone stage from
            the third on (strides 8, 16, ...), so `len(sizes) == len(filters) - 2`.
        ratios: the anchors' width / height.
        filters: the backbone's filters per stage.

    Examples:
        >>> model = SingleShotDetector(10, image_size=64)
        >>> model.anchor_boxes.shape  # 8 x 8 x 4 + 4 x 4 x 4
        (320, 4)
    """

    def __init__(
        self,
        num_classes: int = 10,
        image_size: int = 96,
        channels: int = 3,
        sizes: Sequence[Sequence[float]] = anchors.SIZES,
        ratios: Sequence[float] = anchors.RATIOS,
        filters: Sequence[int] = FILTERS,
        **kwargs,
    ):
        if len(sizes) != len(filters) - 2:
            raise InvalidOptionError(
                f"{len(filters)} backbone stages give {len(filters) - 2} levels (strides 8, "
                f"16, ...) but sizes has {len(sizes)}: give one size list per level."
            )
        image = keras.Input((image_size, image_size, channels), name="image")
        per_cell = anchors.per_location(sizes, ratios)
        classes, boxes = [], []
        for level, (features, count) in enumerate(
            zip(backbone(image, filters), per_cell, strict=True), start=1
        ):
            classes.append(head(features, num_classes + 1, count, f"class_head{level}"))
            boxes.append(head(features, 4, count, f"box_head{level}"))
        outputs = {
            "classes": layers.Concatenate(axis=1, name="classes")(classes),
            "boxes": layers.Concatenate(axis=1, name="boxes")(boxes),
        }
        super().__init__(inputs=image, outputs=outputs, **kwargs)
        # Every anchor starts as background with p = 0.99, so that the first steps'
        # loss is not dominated by hundreds of background anchors (RetinaNet's prior).
        prior = np.log(0.99 * num_classes / 0.01)
        for level, count in enumerate(per_cell, start=1):
            bias = np.tile(np.r_[prior, np.zeros(num_classes)], count).astype("float32")
            self.get_layer(f"class_head{level}").bias.assign(bias)
        self.num_classes, self.image_size, self.channels = num_classes, image_size, channels
        self.sizes = tuple(tuple(level) for level in sizes)
        self.ratios, self.filters = tuple(ratios), tuple(filters)
        self.strides = tuple(2 ** (level + 3) for level in range(len(self.sizes)))
        self.anchor_boxes = anchors.anchors(image_size, self.strides, self.sizes, self.ratios)

    def get_config(self):
        return {
            "num_classes": self.num_classes,
            "image_size": self.image_size,
            "channels": self.channels,
            "sizes": self.sizes,
            "ratios": self.ratios,
            "filters": self.filters,
            "name": self.name,
        }

    def targets(self, boxes, classes) -> dict:
        """`fit` labels from padded true boxes and classes (`anchors.batch_targets`)."""
        return anchors.batch_targets(self.anchor_boxes, boxes, classes, self.image_size)

    def detect(
        self,
        images,
        score_threshold: float = SCORE_THRESHOLD,
        iou_threshold: float = NMS_IOU,
        batch_size: int = 64,
    ) -> list[dict]:
        """Detections per image, as `nes2.tasks.detection.predict` gives them.

        Each anchor's best class (not the background) and its score; the anchors
        scoring at least `score_threshold` are decoded to boxes, clipped to the
        image, and non-max suppression keeps the best of each class.

        Returns:
            Per image `{"boxes" (k, 4) xyxy, "scores" (k,), "classes" (k,)}`, best first.
        """
        raw = self.predict(np.asarray(images, "float32"), batch_size=batch_size, verbose=0)
        probabilities = keras.ops.convert_to_numpy(ops.softmax(raw["classes"], axis=-1))
        found = []
        for p, offsets in zip(probabilities, raw["boxes"], strict=True):
            scores, classes = p[:, 1:].max(axis=1), p[:, 1:].argmax(axis=1)
            kept = np.flatnonzero(scores >= score_threshold)
            scores, classes = scores[kept], classes[kept]
            boxes = np.clip(
                anchors.decode(offsets[kept], self.anchor_boxes[kept]), 0, self.image_size
            )
            keep = class_non_max_suppression(boxes, scores, classes, iou_threshold)
            found.append({"boxes": boxes[keep], "scores": scores[keep], "classes": classes[keep]})
        return found


def compile_detector(model: SingleShotDetector, learning_rate=1e-3, gamma: float = 2.0):
    """Adam, `FocalLoss` on the classes and `PositiveSmoothL1` on the boxes (Keras prints both).

    Examples:
        >>> model = compile_detector(SingleShotDetector(10, image_size=64))
        >>> sorted(model.loss)
        ['boxes', 'classes']
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=10.0),
        loss={"classes": FocalLoss(gamma), "boxes": PositiveSmoothL1()},
    )
    return model
