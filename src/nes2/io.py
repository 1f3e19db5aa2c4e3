"""Writing files so that a reader never sees half of one: files, JSON and folders, atomically.

Everything `nes2` leaves on disk (run records, metrics, caches, manifests) goes
through these helpers: the content is written to a temporary name beside the
target and renamed over it, which is atomic on one file system.

Examples:
    >>> import json, tempfile
    >>> from pathlib import Path
    >>> path = write_json(Path(tempfile.mkdtemp()) / "a" / "m.json", {"x": 1})
    >>> json.loads(path.read_text())
    {'x': 1}
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path


@contextlib.contextmanager
def atomic_file(path: str | os.PathLike, suffix: str | None = None) -> Iterator[Path]:
    """A temporary path beside `path` to write; it becomes `path` only if the block succeeds.

    The temporary name ends in `suffix` (default: the suffix of `path`), for
    writers that choose the format by it (`".weights.h5"` for Keras).

    Examples:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "figure.png"
        >>> with atomic_file(target) as tmp:
        ...     _ = tmp.write_bytes(b"png")
        >>> target.read_bytes(), sorted(p.name for p in target.parent.iterdir())
        (b'png', ['figure.png'])
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(
        prefix=f".{path.name}.", suffix=path.suffix if suffix is None else suffix, dir=path.parent
    )
    os.close(fd)
    try:
        yield Path(tmp)
        os.replace(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)


def write_json(path: str | os.PathLike, data, indent: int | None = 2) -> Path:
    """Write `data` as JSON to `path` atomically (parents created); return the path."""
    with atomic_file(path) as tmp:
        tmp.write_text(json.dumps(data, indent=indent, ensure_ascii=False) + "\n", "utf-8")
    return Path(path)


@contextlib.contextmanager
def atomic_folder(target: str | os.PathLike) -> Iterator[Path]:
    """Fill a temporary folder beside `target`; it becomes `target` only if the block succeeds.

    An existing `target` is replaced. On an error the temporary folder is
    removed and `target` is left as it was.

    Examples:
        >>> import tempfile
        >>> target = Path(tempfile.mkdtemp()) / "run"
        >>> with atomic_folder(target) as tmp:
        ...     _ = (tmp / "done.txt").write_text("ok")
        >>> (target / "done.txt").read_text()
        'ok'
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    try:
        yield tmp
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{target.name}.old.", dir=target.parent))
            os.replace(target, old / target.name)
            shutil.rmtree(old, ignore_errors=True)
        os.replace(tmp, target)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
