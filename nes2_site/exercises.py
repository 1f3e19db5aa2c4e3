"""An exercise page in the order task, scaffold, hint, solution.

Before each cell tagged `solution` (and before its hint), the scaffold the
student starts from (`notebooks.scaffold`) is shown; a markdown cell tagged
`hint` is folded under "Nápověda" and the solution under "Řešení". A check
tagged `hidden-check` runs in the build but is left out of the page (the
grader adds it to a submission, `nes2 grade`).
"""

from __future__ import annotations

from pathlib import Path

from nes2_site import notebooks


def _details(soup, kind: str, title: str):
    box = soup.new_tag("details", attrs={"class": kind})
    summary = soup.new_tag("summary")
    summary.string = title
    box.append(summary)
    return box


def _scaffold_html(soup, code: str):
    """The scaffold of a solution as a highlighted code block with its caption."""
    from bs4 import BeautifulSoup
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    block = soup.new_tag("div", attrs={"class": "nes2-scaffold"})
    caption = soup.new_tag("p")
    caption.string = "Kostra řešení (z ní začínáte v zadání):"
    block.append(caption)
    code_html = highlight(code, PythonLexer(), HtmlFormatter(wrapcode=True))
    block.append(BeautifulSoup(code_html, "html.parser"))
    return block


def exercise_layout(html: str, source: Path) -> str:
    """The exercise page's HTML with scaffolds shown and hints and solutions folded."""
    import jupytext
    from bs4 import BeautifulSoup

    cells = jupytext.read(source).cells
    solutions = [notebooks.scaffold(c.source) for c in cells if notebooks.is_solution(c)]
    soup = BeautifulSoup(html, "html.parser")
    hidden_cells = {}
    for hidden in soup.select(f"div.celltag_{notebooks.HIDDEN_TAG}"):
        # executed by the build (it passes on the solution), shown only to the grader
        cell = hidden.find_parent("div", class_="jp-Cell") or hidden
        hidden_cells[id(cell)] = cell
    for cell in hidden_cells.values():
        cell.decompose()
    hint_tag = f"celltag_{notebooks.HINT_TAG}"
    for hint in soup.select(f"div.{hint_tag}"):
        cell = hint.find_parent("div", class_="jp-Cell") or hint
        box = _details(soup, "tip", "Nápověda")
        cell.wrap(box)
    tag = f"celltag_{notebooks.SOLUTION_TAG}"
    found = [c for c in soup.select(f"div.{tag}") if not c.find_parent("div", class_=tag)]
    if len(found) != len(solutions):
        raise ValueError(f"{source.name}: {len(solutions)} solutions, {len(found)} on its page")
    for cell, code in zip(found, solutions, strict=True):
        box = _details(soup, "success", "Řešení")
        cell.wrap(box)
        before = box
        previous = box.find_previous_sibling()
        if previous is not None and previous.name == "details" and "tip" in previous["class"]:
            before = previous
        before.insert_before(_scaffold_html(soup, code))
    return str(soup)
