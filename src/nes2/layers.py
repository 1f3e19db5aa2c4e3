"""Building blocks shared by the package's models: convolution stages, classifier heads
and SegNet's max-unpooling.

Examples:
    >>> import keras
    >>> x = conv_bn_relu(keras.Input((32, 32, 3)), 8, suffix="1", padding="same")
    >>> x.shape
    (None, 32, 32, 8)
    >>> classifier_head(keras.Input((16,)), 2).shape  # two classes: one sigmoid unit
    (None, 1)
"""

from __future__ import annotations

import keras
from keras import layers, ops

BN_MOMENTUM = 0.9
"""Batch normalization's moving-average momentum. Keras' default, 0.99, needs
hundreds of steps before the moving statistics are usable; on a few hundred
images they would still be near their initial values after 10 epochs, and
validation accuracy would sit at chance."""


def conv_bn_relu(
    x,
    filters: int,
    kernel_size: int = 3,
    *,
    prefix: str = "",
    suffix: str = "",
    padding: str = "valid",
    strides: int = 1,
    batch_norm: bool = True,
    momentum: float = BN_MOMENTUM,
):
    """Convolution, batch normalization (optional) and ReLU.

    The layers are named `{prefix}conv{suffix}`, `{prefix}bn{suffix}` and
    `{prefix}relu{suffix}`; with batch normalization the convolution has no bias
    (the normalization's shift replaces it).

    Args:
        x: the input tensor.
        filters: output channels.
        kernel_size: the convolution's size.
        prefix, suffix: put around the layer kinds to name the layers.
        padding: `"valid"` or `"same"`.
        strides: the convolution's strides.
        batch_norm: insert batch normalization between convolution and ReLU.
        momentum: batch normalization's moving-average momentum.
    """
    x = layers.Conv2D(
        filters,
        kernel_size,
        strides=strides,
        padding=padding,
        use_bias=not batch_norm,
        name=f"{prefix}conv{suffix}",
    )(x)
    if batch_norm:
        x = layers.BatchNormalization(momentum=momentum, name=f"{prefix}bn{suffix}")(x)
    return layers.Activation("relu", name=f"{prefix}relu{suffix}")(x)


def classifier_head(x, num_classes: int, *, dropout: float = 0.0, name: str = "prediction"):
    """The output layer of a classifier: one sigmoid unit for 2 classes, else a softmax.

    Args:
        x: the features (a tensor of shape `(batch, features)`).
        num_classes: 2 gives one sigmoid unit (binary cross-entropy), more a
            softmax (sparse categorical cross-entropy).
        dropout: dropout before the output layer (0: none).
        name: the output layer's name.
    """
    if dropout:
        x = layers.Dropout(dropout, name=f"{name}_dropout")(x)
    if num_classes == 2:
        return layers.Dense(1, activation="sigmoid", name=name)(x)
    return layers.Dense(num_classes, activation="softmax", name=name)(x)


def classification_loss(num_classes: int) -> str:
    """The loss that matches `classifier_head`: binary or sparse categorical cross-entropy.

    Examples:
        >>> classification_loss(2), classification_loss(10)
        ('binary_crossentropy', 'sparse_categorical_crossentropy')
    """
    return "binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy"


@keras.saving.register_keras_serializable(package="nes2")
class MaxUnpooling2D(layers.Layer):
    """SegNet's upsampling: each value goes back where its pooling window had its maximum.

    Called on `[x, features]`: `x` is what the decoder upsamples, `features`
    the encoder's map before its `size` × `size` max pooling (same channels as
    `x`). The positions of the maxima (the pooling indices, found by comparing
    `features` with its pooled maxima) receive `x`'s values; the others zero.
    Unlike a transposed convolution it learns nothing; unlike U-Net's skip
    connections it passes on where the maxima were, not the features themselves.

    Examples:
        >>> import numpy as np
        >>> features = np.array([[1.0, 5.0], [2.0, 3.0]]).reshape(1, 2, 2, 1)
        >>> x = np.array([[[[7.0]]]])
        >>> MaxUnpooling2D()([x, features]).numpy().reshape(2, 2).tolist()
        [[0.0, 7.0], [0.0, 0.0]]
    """

    def __init__(self, size: int = 2, **kwargs):
        super().__init__(**kwargs)
        self.size = size

    def _up(self, x):
        return ops.repeat(ops.repeat(x, self.size, axis=1), self.size, axis=2)

    def call(self, inputs):
        x, features = inputs
        pooled = ops.max_pool(features, self.size, self.size)
        switches = ops.cast(ops.equal(features, self._up(pooled)), x.dtype)
        return self._up(x) * switches

    def compute_output_shape(self, input_shapes):
        return input_shapes[1]

    def get_config(self):
        return {**super().get_config(), "size": self.size}


@keras.saving.register_keras_serializable(package="nes2")
class ImageVariable(layers.Layer):
    """One image held as the layer's weight, returned whatever the input: what an optimisation of
    pixels (style transfer) changes, kept in a model so that it is saved and loaded like weights.

    Called on a batch, it returns the image once per example of the batch.

    Examples:
        >>> import numpy as np
        >>> layer = ImageVariable((4, 4, 3))
        >>> tuple(layer(np.zeros((2, 4, 4, 3))).shape)
        (2, 4, 4, 3)
    """

    def __init__(self, shape, **kwargs):
        super().__init__(**kwargs)
        self.image_shape = tuple(shape)
        self.image = self.add_weight(
            shape=(1, *self.image_shape), initializer="zeros", name="image"
        )

    def call(self, inputs):
        return ops.repeat(self.image, ops.shape(inputs)[0], axis=0)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], *self.image_shape)

    def get_config(self):
        return {**super().get_config(), "shape": self.image_shape}
