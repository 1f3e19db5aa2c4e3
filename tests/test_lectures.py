"""Every lecture and exercise page runs top to bottom in the quick profile, inside the
real site build.

One `mkdocs build --strict` executes every notebook (a failing cell fails the
build); the tests read the pages it wrote.
"""

from pathlib import Path

import pytest
from conftest import SITE_BUILD_TIMEOUT, SITE_GROUP

ROOT = Path(__file__).parents[1]
LECTURES = sorted((ROOT / "lectures").glob("*.py"))
EXERCISES = sorted((ROOT / "lectures" / "exercises").glob("*.py"))

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(SITE_BUILD_TIMEOUT + 60),
    pytest.mark.xdist_group(SITE_GROUP),
]


def _page(site: Path, source: Path) -> str:
    relative = source.relative_to(ROOT / "lectures").with_suffix("")
    return (site / relative / "index.html").read_text()


def _assert_executed_cleanly(page: str) -> None:
    assert page.count('class="jp-OutputArea-child'), "the code cells have outputs"
    assert "Traceback" not in page
    assert "I0000" not in page and "E0000" not in page, "TensorFlow's C++ log is kept off the page"


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_page_is_executed(path, executed_site):
    page = _page(executed_site, path)
    _assert_executed_cleanly(page)
    assert 'src="data:image/png;base64,' in page, "a lecture page shows at least one figure"
    assert "profil 'quick'" in page or "profil &#39;quick&#39;" in page


def _exercise_parts(page: str) -> list[list[str]]:
    """The page's scaffolds, hints and solutions in order, grouped up to each solution."""
    from bs4 import BeautifulSoup

    kinds = {"nes2-scaffold": "scaffold", "tip": "hint", "success": "solution"}
    groups, current = [], []
    for element in BeautifulSoup(page, "html.parser").select("div.nes2-scaffold, details"):
        kind = next((kinds[c] for c in element.get("class", []) if c in kinds), None)
        if kind:
            current.append(kind)
        if kind == "solution":
            groups.append(current)
            current = []
    return groups


@pytest.mark.parametrize("path", EXERCISES, ids=[p.stem for p in EXERCISES])
def test_exercise_solutions_pass_their_checks(path, executed_site):
    page = _page(executed_site, path)
    _assert_executed_cleanly(page)
    assert "CheckFailed" not in page
    assert page.count("✓") >= 2, "each exercise ends with a passing nes2.teaching.checks check"
    parts = _exercise_parts(page)
    assert len(parts) >= 2
    for part in parts:  # the task, then what the student starts from, a hint, the solution
        assert part in (["scaffold", "hint", "solution"], ["scaffold", "solution"]), parts
    assert "TODO: doplňte" in page
