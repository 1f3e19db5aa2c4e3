"""Transfer learning over `keras.applications`: a frozen base with a new head, fine-tuning,
and features computed once for a small classifier.

* `transfer_model()`: preprocessing inside the model, a frozen base called with
  `training=False`, a new head; `fine_tune()` unfreezes the top of the base.
* `feature_extractor()` / `extract_features()`: compute the base's features
  once, then train a small classifier on them (`feature_classifier()`).

`weights` is `"imagenet"`, `None` or the path of a local weights file (see
`nes2.applications.catalog.base_model`).
"""

from __future__ import annotations

import difflib
import os

import keras

from nes2.applications.catalog import base_model, spec
from nes2.errors import Nes2Error
from nes2.layers import classification_loss, classifier_head


@keras.saving.register_keras_serializable(package="nes2")
class ApplicationPreprocessing(keras.layers.Layer):
    """The `preprocess_input` of a `keras.applications` model, as a layer.

    Keeping preprocessing inside the model means that a saved model takes raw
    pixels (0-255) and nobody can forget or mismatch it.

    Args:
        model_name: the `keras.applications` model whose preprocessing to apply.
    """

    def __init__(self, model_name: str, **kwargs):
        super().__init__(**kwargs)
        self.model_name = spec(model_name).name

    def call(self, images):
        return spec(self.model_name).preprocess(keras.ops.cast(images, "float32"))

    def get_config(self):
        return {**super().get_config(), "model_name": self.model_name}


def preprocessing(model_name: str, **kwargs):
    """A layer applying the `preprocess_input` of model `model_name` (saved with the model).

    Examples:
        >>> import numpy as np
        >>> layer = preprocessing("VGG16")
        >>> pixel = layer(np.full((1, 2, 2, 3), 128.0)).numpy()[0, 0, 0]
        >>> [round(float(v), 2) for v in pixel]  # BGR minus the ImageNet means
        [24.06, 11.22, 4.32]
    """
    return ApplicationPreprocessing(model_name, **kwargs)


def _compile(model, num_classes: int, learning_rate: float) -> None:
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss=classification_loss(num_classes),
        metrics=["accuracy"],
    )


def transfer_model(
    name: str,
    num_classes: int,
    input_shape=None,
    weights: str | os.PathLike | None = "imagenet",
    freeze: bool = True,
    dropout: float = 0.5,
    augmentation=None,
    learning_rate: float = 1e-3,
    **base_kwargs,
):
    """A compiled classifier on a pretrained `keras.applications` base.

    `Input (0-255) -> augmentation -> preprocess_input -> base(training=False)
    -> global average pooling -> dropout -> Dense`. The base's BatchNorm layers
    stay frozen even when the base is unfrozen, so they keep running in
    inference mode with the statistics learned on ImageNet (see `fine_tune`).

    Args:
        name: a `keras.applications` model, e.g. `"VGG16"`.
        num_classes: 2 gives one sigmoid unit (binary cross-entropy), more a
            softmax (sparse categorical cross-entropy).
        input_shape: `(height, width, 3)`; default: the model's own size.
        weights: `"imagenet"`, `None` or a local weights file (see `base_model`).
        freeze: freeze the base (feature extraction); `False` trains it all.
        dropout: the dropout rate before the new head (0 for none).
        augmentation: a Keras layer (e.g. `nes2.models.augmentation()`), active
            only in training.
        learning_rate: of the Adam optimizer.
        **base_kwargs: passed to the `keras.applications` constructor.

    Examples:
        >>> model = transfer_model("MobileNetV2", 2, (96, 96, 3), weights=None, alpha=0.35)
        >>> model.output.shape, model.get_layer("base").trainable
        ((None, 1), False)
    """
    base = base_model(name, input_shape, weights, **base_kwargs)
    base.name = "base"
    return attach_head(
        base,
        num_classes,
        freeze=freeze,
        dropout=dropout,
        augmentation=augmentation,
        preprocessing=preprocessing(name, name="preprocessing"),
        learning_rate=learning_rate,
        name=f"transfer_{spec(name).name}",
    )


def _freeze_batchnorm(base) -> None:
    # In Keras 3 the outer model's `training=True` overrides the `training=False`
    # given when the base was called (keras-team/keras#20285); a frozen
    # BatchNormalization layer, though, always runs in inference mode.
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
        elif isinstance(layer, keras.Model):
            _freeze_batchnorm(layer)


def attach_head(
    base,
    num_classes: int,
    *,
    freeze: bool = True,
    dropout: float = 0.5,
    augmentation=None,
    preprocessing=None,
    learning_rate: float = 1e-3,
    name: str = "transfer",
):
    """A compiled classifier on any pretrained base model (renamed `"base"`).

    `Input -> augmentation -> preprocessing -> base(training=False) -> [global
    average pooling if the base outputs feature maps] -> dropout -> Dense`.
    `transfer_model` uses it for `keras.applications`; call it directly for a
    base of your own, e.g. the convolutional part of a model trained on
    another task.

    Args:
        base: a `keras.Model`; it is renamed `"base"` (so `fine_tune` finds it).
        num_classes: 2 gives one sigmoid unit, more a softmax.
        freeze: freeze the base.
        dropout: the dropout rate before the new head.
        augmentation: a layer active only in training, or `None`.
        preprocessing: a layer applied before the base, or `None`.
        learning_rate: of the Adam optimizer.
        name: the model's name.

    Examples:
        >>> inputs = keras.Input((28, 28, 1))
        >>> features = keras.layers.Conv2D(8, 3)(inputs)
        >>> model = attach_head(keras.Model(inputs, features), 5)
        >>> model.output.shape, len(model.trainable_weights)
        ((None, 5), 2)
    """
    base.name = "base"
    base.trainable = not freeze
    _freeze_batchnorm(base)
    inputs = keras.Input(base.input_shape[1:], name="image")
    x = augmentation(inputs) if augmentation is not None else inputs
    if preprocessing is not None:
        x = preprocessing(x)
    x = base(x, training=False)
    if len(x.shape) == 4:
        x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    model = keras.Model(
        inputs, classifier_head(x, num_classes, dropout=dropout, name="head"), name=name
    )
    _compile(model, num_classes, learning_rate)
    return model


def fine_tune(model, unfreeze: int | str = 4, learning_rate: float = 1e-5):
    """Unfreeze the top of a transfer model's base and recompile with a low learning rate.

    BatchNorm layers stay frozen: their statistics came from ImageNet and a
    small data set would spoil them.

    Args:
        model: a model from `transfer_model` or `attach_head`.
        unfreeze: how many of the base's top layers with weights to unfreeze,
            or the name of the first layer to unfreeze (e.g. `"block5_conv1"`
            for VGG16's last block, as in *Deep Learning with Python*).
        learning_rate: the new, low learning rate (Adam).

    Returns:
        The same model, recompiled; its `trainable_weights` now include the
        unfrozen layers.

    Examples:
        >>> model = transfer_model("VGG16", 2, (32, 32, 3), weights=None)
        >>> model = fine_tune(model, "block5_conv1")
        >>> [layer.name for layer in model.get_layer("base").layers if layer.trainable][:2]
        ['block5_conv1', 'block5_conv2']
    """
    base = model.get_layer("base")
    weighted = [layer for layer in base.layers if layer.weights]
    if isinstance(unfreeze, str):
        names = [layer.name for layer in base.layers]
        if unfreeze not in names:
            close = difflib.get_close_matches(unfreeze, names, n=3)
            raise Nes2Error(
                f"The base has no layer {unfreeze!r}{f'; did you mean {close}?' if close else ''}"
            )
        start = names.index(unfreeze)
        top = base.layers[start:]
    else:
        if not 0 < unfreeze <= len(weighted):
            raise Nes2Error(
                f"unfreeze={unfreeze}: the base has {len(weighted)} layers with weights."
            )
        top = base.layers[base.layers.index(weighted[-unfreeze]) :]
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer in top
    _freeze_batchnorm(base)
    config_ = model.get_compile_config()
    config_["optimizer"] = keras.optimizers.serialize(keras.optimizers.Adam(learning_rate))
    model.compile_from_config(config_)
    return model


def feature_extractor(name: str, input_shape=None, weights="imagenet", **base_kwargs):
    """`Input (0-255) -> preprocess_input -> frozen base -> global average pooling`.

    Examples:
        >>> extractor = feature_extractor("MobileNetV2", (64, 64, 3), weights=None, alpha=0.35)
        >>> extractor.output.shape
        (None, 1280)
    """
    base = base_model(name, input_shape, weights, **base_kwargs)
    base.trainable = False
    inputs = keras.Input(base.input_shape[1:], name="image")
    x = preprocessing(name, name="preprocessing")(inputs)
    x = base(x, training=False)
    outputs = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, outputs, name=f"features_{spec(name).name}")


def extract_features(extractor, dataset, progress: bool = True):
    """Run `extractor` once over a `tf.data` data set of `(images, labels)`.

    Returns:
        `(features, labels)` as NumPy arrays, for training a small classifier
        (`feature_classifier`) many epochs at almost no cost.

    Examples:
        ```python
        extractor = feature_extractor("VGG16", (150, 150, 3))
        x_train, y_train = extract_features(extractor, data.train)
        ```
    """
    import numpy as np
    from tqdm import tqdm

    features, labels = [], []
    for images, y in tqdm(dataset, desc=f"features ({extractor.name})", disable=not progress):
        features.append(extractor(images, training=False).numpy())
        labels.append(np.asarray(y))
    return np.concatenate(features), np.concatenate(labels)


def feature_classifier(
    dim: int, num_classes: int, dropout: float = 0.5, units: int = 256, learning_rate: float = 1e-3
):
    """A compiled dense classifier for precomputed features (`extract_features`).

    Examples:
        >>> feature_classifier(1280, 2).output.shape
        (None, 1)
    """
    inputs = keras.Input((dim,), name="features")
    x = keras.layers.Dense(units, activation="relu", name="hidden")(inputs)
    model = keras.Model(
        inputs,
        classifier_head(x, num_classes, dropout=dropout, name="head"),
        name="feature_classifier",
    )
    _compile(model, num_classes, learning_rate)
    return model
