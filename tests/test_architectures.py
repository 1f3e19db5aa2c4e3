"""Parameter counts and shapes of the classic networks against their published figures."""

import keras
import numpy as np
import pytest

from nes2.models import architectures as arch
from nes2.models import separable as sep


def _trainable(model):
    return sum(int(np.prod(w.shape)) for w in model.trainable_weights)


@pytest.mark.parametrize(
    ("builder", "params"),
    [
        (arch.lenet5, 61_706),  # the Keras re-implementation of LeCun et al. 1998
        (arch.vgg16, 138_357_544),  # keras.applications.VGG16
        (arch.vgg19, 143_667_240),  # keras.applications.VGG19
        (arch.resnet50, 25_636_712),  # keras.applications.ResNet50
    ],
)
def test_parameter_counts_match_published(builder, params):
    assert builder().count_params() == params


@pytest.mark.parametrize(
    ("builder", "trainable"), [(arch.resnet18, 11_689_512), (arch.resnet34, 21_797_672)]
)
def test_resnet_trainable_parameters_match_paper_configuration(builder, trainable):
    assert _trainable(builder()) == trainable


def test_alexnet_has_about_sixty_million_parameters_and_96_first_filters():
    model = arch.alexnet()
    assert 58e6 < model.count_params() < 63e6
    assert model.get_layer("conv1").kernel.shape == (11, 11, 3, 96)
    assert model.get_layer("pool5").output.shape == (None, 6, 6, 256)


def test_googlenet_is_an_order_smaller_than_alexnet():
    googlenet = arch.googlenet()
    assert googlenet.count_params() * 8 < arch.alexnet().count_params()
    weighted = [layer for layer in googlenet.layers if layer.weights]
    depth = 3 + 2 * len(arch.GOOGLENET_MODULES) + 1  # the paper's 22 layers with parameters
    assert depth == 22
    assert len(weighted) == 3 + 6 * len(arch.GOOGLENET_MODULES) + 1
    assert googlenet.get_layer("inception_5b_concat").output.shape == (None, 7, 7, 1024)


def test_inception_module_3a_parameters():
    inputs = keras.Input((28, 28, 192))
    module = keras.Model(inputs, arch.inception_module(inputs, *arch.GOOGLENET_MODULES["3a"]))
    by_hand = (192 * 64 + 64) + (192 * 96 + 96) + (9 * 96 * 128 + 128)
    by_hand += (192 * 16 + 16) + (25 * 16 * 32 + 32) + (192 * 32 + 32)
    assert module.count_params() == by_hand == 163_696
    assert module.output.shape == (None, 28, 28, 256)


def test_googlenet_auxiliary_heads_follow_4a_and_4d():
    model = arch.googlenet(input_shape=(224, 224, 3), num_classes=5, auxiliary=True)
    assert [o.shape for o in model.outputs] == [(None, 5)] * 3
    assert model.get_layer("aux_4a_pool").output.shape == (None, 4, 4, 512)


@pytest.mark.parametrize("kind", ["basic", "bottleneck"])
def test_residual_block_identity_and_projection_shortcuts(kind):
    inputs = keras.Input((16, 16, 64 if kind == "basic" else 256))
    same = arch.residual_block(inputs, 64, kind=kind, name="same")
    down = arch.residual_block(inputs, 64, strides=2, kind=kind, name="down")
    model = keras.Model(inputs, [same, down])
    names = {layer.name for layer in model.layers}
    assert "same_0_conv" not in names and "down_0_conv" in names
    out = 64 if kind == "basic" else 256
    assert same.shape == (None, 16, 16, out) and down.shape == (None, 8, 8, out)
    with pytest.raises(ValueError, match="bottleneck"):
        arch.residual_block(inputs, 64, kind="wide")


def test_residual_block_adds_its_input():
    inputs = keras.Input((4, 4, 8))
    model = keras.Model(inputs, arch.residual_block(inputs, 8))
    for layer in model.layers:  # zero the residual branch: the block is relu(x)
        if layer.name.endswith("_2_bn"):
            layer.gamma.assign(np.zeros(8))
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 8)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), np.maximum(x, 0), atol=1e-5)


def test_a_block_without_its_shortcut_is_its_residual_branch_alone():
    inputs = keras.Input((4, 4, 8))
    model = keras.Model(inputs, arch.residual_block(inputs, 8, shortcut=False))
    for layer in model.layers:  # zero the residual branch: without a shortcut nothing is left
        if layer.name.endswith("_2_bn"):
            layer.gamma.assign(np.zeros(8))
    x = np.random.default_rng(0).normal(size=(2, 4, 4, 8)).astype("float32")
    np.testing.assert_allclose(model.predict(x, verbose=0), 0.0, atol=1e-6)


def test_deep_stacks_differ_only_in_their_shortcuts():
    plain, residual = arch.deep_stack(10, False), arch.deep_stack(10, True)
    assert (plain.name, residual.name) == ("plain_22", "residual_22")

    def kernels(model):
        return [tuple(x.kernel.shape) for x in model.layers if isinstance(x, keras.layers.Conv2D)]

    adds = [sum(isinstance(x, keras.layers.Add) for x in m.layers) for m in (plain, residual)]
    assert adds == [0, 10]
    # The residual stack adds only the 1x1 projection where the width doubles.
    assert [k for k in kernels(residual) if k[:2] != (1, 1)] == kernels(plain)
    assert [k for k in kernels(residual) if k[:2] == (1, 1)] == [(1, 1, 16, 32)]
    assert plain.output_shape == residual.output_shape == (None, 10)


def test_separable_block_saves_what_conv_cost_says():
    inputs = keras.Input((32, 32, 64))
    standard = keras.Model(
        inputs, keras.layers.Conv2D(128, 3, padding="same", use_bias=False)(inputs)
    )
    separable = keras.Model(inputs, sep.separable_conv_block(inputs, 128))
    cost = sep.conv_cost(32, 32, 64, 128)
    assert standard.count_params() == cost["standard"]["params"]
    assert _trainable(separable) - 2 * 128 == cost["separable"]["params"]  # minus BN gamma/beta
    assert cost["ratio"] == pytest.approx(1 / 128 + 1 / 9)
    assert cost["separable"]["mult_adds"] == cost["separable"]["params"] * 32 * 32


def test_mobilenet_block_downsamples():
    y = sep.mobilenet_block(keras.Input((32, 32, 16)), 32, strides=2)
    assert y.shape == (None, 16, 16, 32)


def test_xception_trainable_parameters_match_paper():
    model = keras.applications.Xception(weights=None)
    assert _trainable(model) == 22_855_952  # Chollet 2017
