"""What the grader knows of an exercise: its tasks, their points and their checks.

The specs are generated from the exercise scripts with the notebooks
(`python -m nes2_site.notebooks`, see `nes2_site.grading_spec`) and shipped in
the package (`nes2/grading/exercises/NAME.json`), so `nes2 grade` needs
neither the course repository nor the exercise sources.

Examples:
    >>> exercise = load("regression")
    >>> exercise.name, [task.number for task in exercise.tasks]
    ('regression', [1, 2])
    >>> exercise.max_points == sum(task.points for task in exercise.tasks)
    True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from nes2.errors import Nes2Error

TASK_HEADING = re.compile(r"^##\s+Cvičení\s+(?P<number>\d+):\s*(?P<title>.+?)\s*$", re.M)
"""A task's heading in an exercise, `## Cvičení N: title` (the generator's and the grader's)."""


@dataclass(frozen=True)
class Check:
    """A check cell: its id in the generated notebooks, its code and, for a hidden one, its
    name (all the report shows of it) and the id of the cell it follows."""

    id: str
    source: str
    hidden: bool = False
    name: str | None = None
    after: str | None = None


@dataclass(frozen=True)
class Task:
    """One task of an exercise ("Cvičení N: title"): its points, its cells and its checks."""

    number: int
    title: str
    points: float
    heading: str
    cells: tuple[str, ...]
    checks: tuple[Check, ...]

    @property
    def label(self) -> str:
        """The task's column in the reports.

        Examples:
            >>> Task(2, "mělčí U-Net", 1, "x", (), ()).label
            '2. mělčí U-Net'
        """
        return f"{self.number}. {self.title}"


@dataclass(frozen=True)
class Exercise:
    """An exercise as the grader sees it (see `load`)."""

    name: str
    title: str
    version: str
    timeout: float
    tasks: tuple[Task, ...]

    @property
    def max_points(self) -> float:
        return sum(task.points for task in self.tasks)

    def task_of(self, cell_id: str) -> int | None:
        """The number of the task whose source cell has this id (None: not in a task)."""
        for task in self.tasks:
            if cell_id in task.cells:
                return task.number
        return None

    @classmethod
    def from_dict(cls, data: dict) -> Exercise:
        """An exercise from its spec's JSON (as `nes2_site.notebooks.spec` writes it)."""
        tasks = tuple(
            Task(
                number=t["number"],
                title=t["title"],
                points=t["points"],
                heading=t["heading"],
                cells=tuple(t["cells"]),
                checks=tuple(Check(**c) for c in t["checks"]),
            )
            for t in data["tasks"]
        )
        return cls(data["exercise"], data["title"], data["version"], data["timeout"], tasks)


def _folder():
    return resources.files("nes2.grading") / "exercises"


def available() -> list[str]:
    """The names of the exercises the package can grade.

    Examples:
        >>> "detection" in available()
        True
    """
    return sorted(
        p.name.removesuffix(".json") for p in _folder().iterdir() if p.name.endswith(".json")
    )


def load(name: str | Path) -> Exercise:
    """The spec of the exercise `name` (one of `available()`), or of the spec file at a `Path`.

    Raises:
        Nes2Error: no exercise of that name (the message lists those there are).
    """
    if isinstance(name, Path):
        return Exercise.from_dict(json.loads(name.read_text("utf-8")))
    if name not in available():
        raise Nes2Error(
            f"No exercise {name!r} to grade; the exercises are: {', '.join(available())}."
        )
    file = _folder() / f"{name}.json"
    return Exercise.from_dict(json.loads(file.read_text("utf-8")))
