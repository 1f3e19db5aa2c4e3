"""The built site in a real browser: Debian's Chromium driven by Playwright.

Run alone with `pytest -m browser`; with `NES2_SITE_DIR=site` it checks a site
built before by `make site` instead of building one. Chromium comes from the
system (`apt-get install chromium`), never from `playwright install`.
"""

import json
import os
from pathlib import Path

import pytest
from conftest import SITE_BUILD_TIMEOUT, serve

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
    pytest.mark.browser,
    pytest.mark.slow,
    pytest.mark.timeout(SITE_BUILD_TIMEOUT + 300),
    pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason=f"no Chromium at {CHROMIUM}"),
]


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
        self.page.on(
            "requestfailed", lambda r: self.problems.append(f"failed: {r.url} {r.failure}")
        )
        self.page.on(
            "response",
            lambda r: r.status >= 400 and self.problems.append(f"{r.status}: {r.url}"),
        )

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
