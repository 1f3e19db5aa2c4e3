"""nes2.teaching.expected: the reports a lecture page shows about its runs."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from nes2.teaching import expected


def _run(name: str, **metrics) -> SimpleNamespace:
    """What `run_report` reads of a `nes2.recipes.Run`."""
    base = {"data_source": "MNIST subset", "epochs": 20, "seconds": 40.0}
    return SimpleNamespace(
        name=name,
        profile="quick",
        metrics={**base, **metrics},
        recipe=SimpleNamespace(epoch_unit="epoch"),
        reused=False,
        created=datetime.datetime(2026, 1, 1),
    )


LABELS = {"frechet_distance": "Fréchetova vzdálenost", "classes_covered": "třídy (z 10)"}


def test_the_report_of_a_page_s_runs_has_their_bands_then_their_relations():
    good = _run("generation/16", frechet_distance=37.5, frechet_noise=148.4, classes_covered=10)
    small = _run("generation/2", frechet_distance=111.1, classes_covered=5)
    report = expected.runs_report([good, small], LABELS)
    assert report.count("Data: MNIST subset, profil `quick`, 20 epoch") == 2
    assert "Fréchetova vzdálenost" in report and "třídy (z 10)" in report
    assert "vztah běhů" in report and "✗" not in report


def test_the_report_shows_a_relation_that_does_not_hold():
    good = _run("generation/16", frechet_distance=100.0, frechet_noise=148.4, classes_covered=10)
    small = _run("generation/2", frechet_distance=111.1, classes_covered=5)
    assert "✗" in expected.runs_report([good, small], LABELS)


def test_a_report_of_no_runs_is_refused():
    with pytest.raises(ValueError, match="at least one run"):
        expected.runs_report([], LABELS)


def test_a_reused_run_reads_as_the_run_it_reuses():
    trained = _run("generation/2", frechet_distance=111.1, classes_covered=5)
    reused = _run("generation/2", frechet_distance=111.1, classes_covered=5)
    reused.reused = True
    assert expected.run_report(reused, LABELS) == expected.run_report(trained, LABELS)
