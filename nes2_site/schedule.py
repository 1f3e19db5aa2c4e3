"""The order in which a build executes its notebooks: the longest training first.

A build executes `jobs` notebooks at once. In the navigation's order, the pages
that train the most (segmentation, the encoder–decoder) came last, and a build
ended with one of them running alone on one core. Here each page's cost is
estimated before it runs, from what it trains: every
`recipes.train("RECIPE", ..., option="value")` call in its source, matched to
the runs of `expected.toml` in the build's profile with those options, by
their recorded seconds. The costliest page that is ready starts first.

A run that an earlier page of the build (the lectures come before the
exercises) also trains counts for that page only: the later page waits until
it is executed and reuses the stored run, instead of training the same run
beside it.

Examples:
    >>> source = 'run = recipes.train("segmentation", PROFILE, model="segnet")'
    >>> trained(source)
    [('segmentation', {'model': 'segnet'})]
"""

from __future__ import annotations

import ast
import threading
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path

UNRECORDED_SECONDS = 30.0
"""The estimate for a run whose seconds `expected.toml` does not record."""
OTHER_RUN = {"limit"}
"""Arguments of `recipes.train` that always make another run than an entry's."""


@dataclass
class Page:
    """A notebook to execute, its estimated seconds and the pages it waits for."""

    path: str
    seconds: float = 0.0
    after: set[str] = field(default_factory=set)


VARIABLE = "<variable>"
"""An option given by a variable (a loop over models): it matches every run of the recipe,
and may name runs that `expected.toml` does not list."""


def trained(source: str) -> list[tuple[str, dict]]:
    """The `recipes.train` calls of a page: the recipe and its options (`VARIABLE` where an
    option is not written as a constant)."""
    calls = []
    for node in ast.walk(ast.parse(source)):
        func = getattr(node, "func", None)
        if not (
            isinstance(node, ast.Call)
            and isinstance(func, ast.Attribute)
            and func.attr == "train"
            and isinstance(func.value, ast.Name)
            and func.value.id == "recipes"
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            continue
        options = {
            k.arg: k.value.value if isinstance(k.value, ast.Constant) else VARIABLE
            for k in node.keywords
            if k.arg
        }
        calls.append((node.args[0].value, options))
    return calls


def _read(path: str) -> str:
    return Path(path).read_text(encoding="utf-8")


def _calls(path: str, read: Callable[[str], str]) -> list[tuple[str, dict]]:
    try:
        return trained(read(path))
    except (OSError, SyntaxError, ValueError):  # not a Python notebook: nothing known to train
        return []


def plan(
    paths: list[str],
    runs: dict[str, tuple[str, dict, float]],
    read: Callable[[str], str] = _read,
) -> list[Page]:
    """The pages of `paths`, costliest first.

    Args:
        paths: the notebooks to execute, in the build's order.
        runs: run name -> (recipe, options, recorded seconds), e.g. from `expected.toml`.
        read: the source of a notebook.

    Examples:
        >>> runs = {"a/x": ("a", {"m": "x"}, 10.0), "a/y": ("a", {"m": "y"}, 90.0)}
        >>> sources = {"lecture.py": 'recipes.train("a", P, m=m)',
        ...            "exercise.py": 'recipes.train("a", P, m="x")', "intro.py": ""}
        >>> pages = plan(list(sources), runs, read=sources.__getitem__)
        >>> [(p.path, p.seconds, sorted(p.after)) for p in pages]
        [('lecture.py', 130.0, []), ('exercise.py', 0.0, ['lecture.py']), ('intro.py', 0.0, [])]
    """
    owner: dict[str, str] = {}
    pages = []
    for path in paths:
        page, counted = Page(path), set()
        for recipe, options in _calls(path, read):
            matched = [
                (name, seconds or UNRECORDED_SECONDS)
                for name, (run_recipe, run_options, seconds) in runs.items()
                if run_recipe == recipe
                and not OTHER_RUN & set(options)
                and all(v == VARIABLE or run_options.get(k, v) == v for k, v in options.items())
            ]
            if not matched or VARIABLE in options.values():  # runs expected.toml may not list
                page.seconds += UNRECORDED_SECONDS
            for name, seconds in matched:
                first = owner.setdefault(name, path)
                if first != path:
                    page.after.add(first)
                elif name not in counted:
                    page.seconds += seconds
                    counted.add(name)
        pages.append(page)
    return sorted(pages, key=lambda p: -p.seconds)  # stable: ties keep the build's order


def expected_runs(profile: str) -> dict[str, tuple[str, dict, float]]:
    """The runs of `expected.toml` in `profile`: run -> (recipe, options, recorded seconds).

    The options include the profile's epochs and the course's seed, so that a call that
    passes them matches its run, and one that passes others does not.
    """
    from nes2 import config, recipes
    from nes2.teaching import expected

    runs = {}
    for e in expected.entries(profile):
        epochs = recipes.get(e.recipe).spec(profile, **e.options).epochs
        options = {**e.options, "epochs": epochs, "seed": config.DEFAULT_SEED}
        runs[e.name] = (e.recipe, options, float(e.bands.get("seconds", {}).get("recorded", 0)))
    return runs


class Scheduler:
    """Executes `pages` on `jobs` threads: the first ready page of the list, when a thread is free.

    `futures[path]` holds each page's result (or its error) until its caller drops
    it (the pages' HTML need not stay in memory until the end). After an error no
    other page starts: the pages that have not started get the same error, so that
    whichever page the build waits for says what failed.

    Examples:
        >>> pages = [Page("b", 2.0, {"a"}), Page("a", 1.0)]
        >>> done = []
        >>> scheduler = Scheduler(pages, 1, lambda path: done.append(path) or path.upper())
        >>> scheduler.futures["b"].result(), done
        ('B', ['a', 'b'])
    """

    def __init__(self, pages: list[Page], jobs: int, work: Callable[[str], object]):
        self.waiting, self.work = list(pages), work
        self.finished: set[str] = set()
        self.error: BaseException | None = None
        self.futures = {page.path: Future() for page in pages}
        self.planned = set(self.futures)
        self.condition = threading.Condition()
        self.threads = [
            threading.Thread(target=self._worker, name=f"notebook-{i}", daemon=True)
            for i in range(jobs)
        ]
        for thread in self.threads:
            thread.start()

    def _next(self) -> Page | None:
        with self.condition:
            while self.waiting and self.error is None:
                for page in self.waiting:
                    # a page waits only for the pages of this build that have not finished
                    if all(p in self.finished or p not in self.planned for p in page.after):
                        self.waiting.remove(page)
                        return page
                self.condition.wait()
            return None

    def _worker(self) -> None:
        while (page := self._next()) is not None:
            future = self.futures[page.path]
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self.work(page.path))
            except BaseException as error:  # handed to the page's caller
                future.set_exception(error)
                self.cancel(error)
            finally:
                with self.condition:
                    self.finished.add(page.path)
                    self.condition.notify_all()

    def cancel(self, error: BaseException) -> None:
        """Start no other page; the pages not yet started fail with `error`."""
        with self.condition:
            if self.error is None:
                self.error = error
            for page in self.waiting:
                self.futures[page.path].set_exception(self.error)
            self.waiting.clear()
            self.condition.notify_all()
