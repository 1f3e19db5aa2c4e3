"""Pages: which are notebooks, their titles, and the recipe reference of the API pages."""

from __future__ import annotations

RECIPES_MARKER = "<!-- nes2:recipes -->"
PART_LABELS = ("Výklad", "Cvičení")
"""Navigation labels that are short because their section names the part."""


def is_notebook(page) -> bool:
    """Whether the page is a lecture or exercise notebook (a jupytext `.py` script)."""
    return page.file.src_uri.endswith(".py")


def is_exercise(page) -> bool:
    """Whether the page is an exercise notebook."""
    return is_notebook(page) and page.file.src_uri.startswith("exercises/")


def recipes_reference() -> str:
    """The recipes of the registry as Markdown: a table of their options, then each module's API."""
    from nes2 import recipes

    rows = ["| recipe | co dělá | volby | epochy (quick / full) |", "|---|---|---|---|"]
    modules = []
    for name in recipes.names():
        recipe = recipes.get(name)
        options = "<br>".join(
            f"`{o.flag}` {'{' + ','.join(map(str, o.choices)) + '}' if o.choices else ''}"
            f" (výchozí `{o.default}`)"
            for o in recipe.options
        )
        epochs = " / ".join(
            str(recipe.epochs[p])
            if not recipe.epochs_by
            else ", ".join(f"{k} {v}" for k, v in recipe.epochs[p].items())
            for p in ("quick", "full")
        )
        rows.append(f"| `{name}` | {recipe.summary} | {options or '–'} | {epochs} |")
        modules.append(type(recipe).__module__)
    return "\n".join(rows) + "\n\n" + "\n\n".join(f"::: {module}" for module in modules)


def with_recipes(markdown: str) -> str:
    """The page's Markdown with the recipe reference in place of `RECIPES_MARKER`."""
    if RECIPES_MARKER in markdown:
        return markdown.replace(RECIPES_MARKER, recipes_reference())
    return markdown


def page_title(page) -> str | None:
    """The page's own title where its navigation label is only "Výklad" or "Cvičení".

    The label stays short in the navigation; the title names the part
    ("Aplikace: detekce objektů – výklad") in the browser's tab, the header, the
    search results and the previous/next links.
    """
    if page.title in PART_LABELS and page.parent is not None:
        return f"{page.parent.title} – {page.title.lower()}"
    return None


def notebook_body(output: str) -> str:
    """Notebook pages get a wider column (`stylesheets/nes2.css`)."""
    return output.replace("<body ", '<body class="nes2-notebook" ', 1)
