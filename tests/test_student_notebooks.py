"""A student's notebook, run as a student runs it before answering: the setup runs, each
check says in Czech what to fill in, and no cell fails with a raw Python error.

Each generated student notebook (`scripts/notebooks.py`) is executed top to
bottom with errors allowed, in the quick profile. The executed notebook is kept
in the tests' cache under a key of its content and of what the site's execution
key covers (the package, the lock, the kernel configuration and the profile), so
a second `make test` with nothing changed executes none.
"""

from __future__ import annotations

import hashlib
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, TEST_CACHE, site_environment

from nes2.io import atomic_file

spec = importlib.util.spec_from_file_location("site_hooks", ROOT / "site_hooks.py")
site_hooks = importlib.util.module_from_spec(spec)
spec.loader.exec_module(site_hooks)
notebooks = site_hooks.notebooks

STUDENT = [t for t in notebooks.targets() if t.student]
TODO_NAME = re.compile(r"^\s*(\w+) = \.\.\.  # TODO: doplňte$", re.M)
STUB = re.compile(r"^def (\w+)\(", re.M)


def executed(target, monkeypatch) -> nbformat.NotebookNode:
    """The student notebook of `target` executed with errors allowed (cached)."""
    from nbclient import NotebookClient

    text = notebooks.rendered(target)
    key = hashlib.sha256(f"{site_hooks.execution_key()}\0{text}".encode()).hexdigest()[:16]
    cached = TEST_CACHE / "student-notebooks" / f"{Path(target.path).stem}-{key}.ipynb"
    if cached.is_file():
        return nbformat.reads(cached.read_text(), as_version=4)
    for name, value in site_environment().items():
        monkeypatch.setenv(name, value)
    nb = nbformat.reads(text, as_version=4)
    folder = target.source.parent
    NotebookClient(
        nb, timeout=900, allow_errors=True, resources={"metadata": {"path": folder}}
    ).execute()
    with atomic_file(cached) as tmp:
        tmp.write_text(nbformat.writes(nb))
    return nb


def errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def filled_in(cell) -> set[str]:
    """The names a scaffold cell leaves to the student: `x = ...` lines and stub functions."""
    return set(TODO_NAME.findall(cell.source)) | set(STUB.findall(cell.source))


@pytest.mark.slow
@pytest.mark.parametrize("target", STUDENT, ids=[Path(t.path).stem for t in STUDENT])
def test_a_student_notebook_asks_for_what_is_missing_in_czech(target, monkeypatch):
    nb = executed(target, monkeypatch)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    scaffolds = [i for i, c in enumerate(cells) if "scaffold" in c.metadata.get("tags", [])]
    assert scaffolds, "every exercise starts from a scaffold"
    for cell in cells[: scaffolds[0] + 1]:
        assert not errors(cell), f"a cell before the first answer fails: {cell.source[:200]}"
    missing = set().union(*(filled_in(cells[i]) for i in scaffolds))
    after = [nb.cells[nb.cells.index(cells[i]) + 1] for i in scaffolds]
    hints = [c for c in after if c.source.startswith("<details><summary>Nápověda</summary>")]
    assert hints, "the hints follow the scaffolds, folded"
    for number, cell in enumerate(cells):
        for error in errors(cell):
            assert error["ename"] == "CheckFailed", (
                f"cell {number} fails with a raw {error['ename']}: {error['evalue']}\n{cell.source}"
            )
    check_cells = [
        c
        for c in cells
        if "checks.check_" in c.source and "scaffold" not in c.metadata.get("tags", [])
    ]
    assert len(check_cells) >= len(scaffolds)
    for cell in check_cells:
        (error,) = errors(cell) or [None]
        assert error is not None, f"a check passes before anything is filled in:\n{cell.source}"
        named = re.match(r"Doplňte `(\w+)` v buňce výše: .+\.$", error["evalue"])
        assert named, f"the check does not say what to fill in: {error['evalue']}"
        assert named[1] in missing, f"{named[1]} is not a name the scaffold asks for ({missing})"
