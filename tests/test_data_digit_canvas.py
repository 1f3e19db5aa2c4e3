"""Task data generators built from real digits."""

import numpy as np
import pytest

from nes2.boxes import box_iou
from nes2.data import arrays, digit_canvas
from nes2.errors import InvalidOptionError


@pytest.fixture(scope="module")
def digits():
    data = arrays.mnist("quick")
    return data.x_train[:200], data.y_train[:200]


def test_rotation_turns_the_ink(digits):
    x, y = digits
    rotated, angles, labels = digit_canvas.rotate_digits(x[:1], y[:1], 2, max_angle=45, seed=0)
    assert rotated.shape == (2, 28, 28, 1) and labels.tolist() == [y[0]] * 2
    assert angles.min() >= -45 and angles.max() <= 45
    quarter = digit_canvas._rotate(x[0], 90)
    np.testing.assert_allclose(quarter.astype(float), np.rot90(x[0]).astype(float), atol=60)


def test_place_digit_box_encloses_the_ink(digits):
    x, y = digits
    canvases, _, pixel_boxes, relative = digit_canvas.place_digit(x[:50], y[:50], 64, noise=0)
    assert canvases.shape == (50, 64, 64, 1)
    np.testing.assert_allclose(relative * 64, pixel_boxes)
    for canvas, (x0, y0, x1, y1) in zip(canvases[..., 0], pixel_boxes.astype(int), strict=True):
        inside = canvas[y0:y1, x0:x1].sum()
        assert inside == canvas.sum() > 0  # all ink is inside the box
        assert canvas[y0, x0:x1].max() > 0 and canvas[y1 - 1, x0:x1].max() > 0  # tight


def test_canvases_boxes_masks_and_instances_agree(digits):
    x, y = digits
    c = digit_canvas.digit_canvases(x, y, 30, size=96, seed=1)
    assert c.images.shape == (30, 96, 96, 1)
    for i in range(30):
        k = len(c.classes[i])
        assert 2 <= k <= 4 and c.boxes[i].shape == (k, 4)
        iou = box_iou(c.boxes[i], c.boxes[i]) - np.eye(k)
        assert iou.max() <= 0.1 + 1e-9
        assert set(np.unique(c.instances[i])) <= set(range(k + 1))
        for j in range(k):
            ys, xs = np.nonzero(c.instances[i] == j + 1)
            if len(xs):
                x0, y0, x1, y1 = c.boxes[i][j]
                assert x0 <= xs.min() and xs.max() < x1 and y0 <= ys.min() and ys.max() < y1
                assert set(np.unique(c.masks[i][ys, xs])) == {c.classes[i][j] + 1}
    padded = c.padded(4)
    assert padded["boxes"].shape == (30, 4, 4) and padded["classes"].shape == (30, 4)
    assert (padded["classes"] >= -1).all() and (padded["classes"] == -1).any()


def test_canvas_size_is_checked(digits):
    with pytest.raises(InvalidOptionError, match="40 px"):
        digit_canvas.digit_canvases(*digits, 1, size=30)
