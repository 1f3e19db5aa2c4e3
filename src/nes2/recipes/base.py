"""The recipe protocol: what a recipe declares, the steps it implements, and the run it makes.

A recipe is a subclass of `Recipe` that sets its `name`, `summary`, `options`
and `epochs` and implements its steps:

1. `data(spec)` returns a `Data` (what is trained, validated, tested and shown);
2. `build(data, spec)` returns the compiled model;
3. `fit(model, data, spec)` trains it, returning the history; the default
   trains on `data.train` in batches of `batch_size` per replica, which is all
   that most recipes need;
4. `evaluate(model, data, spec, history)` returns the metrics;
5. `figures(run)` draws the run's figures (name -> figure).

Every step receives the same `RunSpec` (profile, resolved options, epochs,
seed, verbosity, distribution), so a step never depends on the order of its
arguments, and a new recipe starts from the defaults.

Defining the subclass registers it: the command line (`nes2 train NAME`, its
`--help` and choices), `nes2 verify`, the expected results and the API
reference all read `REGISTRY`. `nes2.recipes.train` runs the steps in this
order, or reuses a stored run (`nes2.recipes.store`).

Recipe modules import TensorFlow only inside their steps, so that the command
line can list them and parse options without it.

Examples:
    >>> from nes2 import recipes
    >>> tilt = recipes.get("digit-tilt")
    >>> tilt.resolve({"target": "angle"})
    {'target': 'angle'}
    >>> tilt.resolve({"target": "degrees"})
    Traceback (most recent call last):
    ...
    nes2.errors.InvalidOptionError: digit-tilt --target 'degrees': use one of sincos, angle.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from nes2 import config
from nes2.errors import InvalidOptionError
from nes2.recipes.spec import Data, Option, RunSpec

REGISTRY: dict[str, Recipe] = {}
"""Every recipe by its command-line name, in the order the modules define them."""


@dataclass
class Run:
    """One run of a recipe: trained here, or reused from the run store.

    Attributes:
        recipe: the `Recipe`.
        spec: what was run (`profile`, `options`, `epochs` and `seed` read from it).
        metrics: what `metrics.json` holds.
        history: the training history (metric name -> one value per epoch).
        created: when the run was trained.
        reused: `True` if it came from the run store instead of training.
        folder: its folder in the run store (`None` if it was not stored).

    A reused run loads its data and model on first use of `data`, `model` or
    a figure, so reading its metrics (as `nes2 verify` does) costs no more
    than reading its record.
    """

    recipe: Recipe
    spec: RunSpec
    metrics: dict
    history: dict
    created: datetime.datetime
    reused: bool = False
    folder: Path | None = None
    _model: Any = field(default=None, repr=False)
    _data: Data | None = field(default=None, repr=False)
    _restore: Callable[[], tuple[Data, Any]] | None = field(default=None, repr=False)
    _figures: dict = field(default_factory=dict, repr=False)

    @property
    def profile(self) -> str:
        """The profile the run was trained in."""
        return self.spec.profile

    @property
    def options(self) -> dict:
        """The recipe's resolved options."""
        return self.spec.options

    @property
    def epochs(self) -> int:
        """The epochs it was trained for."""
        return self.spec.epochs

    @property
    def seed(self) -> int:
        """The seed of its data, initialisation and shuffling."""
        return self.spec.seed

    def _restored(self) -> None:
        if self._restore is not None:
            self._data, self._model = self._restore()
            self._restore = None

    @property
    def model(self) -> Any:
        """The trained model (what the recipe's `build` step returns)."""
        self._restored()
        return self._model

    @property
    def data(self) -> Data:
        """The recipe's `Data`."""
        self._restored()
        return self._data

    @property
    def name(self) -> str:
        """The run's name in `expected.toml`, e.g. `detection/yolov8`."""
        return self.recipe.run_name(self.options)

    def figures(self) -> dict:
        """The recipe's figures of this run (name -> figure), drawn once."""
        if not self._figures:
            self._figures.update(self.recipe.figures(self))
        return self._figures

    def figure(self, name: str):
        """One of `figures()`, e.g. `run.figure("curves")`."""
        figures = self.figures()
        if name not in figures:
            raise KeyError(f"{self.name} draws {', '.join(figures)}, not {name!r}.")
        return figures[name]


class Recipe:
    """Base class of the recipes; a subclass with a `name` registers itself.

    Class attributes:
        name: the command-line name (`nes2 train NAME`).
        summary: one line for `nes2 train --help`.
        options: the recipe's `Option`s.
        epochs: per profile, the number of epochs; or, with `epochs_by`, per
            profile a dict from that option's value to the epochs.
        epochs_by: the option that the epochs depend on (e.g. `model`).
        run_option: the option that names runs in `expected.toml`
            (`detection/yolov8`); `None` names them by the recipe alone.
        batch_size: the examples of one training step on each replica (the
            default `fit`'s batch; `global_batch` scales it with the replicas).
        deterministic: make TensorFlow's ops deterministic while training
            (only during the run: `nes2.config.op_determinism`).
        epoch_unit: what `epochs` count, in Czech after a number on a page
            ("epoch"; "kroků" for a recipe whose epochs are gradient steps).
    """

    name: ClassVar[str] = ""
    summary: ClassVar[str] = ""
    options: ClassVar[tuple[Option, ...]] = ()
    epochs: ClassVar[dict] = {}
    epochs_by: ClassVar[str | None] = None
    run_option: ClassVar[str | None] = None
    batch_size: ClassVar[int] = 32
    deterministic: ClassVar[bool] = True
    epoch_unit: ClassVar[str] = "epoch"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.name:
            REGISTRY[cls.name] = cls()

    def __repr__(self) -> str:
        return f"<recipe {self.name}>"

    # -- options ------------------------------------------------------------

    def option(self, name: str) -> Option:
        """The option called `name`."""
        for option in self.options:
            if option.name == name:
                return option
        known = ", ".join(o.flag for o in self.options) or "none"
        raise InvalidOptionError(f"{self.name} has no option {name!r}; its options: {known}.")

    def resolve(self, options: dict | None = None, profile: str | None = None) -> dict:
        """All options with the defaults of `profile` filled in, checked against their choices.

        Raises:
            InvalidOptionError: an unknown option, a value outside the choices,
                or a combination the recipe refuses (`check`).
        """
        given = dict(options or {})
        for name in given:
            self.option(name)
        resolved = {}
        for option in self.options:
            value = given.get(option.name, option.default_for(profile))
            if option.choices and value not in option.choices:
                raise InvalidOptionError(
                    f"{self.name} {option.flag} {value!r}: use one of "
                    f"{', '.join(map(str, option.choices))}."
                )
            resolved[option.name] = value
        self.check(resolved, given)
        return resolved

    def check(self, options: dict, given: dict) -> None:
        """Refuse a combination of options (`given`: those set explicitly); none by default."""

    def spec(
        self,
        profile: str | None = None,
        *,
        epochs: int | None = None,
        seed: int = config.DEFAULT_SEED,
        verbose: int | str = 0,
        distribution: dict | None = None,
        limit: int | None = None,
        **options,
    ) -> RunSpec:
        """The `RunSpec` of a run: options resolved and epochs chosen for `profile`.

        Examples:
            >>> from nes2 import recipes
            >>> spec = recipes.get("digit-tilt").spec("quick", target="angle")
            >>> spec.options, spec.epochs
            ({'target': 'angle'}, 3)
            >>> recipes.get("digit-tilt").spec("quick", epochs=0)
            Traceback (most recent call last):
            ...
            nes2.errors.InvalidOptionError: epochs must be at least 1, not 0.
        """
        profile = config.get_profile(profile)
        options = self.resolve(options, profile)
        epochs = self.default_epochs(profile, options) if epochs is None else epochs
        if epochs < 1:
            raise InvalidOptionError(f"epochs must be at least 1, not {epochs}.")
        if limit is not None and limit < 1:
            raise InvalidOptionError(f"limit must be at least 1 example, not {limit}.")
        return RunSpec(profile, options, epochs, seed, verbose, distribution, limit)

    def default_epochs(self, profile: str, options: dict) -> int:
        """The profile's epochs for these options."""
        epochs = self.epochs[profile]
        return epochs[options[self.epochs_by]] if self.epochs_by else epochs

    def reported_options(self, options: dict) -> dict:
        """The options that `metrics.json` records (all, by default)."""
        return dict(options)

    def run_name(self, options: dict) -> str:
        """The name of a run in `expected.toml`, e.g. `cats-vs-dogs/augmented`."""
        return f"{self.name}/{options[self.run_option]}" if self.run_option else self.name

    # -- steps ----------------------------------------------------------------

    def data(self, spec: RunSpec) -> Data:
        """Load or make the data."""
        raise NotImplementedError

    def build(self, data: Data, spec: RunSpec):
        """Build and compile the model (a learning-rate schedule may span `spec.epochs`)."""
        raise NotImplementedError

    def fit(self, model, data: Data, spec: RunSpec) -> dict:
        """Train `model` on `data.train`; return the history (metric name -> one value per epoch).

        The default: `model.fit` on `(inputs, targets)` arrays (or inputs alone)
        in batches of `batch_size` per replica, shuffled every epoch (or on a
        batched dataset as it comes), validated on `data.validation` if there is one.
        """
        if isinstance(data.train, tuple):
            inputs, targets = data.train
            batching = {"batch_size": global_batch(self.batch_size)}
        elif hasattr(data.train, "element_spec"):  # a batched dataset, shuffled if it should be
            inputs, targets, batching = data.train, None, {"shuffle": False}
        else:  # inputs alone: the model makes its own targets (an autoencoder)
            inputs, targets = data.train, None
            batching = {"batch_size": global_batch(self.batch_size)}
        history = model.fit(
            inputs,
            targets,
            validation_data=data.validation,
            epochs=spec.epochs,
            verbose=spec.verbose,
            **batching,
        )
        return history_dict(history)

    def evaluate(self, model, data: Data, spec: RunSpec, history: dict) -> dict:
        """The metrics of the trained model on `data.test`."""
        raise NotImplementedError

    def figures(self, run: Run) -> dict:
        """The run's figures, name -> figure (saved as `NAME.png`)."""
        return {}

    def save(self, model, folder: Path) -> None:
        """Store the trained model's weights in `folder`."""
        model.save_weights(folder / "model.weights.h5")

    def load(self, model, folder: Path) -> None:
        """Load weights stored by `save` into a freshly built model."""
        model.load_weights(folder / "model.weights.h5")

    def code(self, step: str = "fit"):
        """The source of one step, to show on a page what the recipe does (an IPython `Markdown`).

        Examples:
            ```python
            recipes.get("digit-tilt").code("data")   # the cell shows how the data are made
            ```
        """
        import inspect
        import textwrap

        from IPython.display import Markdown

        source = textwrap.dedent(inspect.getsource(getattr(type(self), step)))
        return Markdown(f"```python\n{source}```")

    # -- helpers for the steps --------------------------------------------

    @staticmethod
    def label(run: Run) -> str:
        """The data and profile of a run, for figure titles."""
        return f"{run.data.source}, profil {run.profile}"


def global_batch(per_replica: int) -> int:
    """The batch of one training step: `per_replica` examples on each replica in sync.

    One outside a distribution strategy; under `nes2 train --distribute` the
    strategy's replicas (`nes2.distribute`), so each replica keeps its batch.
    """
    import tensorflow as tf

    return per_replica * tf.distribute.get_strategy().num_replicas_in_sync


def cosine(learning_rate: float, epochs: int, steps_per_epoch: int):
    """A cosine learning-rate schedule that reaches zero at the end of training."""
    import keras

    return keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=epochs * steps_per_epoch
    )


def history_dict(history) -> dict:
    """A Keras `History` (or its dict) as plain lists of floats."""
    values = history.history if hasattr(history, "history") else history
    return {key: [float(v) for v in series] for key, series in values.items()}
