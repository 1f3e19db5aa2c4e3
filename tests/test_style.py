"""`nes2.tasks.style` and the `style-transfer` recipe: Gram matrices, inputs, both methods."""

import time

import keras
import numpy as np
import pytest

from nes2 import recipes
from nes2.layers import ImageVariable
from nes2.recipes import style_transfer
from nes2.tasks import style


def test_the_gram_matrix_forgets_where_features_are():
    rng = np.random.default_rng(0)
    features = rng.normal(size=(1, 6, 5, 4)).astype("float32")
    flat = features[0].reshape(-1, 4)
    assert style.gram_matrix(features).numpy()[0] == pytest.approx(flat.T @ flat / 30, rel=1e-5)
    shuffled = flat[rng.permutation(30)].reshape(1, 6, 5, 4)
    assert style.gram_matrix(shuffled).numpy() == pytest.approx(
        style.gram_matrix(features).numpy(), rel=1e-5
    )


def test_images_are_converted_or_refused_with_the_fix_named():
    grey = np.arange(12 * 20, dtype="uint8").reshape(12, 20)
    rgb = style.as_rgb(grey, 8, role="content image")
    assert rgb.shape == (8, 8, 3) and rgb.dtype == np.float32
    assert (rgb[..., 0] == rgb[..., 2]).all() and 0 <= rgb.min() <= rgb.max() <= 1
    square = style.as_rgb(np.full((10, 10, 1), 0.5))
    assert square.shape == (10, 10, 3) and np.allclose(square, 0.5)
    with pytest.raises(
        ValueError, match=r"style image has an alpha channel: pass image\[\.\.\., :3\]"
    ):
        style.as_rgb(np.zeros((8, 8, 4)), role="style image")
    with pytest.raises(ValueError, match=r"content image must be \(height, width"):
        style.as_rgb(np.zeros((2, 8, 8, 3)), role="content image")


def test_the_image_variable_is_saved_and_loaded_like_weights(tmp_path):
    model = keras.Sequential([keras.Input((4, 4, 3)), ImageVariable((4, 4, 3), name="image")])
    image = np.random.default_rng(1).random((1, 4, 4, 3)).astype("float32")
    model.get_layer("image").image.assign(image)
    model.save_weights(tmp_path / "m.weights.h5")
    other = keras.Sequential([keras.Input((4, 4, 3)), ImageVariable((4, 4, 3), name="image")])
    other.load_weights(tmp_path / "m.weights.h5")
    assert np.asarray(other(np.zeros((2, 4, 4, 3)))) == pytest.approx(np.repeat(image, 2, 0))
    assert ImageVariable.from_config(ImageVariable((4, 4, 3)).get_config()).image_shape == (4, 4, 3)


def test_auto_weights_mean_imagenet_only_when_keras_has_them(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    recipe = recipes.get("style-transfer")
    assert recipe.resolve({}, "quick")["weights"] == "random"
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / style_transfer.WEIGHTS_FILE).write_bytes(b"")
    assert recipe.resolve({}, "quick")["weights"] == "imagenet"
    assert recipe.resolve({"weights": "random"}, "quick")["weights"] == "random"


@pytest.mark.trains
def test_optimisation_moves_the_style_and_the_stylizer_keeps_the_size():
    losses = style.StyleLosses(style.loss_network(None), style.pattern(32))
    photo = style.as_rgb(np.random.default_rng(2).random((40, 40, 3)), 32)
    _, before, _ = losses(photo[None], photo[None])
    image, history = style.optimise(losses, photo, steps=15, learning_rate=0.05)
    _, after, _ = losses(image[None], photo[None])
    assert float(after[0]) < 0.8 * float(before[0])
    assert history["content_loss"][0] == pytest.approx(0.0, abs=1e-6)
    assert image.shape == (32, 32, 3) and 0 <= image.min() <= image.max() <= 1
    net = style.stylizer()
    crops = style.random_crops([photo], 16, 8)
    trained = style.train_stylizer(net, losses, crops, steps=3, batch_size=2)
    assert len(trained["style_loss"]) == 3
    assert net.predict(photo[None], verbose=0).shape == (1, 32, 32, 3)


def test_the_random_loss_network_is_the_same_in_every_process():
    """Its weights come from its seed alone, not from the global random state: the
    optimisation and the network (and every trial of a spread) measure with one network."""
    import keras

    from nes2.tasks import style as style_task

    keras.utils.set_random_seed(1)
    first = style_task.loss_network(None)
    keras.utils.set_random_seed(2)
    second = style_task.loss_network(None)
    for a, b in zip(first.get_weights(), second.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    other = style_task.loss_network(None, seed=1).get_weights()
    assert not np.array_equal(other[0], first.get_weights()[0])


def test_a_batch_weighs_each_photo_as_the_optimisation_weighs_it_alone():
    """The stylizer's content term of a batch is, per photo, the optimisation's term of
    that photo alone (normalised by its own target, not by the whole batch's)."""
    losses = style.StyleLosses(style.loss_network(None), style.pattern(16))
    rng = np.random.default_rng(3)
    contents = np.stack([rng.random((16, 16, 3)), 0.2 * rng.random((16, 16, 3))])
    images = np.clip(contents + rng.normal(0, 0.1, contents.shape), 0, 1).astype("float32")
    contents = contents.astype("float32")
    batch = [np.asarray(term) for term in losses(images, contents)]
    for i in range(2):
        alone = losses(images[i : i + 1], contents[i : i + 1])
        for together, single in zip(batch, alone, strict=True):
            assert together[i] == pytest.approx(float(single[0]), rel=1e-4)


@pytest.mark.trains
def test_the_optimisations_time_per_image_leaves_out_building_the_loss_network(monkeypatch):
    """Building the loss network takes 5 s here and the steps no time at all: one image
    costs the steps only."""
    built, calls = style_transfer._loss_network, []

    def slow_first(weights):
        if not calls:
            time.sleep(5.0)
        calls.append(weights)
        return built(weights)

    def instant(losses, content, steps, image):
        return np.asarray(content), {"content_loss": [0.0], "style_loss": [0.0]}

    monkeypatch.setattr(style_transfer, "_loss_network", slow_first)
    monkeypatch.setattr(style, "optimise", instant)
    run = recipes.train(
        "style-transfer", "quick", method="optimisation", epochs=1, store=False, fresh=True
    )
    assert calls and run.metrics["seconds_per_image"] < 1.0
