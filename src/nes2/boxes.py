"""Bounding boxes in NumPy: IoU, format conversion and non-max suppression.

Boxes are `[x_min, y_min, x_max, y_max]` ("xyxy") unless a function says
otherwise. These small functions are what the lecture explains; the detectors
themselves use KerasCV's and KerasHub's tensor versions.

Examples:
    >>> box_iou(np.array([[0, 0, 2, 2]]), np.array([[1, 1, 3, 3]])).round(3).tolist()
    [[0.143]]
"""

from __future__ import annotations

import numpy as np


def _overlap(a, b) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """`(n, m)` intersection areas of xyxy boxes `a` and `b`, and their areas (broadcastable)."""
    a = np.asarray(a, dtype="float64").reshape(-1, 4)[:, None, :]
    b = np.asarray(b, dtype="float64").reshape(-1, 4)[None, :, :]
    width = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    height = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    area_a = (a[..., 2] - a[..., 0]) * (a[..., 3] - a[..., 1])
    area_b = (b[..., 2] - b[..., 0]) * (b[..., 3] - b[..., 1])
    return width * height, area_a, area_b


def box_iou(a, b) -> np.ndarray:
    """Intersection over union of every box in `a` with every box in `b`.

    Args:
        a: `(n, 4)` xyxy boxes.
        b: `(m, 4)` xyxy boxes.

    Returns:
        An `(n, m)` array of IoU in [0, 1] (0 for boxes without area).

    Examples:
        >>> box_iou(np.array([[0, 0, 4, 4], [0, 0, 2, 2]]), np.array([[0, 0, 4, 4]])).tolist()
        [[1.0], [0.25]]
    """
    inter, area_a, area_b = _overlap(a, b)
    union = area_a + area_b - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


def box_coverage(a, b) -> np.ndarray:
    """The share of every box in `b` that lies inside every box in `a`.

    A large window around a small object has a small IoU with it and yet holds
    all of it: coverage 1.

    Args:
        a: `(n, 4)` xyxy boxes (windows).
        b: `(m, 4)` xyxy boxes (objects).

    Returns:
        An `(n, m)` array in [0, 1] (0 for objects without area).

    Examples:
        >>> window, digit = np.array([[0, 0, 56, 56]]), np.array([[10, 10, 30, 30]])
        >>> float(box_iou(window, digit)[0, 0].round(3)), float(box_coverage(window, digit)[0, 0])
        (0.128, 1.0)
    """
    inter, _, area_b = _overlap(a, b)
    return np.where(area_b > 0, inter / np.where(area_b > 0, area_b, 1), 0.0)


def paired_iou(a, b) -> np.ndarray:
    """IoU of `a[i]` with `b[i]` for each `i` (e.g. predicted vs true boxes).

    Examples:
        >>> paired_iou([[0, 0, 2, 2], [0, 0, 1, 1]], [[0, 0, 2, 2], [1, 1, 2, 2]]).tolist()
        [1.0, 0.0]
    """
    a, b = np.asarray(a, dtype="float64"), np.asarray(b, dtype="float64")
    return np.array([box_iou(x[None], y[None])[0, 0] for x, y in zip(a, b, strict=True)])


def xywh_to_xyxy(boxes) -> np.ndarray:
    """`[x, y, width, height]` to `[x_min, y_min, x_max, y_max]`.

    Examples:
        >>> xywh_to_xyxy([[1, 2, 3, 4]]).tolist()
        [[1.0, 2.0, 4.0, 6.0]]
    """
    boxes = np.asarray(boxes, dtype="float64")
    return np.concatenate([boxes[..., :2], boxes[..., :2] + boxes[..., 2:]], axis=-1)


def non_max_suppression(boxes, scores, iou_threshold: float = 0.5) -> list[int]:
    """Greedy non-max suppression: keep the best box, drop those overlapping it, repeat.

    Args:
        boxes: `(n, 4)` xyxy boxes.
        scores: `(n,)` confidences.
        iou_threshold: boxes overlapping a kept one by more than this are dropped.

    Returns:
        The indices of the kept boxes, best first.

    Examples:
        >>> boxes = [[0, 0, 10, 10], [1, 1, 10, 10], [20, 20, 30, 30]]
        >>> non_max_suppression(boxes, [0.9, 0.8, 0.7])
        [0, 2]
    """
    boxes = np.asarray(boxes, dtype="float64")
    order = list(np.argsort(scores)[::-1])
    keep = []
    while order:
        best = order.pop(0)
        keep.append(int(best))
        if order:
            overlaps = box_iou(boxes[[best]], boxes[order])[0]
            order = [
                i for i, overlap in zip(order, overlaps, strict=True) if overlap <= iou_threshold
            ]
    return keep


def class_non_max_suppression(boxes, scores, classes, iou_threshold: float = 0.5) -> np.ndarray:
    """`non_max_suppression` within each class: boxes of two classes never suppress each other.

    Returns:
        The indices of the kept boxes, best first.

    Examples:
        >>> boxes = [[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 10, 10]]
        >>> class_non_max_suppression(boxes, [0.9, 0.8, 0.7], [3, 3, 5]).tolist()
        [0, 2]
    """
    boxes, scores, classes = np.asarray(boxes), np.asarray(scores), np.asarray(classes)
    keep = []
    for c in np.unique(classes):
        members = np.flatnonzero(classes == c)
        keep += members[
            non_max_suppression(boxes[members], scores[members], iou_threshold)
        ].tolist()
    return np.array(sorted(keep, key=lambda i: -scores[i]), dtype=int)
