"""Semantic segmentation: a class for every pixel.

* `unet()`: the encoder-decoder of Ronneberger et al. (2015): convolutions and
  max pooling down, `Conv2DTranspose` up, skip connections that carry the
  encoder's fine detail to the decoder;
* `segnet()`: SegNet (Badrinarayanan et al., 2015), the same encoder and a
  decoder without skip connections that upsamples by max-unpooling;
* `deeplabv3plus()` / `segformer()` (KerasCV 0.9) and `deeplabv3_hub()`
  (KerasHub, the maintained home of these models), built from constructor
  arguments, without downloads;
* `DiceCrossEntropy`: cross-entropy plus soft Dice, which keeps a dominant
  background class from drowning the small objects;
* `mean_iou()`: IoU per class and its mean, background included;
* `padded()`: images padded to the size the library models' backbones take.

All models take images with pixels 0-255 and output per-pixel class
probabilities (`softmax`), except the KerasHub segmenter, which outputs logits.

Examples:
    >>> model = unet((64, 64, 1), num_classes=11)
    >>> model.output.shape
    (None, 64, 64, 11)
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

from nes2.errors import InvalidOptionError
from nes2.layers import conv_bn_relu

MODELS = ("unet", "segnet", "deeplabv3plus", "segformer", "deeplabv3-hub")


def _conv_block(x, filters: int, name: str, momentum: float = 0.99):
    for i in (1, 2):
        x = conv_bn_relu(
            x, filters, prefix=f"{name}_", suffix=str(i), padding="same", momentum=momentum
        )
    return x


def unet(
    input_shape=(64, 64, 1),
    num_classes: int = 11,
    width: int = 8,
    depth: int = 3,
    momentum: float = 0.99,
):
    """U-Net: `depth` downsamplings from `width` filters, doubling each time.

    Args:
        input_shape: `(height, width, channels)`, both divisible by `2**depth`.
        num_classes: classes per pixel (background included).
        width: filters of the first block.
        depth: the number of downsamplings (and of upsamplings).
        momentum: the batch normalization's momentum (lower it for a training
            of a few hundred steps, so that the moving statistics catch up).

    Examples:
        >>> unet((64, 64, 1), 11).count_params() < 150_000
        True
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    skips = []
    for level in range(depth):
        x = _conv_block(x, width * 2**level, f"down{level + 1}", momentum)
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level + 1}")(x)
    x = _conv_block(x, width * 2**depth, "bottom", momentum)
    for level in reversed(range(depth)):
        x = layers.Conv2DTranspose(width * 2**level, 2, strides=2, name=f"up{level + 1}")(x)
        x = layers.Concatenate(name=f"skip{level + 1}")([x, skips[level]])
        x = _conv_block(x, width * 2**level, f"dec{level + 1}", momentum)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax", name="mask")(x)
    return keras.Model(inputs, outputs, name="unet")


def segnet(
    input_shape=(64, 64, 1),
    num_classes: int = 11,
    width: int = 8,
    depth: int = 3,
    momentum: float = 0.99,
):
    """SegNet (Badrinarayanan et al., 2015): the encoder of `unet`, a decoder without skips.

    The decoder upsamples by max-unpooling (`nes2.layers.MaxUnpooling2D`): each
    value goes back to the position of its pooling window's maximum in the
    encoder, the others are zero, and convolutions fill them in. It learns
    from where the maxima were, not from the encoder's features, which U-Net's
    skip connections pass on. The arguments are those of `unet`.

    Examples:
        >>> model = segnet((64, 64, 1), 11)
        >>> model.output.shape, model.count_params() < unet((64, 64, 1), 11).count_params()
        ((None, 64, 64, 11), True)
    """
    from nes2.layers import MaxUnpooling2D

    inputs = keras.Input(input_shape, name="image")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    features = []
    for level in range(depth):
        x = _conv_block(x, width * 2**level, f"down{level + 1}", momentum)
        features.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level + 1}")(x)
    for level in reversed(range(depth)):
        x = MaxUnpooling2D(2, name=f"unpool{level + 1}")([x, features[level]])
        x = _conv_block(x, width * 2 ** max(level - 1, 0), f"dec{level + 1}", momentum)
    outputs = layers.Conv2D(num_classes, 1, activation="softmax", name="mask")(x)
    return keras.Model(inputs, outputs, name="segnet")


def _rgb_input(input_shape):
    if input_shape[-1] != 3:
        raise InvalidOptionError(
            f"KerasCV and KerasHub backbones take 3 channels, not input_shape={input_shape}: "
            "repeat grey images to RGB (np.repeat(x, 3, axis=-1))."
        )


def deeplabv3plus(input_shape=(64, 64, 3), num_classes: int = 11):
    """KerasCV's DeepLabV3+ on a small ResNetV2 backbone (constructor arguments only).

    Examples:
        ```python
        model = deeplabv3plus((64, 64, 3), 11)
        ```
    """
    import keras_cv

    _rgb_input(input_shape)
    backbone = keras_cv.models.ResNetV2Backbone(
        stackwise_filters=[32, 64, 128, 256],
        stackwise_blocks=[2, 2, 2, 2],
        stackwise_strides=[1, 2, 2, 2],
        include_rescaling=True,
        input_shape=input_shape,
    )
    # DeepLabV3+ reads the backbone's inner levels, never its last normalization, which
    # would get no gradient (and Keras would warn on every step): it is not trained.
    backbone.get_layer("post_bn").trainable = False
    return keras_cv.models.DeepLabV3Plus(
        num_classes=num_classes,
        backbone=backbone,
        projection_filters=32,
        spatial_pyramid_pooling=None,
    )


def segformer(input_shape=(64, 64, 3), num_classes: int = 11):
    """KerasCV's SegFormer on a small Mix Transformer backbone (constructor arguments only).

    Examples:
        ```python
        model = segformer((64, 64, 3), 11)
        ```
    """
    import keras_cv

    _rgb_input(input_shape)
    backbone = keras_cv.models.MiTBackbone(
        depths=[1, 1, 1, 1],
        embedding_dims=[32, 64, 160, 256],  # MiT-B0's widths: divisible by its 1/2/5/8 heads
        include_rescaling=True,
        input_shape=input_shape,
    )
    return keras_cv.models.SegFormer(
        num_classes=num_classes, backbone=backbone, projection_filters=64
    )


def deeplabv3_hub(input_shape=(64, 64, 3), num_classes: int = 11):
    """KerasHub's `DeepLabV3ImageSegmenter` on a small ResNet (outputs logits).

    Examples:
        ```python
        model = deeplabv3_hub((64, 64, 3), 11)
        ```
    """
    import keras_hub

    _rgb_input(input_shape)
    encoder = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[3],
        stackwise_num_filters=[64, 128, 256],
        stackwise_num_blocks=[1, 1, 1],
        stackwise_num_strides=[1, 2, 2],
        block_type="basic_block",
        image_shape=input_shape,
    )
    backbone = keras_hub.models.DeepLabV3Backbone(
        image_encoder=encoder,
        low_level_feature_key="P2",
        spatial_pyramid_pooling_key="P4",
        upsampling_size=4,
        dilation_rates=[2, 4],
        projection_filters=32,
        image_shape=input_shape,
    )
    return keras_hub.models.DeepLabV3ImageSegmenter(backbone=backbone, num_classes=num_classes)


def padded(images, multiple: int = 32):
    """`images` (or masks) with zeros around them up to a height and width divisible by
    `multiple`: the library models' backbones downsample by 32 and join maps of every scale.

    Examples:
        >>> padded(np.ones((2, 48, 48, 1))).shape, padded(np.ones((2, 48, 48))).shape
        ((2, 64, 64, 1), (2, 64, 64))
    """
    images = np.asarray(images)
    pad = [(0, 0)] + [
        (-size % multiple // 2, -size % multiple - -size % multiple // 2)
        for size in images.shape[1:3]
    ]
    return np.pad(images, pad + [(0, 0)] * (images.ndim - 3))


def build(model: str, input_shape, num_classes: int, **kwargs):
    """Build a segmentation model by name (see `MODELS`); `kwargs` go to its builder
    (e.g. `width` of `unet` and `segnet`).

    Examples:
        >>> build("segnet", (32, 32, 1), 3).name
        'segnet'
    """
    builders = {
        "unet": unet,
        "segnet": segnet,
        "deeplabv3plus": deeplabv3plus,
        "segformer": segformer,
        "deeplabv3-hub": deeplabv3_hub,
    }
    if model not in builders:
        raise InvalidOptionError(f"model must be one of {MODELS}, not {model!r}.")
    return builders[model](input_shape, num_classes, **kwargs)


@keras.saving.register_keras_serializable(package="nes2")
class DiceCrossEntropy(keras.losses.Loss):
    """Sparse categorical cross-entropy plus `dice_weight` x (1 - soft Dice).

    Soft Dice is averaged over the classes, so a class of few pixels counts as
    much as the background.

    Args:
        num_classes: the classes per pixel.
        dice_weight: the weight of the Dice term.
        from_logits: whether predictions are logits (KerasHub) or probabilities.

    Examples:
        >>> loss = DiceCrossEntropy(2)
        >>> y = np.array([[[0, 1]]]); perfect = np.array([[[[1.0, 0.0], [0.0, 1.0]]]])
        >>> float(loss(y, perfect)) < 1e-3
        True
    """

    def __init__(
        self,
        num_classes: int,
        dice_weight: float = 1.0,
        from_logits: bool = False,
        name: str = "dice_cross_entropy",
        **kwargs,
    ):
        super().__init__(name=name, **kwargs)
        self.num_classes = num_classes
        self.dice_weight = dice_weight
        self.from_logits = from_logits

    def call(self, y_true, y_pred):
        ops = keras.ops
        y_true = ops.cast(ops.reshape(y_true, ops.shape(y_pred)[:-1]), "int32")
        probabilities = ops.softmax(y_pred, axis=-1) if self.from_logits else y_pred
        cross_entropy = keras.losses.sparse_categorical_crossentropy(
            y_true, y_pred, from_logits=self.from_logits
        )
        one_hot = ops.one_hot(y_true, self.num_classes)
        axes = (1, 2)
        intersection = ops.sum(one_hot * probabilities, axis=axes)
        total = ops.sum(one_hot + probabilities, axis=axes)
        dice = (2 * intersection + 1.0) / (total + 1.0)
        per_image = ops.mean(cross_entropy, axis=(1, 2))
        return per_image + self.dice_weight * (1 - ops.mean(dice, axis=-1))

    def get_config(self):
        return {
            **super().get_config(),
            "num_classes": self.num_classes,
            "dice_weight": self.dice_weight,
            "from_logits": self.from_logits,
        }


def mean_iou(y_true, y_pred, num_classes: int) -> dict:
    """IoU of every class over all pixels and their mean (`keras.metrics.MeanIoU`).

    Args:
        y_true: `(n, h, w)` class indices.
        y_pred: `(n, h, w)` predicted indices or `(n, h, w, classes)` scores.
        num_classes: the number of classes (background included).

    Returns:
        `{"mean_iou": ..., "per_class": [...]}`; a class absent from both truth
        and prediction counts as IoU 1 in neither: it is left out of the mean.

    Examples:
        >>> truth = np.array([[[0, 0, 1, 1]]])
        >>> mean_iou(truth, np.array([[[0, 1, 1, 1]]]), 2)
        {'mean_iou': 0.5833, 'per_class': [0.5, 0.6667]}
    """
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == np.asarray(y_true).ndim + 1:
        y_pred = y_pred.argmax(axis=-1)
    metric = keras.metrics.MeanIoU(num_classes=num_classes)
    metric.update_state(np.asarray(y_true).ravel(), y_pred.ravel())
    matrix = np.asarray(metric.total_cm)
    intersection = np.diag(matrix)
    union = matrix.sum(axis=0) + matrix.sum(axis=1) - intersection
    present = union > 0
    per_class = np.where(present, intersection / np.where(present, union, 1), np.nan)
    return {
        "mean_iou": round(float(metric.result()), 4),
        "per_class": [round(float(v), 4) if not np.isnan(v) else None for v in per_class],
    }
