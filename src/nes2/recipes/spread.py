"""The spread of the expected results over seeds and numerical settings: `nes2 spread`.

A band in `expected.toml` speaks for every seed and every machine of the kind
it was recorded on, not for the one run that set it. This module trains each
run of an entry under a grid of trials: every seed of `seeds(n)` with the
default settings, and the course's seed under each other numerical setting of
`SETTINGS` (one intra-op thread, oneDNN off), which stand in for other CPUs.
Each trial trains in its own process, because TensorFlow reads its thread and
oneDNN settings when it starts.

It reports the lowest and highest value of each banded metric and of each
relation's difference, and whether every trial lies inside its band (the
lesson holds). `record` writes the spread beside each band and relation in
`expected.toml` (`spread = [low, high]`, the entry's `seeds` and `settings`,
and as `recorded` the value of the course's seed with the default settings);
a band is then judged strictly on the site (`nes2.teaching.expected`).

Examples:
    >>> grid(3)
    [(42, 'default'), (43, 'default'), (44, 'default'), (42, 'threads=1'), (42, 'onednn=off')]
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nes2 import config
from nes2.errors import InvalidOptionError, Nes2Error
from nes2.teaching import expected
from nes2.teaching.expected import MIN_SEEDS, MIN_SETTINGS, Expected

SETTINGS = {
    "default": {},
    "threads=1": config.thread_environment(1),
    "onednn=off": {"TF_ENABLE_ONEDNN_OPTS": "0"},
}
"""Numerical settings of one machine (name -> environment) that stand in for other CPUs:
another number of threads splits sums in another order, oneDNN off uses other kernels."""


def seeds(count: int) -> list[int]:
    """`count` seeds, the course's seed first.

    Examples:
        >>> seeds(3)
        [42, 43, 44]
    """
    return [config.DEFAULT_SEED + i for i in range(count)]


def grid(count: int = MIN_SEEDS, settings=tuple(SETTINGS)) -> list[tuple[int, str]]:
    """The trials (seed, setting): each seed with the default settings, then the course's
    seed under each other setting.

    Raises:
        InvalidOptionError: fewer than `MIN_SEEDS` seeds, fewer than `MIN_SETTINGS`
            settings, or an unknown setting.
    """
    if count < MIN_SEEDS:
        raise InvalidOptionError(
            f"A spread needs at least {MIN_SEEDS} seeds, not {count}: one run cannot show "
            "how far another seed moves a result."
        )
    if len({"default", *settings}) < MIN_SETTINGS:  # the seeds run under the default
        raise InvalidOptionError(
            f"A spread needs at least {MIN_SETTINGS} numerical settings (they stand in for "
            f"other CPUs), and --settings {','.join(settings) or 'default'} gives one. "
            f"Use e.g. --settings default,threads=1 (all: {','.join(SETTINGS)})."
        )
    unknown = [s for s in settings if s not in SETTINGS]
    if unknown:
        raise InvalidOptionError(
            f"Unknown setting {', '.join(unknown)}: use some of {', '.join(SETTINGS)}."
        )
    trials = [(seed, "default") for seed in seeds(count)]
    return trials + [(config.DEFAULT_SEED, s) for s in settings if s != "default"]


@dataclass
class Spread:
    """The trials of one run: (seed, setting) -> metrics."""

    entry: Expected
    trials: dict[tuple[int, str], dict] = field(default_factory=dict)

    def values(self, metric: str) -> list[float]:
        """The metric in every trial that measured it."""
        found = (expected.measured(m, metric) for m in self.trials.values())
        return [value for value in found if value is not None]

    def low_high(self, metric: str) -> tuple[float, float]:
        """The lowest and highest value of `metric` over the trials."""
        values = self.values(metric)
        if not values:
            raise Nes2Error(f"{self.entry.name}: no trial measured {metric!r}.")
        return min(values), max(values)

    def missed(self) -> list[tuple[int, str, expected.Row]]:
        """(seed, setting, row) of each band a trial misses (`expected.compare`'s verdict)."""
        return [
            (seed, setting, row)
            for (seed, setting), metrics in self.trials.items()
            for row in expected.compare(self.entry, metrics)
            if not row.passed
        ]

    def outside(self) -> list[str]:
        """A line for each trial whose metric lies outside its band."""
        return [
            f"{self.entry.name} seed {seed} ({setting}): {row.metric} = "
            f"{_number(row.measured)} outside {self.entry.target(row.metric, czech=False)}"
            for seed, setting, row in self.missed()
        ]

    def banded(self) -> list[str]:
        """The metrics with a `min` or `max` band."""
        return [m for m, band in self.entry.bands.items() if {"min", "max"} & set(band)]


def _number(value) -> str:
    return "missing" if value is None else f"{value:.4g}"


def _train_one(entry: Expected, seed: int, setting: str) -> dict:
    """Train one trial in a child process with the setting's environment; its metrics.

    The default setting reuses and fills the run store (its seed-42 run is the
    one the pages show); another setting trains afresh and stores nothing, so
    it never stands in for the default one.
    """
    request = {
        "recipe": entry.recipe,
        "profile": entry.profile,
        "options": entry.options,
        "seed": seed,
        "store": setting == "default",
    }
    with tempfile.TemporaryDirectory(prefix="nes2-spread-") as folder:
        result = Path(folder) / "metrics.json"
        process = subprocess.run(
            [sys.executable, "-m", "nes2.recipes.spread", json.dumps(request), str(result)],
            env={**os.environ, **SETTINGS[setting]},
            capture_output=True,
            text=True,
            check=False,
        )
        if process.returncode != 0 or not result.exists():
            tail = "\n".join(process.stderr.strip().splitlines()[-5:])
            raise Nes2Error(f"{entry.name} seed {seed} ({setting}) failed:\n{tail}")
        return json.loads(result.read_text())


def measure(
    entries: list[Expected], count: int = MIN_SEEDS, settings=tuple(SETTINGS), jobs: int = 1
) -> list[Spread]:
    """Train every trial of `entries` (`jobs` at a time, with a progress bar); their spreads."""
    from tqdm.auto import tqdm

    trials = grid(count, settings)
    spreads = {e.name: Spread(e) for e in entries}
    work = [(e, seed, setting) for e in entries for seed, setting in trials]
    pool = ThreadPoolExecutor(max(1, jobs))
    futures = {pool.submit(_train_one, *item): item for item in work}
    try:
        with tqdm(total=len(work), desc="spread", unit="run") as bar:
            for future in as_completed(futures):
                entry, seed, setting = futures[future]
                spreads[entry.name].trials[seed, setting] = future.result()
                bar.set_postfix_str(f"{entry.name} seed {seed} {setting}")
                bar.update()
    finally:  # a failed trial stops the ones not started yet
        pool.shutdown(wait=True, cancel_futures=True)
    return list(spreads.values())


def relation_spreads(profile: str, spreads: list[Spread]) -> list[tuple]:
    """Each relation of `profile` whose two runs were both measured:
    (relation, low, high, every trial holds)."""
    by_name = {s.entry.name: s for s in spreads}
    rows = []
    for relation in expected.relations(profile):
        if relation.better not in by_name or relation.than not in by_name:
            continue
        shared = by_name[relation.better].trials.keys() & by_name[relation.than].trials.keys()
        differences = [
            relation.difference(
                {
                    relation.better: by_name[relation.better].trials[trial],
                    relation.than: by_name[relation.than].trials[trial],
                }
            )
            for trial in sorted(shared)
        ]
        values = [d for d in differences if d is not None]
        if not values:  # no trial measured both metrics: nothing to say of the relation
            continue
        holds = len(values) == len(differences) and all(d >= relation.by for d in values)
        rows.append((relation, min(values), max(values), holds))
    return rows


def table(spreads: list[Spread], relations: list[tuple]) -> list[tuple]:
    """Rows (run, metric, band, recorded, low, high, verdict) for the command line."""
    rows = []
    for spread in spreads:
        missed = {row.metric for _, _, row in spread.missed()}
        for metric in spread.banded():
            low, high = spread.low_high(metric)
            band = spread.entry.bands[metric]
            inside = metric not in missed
            rows.append(
                (
                    spread.entry.name,
                    metric,
                    spread.entry.target(metric, czech=False),
                    _number(band.get("recorded")),
                    _number(low),
                    _number(high),
                    "holds" if inside else "MISS",
                )
            )
    for relation, low, high, holds in relations:
        rows.append(
            (
                f"{relation.better} vs {relation.than}",
                f"Δ {relation.metric}",
                f">= {relation.by:g}",
                "-",
                _number(low),
                _number(high),
                "holds" if holds else "MISS",
            )
        )
    return rows


def record(spreads: list[Spread], relations: list[tuple], path: Path | None = None) -> Path:
    """Write each spread beside its band and relation in `expected.toml` (comments kept).

    Needs `tomlkit` (in the development environment: `pip install tomlkit`).
    """
    try:
        import tomlkit
    except ImportError as error:
        raise Nes2Error("Recording a spread needs tomlkit: pip install tomlkit") from error
    from nes2.io import atomic_file

    path = Path(path or expected.source())
    document = tomlkit.parse(path.read_text(encoding="utf-8"))
    for spread in spreads:
        table_ = document[spread.entry.name][spread.entry.profile]
        _put(table_, "seeds", sorted({seed for seed, _ in spread.trials}), after="hardware")
        settings = sorted({setting for _, setting in spread.trials})
        _put(table_, "settings", settings, after="seeds")
        course = spread.trials.get((config.DEFAULT_SEED, "default"), {})
        for metric in spread.banded():
            low, high = spread.low_high(metric)
            table_[metric]["spread"] = [round(low, 4), round(high, 4)]
            value = expected.measured(course, metric)
            if value is not None:  # the run the pages show: the course's seed, default settings
                table_[metric]["recorded"] = round(value, 4)
    for relation, low, high, _ in relations:
        for spec in document.get("relations", []):
            if expected.Relation(**_relation_fields(spec)) == relation:
                _put(spec, "spread", [round(low, 4), round(high, 4)], after="by")
    text = re.sub(r"(?m)^(\S+ = \{ .*[^ ])\}$", r"\1 }", tomlkit.dumps(document))
    with atomic_file(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    expected.reload()
    return path


def _put(table, key: str, value, after: str) -> None:
    """Set `key` in a tomlkit table; a new key goes right after `after` (where a reader
    looks for it), not after the comments that end the table."""
    if key in table or after not in table:
        table[key] = value
        return
    body = table.value.body
    index = next(i for i, (name, _) in enumerate(body) if name is not None and name.key == after)
    if index + 1 >= len(body):  # `after` ends the table (the document's last one)
        table[key] = value
        return
    table.value._insert_at(index + 1, key, value)


def _relation_fields(spec) -> dict:
    return {k: v for k, v in spec.items() if k in expected.Relation.__dataclass_fields__}


def _child(argv: list[str]) -> int:
    """One trial, in its own process: `python -m nes2.recipes.spread REQUEST RESULT`."""
    from nes2 import recipes
    from nes2.io import write_json

    request = json.loads(argv[0])
    run = recipes.train(
        request["recipe"],
        request["profile"],
        seed=request["seed"],
        store=request["store"],
        fresh=not request["store"],
        **request["options"],
    )
    write_json(argv[1], run.metrics)
    return 0


if __name__ == "__main__":
    raise SystemExit(_child(sys.argv[1:]))
