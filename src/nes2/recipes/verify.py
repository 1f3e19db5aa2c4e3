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
from nes2.errors import Nes2Error
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


def unchecked(entries: list[Expected]) -> list[str]:
    """The claims among `entries` not set from a spread, each with the command that records it.

    A band set from one run says nothing of another seed or machine, so a pass or a
    miss against it would mean little: `nes2 verify` refuses such bands, and the
    relations between its runs that have no recorded spread.

    Examples:
        >>> from nes2.teaching import expected
        >>> unchecked(expected.entries("quick", ["digit-tilt"]))
        []
    """
    seeds, settings = expectations.MIN_SEEDS, expectations.MIN_SETTINGS
    spread = f"a spread of {seeds} seeds under {settings} settings"
    refused = [
        f"{entry.name} ({entry.profile}): its bands were set from "
        f"{len(entry.seeds) or 1} seed(s) under {len(entry.settings) or 1} setting(s), "
        f"not from {spread}; "
        f"record it first: nes2 spread {entry.name} --profile {entry.profile} --record"
        for entry in entries
        if entry.recorded and not entry.checked
    ]
    names = {entry.name for entry in entries}
    for profile in sorted({entry.profile for entry in entries}):
        refused += [
            f"relation {relation} ({profile}) has no recorded spread; record it first: "
            f"nes2 spread {relation.better} {relation.than} --profile {profile} --record"
            for relation in expectations.relations(profile)
            if not relation.checked and {relation.better, relation.than} <= names
        ]
    return refused


def check(entries: list[Expected], out, fresh: bool = False, figures: bool = False):
    """Run (or reuse) each entry's run and compare it with its bands and relations.

    Returns:
        The table rows (run, metric, measured, expected, recorded, verdict), the
        message of each miss (the words the site build fails with), and lines
        for the relations not checked.

    Raises:
        Nes2Error: an entry's bands were not set from a spread (`unchecked`),
            before anything is trained.
    """
    refused = unchecked(entries)
    if refused:
        raise Nes2Error("\n".join(refused))
    rows, misses, results = [], [], {}
    for number, entry in enumerate(entries, 1):
        print(f"[{number}/{len(entries)}] {entry.name} ({entry.profile}) ...", flush=True)
        folder = out / entry.name.replace("/", "-")
        metrics = run(entry, out=folder, fresh=fresh, figures=figures)
        results[entry.name] = metrics
        for row in expectations.compare(entry, metrics):
            recorded = "-" if row.recorded is None else f"{row.recorded:g}"
            measured = "missing" if row.measured is None else f"{row.measured:g}"
            if not row.passed:
                misses.append(expectations.band_miss(entry, row))
            target = entry.target(row.metric, czech=False)
            rows.append((entry.name, row.metric, measured, target, recorded, row.verdict))
    profile = entries[0].profile
    relations, skipped = expectations.check_relations(profile, results)
    for relation, value, passed in relations:
        measured = "missing" if value is None else f"{value:.3g}"
        name = f"{relation.better} vs {relation.than}"
        if not passed:
            misses.append(expectations.relation_miss(relation, value))
        verdict = "ok" if passed else "MISS"
        rows.append((name, f"Δ {relation.metric}", measured, f">= {relation.by:g}", "-", verdict))
    return rows, misses, skipped
