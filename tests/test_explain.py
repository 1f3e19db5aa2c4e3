"""`nes2.explain`: activations and Grad-CAM on models whose answer is known."""

import keras
import numpy as np
import pytest

from nes2 import explain, viz


def _brightness_model() -> keras.Model:
    """Feature map = the image's brightness; the score grows with the mean brightness."""
    inputs = keras.Input((16, 16, 1))
    features = keras.layers.Conv2D(1, 1, use_bias=False, name="features", activation="relu")(inputs)
    pooled = keras.layers.GlobalAveragePooling2D()(features)
    outputs = keras.layers.Dense(1, activation="sigmoid")(pooled)
    model = keras.Model(inputs, outputs)
    model.get_layer("features").set_weights([np.ones((1, 1, 1, 1))])
    model.layers[-1].set_weights([np.array([[4.0]]), np.array([-2.0])])
    return model


def _square_images() -> np.ndarray:
    images = np.zeros((2, 16, 16, 1), "float32")
    images[0, 2:6, 3:7] = 1.0
    images[1, 9:14, 8:12] = 1.0
    return images


def test_grad_cam_points_at_the_evidence_for_the_class():
    model, images = _brightness_model(), _square_images()
    assert explain.last_conv_layer(model) == "features"
    maps = explain.grad_cam(model, images, classes=[1, 1])
    assert maps.shape == (2, 16, 16) and maps.max() == pytest.approx(1.0)
    for heat, image in zip(maps, images[..., 0], strict=True):
        inside, outside = heat[image > 0].mean(), heat[image == 0].mean()
        assert inside > 0.5 > 0.1 > outside
    # Brightness is evidence against class 0: nothing in the image speaks for it.
    assert np.allclose(explain.grad_cam(model, images, classes=[0, 0]), 0.0)


def test_grad_cam_explains_the_predicted_class_by_default():
    model, images = _brightness_model(), _square_images()
    predicted = (model.predict(images, verbose=0)[:, 0] > 0.5).astype(int)
    np.testing.assert_allclose(
        explain.grad_cam(model, images), explain.grad_cam(model, images, classes=predicted)
    )


def test_softmax_scores_take_each_images_class():
    outputs = np.array([[0.1, 0.7, 0.2], [0.5, 0.3, 0.2]], "float32")
    np.testing.assert_allclose(explain.class_scores(outputs, [1, 2]), [0.7, 0.2])
    sigmoid = np.array([[0.8], [0.3]], "float32")
    np.testing.assert_allclose(explain.class_scores(sigmoid, [1, 0]), [0.8, 0.7])


def test_activations_are_the_layers_outputs():
    model, images = _brightness_model(), _square_images()
    maps = explain.activations(model, images, ["features"])
    np.testing.assert_allclose(maps["features"], images)
    with pytest.raises(ValueError, match=r"no layer 'conv9'"):
        explain.activations(model, images, ["conv9"])


def test_a_model_without_feature_maps_is_named():
    dense = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)], name="mlp")
    with pytest.raises(ValueError, match=r"mlp has no layer with 2D feature maps"):
        explain.last_conv_layer(dense)


def test_heat_maps_and_feature_maps_are_drawn():
    images = _square_images()
    fig = viz.image_grid(images, [1, 1], heatmaps=explain.grad_cam(_brightness_model(), images))
    assert [len(ax.images) for ax in fig.axes] == [2, 2]
    assert len(viz.feature_maps(np.ones((4, 4, 12)), most=5).axes) == 5
    with pytest.raises(ValueError, match=r"\(height, width, channels\)"):
        viz.feature_maps(np.ones((1, 4, 4, 12)))


def _chain() -> keras.Model:
    ones = "ones"
    return keras.Sequential(
        [
            keras.Input((31, 31, 1)),
            keras.layers.Conv2D(2, 3, kernel_initializer=ones, name="a"),
            keras.layers.Conv2D(2, 3, strides=2, kernel_initializer=ones, name="b"),
            keras.layers.Conv2D(2, 3, dilation_rate=2, kernel_initializer=ones, name="c"),
            keras.layers.AveragePooling2D(2, name="d"),
        ]
    )


def test_receptive_fields_follow_kernels_strides_and_dilations():
    rows = explain.receptive_fields(_chain())
    assert [(r["layer"], r["field"], r["jump"]) for r in rows] == [
        ("a", 3, 1),
        ("b", 5, 2),
        ("c", 13, 2),
        ("d", 15, 4),
    ]


def test_the_gradient_reaches_exactly_the_computed_field():
    model = _chain()
    for row in explain.receptive_fields(model):
        reached = explain.receptive_field_map(model, row["layer"]) > 0
        rows, cols = np.nonzero(reached)
        assert np.ptp(rows) + 1 == row["field"] and np.ptp(cols) + 1 == row["field"], row


def test_receptive_fields_refuse_branches():
    inputs = keras.Input((8, 8, 1))
    a, b = keras.layers.Conv2D(1, 3)(inputs), keras.layers.Conv2D(1, 3)(inputs)
    model = keras.Model(inputs, keras.layers.Add(name="join")([a, b]))
    with pytest.raises(ValueError, match=r"join joins several branches"):
        explain.receptive_fields(model)
