"""The published execution cache: a fresh clone fetches what the site executed, and nothing
it cannot check."""

from __future__ import annotations

import json
import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import serve

from nes2 import keys
from nes2_site import execution, published


class Build(SimpleNamespace):
    """What `fetch` and `publish` read of a build: its pages, its cache and its theme."""

    def pending(self):
        return [p for p in self.notebooks if not published._compat.cache_path(p).exists()]


@pytest.fixture
def pages(tmp_path, monkeypatch):
    """Three pages, keyed by their text (standing for what they reach), cached in a folder."""
    sources = []
    for name in ("recap", "detection", "segmentation"):
        sources.append(tmp_path / "lectures" / f"{name}.py")
        sources[-1].parent.mkdir(exist_ok=True)
        sources[-1].write_text(f"# %% [markdown]\n# {name}\n")
    monkeypatch.setattr(published, "ROOT", tmp_path)
    monkeypatch.setattr(published, "code_key", lambda path, *_: keys.digest(Path(path).read_text()))
    monkeypatch.setattr(published.provenance, "ROOT", tmp_path)
    published._MANIFESTS.clear()
    yield sources
    published._MANIFESTS.clear()


def _build(tmp_path, sources, name: str) -> Build:
    cache = tmp_path / name
    build = Build(
        notebooks=[str(p) for p in sources],
        plugin=SimpleNamespace(config={"cache_dir": str(cache)}),
        config={"theme": SimpleNamespace(name="material")},
    )
    return build


@pytest.fixture
def cache_path(monkeypatch):
    folders = {}

    def path(nb_path, config=None, *_):
        folder = Path(config["cache_dir"]) if config else folders["current"]
        return folder / f"{keys.digest(Path(nb_path).read_text(), length=None)}.json"

    monkeypatch.setattr(published._compat, "cache_path", path)
    return folders


def _executed(build: Build, cache_path) -> Build:
    cache_path["current"] = Path(build.plugin.config["cache_dir"])
    for page in build.notebooks:
        entry = published._compat.cache_path(page, build.plugin.config)
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_text(json.dumps({"content": f"<p>{Path(page).stem}: 0.91</p>"}))
    return build


@pytest.fixture
def site(tmp_path, pages, cache_path):
    """The published site's `_execution/` of a build that executed every page."""
    built = _executed(_build(tmp_path, pages, "published-cache"), cache_path)
    manifest = published.publish(tmp_path / "site", built)
    assert manifest == tmp_path / "site" / "_execution" / "manifest.json"
    return tmp_path / "site"


def _fresh(tmp_path, pages, cache_path) -> Build:
    build = _build(tmp_path, pages, "fresh-cache")
    cache_path["current"] = Path(build.plugin.config["cache_dir"])
    return build


def test_a_fresh_clone_fetches_every_page_the_site_executed(tmp_path, pages, site, cache_path):
    fresh = _fresh(tmp_path, pages, cache_path)
    with serve(site) as url:
        line = published.fetch(fresh, f"{url}/_execution/")
    assert line.startswith("Execution cache: 3 of 3 page(s) fetched") and "0 to execute" in line
    assert fresh.pending() == []
    assert published.fetch(fresh, "http://127.0.0.1:9/") is None  # nothing left to execute


def test_an_edited_page_is_executed_and_the_others_fetched(tmp_path, pages, site, cache_path):
    pages[1].write_text(pages[1].read_text() + "# edited by the teacher\n")
    fresh = _fresh(tmp_path, pages, cache_path)
    with serve(site) as url:
        line = published.fetch(fresh, f"{url}/_execution/")
    assert "2 of 3 page(s) fetched" in line and "1 to execute here" in line
    assert fresh.pending() == [str(pages[1])]


def test_a_tampered_entry_is_refused_by_its_checksum_and_executed(
    tmp_path, pages, site, cache_path
):
    manifest = json.loads((site / "_execution" / "manifest.json").read_text())
    entry = next(e for e in manifest["entries"].values() if e["page"].endswith("detection.py"))
    (site / "_execution" / entry["file"]).write_text(json.dumps({"content": "<p>0.99</p>"}))
    fresh = _fresh(tmp_path, pages, cache_path)
    with serve(site) as url:
        line = published.fetch(fresh, f"{url}/_execution/")
    assert "2 of 3" in line and "refused: lectures/detection.py (checksum)" in line
    assert fresh.pending() == [str(pages[1])]


def test_a_manifest_entry_outside_its_folder_is_never_fetched(tmp_path, pages, site, cache_path):
    path = site / "_execution" / "manifest.json"
    manifest = json.loads(path.read_text())
    for entry in manifest["entries"].values():  # a valid entry, served where it must not be read
        data = (site / "_execution" / entry["file"]).read_bytes()
        (site / "outside.json").write_bytes(data)
        entry["file"] = "../outside.json"
    path.write_text(json.dumps(manifest))
    fresh = _fresh(tmp_path, pages, cache_path)
    with serve(site) as url:
        assert (
            published._get(f"{url}/_execution/../outside.json", 5) == data
        )  # the server would serve it
        assert "0 of 3" in published.fetch(fresh, f"{url}/_execution/")


def test_a_malformed_provenance_is_not_shown_and_the_page_is_still_fetched(
    tmp_path, pages, site, cache_path
):
    from nes2_site import provenance

    path = site / "_execution" / "manifest.json"
    manifest = json.loads(path.read_text())
    for entry in manifest["entries"].values():
        entry["provenance"] = {"versions": "not a table"}
    path.write_text(json.dumps(manifest))
    fresh = _fresh(tmp_path, pages, cache_path)
    with serve(site) as url:
        assert "3 of 3" in published.fetch(fresh, f"{url}/_execution/")
    line = provenance.provenance_line(fresh.plugin.config["cache_dir"], pages[0])
    assert line.startswith("výstupy převzaté z publikovaného webu")


def test_a_redirect_to_plain_http_elsewhere_is_refused(tmp_path, pages, cache_path):
    import http.server
    import threading

    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(302)
            self.send_header("Location", "http://example.org/manifest.json")
            self.end_headers()

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Redirect)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        fresh = _fresh(tmp_path, pages, cache_path)
        line = published.fetch(fresh, f"http://127.0.0.1:{server.server_port}/")
    finally:
        server.shutdown()
        server.server_close()
    assert "not reachable (refused redirect to http://example.org/manifest.json)" in line


def test_a_cache_of_another_lock_or_profile_is_refused_whole(
    tmp_path, pages, site, cache_path, monkeypatch
):
    monkeypatch.setattr(execution, "execution_key", lambda *a, **k: "another-lock")
    fresh = _fresh(tmp_path, pages, cache_path)
    with serve(site) as url:
        line = published.fetch(fresh, f"{url}/_execution/")
    assert "made for another lock, kernel configuration or profile" in line
    assert len(fresh.pending()) == 3


def test_a_server_that_is_down_leaves_every_page_to_execute(tmp_path, pages, cache_path):
    fresh = _fresh(tmp_path, pages, cache_path)
    line = published.fetch(fresh, "http://127.0.0.1:9/_execution/")
    assert line.startswith("Execution cache: http://127.0.0.1:9/_execution/ not reachable")
    assert "3 page(s) to execute here" in line and len(fresh.pending()) == 3
    assert (
        published.fetch(fresh, None)
        == "Execution cache: NES2_CACHE_URL=off, 3 page(s) to execute here."
    )


@pytest.mark.parametrize(
    "url", ["http://nes2-course.github.io/nes2/", "ftp://example.org/", "file:///etc/"]
)
def test_a_cache_url_that_is_not_https_is_refused(url):
    with pytest.raises(published.CacheURLError, match="HTTPS only"):
        published.cache_url({"NES2_CACHE_URL": url})


def test_a_fork_fetches_from_its_own_site():
    fork = {"GITHUB_REPOSITORY": "teacher/nes2"}
    assert published.cache_url(fork) == "https://teacher.github.io/nes2/dev/_execution/"
    assert published.publishing({"NES2_SITE_VERSION": "0.2.0"})
    assert not published.publishing({})


def test_a_bad_cache_url_stops_the_build(tmp_path, pages, monkeypatch):
    from mkdocs.exceptions import PluginError

    build = _build(tmp_path, pages, "cache")
    monkeypatch.setattr(execution, "prefetch", lambda: build)
    monkeypatch.setenv("NES2_CACHE_URL", "http://example.org/_execution/")
    with pytest.raises(PluginError, match="HTTPS only"):
        published.fetch_for_build()


PAGE = """# %% [markdown]
# # Stránka

# %%
from pathlib import Path

with Path("executions.log").open("a") as log:
    print("executed", file=log)
print("0.91")
"""


@pytest.mark.slow
def test_a_real_build_renders_the_published_page_without_executing_it(tmp_path):
    """Two mkdocs builds through the course's hooks: one publishes, a fresh cache fetches."""
    pytest.importorskip("mkdocs_jupyter", reason="mkdocs-jupyter needs Python >= 3.12")
    import shutil
    import subprocess
    import sys
    import tempfile

    import yaml

    root = published.ROOT
    (root / ".cache").mkdir(exist_ok=True)
    project = Path(tempfile.mkdtemp(prefix="published-", dir=root / ".cache"))
    try:
        (project / "docs").mkdir()
        (project / "docs" / "index.md").write_text("# Index\n")
        (project / "docs" / "page.py").write_text(PAGE)
        config = {
            "site_name": "published",
            "docs_dir": "docs",
            "theme": {"name": "material"},
            "hooks": [str(root / "site_hooks.py")],
            "plugins": [{"mkdocs-jupyter": {"execute": True, "include": ["*.py"]}}],
            "nav": ["index.md", "page.py"],
        }
        (project / "mkdocs.yml").write_text(yaml.safe_dump(config))

        def build(cache: str, **env) -> subprocess.CompletedProcess:
            return subprocess.run(
                [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", f"site-{cache}"],
                cwd=project,
                env={
                    **os.environ,
                    "NES2_SITE_CACHE": str(project / cache),
                    "NO_MKDOCS_2_WARNING": "1",
                    "PYTHONPATH": str(root),
                    **env,
                },
                capture_output=True,
                text=True,
                timeout=300,
            )

        first = build("published", NES2_PUBLISH_EXECUTION="1", NES2_CACHE_URL="off")
        assert first.returncode == 0, first.stderr[-3000:]
        log = project / "docs" / "executions.log"
        assert log.read_text().count("executed") == 1
        assert (project / "site-published" / "_execution" / "manifest.json").is_file()
        with serve(project / "site-published") as url:
            fresh = build("fresh", NES2_CACHE_URL=f"{url}/_execution/")
        assert fresh.returncode == 0, fresh.stderr[-3000:]
        assert "Execution cache: 1 of 1 page(s) fetched" in fresh.stderr
        assert log.read_text().count("executed") == 1  # rendered, not executed
        assert "0.91" in (project / "site-fresh" / "page" / "index.html").read_text()
    finally:
        shutil.rmtree(project, ignore_errors=True)


def test_a_fetched_page_is_executed_again_once_a_run_it_read_is_trained_here(
    tmp_path, pages, site, cache_path, monkeypatch
):
    manifest_path = site / "_execution" / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    for entry in manifest["entries"].values():
        entry["provenance"] = {
            "versions": {"nes2": "0.1.0"}, "machine": "2 CPU", "device": "CPU",
            "profile": "quick", "executed": "2026-12-01 10:00", "runs": {"detection/k1": "abc"},
            "data": {"cats_vs_dogs": 1},  # malformed: left out, never shown
        }  # fmt: skip
    manifest_path.write_text(json.dumps(manifest))
    fresh = _fresh(tmp_path, pages, cache_path)
    with serve(site) as url:
        assert "3 of 3" in published.fetch(fresh, f"{url}/_execution/")
    from nes2_site import provenance

    record = provenance.read_provenance(fresh.plugin.config["cache_dir"], pages[1])
    assert record["runs"] == {"detection/k1": "published"} and "data" not in record
    assert "Cats vs Dogs" not in provenance.provenance_line(
        fresh.plugin.config["cache_dir"], pages[1]
    )
    monkeypatch.setattr(execution, "run_records", lambda source: {})
    assert execution.changed_runs(record["runs"], pages[1]) == []  # nothing trained here yet
    monkeypatch.setattr(execution, "run_records", lambda source: {"detection/k1": "def"})
    assert execution.changed_runs(record["runs"], pages[1]) == ["detection/k1"]
