"""Hourly air temperature: the Jena Climate record, or a generated stand-in.

* `jena()` reads the air temperature of the Max Planck Institute's weather
  station in Jena, 2009-2016, recorded every 10 minutes (the series of
  F. Chollet's *Deep Learning with Python*, ch. 6.3, and of keras.io's
  "Timeseries forecasting for weather prediction"), taken hourly. `fetch()`
  downloads the zipped CSV into the cache once and unpacks it atomically;
  the archive has no published checksum, so its content is checked instead
  (the header and the number of rows).
* `generated()` draws a stand-in with the same structure: a yearly and a
  daily cycle and weather that lingers for days (an autoregressive process).
  Pages that show it say so.

Examples:
    >>> series = generated(24 * 30, seed=0)
    >>> series.values.shape, series.source
    ((720,), 'vygenerovaná teplota (denní a roční cyklus, přetrvávající počasí)')
"""

from __future__ import annotations

import csv
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from nes2 import config
from nes2.errors import DataNotFoundError, DownloadError

URL = "https://storage.googleapis.com/tensorflow/tf-keras-datasets/jena_climate_2009_2016.csv.zip"
CSV_NAME = "jena_climate_2009_2016.csv"
COLUMN = "T (degC)"
MIN_ROWS = 400_000
"""The record has a row every 10 minutes for 8 years (about 420,000); fewer means a broken file."""
EVERY = 6
"""Rows per hour: the series is taken hourly."""
GENERATED = "vygenerovaná teplota (denní a roční cyklus, přetrvávající počasí)"


@dataclass(frozen=True)
class Series:
    """A series of hourly values (degrees Celsius) and where it comes from."""

    values: np.ndarray
    source: str


def data_dir() -> Path:
    """Where the record is kept: `NES2_HOME/jena-climate`."""
    return config.cache_dir() / "jena-climate"


def fetch(url: str = URL, download: bool = True) -> Path:
    """The record's CSV file, downloaded and unpacked into `data_dir()` on first use.

    Raises:
        DataNotFoundError: the file is not there and `download` is `False`.
        DownloadError: the archive could not be downloaded or is not the record.
    """
    from nes2.data.download import download as get

    target = data_dir() / CSV_NAME
    if target.is_file():
        return target
    if not download:
        raise DataNotFoundError(
            f"The Jena Climate record is not in the cache ({data_dir()}): call "
            "nes2.data.weather.fetch() on a machine with network, or copy "
            f"{CSV_NAME} there."
        )
    archive = get(url, data_dir() / f"{CSV_NAME}.zip")
    try:
        with zipfile.ZipFile(archive) as zipped:
            member = next(n for n in zipped.namelist() if n.endswith(CSV_NAME))
            partial = target.with_name(f".{CSV_NAME}.part")
            with zipped.open(member) as source, partial.open("wb") as out:
                while chunk := source.read(1 << 20):
                    out.write(chunk)
    except (zipfile.BadZipFile, StopIteration):
        archive.unlink(missing_ok=True)
        raise DownloadError(
            f"{url} is not the Jena Climate archive (no {CSV_NAME} in a zip); "
            "it was deleted, try again or pass another url."
        ) from None
    try:
        _read(partial)  # check before it takes the record's name
    except DownloadError:
        archive.unlink(missing_ok=True)
        raise
    os.replace(partial, target)
    archive.unlink()
    return target


def _read(path: Path) -> np.ndarray:
    with path.open(newline="") as file:
        rows = csv.reader(file)
        header = next(rows, [])
        if COLUMN not in header:
            path.unlink(missing_ok=True)
            raise DownloadError(f"{path.name} has no column {COLUMN!r}: not the Jena record.")
        column = header.index(COLUMN)
        values = np.array([float(row[column]) for row in rows], dtype="float32")
    if len(values) < MIN_ROWS:
        path.unlink(missing_ok=True)
        raise DownloadError(
            f"{path.name} has {len(values):,} rows, the record {MIN_ROWS:,} or more: "
            "the download was cut short; try again."
        )
    return values


def jena(url: str = URL, download: bool = True) -> Series:
    """The hourly air temperature of the Jena record (about 70,000 hours)."""
    values = _read(fetch(url, download))[::EVERY]
    return Series(values, "Jena Climate 2009-2016 (Max Planck Institute), hourly")


def generated(hours: int, seed: int = config.DEFAULT_SEED) -> Series:
    """A stand-in for `jena()`: `hours` hourly values with yearly and daily cycles,
    weather that lingers (an autoregressive process with a time scale of days)
    and measurement noise."""
    rng = np.random.default_rng(seed)
    t = np.arange(hours)
    yearly = -10 * np.cos(2 * np.pi * t / (24 * 365.25))
    daily = -4 * np.cos(2 * np.pi * (t % 24) / 24)
    weather = np.zeros(hours)
    shocks = rng.normal(0, 0.35, hours)
    for i in range(1, hours):
        weather[i] = 0.99 * weather[i - 1] + shocks[i]
    values = 9 + yearly + daily + weather + rng.normal(0, 0.3, hours)
    return Series(values.astype("float32"), GENERATED)
