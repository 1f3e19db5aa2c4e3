"""Where the site is built from and published to, so that a fork's site links to the fork.

The repository is `GITHUB_REPOSITORY` (set in every GitHub Actions job), else the
course's own (`UPSTREAM`). The published site's address is `NES2_SITE_URL` (the
docs workflow passes the Pages configuration's address), else the repository's
default Pages address; a local build has none. A versioned build (`nes2_site.versions` sets
`NES2_SITE_VERSION`) lives in a folder of that address and shows Material's
version selector.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping

UPSTREAM = "nes2-course/nes2"
"""The course's own repository (a checkout outside GitHub Actions links to it)."""
NAME = re.compile(r"^[A-Za-z0-9-]+/[A-Za-z0-9._-]+$")


def repository(environ: Mapping[str, str] = os.environ) -> str:
    """`OWNER/NAME` of the repository the site is built from.

    Examples:
        >>> repository({"GITHUB_REPOSITORY": "teacher/nes2-fork"})
        'teacher/nes2-fork'
        >>> repository({})
        'nes2-course/nes2'
    """
    name = environ.get("GITHUB_REPOSITORY", "").strip() or UPSTREAM
    if not NAME.match(name):
        raise ValueError(f"GITHUB_REPOSITORY={name!r} is not OWNER/NAME (e.g. {UPSTREAM}).")
    return name


def site_url(environ: Mapping[str, str] = os.environ) -> str:
    """The published site's address, ending in `/`: `NES2_SITE_URL`, else the repository's
    Pages address, and the version's folder in a versioned build.

    Examples:
        >>> site_url({})
        'https://nes2-course.github.io/nes2/'
        >>> site_url({"GITHUB_REPOSITORY": "Teacher/nes2", "NES2_SITE_VERSION": "dev"})
        'https://teacher.github.io/nes2/dev/'
        >>> site_url({"NES2_SITE_URL": "https://nes2.example.cz"})
        'https://nes2.example.cz/'
    """
    base = environ.get("NES2_SITE_URL", "").strip()
    if not base:
        owner, name = repository(environ).split("/")
        base = f"https://{owner.lower()}.github.io/{name}/"
    if not base.startswith(("https://", "http://localhost", "http://127.0.0.1")):
        raise ValueError(f"NES2_SITE_URL={base!r}: give the site's https:// address.")
    base = base.rstrip("/") + "/"
    version = environ.get("NES2_SITE_VERSION", "").strip()
    return f"{base}{version}/" if version else base


def configure(config, environ: Mapping[str, str] = os.environ) -> None:
    """Set a published build's `site_url` (`NES2_SITE_URL` or `NES2_SITE_VERSION` given), and
    Material's version selector in a versioned build. A local build keeps no `site_url`, so
    `mkdocs serve` serves at the root of its address."""
    versioned = bool(environ.get("NES2_SITE_VERSION", "").strip())
    if versioned or environ.get("NES2_SITE_URL", "").strip():
        config["site_url"] = site_url(environ)
    if versioned:
        config["extra"]["version"] = {"provider": "mike", "default": "latest"}
