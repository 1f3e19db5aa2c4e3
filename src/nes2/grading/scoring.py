"""Points of an executed submission: a task scores when its cells ran without an error and
all its checks passed, hidden checks included.

Examples:
    >>> from nes2.grading.spec import Check, Exercise, Task
    >>> task = Task(1, "IoU", 2, "h", ("h", "c"), (Check("c", "check()"),))
    >>> exercise = Exercise("demo", "Cvičení: demo", "0.1.0", 60, (task,))
    >>> ran = {"cell_type": "code", "execution_count": 1, "outputs": [], "source": "check()",
    ...        "metadata": {"nes2_grade": {"task": 1, "check": "c", "hidden": False}}}
    >>> [(t.earned, t.points) for t in score({"cells": [ran]}, exercise)]
    [(2, 2)]
    >>> ran["outputs"] = [{"output_type": "error", "ename": "CheckFailed", "evalue": "Špatně."}]
    >>> score({"cells": [ran]}, exercise)[0].feedback
    ['Špatně.']
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nes2.grading.spec import Exercise
from nes2.grading.submission import GRADE_KEY

CHECK_FAILED = "CheckFailed"


@dataclass
class TaskScore:
    """The points a task earned of its `points`, and why it lost them (Czech sentences)."""

    number: int
    title: str
    points: float
    earned: float = 0
    feedback: list[str] = field(default_factory=list)


def _first_line(text: str) -> str:
    lines = [line for line in str(text).strip().splitlines() if line.strip()]
    return lines[0] if lines else ""


def _errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def _what_failed(cell, mark: dict) -> str:
    """One sentence on a failing cell: a check's own message, a hidden check's name alone,
    else the first line of the error."""
    (error, *_) = _errors(cell)
    if mark.get("hidden"):
        return f"Skrytá kontrola „{mark.get('name')}“ neprošla."
    if mark.get("check") and error.get("ename") == CHECK_FAILED:
        return _first_line(error.get("evalue", ""))
    where = "Kontrola skončila chybou" if mark.get("check") else "Buňka skončila chybou"
    first = _first_line(error.get("evalue", ""))
    return f"{where}: {error.get('ename')}" + (f": {first}" if first else "")


def score(executed: dict, exercise: Exercise) -> list[TaskScore]:
    """The score of every task of `exercise` in the notebook the grader ran (`assemble`)."""
    scores = {t.number: TaskScore(t.number, t.title, t.points) for t in exercise.tasks}
    passed = dict.fromkeys(scores, True)
    checks = dict.fromkeys(scores, 0)
    for cell in executed["cells"]:
        mark = cell.get("metadata", {}).get(GRADE_KEY, {})
        number = mark.get("task", 0)
        if number not in scores or cell.get("cell_type") != "code":
            continue
        checks[number] += bool(mark.get("check"))
        if _errors(cell):
            passed[number] = False
            scores[number].feedback.append(_what_failed(cell, mark))
        elif mark.get("check") and cell.get("execution_count") is None:
            passed[number] = False
            name = f"„{mark['name']}“ " if mark.get("hidden") else ""
            scores[number].feedback.append(f"Kontrola {name}neproběhla (notebook nedoběhl).")
    for number, task in scores.items():
        task.earned = task.points if passed[number] and checks[number] else 0
    return list(scores.values())


def preamble_errors(executed: dict) -> list[str]:
    """The errors of the cells before the first task (imports, data), one sentence each."""
    return [
        f"Buňka před první úlohou skončila chybou: {e.get('ename')}: {_first_line(e.get('evalue'))}"
        for cell in executed["cells"]
        if cell.get("metadata", {}).get(GRADE_KEY, {}).get("task", 0) == 0
        for e in _errors(cell)
    ]
