"""Publishing for any repository: which docs job runs under which setting, the caches'
content key, GPU jobs that fail without a GPU, CI as the README says, the license in the
distributions, the messages of a machine that lacks something."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml

from nes2 import cli
from nes2_site import check_gpu, execution, notebooks, provenance

ROOT = Path(__file__).parents[1]
WORKFLOWS = ROOT / ".github" / "workflows"


def workflow(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(flow: dict) -> dict:
    return flow[True] if True in flow else flow["on"]  # YAML 1.1 reads `on` as True


def step_names(job: dict) -> list[str]:
    return [step.get("name", step.get("uses", "")) for step in job["steps"]]


# --- which docs job runs where -------------------------------------------------------------


def test_without_a_gpu_runner_a_hosted_job_builds_the_quick_site_with_real_data_and_deploys():
    jobs = workflow("docs.yml")["jobs"]
    quick, execute, deploy = jobs["quick"], jobs["execute"], jobs["deploy"]
    assert "vars.NES2_GPU_RUNNER == ''" in quick["if"] and "pull_request" in quick["if"]
    assert "vars.NES2_GPU_RUNNER != ''" in execute["if"]
    assert quick["runs-on"] == "ubuntu-latest" and quick["env"]["NES2_PROFILE"] == "quick"
    assert "fromJSON(vars.NES2_GPU_RUNNER" in execute["runs-on"]
    script = "\n".join(step.get("run", "") for step in quick["steps"])
    assert "python -m nes2_site.data fetch" in script
    assert quick["env"]["NES2_ONLINE"] == "1"  # the exercises load ImageNet weights then
    names = step_names(quick)
    assert names.index(
        "Fetch the real data of the quick profile (Cats vs Dogs, ImageNet weights)"
    ) < (names.index("Build"))
    assert "Test the built site in a browser" in names
    uploads = {
        s["with"]["name"]: s["if"]
        for s in quick["steps"]
        if "upload-artifact@" in s.get("uses", "")
    }
    assert uploads["site-quick"] == "github.event_name == 'pull_request'"  # for the reviewer
    assert uploads["execution"] == "github.event_name != 'pull_request'"  # for deploy
    # deploy follows whichever path ran: one of the two is always skipped
    assert set(deploy["needs"]) == {"quick", "pages"}
    assert "always()" in deploy["if"] and "needs.quick.result == 'success'" in deploy["if"]
    assert "needs.pages.result == 'success'" in deploy["if"]


def test_deploy_publishes_a_version_with_mike_from_the_tested_executions_only():
    deploy = workflow("docs.yml")["jobs"]["deploy"]
    assert deploy["env"]["NES2_REQUIRE_EXECUTED"] == "1"  # renders, never executes
    assert deploy["permissions"] == {"contents": "write", "pages": "read"}
    assert deploy["concurrency"] == {
        "group": "gh-pages-${{ github.ref }}",
        "cancel-in-progress": False,
    }
    (download,) = [s for s in deploy["steps"] if "download-artifact@" in s.get("uses", "")]
    assert download["with"]["name"] == "execution"
    script = "\n".join(step.get("run", "") for step in deploy["steps"])
    assert "repos/${GITHUB_REPOSITORY}/pages" in script and "NES2_SITE_URL" in script
    assert "python -m nes2_site.versions deploy --push" in script
    assert "environment" not in deploy  # the gh-pages branch needs no rule for tags
    assert "deploy-pages" not in (WORKFLOWS / "docs.yml").read_text()


def test_data_is_cached_apart_under_its_checksum_and_never_twice():
    from nes2_site import data

    for name in ("quick", "execute"):
        job = workflow("docs.yml")["jobs"][name]
        (site,) = [s for s in job["steps"] if "site-" in s.get("with", {}).get("key", "")]
        assert "cats_vs_dogs" not in site["with"]["path"] and "keras" not in site["with"]["path"]
        assert ".cache/nes2\n" not in site["with"]["path"]  # runs and judges, not the data
        (cache,) = [s for s in job["steps"] if s.get("name", "").startswith("Downloaded data")]
        assert cache["with"]["key"] == "data-${{ steps.data.outputs.key }}"
        assert ".cache/nes2/cats_vs_dogs" in cache["with"]["path"]
        assert job["env"]["KERAS_HOME"].endswith(".cache/keras")  # in the cached folder
    before = data.key()
    data.WEIGHTS = (*data.WEIGHTS, ("Xception", (71, 71, 3)))
    try:
        assert data.key() != before  # another list of weights is another entry
    finally:
        data.WEIGHTS = data.WEIGHTS[:-1]
    assert data.key() == before


def test_executed_lectures_and_runs_are_cached_under_the_content_key():
    for name in ("quick", "execute"):
        job = workflow("docs.yml")["jobs"][name]
        (key_step,) = [s for s in job["steps"] if s.get("id") == "key"]
        assert "python -m nes2_site.execution key" in key_step["run"]
        (cache,) = [s for s in job["steps"] if "site-" in s.get("with", {}).get("key", "")]
        assert "${{ steps.key.outputs.key }}" in cache["with"]["key"]
        assert ".cache/nes2/runs" in cache["with"]["path"]
        assert cache["with"]["restore-keys"].endswith("-")
        names = step_names(job)
        assert names.index(key_step["name"]) < names.index(
            "Build" if name == "quick" else ("Execute every lecture")
        )
    for flow in ("ci.yml", "docs.yml", "gpu.yml"):
        for job in workflow(flow)["jobs"].values():
            uv = [s for s in job.get("steps", []) if "setup-uv@" in s.get("uses", "")]
            if uv:
                assert uv[0]["with"]["enable-cache"] is True


def _tree(root: Path) -> Path:
    for name, text in {
        "src/nes2/__init__.py": "x = 1\n",
        "uv.lock": "lock\n",
        ".ipython/profile_default/ipython_kernel_config.py": "c = 1\n",
        "lectures/recap.py": "# %%\nprint(1)\n",
        "mkdocs.yml": "site_name: x\n",
        "site_hooks.py": "x = 1\n",
        "nes2_site/execution.py": "x = 1\n",
        "overrides/main.html": "<p></p>\n",
        "README.md": "readme\n",
        ".github/workflows/ci.yml": "name: CI\n",
    }.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize(
    ("changed", "same"),
    [
        ("README.md", True),
        (".github/workflows/ci.yml", True),
        ("lectures/recap.py", False),
        ("src/nes2/__init__.py", False),
        ("uv.lock", False),
        (".ipython/profile_default/ipython_kernel_config.py", False),
        ("mkdocs.yml", False),
        ("site_hooks.py", False),
        ("nes2_site/execution.py", False),
        ("overrides/main.html", False),
    ],
)
def test_the_content_key_follows_the_site_inputs_only(tmp_path, changed, same):
    root = _tree(tmp_path)
    before = execution.content_key(root, "quick")
    assert execution.content_key(root, "quick") == before
    (root / changed).write_text((root / changed).read_text() + "# edited\n")
    assert (execution.content_key(root, "quick") == before) is same
    assert execution.content_key(root, "full") != execution.content_key(root, "quick")


def test_the_key_command_prints_the_content_key(capsys):
    assert execution.main(["key", "--profile", "quick"]) == 0
    assert capsys.readouterr().out.strip() == execution.content_key(profile="quick")


# --- GPU jobs ---------------------------------------------------------------------------------


def test_gpu_jobs_fail_first_without_a_gpu_and_install_the_locked_cuda_packages():
    for flow, job_name in (("gpu.yml", "gpu"), ("docs.yml", "execute")):
        job = workflow(flow)["jobs"][job_name]
        names = step_names(job)
        check = names.index("Fail without a GPU")
        assert job["steps"][check]["run"].endswith("python -m nes2_site.check_gpu")
        assert check < min(
            i for i, n in enumerate(names) if n in ("GPU tests", "Execute every lecture")
        )
        script = "\n".join(step.get("run", "") for step in job["steps"])
        assert "tensorflow[and-cuda]" not in script  # locked: pyproject's gpu extra
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert (
        "tensorflow[and-cuda]" in pyproject
        and 'name = "nvidia-cudnn-cu12"' in (ROOT / "uv.lock").read_text()
    )


def test_check_gpu_fails_without_one(monkeypatch, capsys):
    monkeypatch.setattr(check_gpu, "gpus", lambda: [])
    assert check_gpu.main() == 1
    assert "lists no GPU" in capsys.readouterr().err
    monkeypatch.setattr(check_gpu, "gpus", lambda: ["/physical_device:GPU:0"])
    assert check_gpu.main() == 0


# --- CI as the README says --------------------------------------------------------------------


def test_ci_runs_the_readme_test_command_and_the_newest_job_fails_visibly():
    ci = workflow("ci.yml")
    assert "make test" in (ROOT / "README.md").read_text()
    test = ci["jobs"]["test"]
    assert any(step.get("run", "").startswith("make test ") for step in test["steps"])
    assert ci["concurrency"]["cancel-in-progress"] == "${{ github.event_name == 'pull_request' }}"
    assert "schedule" in triggers(ci)
    newest = ci["jobs"]["newest"]
    assert "schedule" in newest["if"]
    assert newest["continue-on-error"] == "${{ github.event_name == 'push' }}"
    dependabot = yaml.safe_load((ROOT / ".github" / "dependabot.yml").read_text())
    assert {u["package-ecosystem"] for u in dependabot["updates"]} == {"github-actions", "uv"}
    assert all(u["cooldown"]["default-days"] >= 7 for u in dependabot["updates"])


def test_ci_executes_the_site_once_and_caches_it_under_the_content_key():
    jobs = workflow("ci.yml")["jobs"]
    test, package = jobs["test"], jobs["package"]
    assert test["steps"][1]["with"]["python-version"] == "3.12"  # the one that builds the site
    assert package["strategy"]["matrix"]["python-version"] == ["3.11", "3.13"]
    assert any("make test-package" in s.get("run", "") for s in package["steps"])
    for job in (test, package):
        names = step_names(job)
        (cache,) = [s for s in job["steps"] if "actions/cache@" in s.get("uses", "")]
        assert "${{ steps.key.outputs.key }}" in cache["with"]["key"]
        assert ".cache/test" in cache["with"]["path"]
        assert names.index(cache["name"]) < min(
            i for i, s in enumerate(job["steps"]) if s.get("run", "").startswith("make test")
        )
    makefile = (ROOT / "Makefile").read_text()
    assert "pytest --site=only" in makefile and "--site=skip" in makefile


def test_a_release_tests_the_cv_extra_on_colabs_python_and_publishes_notes():
    release = workflow("release.yml")["jobs"]
    script = "\n".join(step.get("run", "") for step in release["build"]["steps"])
    assert "for python in 3.11 3.12" in script and '"${wheel}[cv]"' in script
    assert "train detection --model ssd" in script and "train digit-tilt" in script
    notes = release["github-release"]
    assert notes["needs"] == "publish" and notes["permissions"]["contents"] == "write"
    assert "--notes-file release-notes.md" in notes["steps"][-2]["run"]
    assert "gh workflow run docs.yml" in notes["steps"][-1]["run"]
    assert notes["permissions"]["actions"] == "write"
    docs = workflow("docs.yml")
    assert "workflow_dispatch" in triggers(docs) and "tags" not in triggers(docs)["push"]
    assert "github.ref_name" in docs["env"]["NES2_COLAB_REF"]
    for job in docs["jobs"].values():  # a release's site does not read the branch caches
        for step in job.get("steps", []):  # (downloaded data, checked by its checksum, it may)
            if "actions/cache@" in step.get("uses", "") and "site-" in step["with"]["key"]:
                assert step["if"] == "github.ref_type != 'tag'"


def test_colab_links_follow_the_release_ref(monkeypatch):
    monkeypatch.setenv("NES2_COLAB_REF", "v1.2.0")
    assert "/blob/v1.2.0/notebooks/recap.ipynb" in notebooks.colab_url("recap.ipynb")
    monkeypatch.delenv("NES2_COLAB_REF")
    assert "/blob/main/notebooks/" in notebooks.colab_url("recap.ipynb")


# --- license, citation, distributions ---------------------------------------------------------


def test_license_and_citation_say_the_same_as_the_package():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert 'license = "MIT"' in (ROOT / "pyproject.toml").read_text()
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text())
    assert citation["license"] == "MIT" and citation["cff-version"] == "1.2.0"
    site = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    assert "CC BY 4.0" in site["copyright"] and "MIT" in site["copyright"]
    assert "CC BY 4.0" in (ROOT / "README.md").read_text()


@pytest.mark.keyed("src/nes2", "pyproject.toml", "LICENSE", "README.md")
def test_the_wheel_and_sdist_carry_the_license_and_the_grading_specs(tmp_path):
    uv = shutil.which("uv") or str(ROOT / ".tools" / "bin" / "uv")
    if not Path(uv).exists():
        pytest.skip("uv is not installed (make setup installs it)")
    subprocess.run(
        [uv, "build", "--quiet", "--out-dir", str(tmp_path), str(ROOT)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = tmp_path.glob("*.whl")
    (sdist,) = tmp_path.glob("*.tar.gz")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    assert "nes2/py.typed" in names and not any(n.startswith("nes2_site") for n in names)
    specs = {n.rsplit("/", 1)[-1] for n in names if n.startswith("nes2/grading/exercises/")}
    exercises = {f"{p.stem}.json" for p in (ROOT / "lectures" / "exercises").glob("*.py")}
    assert specs == exercises, "nes2 grade needs every exercise's spec in the wheel"
    with tarfile.open(sdist) as archive:
        assert any(n.endswith("/LICENSE") for n in archive.getnames())


# --- a machine that lacks something -----------------------------------------------------------


def test_a_missing_dependency_is_named_with_its_install_command():
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from nes2 import cli; sys.exit(cli.main(['info']))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 2
    (line,) = out.stderr.strip().splitlines()
    assert "is not installed" in line and "pip install" in line and "Traceback" not in out.stderr
    assert "keras_cv" in cli.missing_dependency("keras_cv.models") and "nes2[cv]" in (
        cli.missing_dependency("keras_cv.models")
    )


def test_make_lets_uv_install_python_when_none_is_found(tmp_path):
    for name in ("Makefile", "uv.lock", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    log = tmp_path / "uv.log"
    fake = tmp_path / "uv"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\nmkdir -p {tmp_path}/.venv\n')
    fake.chmod(0o755)
    result = subprocess.run(
        ["make", "setup", "PYTHON=", f"UV={fake}"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        env={**os.environ, "MAKEFLAGS": ""},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "uv python install 3.12" in result.stdout
    calls = log.read_text().splitlines()
    assert calls == [
        "python install 3.12",
        "sync --frozen --all-extras --no-extra gpu --python 3.12",
    ]


# --- what the site says it was executed with ----------------------------------------------------


def test_the_index_says_what_the_pages_were_executed_with(tmp_path):
    from nes2.io import write_json

    cache = tmp_path / "cache"
    for page, photos in (("a", "real"), ("b", "real")):
        write_json(
            cache / provenance.PROVENANCE / f"{page}.json",
            {
                "profile": "quick",
                "device": "CPU",
                "data": {"cats_vs_dogs": photos, "imagenet": True},
            },
        )
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(f"<p>{provenance.BUILD_MARK}</p>")
    provenance.mark_index(site, cache)
    text = (site / "index.html").read_text()
    assert "2 stránek" in text and "profilu quick" in text
    assert "Cats vs Dogs: skutečné fotografie, váhy ImageNet: ano" in text
    assert provenance.BUILD_MARK in (ROOT / "lectures" / "index.md").read_text()
    assert "nebyly spuštěny" in provenance.build_summary(tmp_path / "empty")
