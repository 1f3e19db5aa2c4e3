"""Result tables for the lecture pages, as Markdown (the pages show them with `Markdown(...)`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence


def markdown_table(
    rows: Sequence[Mapping],
    columns: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
) -> str:
    """A Markdown table with one row per mapping; columns of numbers are right-aligned.

    Args:
        rows: the rows, each a mapping from column key to value (`None`: "–").
        columns: column key -> header, in the order of the columns.
        formats: column key -> format of its values, e.g. `"{:.3f}"` (default `"{}"`).

    Examples:
        >>> rows = [{"model": "a", "acc": 0.91234}]
        >>> print(markdown_table(rows, {"model": "model", "acc": "přesnost"}, {"acc": "{:.3f}"}))
        | model | přesnost |
        |---|---:|
        | a | 0.912 |
    """
    formats = formats or {}

    def cell(key, value) -> str:
        return "–" if value is None else formats.get(key, "{}").format(value)

    numeric = {
        key: all(isinstance(row.get(key), int | float) or row.get(key) is None for row in rows)
        for key in columns
    }
    lines = [
        "| " + " | ".join(columns.values()) + " |",
        "|" + "|".join("---:" if numeric[key] else "---" for key in columns) + "|",
    ]
    lines += ["| " + " | ".join(cell(k, row.get(k)) for k in columns) + " |" for row in rows]
    return "\n".join(lines)


def epochs(count: int, unit: str = "epoch") -> str:
    """`count` epochs in Czech, the noun in the form a number asks for; another
    `unit` (already in its form after a number) is left as it is.

    Examples:
        >>> epochs(1), epochs(3), epochs(20), epochs(80, "kroků")
        ('1 epocha', '3 epochy', '20 epoch', '80 kroků')
    """
    if unit == "epoch":
        unit = "epocha" if count == 1 else "epochy" if 2 <= count <= 4 else "epoch"
    return f"{count} {unit}"


def number(value: float, spec: str = ".3g") -> str:
    """`value` for Czech prose: formatted by `spec`, with the decimal comma.

    Examples:
        >>> number(0.3691), number(1234.5, ",.1f"), number(0.377, ".0%")
        ('0,369', '1 234,5', '38%')
    """
    return format(value, spec).replace(",", " ").replace(".", ",")
