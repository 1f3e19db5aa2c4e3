"""The built site in a real browser: Debian's Chromium driven by Playwright.

Run alone with `pytest -m browser`; with `NES2_SITE_DIR=site` it checks a site
built before by `make site` instead of building one. Chromium comes from the
system (`apt-get install chromium`), never from `playwright install`.
"""

import json
import os
from pathlib import Path

import pytest
from conftest import SITE_BUILD_TIMEOUT, SITE_GROUP, passed_on, serve, site_structure

ROOT = Path(__file__).parents[1]
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(os.environ.get("NES2_ARTIFACTS", ROOT / "test-artifacts"))
LECTURES = sorted(p.stem for p in (ROOT / "lectures").glob("*.py"))
# Without these, Chromium phones home at start-up; offline that shows up as failed requests.
QUIET = [
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-gpu",
]

pytestmark = [
    pytest.mark.xdist_group(SITE_GROUP),
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(SITE_BUILD_TIMEOUT + 300),
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason=f"no Chromium at {CHROMIUM}"),
]


@pytest.fixture(scope="module")
def structure(executed_site) -> str:
    return site_structure(executed_site)


@pytest.fixture(autouse=True)
def _keyed_on_what_the_browser_sees(request, structure):
    """A browser test that passed on a site of the same structure is not run again."""
    if passed_on(request, structure):
        pytest.skip("passed before on a built site of the same structure (NES2_RERUN_ALL=1 reruns)")


@pytest.fixture(scope="module")
def site_url(executed_site):
    with serve(executed_site) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=QUIET)
        yield browser
        browser.close()


class PageWatch:
    """A page that records console errors and failed or non-200 requests."""

    def __init__(self, browser):
        self.page = browser.new_page()
        self.problems = []
        self.page.on(
            "console",
            lambda m: m.type == "error" and self.problems.append(f"console: {m.text}"),
        )
        self.page.on("requestfailed", self._failed)
        self.page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"),
        )

    def _failed(self, request):
        # ERR_ABORTED: the browser cancelled the request because the test went on to the next
        # page (e.g. the search worker still loading); a missing file answers 404 instead
        if "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"failed: {request.url} {request.failure}")

    def open(self, url):
        response = self.page.goto(url, wait_until="networkidle")
        assert response is not None and response.status == 200, url
        return self.page


def site_pages(site: Path) -> list[str]:
    folders = (p.parent.relative_to(site) for p in site.rglob("index.html"))
    return sorted("" if f == Path(".") else f.as_posix() for f in folders)


def test_every_page_loads_without_errors(browser, site_url, executed_site):
    pages = site_pages(executed_site)
    assert len(pages) >= len(LECTURES) + 2
    watch = PageWatch(browser)
    for path in pages:
        watch.open(f"{site_url}/{path}/" if path else f"{site_url}/")
    watch.page.close()
    assert not watch.problems, "\n".join(watch.problems)


@pytest.mark.parametrize("lecture", LECTURES)
def test_lecture_figures_are_drawn(browser, site_url, lecture):
    watch = PageWatch(browser)
    page = watch.open(f"{site_url}/{lecture}/")
    sizes = page.eval_on_selector_all(
        ".jupyter-wrapper img",
        "images => images.map(i => [i.complete, i.naturalWidth, i.naturalHeight])",
    )
    page.close()
    assert sizes, "the page shows figures"
    assert all(done and w > 0 and h > 0 for done, w, h in sizes), sizes


def test_download_button_returns_the_notebook(browser, site_url):
    page = PageWatch(browser).open(f"{site_url}/localization/")
    button = page.get_by_role("link", name="Stáhnout notebook")
    with page.expect_download() as download:
        button.click()
    notebook = json.loads(Path(download.value.path()).read_text())
    assert notebook["nbformat"] == 4
    assert "google.colab" in "".join(notebook["cells"][0]["source"])
    colab = page.get_by_role("link", name="Otevřít v Colabu").get_attribute("href")
    assert colab.startswith("https://colab.research.google.com/github/")
    assert colab.endswith("/notebooks/localization.ipynb")
    page.close()


@pytest.mark.parametrize("query", ["průměr", "prumer", "sit"])
def test_search_finds_czech_words_with_and_without_diacritics(browser, site_url, query):
    page = PageWatch(browser).open(f"{site_url}/")
    page.locator("label.md-search__icon, .md-search__input").first.click()
    page.locator(".md-search__input").press_sequentially(query, delay=30)  # Material reads keys
    results = page.locator(".md-search-result__item")
    results.first.wait_for(timeout=15000)
    assert results.count() > 0
    page.close()


def test_dark_mode_toggles_and_a_screenshot_is_kept(browser, site_url):
    watch = PageWatch(browser)
    page = watch.open(f"{site_url}/segmentation/")
    scheme = "document.body.getAttribute('data-md-color-scheme')"
    assert page.evaluate(scheme) == "default"
    page.locator("label[for='__palette_1']").click()
    page.wait_for_function(f"{scheme} === 'slate'")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / "segmentation-dark.png"
    page.screenshot(path=str(shot), full_page=False)
    page.locator("label[for='__palette_0']").click()
    page.wait_for_function(f"{scheme} === 'default'")
    page.screenshot(path=str(ARTIFACTS / "segmentation-light.png"), full_page=False)
    page.close()
    assert shot.stat().st_size > 10_000
    assert not watch.problems, "\n".join(watch.problems)


OVERFLOW = """() => {
    const content = document.querySelector('.md-content');
    const limit = content.getBoundingClientRect().right + 1;
    // A box that clips (overflow: hidden) cuts content off; one that scrolls does not.
    const scrolls = el => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
    const describe = el => el.tagName.toLowerCase()
        + (typeof el.className === 'string' && el.className
            ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
    const cut = [], unreachable = [];
    for (const el of content.querySelectorAll('*')) {
        const box = el.getBoundingClientRect();
        if (box.width > 0 && box.right > limit) {
            let up = el.parentElement, inside = false;
            while (up && up !== content) {
                if (scrolls(up)) { inside = true; break; }
                up = up.parentElement;
            }
            if (!inside) cut.push(describe(el));
        }
        if (scrolls(el) && el.scrollWidth > el.clientWidth + 1 && el.tabIndex < 0
            && !el.querySelector('a, button, [tabindex]')) unreachable.push(describe(el));
    }
    const first = list => [...new Set(list)].slice(0, 10);
    return {cut: first(cut), unreachable: first(unreachable)};
}"""


@pytest.mark.parametrize("width", [1300, 390])
def test_nothing_is_cut_off_at_desktop_and_phone_width(browser, site_url, executed_site, width):
    """No element runs past the content column unless it scrolls in a box a keyboard can reach."""
    context = browser.new_context(viewport={"width": width, "height": 900})
    page = context.new_page()
    problems = {}
    for path in site_pages(executed_site):
        page.goto(f"{site_url}/{path}/" if path else f"{site_url}/", wait_until="load")
        found = page.evaluate(OVERFLOW)
        if found["cut"] or found["unreachable"]:
            problems[path or "/"] = found
    context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"overflow-{width}.json").write_text(json.dumps(problems, indent=1))
    assert not problems, json.dumps(problems, indent=1, ensure_ascii=False)[:3000]


def test_every_page_has_its_own_title_in_the_tab_the_header_and_search(
    browser, site_url, executed_site
):
    page = PageWatch(browser).page
    titles, headers = {}, {}
    for path in site_pages(executed_site):
        page.goto(f"{site_url}/{path}/" if path else f"{site_url}/", wait_until="load")
        titles[path] = page.title()
        headers[path] = page.locator(".md-header__topic").last.inner_text().strip()
    page.close()
    assert len(set(titles.values())) == len(titles), titles
    assert titles["detection"].startswith("Aplikace: detekce objektů – výklad")
    assert titles["exercises/detection"].startswith("Aplikace: detekce objektů – cvičení")
    assert headers["exercises/segmentation"] == "Aplikace: segmentace – cvičení"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "page-titles.txt").write_text(
        "\n".join(f"{p or '/'}\t{t}" for p, t in titles.items())
    )
    index = json.loads((executed_site / "search" / "search_index.json").read_text())
    page_titles = [d["title"] for d in index["docs"] if "#" not in d["location"]]
    assert len(set(page_titles)) == len(page_titles), sorted(page_titles)
    sections = [d["title"] for d in index["docs"] if d["location"].startswith("detection/#")]
    assert (
        "Aplikace: detekce objektů – výklad › YOLOv8 a RetinaNet: totéž v knihovně" in sections
    ), sections


def test_previous_and_next_links_walk_the_lecture_once(browser, site_url):
    page = PageWatch(browser).page
    page.goto(f"{site_url}/", wait_until="load")
    visited = [page.url]
    while page.locator("a.md-footer__link--next").count():
        label = page.locator("a.md-footer__link--next .md-ellipsis").inner_text().strip()
        assert label not in ("Výklad", "Cvičení"), f"the link after {page.url} says only {label}"
        page.locator("a.md-footer__link--next").click()
        page.wait_for_load_state("load")
        assert page.url not in visited, f"{page.url} comes twice"
        visited.append(page.url)
    page.close()
    lectures = [
        u
        for u in visited
        if "/exercises/" not in u and u.rstrip("/").rsplit("/", 1)[-1] in LECTURES
    ]
    assert len(lectures) == len(LECTURES), visited
    exercises = [u for u in visited if "/exercises/" in u]
    assert len(exercises) == len(list((ROOT / "lectures" / "exercises").glob("*.py")))
    assert visited.index(f"{site_url}/detection/") + 1 == visited.index(
        f"{site_url}/exercises/detection/"
    )


@pytest.mark.parametrize("lecture", ["cats_vs_dogs", "detection", "regression"])
def test_result_tables_fit_the_column_at_desktop_width(browser, site_url, lecture):
    """The pages' result tables are read whole at 1300 px, without scrolling sideways."""
    context = browser.new_context(viewport={"width": 1300, "height": 900})
    page = context.new_page()
    page.goto(f"{site_url}/{lecture}/", wait_until="load")
    widths = page.eval_on_selector_all(
        ".jupyter-wrapper .jp-OutputArea-output table",
        """tables => tables.map(t => [
            t.getBoundingClientRect().right,
            document.querySelector('.md-content__inner').getBoundingClientRect().right,
        ])""",
    )
    context.close()
    assert widths, "the page shows a result table"
    assert all(table <= column + 1 for table, column in widths), widths


AXE_TAGS = ["wcag2a", "wcag2aa"]
"""The WCAG 2 levels A and AA, as axe-core tags its rules."""
SCHEME = "document.body.getAttribute('data-md-color-scheme')"


def axe_violations(page) -> list[dict]:
    """Serious and critical WCAG 2 A/AA violations axe-core finds on the open page."""
    import axe_playwright_python

    page.evaluate((Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text())
    options = json.dumps({"runOnly": {"type": "tag", "values": AXE_TAGS}})
    result = page.evaluate(f"() => axe.run(document, {options})")
    return [v for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.mark.parametrize("scheme", ["default", "slate"])
def test_every_page_passes_the_accessibility_audit(browser, site_url, executed_site, scheme):
    page = browser.new_page()
    found = {}
    for path in site_pages(executed_site):
        page.goto(f"{site_url}/{path}", wait_until="networkidle")
        if page.evaluate(SCHEME) != scheme:
            page.locator("label[for='__palette_1']").click()
            page.wait_for_function(f"{SCHEME} === '{scheme}'")
            page.wait_for_timeout(300)  # the colours' transition
        for violation in axe_violations(page):
            node = violation["nodes"][0]
            found.setdefault(path or "/", []).append(
                f"{violation['id']} ×{len(violation['nodes'])}: {node['html'][:150]} "
                f"{node.get('failureSummary', '')[:200]}"
            )
    page.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{scheme}.json").write_text(json.dumps(found, indent=1, ensure_ascii=False))
    assert not found, "\n".join(f"{p}: {v}" for p, vs in found.items() for v in vs[:3])
