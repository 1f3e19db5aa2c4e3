"""The keys of `keyed` tests (tests/conftest.py): a test is run again exactly when one of its
inputs changes."""

from pathlib import Path
from types import SimpleNamespace

import conftest
import pytest


def item(nodeid: str, path: Path, *inputs: str):
    marker = pytest.mark.keyed(*inputs).mark
    return SimpleNamespace(
        nodeid=nodeid,
        fspath=path,
        get_closest_marker=lambda name: marker if name == "keyed" else None,
    )


@pytest.fixture
def project(tmp_path, monkeypatch):
    for name in ("tests/conftest.py", "tests/test_x.py", "uv.lock", "pyproject.toml", "data/a.txt"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(name)
    monkeypatch.setattr(conftest, "ROOT", tmp_path)
    monkeypatch.delenv("NES2_RERUN_ALL", raising=False)
    return tmp_path


def test_a_key_changes_with_an_input_the_test_file_or_the_lock_and_nothing_else(project):
    test = item("tests/test_x.py::t", project / "tests" / "test_x.py", "data")
    key = conftest.keyed_digest(test)
    assert conftest.keyed_digest(test) == key
    (project / "README.md").write_text("not an input")
    assert conftest.keyed_digest(test) == key
    for changed in ("data/a.txt", "tests/test_x.py", "uv.lock", "tests/conftest.py"):
        (project / changed).write_text("changed")
        assert conftest.keyed_digest(test) != key, changed
        key = conftest.keyed_digest(test)
    (project / "data" / "b.txt").write_text("a new file in an input folder")
    assert conftest.keyed_digest(test) != key
    other = item("tests/test_x.py::u", project / "tests" / "test_x.py", "data")
    assert conftest.keyed_digest(other) != conftest.keyed_digest(test)


def test_rerun_all_ignores_the_records(project, monkeypatch):
    monkeypatch.setenv("NES2_RERUN_ALL", "1")
    assert conftest.keyed_digest(item("t", project / "tests" / "test_x.py", "data")) is None


def test_training_stands_for_the_training_code_not_the_figures(monkeypatch):
    from nes2.recipes import store

    test = item("t", conftest.ROOT / "tests" / "test_instances.py", conftest.TRAINING)
    key = conftest.keyed_digest(test)
    monkeypatch.setattr(store, "training_digest", lambda: "another model")
    assert conftest.keyed_digest(test) != key


def test_a_test_that_trains_reaches_the_checks_only_through_what_it_imports():
    tests = conftest.ROOT / "tests"
    through_cli = conftest.reached_inputs(tests / "test_cli.py")
    assert "src/nes2/teaching/expected.toml" in through_cli and "src/nes2/cli.py" in through_cli
    alone = conftest.reached_inputs(tests / "test_regions.py")
    assert not any(p.startswith(("src/nes2/teaching", "src/nes2/viz")) for p in alone)
    # the recipe registry imports its recipes by name: a test of a recipe reaches what they do
    through_registry = conftest.reached_inputs(tests / "test_text.py")
    assert "src/nes2/explain.py" in through_registry
