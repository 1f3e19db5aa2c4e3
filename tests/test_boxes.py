"""nes2.boxes against hand-computed cases."""

import numpy as np
import pytest

from nes2 import boxes


def test_iou_hand_cases():
    a = np.array([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]])
    b = np.array([[0, 0, 10, 10], [5, 0, 15, 10], [20, 20, 30, 30]])
    assert boxes.paired_iou(a, b).tolist() == pytest.approx([1.0, 50 / 150, 0.0])
    assert boxes.box_iou(a[:1], b).shape == (1, 3)
    assert boxes.box_iou([[0, 0, 0, 0]], [[0, 0, 0, 0]]).tolist() == [[0.0]]


def test_iou_is_symmetric():
    rng = np.random.default_rng(0)
    corners = rng.uniform(0, 50, (20, 2))
    a = np.concatenate([corners, corners + rng.uniform(1, 20, (20, 2))], axis=1)
    np.testing.assert_allclose(boxes.box_iou(a, a[::-1]), boxes.box_iou(a[::-1], a).T)


def test_nms_keeps_the_best_of_overlapping_boxes():
    candidates = [[0, 0, 10, 10], [1, 0, 11, 10], [30, 30, 40, 40], [31, 31, 40, 40]]
    scores = [0.6, 0.9, 0.5, 0.8]
    assert boxes.non_max_suppression(candidates, scores, 0.5) == [1, 3]
    assert boxes.non_max_suppression(candidates, scores, 0.95) == [1, 3, 0, 2]


def test_xywh_conversion_round_trip():
    assert boxes.xywh_to_xyxy([[2, 3, 4, 5]]).tolist() == [[2, 3, 6, 8]]
