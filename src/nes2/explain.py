"""What a convnet looks at: its intermediate activations and Grad-CAM heat maps.

* `activations(model, images, layers)` returns what chosen layers output for
  some images: the feature maps a page draws with `nes2.viz.feature_maps`.
* `receptive_fields(model)` follows the layers from the input and gives each
  the size of the input patch one of its units sees; `receptive_field_map`
  shows that patch for one unit, as the gradient of the unit by the input.
* `grad_cam(model, images)` weighs the feature maps of the last convolution
  by how much the class score grows with each of them (the mean of the
  score's gradient over the map) and keeps the positive part: where in the
  image the evidence for the class lies; its two steps are
  `feature_gradients` and `weigh_feature_maps` (Selvaraju et al., 2017,
  arXiv:1610.02391). The gradient is the backend's (TensorFlow here); the rest
  is `keras.ops`.

Examples:
    ```python
    from nes2 import explain, viz

    maps = explain.grad_cam(model, images)       # (n, height, width), 0-1
    viz.image_grid(images, labels, heatmaps=maps)
    ```
"""

from __future__ import annotations

from collections.abc import Sequence

import keras
import numpy as np
from keras import ops

_NOT_FEATURES = keras.layers.MaxPooling2D | keras.layers.AveragePooling2D | keras.layers.Dropout


def last_conv_layer(model: keras.Model) -> str:
    """The name of the last layer whose output is a stack of 2D feature maps.

    Pooling and dropout after the last convolution are skipped: Grad-CAM uses
    the convolution's own maps, at their finest.

    Examples:
        >>> from nes2 import models
        >>> last_conv_layer(models.small_convnet((32, 32, 3), filters=(8, 16)))
        'relu2'
    """
    for layer in reversed(model.layers):
        output = getattr(layer, "output", None)
        skipped = isinstance(layer, _NOT_FEATURES | keras.layers.InputLayer)
        if output is not None and len(output.shape) == 4 and not skipped:
            return layer.name
    raise ValueError(
        f"{model.name} has no layer with 2D feature maps (batch, height, width, channels): "
        "Grad-CAM needs a convnet."
    )


def activations(model: keras.Model, images, layers: Sequence[str]) -> dict[str, np.ndarray]:
    """The outputs of `layers` (names) for `images`, as NumPy arrays by layer name.

    Examples:
        >>> from nes2 import models
        >>> model = models.small_convnet((32, 32, 3), filters=(8, 16))
        >>> maps = activations(model, np.zeros((2, 32, 32, 3)), ["relu1", "pool2"])
        >>> {name: a.shape for name, a in maps.items()}
        {'relu1': (2, 30, 30, 8), 'pool2': (2, 6, 6, 16)}
    """
    unknown = [name for name in layers if name not in {layer.name for layer in model.layers}]
    if unknown:
        raise ValueError(f"{model.name} has no layer {', '.join(map(repr, unknown))}.")
    probe = keras.Model(model.inputs, [model.get_layer(name).output for name in layers])
    outputs = probe.predict(np.asarray(images), verbose=0)
    outputs = outputs if isinstance(outputs, list) else [outputs]
    return dict(zip(layers, (np.asarray(o) for o in outputs), strict=True))


def class_scores(outputs, classes):
    """Each image's score for its class: the softmax output, or for one sigmoid
    unit `p` for class 1 and `1 - p` for class 0."""
    classes = ops.convert_to_tensor(np.asarray(classes, dtype="int32"))
    if outputs.shape[-1] == 1:
        p = outputs[:, 0]
        return ops.where(classes == 1, p, 1.0 - p)
    return ops.take_along_axis(outputs, classes[:, None], axis=1)[:, 0]


def feature_gradients(model: keras.Model, images, classes=None, layer: str | None = None):
    """The feature maps of `layer` for `images` and the gradient of the class score by them.

    The first step of Grad-CAM (`grad_cam`): `weigh_feature_maps` is the second.

    Args:
        model, images, classes, layer: as in `grad_cam`.

    Returns:
        `(features, gradients)`, two arrays `(n, height, width, channels)` of the layer's size.

    Examples:
        >>> from nes2 import models
        >>> model = models.small_convnet((32, 32, 3), filters=(8, 16))
        >>> features, gradients = feature_gradients(model, np.zeros((1, 32, 32, 3)))
        >>> features.shape == gradients.shape == (1, 13, 13, 16)
        True
    """
    import tensorflow as tf

    images = np.asarray(images, dtype="float32")
    layer = layer or last_conv_layer(model)
    probe = keras.Model(model.inputs, [model.get_layer(layer).output, model.output])
    inputs = tf.convert_to_tensor(images)
    with tf.GradientTape() as tape:
        features, outputs = probe(inputs, training=False)
        if classes is None:
            predicted = outputs[:, 0] > 0.5 if outputs.shape[-1] == 1 else ops.argmax(outputs, -1)
            classes = ops.convert_to_numpy(predicted).astype("int32")
        scores = class_scores(outputs, classes)
    gradients = tape.gradient(scores, features)
    return ops.convert_to_numpy(features), ops.convert_to_numpy(gradients)


def weigh_feature_maps(features, gradients) -> np.ndarray:
    """Grad-CAM's second step: each map weighed by its mean gradient, summed, positive part.

    Each image's map is divided by its maximum (all zeros stay zeros).

    Args:
        features, gradients: `(n, height, width, channels)`, from `feature_gradients`.

    Returns:
        `(n, height, width)` maps in 0-1, at the feature maps' size.

    Examples:
        >>> features = np.zeros((1, 2, 2, 2))
        >>> features[0, 0, 0], features[0, 1, 1] = [1, 0], [0, 1]
        >>> gradients = np.stack([np.ones((1, 2, 2)), -np.ones((1, 2, 2))], axis=-1)
        >>> weigh_feature_maps(features, gradients)[0].tolist()   # channel 1 counts against
        [[1.0, 0.0], [0.0, 0.0]]
    """
    weights = ops.mean(ops.convert_to_tensor(gradients, "float32"), axis=(1, 2))
    maps = ops.relu(ops.einsum("nhwc,nc->nhw", ops.convert_to_tensor(features, "float32"), weights))
    maps = maps / ops.maximum(ops.max(maps, axis=(1, 2), keepdims=True), 1e-12)
    return ops.convert_to_numpy(maps)


def grad_cam(model: keras.Model, images, classes=None, layer: str | None = None) -> np.ndarray:
    """Grad-CAM heat maps of `images`, scaled to 0-1 per image, at the images' size.

    Args:
        model: a trained classifier (softmax outputs, or one sigmoid unit).
        images: what the model takes, `(n, height, width, channels)`.
        classes: the class of each image to explain; `None` explains the
            predicted class (also where the prediction is wrong).
        layer: the feature maps to weigh (default: `last_conv_layer(model)`).

    Returns:
        An array `(n, height, width)`: 1 where the evidence for the class is
        strongest, 0 where there is none.

    Examples:
        >>> from nes2 import models
        >>> model = models.small_convnet((32, 32, 3), filters=(8, 16))
        >>> grad_cam(model, np.random.default_rng(0).uniform(0, 255, (2, 32, 32, 3))).shape
        (2, 32, 32)
    """
    images = np.asarray(images, dtype="float32")
    maps = weigh_feature_maps(*feature_gradients(model, images, classes, layer))
    resized = ops.image.resize(maps[..., None], images.shape[1:3], interpolation="bilinear")
    return np.clip(ops.convert_to_numpy(resized)[..., 0], 0.0, 1.0)


def _spatial(value) -> int:
    value = value if isinstance(value, int) else value[0]
    return int(value)


def receptive_fields(model: keras.Model) -> list[dict]:
    """The receptive field of every layer of a chain of layers, from the input.

    A unit after a layer with kernel `k` (dilation `d`) and stride `s` sees
    `r + (d (k - 1)) j` input pixels across, where `r` is the field before the
    layer and `j` the distance in input pixels between neighbouring units
    (`j` grows `s` times). Layers that do not look at neighbours keep both.

    Returns:
        One row per layer: `layer`, `kernel`, `stride`, `field` (pixels across)
        and `jump` (input pixels between neighbouring units).

    Examples:
        >>> stack = keras.Sequential([keras.Input((32, 32, 1)), keras.layers.Conv2D(4, 3),
        ...     keras.layers.Conv2D(4, 3), keras.layers.MaxPooling2D(2)])
        >>> [(row["kernel"], row["field"], row["jump"]) for row in receptive_fields(stack)]
        [(3, 3, 1), (3, 5, 1), (2, 6, 2)]
    """
    field, jump, rows = 1, 1, []
    for layer in model.layers:
        if isinstance(layer, keras.layers.InputLayer):
            continue
        if isinstance(layer.input, list | tuple):
            raise ValueError(
                f"{layer.name} joins several branches: receptive_fields follows a chain of "
                "layers (follow each branch on its own)."
            )
        kernel = getattr(layer, "kernel_size", None) or getattr(layer, "pool_size", None)
        kernel = _spatial(kernel) if kernel is not None else 1
        stride = _spatial(getattr(layer, "strides", None) or 1)
        dilation = _spatial(getattr(layer, "dilation_rate", None) or 1)
        field += dilation * (kernel - 1) * jump
        jump *= stride
        rows.append({"layer": layer.name, "kernel": kernel, "stride": stride,
                     "field": field, "jump": jump})  # fmt: skip
    return rows


def receptive_field_map(model: keras.Model, layer: str | None = None) -> np.ndarray:
    """How strongly each input pixel moves the centre unit of `layer` (default: the last):
    the unit's gradient by a constant input, summed over the channels, scaled to 0-1.

    Outside the receptive field the map is exactly 0; inside, it shows that
    the pixels near the centre reach the unit along more paths.

    Examples:
        >>> stack = keras.Sequential([keras.Input((9, 9, 1)),
        ...     keras.layers.Conv2D(1, 3, kernel_initializer="ones"),
        ...     keras.layers.Conv2D(1, 3, kernel_initializer="ones")])
        >>> (receptive_field_map(stack) > 0).sum(axis=1).max()   # 5 pixels across
        np.int64(5)
    """
    import tensorflow as tf

    output = model.get_layer(layer).output if layer else model.outputs[0]
    probe = keras.Model(model.inputs, output)
    inputs = tf.Variable(tf.ones((1, *model.inputs[0].shape[1:])))
    with tf.GradientTape() as tape:
        features = probe(inputs, training=False)
        centre = features[0, features.shape[1] // 2, features.shape[2] // 2]
        score = ops.sum(centre)
    gradient = np.abs(ops.convert_to_numpy(tape.gradient(score, inputs))[0]).sum(axis=-1)
    return gradient / max(gradient.max(), 1e-12)
