"""Writing files so that a reader never sees half of one: JSON and folders, atomically.

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


def write_json(path: str | os.PathLike, data, indent: int | None = 2) -> Path:
    """Write `data` as JSON to `path` atomically (parents created); return the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=indent, ensure_ascii=False)
            f.write("\n")
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


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
