"""The `cifar10` recipe on stand-in arrays shaped like CIFAR-10 (the data set is a download)."""

import numpy as np
import pytest

from nes2 import recipes
from nes2.data import arrays

pytestmark = pytest.mark.trains


@pytest.fixture
def cifar_like(monkeypatch):
    rng = np.random.default_rng(0)

    def images(n):
        return rng.integers(0, 256, (n, 32, 32, 3), dtype="uint8"), rng.integers(0, 10, n)

    (x_train, y_train), (x_test, y_test) = images(256), images(64)
    data = arrays.ArrayData(
        x_train, y_train, x_test, y_test, "stand-in arrays", arrays.CIFAR10_CLASSES
    )
    monkeypatch.setattr(arrays, "cifar10", lambda profile=None: data)
    return data


@pytest.mark.parametrize("model", ["resnet", "plain"])
def test_both_twins_train_and_evaluate(cifar_like, model, tmp_path):
    run = recipes.train("cifar10", "quick", epochs=1, store=False, out=tmp_path, model=model)
    assert run.metrics["run"] == f"cifar10/{model}"
    # the last tenth of the training images validates, the test images are kept for the end
    assert run.metrics["counts"] == {"train": 231, "validation": 25, "test": 64}
    assert 0 <= run.metrics["test_accuracy"] <= 1
    assert set(run.history) >= {"loss", "accuracy", "val_loss", "val_accuracy"}
    adds = sum(layer.__class__.__name__ == "Add" for layer in run.model.layers)
    assert (adds > 0) == (model == "resnet")
    weighted = [x for x in run.model.layers if x.__class__.__name__ in ("Conv2D", "Dense")]
    assert len(weighted) - (model == "resnet") == 20  # the resnet adds one 1x1 projection
    assert (tmp_path / "curves.png").is_file()


def test_cifar100_trains_the_same_network_with_a_hundred_classes(monkeypatch, tmp_path):
    rng = np.random.default_rng(1)
    x, y = rng.integers(0, 256, (128, 32, 32, 3), dtype="uint8"), rng.integers(0, 100, 128)
    data = arrays.ArrayData(x, y, x[:32], y[:32], "CIFAR-100 (fine) stand-in")
    monkeypatch.setattr(arrays, "cifar100", lambda profile=None: data)
    run = recipes.train("cifar10", "quick", epochs=1, store=False, data="cifar100")
    assert run.metrics["run"] == "cifar10/resnet-cifar100" and run.metrics["data"] == "cifar100"
    assert run.model.output_shape == (None, 100)
    assert recipes.get("cifar10").run_name({"model": "plain", "data": "cifar10"}) == "cifar10/plain"
