"""benchmarks/quick_runs.py: where a cold site build's training time goes."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from nes2.recipes import store
from nes2.teaching import expected

ROOT = Path(__file__).parents[1]


def _module():
    spec = importlib.util.spec_from_file_location("quick_runs", ROOT / "benchmarks/quick_runs.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _record(home: Path, run: str, seconds: float, seed: int = 42, code: str | None = None):
    inputs = {
        "recipe": run.split("/")[0],
        "options": {"model": run.split("/")[-1]},
        "profile": "quick",
        "epochs": 4,
        "seed": seed,
        "code": code or store.training_digest(),
        "environment": store.environment_digest(),
    }
    folder = home / "runs" / inputs["recipe"] / f"{run.replace('/', '-')}-{seed}-{seconds}"
    folder.mkdir(parents=True)
    record = {"inputs": inputs, "metrics": {"run": run, "seconds": seconds}}
    (folder / "run.json").write_text(json.dumps(record))


def test_the_table_lists_the_site_s_runs_of_this_code_the_costliest_first(tmp_path, capsys):
    _record(tmp_path, "detection/ssd", 90.0)
    _record(tmp_path, "text/bag", 10.0)
    _record(tmp_path, "text/bag", 12.0, seed=43)  # a spread's trial: not a page's run
    _record(tmp_path, "detection/yolov8", 500.0, code="older code")
    quick_runs = _module()
    assert quick_runs.main(["--home", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("detection/ssd (4 epochs)") and "90 s  90%" in lines[0]
    budget = expected.entry("detection/ssd", "quick").bands["seconds"]["budget"]
    assert f"(budget {budget:g} s)" in lines[0]
    assert lines[1].startswith("text/bag (4 epochs)") and "10 s  10%" in lines[1]
    assert lines[2] == "2 runs, 100 s of training (1.7 min by their own clocks)."
    assert quick_runs.main(["--home", str(tmp_path), "--seeds", "--markdown"]) == 0
    assert "| text/bag (4 epochs, seed 43) | 12 |" in capsys.readouterr().out
    assert quick_runs.main(["--home", str(tmp_path / "empty")]) == 1
