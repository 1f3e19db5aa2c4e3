"""The ImageNet challenge (ILSVRC) in numbers: each year's winning top-5 error and the human one.

The rows (`nes2/applications/ilsvrc_top5.csv`) give the winning entry of the
classification task 2010-2017 as the challenge's results pages list it, the
model behind it, its top-5 error and the source; a last row is the human
reference (one trained annotator, Russakovsky et al. 2015). The `model` and `note`
fields are in Czech, as the lecture pages show them.

Examples:
    >>> rows = winners()
    >>> [(r.year, r.team, r.top5_error) for r in rows[2:4]]
    [(2012, 'SuperVision', 0.1642), (2013, 'Clarifai', 0.1174)]
    >>> human().top5_error
    0.051
"""

from __future__ import annotations

import csv
import functools
from dataclasses import dataclass
from importlib.resources import files


@dataclass(frozen=True)
class Entry:
    """One row: the year (`None` for the human reference), the team, its model, the error."""

    year: int | None
    team: str
    model: str
    top5_error: float
    note: str
    source: str


@functools.cache
def _rows() -> tuple[Entry, ...]:
    text = files("nes2.applications").joinpath("ilsvrc_top5.csv").read_text(encoding="utf-8")
    return tuple(
        Entry(
            year=int(row["year"]) if row["year"].isdigit() else None,
            team=row["winner"],
            model=row["model"],
            top5_error=float(row["top5_error"]),
            note=row["note"],
            source=row["source"],
        )
        for row in csv.DictReader(text.splitlines())
    )


def winners() -> list[Entry]:
    """The winning entries of the classification task, by year."""
    return sorted((r for r in _rows() if r.year is not None), key=lambda r: r.year)


def human() -> Entry:
    """The human reference: the top-5 error of one trained annotator."""
    return next(r for r in _rows() if r.year is None)
