"""The classic convolutional networks, built from scratch with the functional API.

Each builder returns an untrained `keras.Model`. The defaults are the
configurations of the papers (and of `keras.applications` where it has the
model), so `model.count_params()` can be compared with the published figures.
The building blocks (`vgg_block`, `inception_module`, `residual_block`) take
and return a tensor, so they compose into new networks; the separable
convolutions of Xception and MobileNet are in `nes2.models.separable`.

Examples:
    >>> model = lenet5()
    >>> model.count_params()
    61706
"""

from __future__ import annotations

import keras
from keras import layers

BN_EPSILON = 1.001e-5
"""The BatchNorm epsilon of `keras.applications.ResNet50`."""


def _classifier(x, num_classes: int, activation: str = "softmax", name: str = "predictions"):
    return layers.Dense(num_classes, activation=activation, name=name)(x)


def lenet5(input_shape=(32, 32, 1), num_classes: int = 10) -> keras.Model:
    """LeNet-5 (LeCun et al., 1998), the usual Keras re-implementation.

    Two 5x5 convolutions with 6 and 16 filters, each followed by average
    pooling, then dense layers of 120 and 84 units and the classifier; tanh
    activations. The paper's sparse C3 connections are replaced by full ones,
    so the network has 61,706 parameters instead of about 60,000.

    Args:
        input_shape: the input image shape; the paper uses 32x32 grey images.
        num_classes: the number of output classes.

    Examples:
        >>> lenet5().output.shape
        (None, 10)
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(6, 5, activation="tanh", name="c1")(inputs)
    x = layers.AveragePooling2D(2, name="s2")(x)
    x = layers.Conv2D(16, 5, activation="tanh", name="c3")(x)
    x = layers.AveragePooling2D(2, name="s4")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(120, activation="tanh", name="c5")(x)
    x = layers.Dense(84, activation="tanh", name="f6")(x)
    return keras.Model(inputs, _classifier(x, num_classes), name="lenet5")


def alexnet(
    input_shape=(227, 227, 3), num_classes: int = 1000, dropout: float = 0.5
) -> keras.Model:
    """AlexNet (Krizhevsky, Sutskever & Hinton, 2012) as a single tower.

    Five convolutions (96 filters of 11x11 with stride 4 first) and three dense
    layers; about 62 million parameters at 227x227 with 1,000 classes (the
    paper says 60 million). The paper's two-GPU split and local response
    normalization are left out, as in most re-implementations.

    Args:
        input_shape: the input image shape (227x227 makes the arithmetic exact).
        num_classes: the number of output classes.
        dropout: the dropout rate before the first two dense layers.

    Examples:
        >>> round(alexnet().count_params() / 1e6, 1)
        62.4
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(96, 11, strides=4, activation="relu", name="conv1")(inputs)
    x = layers.MaxPooling2D(3, strides=2, name="pool1")(x)
    x = layers.Conv2D(256, 5, padding="same", activation="relu", name="conv2")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool2")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv3")(x)
    x = layers.Conv2D(384, 3, padding="same", activation="relu", name="conv4")(x)
    x = layers.Conv2D(256, 3, padding="same", activation="relu", name="conv5")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool5")(x)
    x = layers.Flatten(name="flatten")(x)
    for i in (6, 7):
        x = layers.Dropout(dropout, name=f"drop{i}")(x)
        x = layers.Dense(4096, activation="relu", name=f"fc{i}")(x)
    return keras.Model(inputs, _classifier(x, num_classes), name="alexnet")


def vgg_block(x, filters: int, convs: int, name: str = "block"):
    """A VGG block: `convs` 3x3 convolutions with ReLU, then 2x2 max pooling.

    Examples:
        >>> x = vgg_block(keras.Input((32, 32, 3)), 64, convs=2)
        >>> x.shape
        (None, 16, 16, 64)
    """
    for i in range(1, convs + 1):
        x = layers.Conv2D(filters, 3, padding="same", activation="relu", name=f"{name}_conv{i}")(x)
    return layers.MaxPooling2D(2, strides=2, name=f"{name}_pool")(x)


VGG_CONFIGS = {16: (2, 2, 3, 3, 3), 19: (2, 2, 4, 4, 4)}
"""Convolutions per block of VGG16 and VGG19 (filters 64, 128, 256, 512, 512)."""


def _vgg(depth: int, input_shape, num_classes: int) -> keras.Model:
    inputs = keras.Input(input_shape, name="image")
    x = inputs
    for i, (filters, convs) in enumerate(
        zip((64, 128, 256, 512, 512), VGG_CONFIGS[depth], strict=True)
    ):
        x = vgg_block(x, filters, convs, name=f"block{i + 1}")
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(4096, activation="relu", name="fc1")(x)
    x = layers.Dense(4096, activation="relu", name="fc2")(x)
    return keras.Model(inputs, _classifier(x, num_classes), name=f"vgg{depth}")


def vgg16(input_shape=(224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """VGG16 (Simonyan & Zisserman, 2014): 13 convolutions 3x3 and 3 dense layers.

    With the defaults it has the parameters of `keras.applications.VGG16`,
    138,357,544.

    Examples:
        >>> vgg16(input_shape=(32, 32, 3), num_classes=10).output.shape
        (None, 10)
    """
    return _vgg(16, input_shape, num_classes)


def vgg19(input_shape=(224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """VGG19 (Simonyan & Zisserman, 2014): 16 convolutions 3x3 and 3 dense layers.

    With the defaults it has the parameters of `keras.applications.VGG19`,
    143,667,240.

    Examples:
        >>> vgg19(input_shape=(32, 32, 3), num_classes=10).output.shape
        (None, 10)
    """
    return _vgg(19, input_shape, num_classes)


def _conv_relu(x, filters: int, kernel: int, name: str, strides: int = 1):
    return layers.Conv2D(
        filters, kernel, strides=strides, padding="same", activation="relu", name=name
    )(x)


def inception_module(
    x,
    f1: int,
    f3_reduce: int,
    f3: int,
    f5_reduce: int,
    f5: int,
    pool_proj: int,
    name: str = "inception",
):
    """The Inception v1 module: four parallel branches, concatenated along channels.

    1x1; 1x1 then 3x3; 1x1 then 5x5; 3x3 max pooling then 1x1. The 1x1
    "reductions" keep the 3x3 and 5x5 convolutions cheap.

    Args:
        x: the input tensor.
        f1: filters of the 1x1 branch.
        f3_reduce, f3: filters of the 1x1 reduction and of the 3x3 convolution.
        f5_reduce, f5: filters of the 1x1 reduction and of the 5x5 convolution.
        pool_proj: filters of the 1x1 after the pooling.
        name: the prefix of the layer names.

    Example (GoogLeNet's module 3a):

    >>> y = inception_module(keras.Input((28, 28, 192)), 64, 96, 128, 16, 32, 32)
    >>> y.shape
    (None, 28, 28, 256)
    """
    b1 = _conv_relu(x, f1, 1, f"{name}_1x1")
    b3 = _conv_relu(x, f3_reduce, 1, f"{name}_3x3_reduce")
    b3 = _conv_relu(b3, f3, 3, f"{name}_3x3")
    b5 = _conv_relu(x, f5_reduce, 1, f"{name}_5x5_reduce")
    b5 = _conv_relu(b5, f5, 5, f"{name}_5x5")
    bp = layers.MaxPooling2D(3, strides=1, padding="same", name=f"{name}_pool")(x)
    bp = _conv_relu(bp, pool_proj, 1, f"{name}_pool_proj")
    return layers.Concatenate(name=f"{name}_concat")([b1, b3, b5, bp])


GOOGLENET_MODULES = {
    "3a": (64, 96, 128, 16, 32, 32),
    "3b": (128, 128, 192, 32, 96, 64),
    "4a": (192, 96, 208, 16, 48, 64),
    "4b": (160, 112, 224, 24, 64, 64),
    "4c": (128, 128, 256, 24, 64, 64),
    "4d": (112, 144, 288, 32, 64, 64),
    "4e": (256, 160, 320, 32, 128, 128),
    "5a": (256, 160, 320, 32, 128, 128),
    "5b": (384, 192, 384, 48, 128, 128),
}
"""Filters of GoogLeNet's inception modules (Szegedy et al. 2014, table 1)."""


def _auxiliary_head(x, num_classes: int, name: str):
    x = layers.AveragePooling2D(5, strides=3, name=f"{name}_pool")(x)
    x = _conv_relu(x, 128, 1, f"{name}_conv")
    x = layers.Flatten(name=f"{name}_flatten")(x)
    x = layers.Dense(1024, activation="relu", name=f"{name}_fc")(x)
    x = layers.Dropout(0.7, name=f"{name}_dropout")(x)
    return _classifier(x, num_classes, name=name)


def googlenet(
    input_shape=(224, 224, 3),
    num_classes: int = 1000,
    auxiliary: bool = False,
    dropout: float = 0.4,
) -> keras.Model:
    """GoogLeNet, i.e. Inception v1 (Szegedy et al., 2014): 22 layers with parameters.

    About 7 million parameters, an eighth of AlexNet's (the paper says 12x
    fewer, counting without the 1,000-way classifier's share). Local response
    normalization is left out.

    Args:
        input_shape: the input image shape.
        num_classes: the number of output classes.
        auxiliary: add the two auxiliary classifiers (after modules 4a and 4d)
            that the paper trains with weight 0.3; the model then has three outputs.
        dropout: the dropout rate before the classifier.

    Examples:
        >>> model = googlenet(auxiliary=True)
        >>> [tuple(o.shape) for o in model.outputs]
        [(None, 1000), (None, 1000), (None, 1000)]
    """
    inputs = keras.Input(input_shape, name="image")
    x = _conv_relu(inputs, 64, 7, "conv1", strides=2)
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool1")(x)
    x = _conv_relu(x, 64, 1, "conv2_reduce")
    x = _conv_relu(x, 192, 3, "conv2")
    x = layers.MaxPooling2D(3, strides=2, padding="same", name="pool2")(x)
    aux = []
    for key, filters in GOOGLENET_MODULES.items():
        if key in ("4a", "5a"):
            x = layers.MaxPooling2D(3, strides=2, padding="same", name=f"pool_{key}")(x)
        x = inception_module(x, *filters, name=f"inception_{key}")
        if auxiliary and key in ("4a", "4d"):
            aux.append(_auxiliary_head(x, num_classes, name=f"aux_{key}"))
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = [_classifier(x, num_classes), *aux] if auxiliary else _classifier(x, num_classes)
    return keras.Model(inputs, outputs, name="googlenet")


def residual_block(
    x,
    filters: int,
    strides: int = 1,
    kind: str = "basic",
    name: str = "block",
    use_bias: bool = False,
    shortcut: bool = True,
):
    """A residual block (He et al., 2015): `relu(F(x) + shortcut(x))`.

    `kind="basic"`: two 3x3 convolutions (ResNet-18/34). `kind="bottleneck"`:
    1x1 reducing to `filters`, 3x3, 1x1 expanding to `4 * filters`
    (ResNet-50 and deeper; stride on the first 1x1 as in `keras.applications`).
    Each convolution is followed by BatchNorm. The shortcut is the identity
    when the shapes match, else a strided 1x1 convolution with BatchNorm.

    Args:
        x: the input tensor.
        filters: the block's width (the output has `filters`, or `4 * filters`
            for a bottleneck).
        strides: 2 halves the resolution.
        kind: `"basic"` or `"bottleneck"`.
        name: the prefix of the layer names.
        use_bias: biases in the convolutions (`keras.applications` has them).
        shortcut: `False` leaves the shortcut out, `relu(F(x))`: the same
            layers as a plain network, to compare with.

    Examples:
        >>> y = residual_block(keras.Input((56, 56, 64)), 128, strides=2)
        >>> y.shape
        (None, 28, 28, 128)
    """
    if kind not in ("basic", "bottleneck"):
        raise ValueError(f"kind must be 'basic' or 'bottleneck', not {kind!r}.")
    out_filters = filters * 4 if kind == "bottleneck" else filters

    def conv_bn(y, f, k, s, suffix, relu=True):
        y = layers.Conv2D(
            f, k, strides=s, padding="same", use_bias=use_bias, name=f"{name}_{suffix}_conv"
        )(y)
        y = layers.BatchNormalization(epsilon=BN_EPSILON, name=f"{name}_{suffix}_bn")(y)
        return layers.Activation("relu", name=f"{name}_{suffix}_relu")(y) if relu else y

    if not shortcut:
        identity = None
    elif strides != 1 or x.shape[-1] != out_filters:
        identity = conv_bn(x, out_filters, 1, strides, "0", relu=False)
    else:
        identity = x
    if kind == "basic":
        y = conv_bn(x, filters, 3, strides, "1")
        y = conv_bn(y, filters, 3, 1, "2", relu=False)
    else:
        y = conv_bn(x, filters, 1, strides, "1")
        y = conv_bn(y, filters, 3, 1, "2")
        y = conv_bn(y, out_filters, 1, 1, "3", relu=False)
    if identity is not None:
        y = layers.Add(name=f"{name}_add")([identity, y])
    return layers.Activation("relu", name=f"{name}_out")(y)


def deep_stack(
    blocks: int,
    shortcuts: bool,
    input_shape=(28, 28, 1),
    num_classes: int = 10,
    width: int = 16,
) -> keras.Model:
    """A deep stack of 3x3 convolutions, with or without residual shortcuts.

    A stem convolution, `blocks` basic blocks (`residual_block`, two
    convolutions each; the second half at half the resolution and twice the
    width), global average pooling and a softmax: `2 * blocks + 2` layers with
    weights. With `shortcuts=False` the same layers form a plain network: the
    experiment of He et al. (2015), fig. 1 and 6, in miniature.

    Examples:
        >>> plain, residual = deep_stack(10, False), deep_stack(10, True)
        >>> plain.count_params() < residual.count_params()   # only the 1x1 projection differs
        True
        >>> sum(isinstance(layer, layers.Conv2D) for layer in plain.layers)
        21
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    x = layers.Conv2D(width, 3, padding="same", use_bias=False, name="stem_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="stem_bn")(x)
    x = layers.Activation("relu", name="stem_relu")(x)
    for i in range(blocks):
        second_half = i >= blocks // 2
        x = residual_block(
            x,
            width * (2 if second_half else 1),
            strides=2 if i == blocks // 2 else 1,
            name=f"block{i + 1}",
            shortcut=shortcuts,
        )
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    kind = "residual" if shortcuts else "plain"
    return keras.Model(inputs, _classifier(x, num_classes), name=f"{kind}_{2 * blocks + 2}")


RESNET_CONFIGS = {
    18: ("basic", (2, 2, 2, 2)),
    34: ("basic", (3, 4, 6, 3)),
    50: ("bottleneck", (3, 4, 6, 3)),
}
"""Block type and blocks per stage of ResNet-18, -34 and -50 (He et al. 2015, table 1)."""


def _resnet(depth: int, input_shape, num_classes: int, use_bias: bool) -> keras.Model:
    kind, blocks = RESNET_CONFIGS[depth]
    inputs = keras.Input(input_shape, name="image")
    x = layers.ZeroPadding2D(3, name="conv1_pad")(inputs)
    x = layers.Conv2D(64, 7, strides=2, use_bias=use_bias, name="conv1_conv")(x)
    x = layers.BatchNormalization(epsilon=BN_EPSILON, name="conv1_bn")(x)
    x = layers.Activation("relu", name="conv1_relu")(x)
    x = layers.ZeroPadding2D(1, name="pool1_pad")(x)
    x = layers.MaxPooling2D(3, strides=2, name="pool1_pool")(x)
    for stage, (filters, count) in enumerate(zip((64, 128, 256, 512), blocks, strict=True)):
        for block in range(count):
            strides = 2 if stage > 0 and block == 0 else 1
            x = residual_block(
                x,
                filters,
                strides,
                kind,
                name=f"conv{stage + 2}_block{block + 1}",
                use_bias=use_bias,
            )
    x = layers.GlobalAveragePooling2D(name="avg_pool")(x)
    return keras.Model(inputs, _classifier(x, num_classes), name=f"resnet{depth}")


def resnet18(input_shape=(224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """ResNet-18 (He et al., 2015): 8 basic residual blocks.

    Convolutions without biases, as in the paper; 11,689,512 trainable
    parameters with 1,000 classes (the BatchNorm moving statistics add 9,600
    non-trainable ones).

    Examples:
        >>> resnet18(input_shape=(64, 64, 3), num_classes=2).output.shape
        (None, 2)
    """
    return _resnet(18, input_shape, num_classes, use_bias=False)


def resnet34(input_shape=(224, 224, 3), num_classes: int = 1000) -> keras.Model:
    """ResNet-34 (He et al., 2015): 16 basic residual blocks; 21,797,672 trainable parameters.

    Examples:
        >>> resnet34(input_shape=(64, 64, 3), num_classes=2).output.shape
        (None, 2)
    """
    return _resnet(34, input_shape, num_classes, use_bias=False)


def resnet50(
    input_shape=(224, 224, 3), num_classes: int = 1000, use_bias: bool = True
) -> keras.Model:
    """ResNet-50 (He et al., 2015): 16 bottleneck blocks.

    With the defaults it is `keras.applications.ResNet50`'s configuration
    (biases in the convolutions) and has its 25,636,712 parameters.

    Examples:
        >>> resnet50(input_shape=(64, 64, 3), num_classes=2).output.shape
        (None, 2)
    """
    return _resnet(50, input_shape, num_classes, use_bias=use_bias)
