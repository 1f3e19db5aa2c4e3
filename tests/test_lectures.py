"""Every lecture and exercise page runs top to bottom in the quick profile, inside the
real site build.

One `mkdocs build --strict` executes every notebook (a failing cell fails the
build); the tests read the pages it wrote.
"""

import re
from pathlib import Path

import pytest
from conftest import SITE_BUILD_TIMEOUT, SITE_GROUP, mkdocs_build

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
    from bs4 import BeautifulSoup

    assert page.count('class="jp-OutputArea-child'), "the code cells have outputs"
    assert "Traceback" not in page
    assert "I0000" not in page and "E0000" not in page, "TensorFlow's C++ log is kept off the page"
    soup = BeautifulSoup(page, "html.parser")
    stderr = soup.find_all(attrs={"data-mime-type": "application/vnd.jupyter.stderr"})
    assert not stderr, f"a cell wrote to stderr: {stderr[0].get_text(' ', strip=True)[:300]}"
    outputs = " ".join(o.get_text(" ") for o in soup.select(".jp-OutputArea-output"))
    assert "Warning" not in outputs and "WARNING" not in outputs, "a warning in the lesson"
    # expected.toml's budgets leave about twice the recording machine's time
    assert "nad rozpočtem" not in outputs, "a quick run took longer than its budget"
    cells = [td.get_text(strip=True) for td in soup.select(".jp-OutputArea-output td")]
    points = [c for c in cells if re.fullmatch(r"[-−]?\d+\.\d+\D*", c)]
    assert not points, f"a table writes decimals with a point, not the Czech comma: {points[:3]}"
    printed = soup.find_all(attrs={"data-mime-type": "text/plain"})
    sentences = [_prose(line) for o in printed for line in o.get_text().splitlines()]
    points = [line for line in sentences if DECIMAL_POINT.search(line)]
    assert not points, f"a printed sentence writes a decimal point, not the comma: {points[:3]}"
    lines = [
        _prose(line)
        for o in soup.select(".jp-OutputArea-output")
        for line in o.get_text("\n").splitlines()
    ]
    percents = [line for line in lines if re.search(r"\d%", line)]
    assert not percents, f"Czech writes a space before %: {percents[:3]}"


DECIMAL_POINT = re.compile(r"(?<![\w.])[-−+]?\d+\.\d+(?![\w.])")
CODE = re.compile(r"`[^`]*`|\[[^\[\]]*\]|\{[^{}]*\}|\(\d+(\.\d+)? [KMG]?B\)")
"""What a printed line holds as Python or Keras writes it, not as prose: code between
backticks, NumPy arrays and lists, dicts, and the sizes of `model.summary()`."""


def _prose(line: str) -> str:
    """`line` without the values printed as code (`CODE`), innermost brackets first."""
    previous = None
    while previous != line:
        previous, line = line, CODE.sub("", line)
    return line


def _output(text: str, mime: str = "text/plain") -> str:
    return (
        f'<div class="jp-OutputArea-child"><div class="jp-OutputArea-output" '
        f'data-mime-type="{mime}"><pre>{text}</pre></div></div>'
    )


@pytest.mark.parametrize(
    "text",
    ["přesnost na testu 0.938", "RMSE 8.58°, do ±10° 93.8 %", "<table><td>0.25</td></table>"],
)
def test_a_decimal_point_in_czech_output_fails_the_page(text):
    with pytest.raises(AssertionError, match="decimal"):
        _assert_executed_cleanly(_output(text))


@pytest.mark.parametrize("text", ["do ±10° 93,8%", "<table><td>71,3%</td></table>"])
def test_a_percent_sign_without_its_space_fails_the_page(text):
    with pytest.raises(AssertionError, match="space before %"):
        _assert_executed_cleanly(_output(text))


def test_czech_numbers_code_and_versions_pass():
    _assert_executed_cleanly(
        _output("přesnost 0,938 (93,8 %); IoU s prvním: [1.   0.84 0. ]; {0: 7.4}; klíče `0.05`")
        + _output("Total params: 61,706 (241.04 KB)")
        + _output("TensorFlow 2.21.0, obdélník [ 1. 46. 18. 63.]")
    )


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


def _checkout(folder: Path) -> Path:
    """The project's tracked files copied into `folder`, as another machine checks it out."""
    import shutil
    import subprocess

    files = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True, text=True
    ).stdout.split("\0")
    for name in filter(None, files):
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / name, folder / name)
    return folder


def _provenance(page: str) -> str:
    from bs4 import BeautifulSoup

    return BeautifulSoup(page, "html.parser").select_one(".nes2-provenance small").get_text()


def test_pages_show_the_provenance_their_execution_recorded(executed_site):
    line = _provenance(_page(executed_site, LECTURES[0]))
    assert "profil: quick" in line and "spuštěno" in line and "stroj:" in line, line


def test_a_site_built_from_a_copied_execution_cache_executes_nothing(executed_site, tmp_path):
    """What the Pages job does with the GPU runner's artifact: another checkout, in another
    folder, renders the executed notebooks and executes none."""
    import shutil

    from conftest import TEST_CACHE, site_environment

    from nes2_site import execution

    folder = f"{execution.execution_key(profile='quick')}-executed"
    artifact = tmp_path / "artifact"
    shutil.copytree(TEST_CACHE / "mkdocs-jupyter" / folder, artifact / folder)
    checkout = _checkout(tmp_path / "checkout")
    home = tmp_path / "empty-home"  # no stored run: a page that executed would train and store
    env = {
        **site_environment(),
        "NES2_SITE_CACHE": str(artifact),
        "NES2_REQUIRE_EXECUTED": "1",
        "NES2_HOME": str(home),
        "IPYTHONDIR": str(checkout / ".ipython"),
    }
    result = mkdocs_build(env, tmp_path / "site", checkout)
    assert result.returncode == 0, result.stderr[-3000:]
    assert not home.exists(), "the build executed a notebook"
    for source in (LECTURES[0], EXERCISES[0]):
        page, original = _page(tmp_path / "site", source), _page(executed_site, source)
        assert _provenance(page) == _provenance(original)
        assert page.count("jp-OutputArea-child") == original.count("jp-OutputArea-child") > 0

    cached = sorted(p for p in (artifact / folder).iterdir() if p.is_file())
    cached[0].unlink()
    incomplete = mkdocs_build(env, tmp_path / "incomplete", checkout)
    assert incomplete.returncode != 0 and "lacks 1 notebook(s) of this commit" in incomplete.stderr

    (artifact / folder).rename(artifact / "0123456789abcdef-executed")
    refused = mkdocs_build(env, tmp_path / "stale", checkout)
    assert refused.returncode != 0
    assert "0123456789abcdef-executed, not for this commit's key" in refused.stderr
    assert folder in refused.stderr
