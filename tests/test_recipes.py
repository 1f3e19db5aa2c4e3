"""The recipe protocol and the run store: a run is trained once, reused, never reused wrongly."""

import json
import logging
import shutil

import numpy as np
import pytest

from nes2 import cli, recipes
from nes2.errors import InvalidOptionError
from nes2.recipes import mnist_ensemble, store
from nes2.recipes.base import RunSpec
from nes2.recipes.keypoints import Keypoints

pytestmark = pytest.mark.trains


def test_mnist_ensemble_is_trained_once_then_reused(
    nes2_home, tmp_path, capsys, caplog, monkeypatch
):
    first = recipes.train("mnist-ensemble", "quick", epochs=1, out=tmp_path / "first")
    accuracy = first.metrics["test_accuracy"]
    assert list(accuracy) == [*mnist_ensemble.MEMBERS, *mnist_ensemble.METHODS]
    assert all(0.5 < value <= 1.0 for value in accuracy.values()), accuracy
    assert first.metrics["counts"] == {"train": 3200, "stacking": 800, "test": 1000}
    assert json.loads((tmp_path / "first" / "metrics.json").read_text()) == first.metrics
    assert (tmp_path / "first" / "accuracy.png").read_bytes().startswith(b"\x89PNG")
    assert not first.reused and first.folder.parent == nes2_home / "runs" / "mnist-ensemble"

    capsys.readouterr()
    # as in a lecture page: no handler of the command line (an earlier test may have added one)
    monkeypatch.setattr(logging.getLogger("nes2"), "handlers", [])
    with caplog.at_level(logging.INFO, logger="nes2"):
        again = recipes.train("mnist-ensemble", "quick", epochs=1)
    assert again.reused and again.metrics == first.metrics and again.folder == first.folder
    assert "mnist-ensemble: reused run from " in caplog.text
    assert capsys.readouterr().out == "", "a lecture page prints nothing of the run store"
    # The stored weights are loaded: the rebuilt stacking ensemble scores what was measured.
    stack = again.model.ensembles["stack"]
    measured = stack.evaluate(*again.data.test, verbose=0)[1]
    assert measured == pytest.approx(accuracy["stack"], abs=1e-4)
    members = [m.name for m in again.model.members]
    assert [layer.name for layer in stack.layers[1:4]] == members


@pytest.fixture(scope="module")
def trained_keypoints(tmp_path_factory):
    """A one-epoch keypoints run, trained once for the module in a store of its own."""
    home = tmp_path_factory.mktemp("keypoints-home")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("NES2_HOME", str(home))
        run = recipes.train("keypoints", "quick", epochs=1)
    return run, home


@pytest.fixture
def keypoints_run(trained_keypoints, nes2_home):
    """The module's keypoints run, in this test's own store (copied, then reused from it)."""
    run, home = trained_keypoints
    shutil.copytree(home / "runs", nes2_home / "runs")
    again = recipes.train("keypoints", "quick", epochs=1)
    assert again.reused and again.metrics == run.metrics
    return again


def test_a_change_of_options_epochs_seed_or_code_gives_another_key(keypoints_run, monkeypatch):
    key = store.run_key("keypoints", keypoints_run.spec)
    assert keypoints_run.folder.name == key
    others = {
        store.run_key("keypoints", RunSpec("quick", {}, 2)),
        store.run_key("keypoints", RunSpec("quick", {}, 1, seed=7)),
        store.run_key("keypoints", RunSpec("full", {}, 1)),
        store.run_key("keypoints", RunSpec("quick", {}, 1, limit=64)),
        store.run_key("keypoints", RunSpec("quick", {}, 1, distribution={"workers": 2})),
        store.run_key("digit-tilt", RunSpec("quick", {"target": "sincos"}, 1)),
    }
    assert key not in others and len(others) == 6
    # Verbosity does not change what is trained.
    assert store.run_key("keypoints", RunSpec("quick", {}, 1, verbose=1)) == key
    monkeypatch.setattr(store, "training_digest", lambda: "edited package")
    assert store.run_key("keypoints", RunSpec("quick", {}, 1)) != key
    retrained = recipes.train("keypoints", "quick", epochs=1)
    assert not retrained.reused and retrained.folder != keypoints_run.folder


def test_a_record_whose_key_does_not_match_is_not_reused(keypoints_run, monkeypatch):
    record_path = keypoints_run.folder / "run.json"
    record = json.loads(record_path.read_text())
    record["inputs"]["epochs"] = 99  # a record filed under a key it was not made with
    record_path.write_text(json.dumps(record))
    assert store.load("keypoints", keypoints_run.folder.name) is None
    record_path.write_text("{ not json")
    assert store.load("keypoints", keypoints_run.folder.name) is None
    again = recipes.train("keypoints", "quick", epochs=1)
    assert not again.reused
    assert json.loads(record_path.read_text())["key"] == keypoints_run.folder.name


def test_fresh_trains_again_and_replaces_the_stored_run(keypoints_run):
    again = recipes.train("keypoints", "quick", epochs=1, fresh=True)
    assert not again.reused and again.created > keypoints_run.created
    assert recipes.train("keypoints", "quick", epochs=1).created == again.created


def test_an_interrupted_training_leaves_nothing_in_the_store(nes2_home, monkeypatch):
    def interrupted(self, *args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(Keypoints, "save", interrupted)
    with pytest.raises(KeyboardInterrupt):
        recipes.train("keypoints", "quick", epochs=1)
    assert list((nes2_home / "runs" / "keypoints").iterdir()) == []


def test_reused_model_predicts_what_the_trained_one_did(trained_keypoints, keypoints_run):
    trained, _ = trained_keypoints
    again = keypoints_run
    x = trained.data.test[0][:16]
    np.testing.assert_allclose(
        again.model.predict(x, verbose=0), trained.model.predict(x, verbose=0), atol=1e-5
    )
    assert set(again.figures()) == {"keypoints"}


def test_a_reused_run_loads_its_data_and_model_only_when_asked(
    trained_keypoints, keypoints_run, monkeypatch
):
    steps = []
    for step in ("data", "build"):
        original = getattr(Keypoints, step)

        def counted(self, *args, _original=original, _step=step, **kwargs):
            steps.append(_step)
            return _original(self, *args, **kwargs)

        monkeypatch.setattr(Keypoints, step, counted)
    again = recipes.train("keypoints", "quick", epochs=1)
    assert again.reused and again.metrics == keypoints_run.metrics and steps == []
    trained, _ = trained_keypoints
    assert again.model is again.model
    assert again.data.test[0].shape == trained.data.test[0].shape
    assert steps == ["data", "build"]


def test_verify_checks_the_stored_run_instead_of_training(shared_home, monkeypatch, capsys):
    # The run verify checks (the profile's epochs), stored once in the tests' persistent cache.
    recipes.train("keypoints", "quick")

    def no_training(self, *args, **kwargs):
        pytest.fail("verify trained a run that was stored")

    monkeypatch.setattr(Keypoints, "fit", no_training)
    assert cli.main(["verify", "keypoints", "--profile", "quick"]) == 0
    out = capsys.readouterr().out
    assert "keypoints: reused run from " in out and "0 missed" in out


@pytest.mark.parametrize(
    "options, message",
    [
        ({"target": "degrees"}, "digit-tilt --target 'degrees': use one of sincos, angle."),
        ({"colour": "red"}, "digit-tilt has no option 'colour'; its options: --target."),
    ],
)
def test_bad_options_name_the_choices(options, message):
    with pytest.raises(InvalidOptionError) as info:
        recipes.train("digit-tilt", "quick", **options)
    assert str(info.value) == message


def test_unknown_recipe_lists_the_recipes():
    with pytest.raises(InvalidOptionError, match="recipes: cats-vs-dogs, digit-tilt"):
        recipes.get("colorization")


def test_every_recipe_has_quick_and_full_epochs_and_a_module_docstring():
    for name in recipes.names():
        recipe = recipes.get(name)
        options = recipe.resolve({})
        for profile in ("quick", "full"):
            assert recipe.default_epochs(profile, options) >= 1
        module = __import__(type(recipe).__module__, fromlist=["__doc__"])
        assert "Examples:" in module.__doc__, name


def test_every_expected_run_is_a_registered_recipe_with_valid_options():
    from nes2.teaching import expected

    for entry in expected.entries():
        recipe = recipes.get(entry.recipe)
        assert recipe.run_name(recipe.resolve(entry.options, entry.profile)) == entry.name
