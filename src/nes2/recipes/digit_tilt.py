"""Recipe `digit-tilt`: regress the tilt of real handwritten digits, in degrees.

Digits from MNIST are turned by angles uniform in [-45°, 45°]; a CNN with a
linear head predicts the angle (as its sine and cosine, or the angle itself).
Every epoch shows each training digit `ROTATIONS` times under freshly drawn
angles; the test digits are digits the network never saw, each under
`TEST_ROTATIONS` fixed angles. Metrics: RMSE in degrees and the share of
predictions within ±10°.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("digit-tilt", "quick", target="sincos")
    run.metrics["rmse_deg"], run.metrics["within_10deg"]
    run.figure("predicted_vs_true")
    ```
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe, cosine, global_batch

ROTATIONS = {"quick": 10, "full": 5}
TEST_ROTATIONS = 3
BATCH_SIZE = 64
LEARNING_RATE = 2e-3
HUBER_DELTA = 0.1
TARGETS = ("sincos", "angle")


@dataclasses.dataclass(kw_only=True)
class TiltData(Data):
    """`Data` of the tilts: `train` turns each digit `rotations` times per epoch, anew each time."""

    rotations: int


class DigitTilt(Recipe):
    name = "digit-tilt"
    summary = "regression: the tilt of MNIST digits in degrees"
    options = (
        Option("target", "sincos", TARGETS, help="predict (sin, cos) of the angle, or the angle"),
    )
    epochs: ClassVar[dict] = {"quick": 3, "full": 30}

    batch_size = BATCH_SIZE

    def data(self, spec):
        from nes2.data import arrays, digit_canvas

        digits = arrays.mnist(spec.profile, seed=spec.seed)
        x_test, angles, labels = digit_canvas.rotate_digits(
            digits.x_test, digits.y_test, TEST_ROTATIONS, seed=spec.seed + 1
        )
        rotations, target = ROTATIONS[spec.profile], spec.options["target"]
        # Every epoch shuffles the digits and turns each of them by new random angles.
        train = digit_canvas.random_rotations(
            digits.x_train, rotations, global_batch(BATCH_SIZE), seed=spec.seed
        ).map(lambda x, angles: (x, _targets(angles, target)))
        return TiltData(
            digits.source,
            {
                "train_digits": len(digits.x_train),
                "train_per_epoch": len(digits.x_train) * rotations,
                "test": len(x_test),
                "test_digits": len(digits.x_test),
            },
            train=train,
            test=(x_test, angles, labels),  # the digits' labels group the errors
            rotations=rotations,
        )

    def build(self, data, spec):
        import keras

        from nes2.tasks import regression

        model = regression.tilt_model(target=spec.options["target"])
        steps = -(-data.counts["train_per_epoch"] // global_batch(BATCH_SIZE))
        schedule = cosine(LEARNING_RATE, spec.epochs, steps)
        model.compile(keras.optimizers.Adam(schedule), keras.losses.Huber(HUBER_DELTA))
        return model

    def evaluate(self, model, data, spec, history):
        from nes2.tasks import regression

        return {
            "rotations": data.rotations,
            **regression.angle_metrics(data.test[1], predict_angles(model, data)),
        }

    def figures(self, run):
        from nes2 import viz

        true, predicted = run.data.test[1], predict_angles(run.model, run.data)
        label = self.label(run)
        return {
            "predicted_vs_true": viz.predicted_vs_true(
                true, predicted, unit="°", title=f"Náklon číslic\n({label})"
            ),
            "residuals": viz.residuals_by_group(
                predicted - true,
                run.data.test[2],
                ylabel="chyba [°]",
                xlabel="číslice",
                title=f"Chyba podle číslice\n({label})",
            ),
        }


def predict_angles(model, data):
    """The angles (degrees) that `model` predicts for the test digits."""
    from nes2.tasks import regression

    return regression.angles_from_output(model.predict(data.test[0], verbose=0))


def _targets(angles, target: str):
    import tensorflow as tf

    from nes2.tasks.regression import ANGLE_SCALE

    if target == "angle":
        return (angles / ANGLE_SCALE)[:, None]
    radians = angles * (3.141592653589793 / 180)
    return tf.stack([tf.sin(radians), tf.cos(radians)], axis=-1)
