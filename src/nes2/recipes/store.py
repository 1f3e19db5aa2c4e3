"""The run store: a trained run is kept under the cache and reused instead of trained again.

A run is stored in `NES2_HOME/runs/RECIPE/KEY/` (`run.json` and the model's
weights). KEY hashes everything its result depends on: the recipe, its
resolved options, the profile, epochs, seed and example limit, the
distribution, the Keras backend, the code of the `nes2` package that trains
(`training_digest`: every module but those in `NOT_TRAINING`, which draw,
check, explain and talk) and the libraries it runs on (the entries of
`uv.lock` that `nes2` and its `cv` extra need, found beside the package's
source tree; without one, the installed versions of the libraries that
train). A change to any of them gives another key, so a stored run never
stands for code or settings that did not make it; a change to a figure, a
check, an expected band or a message keeps every run.

The folder is written atomically: an interrupted training leaves nothing
that could be mistaken for a run. A stored run is reused only if its
`run.json` repeats the key it is filed under.

Examples:
    >>> from nes2.recipes.base import RunSpec
    >>> a = run_key("digit-tilt", RunSpec("quick", {"target": "sincos"}, 12))
    >>> b = run_key("digit-tilt", RunSpec("quick", {"target": "angle"}, 12))
    >>> len(a), a == b
    (16, False)
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import tomllib
from pathlib import Path

from nes2 import config, keys
from nes2.io import atomic_folder, write_json

FORMAT = 3
"""The format of `run.json` and of its key; a change makes every stored run stale
(format 1 hashed the whole package and lock; format 3 keys with `nes2.keys.digest`)."""
LIBRARIES = ("keras", "tensorflow", "numpy", "keras-cv", "keras-hub")
UNLOCKED = ("source", "metadata", "optional-dependencies", "dev-dependencies")
"""Fields of a `uv.lock` entry left out of the environment's hash: where it came from, and
the specifiers and extras of the project's own entry (its locked needs are hashed)."""
NOT_TRAINING = (
    "teaching",
    "viz",
    "cli.py",
    "grading",
    "explain.py",
    "errors.py",
    "czech.py",
    "io.py",
    "_version.py",
    "recipes/store.py",
    "recipes/verify.py",
    "recipes/spread.py",
    "keys.py",
)
"""Parts of the package (relative to it) that cannot change a trained result: figures,
self-checks and expected bands, explanations, the command line, messages, the run
store itself (its key has `FORMAT`). Everything else is in `training_digest`, so a new
module counts until it is listed here."""


def package_root() -> Path:
    """The folder of the installed `nes2` package."""
    return Path(__file__).resolve().parents[1]


def trains(path: Path) -> bool:
    """Whether a file of the package can change a trained result (it is not in `NOT_TRAINING`)."""
    root = package_root()
    skipped = tuple(root / part for part in NOT_TRAINING)
    return not any(path == s or s in path.parents for s in skipped)


def _training_files(root: Path) -> list[Path]:
    return [
        path
        for path in sorted(root.rglob("*"))
        if path.is_file()
        and "__pycache__" not in path.parts
        and path.suffix != ".pyc"
        and trains(path)
    ]


@functools.cache
def training_digest() -> str:
    """A hash of the package's files that can change a trained result (not `NOT_TRAINING`)."""
    root = package_root()
    return keys.digest(files=_training_files(root), root=root, length=None)


def lock_file() -> Path | None:
    """The `uv.lock` of the source tree the package runs from, if there is one."""
    for folder in package_root().parents[:3]:
        candidate = folder / "uv.lock"
        if candidate.is_file():
            return candidate
    return None


def locked_closure(lock: dict, root: str = "nes2", extras: tuple[str, ...] = ("cv",)) -> list:
    """The `[[package]]` entries of a parsed `uv.lock` that `root` (with `extras`) needs to run.

    Development and documentation tools are not among them, so adding a linter to
    the lock keeps every stored run.

    Examples:
        >>> lock = {"package": [
        ...     {"name": "nes2", "dependencies": [{"name": "keras"}],
        ...      "optional-dependencies": {"cv": [{"name": "keras-cv"}],
        ...                                "dev": [{"name": "ruff"}]}},
        ...     {"name": "keras", "version": "3.15.1", "dependencies": [{"name": "numpy"}]},
        ...     {"name": "keras-cv", "version": "0.9.0"}, {"name": "numpy", "version": "2.3"},
        ...     {"name": "ruff", "version": "0.14"}]}
        >>> [p["name"] for p in locked_closure(lock)]
        ['keras', 'keras-cv', 'nes2', 'numpy']
    """
    packages: dict[str, list] = {}
    for package in lock.get("package", []):
        packages.setdefault(package["name"], []).append(package)

    def needs(package: dict, with_extras: tuple[str, ...]) -> list[str]:
        found = [d["name"] for d in package.get("dependencies", [])]
        for extra in with_extras:
            found += [d["name"] for d in package.get("optional-dependencies", {}).get(extra, [])]
        return found

    seen: set[str] = set()
    todo = [root]
    while todo:
        name = todo.pop()
        if name in seen or name not in packages:
            continue
        seen.add(name)
        for package in packages[name]:
            todo += needs(package, extras if name == root else ())
    return [p for name in sorted(seen) for p in packages[name]]


@functools.cache
def environment_digest() -> str:
    """A hash of the locked libraries `nes2[cv]` runs on, or of the installed versions without a
    lock."""
    lock = lock_file()
    if lock is not None:
        closure = locked_closure(tomllib.loads(lock.read_text(encoding="utf-8")))
        kept = [{k: v for k, v in p.items() if k not in UNLOCKED} for p in closure]
        text = json.dumps(kept, sort_keys=True)
        return "uv.lock:" + keys.digest(text, length=None)
    from importlib.metadata import PackageNotFoundError, version

    versions = []
    for name in LIBRARIES:
        try:
            versions.append(f"{name}=={version(name)}")
        except PackageNotFoundError:
            versions.append(f"{name} absent")
    return "versions:" + ",".join(versions)


def _option_value(value):
    """Options as JSON; a path to a file stands for its content."""
    if isinstance(value, str | os.PathLike) and Path(value).is_file():
        return {"file": keys.digest(Path(value).read_bytes(), length=None)}
    return value


def key_inputs(recipe: str, spec) -> dict:
    """Everything a run's result depends on, as stored in `run.json`: the recipe and its
    `RunSpec` (but its verbosity), the backend, the training code and the locked libraries."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    distributed = {"distribution": spec.distribution} if spec.distribution else {}
    limited = {"limit": spec.limit} if spec.limit is not None else {}
    return {
        "format": FORMAT,
        "recipe": recipe,
        "options": {k: _option_value(v) for k, v in sorted(spec.options.items())},
        "profile": spec.profile,
        "epochs": spec.epochs,
        "seed": spec.seed,
        "backend": backend,
        "code": training_digest(),
        "environment": environment_digest(),
        **distributed,
        **limited,
    }


def digest(inputs: dict) -> str:
    """The key made of `key_inputs`."""
    return keys.digest(json.dumps(inputs, sort_keys=True))


def run_key(recipe: str, spec) -> str:
    """The key of a run: a hash of its `key_inputs`."""
    return digest(key_inputs(recipe, spec))


def folder(recipe: str, key: str) -> Path:
    """Where a run with this key is stored."""
    return config.cache_dir() / "runs" / recipe / key


def load(recipe: str, key: str) -> tuple[dict, Path] | None:
    """The stored record of run `key` and its folder, or `None` if none matches.

    A record that cannot be read, or whose key or inputs are not those of
    `key`, is not reused.
    """
    path = folder(recipe, key)
    try:
        record = json.loads((path / "run.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if record.get("format") != FORMAT or record.get("key") != key:
        return None
    if digest(record.get("inputs", {})) != key:
        return None
    return record, path


def save(
    recipe, key: str, inputs: dict, metrics: dict, history: dict, model, created: datetime.datetime
) -> Path:
    """Store a trained run atomically; return its folder."""
    target = folder(recipe.name, key)
    with atomic_folder(target) as tmp:
        recipe.save(model, tmp)
        write_json(
            tmp / "run.json",
            {
                "format": FORMAT,
                "key": key,
                "created": created.isoformat(timespec="seconds"),
                "inputs": inputs,
                "metrics": metrics,
                "history": history,
            },
        )
    return target
