"""The site's structure: `mkdocs build --strict` without executing the notebooks (seconds).

The notebooks themselves are executed by test_lectures.py; this checks the
navigation, the links between pages and that every lecture becomes a page.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).parents[1]


def test_every_lecture_is_in_the_navigation():
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)

    def pages(items):
        for item in items:
            value = next(iter(item.values())) if isinstance(item, dict) else item
            yield from pages(value) if isinstance(value, list) else [value]

    docs = ROOT / "lectures"
    sources = {str(p.relative_to(docs)) for p in docs.rglob("*") if p.suffix in (".py", ".md")}
    assert set(pages(config["nav"])) == sources


def test_strict_build_without_execution(tmp_path):
    pytest.importorskip("mkdocs_jupyter")
    env = {**os.environ, "NES2_EXECUTE": "false", "NO_MKDOCS_2_WARNING": "1"}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(tmp_path / "site")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    for lecture in (ROOT / "lectures").glob("*.py"):
        assert (tmp_path / "site" / lecture.stem / "index.html").is_file(), lecture.name


def test_lecture_pages_offer_the_notebook_and_say_what_built_them(tmp_path):
    pytest.importorskip("mkdocs_jupyter")
    import nbformat

    env = {
        **os.environ,
        "NES2_EXECUTE": "false",
        "NO_MKDOCS_2_WARNING": "1",
        "NES2_PROFILE": "quick",
    }
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    page = (site / "recap" / "index.html").read_text()
    assert 'href="recap.ipynb" download' in page and "Stáhnout notebook" in page
    assert "profil: quick" in page and "TensorFlow" in page
    notebook = nbformat.read(site / "recap" / "recap.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert notebook.cells[0].cell_type == "markdown" and "Opakování" in notebook.cells[0].source
    assert "Stáhnout notebook" not in (site / "index.html").read_text()
