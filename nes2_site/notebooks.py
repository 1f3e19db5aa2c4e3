"""Generate the downloadable notebooks from the lecture and exercise scripts.

The lectures (`lectures/*.py`) and the exercises (`lectures/exercises/*.py`)
are jupytext percent scripts, the one source of each. Students download or
open in Colab an `.ipynb` made from each, with a first cell that installs
`nes2` when it runs in Colab. An exercise script is its solution notebook.
In its cells tagged `solution`, the parts the student writes are marked

    # >>> doplňte: by_hand          (the names the block defines, if any)
    by_hand = c1 + c3 + c5 + f6 + out
    # <<<

and the student version (`scaffold`) keeps everything else, the names the
checks use, the signatures and docstrings of functions to write, each block
becoming `name = ...  # TODO: doplňte` (or `...  # TODO: doplňte` in a
function's body). A markdown cell tagged `hint` is a folded "Nápověda"; in the
student version it follows the scaffold. The notebooks live in `notebooks/`
so that Colab can open them from GitHub; the site offers the same files.

    python -m nes2_site.notebooks            # (re)write notebooks/
    python -m nes2_site.notebooks --check    # fail if notebooks/ is out of date

Beside the notebooks it writes the grading spec of each exercise
(`src/nes2/grading/exercises/NAME.json`, shipped in the wheel), all that
`nes2 grade` needs of it:

* each task starts with a markdown heading `## Cvičení N: title`, whose cell
  may carry `points=P` (default `DEFAULT_POINTS`);
* the title cell (`# Cvičení: ...`) may carry `timeout=S`, the seconds a
  submission may run (default `DEFAULT_TIMEOUT`);
* a check is a code cell of a task that calls `checks.check_...` (not a
  solution); a code cell tagged `hidden-check` whose first line is
  `# Skrytá kontrola: NAME` is a check that the generated notebooks and the
  site leave out and the grader adds (the report shows its NAME alone).

The spec lists the tasks with their points and cells, and the check cells
with their code and the ids they have in both copies (`cell_id`), so that
the grader restores a check a student edited or deleted.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

from nes2.grading.spec import TASK_HEADING
from nes2_site import ROOT
from nes2_site.check_tag import package_version

LECTURES = ROOT / "lectures"
OUTPUT = ROOT / "notebooks"
BRANCH = "main"
SOLUTION_TAG = "solution"
HINT_TAG = "hint"
SCAFFOLD_TAG = "scaffold"
HIDDEN_TAG = "hidden-check"
"""A check the grader runs (`nes2 grade`) and no generated notebook or page shows."""
SOLUTION_SUFFIX = "-reseni"
BLOCK_START = re.compile(r"^(?P<indent>\s*)# >>> doplňte(?::\s*(?P<names>.+?))?\s*$")
BLOCK_END = re.compile(r"^\s*# <<<\s*$")
TODO = "...  # TODO: doplňte"

VERSION = package_version()
"""The package version the notebooks are generated for (and the site is built with)."""
COLAB_SETUP = f"""\
# V Google Colabu nainstaluje balíček nes2 ve verzi, se kterou vznikl tento notebook
# (jinde nedělá nic).
import sys

if "google.colab" in sys.modules:
    %pip install --quiet "nes2[cv]=={VERSION}"\
"""


@dataclass(frozen=True)
class Target:
    """One generated notebook: its source, its path in `notebooks/` and whether it is a
    student version (solutions removed)."""

    source: Path
    path: str
    student: bool = False


def targets() -> list[Target]:
    """Every notebook that `notebooks/` holds."""
    found = [Target(s, f"{s.stem}.ipynb") for s in sorted(LECTURES.glob("*.py"))]
    for source in sorted((LECTURES / "exercises").glob("*.py")):
        found.append(Target(source, f"exercises/{source.stem}.ipynb", student=True))
        found.append(Target(source, f"exercises/{source.stem}{SOLUTION_SUFFIX}.ipynb"))
    return found


def colab_url(path: str, repository: str | None = None, branch: str | None = None) -> str:
    """The URL that opens `notebooks/<path>` of the repository in Colab.

    `repository` defaults to the one the site is built from
    (`nes2_site.repository.repository`: a fork's site opens the fork's notebooks);
    `branch` to `NES2_COLAB_REF` (a release's site sets it to the release tag,
    whose notebooks install that release), else `main`.

    Examples:
        >>> colab_url("recap.ipynb", "nes2-course/nes2", "v0.1.0")
        'https://colab.research.google.com/github/nes2-course/nes2/blob/v0.1.0/notebooks/recap.ipynb'
    """
    from nes2_site import repository as origin

    repository = repository or origin.repository()
    ref = branch or os.environ.get("NES2_COLAB_REF") or BRANCH
    return f"https://colab.research.google.com/github/{repository}/blob/{ref}/notebooks/{path}"


def _tagged(cell, tag: str) -> bool:
    return tag in cell.get("metadata", {}).get("tags", [])


def is_solution(cell) -> bool:
    return _tagged(cell, SOLUTION_TAG)


def is_hidden(cell) -> bool:
    return _tagged(cell, HIDDEN_TAG)


def cell_id(stem: str, index: int) -> str:
    """The id of the source's cell `index` in both generated copies (the grader's anchor)."""
    return f"{stem}-{index}"


def scaffold(solution: str) -> str:
    """The student's start of a solution cell: each `# >>> doplňte` block blanked.

    Examples:
        >>> print(scaffold("x = 1\\n# >>> doplňte: y, z\\ny = x + 1\\nz = 2 * y\\n# <<<"))
        x = 1
        y = ...  # TODO: doplňte
        z = ...  # TODO: doplňte
        >>> print(scaffold("def f(a):\\n    # >>> doplňte\\n    return 2 * a\\n    # <<<"))
        def f(a):
            ...  # TODO: doplňte

    Raises:
        ValueError: a block that is not closed, a `# <<<` without its start, or no block.
    """
    kept, start, blocks = [], None, 0
    for number, line in enumerate(solution.splitlines(), 1):
        opening, closing = BLOCK_START.match(line), BLOCK_END.match(line)
        if start is None and opening:
            start, blocks = number, blocks + 1
            names = [n.strip() for n in (opening["names"] or "").split(",") if n.strip()]
            indent = opening["indent"]
            kept += [f"{indent}{name} = {TODO}" for name in names] or [f"{indent}{TODO}"]
        elif start is not None and closing:
            start = None
        elif opening or closing:
            raise ValueError(f"line {number}: {line.strip()!r} inside or without a block")
        elif start is None:
            kept.append(line)
    if start is not None:
        raise ValueError(f"line {start}: the `# >>> doplňte` block is not closed by `# <<<`")
    if not blocks:
        raise ValueError("no `# >>> doplňte` ... `# <<<` block marks what the student writes")
    return "\n".join(kept)


def hint_markdown(source: str) -> str:
    """A hint cell's text folded under "Nápověda" (HTML that Jupyter and Colab render)."""
    return f"<details><summary>Nápověda</summary>\n\n{source.strip()}\n\n</details>"


def _cells(source: Path, cells: list, student: bool) -> list:
    """The cells of the generated notebook: hints folded, solutions replaced by scaffolds,
    hidden checks left out. A cell keeps the id of its source cell in both versions."""
    out, hints = [], []
    for index, cell in enumerate(cells):
        cell["id"] = cell_id(source.stem, index)
        if is_hidden(cell):
            continue
        if _tagged(cell, HINT_TAG):
            cell = nbformat.v4.new_markdown_cell(hint_markdown(cell.source), metadata=cell.metadata)
            cell["id"] = cell_id(source.stem, index)
            following = cells[index + 1] if index + 1 < len(cells) else None
            if student and following is not None and is_solution(following):
                hints.append(cell)  # after the scaffold, as on the site
                continue
        if student and is_solution(cell):
            try:
                code = scaffold(cell.source)
            except ValueError as error:
                raise ValueError(f"{source.name}, solution cell {index + 1}: {error}") from None
            blank = nbformat.v4.new_code_cell(code, metadata={"tags": [SCAFFOLD_TAG]})
            blank["id"] = cell_id(source.stem, index)
            out.append(blank)
            out += hints
            hints = []
            continue
        out.append(cell)
    return out


def notebook(source: Path, student: bool = False) -> nbformat.NotebookNode:
    """The script as a notebook without outputs, the Colab setup cell first.

    With `student=True`, each cell tagged `solution` becomes its scaffold.
    """
    nb = jupytext.read(source)
    setup = nbformat.v4.new_code_cell(COLAB_SETUP, metadata={"tags": ["colab-setup"]})
    setup["id"] = f"{source.stem}-setup"
    nb.cells = [setup, *_cells(source, nb.cells, student)]
    nb.metadata.pop("jupytext", None)
    if source.parent.name == "exercises":  # what the grader recognises a submission by
        copy = "student" if student else "solution"
        nb.metadata["nes2"] = {"exercise": source.stem, "version": VERSION, "copy": copy}
    nb.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return nb


def rendered(target: Target) -> str:
    return nbformat.writes(notebook(target.source, target.student)) + "\n"


def stale(output: Path = OUTPUT) -> list[str]:
    """Paths in `output` that are missing, outdated or orphaned."""
    expected = {t.path: rendered(t) for t in targets()}
    present = {p.relative_to(output).as_posix() for p in output.rglob("*.ipynb")}
    wrong = [
        p for p, text in expected.items() if p not in present or (output / p).read_text() != text
    ]
    return sorted(wrong + sorted(present - expected.keys()))


def write_all(output: Path = OUTPUT) -> list[Path]:
    """Write every stale notebook atomically and remove orphans; returns what changed."""
    expected = {t.path: t for t in targets()}
    changed = []
    for orphan in {p.relative_to(output).as_posix() for p in output.rglob("*.ipynb")} - set(
        expected
    ):
        (output / orphan).unlink()
        changed.append(output / orphan)
    for path, target in expected.items():
        file = output / path
        text = rendered(target)
        if not file.is_file() or file.read_text() != text:
            file.parent.mkdir(parents=True, exist_ok=True)
            partial = file.with_suffix(".ipynb.part")
            partial.write_text(text)
            partial.replace(file)
            changed.append(file)
    return changed


# The grading specs

SPEC_DIR = ROOT / "src" / "nes2" / "grading" / "exercises"
HIDDEN_NAME = re.compile(r"# Skrytá kontrola: (?P<name>.+?)\s*$", re.M)
DEFAULT_POINTS = 1
DEFAULT_TIMEOUT = 300
CHECK_CALL = "checks.check_"


def _is_check(cell) -> bool:
    return (
        cell.cell_type == "code"
        and not is_solution(cell)
        and (is_hidden(cell) or CHECK_CALL in cell.source)
    )


def spec(source: Path) -> dict:
    """The grading spec of the exercise script `source`.

    Raises:
        ValueError: a task without a check, a hidden check without a name, a check
            before the first task, or tasks not numbered 1, 2, 3, ...
    """
    cells = jupytext.read(source).cells
    stem = source.stem
    title_cell = next(c for c in cells if c.cell_type == "markdown")
    title = title_cell.source.splitlines()[0].lstrip("# ").strip()
    tasks: list[dict] = []
    previous = None
    for index, cell in enumerate(cells):
        heading = TASK_HEADING.search(cell.source) if cell.cell_type == "markdown" else None
        if heading:
            tasks.append(
                {
                    "number": int(heading["number"]),
                    "title": heading["title"],
                    "points": cell.metadata.get("points", DEFAULT_POINTS),
                    "heading": cell_id(stem, index),
                    "cells": [],
                    "checks": [],
                }
            )
        if tasks:
            tasks[-1]["cells"].append(cell_id(stem, index))
        if not heading and _is_check(cell):
            if not tasks:
                raise ValueError(f"{source.name}, cell {index + 1}: a check before the first task")
            hidden = is_hidden(cell)
            named = HIDDEN_NAME.match(cell.source)
            if hidden and not named:
                raise ValueError(
                    f"{source.name}, cell {index + 1}: a hidden check starts with its name, "
                    "`# Skrytá kontrola: ...`"
                )
            check = {"id": cell_id(stem, index), "source": cell.source, "hidden": hidden}
            if hidden:
                check |= {"name": named["name"], "after": previous}
            tasks[-1]["checks"].append(check)
        if not is_hidden(cell):
            previous = cell_id(stem, index)
    if [t["number"] for t in tasks] != list(range(1, len(tasks) + 1)):
        raise ValueError(f"{source.name}: tasks are not numbered 1, 2, 3, ...")
    for task in tasks:
        if not task["checks"]:
            raise ValueError(f"{source.name}, task {task['number']}: no check (nothing to grade)")
        if not isinstance(task["points"], int | float) or task["points"] <= 0:
            raise ValueError(f"{source.name}, task {task['number']}: points must be positive")
    return {
        "exercise": stem,
        "title": title,
        "version": VERSION,
        "timeout": title_cell.metadata.get("timeout", DEFAULT_TIMEOUT),
        "tasks": tasks,
    }


def exercise_sources() -> list[Path]:
    return sorted((LECTURES / "exercises").glob("*.py"))


def rendered_spec(source: Path) -> str:
    return json.dumps(spec(source), indent=1, ensure_ascii=False) + "\n"


def stale_specs(folder: Path = SPEC_DIR) -> list[str]:
    """Spec files in `folder` that are missing, outdated or orphaned."""
    expected = {f"{s.stem}.json": rendered_spec(s) for s in exercise_sources()}
    present = {p.name for p in folder.glob("*.json")}
    wrong = [
        n for n, text in expected.items() if n not in present or (folder / n).read_text() != text
    ]
    return sorted(set(wrong) | (present - expected.keys()))


def write_specs(folder: Path = SPEC_DIR) -> list[Path]:
    """Write every stale spec atomically and remove orphans; returns what changed."""
    from nes2.io import atomic_file

    changed = []
    for name in stale_specs(folder):
        file = folder / name
        source = LECTURES / "exercises" / f"{Path(name).stem}.py"
        if not source.is_file():
            file.unlink()
        else:
            with atomic_file(file) as tmp:
                tmp.write_text(rendered_spec(source))
        changed.append(file)
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = parser.parse_args(argv)
    if args.check:
        wrong = stale() + [f"grading spec {name}" for name in stale_specs()]
        if wrong:
            print("Out of date in notebooks/: " + ", ".join(wrong))
            print("Run `make notebooks` (python -m nes2_site.notebooks) and commit the result.")
            return 1
        print(f"notebooks/ is up to date ({len(targets())} notebooks, grading specs too).")
        return 0
    for path in write_all() + write_specs():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
