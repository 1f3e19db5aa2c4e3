"""A student's notebook, run as a student runs it before answering: the setup runs, each
check says in Czech what to fill in, and no cell fails with a raw Python error. And the
same notebooks as the teacher's grader scores them: the untouched copy earns nothing,
wrong answers lose every task's points, the solution earns them all.

Each generated notebook (`nes2_site/notebooks.py`) is executed as `nes2 grade` runs a
submission (`nes2.grading`: the checks as the exercise wrote them, the hidden checks
added, errors allowed, a process of its own), in the quick profile. The executed notebook is kept
in the tests' cache under a key of its content, of what it reaches in the
package (`nes2_site.reach.digest` of its exercise, as the site keys it) and of
the site's execution key (the lock, the kernel configuration and the profile), of the
exercise's grading spec and of the grader's code,
so a second `make test` with nothing changed executes none, and neither does a
change the exercise cannot see (an `expected.toml` edit).
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from conftest import ROOT, SITE_GROUP, TEST_CACHE, site_environment

from nes2 import grading, keys
from nes2.grading import sandbox, scoring, submission
from nes2.io import atomic_file
from nes2_site import execution, notebooks

# A notebook runs the whole package (its checks too) against the exercises' sources.
pytestmark = [
    pytest.mark.trains,
    pytest.mark.keyed("lectures", "notebooks", "nes2_site", "src/nes2", ".ipython"),
]

STUDENT = [t for t in notebooks.targets() if t.student]
SOLUTION = [t for t in notebooks.targets() if t.path.endswith(f"{notebooks.SOLUTION_SUFFIX}.ipynb")]
GRADING = Path(grading.__file__).parent
TODO_NAME = re.compile(r"^\s*(\w+) = \.\.\.  # TODO: doplňte$", re.M)
STUB = re.compile(r"^def (\w+)\(", re.M)


def executed(target, monkeypatch, nb=None, variant="as-downloaded") -> nbformat.NotebookNode:
    """The notebook of `target` (or `nb`, a variant of it) as `nes2 grade` runs it: its checks
    as the exercise wrote them and the hidden ones added, in a process and folder of its own.
    Kept in the tests' cache."""
    text = notebooks.rendered(target) if nb is None else nbformat.writes(nb)
    exercise = Path(target.source).stem
    key = keys.digest(
        execution.execution_key(),
        execution.page_inputs(target.source, keys.machine_state(site_environment())),
        text,
        files=[notebooks.SPEC_DIR / f"{exercise}.json", *sorted(GRADING.glob("*.py"))],
        root=ROOT,
    )
    name = f"{Path(target.path).stem}-{variant}-{key}.ipynb"
    cached = TEST_CACHE / "student-notebooks" / name
    if cached.is_file():
        return nbformat.reads(cached.read_text(), as_version=4)
    for name, value in site_environment().items():
        monkeypatch.setenv(name, value)
    graded = grading.spec.load(exercise)
    found = submission.Submission(
        Path(target.path), nbformat.reads(text, as_version=4), exercise, graded.version
    )
    ran = sandbox.execute(submission.assemble(found, graded), timeout=1800)
    assert not ran.timed_out and ran.notebook is not None, ran.error
    with atomic_file(cached) as tmp:
        tmp.write_text(nbformat.writes(ran.notebook))
    return ran.notebook


def points(target, nb) -> dict[str, tuple[float, float]]:
    """Each task's (earned, possible) points in an executed notebook."""
    tasks = scoring.score(nb, grading.spec.load(Path(target.source).stem))
    return {f"{task.number}. {task.title}": (task.earned, task.points) for task in tasks}


def errors(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if o.get("output_type") == "error"]


def is_check(cell) -> bool:
    return "checks.check_" in cell.source and "scaffold" not in cell.metadata.get("tags", [])


def is_hidden(cell) -> bool:
    return cell.metadata.get(submission.GRADE_KEY, {}).get("hidden", False)


def filled_in(cell) -> set[str]:
    """The names a scaffold cell leaves to the student: `x = ...` lines and stub functions."""
    return set(TODO_NAME.findall(cell.source)) | set(STUB.findall(cell.source))


@pytest.mark.slow
@pytest.mark.parametrize("target", STUDENT, ids=[Path(t.path).stem for t in STUDENT])
def test_a_student_notebook_asks_for_what_is_missing_in_czech(target, monkeypatch):
    nb = executed(target, monkeypatch)
    cells = [c for c in nb.cells if c.cell_type == "code"]
    scaffolds = [i for i, c in enumerate(cells) if "scaffold" in c.metadata.get("tags", [])]
    assert scaffolds, "every exercise starts from a scaffold"
    for cell in cells[: scaffolds[0] + 1]:
        assert not errors(cell), f"a cell before the first answer fails: {cell.source[:200]}"
    missing = set().union(*(filled_in(cells[i]) for i in scaffolds))
    after = [nb.cells[nb.cells.index(cells[i]) + 1] for i in scaffolds]
    hints = [c for c in after if c.source.startswith("<details><summary>Nápověda</summary>")]
    assert hints, "the hints follow the scaffolds, folded"
    for number, cell in enumerate(cells):
        for error in errors(cell):
            assert error["ename"] == "CheckFailed", (
                f"cell {number} fails with a raw {error['ename']}: {error['evalue']}\n{cell.source}"
            )
    check_cells = [c for c in cells if is_check(c)]
    assert len(check_cells) >= len(scaffolds)
    for cell in check_cells:
        (error,) = errors(cell) or [None]
        assert error is not None, f"a check passes before anything is filled in:\n{cell.source}"
        named = re.match(r"Doplňte `(\w+)` v buňce výše: .+\.$", error["evalue"])
        assert named, f"the check does not say what to fill in: {error['evalue']}"
        assert named[1] in missing, f"{named[1]} is not a name the scaffold asks for ({missing})"
    scored = points(target, nb)
    assert all(earned == 0 for earned, _ in scored.values()), f"the untouched copy scores {scored}"


WRONG = {
    "architectures": {
        "by_hand": "61_000",
        "separable": "keras.Model(inputs, separable_conv_block(inputs, 128))",
        "separable_params": "3 * 3 * 128 + 128 * 128  # batch normalization forgotten",
        "full_params": "3 * 3 * 128 * 128 + 128  # a bias the task leaves out",
        "fields": "[3, 4, 6, 7, 9, 10, 12, 13]  # the growing jump forgotten",
    },
    "cats_vs_dogs": {
        "stronger": 'models.augmentation(flip="horizontal", rotation=0.25, zoom=0.3, seed=1)',
        "trained": 'return None, {"loss": [0.7, 0.6]}',
        "history_plain": '{"loss": [0.7, 0.6]}',
        "history_stronger": '{"loss": [0.7, 0.6]}',
        "with_dropout": "models.small_convnet(input_shape, **options)",
        "without_dropout": "models.small_convnet(input_shape, **options)",
        "grad_cam_by_hand": "return np.maximum((features * gradients).sum(axis=-1), 0)"
        "  # no mean, no scaling",
        "chosen": "0",
        "heat": "np.ones((5, 5))",
    },
    "detection": {
        "nms": "return [int(i) for i in np.argsort(scores)[::-1]]  # nothing suppressed",
        "eleven": 'detection.detector("yolov8", 10, (96, 96, 3))',
        "extra": "11",
        "encode_box": "x, y, w, h = centre_size(box)\nxa, ya, wa, ha = centre_size(anchor)\n"
        "return np.array([x - xa, y - ya, w / wa, h / ha])  # not scaled, no log",
        "decode_box": "return np.asarray(anchor, dtype='float64')  # the anchor itself",
    },
    "encoder_decoder": {
        "gram": "flat = np.asarray(features).reshape(-1, features.shape[-1])\n"
        "return flat.T @ flat  # not divided by the positions",
        "kl": "return -0.5 * np.sum(1 + log_var - mean**2 - log_var)  # log_var for the variance",
        "sample": "return mean + np.exp(log_var) * eps  # the variance for the deviation",
    },
    "localization": {
        "iou": "return 0.0",
        "results": "{w: {'accuracy': 0.9, 'mean_iou': 0.9} for w in (0.05, 5.0, 500.0)}",
    },
    "other_data": {
        "expected_shape": "(122, 64, 1)",
        "history": '{"loss": [1.0, 1.2]}',
        "accuracy": "0.9",
        "video": 'keras.Model(inputs, keras.layers.Conv3D(8, 3, padding="same")(inputs))',
        "video_shape": "(None, 6, 46, 46, 1)",
        "video_params": "3 * 3 * 8 + 8  # the depth of the kernel forgotten",
        "peaks": "return np.array([np.unravel_index(maps[..., k].argmax(), maps.shape[:2])[::-1] "
        "for k in range(maps.shape[-1])])  # (column, row)",
    },
    "recap": {
        "mlp": 'keras.Sequential([keras.Input((64,)), keras.layers.Dense(10, "softmax")])',
        "history": '{"loss": [2.0, 0.5]}',
        "accuracy": "0.95",
        "member": "return keras.Sequential([keras.Input((64,)), keras.layers.Dense(10)])",
        "combined": 'keras.Sequential([keras.Input((64,)), keras.layers.Dense(10, "softmax")])',
        "member_accuracies": "[0.9, 0.9, 0.9]",
        "combined_accuracy": "0.99",
    },
    "regression": {
        "tilt_metrics": "error = np.asarray(predicted_deg) - np.asarray(true_deg)\n"
        "return np.mean(np.abs(error)), np.mean(np.abs(error) <= 10)  # MAE, not RMSE",
        "runs": "{t: __import__('types').SimpleNamespace(metrics={'rmse_deg': 9.0, "
        "'within_10deg': 0.7}) for t in ('angle', 'sincos')}",
        "angle_rmse": "5.0",
        "sincos_rmse": "9.0",
    },
    "segmentation": {
        "per_class_iou": "return [float(np.mean(truth == predicted))] * num_classes",
        "shallow": "segmentation.unet((64, 64, 1), 11, depth=3)",
        "deep": "segmentation.unet((64, 64, 1), 11, depth=3)",
        "train_and_measure": "return {'loss': [1.0, 1.1]}, 0.5",
        "unet_history": '{"loss": [1.0, 1.1]}',
        "unet_iou": "0.9",
        "segnet_history": '{"loss": [1.0, 1.1]}',
        "segnet_iou": "0.9",
    },
    "transfer_learning": {
        "model": 'applications.transfer_model("MobileNetV2", 2, input_shape=(96, 96, 3), '
        "weights=WEIGHTS)",
        "head_params": "1280  # the bias forgotten",
        "trainable_after": "0",
    },
}
"""A wrong answer for every name each scaffold leaves to the student."""


def answered(source: str, answers: dict[str, str]) -> str:
    """A scaffold with its `...  # TODO: doplňte` filled in from `answers`."""
    lines, function = [], None
    for line in source.splitlines():
        if STUB.match(line):
            function = STUB.match(line)[1]
        assignment = TODO_NAME.match(line)
        indent = line[: len(line) - len(line.lstrip())]
        if assignment and assignment[1] in answers:
            line = f"{indent}{assignment[1]} = {answers[assignment[1]]}"
        elif line.strip() == notebooks.TODO and function in answers:
            line = "\n".join(indent + part for part in answers[function].splitlines())
        lines.append(line)
    return "\n".join(lines)


@pytest.mark.slow
@pytest.mark.parametrize("target", STUDENT, ids=[Path(t.path).stem for t in STUDENT])
def test_every_check_fails_on_a_wrong_answer(target, monkeypatch):
    answers = WRONG[Path(target.path).stem]
    nb = nbformat.reads(notebooks.rendered(target), as_version=4)
    for cell in nb.cells:
        if notebooks.SCAFFOLD_TAG in cell.metadata.get("tags", []):
            assert filled_in(cell) <= answers.keys(), "a wrong answer for every name"
            cell.source = answered(cell.source, answers)
    nb = executed(target, monkeypatch, nb, "wrong")
    cells = [c for c in nb.cells if c.cell_type == "code"]
    for cell in cells:
        for error in errors(cell):
            assert error["ename"] == "CheckFailed", f"{error['ename']}: {error['evalue']}"
    for cell in [c for c in cells if is_check(c) and not is_hidden(c)]:
        (error,) = errors(cell) or [None]
        assert error is not None, f"a check passes a wrong answer:\n{cell.source}"
        assert not error["evalue"].startswith("Doplňte"), error["evalue"]
    scored = points(target, nb)
    assert all(earned == 0 for earned, _ in scored.values()), f"wrong answers score {scored}"


@pytest.mark.slow
@pytest.mark.xdist_group(SITE_GROUP)
@pytest.mark.parametrize("target", SOLUTION, ids=[Path(t.path).stem for t in SOLUTION])
def test_the_solution_scores_full_points(target, monkeypatch, executed_site):
    # after the site build (in its process): the runs the solutions train are the exercise
    # pages' own, reused from the run store instead of trained beside the build
    nb = executed(target, monkeypatch, variant="solution")
    scored = points(target, nb)
    assert all(earned == possible for earned, possible in scored.values()), scored


HIDDEN_WRONG = {
    "regression": (
        "tilt_metrics",
        "    error = np.asarray(predicted_deg, float) - np.asarray(true_deg, float)\n"
        "    return np.sqrt(np.mean(error**2)), np.mean(np.abs(error) < 10)  # 10° left out",
    ),
}
"""A mistake that only a hidden check of the exercise catches: (the function, its body)."""


@pytest.mark.slow
@pytest.mark.xdist_group(SITE_GROUP)
@pytest.mark.parametrize("exercise", sorted(HIDDEN_WRONG))
def test_a_hidden_check_catches_what_the_visible_ones_miss(exercise, monkeypatch, executed_site):
    (target,) = [t for t in SOLUTION if Path(t.source).stem == exercise]
    function, body = HIDDEN_WRONG[exercise]
    nb = nbformat.reads(notebooks.rendered(target), as_version=4)
    (cell,) = [c for c in nb.cells if c.source.startswith(f"def {function}(")]
    start, end = cell.source.index("# >>> doplňte"), cell.source.index("# <<<")
    cell.source = cell.source[:start] + body.lstrip() + "\n    " + cell.source[end:]
    nb = executed(target, monkeypatch, nb, "hidden-wrong")
    (first, *rest) = scoring.score(nb, grading.spec.load(exercise))
    assert first.earned == 0 and all(task.earned == task.points for task in rest)
    assert first.feedback and all(line.startswith("Skrytá kontrola „") for line in first.feedback)
