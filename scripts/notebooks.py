"""Generate the downloadable notebooks from the lecture and exercise scripts.

The lectures (`lectures/*.py`) and the exercises (`lectures/exercises/*.py`)
are jupytext percent scripts, the one source of each. Students download or
open in Colab an `.ipynb` made from each, with a first cell that installs
`nes2` when it runs in Colab. An exercise script is its solution notebook:
its cells tagged `solution` are left out of the student version, each replaced
by an empty cell to write the answer in. The notebooks live in `notebooks/`
so that Colab can open them from GitHub; the site offers the same files.

    python scripts/notebooks.py            # (re)write notebooks/
    python scripts/notebooks.py --check    # fail if notebooks/ is out of date
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import jupytext
import nbformat

ROOT = Path(__file__).resolve().parents[1]
LECTURES = ROOT / "lectures"
OUTPUT = ROOT / "notebooks"
REPOSITORY = "nes2-course/nes2"
BRANCH = "main"
SOLUTION_TAG = "solution"
SOLUTION_SUFFIX = "-reseni"

COLAB_SETUP = """\
# V Google Colabu nainstaluje balíček nes2 (jinde nedělá nic).
import sys

if "google.colab" in sys.modules:
    %pip install --quiet "nes2[cv]"\
"""
ANSWER = "# Vaše řešení:\n"


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


def colab_url(path: str, repository: str = REPOSITORY, branch: str = BRANCH) -> str:
    """The URL that opens `notebooks/<path>` of the repository in Colab.

    Examples:
        >>> colab_url("recap.ipynb")
        'https://colab.research.google.com/github/nes2-course/nes2/blob/main/notebooks/recap.ipynb'
    """
    return f"https://colab.research.google.com/github/{repository}/blob/{branch}/notebooks/{path}"


def is_solution(cell) -> bool:
    return SOLUTION_TAG in cell.get("metadata", {}).get("tags", [])


def notebook(source: Path, student: bool = False) -> nbformat.NotebookNode:
    """The script as a notebook without outputs, the Colab setup cell first.

    With `student=True`, each cell tagged `solution` becomes an empty answer cell.
    """
    nb = jupytext.read(source)
    cells = [nbformat.v4.new_code_cell(COLAB_SETUP, metadata={"tags": ["colab-setup"]})]
    for cell in nb.cells:
        if student and is_solution(cell):
            cells.append(nbformat.v4.new_code_cell(ANSWER))
        else:
            cells.append(cell)
    nb.cells = cells
    prefix = f"{source.stem}{'-student' if student else ''}"
    for i, cell in enumerate(nb.cells):
        cell["id"] = f"{prefix}-{i}"
    nb.metadata.pop("jupytext", None)
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale notebooks")
    args = parser.parse_args(argv)
    if args.check:
        wrong = stale()
        if wrong:
            print("Out of date in notebooks/: " + ", ".join(wrong))
            print("Run `make notebooks` (python scripts/notebooks.py) and commit the result.")
            return 1
        print(f"notebooks/ is up to date ({len(targets())} notebooks).")
        return 0
    for path in write_all():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
