"""The order of a build's notebooks: the costliest first, a reusing page after the training one."""

import threading
import time
from pathlib import Path

import pytest

from nes2_site import schedule

LECTURES = Path(__file__).parents[1] / "lectures"


def _pages():
    paths = [str(p) for p in sorted(LECTURES.glob("*.py"))]
    paths += [str(p) for p in sorted((LECTURES / "exercises").glob("*.py"))]
    return schedule.plan(paths, schedule.expected_runs("quick"))


def test_the_pages_that_train_longest_start_first():
    pages = _pages()
    seconds = [p.seconds for p in pages]
    assert seconds == sorted(seconds, reverse=True)
    # segmentation (U-Net, SegNet, instances) and the encoder-decoder (generation, style
    # network, restoration) train for minutes; architectures trains no recipe
    first_two = {Path(p.path).name for p in pages[:2]}
    assert first_two == {"segmentation.py", "encoder_decoder.py"}
    assert pages[-1].seconds == 0 and pages[0].seconds > 5 * schedule.UNRECORDED_SECONDS


def test_an_exercise_waits_for_the_lecture_whose_runs_it_reuses():
    after = {Path(p.path).relative_to(LECTURES).as_posix(): p.after for p in _pages()}
    assert after["exercises/regression.py"] == {str(LECTURES / "regression.py")}
    assert after["exercises/localization.py"] == {str(LECTURES / "localization.py")}
    assert not after["regression.py"] and not after["segmentation.py"]


def _planned(sources: dict, runs: dict) -> dict:
    """The plan of pages given by their sources (path -> text), by path."""
    return {p.path: p for p in schedule.plan(list(sources), runs, read=sources.__getitem__)}


def test_options_written_as_constants_select_the_run_and_variables_select_all():
    runs = {"r/a": ("r", {"m": "a"}, 5.0), "r/b": ("r", {"m": "b"}, 7.0), "s": ("s", {}, 0)}
    sources = {
        "one.py": 'recipes.train("r", P, m="a")\nrecipes.train("r", P, m="a")',
        "all.py": 'for m in "ab":\n    recipes.train("r", P, m=m)',
        "own.py": 'recipes.train("r", P, m="c")',
        "unrecorded.py": 'recipes.train("s", P)',
    }
    pages = _planned(sources, runs)
    assert pages["one.py"].seconds == 5.0  # one run, trained once however often it is called
    # b, and one run for what the variable may name beyond expected.toml
    assert pages["all.py"].seconds == 7.0 + schedule.UNRECORDED_SECONDS
    assert pages["all.py"].after == {"one.py"}
    assert pages["own.py"].seconds == schedule.UNRECORDED_SECONDS
    assert pages["unrecorded.py"].seconds == schedule.UNRECORDED_SECONDS


def _timed(events, lock, seconds):
    def work(path):
        with lock:
            events.append(("start", path, time.monotonic()))
        time.sleep(seconds.get(path, 0.01))
        with lock:
            events.append(("end", path, time.monotonic()))
        return path

    return work


def test_a_page_starts_only_after_the_pages_it_waits_for():
    events, lock = [], threading.Lock()
    pages = [
        schedule.Page("long", 10),
        schedule.Page("reuses", 5, {"long"}),
        schedule.Page("short", 1),
        schedule.Page("other", 0),
    ]
    work = _timed(events, lock, {"long": 0.3})
    scheduler = schedule.Scheduler(pages, 2, work)
    assert {p: scheduler.futures[p].result(timeout=10) for p in ("long", "reuses")} == {
        "long": "long",
        "reuses": "reuses",
    }
    assert all(scheduler.futures[p].result(timeout=10) == p for p in ("short", "other"))
    at = {(kind, path): t for kind, path, t in events}
    assert at[("start", "reuses")] >= at[("end", "long")]
    assert at[("start", "short")] < at[("end", "long")]  # the free thread goes on meanwhile
    assert events[0][:2] == ("start", "long")


def test_after_a_failing_page_no_other_page_starts_and_each_says_what_failed():
    started = []

    def work(path):
        started.append(path)
        if path == "broken":
            raise RuntimeError("broken: a claim does not hold")
        return path

    pages = [schedule.Page("broken"), schedule.Page("later"), schedule.Page("last")]
    scheduler = schedule.Scheduler(pages, 1, work)
    for thread in scheduler.threads:
        thread.join(timeout=10)
    assert started == ["broken"]
    for path in ("broken", "later", "last"):  # the build may be waiting for any of them
        with pytest.raises(RuntimeError, match="broken: a claim does not hold"):
            scheduler.futures[path].result(timeout=10)


def test_options_that_make_another_run_match_no_recorded_run():
    runs = {"r": ("r", {"epochs": 2}, 50.0)}
    sources = {
        "lecture.py": 'recipes.train("r", P)',
        "same.py": 'recipes.train("r", P, epochs=2)',
        "longer.py": 'recipes.train("r", P, epochs=20)',
        "smoke.py": 'recipes.train("r", P, limit=8)',
    }
    pages = _planned(sources, runs)
    assert pages["same.py"].after == {"lecture.py"} and pages["same.py"].seconds == 0
    for other in ("longer.py", "smoke.py"):
        assert pages[other].after == set()
        assert pages[other].seconds == schedule.UNRECORDED_SECONDS
