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


def _keras_models() -> Path:
    return Path(os.environ.get("KERAS_HOME", Path.home() / ".keras")) / "models"


def data_used() -> dict:
    """The data a notebook executed now can use: the real photographs, the ImageNet weights."""
    from nes2.data import catsdogs

    weights = _keras_models()
    return {
        "cats_vs_dogs": "real" if catsdogs.is_fetched() else "synthetic",
        "imagenet": weights.is_dir() and any(weights.glob("vgg16*notop*.h5")),
    }


def data_text(data: dict) -> str:
    """The data of a record in Czech.

    Examples:
        >>> data_text({"cats_vs_dogs": "real", "imagenet": False})
        'Cats vs Dogs: skutečné fotografie, váhy ImageNet: nebyly k dispozici'
    """
    photos = "skutečné fotografie" if data["cats_vs_dogs"] == "real" else "kreslená náhrada"
    weights = "ano" if data["imagenet"] else "nebyly k dispozici"
    return f"Cats vs Dogs: {photos}, váhy ImageNet: {weights}"


def profile() -> str:
    """The run profile of this build (`NES2_PROFILE`, quick by default)."""
    return os.environ.get("NES2_PROFILE", "quick")


def provenance_file(cache_dir: str | Path, notebook: str | Path) -> Path:
    """Where the execution cache records the provenance of `notebook`."""
    name = Path(notebook).resolve().relative_to(ROOT).as_posix().replace("/", "__")
    return Path(cache_dir) / PROVENANCE / f"{name}.json"


def record_provenance(
    cache_dir: str | Path, notebook: str | Path, runs: dict[str, str] | None = None
) -> Path:
    """Record, when `notebook` has just been executed, what executed it and the records of
    the runs it could read (`runs`, see `nes2_site.execution.run_records`)."""
    from nes2.io import write_json

    return write_json(
        provenance_file(cache_dir, notebook),
        {
            "versions": {name: _version(package) for name, package in PACKAGES},
            "machine": _machine(),
            "device": _device(),
            "profile": profile(),
            "data": data_used(),
            "executed": f"{datetime.datetime.now():%Y-%m-%d %H:%M}",
            "runs": runs or {},
        },
    )


FIELDS = {"versions": dict, "machine": str, "device": str, "profile": str, "executed": str}
"""The fields of a record and their types (the page's bar, `provenance_line`, shows them all;
the index, `build_summary`, the profile and the device)."""


def checked(record) -> dict:
    """`record` with every field of a shape other than the one `record_provenance` writes left
    out (`FIELDS`, `data`, `runs`: always a table): a record from elsewhere is never shown
    malformed; each reader needs only the fields it shows.

    Examples:
        >>> checked({"versions": "?", "profile": "quick", "runs": {"a/k": "d"}})
        {'profile': 'quick', 'runs': {'a/k': 'd'}}
    """
    record = record if isinstance(record, dict) else {}
    kept = {k: record[k] for k, kind in FIELDS.items() if isinstance(record.get(k), kind)}
    try:
        datetime.datetime.strptime(kept.get("executed", ""), "%Y-%m-%d %H:%M")
    except ValueError:
        kept.pop("executed", None)
    data = record.get("data")
    if isinstance(data, dict) and (
        isinstance(data.get("cats_vs_dogs"), str) and isinstance(data.get("imagenet"), bool)
    ):
        kept["data"] = data
    kept["runs"] = record["runs"] if isinstance(record.get("runs"), dict) else {}
    return kept


def read_provenance(cache_dir: str | Path, notebook: str | Path) -> dict:
    """The provenance recorded for `notebook` (`checked`), or `{}` if none was (or it cannot be
    read)."""
    try:
        return checked(json.loads(provenance_file(cache_dir, notebook).read_text()))
    except (OSError, ValueError):
        return {}


def provenance_line(cache_dir: str | Path | None, notebook: str | Path) -> str:
    """The provenance of a page's outputs as the execution recorded it."""
    path = provenance_file(cache_dir, notebook) if cache_dir else None
    if path is None or not path.is_file():
        return "stránka bez spuštěných výstupů (sestavení bez spuštění notebooků)"
    record = read_provenance(cache_dir, notebook)
    if not FIELDS.keys() <= record.keys():
        return "výstupy převzaté z publikovaného webu (bez záznamu, kde vznikly)"
    versions = " · ".join(f"{name} {v}" for name, v in record["versions"].items())
    executed = datetime.datetime.strptime(record["executed"], "%Y-%m-%d %H:%M")
    data = f" · {data_text(record['data'])}" if "data" in record else ""
    return (
        f"{versions} · stroj: {record['machine']} · zařízení: {record['device']} · "
        f"profil: {record['profile']}{data} · spuštěno {executed:%d. %m. %Y}"
    )


BUILD_MARK = "<!-- nes2:build -->"
"""Where the index page says what the site's pages were executed with."""


def build_summary(cache_dir: str | Path | None) -> str:
    """One Czech sentence on the profiles and data of every executed page of this build."""
    folder = Path(cache_dir) / PROVENANCE if cache_dir else None
    records = (
        [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
        if (folder and folder.is_dir())
        else []
    )
    records = [r for r in map(checked, records) if {"profile", "device"} <= r.keys()]
    if not records:
        return "Stránky tohoto sestavení nebyly spuštěny (sestavení bez spuštění notebooků)."
    profiles = ", ".join(sorted({r["profile"] for r in records}))
    data = sorted({data_text(r["data"]) for r in records if "data" in r})
    devices = ", ".join(sorted({r["device"] for r in records}))
    return (
        f"Výstupy {len(records)} stránek tohoto webu vznikly v profilu {profiles} "
        f"(zařízení: {devices}; {'; '.join(data) or 'data nezaznamenána'})."
    )


def mark_index(site_dir: str | Path, cache_dir: str | Path | None) -> None:
    """Put `build_summary` where the built index page has `BUILD_MARK`."""
    index = Path(site_dir) / "index.html"
    if index.is_file() and BUILD_MARK in (text := index.read_text()):
        index.write_text(text.replace(BUILD_MARK, build_summary(cache_dir)))


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
