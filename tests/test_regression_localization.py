"""The regression and localization heads: shapes, targets, metrics, a falling loss."""

import keras
import numpy as np
import pytest

from nes2.errors import InvalidOptionError
from nes2.tasks import localization, regression

pytestmark = pytest.mark.trains


@pytest.mark.parametrize("target", regression.TARGETS)
def test_targets_round_trip_to_angles(target):
    angles = np.array([-45.0, -10.0, 0.0, 30.0, 44.0])
    np.testing.assert_allclose(
        regression.angles_from_output(regression.targets_from_angles(angles, target)),
        angles,
        atol=1e-4,
    )


def test_angle_metrics_by_hand():
    metrics = regression.angle_metrics([0, 0, 0, 0], [3, -4, 12, 0])
    assert metrics == {"rmse_deg": 6.5, "mae_deg": 4.75, "within_10deg": 0.75}


def test_tilt_model_learns_a_step():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 255, (64, 28, 28, 1)).astype("float32")
    y = regression.targets_from_angles(rng.uniform(-45, 45, 64))
    model = regression.tilt_model()
    model.compile(keras.optimizers.Adam(1e-3), keras.losses.Huber(0.1))
    losses = [model.train_on_batch(x, y) for _ in range(10)]
    assert losses[-1] < losses[0]
    with pytest.raises(InvalidOptionError, match="sincos"):
        regression.tilt_model(target="degrees")


def test_soft_argmax_box_reads_edges_and_round_trips(tmp_path):
    x_scores = np.full((2, 8, 2), -30.0, "float32")
    y_scores = np.full((2, 8, 2), -30.0, "float32")
    x_scores[0, 2, 0] = x_scores[0, 5, 1] = y_scores[0, 1, 0] = y_scores[0, 7, 1] = 30
    x_scores[1] = y_scores[1] = 0  # no preference: every edge at the centre
    boxes = localization.SoftArgmaxBox()([x_scores, y_scores]).numpy()
    np.testing.assert_allclose(boxes[0], [2.5 / 8, 1.5 / 8, 5.5 / 8, 7.5 / 8], atol=1e-6)
    np.testing.assert_allclose(boxes[1], [0.5] * 4, atol=1e-6)

    model = localization.localization_model((32, 32, 1), 3, filters=(8, 16))
    path = tmp_path / "loc.keras"
    model.save(path)
    x = np.random.default_rng(1).integers(0, 255, (2, 32, 32, 1)).astype("float32")
    restored = keras.saving.load_model(path)
    for a, b in zip(restored.predict(x, verbose=0), model.predict(x, verbose=0), strict=True):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_localization_multitask_loss_falls():
    rng = np.random.default_rng(2)
    x = rng.integers(0, 255, (32, 32, 32, 1)).astype("float32")
    targets = {"class": rng.integers(0, 3, 32), "box": rng.uniform(0, 1, (32, 4)).astype("float32")}
    model = localization.localization_model((32, 32, 1), 3, filters=(8, 16))
    first = model.train_on_batch(x, targets)[0]
    for _ in range(15):
        last = model.train_on_batch(x, targets)[0]
    assert last < first


def test_evaluate_localization_on_a_perfect_model():
    boxes = np.array([[0.1, 0.1, 0.5, 0.5], [0.2, 0.3, 0.9, 0.8]], "float32")

    class Perfect:
        def predict(self, images, verbose=0):
            return np.eye(2)[[1, 0]], boxes

    metrics = localization.evaluate_localization(Perfect(), np.zeros((2, 8, 8, 1)), [1, 1], boxes)
    assert metrics == {"accuracy": 0.5, "mean_iou": 1.0, "iou_over_0.5": 1.0}
