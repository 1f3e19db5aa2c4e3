"""Make the runs that `nes2 verify` checks against `nes2/teaching/expected.toml`.

`nes2.teaching.expected` reads the expected results and compares; this module,
a layer above it, trains (or reuses) the runs those results name.

Examples:
    ```python
    from nes2.recipes import verify
    from nes2.teaching import expected

    metrics = verify.run(expected.entry("digit-tilt", "quick"), out="runs/digit-tilt")
    expected.compare(expected.entry("digit-tilt", "quick"), metrics)
    ```
"""

from __future__ import annotations

from nes2 import recipes
from nes2.teaching import expected as expectations
from nes2.teaching.expected import Expected

HEADER = ("run", "metric", "measured", "expected", "recorded", "")


def run(
    expected: Expected, out=None, verbose: int | str = 0, fresh: bool = False, figures: bool = True
) -> dict:
    """Run the recipe of `expected` with its options, or reuse its stored run; return its metrics.

    Args:
        expected: the run to make.
        out: a folder for `metrics.json` (and the figures).
        verbose: Keras' verbosity while training.
        fresh: train even if the run store has this run.
        figures: draw the run's figures into `out` too (a stored run then loads its model).
    """
    result = recipes.train(
        expected.recipe, expected.profile, verbose=verbose, fresh=fresh, **expected.options
    )
    if out is not None:
        recipes.write_outputs(result, out, figures=figures)
    return result.metrics


def check(entries: list[Expected], out, fresh: bool = False, figures: bool = False):
    """Run (or reuse) each entry's run and compare it with its bands and relations.

    Returns:
        The table rows (run, metric, measured, expected, recorded, verdict), the
        message of each miss (the words the site build fails with), and lines
        for the relations not checked and the bands set from one run.
    """
    rows, misses, notes, results = [], [], [], {}
    for number, entry in enumerate(entries, 1):
        print(f"[{number}/{len(entries)}] {entry.name} ({entry.profile}) ...", flush=True)
        folder = out / entry.name.replace("/", "-")
        metrics = run(entry, out=folder, fresh=fresh, figures=figures)
        results[entry.name] = metrics
        for row in expectations.compare(entry, metrics):
            recorded = "-" if row.recorded is None else f"{row.recorded:g}"
            measured = "missing" if row.measured is None else f"{row.measured:g}"
            verdict = row.verdict
            if not row.passed:
                misses.append(expectations.band_miss(entry, row))
            bounded = {"min", "max"} & set(entry.bands[row.metric])
            if verdict in ("ok", "MISS") and bounded and not entry.checked:
                verdict += " (1 run)"
            target = entry.target(row.metric, czech=False)
            rows.append((entry.name, row.metric, measured, target, recorded, verdict))
        if not entry.checked and any({"min", "max"} & set(b) for b in entry.bands.values()):
            notes.append(
                f"{entry.name}: bands set from one run, not from a spread of "
                f"{expectations.MIN_SEEDS} seeds; record it: nes2 spread {entry.name} --record"
            )
    profile = entries[0].profile
    relations, skipped = expectations.check_relations(profile, results)
    for relation, value, passed in relations:
        measured = "missing" if value is None else f"{value:.3g}"
        name = f"{relation.better} vs {relation.than}"
        if not passed:
            misses.append(expectations.relation_miss(relation, value))
        verdict = ("ok" if passed else "MISS") + ("" if relation.checked else " (1 run)")
        rows.append((name, f"Δ {relation.metric}", measured, f">= {relation.by:g}", "-", verdict))
    return rows, misses, skipped + notes
