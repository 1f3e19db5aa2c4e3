import json
import subprocess
import sys
import textwrap

import keras
import numpy as np
import pytest
import tensorflow as tf

from nes2 import training

pytestmark = pytest.mark.trains


def _data(n=64, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 8, 8, 1)).astype("float32")
    y = (x.mean(axis=(1, 2, 3)) > 0).astype("int32")
    return tf.data.Dataset.from_tensor_slices((x, y)).batch(16)


def _model():
    inputs = keras.Input((8, 8, 1))
    x = keras.layers.Conv2D(4, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(0.05), loss="binary_crossentropy", metrics=["accuracy"]
    )
    return model


def test_loss_falls():
    history = training.fit(_model, _data(), _data(seed=1), epochs=5, verbose=0)
    losses = history.history["loss"]
    assert losses[-1] < losses[0]
    assert set(history.history) >= {"loss", "val_loss", "accuracy", "val_accuracy"}


def test_same_seed_same_result():
    first = training.fit(_model, _data(), epochs=2, seed=7, verbose=0).history["loss"]
    second = training.fit(_model, _data(), epochs=2, seed=7, verbose=0).history["loss"]
    assert first == second


def test_checkpoint_is_loaded_instead_of_training(tmp_path):
    path = tmp_path / "ckpt" / "model.weights.h5"
    first = training.fit(_model, _data(), _data(seed=1), epochs=3, checkpoint=path, verbose=0)
    assert path.is_file()
    saved = json.loads((tmp_path / "ckpt" / "model.history.json").read_text())
    assert saved["loss"] == pytest.approx(first.history["loss"])

    class Forbidden(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            raise AssertionError("fit() trained although the checkpoint exists")

    again = training.fit(
        _model,
        _data(),
        _data(seed=1),
        epochs=3,
        checkpoint=path,
        callbacks=[Forbidden()],
        verbose=0,
    )
    assert again.history["loss"] == pytest.approx(first.history["loss"])
    x = next(iter(_data()))[0]
    best = int(np.argmin(first.history["val_loss"]))
    assert again.epoch == [0, 1, 2] and best in again.epoch
    reloaded = _model()
    reloaded.load_weights(path)
    np.testing.assert_allclose(again.model.predict(x, verbose=0), reloaded.predict(x, verbose=0))


def test_early_stopping_restores_best(tmp_path):
    history = training.fit(_model, _data(), _data(seed=1), epochs=30, patience=1, verbose=0)
    assert len(history.history["loss"]) < 30


def test_errors_name_the_fix(tmp_path):
    uncompiled = keras.Sequential(
        [keras.Input((8, 8, 1)), keras.layers.Flatten(), keras.layers.Dense(1)]
    )
    with pytest.raises(ValueError, match="compile"):
        training.fit(uncompiled, _data(), epochs=1, verbose=0)
    with pytest.raises(ValueError, match=r"\.weights\.h5"):
        training.fit(_model, _data(), epochs=1, checkpoint=tmp_path / "model.keras", verbose=0)
    with pytest.raises(TypeError, match=r"strategy\.scope"):
        training.fit(_model(), _data(), epochs=1, strategy=tf.distribute.get_strategy(), verbose=0)


def test_mirrored_strategy_on_two_logical_cpus():
    # Logical devices must be configured before TensorFlow initialises: a fresh process.
    script = textwrap.dedent(
        """
        import json, keras, numpy as np, tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]
        tf.config.set_logical_device_configuration(
            cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
        from nes2 import training
        strategy = tf.distribute.MirroredStrategy(["/cpu:0", "/cpu:1"])
        def build():
            m = keras.Sequential([keras.Input((4,)), keras.layers.Dense(1, activation="sigmoid")])
            m.compile(optimizer="adam", loss="binary_crossentropy")
            return m
        x = np.random.default_rng(0).normal(size=(64, 4)).astype("float32")
        y = (x[:, 0] > 0).astype("float32")
        ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
        h = training.fit(build, ds, epochs=3, strategy=strategy, verbose=0)
        print(json.dumps({"replicas": strategy.num_replicas_in_sync, "loss": h.history["loss"]}))
        """
    )
    out = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr[-2000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert result["replicas"] == 2
    assert result["loss"][-1] < result["loss"][0]
