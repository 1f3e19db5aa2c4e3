"""MkDocs hooks of the course site (`hooks:` in mkdocs.yml).

* Every lecture page gets a bar with a "Stáhnout notebook" link and a line of
  provenance: the versions of nes2, Keras and TensorFlow, the device, the run
  profile and the build date, so a reader knows what produced the outputs.
* After the build, each lecture is written next to its page as an `.ipynb`
  (converted by jupytext from the percent script, without outputs).
"""

from __future__ import annotations

import datetime
import os
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

PACKAGES = (("nes2", "nes2"), ("Keras", "keras"), ("TensorFlow", "tensorflow"))


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "–"


def _device() -> str:
    if shutil.which("nvidia-smi"):
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, check=False)
        gpus = [line.split(":", 1)[1].split("(")[0].strip() for line in listing.stdout.splitlines()]
        if gpus:
            return ", ".join(gpus)
    return "CPU"


def _is_lecture(page) -> bool:
    return page.file.src_uri.endswith(".py")


def on_page_content(html: str, page, config, files) -> str:
    if not _is_lecture(page):
        return html
    stem = Path(page.file.src_uri).stem
    profile = os.environ.get("NES2_PROFILE", "quick")
    versions = " · ".join(f"{name} {_version(package)}" for name, package in PACKAGES)
    built = f"{datetime.date.today():%d. %m. %Y}"
    provenance = f"{versions} · zařízení: {_device()} · profil: {profile} · sestaveno {built}"
    bar = (
        '<div class="admonition info nes2-provenance"><p>'
        f'<a class="md-button" href="{stem}.ipynb" download>Stáhnout notebook</a> '
        f"<small>{provenance}</small></p></div>"
    )
    return bar + html


def on_post_build(config) -> None:
    import jupytext

    site = Path(config["site_dir"])
    for lecture in sorted(Path(config["docs_dir"]).glob("*.py")):
        target = site / lecture.stem / f"{lecture.stem}.ipynb"
        if target.parent.is_dir():
            jupytext.write(jupytext.read(lecture), target, fmt="ipynb")
