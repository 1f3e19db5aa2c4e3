"""Benchmark: what each quick run of the site costs, from the run store of a built site.

The site build trains every run its pages show (two notebooks at a time) and
stores it; this reads those records and prints, for every stored run of the
current training code and lock, its training seconds (measured by the run
itself, inside the build), its budget in `expected.toml` where it has one, and
its share of all the training the build did. The largest rows are where a cold
build's time goes.

    python benchmarks/quick_runs.py [--home DIR] [--markdown]

`--home` is the `NES2_HOME` of the build (default: the test suite's store,
`.cache/test/nes2-home`, which `make test` fills; `make site` uses `$NES2_HOME`).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def stored_runs(home: Path, profile: str = "quick", seeds: bool = False) -> list[dict]:
    """The records of `home`'s run store trained by the current code and lock in `profile`
    (with the course's seed only, the runs the pages show, unless `seeds`)."""
    from nes2 import config
    from nes2.recipes import store

    code, environment = store.training_digest(), store.environment_digest()
    records = []
    for path in sorted((home / "runs").glob("*/*/run.json")):
        record = json.loads(path.read_text())
        inputs = record.get("inputs", {})
        if (inputs.get("code"), inputs.get("environment"), inputs.get("profile")) == (
            code,
            environment,
            profile,
        ) and (seeds or inputs.get("seed") == config.DEFAULT_SEED):
            records.append(record)
    return records


def rows(records: list[dict]) -> list[dict]:
    """One row per run, the most expensive first, with its share of all training."""
    from nes2 import config
    from nes2.teaching import expected

    budgets = {e.name: e.bands.get("seconds", {}).get("budget") for e in expected.entries("quick")}
    total = sum(r["metrics"]["seconds"] for r in records) or 1.0
    table = []
    for record in sorted(records, key=lambda r: -r["metrics"]["seconds"]):
        metrics, inputs = record["metrics"], record["inputs"]
        name = metrics["run"]
        shown = [f"{k}={v}" for k, v in inputs["options"].items() if str(v) not in name]
        shown += [f"{inputs['epochs']} epochs"]
        shown += [] if inputs["seed"] == config.DEFAULT_SEED else [f"seed {inputs['seed']}"]
        table.append(
            {
                "run": f"{name} ({', '.join(shown)})",
                "seconds": metrics["seconds"],
                "budget": budgets.get(name) or "",
                "share": metrics["seconds"] / total,
            }
        )
    return table


def main(argv: list[str] | None = None) -> int:
    from nes2.viz.tables import markdown_table

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=ROOT / ".cache" / "test" / "nes2-home")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    parser.add_argument("--seeds", action="store_true", help="runs of every seed (nes2 spread)")
    args = parser.parse_args(argv)
    table = rows(stored_runs(args.home, seeds=args.seeds))
    if not table:
        print(f"No quick run of the current code in {args.home}: build the site first (make site).")
        return 1
    total = sum(row["seconds"] for row in table)
    columns = {"run": "run", "seconds": "seconds", "budget": "budget (s)", "share": "share"}
    formats = {"seconds": "{:.0f}", "share": "{:.0%}"}
    if args.markdown:
        print(markdown_table(table, columns, formats))
    else:
        for row in table:
            budget = f"(budget {row['budget']} s)" if row["budget"] else ""
            print(f"{row['run']:<60} {row['seconds']:>5.0f} s {row['share']:>4.0%} {budget}")
    minutes = f"{total / 60:.1f} min by their own clocks"
    print(f"{len(table)} runs, {total:.0f} s of training ({minutes}).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
