"""nes2 spread: the spread of a band over seeds and numerical settings, recorded beside it."""

from __future__ import annotations

import re
import shutil
import tomllib

import pytest

from nes2 import cli
from nes2.recipes import spread
from nes2.teaching import expected


@pytest.fixture
def bands(tmp_path, monkeypatch):
    """A copy of the package's expected results, read through `NES2_EXPECTED`."""
    path = tmp_path / "expected.toml"
    shutil.copy(expected.source(), path)
    monkeypatch.setenv("NES2_EXPECTED", str(path))
    expected.reload()
    yield path
    monkeypatch.delenv("NES2_EXPECTED")
    expected.reload()


def test_a_spread_needs_three_seeds_and_known_settings(capsys):
    with pytest.raises(ValueError, match="at least 3 seeds, not 2"):
        spread.grid(2)
    with pytest.raises(ValueError, match="Unknown setting threads=4"):
        spread.grid(3, ("default", "threads=4"))
    assert cli.main(["spread", "text/bag", "--seeds", "2"]) == 2
    assert "at least 3 seeds" in capsys.readouterr().err
    with pytest.raises(ValueError, match="at least 2 numerical settings"):
        spread.grid(3, ("default",))
    assert len(spread.grid(3, ("threads=1",))) == 4  # the seeds run under the default
    assert cli.main(["spread", "text/bag", "--settings", "default"]) == 2
    assert "--settings default gives one" in capsys.readouterr().err


def _measured(name: str, values: list[float]) -> spread.Spread:
    entry = expected.entry(name, "quick")
    trials = spread.grid(3)
    return spread.Spread(
        entry, {t: {"test_accuracy": v} for t, v in zip(trials, values, strict=False)}
    )


def test_the_spread_is_recorded_beside_its_band_and_relation_keeping_the_comments(bands):
    comments = [line for line in bands.read_text().splitlines() if line.startswith("#")]
    conv = _measured("text/conv1d", [0.93412, 0.95, 0.97, 0.94, 0.93])
    bag = _measured("text/bag", [0.534, 0.55, 0.52, 0.54, 0.56])
    relations = spread.relation_spreads("quick", [conv, bag])
    (relation, low, high, holds), *_ = relations
    assert (relation.better, relation.than, holds) == ("text/conv1d", "text/bag", True)
    assert low == pytest.approx(0.37) and high == pytest.approx(0.45)
    assert [row[-1] for row in spread.table([conv, bag], relations)] == ["holds"] * 3

    spread.record([conv, bag], relations, bands)
    text = bands.read_text()
    assert [line for line in text.splitlines() if line.startswith("#")] == comments
    data = tomllib.loads(text)["text/conv1d"]["quick"]
    assert data["test_accuracy"]["spread"] == [0.93, 0.97]
    assert data["test_accuracy"]["recorded"] == 0.9341  # the course's seed, default settings
    assert data["seeds"] == [42, 43, 44]
    assert data["settings"] == ["default", "onednn=off", "threads=1"]
    entry = expected.entry("text/conv1d", "quick")
    assert entry.checked and entry.spread("test_accuracy") == "0,93–0,97"
    assert entry.spread("test_accuracy", czech=False) == "0.93–0.97"
    assert next(r for r in expected.relations("quick") if r == relation).spread == [0.37, 0.45]


def test_a_relation_that_ends_the_file_with_its_margin_gets_its_spread(bands):
    bands.write_text(
        bands.read_text().rstrip()
        + '\n\n[[relations]]\nprofile = "quick"\nbetter = "text/conv1d"\nthan = "text/bag"'
        + '\nmetric = "test_accuracy"\nby = 0.1\n'
    )
    expected.reload()
    conv = _measured("text/conv1d", [0.93, 0.95, 0.97, 0.94, 0.93])
    bag = _measured("text/bag", [0.53, 0.55, 0.52, 0.54, 0.56])
    spread.record([conv, bag], spread.relation_spreads("quick", [conv, bag]), bands)
    last = tomllib.loads(bands.read_text())["relations"][-1]
    assert (last["by"], last["spread"]) == (0.1, [0.37, 0.45])
    assert bands.read_text().rstrip().endswith("spread = [0.37, 0.45]")


def test_a_trial_outside_its_band_is_named():
    bag = _measured("text/bag", [0.534, 0.55, 0.81, 0.54, 0.56])
    assert bag.outside() == ["text/bag seed 44 (default): test_accuracy = 0.81 outside ≤ 0.75"]
    assert spread.table([bag], [])[0][-1] == "MISS"


@pytest.mark.trains
def test_spread_trains_every_trial_in_its_own_process(bands, shared_home, capsys):
    argv = ["spread", "text/bag", "--settings", "default,threads=1", "--jobs", "2", "--record"]
    assert cli.main(argv) == 0
    out = capsys.readouterr().out
    assert "4 trials: seed 42 default, seed 43 default, seed 44 default, seed 42 threads=1" in out
    band = tomllib.loads(bands.read_text())["text/bag"]["quick"]
    low, high = band["test_accuracy"]["spread"]
    assert 0.4 < low <= band["test_accuracy"]["recorded"] <= high < 0.75
    assert band["settings"] == ["default", "threads=1"]

    text = re.sub(r"max = 0\.75, recorded = [0-9.]+", f"max = {low - 0.01:.3f}", bands.read_text())
    assert f"max = {low - 0.01:.3f}" in text
    bands.write_text(text)
    expected.reload()
    argv = ["spread", "text/bag", "--settings", "default,threads=1", "--record"]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "outside ≤" in out and "Not recorded" in out  # a miss is never recorded as checked
