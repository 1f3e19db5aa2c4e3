"""`nes2 train` recipes: the registry, and `train`, which runs a recipe or reuses its stored run.

Each module of this package defines one recipe (a `nes2.recipes.base.Recipe`)
and so registers it. `train` resolves the options, makes the data, and either
loads the stored run with the same key (`nes2.recipes.store`) or builds,
fits and evaluates the model and stores the run; with `out` it writes
`metrics.json` and the recipe's figures there.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("digit-tilt", "quick", out="runs/digit-tilt")
    run.metrics["rmse_deg"], run.reused
    run.figure("predicted_vs_true")
    ```

    >>> names()[:3]
    ['cats-vs-dogs', 'digit-tilt', 'localization']
"""

from __future__ import annotations

import dataclasses
import datetime
import importlib
import logging
import os
import pkgutil
import time
import warnings
from pathlib import Path

from nes2 import config
from nes2.errors import InvalidOptionError
from nes2.recipes.base import REGISTRY, Data, Recipe, Run, RunSpec

_SUPPORT = {"base", "spread", "store", "verify"}
ORDER = (
    "cats_vs_dogs",
    "digit_tilt",
    "localization",
    "detection",
    "segmentation",
    "instances",
    "restoration",
    "generation",
    "style_transfer",
    "mnist_ensemble",
    "cifar10",
    "keypoints",
    "forecasting",
    "text",
)
"""Recipes in the order of the lecture; modules not named here follow alphabetically."""


def _modules() -> list[str]:
    found = {m.name for m in pkgutil.iter_modules(__path__) if m.name not in _SUPPORT}
    return [*[m for m in ORDER if m in found], *sorted(found - set(ORDER))]


def _discover() -> None:
    for module in _modules():
        importlib.import_module(f"{__name__}.{module}")


def names() -> list[str]:
    """The names of every recipe (`nes2 train NAME`), in the order of the lecture."""
    _discover()
    order = {f"{__name__}.{module}": i for i, module in enumerate(_modules())}
    return sorted(REGISTRY, key=lambda name: order.get(type(REGISTRY[name]).__module__, 0))


def get(name: str) -> Recipe:
    """The recipe called `name`.

    Raises:
        InvalidOptionError: for an unknown name, listing the known ones.
    """
    _discover()
    if name not in REGISTRY:
        raise InvalidOptionError(f"No recipe {name!r}; recipes: {', '.join(names())}.")
    return REGISTRY[name]


LOG = logging.getLogger("nes2")
"""Where `train` says that it reused a stored run (`nes2` configures it to print)."""


def train(
    name: str,
    profile: str | None = None,
    *,
    epochs: int | None = None,
    seed: int = config.DEFAULT_SEED,
    out: str | os.PathLike | None = None,
    fresh: bool = False,
    store: bool = True,
    verbose: int | str = 0,
    distribute: str = "none",
    limit: int | None = None,
    **options,
) -> Run:
    """Run recipe `name`, or reuse its stored run with the same key.

    Args:
        name: the recipe, e.g. `"digit-tilt"` (see `names()`).
        profile: `"quick"` or `"full"` (default: `NES2_PROFILE`, else quick).
        epochs: overrides the profile's epochs.
        seed: seeds data, initialisation and shuffling.
        out: a folder for `metrics.json` and the figures; `None` writes nothing.
        fresh: train even if a stored run matches (and replace it).
        store: keep the trained run in the run store.
        verbose: Keras' verbosity while training (1: a progress bar per epoch).
        distribute: `"none"`, `"mirrored"` (every local GPU) or `"multi-worker"`
            (the machines of `TF_CONFIG`; see `nes2.distribute`). In a
            multi-worker run every worker trains, and only the chief evaluates,
            stores the run and writes `out`; the others return a run without metrics.
        limit: at most this many examples per split: a smoke run of the steps (its
            metrics say nothing of the profile; stored under its own key).
        **options: the recipe's options (`nes2 train NAME --help` lists them).

    Returns:
        The `Run`; `run.reused` says whether it came from the store.

    Raises:
        InvalidOptionError: an unknown recipe or option, or a value outside its choices.
    """
    from nes2 import distribute as distribution_kinds
    from nes2.recipes import store as run_store

    recipe = get(name)
    spec = recipe.spec(profile, epochs=epochs, seed=seed, verbose=verbose, limit=limit, **options)
    distribution = distribution_kinds.make(distribute)
    if distribution.strategy is not None:
        spec = dataclasses.replace(spec, distribution=distribution.record())
    profile, options, epochs, recorded = spec.profile, spec.options, spec.epochs, spec.distribution
    inputs = run_store.key_inputs(recipe.name, spec)
    key = run_store.digest(inputs)
    stored = None if fresh else run_store.load(recipe.name, key)
    deterministic = recipe.deterministic and distribution.strategy is None

    def prepared():
        with distribution.scope():
            # data() may build a shuffled, augmented dataset: seeded like the model
            config.seed_everything(seed, deterministic=False)
            data = recipe.data(spec)
            if limit is not None:
                data = data.head(limit)
            config.seed_everything(seed, deterministic=False)
            return data, recipe.build(data, spec)

    if stored is not None:
        record, folder = stored

        def restore():
            data, model = prepared()
            with warnings.catch_warnings():
                # The stored optimizer state is not needed to predict with the model.
                warnings.filterwarnings("ignore", "Skipping variable loading for optimizer")
                recipe.load(model, folder)
            return data, model

        created = datetime.datetime.fromisoformat(record["created"])
        # the command line shows this (logger "nes2" at INFO); a lecture page does not
        LOG.info(
            "%s: reused run from %s (%s)",
            recipe.run_name(options),
            f"{created:%Y-%m-%d %H:%M}",
            folder,
        )
        run = Run(
            recipe, spec, record["metrics"], record["history"], created,
            reused=True, folder=folder, _restore=restore,
        )  # fmt: skip
    else:
        with config.op_determinism(deterministic):
            data, model = prepared()
            start = time.perf_counter()
            with distribution.scope():
                history = recipe.fit(model, data, spec)
            seconds = time.perf_counter() - start
        if not distribution.is_chief:
            return Run(recipe, spec, {}, history, _now(), _model=model)
        if distribution.strategy is not None:
            model = _local_copy(recipe, model, data, spec)
        metrics = {
            "recipe": recipe.name,
            "run": recipe.run_name(options),
            "profile": profile,
            **{
                k: v if isinstance(v, str | int | float) else str(v)
                for k, v in recipe.reported_options(options).items()
            },
            "data_source": data.source,
            "counts": data.counts,
            "epochs": epochs,
            "seconds": round(seconds, 1),
            **({"limit": limit} if limit is not None else {}),
            **({"distribution": recorded} if recorded else {}),
            **recipe.evaluate(model, data, spec, history),
        }
        created = _now()
        folder = None
        if store:
            folder = run_store.save(recipe, key, inputs, metrics, history, model, created)
        run = Run(recipe, spec, metrics, history, created, folder=folder, _model=model, _data=data)
    if out is not None:
        write_outputs(run, out)
    return run


def _now() -> datetime.datetime:
    return datetime.datetime.now().replace(microsecond=0)


def _local_copy(recipe: Recipe, model, data: Data, spec: RunSpec):
    """The trained weights in a model outside the strategy, to evaluate and draw on one device
    (Keras 3's `predict` under a multi-worker strategy does not keep the order of the examples)."""
    local = recipe.build(data, spec)
    local.set_weights(model.get_weights())
    return local


def write_outputs(run: Run, out: str | os.PathLike, figures: bool = True) -> list[Path]:
    """Write `metrics.json` and (with `figures`) every figure of `run` into `out`; return the
    paths. Drawing the figures of a stored run loads its model and data."""
    from nes2.io import atomic_file, write_json

    out = Path(out)
    paths = [write_json(out / "metrics.json", run.metrics)]
    for figure_name, figure in (run.figures() if figures else {}).items():
        path = out / f"{figure_name}.png"
        with atomic_file(path) as tmp:
            figure.savefig(tmp, dpi=120, format="png")
        paths.append(path)
    return paths


__all__ = ["REGISTRY", "Data", "Recipe", "Run", "RunSpec", "get", "names", "train", "write_outputs"]
