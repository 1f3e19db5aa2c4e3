"""Regions of a feature map pooled to a fixed size: RoI pooling and RoIAlign.

Fast R-CNN runs the network once over the whole image and cuts each proposed
region out of the feature map instead of out of the image. Regions differ in
size, the layers after them need a fixed one: **RoI pooling** (Girshick, 2015)
rounds the region to whole cells of the map, splits it into `size x size`
bins and keeps the maximum of each. **RoIAlign** (He et al., 2017, Mask
R-CNN) does not round: it samples the map bilinearly at a few points of every
bin and averages them, so that a mask predicted from the pooled features lines
up with the object to a fraction of a cell.

Boxes are `[x_min, y_min, x_max, y_max]` in image pixels; `stride` is the
feature map's (8: one cell per 8 x 8 pixels), and `offset` the pixels before
its first cell: a network of `valid` convolutions loses a border, so its cell
0 is not the image's first `stride` pixels (`cell_geometry` reads both from
the network).

Examples:
    >>> features = np.arange(16, dtype="float32").reshape(4, 4, 1)
    >>> roi_pool(features, [[0, 0, 4, 4]], size=2)[0, ..., 0].tolist()
    [[5.0, 7.0], [13.0, 15.0]]
    >>> roi_align(features, [[0, 0, 4, 4]], size=2)[0, ..., 0].tolist()
    [[2.5, 4.5], [10.5, 12.5]]
"""

from __future__ import annotations

import numpy as np

from nes2.errors import InvalidOptionError


def _checked(features, boxes, size: int):
    features = np.asarray(features, "float32")
    boxes = np.asarray(boxes, "float64").reshape(-1, 4)
    if features.ndim != 3:
        raise InvalidOptionError(
            f"features have shape {features.shape}: give one image's map, "
            "(height, width, channels)."
        )
    if size < 1:
        raise InvalidOptionError(f"size={size}: the pooled regions need at least 1 x 1 bins.")
    return features, boxes


def cell_geometry(model) -> tuple[int, float]:
    """The `(stride, offset)` of a convolutional model's output map, from its layers.

    Cell `n` of the map is centred on the image pixels around
    `offset + (n + 0.5) * stride`: `stride` multiplies the layers' strides,
    and each `valid` convolution or pooling of side `k` moves the centre of
    cell 0 by `(k - 1) / 2` of the current stride (a `same` one pads that back).

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((28, 28, 1)),
        ...     keras.layers.Conv2D(4, 3), keras.layers.MaxPooling2D(),
        ...     keras.layers.Conv2D(4, 3), keras.layers.MaxPooling2D()])
        >>> cell_geometry(model)
        (4, 3.0)
    """
    centre, jump = 0.0, 1  # cell 0's centre, in pixel indices; pixels per cell
    for layer in model.layers:
        config = layer.get_config()
        kernel = config.get("kernel_size") or config.get("pool_size")
        unsupported = (
            hasattr(layer, "layers") or "size" in config or "Transpose" in type(layer).__name__
        )
        if kernel is not None:
            kernels, strides = np.ravel(kernel), np.ravel(config.get("strides") or kernel)
            dilated = np.any(np.ravel(config.get("dilation_rate", 1)) != 1)
            unsupported |= dilated or len(set(kernels)) > 1 or len(set(strides)) > 1
        if unsupported:
            raise InvalidOptionError(
                f"cell_geometry: layer {layer.name} ({type(layer).__name__}) is not a plain "
                "square convolution or pooling; give a model of those (and point-wise layers)."
            )
        if kernel is None:
            continue
        side, step = int(kernels[0]), int(strides[0])
        padded = (max(side - step, 0) // 2) if config.get("padding") == "same" else 0
        centre += ((side - 1) / 2 - padded) * jump
        jump *= step
    return jump, centre + 0.5 - jump / 2


def roi_pool(features, boxes, size: int = 7, stride: int = 1, offset: float = 0.0) -> np.ndarray:
    """Fast R-CNN's RoI pooling: each region rounded to whole cells, max of each bin.

    Args:
        features: `(height, width, channels)`, one image's feature map.
        boxes: `(k, 4)` regions in image pixels (clipped to the map).
        size: the pooled side: every region becomes `size x size`.
        stride: image pixels per cell of the map.
        offset: image pixels before the map's first cell (`cell_geometry`).

    Returns:
        `(k, size, size, channels)`, whatever the regions' sizes.
    """
    features, boxes = _checked(features, boxes, size)
    height, width, channels = features.shape
    out = np.zeros((len(boxes), size, size, channels), "float32")
    for k, box in enumerate(np.round((boxes - offset) / stride).astype(int)):
        x0, y0 = np.clip(box[:2], 0, [width - 1, height - 1])
        x1, y1 = np.maximum(np.clip(box[2:], 0, [width, height]), [x0 + 1, y0 + 1])
        rows = np.linspace(y0, y1, size + 1)
        cols = np.linspace(x0, x1, size + 1)
        for i in range(size):
            r0, r1 = int(np.floor(rows[i])), max(int(np.ceil(rows[i + 1])), int(rows[i]) + 1)
            for j in range(size):
                c0, c1 = int(np.floor(cols[j])), max(int(np.ceil(cols[j + 1])), int(cols[j]) + 1)
                out[k, i, j] = features[r0:r1, c0:c1].max(axis=(0, 1))
    return out


def roi_align(
    features, boxes, size: int = 7, stride: int = 1, samples: int = 2, offset: float = 0.0
) -> np.ndarray:
    """Mask R-CNN's RoIAlign: `samples x samples` bilinear samples per bin, averaged.

    The samples sit at the centres of a regular `size * samples` grid over the
    region, on the map's cell centres (a box edge at pixel 0 is the map's
    coordinate -0.5). A sample within a cell of the map's border reads the
    edge cell (as Mask R-CNN's implementation clamps it), so a constant map
    pools to that constant everywhere.

    Args:
        features: `(height, width, channels)`, one image's feature map.
        boxes: `(k, 4)` regions in image pixels, not rounded.
        size: the pooled side.
        stride: image pixels per cell of the map.
        samples: sampling points per bin side.
        offset: image pixels before the map's first cell (`cell_geometry`).

    Returns:
        `(k, size, size, channels)`.
    """
    features, boxes = _checked(features, boxes, size)
    points = size * samples
    cells = (boxes - offset) / stride - 0.5  # a box in the map's cell-centre coordinates
    out = np.zeros((len(boxes), size, size, features.shape[-1]), "float32")
    for k, (x0, y0, x1, y1) in enumerate(cells):
        ys = y0 + (np.arange(points) + 0.5) * (y1 - y0) / points
        xs = x0 + (np.arange(points) + 0.5) * (x1 - x0) / points
        sampled = _bilinear(features, ys, xs)
        out[k] = sampled.reshape(size, samples, size, samples, -1).mean(axis=(1, 3))
    return out


def _bilinear(features: np.ndarray, ys: np.ndarray, xs: np.ndarray) -> np.ndarray:
    """The map read at every (y, x) of the grid `ys x xs` (cell coordinates), bilinearly,
    a coordinate past the first or last cell's centre clamped to it."""
    height, width, _ = features.shape
    ys, xs = np.clip(ys, 0, height - 1), np.clip(xs, 0, width - 1)
    y0, x0 = np.floor(ys).astype(int), np.floor(xs).astype(int)
    y1, x1 = np.minimum(y0 + 1, height - 1), np.minimum(x0 + 1, width - 1)
    wy, wx = (ys - y0)[:, None, None], (xs - x0)[None, :, None]
    top = features[y0][:, x0] * (1 - wx) + features[y0][:, x1] * wx
    bottom = features[y1][:, x0] * (1 - wx) + features[y1][:, x1] * wx
    return top * (1 - wy) + bottom * wy
