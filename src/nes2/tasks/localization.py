"""Classification + localization: one object per image, two heads.

One backbone, two outputs: `class` (softmax over the classes) and `box`
(four numbers, the box's corners relative to the image). The multitask loss
is cross-entropy plus a weighted box regression loss; a box loss weighted too
heavily swamps the classifier, so `BOX_WEIGHT` keeps the two in balance.

The box head does not regress four numbers from flattened features (which
reached a mean IoU of only about 0.75 here). It reads each edge off a
*projection profile*: the feature map's maximum over the rows gives one
feature vector per column, a small 1D convolution scores every column as the
box's left and right edge, and a softmax over the columns turns the scores
into an expected position ("soft-argmax"). The rows give the top and bottom
edges the same way. Positions stay differentiable and sub-pixel exact.

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
from nes2.layers import conv_bn_relu

BOX_WEIGHT = 5.0
"""The weight of the box loss (L1 on relative coordinates) against the cross-entropy."""


@keras.saving.register_keras_serializable(package="nes2")
class SoftArgmaxBox(layers.Layer):
    """Edge scores along x and along y to a relative `[x_min, y_min, x_max, y_max]` box.

    Takes `[x_scores (batch, width, 2), y_scores (batch, height, 2)]`: per
    column (row) a score for the low and the high edge. A softmax over the
    positions gives a distribution for each edge; its mean, with the cells'
    centres in [0, 1], is the edge's position.

    Examples:
        >>> x = np.full((1, 4, 2), -50.0, "float32"); x[0, 1, 0] = x[0, 3, 1] = 50
        >>> y = np.full((1, 2, 2), -50.0, "float32"); y[0, 0, 0] = y[0, 1, 1] = 50
        >>> SoftArgmaxBox()([x, y]).numpy().round(3).tolist()
        [[0.375, 0.25, 0.875, 0.75]]
    """

    def call(self, inputs):
        x_edges, y_edges = (self._expected_position(scores) for scores in inputs)
        return keras.ops.stack(
            [x_edges[:, 0], y_edges[:, 0], x_edges[:, 1], y_edges[:, 1]], axis=-1
        )

    @staticmethod
    def _expected_position(scores):
        n = keras.ops.shape(scores)[1]
        centres = (keras.ops.arange(n, dtype=scores.dtype) + 0.5) / keras.ops.cast(n, scores.dtype)
        weights = keras.ops.softmax(scores, axis=1)
        return keras.ops.sum(weights * centres[None, :, None], axis=1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0][0], 4)

    def get_config(self):
        return super().get_config()


def localization_model(
    input_shape=(64, 64, 1),
    num_classes: int = 10,
    filters=(16, 32, 64, 64),
    box_weight: float = BOX_WEIGHT,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule = 2e-3,
) -> keras.Model:
    """A compiled two-head model: `class` (softmax) and `box` (relative xyxy).

    The backbone is 3x3 convolutions, each with batch normalization and ReLU,
    and a 2x2 max pooling between them. The box head reads the edges off the
    feature map before the last pooling (`SoftArgmaxBox`); the class head
    averages the last feature map.

    Args:
        input_shape: the image shape (pixels 0-255); height and width must be
            divisible by `2 ** (len(filters) - 1)`.
        num_classes: the classes of the class head.
        filters: filters of the backbone's convolutions (at least two).
        box_weight: the weight of the box loss in the total loss.
        learning_rate: of the Adam optimizer: a number or a schedule.

    Examples:
        >>> localization_model((32, 32, 1), 3, filters=(8, 16)).count_params() > 0
        True
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    for i, n in enumerate(filters):
        if i:
            if i == len(filters) - 1:
                features = x
            x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
        x = conv_bn_relu(x, n, suffix=str(i + 1), padding="same")
    pooled = layers.GlobalAveragePooling2D(name="gap")(x)
    classes = layers.Dense(num_classes, activation="softmax", name="class")(pooled)

    height, width, channels = features.shape[1:]
    columns = layers.MaxPooling2D((height, 1), name="column_profile")(features)
    rows = layers.MaxPooling2D((1, width), name="row_profile")(features)
    scores = []
    for axis, profile, length in (("x", columns, width), ("y", rows, height)):
        profile = layers.Reshape((length, channels), name=f"{axis}_profile")(profile)
        profile = layers.Conv1D(32, 3, padding="same", activation="relu", name=f"{axis}_conv")(
            profile
        )
        scores.append(layers.Conv1D(2, 3, padding="same", name=f"{axis}_edge_scores")(profile))
    boxes = SoftArgmaxBox(name="box")(scores)

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
