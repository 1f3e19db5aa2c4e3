"""`nes2 grade` on a small exercise of its own: points, hidden checks, restored checks, the
reports, and every kind of bad submission in one class (each its own row, the others still
graded). The grader over the course's real exercises is tested with the student notebooks
(tests/test_student_notebooks.py)."""

from __future__ import annotations

import csv
import json
import re
from pathlib import Path

import nbformat
import pytest
from conftest import serve

from nes2 import cli, grading
from nes2.grading import report, sandbox, spec, worker

VERSION = "0.1.0"
CHECK_X = "checks.check_close('x', x, 2)"
HIDDEN_X = (
    "from nes2.errors import CheckFailed\n"
    "if not isinstance(x, int):\n"
    "    raise CheckFailed('x má být celé číslo (tuto zprávu student nevidí)')"
)
CHECK_Y = "checks.check_close('y', y, 3)"
SPEC = {
    "exercise": "demo",
    "title": "Cvičení: ukázka",
    "version": VERSION,
    "timeout": 60,
    "tasks": [
        {
            "number": 1,
            "title": "součet",
            "points": 2,
            "heading": "demo-1",
            "cells": ["demo-1", "demo-2", "demo-3", "demo-4"],
            "checks": [
                {"id": "demo-3", "source": CHECK_X, "hidden": False},
                {
                    "id": "demo-4",
                    "source": HIDDEN_X,
                    "hidden": True,
                    "name": "celé číslo",
                    "after": "demo-3",
                },
            ],
        },
        {
            "number": 2,
            "title": "druhá úloha",
            "points": 1,
            "heading": "demo-5",
            "cells": ["demo-5", "demo-6", "demo-7"],
            "checks": [{"id": "demo-7", "source": CHECK_Y, "hidden": False}],
        },
    ],
}


def notebook(x="1 + 1", y="3", *, check_x=CHECK_X, exercise="demo", version=VERSION, drop=()):
    """A student's copy of the demo exercise with the answers `x` and `y`."""
    v4 = nbformat.v4
    cells = [
        ("demo-0", v4.new_code_cell("from nes2.teaching import checks")),
        ("demo-1", v4.new_markdown_cell("## Cvičení 1: součet")),
        ("demo-2", v4.new_code_cell(f"x = {x}")),
        ("demo-3", v4.new_code_cell(check_x)),
        ("demo-5", v4.new_markdown_cell("## Cvičení 2: druhá úloha")),
        ("demo-6", v4.new_code_cell(f"y = {y}")),
        ("demo-7", v4.new_code_cell(CHECK_Y)),
    ]
    for cell_id, cell in cells:
        cell["id"] = cell_id
    nb = v4.new_notebook(cells=[c for i, c in cells if i not in drop])
    nb.metadata["nes2"] = {"exercise": exercise, "version": version, "copy": "student"}
    return nb


@pytest.fixture
def demo(tmp_path) -> spec.Exercise:
    path = tmp_path / "demo.json"
    path.write_text(json.dumps(SPEC, ensure_ascii=False))
    return spec.load(path)


def run(exercise, nb, tmp_path, name="student", **options) -> grading.Result:
    path = tmp_path / f"{name}.ipynb"
    nbformat.write(nb, path)
    return grading.grade_one(path, name, exercise, **{"memory": None, **options})


def earned(result) -> list[float]:
    return [task.earned for task in result.tasks]


@pytest.mark.slow
def test_points_follow_the_checks_visible_and_hidden(demo, tmp_path):
    right = run(demo, notebook(), tmp_path)
    assert (right.status, earned(right), right.total) == ("graded", [2, 1], 3)
    wrong = run(demo, notebook(x="3"), tmp_path)
    assert earned(wrong) == [0, 1]
    assert wrong.tasks[0].feedback == ["x: 3 místo 2. Projděte výpočet ručně."]
    # the visible check passes a float, the hidden one does not, and the report names it alone
    hidden = run(demo, notebook(x="2.0"), tmp_path)
    assert earned(hidden) == [0, 1]
    assert hidden.tasks[0].feedback == ["Skrytá kontrola „celé číslo“ neprošla."]
    # a check the student weakened or deleted runs as the exercise wrote it
    weakened = run(demo, notebook(x="3", check_x="print('vše v pořádku')"), tmp_path)
    deleted = run(demo, notebook(y="4", drop=("demo-7",)), tmp_path)
    assert (earned(weakened), earned(deleted)) == ([0, 1], [2, 0])
    untouched = run(demo, notebook(x="...", y="..."), tmp_path)
    assert earned(untouched) == [0, 0]
    assert untouched.tasks[1].feedback == ["Doplňte `y` v buňce výše: y."]


@pytest.mark.slow
def test_a_class_with_every_kind_of_bad_submission(demo, tmp_path, monkeypatch):
    folder = tmp_path / "odevzdane"
    folder.mkdir()
    nbformat.write(notebook(), folder / "novak.ipynb")
    nbformat.write(notebook(x="3"), folder / "svoboda.ipynb")
    (folder / "text.ipynb").write_text("toto není JSON")
    (folder / "json.ipynb").write_text(json.dumps({"name": "not a notebook"}))
    nbformat.write(notebook(exercise="detection"), folder / "jine.ipynb")
    nbformat.write(notebook(version="0.0.1"), folder / "stara.ipynb")
    nbformat.write(notebook(x="1 +"), folder / "syntax.ipynb")
    nbformat.write(notebook(y="3\nwhile True:\n    pass"), folder / "smycka.ipynb")
    nbformat.write(notebook(x="2\nprint('x' * 5_000_000)"), folder / "vypis.ipynb")
    vandal = "2\nimport os, pathlib\npathlib.Path('../venku.txt').write_text('x')\n"
    vandal += "for p in pathlib.Path('.').iterdir():\n    p.unlink()"
    nbformat.write(notebook(x=vandal), folder / "vandal.ipynb")
    (folder / "hluboky.ipynb").write_text("[" * 100_000)
    (folder / "odkaz.ipynb").symlink_to(folder / "nikde.ipynb")
    odd = notebook()
    odd.metadata["nes2"] = "regression"
    nbformat.write(odd, folder / "divny.ipynb")
    listed = notebook()
    listed.metadata["nes2"]["exercise"] = ["demo"]
    nbformat.write(listed, folder / "seznam.ipynb")
    colab = json.loads(nbformat.writes(notebook()))  # Colab keeps format 4.0: no cell ids
    colab["nbformat_minor"] = 0
    for cell in colab["cells"]:
        del cell["id"]
    (folder / "colab.ipynb").write_text(json.dumps(colab))
    solution = notebook()
    solution.metadata["nes2"]["copy"] = "solution"
    nbformat.write(solution, folder / "opsany.ipynb")
    nbformat.write(
        notebook(y="3\nimport os, signal\nos.kill(os.getpid(), signal.SIGKILL)"),
        folder / "padly.ipynb",
    )
    monkeypatch.setenv("TEACHER_TOKEN", "tajne")
    curious = "2 if __import__('os').environ.get('TEACHER_TOKEN') is None else 0"
    nbformat.write(notebook(x=curious), folder / "zvedavy.ipynb")
    before = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
    monkeypatch.chdir(tmp_path)
    results = grading.grade(
        [folder],
        folder / "hodnoceni",
        exercise=demo,
        jobs=2,
        timeout=40,
        memory=None,
        progress=False,
    )
    out = folder / "hodnoceni"
    again = grading.collect([folder], exclude=out)
    assert len(again) == len(results), "the reports' own notebooks are not submissions"
    rows = {r.student: r for r in results}
    assert {s: r.status for s, r in rows.items()} == {
        "colab": "graded",
        "divny": "graded",
        "hluboky": "not-a-notebook",
        "odkaz": "not-a-notebook",
        "opsany": "graded",
        "padly": "kernel-died",
        "seznam": "graded",
        "jine": "other-exercise",
        "json": "not-a-notebook",
        "novak": "graded",
        "smycka": "timed-out",
        "stara": "other-version",
        "svoboda": "graded",
        "syntax": "graded",
        "text": "not-a-notebook",
        "vandal": "graded",
        "vypis": "graded",
        "zvedavy": "graded",
    }
    assert earned(rows["novak"]) == [2, 1] and earned(rows["svoboda"]) == [0, 1]
    assert earned(rows["colab"]) == [2, 1], "checks found by their place without cell ids"
    assert earned(rows["padly"]) == [2, 0], "the tasks before the kernel died still count"
    assert rows["opsany"].notes == ["Odevzdaný notebook je kopie s řešením ze stránek kurzu."]
    assert earned(rows["syntax"]) == [0, 1]
    assert rows["syntax"].tasks[0].feedback[0].startswith("Buňka skončila chybou: SyntaxError")
    assert earned(rows["smycka"]) == [2, 0], "the tasks before the endless loop still count"
    assert earned(rows["vypis"]) == [2, 1] and earned(rows["vandal"]) == [2, 1]
    assert earned(rows["zvedavy"]) == [2, 1], "the teacher's variables are not passed"
    assert {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()} == before
    assert not (tmp_path / "venku.txt").exists()
    printed = json.loads((out / "executed" / "vypis.ipynb").read_text())
    longest = max(len(o.get("text", "")) for c in printed["cells"] for o in c.get("outputs", []))
    assert worker.OUTPUT_LIMIT < longest < worker.OUTPUT_LIMIT + 200
    with (out / "report.csv").open(encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["student"] for r in table] == [r.student for r in results]
    novak = next(r for r in table if r["student"] == "novak")
    assert (novak["1. součet (2 b.)"], novak["2. druhá úloha (1 b.)"], novak["total"]) == (
        "2",
        "1",
        "3",
    )
    text = next(r for r in table if r["student"] == "text")
    assert (text["status"], text["total"], text["1. součet (2 b.)"]) == ("not-a-notebook", "", "")
    page = (out / "report.html").read_text()
    assert "<table>" in page and 'alt="Úspěšnost úloh (12 spuštěných odevzdání)' in page
    heads = re.findall(r"<th scope='col'>([^<]*)</th>", page)
    assert heads[2:4] == ["1. součet (2 b.)", "2. druhá úloha (1 b.)"]
    first_row = page.split("<tbody>")[1].split("</tr>")[0]
    assert first_row.count("<td>") == len(heads)
    assert "neprošla" not in (out / "feedback" / "novak.md").read_text()
    assert "x: 3 místo 2" in (out / "feedback" / "svoboda.md").read_text()
    assert "překročen časový limit" in (out / "feedback" / "smycka.md").read_text()


@pytest.mark.slow
@pytest.mark.skipif(not sandbox.network_isolation(), reason="no network namespaces here")
def test_a_submission_reaches_no_network(demo, tmp_path):
    with serve(tmp_path) as url:
        request = f"2\nimport urllib.request\ntry:\n    x = urllib.request.urlopen({url!r}, "
        request += "timeout=5) and 0\nexcept OSError:\n    pass"
        blocked = run(demo, notebook(x=request), tmp_path)
        open_net = run(demo, notebook(x=request), tmp_path, isolate=False)
    assert earned(blocked) == [2, 1], "the server on the grader's loopback is out of reach"
    assert earned(open_net)[0] == 0, "without the namespace the same request gets through"


@pytest.mark.slow
def test_a_notebook_gets_no_more_memory_than_its_limit(demo, tmp_path):
    hungry = run(demo, notebook(x="len(bytearray(6 * 2**30)) and 2"), tmp_path, memory=3 * 2**30)
    assert earned(hungry) == [0, 1]
    assert hungry.tasks[0].feedback[0] == "Buňka skončila chybou: MemoryError"


def test_the_kernel_gets_no_variable_outside_the_allowed_ones(tmp_path):
    env = sandbox.kernel_environment(
        {"PATH": "/usr/bin", "AWS_SECRET_ACCESS_KEY": "x", "NES2_HOME": "/data", "HOME": "/root"},
        tmp_path,
    )
    assert "AWS_SECRET_ACCESS_KEY" not in env
    assert (env["PATH"], env["NES2_HOME"], env["HOME"]) == ("/usr/bin", "/data", str(tmp_path))
    assert env["KERAS_HOME"] == "/root/.keras", "pretrained weights stay reachable"


def test_bad_command_lines_are_clear_errors(tmp_path, capsys):
    with pytest.raises(SystemExit) as empty:
        cli.main(["grade"])
    assert empty.value.code == 2
    (tmp_path / "prazdna").mkdir()
    assert cli.main(["grade", str(tmp_path / "prazdna")]) == 2
    assert "No notebook (.ipynb) in" in capsys.readouterr().err
    assert cli.main(["grade", str(tmp_path / "nic")]) == 2
    assert "No file or folder" in capsys.readouterr().err
    nbformat.write(nbformat.v4.new_notebook(), tmp_path / "bez.ipynb")
    assert cli.main(["grade", str(tmp_path / "bez.ipynb")]) == 2
    assert "pass --exercise NAME" in capsys.readouterr().err
    assert cli.main(["grade", str(tmp_path / "bez.ipynb"), "--exercise", "nope"]) == 2
    assert "No exercise 'nope' to grade" in capsys.readouterr().err
    for bad in (["--jobs", "0"], ["--timeout", "-5"], ["--memory", "nan"]):
        with pytest.raises(SystemExit):
            cli.main(["grade", str(tmp_path / "bez.ipynb"), *bad])


def test_student_names_come_from_files_or_their_folders():
    names = grading.student_names(
        [Path("/a/novak.ipynb"), Path("/b/svoboda/detection.ipynb"), Path("/c/x/novak.ipynb")]
    )
    assert list(names.values()) == ["a/novak", "svoboda", "c/x/novak"]


def test_every_exercise_has_a_spec_with_checks_and_points():
    names = spec.available()
    assert len(names) == 10
    for name in names:
        exercise = spec.load(name)
        assert exercise.tasks and all(task.checks for task in exercise.tasks), name
        assert exercise.max_points >= len(exercise.tasks)
    assert any(c.hidden for n in names for t in spec.load(n).tasks for c in t.checks)


def test_the_worker_caps_what_a_cell_prints():
    cell = {
        "outputs": [
            {"output_type": "stream", "text": "a" * 100_000},
            {"output_type": "execute_result", "data": {"text/plain": "b" * 50_000}},
        ]
    }
    worker.cap_outputs(cell)
    kept = [len(o.get("text") or o["data"]["text/plain"]) for o in cell["outputs"]]
    assert all(worker.OUTPUT_LIMIT < n < worker.OUTPUT_LIMIT + 100 for n in kept)


def test_the_chart_marks_the_task_fewest_students_managed(demo):
    def result(*earned):
        tasks = [
            grading.TaskScore(t.number, t.title, t.points, e)
            for t, e in zip(demo.tasks, earned, strict=True)
        ]
        return grading.Result("s", Path("s.ipynb"), "graded", tasks)

    results = [result(2, 0), result(2, 1), result(0, 0)]
    results.append(grading.Result("x", Path("x.ipynb"), "not-a-notebook"))
    bars = report.task_chart(results, demo).axes[0].patches
    assert [round(b.get_width()) for b in bars] == [67, 33]  # of the 3 that ran
    assert bars[0].get_facecolor() != bars[1].get_facecolor()
