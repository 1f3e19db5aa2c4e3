"""Depthwise separable convolutions: Xception's block, MobileNet's unit, and what they save.

A 3x3 convolution over `c_in` channels to `c_out` filters mixes space and
channels at once. The separable one does it in two steps: a 3x3 filter per
channel (depthwise), then a 1x1 convolution that mixes the channels
(pointwise). `conv_cost` counts what that saves in parameters and multiply-adds.

Examples:
    >>> round(conv_cost(28, 28, 128, 128)["ratio"], 3)
    0.119
"""

from __future__ import annotations

from keras import layers


def separable_conv_block(x, filters: int, name: str = "separable", activation: str = "relu"):
    """Xception's unit: a depthwise separable 3x3 convolution, BatchNorm, activation.

    A depthwise separable convolution (`SeparableConv2D`) filters each input
    channel on its own (depthwise) and then mixes the channels with a 1x1
    convolution (pointwise), which costs a fraction of a full convolution; see
    `conv_cost`.

    Examples:
        >>> import keras
        >>> y = separable_conv_block(keras.Input((19, 19, 728)), 728)
        >>> y.shape
        (None, 19, 19, 728)
    """
    x = layers.SeparableConv2D(filters, 3, padding="same", use_bias=False, name=f"{name}_sepconv")(
        x
    )
    x = layers.BatchNormalization(name=f"{name}_bn")(x)
    return layers.Activation(activation, name=f"{name}_act")(x)


def mobilenet_block(x, filters: int, strides: int = 1, name: str = "mobilenet"):
    """MobileNet's unit (Howard et al., 2017): depthwise 3x3 and pointwise 1x1 convolutions.

    Each is followed by BatchNorm and ReLU6.

    Examples:
        >>> import keras
        >>> y = mobilenet_block(keras.Input((112, 112, 32)), 64, strides=2)
        >>> y.shape
        (None, 56, 56, 64)
    """
    x = layers.DepthwiseConv2D(
        3, strides=strides, padding="same", use_bias=False, name=f"{name}_dw"
    )(x)
    x = layers.BatchNormalization(name=f"{name}_dw_bn")(x)
    x = layers.ReLU(6.0, name=f"{name}_dw_relu")(x)
    x = layers.Conv2D(filters, 1, use_bias=False, name=f"{name}_pw")(x)
    x = layers.BatchNormalization(name=f"{name}_pw_bn")(x)
    return layers.ReLU(6.0, name=f"{name}_pw_relu")(x)


def conv_cost(
    height: int, width: int, in_channels: int, out_channels: int, kernel: int = 3
) -> dict:
    """Parameters and multiply-adds of a standard vs a depthwise separable convolution.

    For a `kernel` x `kernel` convolution with "same" padding and stride 1 on a
    `height` x `width` x `in_channels` input (biases left out):

    * standard: `k*k*C_in*C_out` weights, each used at every output position;
    * separable: `k*k*C_in` depthwise plus `C_in*C_out` pointwise weights.

    Returns:
        A dict with `standard` and `separable`, each `{"params", "mult_adds"}`,
        and `ratio`, separable over standard multiply-adds,
        `1/C_out + 1/k**2`.

    Examples:
        >>> cost = conv_cost(112, 112, 64, 128)
        >>> cost["standard"]["params"], cost["separable"]["params"]
        (73728, 8768)
        >>> round(cost["ratio"], 3)
        0.119
    """
    positions = height * width
    standard = kernel * kernel * in_channels * out_channels
    separable = kernel * kernel * in_channels + in_channels * out_channels
    return {
        "standard": {"params": standard, "mult_adds": standard * positions},
        "separable": {"params": separable, "mult_adds": separable * positions},
        "ratio": separable / standard,
    }
