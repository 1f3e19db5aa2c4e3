"""Detection by a sliding window: a classifier run on every window, at several sizes.

The method before region proposals: cut the image into overlapping windows
of a few sizes, resize each to the classifier's input, classify all of them,
keep the windows whose best class is not "background" with a high score and
remove duplicates by non-max suppression. It needs one pass of the network
per window (hundreds to thousands per image); R-CNN cut that to about 2,000
proposed regions, and one-pass detectors (YOLO, SSD, RetinaNet) to one pass
per image.

The classifier learns the digits and an 11th class, background: windows
that miss every digit or catch less than half of one (`patches`); a large
window around a small digit holds the digit, however small its IoU with it.

`fully_convolutional` rewrites the classifier's dense layers as convolutions
with the same weights (Sermanet et al., OverFeat, 2014): run once over the
whole image, it classifies every window of its input size at once, and its
output map equals the window-by-window classifications (`one_pass`).

Examples:
    >>> boxes, _ = windows(np.zeros((96, 96, 1), "float32"), sizes=(32,), stride=16)
    >>> len(boxes), boxes[1].tolist()
    (25, [16.0, 0.0, 48.0, 32.0])
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nes2.boxes import box_coverage, non_max_suppression
from nes2.errors import InvalidOptionError

SIZES = (20, 28, 36, 44)
"""Window sides in pixels (the digits on the canvases are 16-42 px tall)."""
STRIDE = 4
INPUT = 28
BACKGROUND = 10
"""The class of windows without a whole digit."""


def _resize(crops, size: int = INPUT) -> np.ndarray:
    import tensorflow as tf

    return tf.image.resize(np.asarray(crops, "float32"), (size, size)).numpy()


def windows(image, sizes: Sequence[int] = SIZES, stride: int = STRIDE):
    """Every window of the given sides, `stride` pixels apart.

    Returns:
        `(boxes (n, 4) xyxy, crops (n, INPUT, INPUT, channels))`.
    """
    image = np.asarray(image, "float32")
    height, width = image.shape[:2]
    boxes, crops = [], []
    for side in sizes:
        grid = [
            (left, top)
            for top in range(0, height - side + 1, stride)
            for left in range(0, width - side + 1, stride)
        ]
        views = [image[top : top + side, left : left + side] for left, top in grid]
        crops.append(_resize(views))
        boxes += [(left, top, left + side, top + side) for left, top in grid]
    return np.asarray(boxes, "float32"), np.concatenate(crops)


def _square(box, margin: float, size: int):
    left, top, right, bottom = box
    side = max(right - left, bottom - top) * (1 + margin)
    cx, cy = (left + right) / 2, (top + bottom) / 2
    half = side / 2
    return [int(max(0, round(c - half))) for c in (cx, cy)] + [
        int(min(size, round(c + half))) for c in (cx, cy)
    ]


def background_windows(boxes, size: int, count: int, rng) -> np.ndarray:
    """Up to `count` random square windows of the `SIZES` on a `size` x `size` canvas that
    hold less than half of every box in `boxes` (windows that hold more are drawn and dropped).

    Returns:
        `(k, 4)` xyxy windows, `k <= count`.
    """
    windows = []
    for _ in range(count):
        side = int(rng.choice(SIZES))
        left, top = rng.integers(0, size - side + 1, 2)
        window = np.array([left, top, left + side, top + side], "float32")
        if len(boxes) and box_coverage(window, boxes).max() >= 0.5:
            continue
        windows.append(window)
    return np.asarray(windows, "float32").reshape(-1, 4)


def patches(canvases, per_canvas: int = 4, seed: int = 0):
    """Training patches from digit canvases: each digit in a square window (class = digit)
    and `per_canvas` random windows holding less than half of any digit (background).

    Returns:
        `(x (n, INPUT, INPUT, channels) float32, y (n,) int)`.
    """
    rng = np.random.default_rng(seed)
    size = canvases.images.shape[1]
    x, y = [], []
    for image, boxes, classes in zip(
        canvases.images, canvases.boxes, canvases.classes, strict=True
    ):
        for box, digit in zip(boxes, classes, strict=True):
            left, top, right, bottom = _square(box, rng.uniform(0.05, 0.25), size)
            x.append(_resize([image[top:bottom, left:right]])[0])
            y.append(int(digit))
        for left, top, right, bottom in background_windows(boxes, size, per_canvas, rng).astype(
            int
        ):
            x.append(_resize([image[top:bottom, left:right]])[0])
            y.append(BACKGROUND)
    return np.stack(x), np.asarray(y)


def detect(
    classifier,
    image,
    *,
    sizes: Sequence[int] = SIZES,
    stride: int = STRIDE,
    threshold: float = 0.9,
    iou: float = 0.3,
) -> dict:
    """Slide `classifier` over `image`; detections as `nes2.tasks.detection.predict` gives them.

    Returns:
        `{"boxes", "scores", "classes", "windows", "score_maps"}`: the kept detections,
        how many windows were classified, and for each window size (`sizes`
        order) an image-sized map of the best digit score of the window
        centred there.
    """
    boxes, crops = windows(image, sizes, stride)
    probabilities = classifier.predict(crops, batch_size=512, verbose=0)
    digits = np.delete(probabilities, BACKGROUND, axis=1)
    scores, classes = digits.max(axis=1), digits.argmax(axis=1)
    confident = np.flatnonzero((probabilities.argmax(axis=1) != BACKGROUND) & (scores >= threshold))
    keep = confident[non_max_suppression(boxes[confident], scores[confident], iou)]
    return {
        "boxes": boxes[keep],
        "scores": scores[keep],
        "classes": classes[keep],
        "windows": len(boxes),
        "score_maps": _score_maps(scores, np.asarray(image).shape[0], sizes, stride),
    }


def _score_maps(scores, size: int, sizes: Sequence[int], stride: int) -> list[np.ndarray]:
    """Per window size, each window's score drawn around its centre on the image's grid."""
    maps, start = [], 0
    for side in sizes:
        n = (size - side) // stride + 1
        blocks = np.kron(scores[start : start + n * n].reshape(n, n), np.ones((stride, stride)))
        offset = (side - stride) // 2
        grid = np.zeros((size, size), "float32")
        end = min(size, offset + len(blocks))
        grid[offset:end, offset:end] = blocks[: end - offset, : end - offset]
        maps.append(grid)
        start += n * n
    return maps


def fully_convolutional(classifier, until: str | None = None):
    """The classifier with its dense layers as convolutions, the same weights copied.

    A dense layer after `Flatten` sees an `(h, w, c)` map: it becomes an
    `h x w` convolution with the dense kernel reshaped to `(h, w, c, units)`;
    each later dense layer becomes a `1 x 1` convolution. Every other layer is
    reused as it is (shared weights). On an image larger than the classifier's
    input, the output is a map: one classification per window of the input
    size, `classifier`'s total stride apart.

    Args:
        classifier: a Keras model that is a chain of layers ending in
            `Flatten` and `Dense` layers (`nes2.models.small_convnet`).
        until: stop after the layer of this name: the model then gives that
            layer's feature map of the whole image.

    Returns:
        A model for images of any size (at least the classifier's input).
    """
    import keras

    inputs = keras.Input((None, None, classifier.input_shape[-1]), name="image")
    x, flat = inputs, None
    for layer in classifier.layers[1:]:
        if isinstance(layer, keras.layers.Flatten):
            flat = layer.input.shape[1:]
            continue
        if isinstance(layer, keras.layers.Dense):
            kernel, bias = layer.get_weights()
            window = flat[:2] if flat is not None else (1, 1)
            conv = keras.layers.Conv2D(
                layer.units, window, activation=layer.activation, name=f"{layer.name}_as_conv"
            )
            x = conv(x)
            conv.set_weights([kernel.reshape((*window, -1, layer.units)), bias])
            flat = None
        else:
            x = layer(x)
        if layer.name == until:
            break
    else:
        if until is not None:
            names = ", ".join(layer.name for layer in classifier.layers)
            raise InvalidOptionError(
                f"until={until!r}: the classifier has no such layer ({names})."
            )
    return keras.Model(inputs, x, name=f"{classifier.name}_fully_convolutional")


def one_pass(model, image, side: int = INPUT):
    """Classify every window of one size with one pass of a `fully_convolutional` model.

    The image is scaled by `INPUT / side`, so that a window of `side` pixels
    becomes the classifier's input size; each output cell is one window.

    Returns:
        `(boxes (n, 4) xyxy in the image's pixels, probabilities (n, classes))`,
        the windows row by row.
    """
    image = np.asarray(image, "float32")
    scale = INPUT / side
    height, width = image.shape[:2]
    scaled = _resize([image], round(height * scale))[0] if side != INPUT else image
    probabilities = np.asarray(model(scaled[None]))[0]
    rows, cols = probabilities.shape[:2]
    step = _total_stride(model) / scale
    top, left = np.meshgrid(np.arange(rows) * step, np.arange(cols) * step, indexing="ij")
    corners = np.stack([left.ravel(), top.ravel()], axis=1)
    boxes = np.concatenate([corners, corners + side], axis=1)
    boxes = np.minimum(boxes, [width, height, width, height]).astype("float32")
    return boxes, probabilities.reshape(rows * cols, -1)


def _total_stride(model) -> int:
    """How many input pixels apart the cells of the model's output map are."""
    stride = 1
    for layer in model.layers:
        step = getattr(layer, "strides", 1)
        stride *= int(np.prod(step)) if isinstance(step, int) else int(step[0])
    return stride
