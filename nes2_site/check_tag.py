"""Refuse a release tag that is not the package's version.

    python -m nes2_site.check_tag v0.1.0

The version is written in one place, `src/nes2/_version.py`; the release
workflow publishes a tag only if it is that version with a `v` in front.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

VERSION_FILE = Path(__file__).resolve().parents[1] / "src" / "nes2" / "_version.py"


def package_version(path: Path = VERSION_FILE) -> str:
    """The `__version__` written in `path`."""
    match = re.search(r'^__version__ = "([^"]+)"$', path.read_text(), re.MULTILINE)
    if match is None:
        raise SystemExit(f'No __version__ = "..." line in {path}.')
    return match.group(1)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: python -m nes2_site.check_tag TAG", file=sys.stderr)
        return 2
    tag, expected = argv[1], f"v{package_version()}"
    if tag != expected:
        print(
            f"The tag {tag} is not the package version {expected} ({VERSION_FILE.name}): "
            f"tag the release {expected}, or set __version__ to {tag.removeprefix('v')} first.",
            file=sys.stderr,
        )
        return 1
    print(f"{tag} is the package version.")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
