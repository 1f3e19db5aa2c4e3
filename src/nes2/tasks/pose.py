"""Pose estimation as keypoint heatmap regression, on a small scale.

Human pose estimation predicts, for every body joint, a heatmap whose peak
marks the joint. Here the "skeleton" of a handwritten digit has two
keypoints, the top-most and the bottom-most point of its ink; a small
encoder-decoder predicts one heatmap per keypoint, and the keypoint is the
heatmap's argmax. The loss treats each heatmap as a distribution over the
pixels (softmax) and compares it with the Gaussian around the true point
(`spatial_cross_entropy`); plain MSE on mostly-zero maps learns to predict
zeros everywhere.

Examples:
    >>> ink = np.zeros((1, 8, 8), "uint8"); ink[0, 2:6, 4] = 255
    >>> keypoints(ink).tolist()
    [[[2.0, 4.0], [5.0, 4.0]]]
"""

from __future__ import annotations

import numpy as np

KEYPOINTS = ["vrchol", "pata"]


def keypoints(images, threshold: int = 60) -> np.ndarray:
    """The top-most and bottom-most ink pixel of each image, as `(n, 2, [row, column])`.

    Where several pixels share the extreme row, the middle one is taken.
    """
    images = np.asarray(images)
    if images.ndim == 4:
        images = images[..., 0]
    out = np.zeros((len(images), 2, 2), dtype="float32")
    for i, image in enumerate(images):
        rows, cols = np.nonzero(image > threshold)
        for k, row in enumerate((rows.min(), rows.max())):
            out[i, k] = row, np.median(cols[rows == row]).round()
    return out


def heatmaps(points, size: int, sigma: float = 1.5) -> np.ndarray:
    """Gaussian heatmaps `(n, size, size, k)` peaking at 1 at each keypoint `(n, k, 2)`.

    Examples:
        >>> h = heatmaps(np.array([[[3.0, 5.0]]]), 8)
        >>> np.unravel_index(h[0, ..., 0].argmax(), (8, 8)), float(h.max())
        ((np.int64(3), np.int64(5)), 1.0)
    """
    grid = np.arange(size, dtype="float32")
    rows = grid[None, None, :, None]
    cols = grid[None, None, None, :]
    points = np.asarray(points, dtype="float32")
    distance = (rows - points[..., 0, None, None]) ** 2 + (cols - points[..., 1, None, None]) ** 2
    return np.exp(-distance / (2 * sigma**2)).transpose(0, 2, 3, 1)


def decode(predicted) -> np.ndarray:
    """Keypoints `(n, k, [row, column])` from heatmaps `(n, h, w, k)`: the argmax of each map.

    Examples:
        >>> decode(heatmaps(np.array([[[1.0, 2.0], [6.0, 7.0]]]), 8)).tolist()
        [[[1.0, 2.0], [6.0, 7.0]]]
    """
    predicted = np.asarray(predicted)
    n, h, w, k = predicted.shape
    flat = predicted.transpose(0, 3, 1, 2).reshape(n, k, h * w).argmax(axis=-1)
    return np.stack([flat // w, flat % w], axis=-1).astype("float32")


def spatial_cross_entropy(y_true, y_pred):
    """Cross-entropy between per-keypoint softmax over pixels and the normalized target maps.

    Args:
        y_true: `(n, h, w, k)` target heatmaps (any non-negative scale).
        y_pred: `(n, h, w, k)` logits.

    Examples:
        >>> target = heatmaps(np.array([[[3.0, 3.0]]]), 8)
        >>> good = float(spatial_cross_entropy(target, 20 * target).numpy().mean())
        >>> bad = float(spatial_cross_entropy(target, 20 * target[:, ::-1, ::-1]).numpy().mean())
        >>> good < bad
        True
    """
    import keras

    ops = keras.ops
    shape = ops.shape(y_pred)
    logits = ops.reshape(ops.transpose(y_pred, (0, 3, 1, 2)), (shape[0], shape[3], -1))
    target = ops.reshape(
        ops.transpose(ops.cast(y_true, y_pred.dtype), (0, 3, 1, 2)), (shape[0], shape[3], -1)
    )
    target = target / (ops.sum(target, axis=-1, keepdims=True) + 1e-7)
    return ops.mean(-ops.sum(target * ops.log_softmax(logits, axis=-1), axis=-1), axis=-1)


def heatmap_model(input_shape=(32, 32, 1), num_keypoints: int = 2, width: int = 16):
    """A small encoder-decoder that outputs one heatmap (logits) per keypoint, compiled.

    Examples:
        >>> heatmap_model().output.shape
        (None, 32, 32, 2)
    """
    import keras
    from keras import layers

    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    skip = layers.Conv2D(width, 3, padding="same", activation="relu", name="enc1")(x)
    x = layers.MaxPooling2D(2, name="pool1")(skip)
    x = layers.Conv2D(2 * width, 3, padding="same", activation="relu", name="enc2")(x)
    x = layers.Conv2D(2 * width, 3, padding="same", activation="relu", name="enc3")(x)
    x = layers.Conv2DTranspose(width, 2, strides=2, name="up")(x)
    x = layers.Concatenate(name="skip")([x, skip])
    x = layers.Conv2D(width, 3, padding="same", activation="relu", name="dec")(x)
    outputs = layers.Conv2D(num_keypoints, 1, name="heatmaps")(x)
    model = keras.Model(inputs, outputs, name="keypoints")
    model.compile(keras.optimizers.Adam(2e-3), spatial_cross_entropy)
    return model
