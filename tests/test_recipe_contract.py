"""Every recipe of the registry through one protocol, on tiny data (as KerasHub tests its tasks).

`recipes.train(..., limit=N)` runs a recipe's own steps (`data`, `build`, `fit`,
`evaluate`, `figures`) on at most N examples per split for one epoch: what is
checked is the protocol, not a result.
"""

import dataclasses
import math

import matplotlib.figure
import numpy as np
import pytest

from nes2 import recipes
from nes2.data import arrays
from nes2.recipes.base import Data, Recipe, RunSpec

pytestmark = pytest.mark.trains

LIMIT = 24
OFFLINE = {"cats-vs-dogs": {"source": "synthetic"}}
"""Options that keep a recipe off the network (its default data is a download)."""
SLOW = {"detection"}
CASES = [(name, OFFLINE.get(name, {})) for name in recipes.names()] + [
    ("detection", {"model": "ssd"})  # the detector written in nes2.tasks.ssd
]


@pytest.fixture
def cifar_stand_in(monkeypatch):
    """CIFAR-10 is a download: arrays of its shape stand in."""
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (64, 32, 32, 3), dtype="uint8")
    data = arrays.ArrayData(
        images, rng.integers(0, 10, 64), images[:32], rng.integers(0, 10, 32), "stand-in",
        arrays.CIFAR10_CLASSES,
    )  # fmt: skip
    monkeypatch.setattr(arrays, "cifar10", lambda profile=None: data)


def _finite(value) -> bool:
    if isinstance(value, dict):
        return all(_finite(v) for v in value.values())
    if isinstance(value, list):
        return all(_finite(v) for v in value)
    return not isinstance(value, float) or math.isfinite(value)


@pytest.mark.parametrize(
    ("name", "options"),
    [pytest.param(n, o, marks=pytest.mark.slow if n in SLOW and not o else ()) for n, o in CASES],
    ids=[f"{n}-{'-'.join(map(str, o.values()))}" if o else n for n, o in CASES],
)
def test_every_recipe_runs_its_steps_on_tiny_data(
    name, options, nes2_home, tmp_path, cifar_stand_in
):
    recipe, out = recipes.get(name), tmp_path / "out"
    run = recipes.train(name, "quick", epochs=1, limit=LIMIT, store=False, out=out, **options)
    assert isinstance(run.data, Data) and run.data.source
    assert run.data.train is not None and run.data.test is not None
    counts = [v for v in run.metrics["counts"].values() if isinstance(v, int)]
    assert counts and max(counts) <= LIMIT
    assert run.metrics["limit"] == LIMIT and run.metrics["epochs"] == 1
    assert run.history and all(len(series) >= 1 for series in run.history.values())
    assert _finite(run.metrics) and _finite(run.history), run.metrics
    figures = run.figures()
    assert all(isinstance(f, matplotlib.figure.Figure) for f in figures.values())
    assert {p.name for p in out.iterdir()} == {"metrics.json", *(f"{n}.png" for n in figures)}
    assert isinstance(run.spec, RunSpec) and run.spec.options == recipe.resolve(options, "quick")
    # every field a recipe's data carries is declared, so `replace` keeps them all
    renamed = dataclasses.replace(run.data, source="renamed")
    fields = [f.name for f in dataclasses.fields(run.data) if f.name != "source"]
    assert renamed.source == "renamed" and type(renamed) is type(run.data)
    assert all(getattr(renamed, f) is getattr(run.data, f) for f in fields)


@pytest.mark.parametrize("name", ["keypoints", "digit-tilt", "cifar10", "localization"])
def test_recipes_that_only_train_on_their_data_use_the_default_fit(name):
    """Targets and augmentation are made by `data()`; `fit` is `Recipe.fit`, shown as it runs."""
    assert type(recipes.get(name)).fit is Recipe.fit


def test_the_default_fit_trains_on_the_data_train_split(nes2_home):
    """A recipe without a `fit` of its own trains on `data.train` in its batch per replica."""
    import keras

    class Tiny(Recipe):
        batch_size = 4

        def build(self, data, spec):
            model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
            model.compile("sgd", "mse")
            return model

    x = np.ones((10, 3), "float32")
    data = Data("ones", {"train": 10}, train=(x, np.zeros(10)), validation=(x[:2], np.zeros(2)))
    spec = RunSpec("quick", {}, epochs=2)
    model = Tiny().build(data, spec)
    history = Tiny().fit(model, data, spec)
    assert set(history) == {"loss", "val_loss"} and len(history["loss"]) == 2
    assert history["loss"][1] < history["loss"][0]


def test_a_smoke_run_is_limited_and_stored_apart(nes2_home):
    limited = recipes.train("forecasting", "quick", epochs=1, limit=8)
    assert limited.metrics["counts"]["train"] == 8 and limited.metrics["limit"] == 8
    whole = recipes.get("forecasting").spec("quick", epochs=1)
    from nes2.recipes import store

    assert limited.folder.name != store.run_key("forecasting", whole)
    with pytest.raises(ValueError, match="limit must be at least 1"):
        recipes.train("forecasting", "quick", limit=0)


def test_cifar_validates_on_training_images_not_on_the_test_split(
    nes2_home, tmp_path, cifar_stand_in
):
    run = recipes.train("cifar10", "quick", epochs=1, limit=LIMIT, store=False, out=tmp_path / "o")
    validation, test = run.data.validation[0], run.data.test[0]
    assert len(validation) and not any(
        (test == image).all(axis=(1, 2, 3)).any() for image in validation
    )
    assert run.data.counts["validation"] > 0
