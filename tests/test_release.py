"""Releases: the tag is the version, the wheel installs into a clean Python 3.11 and runs,
notebooks install the version they were made with, and only the publishing job may
publish."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

import nes2

ROOT = Path(__file__).parents[1]


def check_tag(tag: str):
    return subprocess.run(
        [sys.executable, "-m", "nes2_site.check_tag", tag],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_a_tag_that_is_not_the_package_version_is_refused():
    refused = check_tag("v99.0.0")
    assert refused.returncode == 1
    assert f"v99.0.0 is not the package version v{nes2.__version__}" in refused.stderr
    assert check_tag(nes2.__version__).returncode == 1, "the tag needs its v"
    assert check_tag(f"v{nes2.__version__}").returncode == 0


def test_release_notes_are_the_version_s_section_of_the_changelog(tmp_path):
    from nes2_site import changelog

    path = tmp_path / "CHANGELOG.md"
    path.write_text(
        "# Changelog\n\n## [Unreleased]\n\n- next\n\n## [0.2.0] - 2027-02-01\n\n### Added\n\n"
        "- grading\n\n## [0.1.0] - 2026-10-01\n\n- first\n\n"
        "[0.2.0]: https://example.org/compare/v0.1.0...v0.2.0\n"
    )
    assert changelog.notes("v0.2.0", path) == "### Added\n\n- grading\n"
    assert changelog.notes("0.1.0", path) == "- first\n"
    with pytest.raises(SystemExit, match=r"no section \[0.3.0\]: move the entries under"):
        changelog.notes("v0.3.0", path)
    with pytest.raises(SystemExit, match="has no date"):
        changelog.notes("Unreleased", path)
    # the repository's own changelog: kept in the format, its next entries under [Unreleased]
    text = changelog.CHANGELOG.read_text()
    assert "## [Unreleased]" in text and "Keep a Changelog" in text
    release = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())["jobs"]
    script = "\n".join(s.get("run", "") for job in release.values() for s in job["steps"])
    assert 'nes2_site.changelog --check "${GITHUB_REF_NAME}"' in script
    assert "--notes-file release-notes.md" in script and "--generate-notes" not in script


def test_notebooks_install_the_version_they_were_made_with():
    for path in (ROOT / "notebooks").rglob("*.ipynb"):
        setup = "".join(json.loads(path.read_text())["cells"][0]["source"])
        assert f'"nes2[cv]=={nes2.__version__}"' in setup, path.name


def test_only_the_publishing_job_can_publish_and_it_needs_the_protected_environment():
    release = yaml.safe_load((ROOT / ".github/workflows/release.yml").read_text())
    triggers = release[True] if True in release else release["on"]
    assert triggers == {"push": {"tags": ["v*"]}}
    jobs = release["jobs"]
    assert "permissions" not in jobs["build"]  # the workflow's contents: read
    assert jobs["publish"]["permissions"] == {"id-token": "write"}
    assert jobs["publish"]["environment"]["name"] == "pypi"
    assert jobs["publish"]["needs"] == "build"
    build = "\n".join(step.get("run", "") for step in jobs["build"]["steps"])
    assert 'nes2_site.check_tag "${GITHUB_REF_NAME}"' in build and "twine check --strict" in build


def _uv() -> str:
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed (make setup installs it)")
    return uv


@pytest.mark.slow
@pytest.mark.trains
@pytest.mark.keyed("src/nes2", "README.md", "LICENSE")
def test_the_wheel_installs_into_a_fresh_python_311_and_runs(tmp_path):
    if shutil.which("python3.11") is None:
        pytest.skip("no python3.11 on this machine")
    uv = _uv()
    env = {**os.environ, "NES2_HOME": str(tmp_path / "home"), "NES2_PROFILE": "quick"}
    env.pop("VIRTUAL_ENV", None)

    def run(*args, timeout=900):
        result = subprocess.run(
            [str(a) for a in args], capture_output=True, text=True, timeout=timeout, env=env
        )
        assert result.returncode == 0, f"{args}:\n{result.stdout[-2000:]}{result.stderr[-3000:]}"
        return result

    run(uv, "build", "--wheel", "--out-dir", tmp_path / "dist", ROOT)
    wheel = next((tmp_path / "dist").glob("nes2-*.whl"))
    assert wheel.name.startswith(f"nes2-{nes2.__version__}-")
    venv = tmp_path / "clean"
    run(uv, "venv", "--quiet", "--python", "python3.11", venv)
    run(uv, "pip", "install", "--quiet", "--python", venv / "bin" / "python", wheel)
    info = run(venv / "bin" / "nes2", "info")
    assert "python      3.11" in info.stdout and nes2.__version__ in info.stdout
    run(venv / "bin" / "nes2", "train", "digit-tilt", "--epochs", "1", "--out", tmp_path / "run")
    metrics = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and metrics["recipe"] == "digit-tilt"
