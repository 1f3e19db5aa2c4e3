"""A submitted notebook: read, recognised and turned into the notebook the grader runs.

The generator writes `{"nes2": {"exercise", "version", "copy"}}` into the
metadata of every exercise notebook and gives each cell the id of its source
cell, the same in the student and the solution copy. The grader keeps the
student's cells, puts back the exercise's own code into every check cell (a
check the student edited or deleted counts as written), adds the hidden
checks, and marks each cell with its task (`GRADE_KEY` in its metadata).
"""

from __future__ import annotations

import copy
import json
import uuid
from dataclasses import dataclass
from pathlib import Path

from nes2.errors import Nes2Error
from nes2.grading.spec import TASK_HEADING, Exercise

GRADE_KEY = "nes2_grade"


class Unreadable(Exception):
    """The submission is not a notebook (the message says why)."""


def nbformat():
    """nbformat, or an error that names the extra that installs it."""
    try:
        import nbformat as module
    except ImportError:
        raise Nes2Error('Grading needs nbformat and nbclient: pip install "nes2[grade]".') from None
    return module


@dataclass(frozen=True)
class Submission:
    """A notebook read from `path`, with what its metadata says it is (`copy`: "student" or
    "solution", the generated copy it was made from)."""

    path: Path
    notebook: dict
    exercise: str | None
    version: str | None
    copy: str | None = None


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def read(path: Path) -> Submission:
    """Read `path` as a notebook (format 4; cells without ids get ids).

    Raises:
        Unreadable: not a readable file, not UTF-8 JSON, or JSON that is not a valid notebook.
    """
    nbf = nbformat()
    try:
        text = Path(path).read_text("utf-8")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise Unreadable(f"nejde přečíst jako JSON ({type(error).__name__}: {error})") from None
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        raise Unreadable("JSON bez buněk (cells): není to notebook Jupyteru")
    try:
        nb = nbf.reads(text, as_version=4)  # an older format upgraded, sources joined
        nb.nbformat_minor = max(nb.get("nbformat_minor", 0), 5)  # cell ids (Colab drops them)
        for cell in nb.cells:
            cell.setdefault("id", uuid.uuid4().hex[:8])
        nbf.validate(nb)
    except Exception as error:  # nbformat's several validation and reader errors
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        raise Unreadable(f"neplatný notebook ({first[:200]})") from None
    meta = nb.metadata.get("nes2")
    meta = meta if isinstance(meta, dict) else {}
    return Submission(
        Path(path),
        nb,
        _text(meta.get("exercise")),
        _text(meta.get("version")),
        _text(meta.get("copy")),
    )


def _task_numbers(cells: list, exercise: Exercise) -> list[int]:
    """The task of each cell: by its id where it is a cell of the exercise, else by a
    task heading it holds, else the task of the cell before it (0: before the first task)."""
    numbers, current = [], 0
    for cell in cells:
        known = exercise.task_of(cell.get("id", ""))
        heading = TASK_HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if known is not None:
            current = known
        elif heading and int(heading["number"]) in {t.number for t in exercise.tasks}:
            current = int(heading["number"])
        numbers.append(current)
    return numbers


def _check_cell(nbf, check, task: int):
    cell = nbf.v4.new_code_cell(check.source)
    cell["id"] = check.id if not check.hidden else f"{check.id}-hidden"
    cell.metadata[GRADE_KEY] = {"task": task, "check": check.id, "hidden": check.hidden}
    if check.hidden:
        cell.metadata[GRADE_KEY]["name"] = check.name
    return cell


def assemble(submission: Submission, exercise: Exercise):
    """The notebook to run: the student's cells without outputs, every check as the exercise
    wrote it, the hidden checks added, each cell marked with its task."""
    nbf = nbformat()
    nb = copy.deepcopy(submission.notebook)
    cells = nb.cells
    for cell, number in zip(cells, _task_numbers(cells, exercise), strict=True):
        cell.metadata[GRADE_KEY] = {"task": number}
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    for task in exercise.tasks:
        for check in task.checks:
            ids = [c.get("id") for c in cells]
            if check.hidden:
                anchor = check.after if check.after in ids else None
            else:
                anchor = None
                if check.id in ids:
                    cells[ids.index(check.id)] = _check_cell(nbf, check, task.number)
                    continue
            position = ids.index(anchor) + 1 if anchor else _end_of(cells, task.number)
            cells.insert(position, _check_cell(nbf, check, task.number))
    return nb


def _end_of(cells: list, number: int) -> int:
    """Where a cell appended to task `number` goes: after its last cell, else before the
    first cell of a later task, else at the end."""
    tasks = [c.metadata.get(GRADE_KEY, {}).get("task", 0) for c in cells]
    inside = [i for i, t in enumerate(tasks) if t == number]
    if inside:
        return inside[-1] + 1
    later = [i for i, t in enumerate(tasks) if t > number]
    return later[0] if later else len(cells)
