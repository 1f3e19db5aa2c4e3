"""Classification + localization: one object per image, two heads.

One backbone, two outputs: `class` (softmax over the classes) and `box`
(four numbers, the box's corners relative to the image, from a linear layer:
a sigmoid here saturated early and stopped learning). The multitask loss is
cross-entropy plus a weighted box regression loss; a box loss weighted too
heavily swamps the classifier, so `BOX_WEIGHT` keeps the two in balance.

The backbone sees two extra input channels with each pixel's x and y
coordinate ("CoordConv", Liu et al. 2018), which makes positions easy to
regress for a convolution that is otherwise translation-invariant.

Examples:
    >>> model = localization_model((64, 64, 1), 10)
    >>> [tuple(o.shape) for o in model.outputs]
    [(None, 10), (None, 4)]
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from nes2.boxes import paired_iou

BOX_WEIGHT = 1.0
"""The weight of the box loss (L1 on relative coordinates) against the cross-entropy."""


@keras.saving.register_keras_serializable(package="nes2")
class AddCoords(layers.Layer):
    """Append two channels with the x and y coordinate of each pixel, in [-1, 1].

    Examples:
        >>> AddCoords()(np.zeros((1, 3, 5, 1))).shape
        TensorShape([1, 3, 5, 3])
    """

    def call(self, images):
        shape = keras.ops.shape(images)
        batch, height, width = shape[0], shape[1], shape[2]
        ys = keras.ops.linspace(-1.0, 1.0, height)
        xs = keras.ops.linspace(-1.0, 1.0, width)
        grid_y, grid_x = keras.ops.meshgrid(ys, xs, indexing="ij")
        coords = keras.ops.stack([grid_x, grid_y], axis=-1)[None]
        coords = keras.ops.broadcast_to(coords, (batch, height, width, 2))
        return keras.ops.concatenate([images, keras.ops.cast(coords, images.dtype)], axis=-1)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], input_shape[-1] + 2)

    def get_config(self):
        return super().get_config()


def localization_model(
    input_shape=(64, 64, 1),
    num_classes: int = 10,
    filters=(16, 32, 64, 64),
    box_weight: float = BOX_WEIGHT,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 2e-3,
) -> keras.Model:
    """A compiled two-head model: `class` (softmax) and `box` (linear, relative xyxy).

    Args:
        input_shape: the image shape (pixels 0-255).
        num_classes: the classes of the class head.
        filters: filters of the backbone's 3x3 convolutions (each followed by
            batch normalization and ReLU, all but the last by 2x2 max pooling).
        box_weight: the weight of the box loss in the total loss.
        learning_rate: of the Adam optimizer: a number or a schedule.

    Examples:
        >>> localization_model((32, 32, 1), 3, filters=(8, 16)).count_params() > 0
        True
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    x = AddCoords(name="coords")(x)
    for i, n in enumerate(filters):
        x = layers.Conv2D(n, 3, padding="same", use_bias=False, name=f"conv{i + 1}")(x)
        x = layers.BatchNormalization(momentum=0.9, name=f"bn{i + 1}")(x)
        x = layers.Activation("relu", name=f"relu{i + 1}")(x)
        if i < len(filters) - 1:
            x = layers.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    pooled = layers.GlobalAveragePooling2D(name="gap")(x)
    classes = layers.Dense(num_classes, activation="softmax", name="class")(pooled)
    flat = layers.Flatten(name="flatten")(x)
    hidden = layers.Dense(128, activation="relu", name="box_hidden")(flat)
    boxes = layers.Dense(4, name="box")(hidden)
    model = keras.Model(inputs, [classes, boxes], name="localization")
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss={"class": "sparse_categorical_crossentropy", "box": "mean_absolute_error"},
        loss_weights={"class": 1.0, "box": box_weight},
        metrics={"class": ["accuracy"]},
    )
    return model


def evaluate_localization(model, images, labels, boxes_relative) -> dict[str, float]:
    """Accuracy of the class head and mean IoU of the box head.

    Returns:
        `{"accuracy", "mean_iou", "iou_over_0.5"}`; `mean_iou` is the mean
        over images of the IoU between predicted and true box.

    Examples:
        ```python
        evaluate_localization(model, x_test, y_test, boxes_test)
        ```
    """
    probabilities, predicted = model.predict(images, verbose=0)
    iou = paired_iou(np.clip(predicted, 0, 1), boxes_relative)
    return {
        "accuracy": round(float(np.mean(probabilities.argmax(axis=1) == np.asarray(labels))), 4),
        "mean_iou": round(float(iou.mean()), 4),
        "iou_over_0.5": round(float(np.mean(iou > 0.5)), 4),
    }
