"""A page's claim that does not hold fails the site build, naming the page, run and numbers."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
import yaml

from nes2_site import execution

ROOT = Path(__file__).parents[1]
PAGE = """# %% [markdown]
# # Claim

# %%
import os

from IPython.display import Markdown

from nes2.teaching import expected

print("threads", os.environ.get("TF_NUM_INTRAOP_THREADS"), os.environ.get("TF_NUM_INTEROP_THREADS"))

conv = expected.entry("text/conv1d", "quick")
Markdown(expected.report(conv, {"test_accuracy": 0.934}, {"test_accuracy": "přesnost"}))
"""
BANDS = """
[hardware]
cpu2 = "2 CPU cores"

["text/conv1d".quick]
options = {{ model = "conv1d" }}
hardware = "cpu2"
seeds = [42, 43, 44]
settings = ["default", "onednn=off", "threads=1"]
claim = "Conv1D reads the order of words"
test_accuracy = {{ min = {band}, recorded = 0.934, spread = [0.92, 0.95] }}
"""


@pytest.fixture
def inside_root():
    """A folder inside the repository (the site's cache keys name pages relative to it)."""
    (ROOT / ".cache").mkdir(exist_ok=True)
    folder = Path(tempfile.mkdtemp(prefix="claims-", dir=ROOT / ".cache"))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _build(tmp_path: Path, band: float) -> subprocess.CompletedProcess:
    project = tmp_path / f"band-{band}"
    (project / "docs").mkdir(parents=True)
    (project / "docs" / "index.md").write_text("# Index\n")
    (project / "docs" / "claim.py").write_text(PAGE)
    (project / "expected.toml").write_text(BANDS.format(band=band))
    config = {
        "site_name": "claims",
        "docs_dir": "docs",
        "theme": {"name": "material"},
        "hooks": [str(ROOT / "site_hooks.py")],
        "plugins": [
            {"mkdocs-jupyter": {"execute": True, "allow_errors": False, "include": ["*.py"]}}
        ],
        "nav": ["index.md", "claim.py"],
    }
    (project / "mkdocs.yml").write_text(yaml.safe_dump(config))
    env = {
        **os.environ,
        "IPYTHONDIR": str(ROOT / ".ipython"),  # the kernels of the course's build: strict claims
        "NES2_EXPECTED": str(project / "expected.toml"),
        "NES2_SITE_CACHE": str(project / "cache"),
        "NO_MKDOCS_2_WARNING": "1",
        "NES2_CACHE_URL": "off",
        "PYTHONPATH": str(ROOT),
    }
    for name in ("NES2_STRICT_CLAIMS", "TF_NUM_INTRAOP_THREADS", "TF_NUM_INTEROP_THREADS"):
        env.pop(name, None)
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(project / "site")],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_mutated_band_fails_the_build_with_the_page_the_run_and_the_numbers(inside_root):
    pytest.importorskip("mkdocs_jupyter", reason="mkdocs-jupyter needs Python >= 3.12")
    tmp_path = inside_root
    held = _build(tmp_path, 0.9)
    assert held.returncode == 0, held.stderr[-3000:]
    page = (tmp_path / "band-0.9" / "site" / "claim" / "index.html").read_text()
    threads = execution.kernel_threads(execution.site_jobs())["TF_NUM_INTRAOP_THREADS"]
    assert f"threads {threads} {threads}" in page  # the kernel's TensorFlow shares the cores
    assert "0,92–0,95" in page and "Mimo" not in page

    broken = _build(tmp_path, 0.95)
    assert broken.returncode != 0
    assert "/docs/claim.py: a claim of this page does not hold." in broken.stderr
    assert "run text/conv1d (quick): test_accuracy = 0.934, expected ≥ 0.95" in broken.stderr
    assert "claim: Conv1D reads the order of words" in broken.stderr


def test_the_number_of_parallel_notebooks_must_be_a_whole_number(monkeypatch):
    from mkdocs.exceptions import PluginError

    for value in ("0", "-1", "two", "1.5", ""):
        monkeypatch.setenv("NES2_SITE_JOBS", value)
        with pytest.raises(PluginError, match=r"NES2_SITE_JOBS=.*a whole number of at least 1"):
            execution.site_jobs()
    monkeypatch.setenv("NES2_SITE_JOBS", "3")
    assert execution.site_jobs() == 3
    monkeypatch.delenv("NES2_SITE_JOBS")
    assert execution.site_jobs() == 2


def test_kernels_share_the_cores_they_may_use(monkeypatch):
    assert execution.kernel_threads(2, cores=2)["TF_NUM_INTRAOP_THREADS"] == "1"
    assert execution.kernel_threads(3, cores=16)["TF_NUM_INTEROP_THREADS"] == "5"
    assert execution.kernel_threads(4, cores=2)["TF_NUM_INTRAOP_THREADS"] == "1"
    monkeypatch.setattr(os, "sched_getaffinity", lambda pid: {0, 1, 2, 3}, raising=False)
    assert execution.kernel_threads(1)["TF_NUM_INTRAOP_THREADS"] == "4"  # taskset's cores


def test_a_claim_error_is_found_behind_the_converter_s_exceptions():
    class CellExecutionError(Exception):
        ename, evalue = "ClaimError", "run a: x = 1, expected ≥ 2"

    try:
        try:
            raise CellExecutionError("cell failed")
        except CellExecutionError as cell:
            raise RuntimeError("conversion failed") from cell
    except RuntimeError as error:
        assert execution.claim_error(error) == "run a: x = 1, expected ≥ 2"
    assert execution.claim_error(ValueError("other")) is None
