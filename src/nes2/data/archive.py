"""Safe extraction of zip archives.

A member whose path would land outside the target folder (`../evil`,
an absolute path) is refused and reported; the rest is extracted into a
temporary folder that is renamed into place only when extraction succeeded.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

from nes2.errors import Nes2Error


def is_safe_member(name: str) -> bool:
    """Whether a zip member name stays inside the folder it is extracted to.

    Examples:
        >>> is_safe_member("PetImages/Cat/1.jpg"), is_safe_member("../escape.txt")
        (True, False)
    """
    path = PurePosixPath(name.replace("\\", "/"))
    return not path.is_absolute() and ".." not in path.parts and not name.startswith("/")


def extract_zip(archive: str | os.PathLike, target: str | os.PathLike) -> list[str]:
    """Extract `archive` into `target` atomically, refusing unsafe members.

    Args:
        archive: the zip file.
        target: the folder to create; it must not exist yet.

    Returns:
        The names of the refused members (normally empty).

    Raises:
        Nes2Error: the file is not a valid zip archive.

    Examples:
        ```python
        refused = extract_zip("kagglecatsanddogs_5340.zip", "~/.cache/nes2/cats_vs_dogs/extracted")
        ```
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    refused = []
    try:
        try:
            zf = zipfile.ZipFile(archive)
        except zipfile.BadZipFile as exc:
            raise Nes2Error(f"{archive} is not a valid zip archive: {exc}.") from exc
        with zf:
            for member in zf.infolist():
                if not is_safe_member(member.filename):
                    refused.append(member.filename)
                    continue
                zf.extract(member, tmp)
        if refused:
            warnings.warn(
                f"Refused {len(refused)} archive member(s) that would land outside "
                f"{target}: {', '.join(refused[:5])}",
                stacklevel=2,
            )
        os.replace(tmp, target)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp)
    return refused
