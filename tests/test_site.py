"""The site's structure: `mkdocs build --strict` without executing the notebooks (seconds).

The notebooks themselves are executed by test_lectures.py; this checks the
navigation, the links between pages and that every lecture becomes a page.
"""

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from conftest import mkdocs_build

from nes2_site import _compat, execution, notebooks, pages, provenance, reach, search
from nes2_site import html as site_html

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


@pytest.fixture(scope="module")
def static_site(tmp_path_factory) -> Path:
    """The site built strictly without executing the notebooks (quick profile), once."""
    pytest.importorskip("mkdocs_jupyter")
    site = tmp_path_factory.mktemp("static") / "site"
    env = {**os.environ, "NES2_EXECUTE": "false", "NO_MKDOCS_2_WARNING": "1"}
    env["NES2_PROFILE"] = "quick"
    result = mkdocs_build(env, site, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    return site


def test_strict_build_without_execution(static_site):
    for lecture in (ROOT / "lectures").glob("*.py"):
        assert (static_site / lecture.stem / "index.html").is_file(), lecture.name


def test_lecture_pages_offer_the_notebook_and_say_what_built_them(static_site):
    import nbformat

    site = static_site
    page = (site / "recap" / "index.html").read_text()
    assert 'href="recap.ipynb" download' in page and "Stáhnout notebook" in page
    assert "colab.research.google.com/github/" in page and "Otevřít v Colabu" in page
    assert 'href="../api/models/#nes2.models"' in page, "the page links to the API reference"
    assert "bez spuštěných výstupů" in page, "a page without outputs claims no execution"
    notebook = nbformat.read(site / "recap" / "recap.ipynb", as_version=4)
    nbformat.validate(notebook)
    assert "google.colab" in notebook.cells[0].source
    assert notebook.cells[1].cell_type == "markdown" and "Opakování" in notebook.cells[1].source
    assert "Stáhnout notebook" not in (site / "index.html").read_text()
    search = json.loads((site / "search" / "search_index.json").read_text())
    assert "folded" in search["config"]["fields"]
    assert any("prumer" in doc.get("folded", "") for doc in search["docs"])
    fetches = re.compile(r'<(?:script|link|img|iframe)[^>]+(?:src|href)="https?://')
    for html in site.rglob("*.html"):
        assert not fetches.search(html.read_text()), f"{html} loads something from the Internet"


def test_notebooks_folder_is_generated_from_the_lectures():
    assert notebooks.stale() == [], "run `make notebooks` and commit notebooks/"


def test_notebooks_open_with_colab_setup_and_students_get_scaffolds(tmp_path):
    exercise = tmp_path / "exercise.py"
    exercise.write_text(
        "# %% [markdown]\n# # Demo\n\n"
        '# %% [markdown] tags=["hint"]\n# Six times seven.\n\n'
        '# %% tags=["solution"]\nbase = 6\n# >>> doplňte: answer\nanswer = base * 7\n# <<<\n\n'
        "# %%\nassert answer == 42\n"
    )
    solution = notebooks.notebook(exercise)
    student = notebooks.notebook(exercise, student=True)
    kinds = ["code", "markdown", "markdown", "code", "code"]
    assert [c.cell_type for c in solution.cells] == kinds
    assert 'if "google.colab" in sys.modules:' in solution.cells[0].source
    assert solution.cells[2].source.startswith("<details><summary>Nápověda</summary>")
    assert "answer = base * 7" in solution.cells[3].source
    # The student's order: the task, the scaffold, the hint, the check.
    assert [c.cell_type for c in student.cells] == ["code", "markdown", "code", "markdown", "code"]
    assert student.cells[2].source == "base = 6\nanswer = ...  # TODO: doplňte"
    assert student.cells[2].metadata["tags"] == ["scaffold"]
    assert "Six times seven." in student.cells[3].source
    assert student.cells[4].source == "assert answer == 42"
    assert notebooks.colab_url("demo.ipynb").endswith("/blob/main/notebooks/demo.ipynb")
    output = tmp_path / "out"
    output.mkdir()
    (output / "orphan.ipynb").write_text("{}")
    stale = notebooks.stale(output)
    assert "orphan.ipynb" in stale and "exercises/recap.ipynb" in stale


@pytest.mark.parametrize(
    "source, message",
    [
        ("x = 1\n", "no `# >>> doplňte` ... `# <<<` block"),
        ("# >>> doplňte: x\nx = 1\n", "line 1: the `# >>> doplňte` block is not closed"),
        ("x = 1\n# <<<\n", "line 2: '# <<<' inside or without a block"),
    ],
)
def test_a_solution_cell_without_a_well_formed_block_is_refused(tmp_path, source, message):
    exercise = tmp_path / "exercise.py"
    exercise.write_text(f'# %% tags=["solution"]\n{source}')
    with pytest.raises(ValueError, match=re.escape(f"exercise.py, solution cell 1: {message}")):
        notebooks.notebook(exercise, student=True)


def test_every_exercise_has_solutions_and_checks():
    sources = sorted((ROOT / "lectures" / "exercises").glob("*.py"))
    config = yaml.load((ROOT / "mkdocs.yml").read_text(), Loader=yaml.BaseLoader)
    parts = [next(iter(i.values())) for i in config["nav"] if isinstance(i, dict)]
    for part in (p for p in parts if isinstance(p, list)):
        files = [next(iter(i.values())) if isinstance(i, dict) else i for i in part]
        if any(f.endswith(".py") and "/" not in f for f in files):  # a part of the lecture
            exercises = [f for f in files if f.startswith("exercises/")]
            assert len(exercises) == 1, f"{files}: one exercise page per part"
            assert exercises[0].replace("exercises/", "") in files, "named as a page of its part"
    for source in sources:
        solution = notebooks.notebook(source)
        solutions = [c for c in solution.cells if notebooks.is_solution(c)]
        headings = [c for c in solution.cells if c.source.startswith("## Cvičení")]
        assert 2 <= len(headings) <= 4 and len(solutions) >= len(headings), source.name
        assert "checks.check_" in "".join(c.source for c in solution.cells), source.name


def test_execution_cache_folder_follows_lock_kernel_and_profile(tmp_path, monkeypatch):
    from nes2 import keys

    (tmp_path / "src" / "nes2").mkdir(parents=True)
    module = tmp_path / "src" / "nes2" / "models.py"
    module.write_text("A = 1\n")
    (tmp_path / "uv.lock").write_text("lock 1\n")
    kernel = tmp_path / ".ipython" / "profile_default" / "ipython_kernel_config.py"
    kernel.parent.mkdir(parents=True)
    kernel.write_text("c = get_config()\n")
    key = execution.execution_key(tmp_path, "quick")
    assert execution.execution_key(tmp_path, "quick") == key
    assert execution.execution_key(tmp_path, "full") != key
    module.write_text("A = 2\n")  # the package is in each notebook's own key
    assert execution.execution_key(tmp_path, "quick") == key
    (tmp_path / "uv.lock").write_text("lock 2\n")
    assert execution.execution_key(tmp_path, "quick") != key
    kernel.write_text("c = get_config()\nc.x = 1\n")
    assert len({key, execution.execution_key(tmp_path, "quick")}) == 2
    key = execution.execution_key(tmp_path, "quick")
    monkeypatch.setattr(keys, "VERSION", keys.VERSION + 1)  # keys made another way
    assert execution.execution_key(tmp_path, "quick") != key


def test_a_notebook_s_key_follows_what_it_reaches_in_the_package(monkeypatch):
    from nes2.recipes import store

    expected_toml = "src/nes2/teaching/expected.toml"
    lectures = ROOT / "lectures"
    reads_expected = lectures / "regression.py"
    imports_checks = lectures / "exercises" / "regression.py"
    assert expected_toml in reach.reached_files(reads_expected)
    assert expected_toml not in reach.reached_files(imports_checks)
    assert "src/nes2/teaching/checks.py" in reach.reached_files(imports_checks)
    assert "src/nes2/viz/curves.py" in reach.reached_files(lectures / "recap.py")
    assert not any("recipes/base.py" in f for f in reach.reached_files(reads_expected))

    keys = {path: reach.digest(path) for path in (reads_expected, imports_checks)}
    original = Path.read_bytes

    def edited(path):
        data = original(path)
        return data + b"\n# edited\n" if path.as_posix().endswith(expected_toml) else data

    monkeypatch.setattr(Path, "read_bytes", edited)
    assert reach.digest(reads_expected) != keys[reads_expected]
    assert reach.digest(imports_checks) == keys[imports_checks]
    monkeypatch.setattr(store, "training_digest", lambda: "other training code")
    assert reach.digest(imports_checks) != keys[imports_checks]


def test_search_folds_diacritics_and_math_becomes_mathml():
    assert search.fold("Průměrné IoU, síť") == "prumerne iou, sit"
    html = "<p>$$a_1 + b$$ a $x$</p><pre>cena $5 a $6</pre>"
    converted = site_html.tex_to_mathml(html)
    assert converted.count("<math") == 2 and 'display="block"' in converted
    assert "<pre>cena $5 a $6</pre>" in converted


def test_prefetch_executes_pending_notebooks_in_parallel_and_records_their_provenance(
    tmp_path, monkeypatch
):
    import threading
    import time
    from types import SimpleNamespace

    monkeypatch.setenv("NES2_PROFILE", "full")
    running, peak, lock = [0], [0], threading.Lock()
    a, b, c, broken, cached = (str(ROOT / "lectures" / f"{n}.py") for n in "abcxy")

    def convert(nb_path, image_dependencies=None, **kwargs):
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        time.sleep(0.2)
        with lock:
            running[0] -= 1
        if nb_path == broken:
            raise RuntimeError("a cell failed")
        image_dependencies[nb_path] = kwargs["theme"]
        return f"<p>{nb_path}</p>"

    plugin = SimpleNamespace(config={"cache_dir": str(tmp_path)})
    prefetch = execution.Prefetch(convert, plugin=plugin, config=None, jobs=2)
    prefetch.pending = lambda: [a, b, c, broken]
    first: dict = {}
    assert prefetch(a, theme="light", image_dependencies=first) == f"<p>{a}</p>"
    assert first == {a: "light"}
    assert prefetch(b, theme="light", image_dependencies={}) == f"<p>{b}</p>"
    assert peak[0] == 2  # two notebooks at a time, never more
    assert prefetch(cached, theme="light", image_dependencies={}) == f"<p>{cached}</p>"
    with pytest.raises(RuntimeError, match="a cell failed"):
        prefetch(broken, theme="light", image_dependencies={})
    for executed in (a, b, cached):
        assert "profil: full" in provenance.provenance_line(tmp_path, executed)
    assert "bez spuštěných výstupů" in provenance.provenance_line(tmp_path, broken)


def test_part_pages_are_titled_by_their_part_and_search_sections_by_page():
    from types import SimpleNamespace

    part = SimpleNamespace(title="Aplikace: detekce objektů")
    assert (
        pages.page_title(SimpleNamespace(title="Cvičení", parent=part))
        == "Aplikace: detekce objektů – cvičení"
    )
    assert pages.page_title(SimpleNamespace(title="Data", parent=None)) is None
    assert site_html.focusable_scrollers("<pre>x</pre>") == '<pre tabindex="0">x</pre>'


def test_search_sections_name_their_page(tmp_path):
    index = tmp_path / "search_index.json"
    docs = [
        {"location": "detection/", "title": "Aplikace: detekce objektů – výklad", "text": ""},
        {"location": "detection/#yolov8", "title": "YOLOv8 v KerasCV", "text": ""},
    ]
    index.write_text(json.dumps({"docs": docs}))
    search.fold_search_index(index)
    titles = [d["title"] for d in json.loads(index.read_text())["docs"]]
    assert titles[1] == "Aplikace: detekce objektů – výklad › YOLOv8 v KerasCV"


GLOSSARY_VARIANTS = {
    r"\bbáz[eií]\b|konvoluční báz": "páteř (backbone)",
    r"\bzáklad(em|u)? \(backbone\)|jiný základ|zmrazeným základem": "páteř (backbone)",
    r"separovateln": "separabilní konvoluce",
    r"teplotn\w* map": "tepelná mapa",
    r"\bhust[áéýo]\w* vrstv|\bhustá\b": "plně propojená vrstva",
    r"(?<![*(])\blearning rate|rychlost\w* učení": "krok učení",
    r"\bembedding(y|ů|em)\b": "vnoření",
    r"\bmap\w* (rysů|vlastností)": "mapa příznaků",
    r"(?m)^# #+ .*non-max suppression": "potlačení nemaxim",
    r"\bsegmentační mas": "maska",
    r"\bkodér-dekodér|\benkodér\b|encoder-decoder": "kodér–dekodér",
    r"\bautokodér": "autoenkodér",
}


def test_pages_use_the_terms_of_the_glossary_and_its_anchors_exist():
    sources = [*(ROOT / "lectures").rglob("*.py"), *(ROOT / "lectures").glob("*.md")]
    glossary = (ROOT / "lectures" / "glossary.md").read_text()
    anchors = {hooks_slug(h) for h in re.findall(r"^## (.+)$", glossary, re.M)}
    for source in sources:
        text = source.read_text()
        for variant, term in GLOSSARY_VARIANTS.items():
            found = re.search(variant, text, re.I)
            assert not found, f"{source.name}: {found[0]!r}; the glossary's term is {term}"
        for anchor in re.findall(r"glossary\.md#([\w-]+)", text):
            assert anchor in anchors, f"{source.name} links to glossary.md#{anchor}, not a heading"


def hooks_slug(heading: str) -> str:
    """The anchor MkDocs gives a heading (Python-Markdown's `toc.slugify`)."""
    from markdown.extensions.toc import slugify

    return slugify(heading, "-")


def test_notebook_figures_get_the_text_alternative_their_png_carries():
    import base64

    from nes2 import viz

    figure = viz.predicted_vs_true([0, 10], [1, 9], unit="°", title="Náklon číslic")
    png = base64.b64encode(figure._repr_png_()).decode()
    html = (
        f'<img alt="No description has been provided for this image" '
        f'src="data:image/png;base64,{png}" class="x"><img src="data:image/png;base64,AAAA">'
    )
    out = site_html.figure_alternatives(html)
    assert out.count("alt=") == 2 and "No description" not in out
    assert 'alt="Náklon číslic' in out
    assert f'alt="{site_html.NO_DESCRIPTION}"' in out


def test_the_cache_key_of_a_notebook_does_not_depend_on_where_the_project_is(tmp_path, monkeypatch):
    import shutil

    config = {
        "kernel_name": "",
        "theme": "light",
        "allow_errors": False,
        "show_input": True,
        "no_input": False,
        "no_prompt": False,
        "remove_tag_config": {},
        "highlight_extra_classes": "",
        "include_requirejs": False,
        "custom_mathjax_url": "",
        "toc_depth": 6,
    }
    here = ROOT / "lectures" / "recap.py"
    copy = tmp_path / "lectures" / "recap.py"
    copy.parent.mkdir()
    shutil.copy(here, copy)
    key = _compat.portable_cache_key(here, config, True)
    monkeypatch.setattr(_compat, "ROOT", tmp_path)  # the same project checked out elsewhere
    assert _compat.portable_cache_key(copy, config, True) == key
    copy.write_text(copy.read_text() + "\n# changed\n")
    assert _compat.portable_cache_key(copy, config, True) != key
    assert _compat.portable_cache_key(copy, config, False) != _compat.portable_cache_key(
        copy, config, True
    )


LECTURE_LINE_LIMIT = 350


def test_lecture_sources_stay_under_the_line_limit():
    for source in sorted((ROOT / "lectures").rglob("*.py")):
        lines = len(source.read_text().splitlines())
        assert lines <= LECTURE_LINE_LIMIT, (
            f"{source.relative_to(ROOT)} has {lines} lines (limit {LECTURE_LINE_LIMIT}): "
            "split the page or move code into the package"
        )


PROSE_IN_CODE = re.compile(r"# #{1,6} \S|# .*\]\((?!https?:)[^)]*\.(md|py)(#[\w-]+)?\)")
"""A markdown heading, or a link to another page, written as a comment: prose whose
`# %% [markdown]` line is missing, which the site would show inside a code cell."""


def prose_in_code(source: Path) -> list[str]:
    """The lines of `source`'s code cells that are a lost markdown cell's prose."""
    import jupytext

    cells = jupytext.read(source).cells
    code = [c.source for c in cells if c.cell_type == "code"]
    return [line for text in code for line in text.splitlines() if PROSE_IN_CODE.match(line)]


def test_no_lecture_prose_ends_up_in_a_code_cell(tmp_path):
    for source in sorted((ROOT / "lectures").rglob("*.py")):
        assert prose_in_code(source) == [], f"{source.name}: a `# %% [markdown]` line is missing"
    # the two sections that once lost their marker would fail
    lost = tmp_path / "lost.py"
    text = (ROOT / "lectures" / "architectures.py").read_text()
    lost.write_text(text.replace("# %% [markdown]\n# ## Soutěž ILSVRC", "# ## Soutěž ILSVRC"))
    assert prose_in_code(lost) == ["# ## Soutěž ILSVRC"]


DECIMAL_POINT = re.compile(r"(?<![\w.])(0\.\d+|\d+\.\d+(?=\s?(?:%|s\b|px|°|dB|MB|GB)))")
"""A decimal written with a point in Czech prose: one below 1 (no section number starts with
0) or one followed by a unit; the prose writes the Czech decimal comma (0,5; 2,5 px)."""


def decimal_points(source: Path) -> list[str]:
    """The decimals with a point in the markdown cells of a lecture (code, math and links
    left out: they are Python)."""
    import jupytext

    found = []
    for cell in jupytext.read(source).cells:
        if cell.cell_type != "markdown":
            continue
        text = re.sub(r"`[^`]*`|\$[^$]*\$|\]\([^)]*\)|https?://\S+", "", cell.source)
        found += DECIMAL_POINT.findall(text)
    return found


def test_lecture_prose_writes_decimals_with_the_czech_comma(tmp_path):
    for source in sorted((ROOT / "lectures").rglob("*.py")):
        assert decimal_points(source) == [], source.name
    mixed = tmp_path / "mixed.py"
    mixed.write_text("# %% [markdown]\n# IoU 0.5, krok 2.5 px, kap. 5.2, `x = 0.1`, $0.3$\n")
    assert decimal_points(mixed) == ["0.5", "2.5"]


BUILD_DETAILS = re.compile(r"__version__|expected\.|\.goal\(|NES2_|profil \{")


def test_every_lecture_opens_with_its_lesson_and_ends_with_a_summary(static_site):
    from bs4 import BeautifulSoup

    for source in sorted((ROOT / "lectures").glob("*.py")):
        soup = BeautifulSoup((static_site / source.stem / "index.html").read_text(), "html.parser")
        article = soup.select_one("article")
        headings = article.find_all("h2")
        assert headings, source.name
        assert headings[-1].get_text(strip=True).rstrip("¶") == "Shrnutí", (
            f"{source.name}: the last section is {headings[-1].get_text(strip=True)!r}"
        )
        assert len(headings[-1].find_next("ul").find_all("li", recursive=False)) in range(3, 7)
        build = article.select_one("details.nes2-build")
        assert build is not None and build.find("h2") is None, source.name
        assert headings[-1] in build.find_all_previous("h2")
        intro = []
        for element in headings[0].find_all_previous(string=True):
            intro.append(element)
        before = "".join(reversed(intro))
        assert "Co se naučíte" in before, f"{source.name} opens without 'Co se naučíte'"
        found = BUILD_DETAILS.search(before[before.index("Co se naučíte") :])
        assert not found, f"{source.name}: build information above the first section: {found[0]}"
