"""nes2.tasks.segmentation: models, the Dice + cross-entropy loss, mean IoU."""

import keras
import numpy as np
import pytest

from nes2.errors import InvalidOptionError
from nes2.tasks import segmentation as seg

pytestmark = pytest.mark.trains


def test_unet_has_skip_connections_and_segnet_not():
    unet = seg.unet((32, 32, 1), 5, width=4, depth=2)
    segnet = seg.segnet((32, 32, 1), 5, width=4, depth=2)
    assert [layer.name for layer in unet.layers if layer.name.startswith("skip")] == [
        "skip2",
        "skip1",
    ]
    assert not any(layer.name.startswith("skip") for layer in segnet.layers)
    assert unet.output.shape == segnet.output.shape == (None, 32, 32, 5)
    assert isinstance(unet.get_layer("up1"), keras.layers.Conv2DTranspose)


def test_dice_cross_entropy_rewards_the_right_mask():
    loss = seg.DiceCrossEntropy(3)
    y = np.array([[[0, 1], [2, 0]]])
    right = np.eye(3)[y] * 0.97 + 0.01  # rows sum to 1
    wrong = np.eye(3)[(y + 1) % 3] * 0.97 + 0.01
    assert float(loss(y, right)) < 0.1 < float(loss(y, wrong))
    logits = seg.DiceCrossEntropy(3, from_logits=True)
    assert float(logits(y, np.log(right))) == pytest.approx(float(loss(y, right)), rel=1e-4)
    restored = seg.DiceCrossEntropy.from_config(loss.get_config())
    assert (restored.num_classes, restored.dice_weight) == (3, 1.0)


def test_mean_iou_by_hand():
    truth = np.array([[[0, 0, 1, 1], [0, 0, 2, 2]]])
    predicted = np.array([[[0, 1, 1, 1], [0, 0, 2, 0]]])
    result = seg.mean_iou(truth, predicted, 4)
    assert result["per_class"][:3] == pytest.approx([3 / 5, 2 / 3, 0.5], abs=1e-4)
    assert result["per_class"][3] is None
    assert result["mean_iou"] == pytest.approx(round((3 / 5 + 2 / 3 + 0.5) / 3, 4))
    scores = np.eye(4)[predicted]
    assert seg.mean_iou(truth, scores, 4) == result


def test_unet_loss_falls_on_a_fixed_batch():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (8, 32, 32, 1)).astype("float32")
    y = (x[..., 0] > 128).astype("int32")
    model = seg.unet((32, 32, 1), 2, width=4, depth=2)
    model.compile(keras.optimizers.Adam(1e-2), seg.DiceCrossEntropy(2))
    losses = [float(model.train_on_batch(x, y)) for _ in range(20)]
    assert losses[-1] < losses[0]


@pytest.mark.parametrize("name", ["deeplabv3plus", "segformer", "deeplabv3-hub"])
def test_library_segmenters_build_and_train_a_step(name):
    pytest.importorskip("keras_cv")
    model = seg.build(name, (64, 64, 3), 4)
    x = np.random.default_rng(1).integers(0, 255, (2, 64, 64, 3)).astype("float32")
    y = np.zeros((2, 64, 64), "int32")
    model.compile("adam", seg.DiceCrossEntropy(4, from_logits=name == "deeplabv3-hub"), metrics=[])
    assert np.isfinite(float(model.train_on_batch(x, y)))
    assert model.predict(x, verbose=0).shape == (2, 64, 64, 4)


def test_bad_names_and_channels():
    with pytest.raises(InvalidOptionError, match="unet"):
        seg.build("fcn", (32, 32, 1), 3)
    with pytest.raises(InvalidOptionError, match="3 channels"):
        seg.build("segformer", (32, 32, 1), 3)


def test_max_unpooling_puts_values_at_the_maxima_and_survives_saving(tmp_path):
    from nes2.layers import MaxUnpooling2D

    rng = np.random.default_rng(0)
    features = rng.normal(size=(2, 4, 4, 3)).astype("float32")
    x = rng.normal(size=(2, 2, 2, 3)).astype("float32")
    out = MaxUnpooling2D()([x, features]).numpy()
    windows = features.reshape(2, 2, 2, 2, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 2, 2, 4, 3)
    where = out.reshape(2, 2, 2, 2, 2, 3).transpose(0, 1, 3, 2, 4, 5).reshape(2, 2, 2, 4, 3)
    assert (np.count_nonzero(where, axis=3) == 1).all(), "one value per pooling window"
    np.testing.assert_array_equal(np.argmax(np.abs(where), axis=3), np.argmax(windows, axis=3))
    np.testing.assert_allclose(where.sum(axis=3), x)

    model = seg.segnet((32, 32, 1), 5, width=4, depth=2)
    assert [layer.name for layer in model.layers if isinstance(layer, MaxUnpooling2D)] == [
        "unpool2",
        "unpool1",
    ]
    model.save(tmp_path / "segnet.keras")
    again = keras.saving.load_model(tmp_path / "segnet.keras")
    image = rng.uniform(0, 255, (1, 32, 32, 1)).astype("float32")
    np.testing.assert_allclose(again.predict(image, verbose=0), model.predict(image, verbose=0))
