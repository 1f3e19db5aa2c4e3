"""nes2.tasks.anchors: anchors, matching, box encoding and the targets, bad boxes included."""

import numpy as np
import pytest

from nes2.boxes import box_iou
from nes2.errors import InvalidOptionError
from nes2.tasks import anchors

GRID = anchors.anchors(96)


def random_boxes(rng, n, size=96):
    corner = rng.uniform(0, size - 12, (n, 2))
    return np.concatenate([corner, corner + rng.uniform(4, 40, (n, 2))], axis=1)


def test_anchors_are_centred_on_every_cell_of_each_level():
    per_cell = anchors.per_location()
    assert len(GRID) == 12 * 12 * per_cell[0] + 6 * 6 * per_cell[1]
    centres = (GRID[:, :2] + GRID[:, 2:]) / 2
    first = centres[: 12 * 12 * per_cell[0]]
    np.testing.assert_allclose(np.unique(first[:, 0].round(3)), np.arange(12) * 8 + 4)
    # the anchors of one cell share its centre and differ in shape
    cell = GRID[: per_cell[0]]
    np.testing.assert_allclose((cell[:, :2] + cell[:, 2:]) / 2, [[4, 4]] * per_cell[0])
    assert len({tuple(np.round(b[2:] - b[:2], 3)) for b in cell}) == per_cell[0]


def test_levels_and_sizes_must_agree():
    with pytest.raises(InvalidOptionError, match="one size list per level"):
        anchors.anchors(96, strides=(8, 16), sizes=((16,),))


def test_decode_inverts_encode():
    rng = np.random.default_rng(0)
    boxes = random_boxes(rng, 200)
    chosen = GRID[rng.integers(len(GRID), size=200)]
    np.testing.assert_allclose(
        anchors.decode(anchors.encode(boxes, chosen), chosen), boxes, atol=1e-3
    )


def test_an_anchor_equal_to_its_box_encodes_to_zero():
    np.testing.assert_allclose(anchors.encode(GRID[:5], GRID[:5]), 0, atol=1e-6)


def test_every_true_box_gets_an_anchor_and_positives_overlap_enough():
    rng = np.random.default_rng(1)
    for _ in range(20):
        boxes = random_boxes(rng, int(rng.integers(1, 5)))
        matched, best = anchors.match(GRID, boxes)
        assert set(range(len(boxes))) <= set(matched[matched >= 0].tolist())
        iou = box_iou(GRID, boxes)
        for j in range(len(boxes)):  # below `positive`: only the one anchor a box is given
            weak = (matched == j) & (iou[:, j] < anchors.POSITIVE_IOU)
            assert weak.sum() <= 1
        assert (best[matched == -1] < anchors.NEGATIVE_IOU).all()
        ignored = matched == -2
        assert (
            (best[ignored] >= anchors.NEGATIVE_IOU) & (best[ignored] < anchors.POSITIVE_IOU)
        ).all()


def test_two_boxes_with_the_same_best_anchor_both_keep_one():
    grid = anchors.anchors(32, strides=(16,), sizes=((16,),), ratios=(1.0,))
    # both overlap anchor 0 most (IoU 1 and 0.6); the second also anchor 1 (IoU 0.14)
    matched, _ = anchors.match(grid, [[0, 0, 16, 16], [4, 0, 20, 16]])
    assert matched.tolist() == [0, 1, -1, -1]


def test_decode_by_hand():
    anchor = [[0, 0, 20, 40]]  # centre (10, 20), size 20 x 40
    offsets = [[5.0, -2.5, np.log(2) / 0.2, 0.0]]  # x variances (0.1, 0.1, 0.2, 0.2)
    # centre (10 + 0.5 * 20, 20 - 0.25 * 40) = (20, 10), size (20 * 2, 40) = (40, 40)
    np.testing.assert_allclose(anchors.decode(offsets, anchor), [[0, -10, 40, 30]], atol=1e-4)
    np.testing.assert_allclose(anchors.decode([[0, 0, 0, 0]], anchor), anchor)


def test_a_canvas_without_objects_is_all_background():
    labels, offsets = anchors.targets(GRID, np.zeros((0, 4)), np.zeros(0))
    assert (labels == anchors.BACKGROUND).all() and not offsets.any()
    padded = anchors.batch_targets(GRID, -np.ones((2, 3, 4)), -np.ones((2, 3)))
    assert (padded["classes"] == 0).all() and not padded["boxes"].any()


def test_degenerate_and_outside_boxes_give_no_nan():
    boxes = [
        [10, 10, 10, 40],  # no width
        [-30, 20, 25, 60],  # reaches past the left edge: clipped
        [200, 200, 240, 240],  # wholly outside: dropped
        [40, 40, 70, 80],
    ]
    labels, offsets = anchors.targets(GRID, boxes, [1, 2, 3, 4], image_size=96)
    assert np.isfinite(offsets).all()
    found = set(labels[labels > 0].tolist())
    assert found == {1 + 2, 1 + 4}  # the clipped box and the whole one; classes 1 and 3 gone
    clipped = anchors.decode(offsets[labels == 3], GRID[labels == 3])
    np.testing.assert_allclose(clipped, [[0, 20, 25, 60]] * len(clipped), atol=1e-3)
    # encoding a zero-width box directly stays finite too
    assert np.isfinite(anchors.encode([[10, 10, 10, 40]], GRID[:1])).all()


def test_a_box_that_overlaps_no_anchor_is_left_without_one():
    grid = anchors.anchors(32, strides=(16,), sizes=((4,),), ratios=(1.0,))
    matched, _ = anchors.match(grid, [[0, 0, 2, 2]])
    assert (matched == -1).all()


def test_thresholds_and_lengths_are_checked():
    with pytest.raises(InvalidOptionError, match="negative <= positive"):
        anchors.match(GRID, [[0, 0, 10, 10]], positive=0.3, negative=0.5)
    with pytest.raises(InvalidOptionError, match="one each"):
        anchors.targets(GRID, [[0, 0, 10, 10]], [1, 2])


def test_batch_targets_flag_the_anchors_whose_offsets_count():
    boxes = np.array([[[8, 8, 30, 40], [50, 50, 80, 90]]], "float32")
    out = anchors.batch_targets(GRID, boxes, np.array([[3, 7]]), image_size=96)
    positive = out["boxes"][0, :, 4] == 1
    np.testing.assert_array_equal(positive, out["classes"][0] > 0)
    assert set(out["classes"][0][positive].tolist()) == {4, 8}
