"""nes2.teaching.expected: the reports a lecture page shows about its runs."""

from __future__ import annotations

import datetime
from types import SimpleNamespace

import pytest

from nes2.errors import InvalidOptionError
from nes2.teaching import expected


def _run(name: str, options: dict | None = None, **metrics) -> SimpleNamespace:
    """What `run_report` reads of a `nes2.recipes.Run`."""
    base = {"data_source": "MNIST subset", "epochs": 20, "seconds": 40.0}
    return SimpleNamespace(
        name=name,
        options=dict(expected.entry(name, "quick").options) if options is None else options,
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


CHECKED = """
[hardware]
cpu2 = "2 CPU cores"

["text/conv1d".quick]
options = { model = "conv1d" }
hardware = "cpu2"
seeds = [42, 43, 44]
settings = ["default", "onednn=off", "threads=1"]
claim = "Conv1D reads the order of words"
test_accuracy = { min = 0.9, recorded = 0.934, spread = [0.91, 0.95] }

["text/bag".quick]
options = { model = "bag" }
hardware = "cpu2"
test_accuracy = { max = 0.7, recorded = 0.534 }

[[relations]]
profile = "quick"
better = "text/conv1d"
than = "text/bag"
metric = "test_accuracy"
by = 0.2
claim = "order matters"
spread = [0.3, 0.42]
"""


@pytest.fixture
def bands(tmp_path, monkeypatch):
    """Expected results of two runs, one checked over seeds, read through `NES2_EXPECTED`."""
    path = tmp_path / "expected.toml"
    path.write_text(CHECKED)
    monkeypatch.setenv("NES2_EXPECTED", str(path))
    expected.reload()
    yield path
    monkeypatch.delenv("NES2_EXPECTED")
    expected.reload()


def test_a_checked_band_missed_in_a_strict_build_names_the_run_the_claim_and_the_numbers(
    bands, monkeypatch
):
    conv = expected.entry("text/conv1d", "quick")
    assert conv.checked and not expected.entry("text/bag", "quick").checked
    monkeypatch.setenv("NES2_STRICT_CLAIMS", "1")
    with pytest.raises(expected.ClaimError) as raised:
        expected.report(conv, {"test_accuracy": 0.85}, {"test_accuracy": "přesnost"})
    message = str(raised.value)
    assert "run text/conv1d (quick): test_accuracy = 0.85, expected ≥ 0.9" in message
    assert "recorded 0.934" in message and "spread 0.91–0.95 over 3 seeds" in message
    assert "claim: Conv1D reads the order of words" in message and "nes2 spread" in message
    inside = expected.report(conv, {"test_accuracy": 0.92}, {"test_accuracy": "přesnost"})
    assert "| 0,91–0,95 | ✓ |" in inside and "Mimo" not in inside


def test_a_miss_is_said_in_words_where_it_does_not_fail_the_build(bands, monkeypatch):
    monkeypatch.delenv("NES2_STRICT_CLAIMS", raising=False)
    conv = expected.entry("text/conv1d", "quick")
    page = expected.report(conv, {"test_accuracy": 0.85}, {"test_accuracy": "přesnost"})
    assert "**✗ Mimo očekávání:** běh text/conv1d: přesnost = 0,85, očekáváno ≥ 0,9." in page
    # a band set from one run is never strict, and the page says why
    monkeypatch.setenv("NES2_STRICT_CLAIMS", "1")
    bag = expected.entry("text/bag", "quick")
    page = expected.report(bag, {"test_accuracy": 0.8}, {"test_accuracy": "přesnost"})
    assert "přesnost = 0,8, očekáváno ≤ 0,7. Pásmo je zatím stanoveno z jediného běhu." in page


def test_a_checked_relation_broken_in_a_strict_build_fails(bands, monkeypatch):
    results = {"text/conv1d": {"test_accuracy": 0.8}, "text/bag": {"test_accuracy": 0.7}}
    monkeypatch.setenv("NES2_STRICT_CLAIMS", "1")
    with pytest.raises(expected.ClaimError, match=r"= 0\.1, expected >= 0\.2 \(spread 0\.3–0\.42"):
        expected.relation_report("quick", results)
    monkeypatch.delenv("NES2_STRICT_CLAIMS")
    assert "**✗ Mimo očekávání:** vztah" in expected.relation_report("quick", results)
    results["text/conv1d"]["test_accuracy"] = 0.95
    assert "Mimo" not in expected.relation_report("quick", results)


def test_an_unreadable_expected_file_is_named(tmp_path, monkeypatch):
    broken = tmp_path / "expected.toml"
    broken.write_text("[hardware\n")
    monkeypatch.setenv("NES2_EXPECTED", str(broken))
    expected.reload()
    try:
        with pytest.raises(ValueError, match=r"Cannot read the expected results .*expected\.toml"):
            expected.entries("quick")
    finally:
        monkeypatch.delenv("NES2_EXPECTED")
        expected.reload()


def test_a_run_with_other_options_than_its_bands_is_not_judged_strictly(monkeypatch):
    """The stylizer's bands were recorded with random loss-network weights; a run with the
    ImageNet weights (Keras has them cached) is another run: its miss is said, not raised."""
    monkeypatch.setenv("NES2_STRICT_CLAIMS", "1")
    labels = {"style_loss": "ztráta stylu"}
    options = {"method": "network", "weights": "imagenet"}
    far = _run("style-transfer/network", options, style_loss=0.9, style_loss_photo=0.95)
    assert "Mimo očekávání" in expected.run_report(far, labels)
    with pytest.raises(expected.ClaimError, match="style-transfer/network"):
        expected.run_report(_run("style-transfer/network", style_loss=0.9), labels)


def test_a_claim_check_naming_a_run_or_metric_that_does_not_exist_names_it():
    with pytest.raises(InvalidOptionError, match="No expected results for text/lstm"):
        expected.entry("text/lstm", "quick")
    conv = expected.entry("text/conv1d", "quick")
    with pytest.raises(InvalidOptionError, match=r"'test_acc' of run 'text/conv1d'.*test_accuracy"):
        expected.report(conv, {"test_accuracy": 0.95}, {"test_acc": "přesnost"})
