"""What a run is made of: a recipe's options, the `RunSpec` every step receives, and `Data`.

`nes2.recipes.base` builds the recipe protocol on these; they import neither
TensorFlow nor Keras.

Examples:
    >>> spec = RunSpec(profile="quick", options={"target": "angle"}, epochs=3)
    >>> spec.options["target"], spec.epochs, spec.seed
    ('angle', 3, 42)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from nes2 import config


@dataclass(frozen=True)
class Option:
    """One option of a recipe: its command-line flag, type, default and choices.

    Args:
        name: the Python name (`box_weight`); the flag is `--box-weight`.
        default: the value when the option is not given.
        choices: the allowed values (empty: any value of `type`).
        type: converts the command line's text (`str`, `float`, `int`).
        help: one line for `nes2 train RECIPE --help`.
        by_profile: a default per profile that replaces `default` (e.g. the
            data set: digits in the quick profile, photographs in the full one).

    Examples:
        >>> data = Option("data", "digits", ("digits", "voc"), by_profile={"full": "voc"})
        >>> data.default_for("quick"), data.default_for("full"), data.default_text
        ('digits', 'voc', 'digits; full: voc')
    """

    name: str
    default: Any
    choices: tuple = ()
    type: Callable[[str], Any] = str
    help: str = ""
    by_profile: dict = field(default_factory=dict)

    @property
    def flag(self) -> str:
        """The command-line flag, e.g. `--box-weight`."""
        return "--" + self.name.replace("_", "-")

    def default_for(self, profile: str | None) -> Any:
        """The default in `profile`."""
        return self.by_profile.get(profile, self.default)

    @property
    def default_text(self) -> str:
        """The default as `--help` shows it, with the profiles that differ."""
        others = "".join(f"; {p}: {v}" for p, v in self.by_profile.items() if v != self.default)
        return f"{self.default}{others}"


@dataclass(frozen=True)
class RunSpec:
    """What one run of a recipe is asked to do; every step of the recipe receives it.

    Attributes:
        profile: `"quick"` or `"full"`.
        options: the recipe's resolved options (`Recipe.resolve`).
        epochs: the epochs to train.
        seed: seeds data, initialisation and shuffling.
        verbose: Keras' verbosity while training (1: a progress bar per epoch).
        distribution: the workers and replicas of a distributed run, as
            `metrics.json` records them; `None` on one device.
        limit: at most this many examples per split (`Data.head`): a smoke run
            of the recipe's steps, never a result of its profile.

    Examples:
        >>> spec = RunSpec("quick", {"target": "angle"}, epochs=2)
        >>> spec.options["target"], spec.seed
        ('angle', 42)
    """

    profile: str
    options: dict
    epochs: int
    seed: int = config.DEFAULT_SEED
    verbose: int | str = 0
    distribution: dict | None = None
    limit: int | None = None


@dataclass
class Data:
    """What a recipe's data step returns.

    Every recipe fills the same fields: `source` names the data set (it goes
    into `metrics.json` as `data_source`), `counts` the sizes of its splits,
    `train`, `validation` and `test` are what the model is trained, validated
    and tested on, and `shown` what its figures and pages draw. A split is a
    tuple `(inputs, targets)` of arrays (a third item may hold what groups the
    examples, e.g. their labels), the inputs alone (an autoencoder's), or a
    batched `tf.data.Dataset`, which `Recipe.fit` trains on as it comes.

    What else a recipe's steps and figures read (class names, the scale of a
    series) it declares in a subclass of its own, keyword-only, so that each
    field is named, typed and checked, and `dataclasses.replace` works on
    every recipe's data.

    Examples:
        >>> import dataclasses
        >>> import numpy as np
        >>> @dataclasses.dataclass(kw_only=True)
        ... class ClassData(Data):
        ...     class_names: list
        >>> data = ClassData("MNIST subset", {"train": 3, "test": 1},
        ...                  train=(np.zeros((3, 2)), np.ones(3)),
        ...                  test=(np.zeros((1, 2)), np.ones(1)), class_names=["0", "1"])
        >>> small = data.head(2)
        >>> len(small.train[0]), len(small.test[0]), small.counts, small.class_names
        (2, 1, {'train': 2, 'test': 1}, ['0', '1'])
        >>> ClassData("MNIST subset", {})
        Traceback (most recent call last):
        ...
        TypeError: ClassData.__init__() missing 1 required keyword-only argument: 'class_names'
    """

    source: str
    counts: dict
    train: Any = None
    test: Any = None
    validation: Any = None
    shown: Any = None

    def head(self, count: int) -> Data:
        """The same data with at most `count` examples in each split (one batch of a dataset).

        For a smoke run of a recipe's steps (`RunSpec.limit`); the other fields stay as they are.
        """
        splits = {
            name: _head(getattr(self, name), count)
            for name in ("train", "validation", "test", "shown")
        }
        counts = {k: min(v, count) if isinstance(v, int) else v for k, v in self.counts.items()}
        return replace(self, counts=counts, **splits)


def _head(part: Any, count: int) -> Any:
    if part is None:
        return None
    if isinstance(part, tuple):  # (inputs, targets)
        return tuple(_head(p, count) for p in part)
    if isinstance(part, dict):
        return {k: _head(v, count) for k, v in part.items()}
    if hasattr(part, "take") and hasattr(part, "element_spec"):  # a batched tf.data.Dataset
        return part.take(1)
    return part[:count]
