"""Every key comes from `nes2.keys.digest`; each input of a page's key changes it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from nes2 import keys
from nes2.recipes import store
from nes2_site import execution, reach


def test_digest_counts_texts_in_order_and_files_by_path_and_content(tmp_path):
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("A = 1\n")
    key = keys.digest("x", "y", files=["pkg"], root=tmp_path)
    assert keys.digest("x", "y", files=["pkg"], root=tmp_path) == key
    assert keys.digest("y", "x", files=["pkg"], root=tmp_path) != key
    assert keys.digest("xy") != keys.digest("x", "y")
    (tmp_path / "pkg" / "__pycache__").mkdir()
    (tmp_path / "pkg" / "__pycache__" / "a.cpython-312.pyc").write_bytes(b"\0")
    assert keys.digest("x", "y", files=["pkg"], root=tmp_path) == key
    (tmp_path / "pkg" / "b.py").write_text("")
    assert keys.digest("x", "y", files=["pkg"], root=tmp_path) != key
    (tmp_path / "pkg" / "b.py").rename(tmp_path / "pkg" / "c.py")  # same content, new path
    renamed = keys.digest("x", "y", files=["pkg"], root=tmp_path)
    assert renamed != key
    (tmp_path / "pkg" / "c.py").unlink()
    assert keys.digest("x", "y", files=["pkg"], root=tmp_path) == key
    missing = keys.digest(files=["gone.txt"], root=tmp_path)
    (tmp_path / "gone.txt").write_text("")
    assert keys.digest(files=["gone.txt"], root=tmp_path) != missing


TABLE = "| a long Markdown table, no run name |" * 20  # a string too long for a file name
PAGE = f"from nes2 import recipes\n\nrun = recipes.train('detection', model='ssd')\nT = {TABLE!r}\n"


@pytest.fixture
def page(tmp_path, monkeypatch):
    """A page that trains a recipe, a Keras cache and a run store of its own."""
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    monkeypatch.setenv("NES2_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NES2_ONLINE", raising=False)
    execution._machine.clear()
    yield _write(tmp_path / "page.py", PAGE)
    execution._machine.clear()


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def _changed(page: Path, change) -> bool:
    execution._machine.clear()
    before = execution.page_inputs(page)
    change()
    execution._machine.clear()
    return execution.page_inputs(page) != before


def test_a_page_key_follows_the_pretrained_weights_it_uses_only_if_cached(
    page, tmp_path, monkeypatch
):
    models = tmp_path / "keras" / "models"
    weights = models / keys.CACHED_WEIGHTS["vgg19_notop"]
    assert _changed(page, lambda: _write(weights, "weights"))
    # a backbone a page downloads itself: where it may download, the download it makes while
    # it runs does not change its key; offline, a backbone put into the cache does
    backbone = models / keys.DOWNLOADED_WEIGHTS["resnet50_notop"]
    monkeypatch.setenv("NES2_ONLINE", "1")
    assert not _changed(page, lambda: _write(backbone, "weights"))
    monkeypatch.delenv("NES2_ONLINE")
    backbone.unlink()
    assert _changed(page, lambda: _write(backbone, "weights"))


def _configurable(monkeypatch):
    """A plugin and site configuration for `execution.configure`, mkdocs-jupyter left alone."""
    from types import SimpleNamespace

    monkeypatch.setattr(execution._compat, "use_portable_cache_keys", lambda inputs: None)
    monkeypatch.setattr(execution._compat, "converter", lambda: None)
    monkeypatch.setattr(execution._compat, "replace_converter", lambda f: None)
    plugin = SimpleNamespace(config={"execute": True, "cache": True, "cache_dir": ""})
    return plugin, {"theme": SimpleNamespace(name="material")}


def test_a_rendering_build_keys_pages_with_the_state_the_executing_build_recorded(
    page, tmp_path, monkeypatch
):
    """The Pages and deploy jobs render the executing job's cache on another machine."""
    from mkdocs.exceptions import PluginError

    plugin, site = _configurable(monkeypatch)
    monkeypatch.setenv("NES2_SITE_CACHE", str(tmp_path / "execution"))
    monkeypatch.setenv("NES2_ONLINE", "1")  # the executing job's machine
    execution.configure(plugin, site)
    executed = execution.page_inputs(page)
    assert (Path(plugin.config["cache_dir"]) / execution.MACHINE_FILE).read_text().strip() == (
        keys.machine_state()
    )
    monkeypatch.delenv("NES2_ONLINE")  # the rendering job's machine differs
    monkeypatch.setenv("NES2_REQUIRE_EXECUTED", "1")
    execution.configure(plugin, site)
    assert execution.page_inputs(page) == executed
    (Path(plugin.config["cache_dir"]) / execution.MACHINE_FILE).unlink()
    with pytest.raises(PluginError, match="does not record the machine's state"):
        execution.configure(plugin, site)


def test_a_page_key_follows_whether_downloads_are_allowed(page, monkeypatch):
    assert _changed(page, lambda: monkeypatch.setenv("NES2_ONLINE", "1"))


def test_a_page_key_follows_whether_the_real_photographs_were_fetched(page, tmp_path):
    manifest = tmp_path / "home" / "cats_vs_dogs" / "extracted" / "manifest.json"
    assert _changed(page, lambda: _write(manifest, "{}"))


def test_a_page_key_follows_the_training_code_and_the_locked_libraries(page, monkeypatch):
    assert _changed(page, lambda: monkeypatch.setattr(store, "training_digest", lambda: "other"))
    assert _changed(page, lambda: monkeypatch.setattr(store, "environment_digest", lambda: "b"))


def test_the_registry_s_recipes_are_reached_through_it(tmp_path):
    """`nes2.recipes` imports its recipes by name; what they import counts for the page."""
    through_registry = _write(tmp_path / "a.py", "from nes2 import recipes\n")
    assert "src/nes2/explain.py" in reach.reached_files(through_registry)  # the text recipe's
    assert "src/nes2/explain.py" not in reach.reached_files(
        _write(tmp_path / "b.py", "import nes2.viz\n")
    )


def _record(home: Path, recipe: str, key: str, metrics: dict) -> Path:
    record = {"inputs": {"code": store.training_digest()}, "metrics": metrics}
    return _write(home / "runs" / recipe / key / "run.json", json.dumps(record))


def test_a_page_is_stale_when_a_run_it_read_was_trained_again(page, tmp_path):
    home = tmp_path / "home"
    _record(home, "detection", "k1", {"map": 0.90})
    _record(home, "text", "k2", {"accuracy": 0.95})  # a recipe the page does not name
    read = execution.run_records(page)
    assert list(read) == ["detection/k1"]
    assert execution.changed_runs(read, page) == []
    _record(home, "text", "k2", {"accuracy": 0.5})
    _record(home, "detection", "k3", {"map": 0.7})  # a new run is not a change
    assert execution.changed_runs(read, page) == []
    _record(home, "detection", "k1", {"map": 0.85})  # `nes2 verify --fresh`
    assert execution.changed_runs(read, page) == ["detection/k1"]


def test_a_changed_run_drops_the_page_s_cached_output(page, tmp_path, monkeypatch):
    from types import SimpleNamespace

    from nes2_site import provenance

    home, cache = tmp_path / "home", tmp_path / "cache"
    _record(home, "detection", "k1", {"map": 0.90})
    monkeypatch.setattr(provenance, "provenance_file", lambda folder, nb: Path(folder) / "p.json")
    provenance.record_provenance(cache, page, runs=execution.run_records(page))
    cached = _write(cache / "page.html", "<p>mAP 0.90</p>")
    monkeypatch.setattr(execution._compat, "cache_path", lambda *args: cached)
    current = SimpleNamespace(
        notebooks=[str(page)],
        plugin=SimpleNamespace(config={"execute": True, "cache_dir": str(cache)}),
        config={"theme": SimpleNamespace(name="material")},
    )
    monkeypatch.setattr(execution, "ROOT", tmp_path)
    execution._forget_changed_runs(current)
    assert cached.exists()
    _record(home, "detection", "k1", {"map": 0.85})
    execution._forget_changed_runs(current)
    assert not cached.exists()


def test_a_cache_of_another_lock_profile_or_key_version_is_dropped_whole_in_one_line(
    tmp_path, monkeypatch, caplog
):
    plugin, site = _configurable(monkeypatch)
    monkeypatch.setenv("NES2_SITE_CACHE", str(tmp_path / "cache"))
    restored = tmp_path / "cache" / "0123456789abcdef-executed"  # e.g. restored by CI
    _write(restored / "entry.json", "{}")
    with caplog.at_level("INFO", logger="mkdocs"):
        execution.configure(plugin, site)
    assert not restored.exists()
    assert "0123456789abcdef-executed dropped whole, made for another lock" in caplog.text
