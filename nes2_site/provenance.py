"""What executed each notebook: recorded when it is executed, shown in its page's bar.

The record lives in the execution cache (`provenance/`), so a site rendered
elsewhere from that cache says where its outputs come from, not where it was
rendered.
"""

from __future__ import annotations

import datetime
import json
import os
import platform
import shutil
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from nes2_site import ROOT, notebooks

PACKAGES = (("nes2", "nes2"), ("Keras", "keras"), ("TensorFlow", "tensorflow"))
PROVENANCE = "provenance"
"""The folder of the execution cache that records where each notebook was executed."""


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


def _machine() -> str:
    return f"{os.cpu_count()} CPU ({platform.machine()}, {platform.system()})"


def profile() -> str:
    """The run profile of this build (`NES2_PROFILE`, quick by default)."""
    return os.environ.get("NES2_PROFILE", "quick")


def provenance_file(cache_dir: str | Path, notebook: str | Path) -> Path:
    """Where the execution cache records the provenance of `notebook`."""
    name = Path(notebook).resolve().relative_to(ROOT).as_posix().replace("/", "__")
    return Path(cache_dir) / PROVENANCE / f"{name}.json"


def record_provenance(cache_dir: str | Path, notebook: str | Path) -> Path:
    """Record, when `notebook` has just been executed, what executed it."""
    from nes2.io import write_json

    return write_json(
        provenance_file(cache_dir, notebook),
        {
            "versions": {name: _version(package) for name, package in PACKAGES},
            "machine": _machine(),
            "device": _device(),
            "profile": profile(),
            "executed": f"{datetime.datetime.now():%Y-%m-%d %H:%M}",
        },
    )


def provenance_line(cache_dir: str | Path | None, notebook: str | Path) -> str:
    """The provenance of a page's outputs as the execution recorded it."""
    path = provenance_file(cache_dir, notebook) if cache_dir else None
    if path is None or not path.is_file():
        return "stránka bez spuštěných výstupů (sestavení bez spuštění notebooků)"
    record = json.loads(path.read_text())
    versions = " · ".join(f"{name} {v}" for name, v in record["versions"].items())
    executed = datetime.datetime.strptime(record["executed"], "%Y-%m-%d %H:%M")
    return (
        f"{versions} · stroj: {record['machine']} · zařízení: {record['device']} · "
        f"profil: {record['profile']} · spuštěno {executed:%d. %m. %Y}"
    )


def downloads(src_uri: str) -> list[tuple[str, notebooks.Target]]:
    """The buttons of a notebook page: (label, generated notebook) pairs."""
    found = [
        t
        for t in notebooks.targets()
        if t.source.relative_to(notebooks.LECTURES).as_posix() == src_uri
    ]
    if len(found) == 1:
        return [("notebook", found[0])]
    return [("zadání" if t.student else "řešení", t) for t in found]


def bar(src_uri: str, abs_src_path: str, cache_dir: str | None) -> str:
    """The bar above a notebook page: download and Colab buttons, and the provenance line."""
    buttons = []
    for label, target in downloads(src_uri):
        name = Path(target.path).name
        buttons.append(f'<a class="md-button" href="{name}" download>Stáhnout {label}</a>')
        colab = notebooks.colab_url(target.path)
        where = "v Colabu" if label == "notebook" else f"{label} v Colabu"
        buttons.append(f'<a class="md-button" href="{colab}">Otevřít {where}</a>')
    return (
        '<div class="admonition info nes2-provenance"><p>'
        f"{' '.join(buttons)} <small>{provenance_line(cache_dir, abs_src_path)}</small></p></div>"
    )
