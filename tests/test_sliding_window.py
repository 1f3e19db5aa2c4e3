"""`nes2.tasks.sliding_window`: windows, training patches, and detection with a known classifier."""

import numpy as np

from nes2.boxes import box_coverage, box_iou
from nes2.data import arrays, digit_canvas
from nes2.tasks import sliding_window as sw


def test_windows_cover_the_image_at_every_size():
    image = np.arange(64 * 64, dtype="float32").reshape(64, 64, 1)
    boxes, crops = sw.windows(image, sizes=(16, 32), stride=8)
    assert len(boxes) == 7 * 7 + 5 * 5 and crops.shape == (74, sw.INPUT, sw.INPUT, 1)
    assert (
        boxes[:, 2:].max() == 64 and (boxes[:, 2] - boxes[:, 0] == boxes[:, 3] - boxes[:, 1]).all()
    )
    assert crops[0].mean() < crops[-1].mean()  # the last window is the bottom-right corner


def test_patches_are_digits_or_background_that_misses_them():
    digits = arrays.mnist("quick")
    canvases = digit_canvas.digit_canvases(digits.x_train, digits.y_train, 40, size=96)
    x, y = sw.patches(canvases, per_canvas=6, seed=1)
    assert x.shape[1:] == (sw.INPUT, sw.INPUT, 1) and len(x) == len(y)
    assert (y == sw.BACKGROUND).sum() > 100
    assert sorted(y[y != sw.BACKGROUND].tolist()) == sorted(np.concatenate(canvases.classes))
    assert x[y != sw.BACKGROUND].mean() > 2 * x[y == sw.BACKGROUND].mean()


def test_a_background_window_never_holds_most_of_a_digit():
    """A 56-px window around a 20-px digit has IoU 0.13 with it, yet holds all of it: not
    background. Every background window holds less than half of every digit."""
    digit = np.array([[20, 20, 40, 40]], "float32")
    rng = np.random.default_rng(0)
    windows = sw.background_windows(digit, 64, 500, rng)
    assert len(windows) > 50
    assert (box_coverage(windows, digit) < 0.5).all()
    around = np.array([[4, 4, 60, 60]], "float32")
    assert box_iou(around, digit)[0, 0] < 0.3 and box_coverage(around, digit)[0, 0] == 1
    digits = arrays.mnist("quick")
    canvases = digit_canvas.digit_canvases(digits.x_train, digits.y_train, 20, size=96)
    for boxes in canvases.boxes:
        found = sw.background_windows(boxes, 96, 20, rng)
        assert (box_coverage(found, boxes) < 0.5).all()


class _BrightIsSeven:
    """A classifier that calls a window '7' as surely as it is bright, else background."""

    def predict(self, crops, batch_size=None, verbose=0):
        bright = crops.reshape(len(crops), -1).mean(axis=1) / 255
        probabilities = np.zeros((len(crops), 11), "float32")
        probabilities[:, 7] = bright
        probabilities[:, sw.BACKGROUND] = 1 - bright
        return probabilities


def test_detect_keeps_one_box_on_the_object_after_non_max_suppression():
    image = np.zeros((96, 96, 1), "float32")
    image[32:60, 40:68] = 255.0  # a 28 x 28 bright square, on the windows grid
    sizes = (20, 28, 36)
    found = sw.detect(_BrightIsSeven(), image, sizes=sizes, threshold=0.9)
    # Two 20 px windows fit inside the square side by side: a sliding window's duplicates.
    assert found["classes"].tolist() == [7] * len(found["boxes"])
    assert box_iou(found["boxes"], np.array([[40, 32, 68, 60]])).min() > 0.4
    exact = sw.detect(_BrightIsSeven(), image, sizes=(28, 36), threshold=0.9)
    assert exact["boxes"].tolist() == [[40, 32, 68, 60]]
    assert found["windows"] == sum(((96 - s) // sw.STRIDE + 1) ** 2 for s in sizes)
    assert [m.shape for m in found["score_maps"]] == [(96, 96)] * len(sizes)
    assert found["score_maps"][1][46, 54] == 1.0 and found["score_maps"][1][5, 5] == 0.0


def _classifier():
    from nes2 import config, models

    config.seed_everything()
    return models.small_convnet((28, 28, 1), filters=(8, 16), dense_units=32, num_classes=11)


def test_one_pass_equals_every_window_classified_alone():
    classifier = _classifier()
    dense = sw.fully_convolutional(classifier)
    assert not any(type(layer).__name__ == "Dense" for layer in dense.layers)
    image = np.random.default_rng(0).uniform(0, 255, (96, 96, 1)).astype("float32")
    boxes, crops = sw.windows(image, sizes=(sw.INPUT,), stride=4)
    expected = classifier.predict(crops, verbose=0)
    found_boxes, found = sw.one_pass(dense, image)
    np.testing.assert_array_equal(found_boxes, boxes)
    np.testing.assert_allclose(found, expected, atol=1e-5)
    # another weight in the copy would show: the classifier's own weights changed
    classifier.get_layer("dense").kernel.assign(classifier.get_layer("dense").kernel * 2)
    assert np.abs(classifier.predict(crops, verbose=0) - found).max() > 1e-3


def test_one_pass_at_other_sizes_covers_the_image_with_windows_of_that_size():
    dense = sw.fully_convolutional(_classifier())
    image = np.zeros((96, 96, 1), "float32")
    for side in (20, 44):
        boxes, probabilities = sw.one_pass(dense, image, side)
        assert len(boxes) == len(probabilities) > 50
        widths = boxes[:, 2] - boxes[:, 0]
        assert np.isclose(widths[0], side) and boxes.max() <= 96
        np.testing.assert_allclose(probabilities.sum(axis=1), 1, rtol=1e-5)


def test_the_feature_map_of_the_whole_image_and_a_wrong_layer_name():
    import pytest

    from nes2.errors import InvalidOptionError

    classifier = _classifier()
    features = sw.fully_convolutional(classifier, until="pool2")
    assert features(np.zeros((1, 96, 96, 1), "float32")).shape == (1, 22, 22, 16)
    with pytest.raises(InvalidOptionError, match="no such layer"):
        sw.fully_convolutional(classifier, until="pool9")
