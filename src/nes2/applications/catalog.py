"""The catalog of `keras.applications`: every model family, its constructor and its figures.

* `REGISTRY` / `spec(name)`: each model's constructor, its own
  `preprocess_input`, default input size, family, year and the top-1 / top-5
  ImageNet accuracy published on keras.io (`nes2/applications/keras_applications.csv`,
  from keras-team/keras-io `templates/api/applications/index.md`).
* `count(name)`: a model's parameters and depth, counted live (`weights=None`);
  `table()` puts them, recorded with the package for the pinned Keras (`counts.json`),
  beside the published figures; `nes2 models list` prints it.

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
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

import keras

from nes2 import config
from nes2.data.download import keras_download
from nes2.errors import DownloadError, Nes2Error
from nes2.io import write_json


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
    text = files("nes2.applications").joinpath("keras_applications.csv").read_text()
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
        nes2.applications.catalog.UnknownModelError: ...did you mean ResNet50, ResNet152, ...
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


def count(name: str) -> dict:
    """One model's parameters and depth (its layers with weights), counted live.

    The model is built with `weights=None` inside `keras.StatelessScope`, so its
    variables get shapes but no values: nothing is downloaded or initialised.

    Examples:
        >>> count("VGG16")
        {'params': 138357544, 'depth': 16}
    """
    with keras.StatelessScope():
        model = spec(name).constructor(weights=None)
        result = {
            "params": model.count_params(),
            "depth": sum(1 for layer in model.layers if layer.weights),
        }
    del model
    keras.backend.clear_session()
    return result


RECORDED_COUNTS = files("nes2.applications") / "counts.json"
"""`count` of every model, recorded for one Keras version (the one `uv.lock` pins)."""


def recorded_counts() -> dict[str, dict]:
    """The counts shipped with the package, or none where Keras is another version."""
    recorded = json.loads(RECORDED_COUNTS.read_text(encoding="utf-8"))
    return recorded["counts"] if recorded["keras"] == keras.__version__ else {}


def record_counts(path: Path | None = None) -> Path:
    """Count every model of `REGISTRY` live and record the counts for this Keras version
    (the package's `counts.json` by default), after a Keras upgrade."""
    path = Path(path or str(RECORDED_COUNTS))
    counts = {name: count(name) for name in REGISTRY}
    write_json(path, {"keras": keras.__version__, "counts": counts}, indent=1)
    return path


def _table_cache() -> Path:
    return config.cache_dir() / f"applications-table-keras-{keras.__version__}.json"


def table(names=None, progress: bool = True) -> list[dict]:
    """Every model's parameters and depth beside keras.io's figures.

    The counts are `count`'s, recorded with the package for the Keras version it
    pins (the test suite counts every model live against them). Under another Keras
    version each model is counted live once, and the counts are cached in the
    `nes2` cache directory.

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
    recorded = recorded_counts()
    cache = _table_cache()
    unrecorded = [n for n in names if n not in recorded]
    cached = json.loads(cache.read_text()) if unrecorded and cache.is_file() else {}
    missing = [n for n in unrecorded if n not in cached]
    for name in tqdm(missing, desc="building models", disable=not progress or not missing):
        cached[name] = count(name)
    if missing:
        write_json(cache, cached, indent=1)
    counts = {**cached, **recorded}
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
