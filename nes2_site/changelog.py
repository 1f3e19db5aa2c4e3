"""Release notes from `CHANGELOG.md` (Keep a Changelog): the section of one version.

    python -m nes2_site.changelog v0.2.0            # print the notes of 0.2.0
    python -m nes2_site.changelog --check v0.2.0    # fail unless the section exists

The release workflow checks the section before it builds anything and publishes
the GitHub release with these notes. Before tagging, the entries under
`## [Unreleased]` move under `## [X.Y.Z] - YYYY-MM-DD`.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

CHANGELOG = Path(__file__).resolve().parents[1] / "CHANGELOG.md"
HEADING = re.compile(r"^## \[(?P<version>[^\]]+)\](?: - (?P<date>\d{4}-\d{2}-\d{2}))?\s*$", re.M)


def notes(version: str, path: Path = CHANGELOG) -> str:
    """The entries of `version` (a leading `v` allowed), without their heading.

    Raises:
        SystemExit: the changelog has no dated section for the version.
    """
    version = version.removeprefix("v")
    text = path.read_text(encoding="utf-8")
    headings = list(HEADING.finditer(text))
    for heading, following in zip(headings, [*headings[1:], None], strict=True):
        if heading["version"] == version:
            if not heading["date"]:
                raise SystemExit(
                    f"{path.name}: the section [{version}] has no date (- YYYY-MM-DD)."
                )
            end = following.start() if following else _links(text, heading.end())
            body = text[heading.end() : end].strip()
            if not body:
                raise SystemExit(f"{path.name}: the section [{version}] lists no change.")
            return body + "\n"
    raise SystemExit(
        f"{path.name} has no section [{version}]: move the entries under [Unreleased] to "
        f"'## [{version}] - YYYY-MM-DD' before tagging v{version}."
    )


def _links(text: str, start: int) -> int:
    """Where the link references after `start` (at the end of the file) begin (or its end)."""
    match = re.compile(r"^\[[^\]]+\]: ", re.M).search(text, start)
    return match.start() if match else len(text)


def main(argv: list[str]) -> int:
    check = "--check" in argv
    versions = [a for a in argv[1:] if a != "--check"]
    if len(versions) != 1:
        print("usage: python -m nes2_site.changelog [--check] VERSION", file=sys.stderr)
        return 2
    body = notes(versions[0])
    print(
        f"{CHANGELOG.name} has the notes of {versions[0]}." if check else body,
        end="\n" if check else "",
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
