"""The one way this project turns what an outcome depends on into a key.

Every key is made by `digest`: a stored run's key and the training code's
digest (`nes2.recipes.store`), an executed page's key and the site's cache key
(`nes2_site.execution`, `nes2_site.reach`), the keys of the test suite's
records (`tests/conftest.py`). Texts count by their content; files count by
their path (relative to `root`) and their content; a folder counts as every
file in it, caches of compiled Python left out; a file that is named but
missing counts as missing, so deleting it changes the key too.

`machine_state` is what an executed page can depend on besides its code: the
pretrained weights a page uses only if they are in Keras' cache, whether the
real Cats vs Dogs photographs were fetched, and whether the build may download
(`NES2_ONLINE`).

Examples:
    >>> digest("quick", "seed=42") == digest("quick", "seed=42")
    True
    >>> digest("quick", "seed=42") == digest("quick", "seed=43")
    False
    >>> len(digest("x")), len(digest("x", length=None))
    (16, 64)
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping
from pathlib import Path

VERSION = 1
"""The version of how keys are made: the execution cache's folder counts it, so a cache made
with another refuses itself whole."""
SKIPPED = ("__pycache__",)
"""Folders whose files never count (Python's bytecode caches)."""


def files_of(names: Iterable[str | os.PathLike], root: str | os.PathLike) -> list[Path]:
    """The files `names` stand for under `root`: a file itself, a folder every file in it
    (sorted, caches left out), a missing name itself (it counts as missing)."""
    root = Path(root)
    found: list[Path] = []
    for name in names:
        path = root / name
        if path.is_dir():
            found += sorted(
                p
                for p in path.rglob("*")
                if p.is_file() and p.suffix != ".pyc" and not set(SKIPPED) & set(p.parts)
            )
        else:
            found.append(path)
    return found


def digest(
    *texts: str | bytes,
    files: Iterable[str | os.PathLike] = (),
    root: str | os.PathLike | None = None,
    length: int | None = 16,
) -> str:
    """A SHA-256 key of `texts` and of `files` (by path from `root` and content).

    Args:
        *texts: values the outcome depends on, as text or bytes, in a fixed order (each is
            delimited).
        files: files or folders, relative to `root` (or absolute under it).
        root: what file paths are taken relative to (default: the current folder).
        length: hex digits kept (`None`: all 64).

    Returns:
        The key as hex digits.

    Examples:
        >>> import tempfile
        >>> folder = Path(tempfile.mkdtemp())
        >>> _ = (folder / "a.txt").write_text("one")
        >>> before = digest("v1", files=["a.txt"], root=folder)
        >>> _ = (folder / "a.txt").write_text("two")
        >>> digest("v1", files=["a.txt"], root=folder) == before
        False
    """
    root = Path(os.path.realpath(root or "."))
    hasher = hashlib.sha256()
    for text in texts:
        data = text if isinstance(text, bytes) else text.encode()
        hasher.update(f"{len(data)}:".encode() + data + b"\0")
    for path in files_of(files, root):
        path = Path(os.path.realpath(path.parent)) / path.name  # the file itself may be a link
        name = path.relative_to(root).as_posix()
        hasher.update(f"\0{name}\0".encode())
        hasher.update(path.read_bytes() if path.is_file() else b"\0<missing>\0")
    text = hasher.hexdigest()
    return text if length is None else text[:length]


CACHED_WEIGHTS = {"vgg19_notop": "vgg19_weights_tf_dim_ordering_tf_kernels_notop.h5"}
"""Pretrained weights a page uses when they are in Keras' cache and never downloads itself
(style transfer's loss network): their presence changes its output."""
DOWNLOADED_WEIGHTS = {
    "resnet50_notop": "resnet50_weights_tf_dim_ordering_tf_kernels_notop.h5",
    "vgg16_notop": "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5",
}
"""Pretrained weights a page downloads itself when it may (the first-layer filters, transfer
learning): available if cached or if the machine may download (`NES2_ONLINE`), so that the
download a page makes while it runs does not change the state it was keyed with."""


def machine_state(environ: Mapping[str, str] = os.environ) -> str:
    """What this machine offers an executed page besides its code, as text: the weights of
    `CACHED_WEIGHTS` in Keras' cache, whether those of `DOWNLOADED_WEIGHTS` are cached or may
    be downloaded, whether the real Cats vs Dogs photographs were fetched (`nes2 data fetch
    cats-vs-dogs`), and whether downloads are allowed (`NES2_ONLINE`).
    Read from `environ` (`NES2_HOME`, `KERAS_HOME`, `NES2_ONLINE`); creates nothing.

    Examples:
        >>> machine_state({"NES2_HOME": "/nonexistent", "KERAS_HOME": "/nonexistent"})
        'cats_vs_dogs=False;vgg19_notop=False;resnet50_notop=False;vgg16_notop=False;online=False'
        >>> machine_state({"NES2_HOME": "/x", "KERAS_HOME": "/x", "NES2_ONLINE": "1"})
        'cats_vs_dogs=False;vgg19_notop=False;resnet50_notop=True;vgg16_notop=True;online=True'
    """
    from nes2 import config
    from nes2.data import catsdogs
    from nes2.data.download import keras_home

    photos = catsdogs.is_fetched(config.home(environ))
    models = keras_home(environ) / "models"
    online = bool(environ.get("NES2_ONLINE"))
    parts = [f"cats_vs_dogs={photos}"]
    parts += [f"{name}={(models / file).is_file()}" for name, file in CACHED_WEIGHTS.items()]
    parts += [
        f"{name}={online or (models / file).is_file()}" for name, file in DOWNLOADED_WEIGHTS.items()
    ]
    parts.append(f"online={online}")
    return ";".join(parts)
