"""A regression head: predicting the tilt of handwritten digits.

After MATLAB's example "Train Convolutional Neural Network for Regression": a
CNN whose last layer is linear and whose targets are numbers, not classes.
The angle is predicted as its sine and cosine (`target="sincos"`), which has
no jump at the ends of the range and is what worked best here; `target="angle"`
regresses the angle in degrees directly, for comparison.

Examples:
    >>> model = tilt_model()
    >>> model.output.shape
    (None, 2)
    >>> float(angles_from_output(np.array([[0.5, 0.8660254]]))[0].round(3))
    30.0
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from nes2.errors import InvalidOptionError
from nes2.layers import conv_bn_relu

TARGETS = ("sincos", "angle")
ANGLE_SCALE = 45.0
"""`target="angle"` predicts the angle divided by this, so targets lie in [-1, 1]."""


def tilt_model(
    input_shape=(28, 28, 1),
    target: str = "sincos",
    filters=(32, 64, 64),
    dense_units: int = 128,
    batch_norm: bool = False,
) -> keras.Model:
    """A small CNN with a linear regression head (uncompiled).

    Args:
        input_shape: image shape; pixels 0-255 (the model rescales them).
        target: `"sincos"` (two outputs: sine and cosine of the angle) or
            `"angle"` (one output: the angle / `ANGLE_SCALE`).
        filters: filters of the 3x3 convolutions (max pooling after the first two).
        dense_units: units of the hidden dense layer.
        batch_norm: batch normalization after each convolution.

    Examples:
        >>> tilt_model(target="angle").output.shape
        (None, 1)
    """
    if target not in TARGETS:
        raise InvalidOptionError(f"target must be one of {TARGETS}, not {target!r}.")
    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    for i, n in enumerate(filters):
        x = conv_bn_relu(x, n, suffix=str(i + 1), batch_norm=batch_norm, momentum=0.99)
        if i < len(filters) - 1:
            x = layers.MaxPooling2D(2, name=f"pool{i + 1}")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    outputs = layers.Dense(2 if target == "sincos" else 1, name="regression")(x)
    return keras.Model(inputs, outputs, name=f"tilt_{target}")


def targets_from_angles(angles, target: str = "sincos") -> np.ndarray:
    """The regression targets for angles in degrees.

    Examples:
        >>> targets_from_angles(np.array([90.0])).round(3).tolist()
        [[1.0, 0.0]]
    """
    radians = np.deg2rad(np.asarray(angles, dtype="float64"))
    if target == "sincos":
        return np.stack([np.sin(radians), np.cos(radians)], axis=-1).astype("float32")
    if target == "angle":
        return (np.asarray(angles, dtype="float32") / ANGLE_SCALE)[:, None]
    raise InvalidOptionError(f"target must be one of {TARGETS}, not {target!r}.")


def angles_from_output(output) -> np.ndarray:
    """Angles in degrees from the model's output (either target).

    Examples:
        >>> angles_from_output(np.array([[-0.5]])).tolist()
        [-22.5]
    """
    output = np.asarray(output, dtype="float64")
    if output.shape[-1] == 2:
        return np.rad2deg(np.arctan2(output[:, 0], output[:, 1]))
    return output[:, 0] * ANGLE_SCALE


def angle_metrics(true_deg, predicted_deg, tolerance: float = 10.0) -> dict[str, float]:
    """RMSE and MAE in degrees and the share of predictions within `tolerance` degrees.

    Examples:
        >>> angle_metrics([0, 10, 20], [1, 12, 35])
        {'rmse_deg': 8.76, 'mae_deg': 6.0, 'within_10deg': 0.6667}
    """
    error = np.asarray(predicted_deg, dtype="float64") - np.asarray(true_deg, dtype="float64")
    return {
        "rmse_deg": round(float(np.sqrt(np.mean(error**2))), 2),
        "mae_deg": round(float(np.mean(np.abs(error))), 2),
        f"within_{tolerance:g}deg": round(float(np.mean(np.abs(error) <= tolerance)), 4),
    }
