"""Transfer learning over every model family in `keras.applications`.

* `REGISTRY` / `spec(name)`: each model's constructor, its own
  `preprocess_input`, default input size, family, year and the top-1 / top-5
  ImageNet accuracy published on keras.io (`nes2/reference/keras_applications.csv`,
  from keras-team/keras-io `templates/api/applications/index.md`).
* `table()`: parameters and depth computed live (`weights=None`) beside the
  published figures; `nes2 models list` prints it.
* `transfer_model()`: preprocessing inside the model, a frozen base called with
  `training=False`, a new head; `fine_tune()` unfreezes the top of the base.
* `feature_extractor()` / `extract_features()`: compute the base's features
  once, then train a small classifier on them.

`weights` is `"imagenet"`, `None` or the path of a local weights file. Offline,
`"imagenet"` fails within seconds with a `WeightsNotFoundError` that names the
file Keras wanted and the folder to put it in.

Examples:
    >>> spec("ResNet50").input_size, spec("ResNet50").family
    (224, 'ResNet')
"""

from __future__ import annotations

import csv
import difflib
import importlib
import json
import os
import tempfile
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import keras

from nes2 import config
from nes2.data.download import keras_download
from nes2.errors import DownloadError, Nes2Error


class WeightsNotFoundError(DownloadError):
    """Pretrained weights are neither in the Keras cache nor downloadable."""


class UnknownModelError(Nes2Error, KeyError):
    """A name that is not a `keras.applications` model."""

    def __str__(self) -> str:
        return str(self.args[0])


@dataclass(frozen=True)
class ModelSpec:
    """One `keras.applications` model and what is known about it."""

    name: str
    module: str
    input_size: int
    family: str
    year: int
    top1: float | None = None
    top5: float | None = None
    published_params: str | None = None
    published_depth: int | None = None

    @property
    def constructor(self):
        """The `keras.applications` function that builds the model."""
        return getattr(keras.applications, self.name)

    def preprocess(self, images):
        """The model's own `preprocess_input` (pixels in 0-255 in, what the model expects out)."""
        module = importlib.import_module(f"keras.applications.{self.module}")
        return module.preprocess_input(images)


# name: (preprocess module, default input size, family, year of the paper)
_MODELS = {
    "VGG16": ("vgg16", 224, "VGG", 2014),
    "VGG19": ("vgg19", 224, "VGG", 2014),
    "ResNet50": ("resnet", 224, "ResNet", 2015),
    "ResNet101": ("resnet", 224, "ResNet", 2015),
    "ResNet152": ("resnet", 224, "ResNet", 2015),
    "ResNet50V2": ("resnet_v2", 224, "ResNetV2", 2016),
    "ResNet101V2": ("resnet_v2", 224, "ResNetV2", 2016),
    "ResNet152V2": ("resnet_v2", 224, "ResNetV2", 2016),
    "InceptionV3": ("inception_v3", 299, "Inception", 2015),
    "InceptionResNetV2": ("inception_resnet_v2", 299, "InceptionResNet", 2016),
    "Xception": ("xception", 299, "Xception", 2017),
    "MobileNet": ("mobilenet", 224, "MobileNet", 2017),
    "MobileNetV2": ("mobilenet_v2", 224, "MobileNet", 2018),
    "MobileNetV3Small": ("mobilenet_v3", 224, "MobileNet", 2019),
    "MobileNetV3Large": ("mobilenet_v3", 224, "MobileNet", 2019),
    "DenseNet121": ("densenet", 224, "DenseNet", 2016),
    "DenseNet169": ("densenet", 224, "DenseNet", 2016),
    "DenseNet201": ("densenet", 224, "DenseNet", 2016),
    "NASNetMobile": ("nasnet", 224, "NASNet", 2017),
    "NASNetLarge": ("nasnet", 331, "NASNet", 2017),
    **{
        f"EfficientNetB{i}": ("efficientnet", size, "EfficientNet", 2019)
        for i, size in enumerate((224, 240, 260, 300, 380, 456, 528, 600))
    },
    **{
        f"EfficientNetV2{v}": ("efficientnet_v2", size, "EfficientNetV2", 2021)
        for v, size in zip(
            ("B0", "B1", "B2", "B3", "S", "M", "L"),
            (224, 240, 260, 300, 384, 480, 480),
            strict=True,
        )
    },
    **{
        f"ConvNeXt{v}": ("convnext", 224, "ConvNeXt", 2022)
        for v in ("Tiny", "Small", "Base", "Large", "XLarge")
    },
}


def _percent(text: str) -> float | None:
    return float(text.rstrip("%")) / 100 if text and text != "-" else None


def _published() -> dict[str, dict[str, str]]:
    text = files("nes2.reference").joinpath("keras_applications.csv").read_text()
    return {row["name"]: row for row in csv.DictReader(text.splitlines())}


def _registry() -> dict[str, ModelSpec]:
    published = _published()
    registry = {}
    for name, (module, size, family, year) in _MODELS.items():
        row = published.get(name, {})
        depth = row.get("depth", "-")
        registry[name] = ModelSpec(
            name,
            module,
            size,
            family,
            year,
            top1=_percent(row.get("top1_acc", "")),
            top5=_percent(row.get("top5_acc", "")),
            published_params=row.get("params"),
            published_depth=int(depth) if depth.isdigit() else None,
        )
    return registry


REGISTRY: dict[str, ModelSpec] = _registry()
"""Every `keras.applications` model, by its constructor's name."""


def spec(name: str) -> ModelSpec:
    """Look up a model by name (case-insensitive); unknown names list close matches.

    Examples:
        >>> spec("xception").name
        'Xception'
        >>> spec("ResNet51")  # doctest: +ELLIPSIS
        Traceback (most recent call last):
        ...
        nes2.applications.UnknownModelError: ...did you mean ResNet50, ResNet152, ResNet101? ...
    """
    by_lower = {key.lower(): key for key in REGISTRY}
    if name.lower() in by_lower:
        return REGISTRY[by_lower[name.lower()]]
    close = difflib.get_close_matches(name.lower(), by_lower, n=3, cutoff=0.6)
    hint = f"; did you mean {', '.join(by_lower[c] for c in close)}?" if close else "."
    raise UnknownModelError(
        f"Unknown keras.applications model {name!r}{hint} "
        f"`nes2 models list` shows all {len(REGISTRY)}."
    )


def base_model(
    name: str, input_shape=None, weights: str | os.PathLike | None = "imagenet", **kwargs
):
    """Build the convolutional base of a `keras.applications` model (`include_top=False`).

    Args:
        name: the model's name, e.g. `"VGG16"` (see `REGISTRY`).
        input_shape: `(height, width, 3)`; default: the model's own size.
        weights: `"imagenet"`, `None` (random initialisation) or the path of a
            `.weights.h5` / `.h5` file saved from the same architecture.
        **kwargs: further arguments of the constructor (e.g. `alpha` of MobileNet).

    Raises:
        WeightsNotFoundError: `"imagenet"` weights that cannot be downloaded;
            the message names the file and the folder to put it in.
        FileNotFoundError: a weights path that does not exist.

    Examples:
        >>> base = base_model("MobileNetV2", (96, 96, 3), weights=None, alpha=0.35)
        >>> base.output.shape
        (None, 3, 3, 1280)
    """
    model = spec(name)
    size = model.input_size
    input_shape = tuple(input_shape or (size, size, 3))
    if weights not in ("imagenet", None):
        weights = Path(weights)
        if not weights.is_file():
            raise FileNotFoundError(f"No weights file at {weights}.")
        weights = str(weights)
    with keras_download(
        f"the ImageNet weights of {model.name}",
        "models",
        WeightsNotFoundError,
        hint=", or pass weights=PATH to a local weights file",
    ):
        return model.constructor(
            include_top=False, weights=weights, input_shape=input_shape, **kwargs
        )


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


def _head(x, num_classes: int, dropout: float):
    if dropout:
        x = keras.layers.Dropout(dropout, name="head_dropout")(x)
    if num_classes == 2:
        return keras.layers.Dense(1, activation="sigmoid", name="head")(x)
    return keras.layers.Dense(num_classes, activation="softmax", name="head")(x)


def _compile(model, num_classes: int, learning_rate: float) -> None:
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy" if num_classes == 2 else "sparse_categorical_crossentropy",
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
    model = keras.Model(inputs, _head(x, num_classes, dropout), name=name)
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
    model = keras.Model(inputs, _head(x, num_classes, dropout), name="feature_classifier")
    _compile(model, num_classes, learning_rate)
    return model


def _count(name: str) -> dict:
    model = spec(name).constructor(weights=None)
    result = {
        "params": model.count_params(),
        "depth": sum(1 for layer in model.layers if layer.weights),
    }
    del model
    keras.backend.clear_session()
    return result


def _table_cache() -> Path:
    return config.cache_dir() / f"applications-table-keras-{keras.__version__}.json"


def table(names=None, progress: bool = True) -> list[dict]:
    """Every model's parameters and depth, computed live, beside keras.io's figures.

    Counting builds each model with `weights=None` (no download) once per Keras
    version; the counts are cached in the `nes2` cache directory.

    Args:
        names: the models to list (default: all of `REGISTRY`).
        progress: show a progress bar while models are built.

    Returns:
        One dict per model: `name, family, year, input_size, params, depth,
        published_params, published_depth, top1, top5`.

    Examples:
        >>> row = table(["VGG16"], progress=False)[0]
        >>> row["params"], row["depth"], row["published_depth"]
        (138357544, 16, 16)
    """
    from tqdm import tqdm

    names = [spec(n).name for n in (names or REGISTRY)]
    cache = _table_cache()
    counts = json.loads(cache.read_text()) if cache.is_file() else {}
    missing = [n for n in names if n not in counts]
    for name in tqdm(missing, desc="building models", disable=not progress or not missing):
        counts[name] = _count(name)
    if missing:
        fd, tmp = tempfile.mkstemp(prefix=".applications.", dir=cache.parent)
        with os.fdopen(fd, "w") as f:
            json.dump(counts, f, indent=1)
        os.replace(tmp, cache)
    rows = []
    for name in names:
        model = REGISTRY[name]
        rows.append(
            {
                "name": name,
                "family": model.family,
                "year": model.year,
                "input_size": model.input_size,
                **counts[name],
                "published_params": model.published_params,
                "published_depth": model.published_depth,
                "top1": model.top1,
                "top5": model.top5,
            }
        )
    return rows
