"""Run profile, cache directory and seeding.

This module imports only `nes2.errors` from the package (and `nes2._compat`
inside `op_determinism`), and TensorFlow only inside its functions.

* The **profile** is `"quick"` (small data, few epochs: what CI and the docs
  build use on a CPU) or `"full"` (the lecture's real settings). It comes from
  an explicit argument, else from the `NES2_PROFILE` environment variable,
  else it is `"quick"`.
* The **cache directory** holds downloads and extracted data sets: `NES2_HOME`
  if set, else the user's cache directory (`~/.cache/nes2` on Linux).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from pathlib import Path

from nes2.errors import InvalidOptionError

PROFILES = ("quick", "full")
DEFAULT_PROFILE = "quick"
DEFAULT_SEED = 42


def get_profile(profile: str | None = None) -> str:
    """Return the run profile: `profile`, else `$NES2_PROFILE`, else `"quick"`.

    Args:
        profile: `"quick"`, `"full"` or `None` to read the environment.

    Returns:
        The validated profile name.

    Raises:
        InvalidOptionError: for a name that is not a profile (a `ValueError`).

    Examples:
        >>> get_profile("full")
        'full'
    """
    name = profile or os.environ.get("NES2_PROFILE") or DEFAULT_PROFILE
    name = name.strip().lower()
    if name not in PROFILES:
        source = "argument" if profile else "NES2_PROFILE"
        raise InvalidOptionError(
            f"Unknown profile {name!r} (from the {source}): use one of {', '.join(PROFILES)}."
        )
    return name


def home(environ: Mapping[str, str] = os.environ) -> Path:
    """The cache directory (`cache_dir`) as `environ` names it, without creating it.

    `NES2_HOME` overrides the default, the user's cache directory.

    Examples:
        >>> home({"NES2_HOME": "/tmp/nes2-home"})
        PosixPath('/tmp/nes2-home')
    """
    root = environ.get("NES2_HOME")
    if root:
        return Path(root).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("nes2"))


def cache_dir() -> Path:
    """Return the cache directory (`home`), creating it if needed.

    Examples:
        >>> cache_dir().is_dir()
        True
    """
    path = home()
    path.mkdir(parents=True, exist_ok=True)
    return path


def thread_environment(threads: int) -> dict[str, str]:
    """The environment that sizes TensorFlow's thread pools (intra- and inter-op) to `threads`;
    TensorFlow reads it when it starts, so it goes to a new process.

    Examples:
        >>> thread_environment(1)
        {'TF_NUM_INTRAOP_THREADS': '1', 'TF_NUM_INTEROP_THREADS': '1'}
    """
    return {"TF_NUM_INTRAOP_THREADS": str(threads), "TF_NUM_INTEROP_THREADS": str(threads)}


def seed_everything(seed: int = DEFAULT_SEED, deterministic: bool = True) -> None:
    """Seed Python, NumPy and TensorFlow, and make TensorFlow ops deterministic.

    With `deterministic=True` two runs with the same seed on the same machine
    give the same weights and metrics (at some cost in speed on a GPU). This
    lasts for the rest of the process, as a notebook wants it; to make one
    block deterministic and leave the process as it was, use `op_determinism`.

    Args:
        seed: the seed for `random`, NumPy and the backend.
        deterministic: also call `tf.config.experimental.enable_op_determinism()`.

    Examples:
        ```python
        from nes2.config import seed_everything
        seed_everything(1)
        ```
    """
    import keras
    import tensorflow as tf

    keras.utils.set_random_seed(seed)
    if deterministic:
        tf.config.experimental.enable_op_determinism()


@contextlib.contextmanager
def op_determinism(enabled: bool = True):
    """TensorFlow's op determinism on (or off) inside the block, and as it was after it.

    A recipe that asks for determinism gets it for its run only: a later run
    that does not (detection, CIFAR-10) is not slowed down, or refused by ops
    that have no deterministic kernel on a GPU.

    Examples:
        ```python
        with config.op_determinism(True):
            model.fit(...)   # deterministic
        model.fit(...)       # as the process was before
        ```
    """
    from nes2 import _compat

    before = _compat.op_determinism_enabled()
    if enabled != before:
        _compat.set_op_determinism(enabled)
    try:
        yield
    finally:
        if _compat.op_determinism_enabled() != before:
            _compat.set_op_determinism(before)
