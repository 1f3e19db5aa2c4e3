"""Recipe `forecasting`: the next day of hourly temperature from the five days before it.

A 1D convnet reads a window of `PAST` hours and predicts the following
`HORIZON` hours at once. The series is split in time (the first 70 % to
train, the last 20 % to test, the 10 % between them left out so that no
window straddles the split); values are standardized with the training
part's mean and spread. The baseline every forecast must beat: the last
value seen, repeated for every hour ahead; and, since temperature follows the
day, the last 24 hours repeated. Metrics: the mean absolute error (degrees)
of the model and of both baselines, and the model's skill
`1 - MAE / MAE(last value)`.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("forecasting", "quick")
    run.metrics["mae"], run.metrics["mae_naive"]
    run.figure("forecast")
    ```
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe

PAST = 120
HORIZON = 24
BATCH_SIZE = 128
GENERATED_HOURS = 4 * 365 * 24
"""Length of the generated stand-in: four years."""
STRIDE = {"quick": 3, "full": 1}
"""Hours between the starts of neighbouring training windows."""
TEST_STRIDE = 7
"""Hours between test windows: coprime to 24, so the forecasts start at every hour of the day."""


def windows(values, stride: int = 1):
    """Windows of `PAST + HORIZON` hours, split into inputs `(n, PAST, 1)` and targets
    `(n, HORIZON)`.

    Examples:
        >>> import numpy as np
        >>> x, y = windows(np.arange(150, dtype="float32"), stride=5)
        >>> x.shape, y.shape, float(y[0, 0])
        ((2, 120, 1), (2, 24), 120.0)
    """
    import numpy as np

    views = np.lib.stride_tricks.sliding_window_view(values, PAST + HORIZON)[::stride]
    return views[:, :PAST, None].copy(), views[:, PAST:].copy()


@dataclasses.dataclass(kw_only=True)
class SeriesData(Data):
    """`Data` of a standardized series: windows of `(value - mean) / std`."""

    mean: float
    std: float


class Forecasting(Recipe):
    name = "forecasting"
    summary = "time series: the next 24 hours of temperature from the 120 before, by 1D convolution"
    options = (
        Option(
            "data",
            "generated",
            ("generated", "jena"),
            help="a generated stand-in, or the Jena Climate record",
            by_profile={"full": "jena"},
        ),
    )
    epochs: ClassVar[dict] = {"quick": 8, "full": 20}

    batch_size = BATCH_SIZE

    def data(self, spec):
        from nes2.data import weather

        jena = spec.options["data"] == "jena"
        series = weather.jena() if jena else weather.generated(GENERATED_HOURS, spec.seed)
        profile = spec.profile
        values = series.values
        train_end, test_start = int(0.7 * len(values)), int(0.8 * len(values))
        mean, std = float(values[:train_end].mean()), float(values[:train_end].std())
        x_train, y_train = windows((values[:train_end] - mean) / std, STRIDE[profile])
        x_test, y_test = windows((values[test_start:] - mean) / std, TEST_STRIDE)
        return SeriesData(
            series.source,
            {"hours": len(values), "train": len(x_train), "test": len(x_test)},
            train=(x_train, y_train),
            test=(x_test, y_test),
            mean=mean,
            std=std,
        )

    def build(self, data, spec):
        import keras

        from nes2.models import convnets

        model = convnets.conv1d_forecaster((PAST, 1), HORIZON)
        model.compile(keras.optimizers.Adam(1e-3), "mae")
        return model

    def evaluate(self, model, data, spec, history):
        import numpy as np

        errors = {
            "mae": np.abs(predict(model, data) - truth(data)),
            "mae_naive": np.abs(naive(data) - truth(data)),
            "mae_yesterday": np.abs(yesterday(data) - truth(data)),
        }
        metrics = {name: float(e.mean()) for name, e in errors.items()}
        metrics["skill"] = 1 - metrics["mae"] / metrics["mae_naive"]
        metrics["mae_by_hour"] = [round(float(v), 3) for v in errors["mae"].mean(axis=0)]
        return metrics

    def figures(self, run):
        from nes2 import viz

        data, label = run.data, self.label(run)
        return {
            "forecast": viz.forecast_grid(
                data.test[0][:4, :, 0] * data.std + data.mean,
                truth(data)[:4],
                {
                    "1D konvoluce": predict(run.model, data)[:4],
                    "poslední hodnota": naive(data)[:4],
                    "včerejšek": yesterday(data)[:4],
                },
                ylabel="teplota [°C]",
                title=f"Předpověď na 24 hodin\n({label})",
            )
        }


def truth(data):
    """The true next `HORIZON` hours of the test windows, in degrees."""
    return data.test[1] * data.std + data.mean


def predict(model, data):
    """The model's forecasts of the test windows, in degrees."""
    return model.predict(data.test[0], verbose=0) * data.std + data.mean


def naive(data):
    """The baseline: the last hour seen, repeated for every hour ahead, in degrees."""
    import numpy as np

    last = data.test[0][:, -1, 0] * data.std + data.mean
    return np.repeat(last[:, None], HORIZON, axis=1)


def yesterday(data):
    """The daily baseline: the last 24 hours seen, repeated, in degrees."""
    import numpy as np

    day = data.test[0][:, -24:, 0] * data.std + data.mean
    return np.tile(day, (1, -(-HORIZON // 24)))[:, :HORIZON]
