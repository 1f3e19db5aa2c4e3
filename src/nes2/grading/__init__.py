"""Grading submitted exercise notebooks with the course's own checks (`nes2 grade`).

Each submission is recognised by its metadata (the exercise and the course
version the generator wrote), run apart from the grader (`sandbox`), and
scored task by task (`score`); the reports are a CSV for a gradebook, an HTML
page for the teacher and a feedback file per student (`report`).

Examples:
    ```python
    from nes2 import grading

    results = grading.grade(["odevzdane/"], out="hodnoceni", jobs=2)
    [(r.student, r.status, r.total) for r in results]
    ```
"""

from __future__ import annotations

import collections
import sys
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from nes2.errors import Nes2Error
from nes2.grading import sandbox, spec, submission
from nes2.grading.scoring import TaskScore, preamble_errors, score

GRADED = "graded"
TIMED_OUT = "timed-out"
NOT_A_NOTEBOOK = "not-a-notebook"
OTHER_EXERCISE = "other-exercise"
OTHER_VERSION = "other-version"
FAILED_TO_START = "failed-to-start"
KERNEL_DIED = "kernel-died"
STATUSES = {
    GRADED: "ohodnoceno",
    TIMED_OUT: "překročen čas",
    KERNEL_DIED: "jádro spadlo",
    NOT_A_NOTEBOOK: "není notebook",
    OTHER_EXERCISE: "jiné cvičení",
    OTHER_VERSION: "jiná verze kurzu",
    FAILED_TO_START: "nespustilo se",
}
"""Each status of a submission and its Czech name (the HTML report and the feedback)."""
DEFAULT_MEMORY = 8 * 2**30
"""Bytes of address space for a submission's kernel (TensorFlow needs several GiB of it)."""


@dataclass
class Result:
    """One submission's row: who, what became of it, the points of each task and why."""

    student: str
    path: Path
    status: str
    tasks: list[TaskScore] = field(default_factory=list)
    message: str = ""
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    executed: dict | None = None

    @property
    def total(self) -> float | None:
        """The points in all, None for a submission that was not run."""
        ran = (GRADED, TIMED_OUT, KERNEL_DIED)
        return sum(t.earned for t in self.tasks) if self.status in ran else None


def collect(paths, exclude: Path | None = None) -> list[Path]:
    """The submissions: the files named, and the `.ipynb` files in the folders named (not
    those under `exclude`, the reports' folder).

    Raises:
        Nes2Error: no paths, a path that does not exist, or a folder without a notebook.
    """
    if not paths:
        raise Nes2Error("Name the submissions: notebook files or folders of them.")
    found: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            skipped = exclude.resolve() if exclude is not None else None
            notebooks = sorted(
                p
                for p in path.rglob("*.ipynb")
                if ".ipynb_checkpoints" not in p.parts
                and (skipped is None or skipped not in p.resolve().parents)
            )
            if not notebooks:
                raise Nes2Error(f"No notebook (.ipynb) in {path}: collect the submissions there.")
            found += notebooks
        elif path.is_file():
            found.append(path)
        else:
            raise Nes2Error(f"No file or folder {path}.")
    return list(dict.fromkeys(p.absolute() for p in found))


def student_names(paths: list[Path]) -> dict[Path, str]:
    """Each submission's student: the file's name without `.ipynb`, or the folder's name where
    the file keeps the exercise's own name (a folder per student); the path where names clash.

    Examples:
        >>> names = student_names([Path("a/novak.ipynb"), Path("svoboda/regression.ipynb")])
        >>> list(names.values())
        ['novak', 'svoboda']
    """
    exercises = set(spec.available())

    def name(path: Path) -> str:
        stem = path.stem.removesuffix("-reseni")
        return path.parent.name if stem in exercises and path.parent.name else path.stem

    names = {path: name(path) for path in paths}
    counts = collections.Counter(names.values())
    return {
        path: (n if counts[n] == 1 else path.with_suffix("").as_posix().lstrip("/"))
        for path, n in names.items()
    }


def grade_one(path: Path, student: str, exercise: spec.Exercise, **options) -> Result:
    """Read, recognise, run and score one submission; a bad submission gives its row, never an
    exception (options: `any_version`, and `timeout`, `memory`, `isolate` of `run_one`)."""
    try:
        return run_one(path, student, exercise, **options)
    except Exception as error:  # the grader's own failure on this file: its row says so
        return Result(student, path, FAILED_TO_START, message=f"{type(error).__name__}: {error}")


def run_one(
    path: Path,
    student: str,
    exercise: spec.Exercise,
    *,
    any_version: bool = False,
    timeout: float | None = None,
    memory: int | None = DEFAULT_MEMORY,
    isolate: bool = True,
) -> Result:
    """`grade_one` without its guard: the steps, in order."""
    try:
        found = submission.read(path)
    except submission.Unreadable as why:
        return Result(student, path, NOT_A_NOTEBOOK, message=str(why))
    if found.exercise is not None and found.exercise != exercise.name:
        return Result(student, path, OTHER_EXERCISE, message=f"notebook cvičení {found.exercise!r}")
    if found.exercise is not None and found.version != exercise.version and not any_version:
        message = f"notebook verze kurzu {found.version}, hodnotí se verze {exercise.version}"
        return Result(student, path, OTHER_VERSION, message=message)
    limit = timeout or exercise.timeout
    ran = sandbox.execute(submission.assemble(found, exercise), limit, memory, isolate)
    if ran.notebook is None:
        return Result(student, path, FAILED_TO_START, message=ran.error, seconds=ran.seconds)
    status = TIMED_OUT if ran.timed_out else KERNEL_DIED if ran.error else GRADED
    result = Result(
        student,
        path,
        status,
        score(ran.notebook, exercise),
        seconds=ran.seconds,
        notes=preamble_errors(ran.notebook),
        executed=ran.notebook,
    )
    result.message = f"překročen časový limit {limit:.0f} s" if ran.timed_out else ran.error
    if found.copy == "solution":
        result.notes.insert(0, "Odevzdaný notebook je kopie s řešením ze stránek kurzu.")
    return result


def recognise(paths: list[Path], name) -> spec.Exercise:
    """The exercise of a batch: `name` (or a spec), else the one most submissions' metadata
    names."""
    if isinstance(name, spec.Exercise):
        return name
    if name:
        return spec.load(name)
    named = collections.Counter()
    for path in paths:
        try:
            found = submission.read(path)
        except submission.Unreadable:
            continue
        if found.exercise:
            named[found.exercise] += 1
    if not named:
        raise Nes2Error(
            "No submission says which exercise it is (generated notebooks do): "
            f"pass --exercise NAME ({', '.join(spec.available())})."
        )
    return spec.load(named.most_common(1)[0][0])


def grade(
    paths, out=None, *, exercise=None, jobs: int = 1, progress: bool = True, **options
) -> list[Result]:
    """Grade the submissions in `paths` (files or folders); write the reports into `out`.

    Args:
        paths: notebook files and folders of them.
        out: the folder of `report.csv`, `report.html`, `feedback/` and `executed/`
            (None: no files).
        exercise: the exercise's name (or an `Exercise`); by default the one the
            notebooks' metadata names.
        jobs: submissions run at once.
        progress: show a progress bar.
        **options: `timeout` (seconds; default the exercise's), `memory` (bytes),
            `any_version`, `isolate` (see `grade_one`).

    Returns:
        One `Result` per submission, in the order of the paths.
    """
    from tqdm.auto import tqdm

    if jobs < 1:
        raise Nes2Error(f"--jobs must be at least 1, not {jobs}.")
    files = collect(paths, exclude=Path(out) if out is not None else None)
    chosen = recognise(files, exercise)
    names = student_names(files)
    if options.get("isolate", True) and not sandbox.network_isolation():
        print(
            "nes2 grade: this system cannot run notebooks in a network namespace of their own "
            "(no user namespaces): they run with the network on.",
            file=sys.stderr,
        )
    results: dict[Path, Result] = {}
    pool = ThreadPoolExecutor(jobs)
    try:
        with tqdm(
            total=len(files),
            desc=f"nes2 grade {chosen.name}",
            unit="notebook",
            disable=not progress,
        ) as bar:
            futures = {pool.submit(grade_one, p, names[p], chosen, **options): p for p in files}
            for future in as_completed(futures):
                results[futures[future]] = future.result()
                bar.update()
    except BaseException:  # Ctrl-C: nothing more starts, and what runs is stopped
        pool.shutdown(wait=False, cancel_futures=True)
        sandbox.stop_all()
        raise
    pool.shutdown()
    ordered = [results[p] for p in files]
    if out is not None:
        from nes2.grading import report

        isolated = options.get("isolate", True) and sandbox.network_isolation()
        report.write(ordered, chosen, Path(out), isolated=isolated)
    return ordered
