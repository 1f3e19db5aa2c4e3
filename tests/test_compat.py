"""The patches of private APIs: every patched name exists in the locked versions, and a
version outside a patch's range is refused with a message naming both."""

import importlib
from importlib import metadata

import pytest

from nes2 import _compat
from nes2_site import _compat as site_compat


def _resolve(module: str, attribute: str):
    value = importlib.import_module(module)
    for part in attribute.split("."):
        value = getattr(value, part)
    return value


@pytest.mark.parametrize("module, attribute", _compat.PRIVATE_ATTRIBUTES)
def test_every_private_name_nes2_uses_exists_in_the_locked_versions(module, attribute):
    assert _resolve(module, attribute) is not None


@pytest.mark.parametrize("module, attribute", site_compat.PRIVATE_ATTRIBUTES)
def test_every_private_name_the_site_patches_exists_in_the_locked_version(module, attribute):
    pytest.importorskip("mkdocs_jupyter", reason="mkdocs-jupyter needs Python >= 3.12")
    assert callable(_resolve(module, attribute))


def test_the_locked_versions_are_inside_the_patches_ranges():
    _compat.require("keras", _compat.KERAS_MULTI_WORKER, "test")
    _compat.require("tensorflow", _compat.TENSORFLOW_DETERMINISM, "test")
    if importlib.util.find_spec("mkdocs_jupyter"):
        site_compat.require()


def test_a_version_outside_the_range_is_refused_naming_versions_and_issue(monkeypatch):
    monkeypatch.setattr(_compat, "version", lambda package: "3.16.0")
    with pytest.raises(_compat.UnsupportedVersionError) as error:
        _compat.mend_keras_multi_worker()
    message = str(error.value)
    assert "keras >=3.15,<3.16, not 3.16.0" in message
    assert "keras-team/keras/issues/20585" in message and "nes2/_compat.py" in message


def test_the_site_refuses_an_mkdocs_jupyter_it_was_not_written_for(monkeypatch):
    monkeypatch.setattr(_compat, "version", lambda package: "0.28.0")
    with pytest.raises(site_compat.UnsupportedVersionError, match=r">=0.27,<0.28, not 0.28.0"):
        site_compat.use_portable_cache_keys()


def test_mkdocs_jupyter_is_bounded_in_pyproject_as_the_patch_supports():
    requirements = metadata.requires("nes2") or []
    (spec,) = [r for r in requirements if r.startswith("mkdocs-jupyter")]
    first, beyond = site_compat.MKDOCS_JUPYTER
    assert f">={first[0]}.{first[1]}" in spec and f"<{beyond[0]}.{beyond[1]}" in spec


def test_determinism_lasts_one_run(nes2_home):
    """A deterministic run, then one that is not, in one process (as pages train them)."""
    from nes2 import config, recipes

    was = _compat.op_determinism_enabled()
    seen = {}
    for name, deterministic in (("deterministic", True), ("free", False)):

        class Probe(recipes.Recipe):
            def data(self, spec):
                import numpy as np

                x = np.zeros((4, 2), "float32")
                return recipes.Data("zeros", {"train": 4, "test": 4}, train=(x, x), test=(x, x))

            def build(self, data, spec):
                import keras

                model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(2)])
                model.compile("sgd", "mse")
                return model

            def fit(self, model, data, spec, _name=name):
                seen[_name] = _compat.op_determinism_enabled()
                return super().fit(model, data, spec)

            def evaluate(self, model, data, spec, history):
                return {}

        Probe.name, Probe.deterministic = f"probe-{name}", deterministic
        recipes.REGISTRY[Probe.name] = Probe()
        try:
            recipes.train(Probe.name, "quick", epochs=1, store=False)
        finally:
            del recipes.REGISTRY[Probe.name]
    assert seen == {"deterministic": True, "free": False}
    assert _compat.op_determinism_enabled() == was
    with config.op_determinism(True):
        assert _compat.op_determinism_enabled()
    assert _compat.op_determinism_enabled() == was
