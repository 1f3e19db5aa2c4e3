"""The grader's reports: a CSV for a gradebook, an HTML page for the teacher, feedback for
each student and the executed notebooks.

`report.csv` has one row per submission: `student` (the identifier a gradebook
matches, e.g. Moodle's CSV grade import), `status`, one column of points per
task (its label and points in the header), `total`, `max`, `seconds`,
`message` and `file`. A submission that was not run has empty points.
"""

from __future__ import annotations

import base64
import csv
import html
import io
from pathlib import Path

from nes2.grading import STATUSES
from nes2.grading.spec import Exercise
from nes2.io import atomic_file


def _number(value) -> str:
    return "" if value is None else f"{value:g}"


def header(exercise: Exercise) -> list[str]:
    """The CSV's columns: the student, the status, each task's points, the total and more."""
    tasks = [f"{t.label} ({t.points:g} b.)" for t in exercise.tasks]
    return ["student", "status", *tasks, "total", "max", "seconds", "message", "file"]


def rows(results, exercise: Exercise) -> list[list[str]]:
    """The CSV's rows, one per result, as `header` names the columns."""
    table = []
    for r in results:
        earned = {t.number: t.earned for t in r.tasks}
        points = [
            _number(earned.get(t.number)) if r.total is not None else "" for t in exercise.tasks
        ]
        table.append(
            [
                r.student,
                r.status,
                *points,
                _number(r.total),
                _number(exercise.max_points),
                f"{r.seconds:.1f}",
                r.message,
                str(r.path),
            ]
        )
    return table


def feedback(result, exercise: Exercise) -> str:
    """A student's feedback (Markdown, Czech): points per task and each failed check's message."""
    lines = [f"# {exercise.title}: {result.student}", ""]
    if result.total is None:
        lines += [f"Neohodnoceno ({STATUSES[result.status]}): {result.message}", ""]
        return "\n".join(lines)
    lines += [f"Body: {result.total:g} z {exercise.max_points:g}", ""]
    if result.message:
        lines += [f"Poznámka: {result.message}", ""]
    lines += [f"- {note}" for note in result.notes] + ([""] if result.notes else [])
    for task in result.tasks:
        mark = "✓" if task.earned else "✗"
        title = f"Cvičení {task.number}: {task.title}"
        lines += [f"## {mark} {title} ({task.earned:g} z {task.points:g} b.)", ""]
        lines += [f"- {line}" for line in task.feedback] or ["Splněno."]
        lines.append("")
    return "\n".join(lines)


def task_chart(results, exercise: Exercise):
    """A horizontal bar per task: the share of the run submissions that earned its points;
    the tasks fewest students managed in a second colour."""
    from nes2.viz.figure import new_figure

    ran = [r for r in results if r.total is not None]
    shares = [
        100
        * sum(any(s.number == t.number and s.earned for s in r.tasks) for r in ran)
        / max(len(ran), 1)
        for t in exercise.tasks
    ]
    lowest = min(shares, default=0)
    fig = new_figure(figsize=(8, 1.2 + 0.5 * len(shares)))
    ax = fig.subplots()
    labels = [t.label for t in exercise.tasks]
    colours = ["C1" if v == lowest and lowest < max(shares) else "C0" for v in shares]
    bars = ax.barh(labels, shares, color=colours)
    ax.bar_label(bars, [f"{v:.0f} %" for v in shares], padding=3)
    ax.invert_yaxis()  # task 1 on top
    ax.set_xlim(0, 110)
    ax.set_xlabel("odevzdání s body za úlohu (%)")
    ax.set_title(f"Úspěšnost úloh ({len(ran)} spuštěných odevzdání)", fontsize="medium")
    return fig


def _png(figure) -> tuple[str, str]:
    from nes2.viz.figure import describe

    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return base64.b64encode(buffer.getvalue()).decode(), describe(figure)


def page(results, exercise: Exercise, isolated: bool = True) -> str:
    """The teacher's report (Czech HTML): a summary, the chart of tasks and the table."""
    esc = html.escape
    isolation = (
        "Notebooky běžely bez sítě (vlastní síťový jmenný prostor)."
        if isolated
        else "Notebooky běžely se sítí (odpojit ji tu nešlo nebo to nebylo žádáno)."
    )
    data, alt = _png(task_chart(results, exercise))
    graded = [r for r in results if r.total is not None]
    mean = sum(r.total for r in graded) / len(graded) if graded else 0
    tasks = header(exercise)[2:-5]
    columns = ["student", "stav", *tasks, f"celkem (z {exercise.max_points:g})", "zpráva"]
    head = "".join(f"<th scope='col'>{esc(c)}</th>" for c in columns)
    body = []
    for r, row in zip(results, rows(results, exercise), strict=True):
        link = f"<a href='feedback/{esc(r.student)}.md'>{esc(r.student)}</a>"
        cells = [link, esc(STATUSES[r.status]), *map(esc, row[2:-4]), esc(r.message)]
        body.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    return f"""<!doctype html>
<html lang="cs"><head><meta charset="utf-8"><title>{esc(exercise.title)}: hodnocení</title>
<style>body{{font-family:sans-serif;max-width:70rem;margin:2rem auto;padding:0 1rem}}
table{{border-collapse:collapse}}td,th{{border:1px solid #888;padding:.25rem .5rem}}</style>
</head><body>
<h1>{esc(exercise.title)}: hodnocení</h1>
<p>Odevzdání: {len(results)}, obodováno: {len(graded)} (z toho po překročení času
{sum(r.status == "timed-out" for r in results)}), průměr {mean:.1f}
z {exercise.max_points:g} bodů. Verze kurzu {esc(exercise.version)}. {esc(isolation)}</p>
<img src="data:image/png;base64,{data}" alt="{esc(alt)}">
<table><thead><tr>{head}</tr></thead><tbody>
{chr(10).join(body)}
</tbody></table>
</body></html>
"""


def write(results, exercise: Exercise, out: Path, isolated: bool = True) -> None:
    """Write `report.csv`, `report.html`, `feedback/STUDENT.md` and `executed/STUDENT.ipynb`."""
    import json

    out.mkdir(parents=True, exist_ok=True)
    with atomic_file(out / "report.csv") as tmp, tmp.open("w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(header(exercise))
        writer.writerows(rows(results, exercise))
    with atomic_file(out / "report.html") as tmp:
        tmp.write_text(page(results, exercise, isolated), "utf-8")
    for r in results:
        with atomic_file(out / "feedback" / f"{r.student}.md") as tmp:
            tmp.write_text(feedback(r, exercise) + "\n", "utf-8")
        if r.executed is not None:
            with atomic_file(out / "executed" / f"{r.student}.ipynb") as tmp:
                tmp.write_text(json.dumps(r.executed, ensure_ascii=False), "utf-8")
