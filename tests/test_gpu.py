"""GPU smoke tests: `pytest -m gpu` on a machine with a GPU (skipped elsewhere, with the reason).

The lecture models are plain Keras, so their tests run on whichever backend
`KERAS_BACKEND` selects (TensorFlow by default; JAX or PyTorch where only
those have a GPU build); the TensorFlow-specific ones skip on the others.
"""

import subprocess
import sys

import numpy as np
import pytest

pytestmark = pytest.mark.gpu


def _needs_tensorflow_backend():
    import keras

    if keras.config.backend() != "tensorflow":
        pytest.skip(f"checks TensorFlow; the Keras backend is {keras.config.backend()}")


def test_tensorflow_sees_a_gpu():
    _needs_tensorflow_backend()
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    assert gpus
    with tf.device("/GPU:0"):
        product = tf.matmul(tf.ones((256, 256)), tf.ones((256, 256)))
    assert "GPU" in product.device and float(product[0, 0]) == 256.0


def test_nes2_info_reports_the_gpu():
    _needs_tensorflow_backend()
    out = subprocess.run(
        [sys.executable, "-m", "nes2.cli", "info"], capture_output=True, text=True, timeout=300
    )
    line = next(line for line in out.stdout.splitlines() if line.startswith("gpus"))
    assert line.split(maxsplit=1)[1] != "none" and "GPU:0" in out.stdout


def test_mirrored_training_uses_every_gpu(tmp_path):
    _needs_tensorflow_backend()
    import json

    import tensorflow as tf

    out = subprocess.run(
        [sys.executable, "-m", "nes2.cli", "train", "digit-tilt", "--epochs", "1",
         "--distribute", "mirrored", "--out", str(tmp_path)],
        capture_output=True, text=True, timeout=600,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr[-3000:]
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    gpus = len(tf.config.list_physical_devices("GPU"))
    assert metrics["distribution"] == {"kind": "mirrored", "workers": 1, "replicas": gpus}


def _lecture_models():
    from nes2 import models
    from nes2.models import architectures
    from nes2.tasks import localization, regression, segmentation

    return {
        "cats_vs_dogs": (
            lambda: models.small_convnet((64, 64, 3), dropout=0.5, batch_norm=True),
            (64, 64, 3),
            "binary_crossentropy",
            lambda n: np.ones((n, 1)),
        ),
        "lenet5": (
            architectures.lenet5,
            (32, 32, 1),
            "sparse_categorical_crossentropy",
            lambda n: np.zeros(n),
        ),
        "resnet18": (
            lambda: architectures.resnet18((64, 64, 3), 10),
            (64, 64, 3),
            "sparse_categorical_crossentropy",
            lambda n: np.zeros(n),
        ),
        "digit_tilt": (regression.tilt_model, (28, 28, 1), "mse", lambda n: np.ones((n, 2))),
        "unet": (
            lambda: segmentation.unet((64, 64, 1), 11),
            (64, 64, 1),
            "sparse_categorical_crossentropy",
            lambda n: np.zeros((n, 64, 64)),
        ),
        "localization": (
            lambda: localization.localization_model((64, 64, 1), 10),
            (64, 64, 1),
            None,
            lambda n: {"class": np.zeros(n), "box": np.full((n, 4), 0.5)},
        ),
    }


@pytest.mark.parametrize(
    "name", ["cats_vs_dogs", "lenet5", "resnet18", "digit_tilt", "unet", "localization"]
)
def test_lecture_models_train_with_mixed_precision(name):
    import keras

    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        build, shape, loss, targets = _lecture_models()[name]
        model = build()
        if loss is not None:
            model.compile(keras.optimizers.Adam(1e-3), loss)
        x = np.random.default_rng(0).integers(0, 255, (16, *shape)).astype("float32")
        history = model.fit(x, targets(16), epochs=3, batch_size=8, verbose=0)
        assert np.isfinite(history.history["loss"]).all()
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_one_step_on_gpu_and_cpu_agrees():
    import keras

    from nes2.models import architectures

    x = np.random.default_rng(1).normal(size=(8, 32, 32, 1)).astype("float32")
    y = np.arange(8) % 10
    weights = {}
    for device in ("cpu:0", "gpu:0"):
        keras.utils.set_random_seed(0)
        with keras.device(device):
            model = architectures.lenet5()
            model.compile(keras.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
            model.train_on_batch(x, y)
            weights[device] = [w.copy() for w in model.get_weights()]
    for cpu, gpu in zip(weights["cpu:0"], weights["gpu:0"], strict=True):
        np.testing.assert_allclose(cpu, gpu, rtol=1e-3, atol=1e-4)
