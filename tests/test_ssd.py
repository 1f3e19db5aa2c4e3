"""nes2.tasks.ssd: the losses, the detector's outputs and config, decoding to boxes."""

import keras
import numpy as np
import pytest

from nes2.errors import InvalidOptionError
from nes2.tasks import ssd


@pytest.fixture(scope="module")
def model():
    return ssd.SingleShotDetector(num_classes=10, image_size=96)


def test_focal_loss_with_gamma_zero_is_cross_entropy_over_the_counted_anchors():
    rng = np.random.default_rng(0)
    logits = rng.normal(size=(2, 6, 4)).astype("float32")
    y = np.array([[0, 2, -1, 0, 3, 0], [0, 0, 0, -1, -1, 0]])
    got = keras.ops.convert_to_numpy(ssd.FocalLoss(gamma=0.0, reduction=None)(y, logits))
    log_p = logits - np.log(np.exp(logits).sum(-1, keepdims=True))
    for i, row in enumerate(y):
        counted = row >= 0
        ce = -log_p[i, counted, row[counted]].sum()
        assert got[i] == pytest.approx(ce / max(1, (row > 0).sum()), rel=1e-5)


def test_focal_loss_ignores_ignored_anchors_and_damps_easy_ones():
    rng = np.random.default_rng(1)
    logits = rng.normal(size=(1, 5, 3)).astype("float32")
    y = np.array([[1, 0, -1, 0, 2]])
    loss = ssd.FocalLoss(gamma=2.0)
    changed = logits.copy()
    changed[0, 2] = [9.0, -9.0, 3.0]
    assert float(loss(y, logits)) == pytest.approx(float(loss(y, changed)), rel=1e-6)
    easy = np.array([[[8.0, 0.0, 0.0]]], "float32")  # background, p close to 1
    assert (
        float(loss(np.array([[0]]), easy))
        < 1e-6
        < float(ssd.FocalLoss(gamma=0.0)(np.array([[0]]), easy))
    )


def test_box_loss_counts_the_anchors_with_an_object_only():
    y = np.zeros((1, 3, 5), "float32")
    y[0, 0] = [1, 0, 0, 0, 1]
    prediction = np.zeros((1, 3, 4), "float32")
    prediction[0, 1:] = 50.0  # far off, but on anchors without an object
    assert float(ssd.PositiveSmoothL1()(y, prediction)) == pytest.approx(0.5)


def test_outputs_match_the_anchors(model):
    out = model(np.zeros((2, 96, 96, 3), "float32"))
    assert out["classes"].shape == (2, len(model.anchor_boxes), 11)
    assert out["boxes"].shape == (2, len(model.anchor_boxes), 4)
    # the prior: every anchor starts as background with p = 0.99
    p = keras.ops.convert_to_numpy(keras.ops.softmax(out["classes"]))[..., 0]
    assert p.min() > 0.9


def test_config_rebuilds_the_same_detector(model):
    clone = ssd.SingleShotDetector.from_config(model.get_config())
    assert clone.count_params() == model.count_params()
    np.testing.assert_array_equal(clone.anchor_boxes, model.anchor_boxes)


def test_sizes_must_match_the_backbone_levels():
    with pytest.raises(InvalidOptionError, match="one size list per level"):
        ssd.SingleShotDetector(10, 96, sizes=((16,),), filters=(8, 8, 8, 8))


def test_a_perfect_prediction_decodes_to_the_true_boxes(model, monkeypatch):
    boxes = np.array([[[10, 12, 30, 44], [50, 20, 72, 50], [-1, -1, -1, -1]]], "float32")
    classes = np.array([[3, 8, -1]])
    target = model.targets(boxes, classes)
    logits = np.where(np.arange(11) == np.maximum(target["classes"][..., None], 0), 12.0, 0.0)
    raw = {"classes": logits.astype("float32"), "boxes": target["boxes"][..., :4]}
    monkeypatch.setattr(model, "predict", lambda *args, **kwargs: raw)
    (found,) = model.detect(np.zeros((1, 96, 96, 3)))
    order = np.argsort(found["classes"])
    np.testing.assert_array_equal(found["classes"][order], [3, 8])
    np.testing.assert_allclose(found["boxes"][order], boxes[0, :2], atol=1e-3)


@pytest.mark.trains
def test_training_lowers_both_losses():
    from nes2.data import digit_canvas

    digits = np.zeros((4, 28, 28), "uint8")
    digits[:, 6:22, 9:19] = 255
    canvases = digit_canvas.digit_canvases(digits, np.array([0, 1, 2, 3]), 32, size=64, seed=0)
    images = np.repeat(canvases.images, 3, axis=-1).astype("float32")
    net = ssd.compile_detector(ssd.SingleShotDetector(4, image_size=64), learning_rate=3e-3)
    labels = net.targets(**canvases.padded())
    history = net.fit(images, labels, epochs=6, batch_size=8, verbose=0).history
    for name in ("classes_loss", "boxes_loss"):
        assert history[name][-1] < history[name][0]


def test_output_i_is_the_prediction_of_anchor_i(model):
    """The head's numbers for anchor i come from the cell that anchor i is centred on, in the
    place of its shape among the cell's anchors (the order `anchors.anchors` gives)."""
    from nes2.tasks import anchors

    image = np.random.default_rng(0).uniform(0, 255, (1, 96, 96, 3)).astype("float32")
    outputs = keras.ops.convert_to_numpy(model(image)["classes"])[0]
    per_cell, offset = anchors.per_location(), 0
    for level, stride in enumerate((8, 16), start=1):
        maps = keras.Model(model.input, model.get_layer(f"backbone_pool{level + 2}").output)
        cells = keras.ops.convert_to_numpy(model.get_layer(f"class_head{level}")(maps(image)))[0]
        count = per_cell[level - 1]
        side = 96 // stride
        for i in range(offset, offset + side * side * count):
            box = model.anchor_boxes[i]
            column, row = ((box[:2] + box[2:]) / 2 // stride).astype(int)
            shape = (i - offset) % count
            expected = cells[row, column, shape * 11 : (shape + 1) * 11]
            np.testing.assert_allclose(outputs[i], expected, rtol=1e-4, atol=1e-4)
        offset += side * side * count
    assert offset == len(model.anchor_boxes) == len(outputs)
