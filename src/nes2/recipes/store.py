"""The run store: a trained run is kept under the cache and reused instead of trained again.

A run is stored in `NES2_HOME/runs/RECIPE/KEY/` (`run.json` and the model's
weights). KEY hashes everything its result depends on: the recipe, its
resolved options, the profile, epochs and seed, the Keras backend, the source
of the `nes2` package and the lock file of the environment (`uv.lock`, found
beside the package's source tree; without one, the installed versions of the
libraries that train). A change to any of them gives another key, so a stored
run never stands for code or settings that did not make it.

The folder is written atomically: an interrupted training leaves nothing
that could be mistaken for a run. A stored run is reused only if its
`run.json` repeats the key it is filed under.

Examples:
    >>> a = run_key("digit-tilt", {"target": "sincos"}, "quick", 12, 42)
    >>> b = run_key("digit-tilt", {"target": "angle"}, "quick", 12, 42)
    >>> len(a), a == b
    (16, False)
"""

from __future__ import annotations

import datetime
import functools
import hashlib
import json
import os
from pathlib import Path

from nes2 import config
from nes2.io import atomic_folder, write_json

FORMAT = 1
"""The format of `run.json`; a change makes every stored run stale."""
LIBRARIES = ("keras", "tensorflow", "numpy", "keras-cv", "keras-hub")


def package_root() -> Path:
    """The folder of the installed `nes2` package."""
    return Path(__file__).resolve().parents[1]


@functools.cache
def source_digest() -> str:
    """A hash of the package's files (code and the data it ships)."""
    root = package_root()
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc":
            digest.update(path.relative_to(root).as_posix().encode() + b"\0")
            digest.update(path.read_bytes())
    return digest.hexdigest()


def lock_file() -> Path | None:
    """The `uv.lock` of the source tree the package runs from, if there is one."""
    for folder in package_root().parents[:3]:
        candidate = folder / "uv.lock"
        if candidate.is_file():
            return candidate
    return None


@functools.cache
def environment_digest() -> str:
    """A hash of the lock file, or of the installed libraries' versions without one."""
    lock = lock_file()
    if lock is not None:
        return "uv.lock:" + hashlib.sha256(lock.read_bytes()).hexdigest()
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
        return {"file": hashlib.sha256(Path(value).read_bytes()).hexdigest()}
    return value


def key_inputs(
    recipe: str,
    options: dict,
    profile: str,
    epochs: int,
    seed: int,
    distribution: dict | None = None,
) -> dict:
    """Everything a run's result depends on, as stored in `run.json` (with `distribution`,
    the workers and replicas of a distributed run: its global batch depends on them)."""
    backend = os.environ.get("KERAS_BACKEND", "tensorflow")
    distributed = {"distribution": distribution} if distribution else {}
    return {
        "format": FORMAT,
        "recipe": recipe,
        "options": {k: _option_value(v) for k, v in sorted(options.items())},
        "profile": profile,
        "epochs": epochs,
        "seed": seed,
        "backend": backend,
        "source": source_digest(),
        "environment": environment_digest(),
        **distributed,
    }


def digest(inputs: dict) -> str:
    """The key made of `key_inputs`."""
    return hashlib.sha256(json.dumps(inputs, sort_keys=True).encode()).hexdigest()[:16]


def run_key(recipe: str, options: dict, profile: str, epochs: int, seed: int) -> str:
    """The key of a run: a hash of its `key_inputs`."""
    return digest(key_inputs(recipe, options, profile, epochs, seed))


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
