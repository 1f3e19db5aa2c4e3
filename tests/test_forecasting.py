"""`nes2.data.weather` (download checked by content) and the `forecasting` recipe."""

import io
import zipfile

import numpy as np
import pytest
from conftest import serve

from nes2 import recipes
from nes2.data import weather
from nes2.errors import DataNotFoundError, DownloadError
from nes2.recipes import forecasting

pytestmark = pytest.mark.trains


def _record(folder, rows: int, column: str = weather.COLUMN):
    """A zipped CSV shaped like the Jena record: temperature rising by 0.01 per row."""
    text = io.StringIO()
    text.write(f'"Date Time","p (mbar)","{column}"\n')
    for i in range(rows):
        text.write(f"01.01.2009 00:{i % 60:02d}:00,996.5,{i * 0.01:.2f}\n")
    path = folder / f"{weather.CSV_NAME}.zip"
    with zipfile.ZipFile(path, "w") as zipped:
        zipped.writestr(weather.CSV_NAME, text.getvalue())
    return path


def test_the_record_is_downloaded_once_and_read_hourly(tmp_path, nes2_home, monkeypatch):
    monkeypatch.setattr(weather, "MIN_ROWS", 600)
    served = tmp_path / "served"
    served.mkdir()
    _record(served, 600)
    with pytest.raises(DataNotFoundError, match=r"weather.fetch\(\)"):
        weather.jena(download=False)
    with serve(served) as url:
        series = weather.jena(f"{url}/{weather.CSV_NAME}.zip")
    assert len(series.values) == 100 and series.values[1] == pytest.approx(0.06)
    assert "Jena Climate" in series.source
    assert [p.name for p in weather.data_dir().iterdir()] == [weather.CSV_NAME]
    assert len(weather.jena(download=False).values) == 100  # no server: read from the cache


@pytest.mark.parametrize(
    ("rows", "column", "message"),
    [(50, weather.COLUMN, r"has 50 rows.*cut short"), (600, "T (K)", r"no column 'T \(degC\)'")],
)
def test_a_file_that_is_not_the_record_leaves_nothing_behind(
    tmp_path, nes2_home, monkeypatch, rows, column, message
):
    monkeypatch.setattr(weather, "MIN_ROWS", 600)
    served = tmp_path / "served"
    served.mkdir()
    _record(served, rows, column)
    with serve(served) as url, pytest.raises(DownloadError, match=message):
        weather.fetch(f"{url}/{weather.CSV_NAME}.zip")
    assert list(weather.data_dir().iterdir()) == []


def test_the_stand_in_has_daily_and_yearly_cycles():
    values = weather.generated(2 * 365 * 24, seed=0).values
    by_hour = values.reshape(-1, 24).mean(axis=0)
    assert by_hour.argmax() in range(10, 16) and by_hour.argmin() in (22, 23, 0, 1, 2)
    by_day = values.reshape(-1, 24).mean(axis=1)
    assert by_day[170:200].mean() - by_day[:30].mean() > 10  # summer against winter


def test_windows_split_the_past_from_what_follows():
    x, y = forecasting.windows(np.arange(200, dtype="float32"), stride=7)
    assert x.shape == (9, forecasting.PAST, 1) and y.shape == (9, forecasting.HORIZON)
    assert x[1, 0, 0] == 7 and y[1, 0] == 7 + forecasting.PAST and y[1, -1] == x[1, -1, 0] + 24


def test_the_forecaster_beats_repeating_the_last_value(tmp_path):
    run = recipes.train("forecasting", "quick", epochs=2, store=False, out=tmp_path)
    metrics = run.metrics
    assert metrics["data"] == "generated" and metrics["counts"]["test"] > 900
    assert metrics["mae"] < 0.6 * metrics["mae_naive"]
    assert metrics["skill"] == pytest.approx(1 - metrics["mae"] / metrics["mae_naive"])
    assert len(metrics["mae_by_hour"]) == forecasting.HORIZON
    # The baselines, computed by hand for the first test window.
    data = run.data
    last = data.test[0][0, -1, 0] * data.std + data.mean
    np.testing.assert_allclose(forecasting.naive(data)[0], np.full(forecasting.HORIZON, last))
    day = data.test[0][0, -24:, 0] * data.std + data.mean
    np.testing.assert_allclose(forecasting.yesterday(data)[0], day, rtol=1e-6)
    assert (tmp_path / "forecast.png").is_file()


def test_the_full_profile_forecasts_the_jena_record():
    assert recipes.get("forecasting").resolve({}, "full") == {"data": "jena"}
