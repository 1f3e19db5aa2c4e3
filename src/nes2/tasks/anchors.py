"""Anchor boxes and the training targets of a single-shot detector, in NumPy.

A single-shot detector (SSD, RetinaNet, YOLO up to v5) predicts, for every
anchor, a class (or "background") and four numbers that move and stretch the
anchor onto an object. This module turns true boxes into those targets:

* `anchors`: boxes of a few sizes and aspect ratios centred on every cell of
  one or more feature maps;
* `match`: which true box (if any) each anchor must find, by IoU;
* `encode` / `decode`: a box as offsets from an anchor, and back;
* `targets`: the class and the offsets every anchor is trained towards.

Boxes are `[x_min, y_min, x_max, y_max]` in pixels, as in `nes2.boxes`.

Examples:
    >>> grid = anchors(32, strides=(16,), sizes=((16,),), ratios=(1.0,))
    >>> grid.astype(int).tolist()  # one anchor on each cell of a 2 x 2 map
    [[0, 0, 16, 16], [16, 0, 32, 16], [0, 16, 16, 32], [16, 16, 32, 32]]
    >>> classes, offsets = targets(grid, [[1, 1, 15, 17]], [7])
    >>> classes.tolist()  # class 7 is target 8: 0 is the background
    [8, 0, 0, 0]
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from nes2.boxes import box_iou
from nes2.errors import InvalidOptionError

STRIDES = (8, 16)
"""Feature-map strides of the two levels: 12 x 12 and 6 x 6 cells on a 96 px canvas."""
SIZES = ((14, 20), (26, 34))
"""Anchor sides (the square root of their area) per level, for digits 10-30 px tall."""
RATIOS = (0.5, 0.9)
"""Width / height of the anchors: digits are taller than wide (a "1" much more so)."""
VARIANCES = (0.1, 0.1, 0.2, 0.2)
"""Scales of the encoded offsets (SSD's), which bring the targets near unit variance."""
POSITIVE_IOU = 0.5
"""An anchor overlapping a true box at least this much is trained to find it."""
NEGATIVE_IOU = 0.4
"""An anchor overlapping every true box less than this is background; between the two it
is ignored (neither object nor background)."""
BACKGROUND = 0
IGNORED = -1


def per_location(sizes: Sequence[Sequence[float]] = SIZES, ratios=RATIOS) -> list[int]:
    """Anchors at each cell of each level.

    Examples:
        >>> per_location()
        [4, 4]
    """
    return [len(level) * len(ratios) for level in sizes]


def anchors(
    image_size: int,
    strides: Sequence[int] = STRIDES,
    sizes: Sequence[Sequence[float]] = SIZES,
    ratios: Sequence[float] = RATIOS,
) -> np.ndarray:
    """Anchor boxes for a square image: every cell of each level, every size and ratio.

    The order is the order of a detector's outputs: level by level, then the
    cells row by row, then the anchors of a cell (sizes x ratios).

    Args:
        image_size: the image side in pixels.
        strides: the feature maps' strides, one per level.
        sizes: per level, the anchor sides (sqrt of the area) in pixels.
        ratios: the anchors' width / height.

    Returns:
        `(n, 4)` xyxy float32 boxes (they may reach past the image's edge).

    Examples:
        >>> anchors(96).shape  # 12 x 12 x 4 + 6 x 6 x 4
        (720, 4)
    """
    if len(strides) != len(sizes):
        raise InvalidOptionError(
            f"strides has {len(strides)} levels but sizes {len(sizes)}: give one size list "
            "per level."
        )
    out = []
    for stride, level in zip(strides, sizes, strict=True):
        cells = -(-image_size // stride)
        centres = (np.arange(cells) + 0.5) * stride
        cy, cx = np.meshgrid(centres, centres, indexing="ij")
        shapes = np.array(
            [(s * np.sqrt(r), s / np.sqrt(r)) for s in level for r in ratios], "float64"
        )
        centre = np.stack([cx, cy], axis=-1).reshape(-1, 1, 2)
        half = shapes[None] / 2
        out.append(np.concatenate([centre - half, centre + half], axis=-1).reshape(-1, 4))
    return np.concatenate(out).astype("float32")


def valid_boxes(boxes, image_size: float | None = None) -> np.ndarray:
    """The boxes clipped to the image, without those that have no area left.

    Args:
        boxes: `(k, 4)` xyxy boxes (rows of -1, the padding, are dropped too).
        image_size: clip to `[0, image_size]` (None: no clipping).

    Returns:
        A boolean mask of the kept rows, and the clipped boxes (all rows).

    Examples:
        >>> keep, clipped = valid_boxes([[-5, 0, 10, 10], [3, 3, 3, 9], [-1, -1, -1, -1]], 8)
        >>> keep.tolist(), clipped[0].tolist()
        ([True, False, False], [0.0, 0.0, 8.0, 8.0])
    """
    boxes = np.asarray(boxes, "float64").reshape(-1, 4)
    if image_size is not None:
        boxes = np.clip(boxes, 0, image_size)
    keep = (boxes[:, 2] > boxes[:, 0]) & (boxes[:, 3] > boxes[:, 1])
    return keep, boxes


def match(
    anchor_boxes, boxes, positive: float = POSITIVE_IOU, negative: float = NEGATIVE_IOU
) -> tuple[np.ndarray, np.ndarray]:
    """Which true box each anchor is trained to find.

    An anchor whose best IoU with a true box is at least `positive` takes that
    box; below `negative` it is background; in between it is ignored. Then
    every true box also takes its own best anchor, even below `positive`, so
    that no object is left without an anchor (unless it overlaps none); where
    two boxes have the same best anchor, the box that overlaps it more keeps
    it and the other takes its next best free anchor.

    Args:
        anchor_boxes: `(n, 4)` anchors.
        boxes: `(k, 4)` true boxes with area (`valid_boxes` drops the others); k may be 0.
        positive, negative: the IoU thresholds.

    Returns:
        `(matched, iou)`: per anchor the index of its box, `-1` for background
        or `-2` for ignored; and the anchor's best IoU.

    Examples:
        >>> grid = anchors(32, strides=(16,), sizes=((16,),), ratios=(1.0,))
        >>> match(grid, [[8, 0, 24, 16]])[0].tolist()  # IoU 1/3 with two: the first gets it anyway
        [0, -1, -1, -1]
        >>> match(grid, [[0, 4, 16, 28]])[0].tolist()  # IoU 0.43 with two: one found, one ignored
        [0, -1, -2, -1]
    """
    if not 0 <= negative <= positive <= 1:
        raise InvalidOptionError(
            f"thresholds negative={negative}, positive={positive}: need 0 <= negative <= "
            "positive <= 1."
        )
    boxes = np.asarray(boxes, "float64").reshape(-1, 4)
    n = len(anchor_boxes)
    if not len(boxes):
        return np.full(n, -1), np.zeros(n)
    iou = box_iou(anchor_boxes, boxes)
    best, best_iou = iou.argmax(axis=1), iou.max(axis=1)
    matched = np.where(best_iou >= positive, best, np.where(best_iou < negative, -1, -2))
    taken: set[int] = set()
    for j in np.argsort(-iou.max(axis=0), kind="stable"):  # the best-placed box chooses first
        for i in np.argsort(-iou[:, j], kind="stable"):
            if iou[i, j] <= 0:
                break
            if i not in taken:  # two boxes with one best anchor: the second takes its next best
                matched[i] = j
                taken.add(int(i))
                break
    return matched, best_iou


def encode(boxes, anchor_boxes, variances: Sequence[float] = VARIANCES) -> np.ndarray:
    """Boxes as offsets from anchors: centre shift / anchor size, log of the size ratio.

    `(dx, dy, dw, dh) = ((x - xa) / wa, (y - ya) / ha, log(w / wa), log(h / ha)) / variances`,
    where `x, y, w, h` are a box's centre and size and `xa, ya, wa, ha` the anchor's.
    A box with no width or height is given the size of one hundredth of a pixel.

    Examples:
        >>> encode([[10, 10, 30, 50]], [[0, 0, 20, 40]]).round(3).tolist()
        [[5.0, 2.5, 0.0, 0.0]]
    """
    box = _centres(boxes)
    anchor = _centres(anchor_boxes)
    shift = (box[:, :2] - anchor[:, :2]) / anchor[:, 2:]
    scale = np.log(np.maximum(box[:, 2:], 0.01) / anchor[:, 2:])
    return (np.concatenate([shift, scale], axis=1) / np.asarray(variances)).astype("float32")


def decode(offsets, anchor_boxes, variances: Sequence[float] = VARIANCES) -> np.ndarray:
    """The inverse of `encode`: offsets from anchors back to xyxy boxes.

    Examples:
        >>> decode([[5.0, 2.5, 0.0, 0.0]], [[0, 0, 20, 40]]).tolist()
        [[10.0, 10.0, 30.0, 50.0]]
    """
    offsets = np.asarray(offsets, "float64").reshape(-1, 4) * np.asarray(variances)
    anchor = _centres(anchor_boxes)
    centre = anchor[:, :2] + offsets[:, :2] * anchor[:, 2:]
    # exp of a wild prediction must not overflow to inf
    size = anchor[:, 2:] * np.exp(np.minimum(offsets[:, 2:], 10.0))
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1).astype("float32")


def _centres(boxes) -> np.ndarray:
    boxes = np.asarray(boxes, "float64").reshape(-1, 4)
    size = boxes[:, 2:] - boxes[:, :2]
    return np.concatenate([boxes[:, :2] + size / 2, size], axis=1)


def targets(
    anchor_boxes,
    boxes,
    classes,
    image_size: float | None = None,
    positive: float = POSITIVE_IOU,
    negative: float = NEGATIVE_IOU,
) -> tuple[np.ndarray, np.ndarray]:
    """What each anchor is trained to predict for one image.

    Args:
        anchor_boxes: `(n, 4)` anchors.
        boxes: `(k, 4)` true boxes; padding rows (-1), boxes without area and the
            parts outside `[0, image_size]` are left out.
        classes: `(k,)` their classes, 0-based.
        image_size: the image side, to clip boxes to (None: no clipping).
        positive, negative: `match`'s thresholds.

    Returns:
        `(classes (n,) int, offsets (n, 4) float32)`: per anchor `1 + class` for
        an object, `BACKGROUND` (0) or `IGNORED` (-1); and the encoded box of
        its object (zeros where there is none).
    """
    keep, clipped = valid_boxes(boxes, image_size)
    classes = np.asarray(classes).reshape(-1)
    if len(classes) != len(keep):
        raise InvalidOptionError(f"{len(keep)} boxes but {len(classes)} classes: give one each.")
    keep &= classes >= 0
    boxes, classes = clipped[keep], classes[keep].astype(int)
    matched, _ = match(anchor_boxes, boxes, positive, negative)
    found = matched >= 0
    labels = np.full(len(anchor_boxes), BACKGROUND, "int32")
    labels[found] = 1 + classes[matched[found]]
    labels[matched == -2] = IGNORED
    offsets = np.zeros((len(anchor_boxes), 4), "float32")
    if found.any():
        offsets[found] = encode(boxes[matched[found]], np.asarray(anchor_boxes)[found])
    return labels, offsets


def batch_targets(anchor_boxes, boxes, classes, image_size: float | None = None) -> dict:
    """`targets` for a batch of padded labels, in the form a detector's `fit` takes.

    Args:
        anchor_boxes: `(n, 4)` anchors.
        boxes: `(b, k, 4)` true boxes, padded with -1.
        classes: `(b, k)` classes, padded with -1.
        image_size: the image side (boxes are clipped to it).

    Returns:
        `{"classes": (b, n) int32, "boxes": (b, n, 5) float32}`: the boxes'
        last column is 1 for the anchors that found an object (their offsets count).

    Examples:
        >>> grid = anchors(32, strides=(16,), sizes=((16,),), ratios=(1.0,))
        >>> out = batch_targets(grid, [[[0, 0, 16, 16]], [[-1, -1, -1, -1]]], [[3], [-1]])
        >>> out["classes"].tolist(), out["boxes"][0, :, 4].tolist()
        ([[4, 0, 0, 0], [0, 0, 0, 0]], [1.0, 0.0, 0.0, 0.0])
    """
    labels, offsets = zip(
        *(
            targets(anchor_boxes, b, c, image_size)
            for b, c in zip(np.asarray(boxes), np.asarray(classes), strict=True)
        ),
        strict=True,
    )
    labels = np.stack(labels)
    positive = (labels > 0).astype("float32")[..., None]
    return {"classes": labels, "boxes": np.concatenate([np.stack(offsets), positive], axis=-1)}
