"""Expected results: the metric bands each recipe must reach, from `expected.toml`.

The file ships inside the package. For each run (a recipe with its options,
e.g. `detection/yolov8`) and profile it gives metric bands (`min` or `max`),
the value `recorded` when the band was set, and the hardware it was recorded
on. `nes2 verify` runs the recipes and compares; the lecture pages read their
targets from here, so a page and the check cannot disagree.

A `budget` (training seconds) is reported, never failed: time depends on the
machine and on what else runs on it, so it is measured, not asserted.

A run no machine has recorded yet (the full profile needs a GPU and the full
data sets) lists its metrics without a band, optionally with the published
`anchor` it should approach and its `source`: it is reported as "not recorded
yet", never passed off as a known band, and never failed.

Besides bands, a `[[relations]]` entry compares two runs of one profile: the
`better` run's metric must exceed the other's by at least `by` (e.g. augmented
Cats vs Dogs at least 5 points above the network trained from scratch).

A band or relation is a claim a page makes. `nes2 spread` records how far it
moves over seeds and numerical settings (`spread = [low, high]`, the entry's
`seeds` and `settings`); an entry recorded from at least `MIN_SEEDS` seeds
under `MIN_SETTINGS` numerical settings is *checked*: where `NES2_STRICT_CLAIMS`
is set (the site build sets it), a miss raises `ClaimError`, which fails the
build with the run, the claim and the numbers. A miss of a band set from one
run is shown on the page in words, never as a bare mark (and `nes2 verify`
refuses such a band). `NES2_EXPECTED` reads another file (a fork's bands, a test).

Examples:
    >>> band = entry("localization", "quick")
    >>> band.bands["mean_iou"]["min"]
    0.88
    >>> [row.verdict for row in compare(band, {"accuracy": 0.99, "mean_iou": 0.8, "seconds": 60})]
    ['ok', 'MISS', 'ok']
"""

from __future__ import annotations

import functools
import os
import tomllib
from dataclasses import dataclass, field, replace
from importlib.resources import files
from pathlib import Path

from nes2.errors import InvalidOptionError, Nes2Error

NOT_RECORDED = "zatím nezaznamenáno"
"""What a page and `nes2 verify` show for a metric that no run has recorded yet."""
MIN_SEEDS = 3
"""The fewest seeds a band's spread is recorded from before it is checked strictly."""
MIN_SETTINGS = 2
"""The fewest numerical settings (e.g. `default`, `threads=1`) a spread is recorded under."""
ENTRY_KEYS = ("options", "hardware", "seeds", "settings", "claim")
"""The keys of an entry in `expected.toml` that are not metric bands."""


class ClaimError(Nes2Error):
    """A page's claim about a run does not hold: a missed band or a broken relation."""


def strict() -> bool:
    """Whether a miss of a checked band or relation raises `ClaimError` (`NES2_STRICT_CLAIMS`)."""
    return os.environ.get("NES2_STRICT_CLAIMS", "").lower() in ("1", "true", "yes")


@dataclass(frozen=True)
class Expected:
    """The expectations of one run in one profile."""

    name: str
    profile: str
    recipe: str
    options: dict
    hardware: str
    bands: dict = field(default_factory=dict)
    seeds: tuple[int, ...] = ()
    settings: tuple[str, ...] = ()
    claim: str = ""

    @property
    def checked(self) -> bool:
        """Whether the bands were set from the spread of at least `MIN_SEEDS` seeds
        under at least `MIN_SETTINGS` numerical settings.

        Examples:
            >>> Expected("a", "quick", "a", {}, "cpu", seeds=(42, 43, 44)).checked
            False
            >>> seeds, settings = (42, 43, 44), ("default", "threads=1")
            >>> Expected("a", "quick", "a", {}, "cpu", seeds=seeds, settings=settings).checked
            True
        """
        return len(self.seeds) >= MIN_SEEDS and len(self.settings) >= MIN_SETTINGS

    def spread(self, metric: str, czech: bool = True) -> str:
        """The recorded spread of `metric` as text (`""` if none), e.g. `"0,71–0,79"`
        (`czech=False`: `"0.71–0.79"`, for messages in English)."""
        low_high = self.bands.get(metric, {}).get("spread")
        return (
            f"{_czech(low_high[0], czech=czech)}–{_czech(low_high[1], czech=czech)}"
            if low_high
            else ""
        )

    def target(self, metric: str, czech: bool = True) -> str:
        """The band as text, e.g. `"≥ 0,85"` (`czech=False`: `"≥ 0.85"`).

        Examples:
            >>> entry("digit-tilt", "quick").target("rmse_deg")
            '≤ 9,5'
        """
        band = self.bands[metric]
        if "budget" in band:
            return f"≤ {_czech(band['budget'], 'g', czech)} (rozpočet)"
        if "min" in band:
            return f"≥ {_czech(band['min'], 'g', czech)}"
        if "max" in band:
            return f"≤ {_czech(band['max'], 'g', czech)}"
        anchor = (
            f" (publikováno {_czech(band['anchor'], 'g', czech)}: {band['source']})"
            if "anchor" in band
            else ""
        )
        return NOT_RECORDED + anchor

    @property
    def recorded(self) -> bool:
        """Whether a run has set the bands (`False`: the metrics are listed, not yet bounded).

        Examples:
            >>> entry("digit-tilt", "quick").recorded, entry("digit-tilt", "full").recorded
            (True, False)
        """
        return any({"min", "max"} & set(band) for band in self.bands.values())

    def goal(self, labels: dict[str, str]) -> str:
        """The targets of `labels` (metric -> Czech label) as a sentence for a page.

        Examples:
            >>> entry("localization", "quick").goal({"accuracy": "přesnost", "mean_iou": "IoU"})
            'Cíl v profilu quick (expected.toml): přesnost ≥ 0,9, IoU ≥ 0,88; trénink ≤ 120 s.'
        """
        if not self.recorded:
            anchors = [
                f"{label} {_czech(self.bands[metric]['anchor'], 'g')} "
                f"({self.bands[metric]['source']})"
                for metric, label in labels.items()
                if "anchor" in self.bands.get(metric, {})
            ]
            text = (
                f"Profil {self.profile} (expected.toml): {NOT_RECORDED}, pásma stanoví první "
                f"běh tohoto profilu; změří se {', '.join(labels.values())}."
            )
            return text + (f" Publikováno: {'; '.join(anchors)}." if anchors else "")
        targets = ", ".join(f"{label} {self.target(metric)}" for metric, label in labels.items())
        budget = self.bands.get("seconds", {}).get("budget")
        time = f"; trénink ≤ {budget} s" if budget else ""
        return f"Cíl v profilu {self.profile} (expected.toml): {targets}{time}."


@dataclass(frozen=True)
class Row:
    """One band compared: `passed` is False only for a missed `min`/`max` band."""

    metric: str
    measured: float | None
    target: str
    recorded: float | None
    passed: bool
    over_budget: bool = False
    open: bool = False

    @property
    def verdict(self) -> str:
        if self.open:
            return "not recorded yet"
        if not self.passed:
            return "MISS"
        return "over budget" if self.over_budget else "ok"


def source() -> Path:
    """The expected results read: `NES2_EXPECTED`, else the file shipped in the package."""
    override = os.environ.get("NES2_EXPECTED")
    return Path(override) if override else Path(str(files("nes2.teaching") / "expected.toml"))


@functools.cache
def _parsed(path: Path) -> dict:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as error:
        raise InvalidOptionError(f"Cannot read the expected results {path}: {error}") from error


def _file() -> dict:
    return _parsed(source())


def reload() -> None:
    """Read `expected.toml` again on next use (after `nes2 spread --record` wrote it)."""
    _parsed.cache_clear()


def entries(profile: str | None = None, names=()) -> list[Expected]:
    """The expectations of `profile` (all profiles if `None`), optionally only of `names`.

    A name selects a run (`"detection/yolov8"`) or every run of a recipe (`"detection"`).

    Raises:
        InvalidOptionError: for a name that matches no run.

    Examples:
        >>> [e.name for e in entries("quick", ["cats-vs-dogs"])][:2]
        ['cats-vs-dogs/scratch', 'cats-vs-dogs/regularized']
    """
    data = _file()
    hardware = data["hardware"]
    found = []
    for name, profiles in data.items():
        if name in ("hardware", "relations"):
            continue
        for run_profile, spec in profiles.items():
            if profile and run_profile != profile:
                continue
            bands = {k: v for k, v in spec.items() if k not in ENTRY_KEYS}
            found.append(
                Expected(
                    name,
                    run_profile,
                    name.split("/")[0],
                    spec.get("options", {}),
                    hardware[spec["hardware"]],
                    bands,
                    tuple(spec.get("seeds", ())),
                    tuple(spec.get("settings", ())),
                    spec.get("claim", ""),
                )
            )
    if names:
        unknown = [n for n in names if not any(_matches(e.name, n) for e in found)]
        if unknown:
            known = sorted({e.name for e in found} | {e.recipe for e in found})
            raise InvalidOptionError(
                f"No expected results for {', '.join(unknown)} in profile {profile!r}; "
                f"known: {', '.join(known)}."
            )
        found = [e for e in found if any(_matches(e.name, n) for n in names)]
    return found


def _matches(name: str, query: str) -> bool:
    return name == query or name.split("/")[0] == query


def entry(name: str, profile: str) -> Expected:
    """The expectations of one run in one profile.

    Examples:
        >>> entry("detection/yolov8", "quick").options
        {'data': 'digits', 'model': 'yolov8'}
    """
    matching = [e for e in entries(profile, [name]) if e.name == name]
    if not matching:
        raise InvalidOptionError(f"No expected results for run {name!r} in profile {profile!r}.")
    return matching[0]


def measured(metrics: dict, metric: str) -> float | None:
    """The value of `metric` in `metrics`; a dotted name reaches into a dict.

    Examples:
        >>> measured({"test_accuracy": {"stack": 0.98}}, "test_accuracy.stack")
        0.98
        >>> measured({"map50": 0.8}, "mean_iou") is None
        True
    """
    value = metrics
    for part in metric.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def compare(expected: Expected, metrics: dict) -> list[Row]:
    """Each band of `expected` against the measured `metrics`.

    A metric missing from `metrics` fails its band; a budget, and a metric no run has
    recorded yet, only report.

    Examples:
        >>> rows = compare(entry("digit-tilt", "quick"),
        ...                {"rmse_deg": 10.0, "within_10deg": 0.96, "seconds": 500})
        >>> [(row.metric, row.verdict) for row in rows]
        [('rmse_deg', 'MISS'), ('within_10deg', 'ok'), ('seconds', 'over budget')]
    """
    rows = []
    for metric, band in expected.bands.items():
        value = measured(metrics, metric)
        over = unbounded = False
        if not {"budget", "min", "max"} & set(band):
            passed = unbounded = True
        elif "budget" in band:
            passed, over = True, value is not None and value > band["budget"]
        elif value is None:
            passed = False
        else:
            passed = value >= band.get("min", value) and value <= band.get("max", value)
        target = expected.target(metric)
        rows.append(Row(metric, value, target, band.get("recorded"), passed, over, unbounded))
    return rows


def band_miss(expected: Expected, row: Row) -> str:
    """What the build and `nes2 verify` say of a missed band: the run, the numbers, the claim.

    Examples:
        >>> band = entry("localization", "quick")
        >>> print(band_miss(band, compare(band, {"accuracy": 0.99, "mean_iou": 0.8})[1]))
        ... # doctest: +ELLIPSIS
        run localization (quick): mean_iou = 0.8, expected ≥ 0.88 (recorded 0.9227; spread ...)
    """
    measured = "missing" if row.measured is None else f"{row.measured:.4g}"
    details = [] if row.recorded is None else [f"recorded {row.recorded:g}"]
    if expected.spread(row.metric):
        trials = f"{len(expected.seeds)} seeds, settings {', '.join(expected.settings)}"
        details.append(f"spread {expected.spread(row.metric, czech=False)} over {trials}")
    target = expected.target(row.metric, czech=False)
    text = f"run {expected.name} ({expected.profile}): {row.metric} = {measured}, "
    text += f"expected {target}" + (f" ({'; '.join(details)})" if details else "")
    return text + (f"; claim: {expected.claim}" if expected.claim else "")


def relation_miss(relation: Relation, value: float | None) -> str:
    """What the build and `nes2 verify` say of a broken relation."""
    measured = "missing" if value is None else f"{value:.4g}"
    text = f"relation {relation.expression} = {measured}, expected >= {relation.by:g}"
    if relation.spread:
        text += f" (spread {relation.spread[0]:.3g}–{relation.spread[1]:.3g})"
    return text + (f"; claim: {relation.claim}" if relation.claim else "")


FIX = (
    "A page's claim must hold on every seed and machine of this kind: see how far it moves "
    "with `nes2 spread RUN`, then change the run until it holds (more data or epochs, a "
    "clearer contrast) or change the claim and re-record it with `nes2 spread RUN --record`."
)


def _judge(misses: list[str], checked: bool, said: list[str]) -> str:
    """Raise `ClaimError` for checked misses under `strict()`; else the page's Czech lines."""
    if not misses:
        return ""
    if checked and strict():
        raise ClaimError("\n".join(misses) + "\n" + FIX)
    note = "" if checked else " Pásmo je zatím stanoveno z jediného běhu."
    return "\n\n" + "\n\n".join(f"**✗ Mimo očekávání:** {line}{note}" for line in said)


def _czech(value: float | None, spec: str = ".3g", czech: bool = True) -> str:
    from nes2.viz.tables import number

    if value is None:
        return "chybí" if czech else "missing"
    return number(value, spec) if czech else format(value, spec)


def report(expected: Expected, metrics: dict, labels: dict[str, str]) -> str:
    """A Markdown table of the bands in `labels` (metric -> label), for a lecture page.

    It says where the bands come from and what they were recorded on; the
    columns are the metric, what this run measured, the expected band, what
    the run that set the band recorded, the spread over seeds and settings
    (`nes2 spread`), and whether this run is inside the band. A missed band is
    said in words below the table; for a checked entry under `strict()` it
    raises `ClaimError` instead.

    Examples:
        >>> print(report(entry("localization", "quick"), {"mean_iou": 0.9}, {"mean_iou": "IoU"}))
        ... # doctest: +ELLIPSIS
        Očekávané hodnoty jsou z `nes2/teaching/expected.toml` (zaznamenáno na: 2 jádra CPU ...).
        <BLANKLINE>
        | metrika | naměřeno | očekáváno | při stanovení | rozptyl semen |  |
        |---|---:|---|---:|---|---|
        | IoU | 0,9 | ≥ 0,88 | 0,9227 | 0,922–0,926 | ✓ |
    """
    from nes2.viz.tables import markdown_table

    rows = {row.metric: row for row in compare(expected, metrics)}
    unknown = [metric for metric in labels if metric not in rows]
    if unknown:
        raise InvalidOptionError(
            f"The page asks for {', '.join(map(repr, unknown))} of run {expected.name!r}, which "
            f"has no such band in expected.toml (it has {', '.join(rows) or 'none'}): fix the "
            "name on the page or add the band."
        )
    verdicts = {"ok": "✓", "MISS": "✗", "over budget": "nad rozpočtem", "not recorded yet": "–"}
    table = [
        {
            "label": label,
            "measured": rows[metric].measured,
            "target": rows[metric].target,
            "recorded": rows[metric].recorded,
            "spread": expected.spread(metric) or "–",
            "verdict": verdicts[rows[metric].verdict],
        }
        for metric, label in labels.items()
    ]
    columns = {
        "label": "metrika",
        "measured": "naměřeno",
        "target": "očekáváno",
        "recorded": "při stanovení",
        "spread": "rozptyl semen",
        "verdict": "",
    }
    source = (
        "Očekávané hodnoty jsou z `nes2/teaching/expected.toml` "
        f"(zaznamenáno na: {expected.hardware}).\n\n"
    )
    missed = [rows[m] for m in labels if not rows[m].passed]
    said = [
        f"běh {expected.name}: {labels[r.metric]} = {_czech(r.measured)}, očekáváno {r.target}."
        for r in missed
    ]
    verdict = _judge([band_miss(expected, r) for r in missed], expected.checked, said)
    formats = {"measured": "{:.3g}", "recorded": "{:g}"}
    return source + markdown_table(table, columns, formats) + verdict


def run_report(run, labels: dict[str, str], note: str = "") -> str:
    """What a lecture page says about a recipe's run: its data and time, then `report`.

    The same whether the run was trained now or reused from the run store (the
    store logs a reuse; the page is a lesson, not a build log).

    Args:
        run: a `nes2.recipes.Run`.
        labels: metric -> label of the rows of the table.
        note: a sentence added after the data line (e.g. a further metric).
    """
    from nes2.viz.tables import epochs

    m = run.metrics
    judged = _judging(run)
    line = (
        f"Data: {m['data_source']}, profil `{run.profile}`, "
        f"{epochs(m['epochs'], run.recipe.epoch_unit)}, "
        f"trénink {m['seconds']:.0f} s."
    )
    return f"{line} {note}\n\n" + report(judged, m, labels)


def _judging(run) -> Expected:
    """The entry that judges `run`: not strictly where the run's options differ from the
    entry's (e.g. a loss network with other weights than the bands were recorded with)."""
    found = entry(run.name, run.profile)
    if any(run.options.get(k) != v for k, v in found.options.items()):
        return replace(found, seeds=())
    return found


@dataclass(frozen=True)
class Relation:
    """Run `better` beats run `than` on `metric` by at least `by` (in one profile).

    For a metric where lower is better (an error), `lower=True` turns the
    difference around: `than` minus `better`. With `than_metric`, `than`'s
    value is read from that metric instead: a run against a baseline it
    measured itself (`better` and `than` may then be the same run).

    Examples:
        >>> r = Relation("quick", "generation/16", "generation/16", "frechet_distance",
        ...              by=5, lower=True, than_metric="frechet_noise")
        >>> str(r)
        'generation/16.frechet_noise - generation/16.frechet_distance >= 5'
        >>> r.difference({"generation/16": {"frechet_distance": 20.0, "frechet_noise": 150.0}})
        130.0
    """

    profile: str
    better: str
    than: str
    metric: str
    by: float = 0.0
    lower: bool = False
    than_metric: str | None = None
    claim: str = field(default="", compare=False)
    spread: tuple[float, float] | None = field(default=None, compare=False)

    @property
    def checked(self) -> bool:
        """Whether `nes2 spread` recorded how far seeds and settings move it."""
        return self.spread is not None

    @property
    def expression(self) -> str:
        """The difference it bounds, e.g. `"a.test_accuracy - b.test_accuracy"`."""
        better = f"{self.better}.{self.metric}"
        than = f"{self.than}.{self.than_metric or self.metric}"
        return f"{than} - {better}" if self.lower else f"{better} - {than}"

    def __str__(self) -> str:
        return f"{self.expression} >= {self.by:g}"

    def difference(self, results: dict[str, dict]) -> float | None:
        """The difference it bounds, from run name -> metrics (`None` if a metric is missing)."""
        better = measured(results[self.better], self.metric)
        than = measured(results[self.than], self.than_metric or self.metric)
        if better is None or than is None:
            return None
        return than - better if self.lower else better - than


def relations(profile: str) -> list[Relation]:
    """The relations of `profile` in `expected.toml`.

    Raises:
        InvalidOptionError: a relation names a run that has no expected results in
            the profile, so `nes2 verify` could not run it.

    Examples:
        >>> [str(r) for r in relations("quick")][:1]
        ['cats-vs-dogs/scratch.train_accuracy - cats-vs-dogs/augmented.train_accuracy >= 0.1']
    """
    known = {e.name for e in entries(profile)}
    found = []
    for spec in _file().get("relations", []):
        relation = Relation(**spec)
        if relation.profile != profile:
            continue
        for name in (relation.better, relation.than):
            if name not in known:
                raise InvalidOptionError(
                    f"The relation {relation} names run {name!r}, which has no expected results "
                    f"in profile {profile!r}; add it to expected.toml or fix the name."
                )
        found.append(relation)
    return found


def check_relations(profile: str, results: dict[str, dict]) -> tuple[list[tuple], list[str]]:
    """The relations of `profile` between the runs in `results` (run name -> metrics).

    Returns:
        Rows (relation, difference, passed) and, for each relation with a run
        missing from `results`, a line naming the missing run.
    """
    rows, skipped = [], []
    for relation in relations(profile):
        missing = [n for n in (relation.better, relation.than) if n not in results]
        if missing:
            skipped.append(f"{relation}: not checked, run {', '.join(missing)} was not run")
            continue
        value = relation.difference(results)
        rows.append((relation, value, value is not None and value >= relation.by))
    return rows, skipped


def relation_report(profile: str, results: dict[str, dict], judged=None) -> str:
    """The relations of `profile` between the runs in `results`, as Markdown for a page.

    A broken relation is said in words; it raises `ClaimError` under `strict()` if
    `nes2 spread` checked it and both its runs are in `judged` (default: all).

    Examples:
        >>> results = {"cats-vs-dogs/scratch": {"train_accuracy": 1.0},
        ...            "cats-vs-dogs/augmented": {"train_accuracy": 0.8}}
        >>> print(relation_report("quick", results))  # doctest: +ELLIPSIS
        | vztah běhů (expected.toml) | naměřeno | očekáváno | rozptyl semen |  |
        |---|---:|---|---|---|
        | `cats-vs-dogs/scratch.train_accuracy - ....train_accuracy` | 0,2 | ≥ 0,1 | ... | ✓ |
    """
    from nes2.viz.tables import markdown_table

    rows, _ = check_relations(profile, results)
    if not rows:
        return f"Profil `{profile}` nemá v `expected.toml` žádné vztahy mezi těmito běhy."
    table = [
        {
            "relation": f"`{r.expression}`",  # the runs' and metrics' names, as code
            "value": value,
            "target": f"≥ {_czech(r.by, 'g')}",
            "spread": f"{_czech(r.spread[0])}–{_czech(r.spread[1])}" if r.spread else "–",
            "ok": "✓" if ok else "✗",
        }
        for r, value, ok in rows
    ]
    columns = {
        "relation": "vztah běhů (expected.toml)",
        "value": "naměřeno",
        "target": "očekáváno",
        "spread": "rozptyl semen",
        "ok": "",
    }
    text = markdown_table(table, columns, {"value": "{:.3g}"})
    judged = results if judged is None else judged  # runs whose relations may be strict

    def strict_for(relation) -> bool:
        return relation.checked and relation.better in judged and relation.than in judged

    for checked in (True, False):
        broken = [(r, v) for r, v, ok in rows if not ok and strict_for(r) == checked]
        said = [
            f"vztah {r.expression} = {_czech(v)}, očekáváno ≥ {_czech(r.by, 'g')}."
            for r, v in broken
        ]
        text += _judge([relation_miss(r, v) for r, v in broken], checked, said)
    return text


def runs_report(runs, labels: dict[str, str]) -> str:
    """A page's closing report: `run_report` of each run, then `relation_report` between them.

    Each run's table has the rows of `labels` that its entry has bands for.

    Args:
        runs: `nes2.recipes.Run`s of one profile.
        labels: metric -> label, for every metric any of the runs is judged on.
    """
    runs = list(runs)
    if not runs:
        raise ValueError("runs_report needs at least one run.")
    judged = [entry(run.name, run.profile).bands for run in runs]
    reports = [
        run_report(run, {k: v for k, v in labels.items() if k in bands})
        for run, bands in zip(runs, judged, strict=True)
    ]
    judged = {run.name: run.metrics for run in runs if _judging(run).checked}
    results = {run.name: run.metrics for run in runs}
    return "\n\n".join([*reports, relation_report(runs[0].profile, results, judged)])
