"""The GitHub Actions workflows, checked offline: schema (check-jsonschema), security (zizmor)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    if not path.exists() and shutil.which(name) is None:
        pytest.skip(f"{name} is not installed (pip install 'nes2[dev]')")
    return str(path) if path.exists() else name


def test_the_four_workflows_exist():
    assert [p.name for p in WORKFLOWS] == ["ci.yml", "docs.yml", "gpu.yml", "release.yml"]


def test_workflows_match_the_github_schema():
    result = subprocess.run(
        [
            _tool("check-jsonschema"),
            "--builtin-schema",
            "vendor.github-workflows",
            *map(str, WORKFLOWS),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing():
    result = subprocess.run(
        [_tool("zizmor"), "--offline", "--no-progress", str(ROOT / ".github")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No findings" in result.stdout + result.stderr


def test_actions_are_pinned_and_permissions_are_least():
    for path in WORKFLOWS:
        workflow = yaml.safe_load(path.read_text())
        assert workflow["permissions"] == {"contents": "read"}, path.name
        for job in workflow["jobs"].values():
            for step in job.get("steps", []):
                if "uses" in step:
                    ref = step["uses"].split("@")[1]
                    assert len(ref) == 40 and all(c in "0123456789abcdef" for c in ref), step
    docs = yaml.safe_load((ROOT / ".github/workflows/docs.yml").read_text())
    assert docs["jobs"]["deploy"]["permissions"] == {"contents": "write", "pages": "read"}


def test_gpu_runner_label_is_declared():
    declared = yaml.safe_load((ROOT / ".github/actionlint.yaml").read_text())
    gpu = yaml.safe_load((ROOT / ".github/workflows/gpu.yml").read_text())
    runs_on = gpu["jobs"]["gpu"]["runs-on"]
    default = json.loads(runs_on.split("|| '")[1].split("'")[0])  # the labels without the variable
    assert set(default) - {"self-hosted"} <= set(declared["self-hosted-runner"]["labels"])
    triggers = gpu[True] if True in gpu else gpu["on"]  # YAML 1.1 reads `on` as True
    assert {"workflow_dispatch", "schedule"} <= set(triggers)


def test_the_gpu_workflow_runs_only_where_a_gpu_runner_is_set():
    jobs = yaml.safe_load((ROOT / ".github/workflows/gpu.yml").read_text())["jobs"]
    assert jobs["gpu"]["if"] == "vars.NES2_GPU_RUNNER != ''"
    assert "fromJSON(vars.NES2_GPU_RUNNER" in jobs["gpu"]["runs-on"]
    skipped = jobs["no-gpu-runner"]
    assert skipped["if"] == "vars.NES2_GPU_RUNNER == ''" and skipped["runs-on"] == "ubuntu-latest"
    (step,) = skipped["steps"]
    assert "skipped: no GPU runner" in step["run"] and "NES2_GPU_RUNNER" in step["run"]


def _jobs():
    for path in WORKFLOWS:
        for name, job in yaml.safe_load(path.read_text())["jobs"].items():
            yield path.name, name, job


def test_every_job_installs_the_locked_environment():
    for workflow, name, job in _jobs():
        script = "\n".join(step.get("run", "") for step in job.get("steps", []))
        if "install" not in script.lower() and "sync" not in script and "make" not in script:
            continue  # deploy, the GitHub release: no Python
        if name == "newest":  # the one job named for testing the newest releases
            assert "pip install --upgrade" in script and "uv sync" not in script
            continue
        if workflow == "release.yml":  # installs the built wheel as a user would
            assert "pip install" in script and "dist/*.whl" in script
            continue
        if workflow == "ci.yml":  # the README's test command, which syncs uv.lock itself
            assert "make setup" in script and "make test" in script, f"{workflow}:{name}"
            continue
        assert "uv sync --frozen --all-extras" in script, f"{workflow}:{name}"
        assert "pip install -e" not in script, f"{workflow}:{name}"
        gpu = "Fail without a GPU" in [step.get("name") for step in job["steps"]]
        # the CUDA packages are locked in the gpu extra: only GPU jobs install them
        assert ("--no-extra gpu" in script) != gpu, f"{workflow}:{name}"


def test_the_full_profile_executes_on_the_gpu_runner_only_and_pages_render_its_artifact():
    docs = yaml.safe_load((ROOT / ".github/workflows/docs.yml").read_text())
    for _workflow, name, job in _jobs():
        env = job.get("env", {})
        if env.get("NES2_PROFILE") == "full" and not env.get("NES2_REQUIRE_EXECUTED"):
            runs_on = job["runs-on"]
            assert runs_on == ["self-hosted", "gpu"] or "vars.NES2_GPU_RUNNER" in runs_on, name
    jobs = docs["jobs"]
    assert jobs["pages"]["needs"] == "execute"
    assert jobs["pages"]["runs-on"] == "ubuntu-latest"
    assert jobs["pages"]["env"]["NES2_REQUIRE_EXECUTED"] == "1"
    uploaded = [s for s in jobs["execute"]["steps"] if "upload-artifact" in s.get("uses", "")]
    downloaded = [s for s in jobs["pages"]["steps"] if "download-artifact" in s.get("uses", "")]
    assert uploaded[0]["with"]["name"] == downloaded[0]["with"]["name"] == "execution"
    assert jobs["execute"]["env"]["NES2_SITE_CACHE"] == jobs["pages"]["env"]["NES2_SITE_CACHE"]
    assert jobs["quick"]["env"]["NES2_PROFILE"] == "quick"
