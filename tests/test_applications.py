"""nes2.applications: registry, model counts, transfer models, fine-tuning, offline weights."""

import json
import time
import urllib.error

import keras
import numpy as np
import pytest

from nes2 import applications as apps
from nes2.applications import catalog
from nes2.errors import Nes2Error

SMALL = {"alpha": 0.35}  # MobileNetV2 at width 0.35 keeps the tests fast


def _published_millions(text):
    return float(text.rstrip("M"))


def test_registry_covers_every_keras_application():
    constructors = {
        name
        for name in dir(keras.applications)
        if name[0].isupper() and callable(getattr(keras.applications, name))
    }
    assert constructors == set(apps.REGISTRY)
    assert {spec.family for spec in apps.REGISTRY.values()} >= {
        "VGG",
        "ResNet",
        "ResNetV2",
        "Inception",
        "InceptionResNet",
        "Xception",
        "MobileNet",
        "DenseNet",
        "NASNet",
        "EfficientNet",
        "EfficientNetV2",
        "ConvNeXt",
    }
    with_published = [s for s in apps.REGISTRY.values() if s.top1 is not None]
    assert len(with_published) == 33  # keras.io's table; ConvNeXt and MobileNetV3 are not in it
    assert apps.spec("Xception").top5 == pytest.approx(0.945)


def test_unknown_name_lists_close_matches():
    with pytest.raises(apps.UnknownModelError, match="did you mean EfficientNetB0") as info:
        apps.spec("EfficentNetB0")
    assert isinstance(info.value, Nes2Error)


@pytest.mark.parametrize("name", ["VGG16", "MobileNet", "MobileNetV2", "ResNet50", "DenseNet121"])
def test_live_counts_agree_with_keras_io(name):
    live = apps.count(name)
    row = apps.spec(name)
    assert round(live["params"] / 1e6, 1) == _published_millions(row.published_params)
    assert live["depth"] == row.published_depth


def test_table_reads_the_recorded_counts_without_building_a_model(nes2_home, monkeypatch):
    monkeypatch.setattr(catalog, "count", lambda name: pytest.fail(f"{name} built"))
    rows = apps.table(progress=False)
    assert [r["name"] for r in rows] == list(apps.REGISTRY)
    assert rows[0]["params"] == catalog.recorded_counts()[rows[0]["name"]]["params"] > 0
    assert not catalog._table_cache().exists()  # the counts came with the package


def test_another_keras_version_counts_live_once_and_caches(nes2_home, monkeypatch):
    monkeypatch.setattr(keras, "__version__", "0.0.0-other")
    assert catalog.recorded_counts() == {}
    first = apps.table(["MobileNet"], progress=False)
    assert first[0]["params"] == apps.count("MobileNet")["params"]
    assert (nes2_home / "applications-table-keras-0.0.0-other.json").is_file()
    monkeypatch.setattr(catalog, "count", lambda name: pytest.fail("counted again"))
    assert apps.table(["mobilenet"], progress=False) == first


def test_record_counts_writes_every_model_for_this_keras(tmp_path, monkeypatch):
    monkeypatch.setattr(catalog, "count", lambda name: {"params": len(name), "depth": 1})
    path = catalog.record_counts(tmp_path / "counts.json")
    recorded = json.loads(path.read_text())
    assert recorded["keras"] == keras.__version__
    assert recorded["counts"]["VGG16"] == {"params": 5, "depth": 1}
    assert set(recorded["counts"]) == set(apps.REGISTRY)


@pytest.mark.trains
def test_transfer_model_freezes_base_and_keeps_preprocessing(tmp_path):
    model = apps.transfer_model("MobileNetV2", 3, (64, 64, 3), weights=None, **SMALL)
    base = model.get_layer("base")
    assert not base.trainable
    assert {id(w) for w in model.trainable_weights}.isdisjoint(id(w) for w in base.weights)
    assert model.get_layer("preprocessing").model_name == "MobileNetV2"
    x = np.random.default_rng(0).integers(0, 256, (2, 64, 64, 3)).astype("float32")
    path = tmp_path / "transfer.keras"
    model.save(path)
    restored = keras.saving.load_model(path)
    np.testing.assert_allclose(
        restored.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6
    )


@pytest.mark.trains
def test_base_runs_in_inference_mode_even_when_unfrozen():
    model = apps.transfer_model("MobileNetV2", 2, (32, 32, 3), weights=None, freeze=False, **SMALL)
    bn = next(
        layer
        for layer in model.get_layer("base").layers
        if isinstance(layer, keras.layers.BatchNormalization)
    )
    before = bn.moving_mean.numpy().copy()
    x = np.random.default_rng(1).integers(0, 256, (8, 32, 32, 3)).astype("float32")
    model.train_on_batch(x, np.ones((8, 1)))
    np.testing.assert_array_equal(bn.moving_mean.numpy(), before)


def test_weights_from_a_local_file(tmp_path):
    source = apps.base_model("MobileNetV2", (32, 32, 3), weights=None, **SMALL)
    kernel = source.get_layer("Conv1")
    kernel.kernel.assign(np.random.default_rng(2).normal(size=kernel.kernel.shape))
    path = tmp_path / "mobilenet_v2_notop.weights.h5"
    source.save_weights(path)
    model = apps.transfer_model("MobileNetV2", 2, (32, 32, 3), weights=path, **SMALL)
    np.testing.assert_array_equal(
        model.get_layer("base").get_layer("Conv1").kernel.numpy(), kernel.kernel.numpy()
    )
    with pytest.raises(FileNotFoundError, match=r"missing\.h5"):
        apps.base_model("MobileNetV2", weights=tmp_path / "missing.h5")


def test_imagenet_offline_fails_fast_naming_the_file(monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("keras.src.utils.file_utils.urlretrieve", offline)
    start = time.perf_counter()
    with pytest.raises(apps.WeightsNotFoundError) as info:
        apps.base_model("VGG16", (32, 32, 3))
    assert time.perf_counter() - start < 10
    message = str(info.value)
    assert "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert str(tmp_path / "keras" / "models") in message and "weights=PATH" in message


def test_fine_tune_unfreezes_the_top_but_not_batchnorm():
    model = apps.transfer_model("MobileNetV2", 2, (32, 32, 3), weights=None, **SMALL)
    head_only = len(model.trainable_weights)
    apps.fine_tune(model, unfreeze=10, learning_rate=1e-5)
    base = model.get_layer("base")
    trainable = [layer for layer in base.layers if layer.trainable and layer.weights]
    batchnorm = keras.layers.BatchNormalization
    assert trainable and not any(isinstance(layer, batchnorm) for layer in trainable)
    assert len(model.trainable_weights) > head_only
    assert float(model.optimizer.learning_rate) == pytest.approx(1e-5)
    weighted = [layer for layer in base.layers if layer.weights]
    assert not any(layer.trainable for layer in weighted[:-10])
    with pytest.raises(Nes2Error, match="block_16_project"):
        apps.fine_tune(model, unfreeze="block_16_projekt")
    with pytest.raises(Nes2Error, match="layers with weights"):
        apps.fine_tune(model, unfreeze=10_000)


@pytest.mark.trains
def test_fine_tuned_model_trains():
    model = apps.transfer_model("MobileNetV2", 2, (32, 32, 3), weights=None, dropout=0, **SMALL)
    apps.fine_tune(model, unfreeze=5, learning_rate=1e-3)
    x = np.random.default_rng(3).integers(0, 256, (16, 32, 32, 3)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 127).astype("float32")
    losses = [model.train_on_batch(x, y)[0] for _ in range(15)]
    assert losses[-1] < losses[0]


@pytest.mark.trains
def test_extract_features_then_classify():
    import tensorflow as tf

    extractor = apps.feature_extractor("MobileNetV2", (32, 32, 3), weights=None, **SMALL)
    images = np.random.default_rng(4).integers(0, 256, (10, 32, 32, 3)).astype("uint8")
    labels = np.arange(10) % 2
    dataset = tf.data.Dataset.from_tensor_slices((images, labels)).batch(4)
    features, y = apps.extract_features(extractor, dataset, progress=False)
    assert features.shape == (10, 1280) and y.tolist() == labels.tolist()
    np.testing.assert_allclose(features[:4], extractor.predict(images[:4], verbose=0), atol=1e-5)
    classifier = apps.feature_classifier(features.shape[1], 2)
    assert classifier.predict(features, verbose=0).shape == (10, 1)


@pytest.mark.slow
@pytest.mark.trains
@pytest.mark.keyed("src/nes2/applications")
def test_the_recorded_counts_are_live_and_agree_with_keras_io():
    recorded = catalog.recorded_counts()
    assert recorded, (
        f"counts.json was recorded for another Keras than {keras.__version__}: record it again "
        "with `python -c 'from nes2.applications import catalog; catalog.record_counts()'`"
    )
    live = {name: apps.count(name) for name in apps.REGISTRY}
    assert {n: c for n, c in live.items() if recorded.get(n) != c} == {}
    rows = [r for r in apps.table(progress=False) if r["published_params"]]
    assert len(rows) == 33
    for row in rows:
        assert round(row["params"] / 1e6, 1) == _published_millions(row["published_params"]), row
        if row["published_depth"] is not None:
            assert row["depth"] == row["published_depth"], row
