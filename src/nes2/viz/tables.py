"""Result tables for the lecture pages, as Markdown (the pages show them with `Markdown(...)`)."""

from __future__ import annotations

import numbers
from collections.abc import Mapping, Sequence

from nes2.czech import czech, number


def markdown_table(
    rows: Sequence[Mapping],
    columns: Mapping[str, str],
    formats: Mapping[str, str] | None = None,
) -> str:
    """A Markdown table with one row per mapping; columns of numbers are right-aligned.

    Numbers are written as Czech prose writes them: a decimal comma, and thousands
    apart by a space where the format groups them (`"{:,}"`).

    Args:
        rows: the rows, each a mapping from column key to value (`None`: "–").
        columns: column key -> header, in the order of the columns.
        formats: column key -> format of its values, e.g. `"{:.3f}"` or `"{:,} px"`
            (default `"{}"`).

    Examples:
        >>> rows = [{"model": "a", "acc": 0.91234, "params": 28523}]
        >>> columns = {"model": "model", "acc": "přesnost", "params": "parametrů"}
        >>> print(markdown_table(rows, columns, {"acc": "{:.3f}", "params": "{:,}"}))
        | model | přesnost | parametrů |
        |---|---:|---:|
        | a | 0,912 | 28 523 |
    """
    formats = formats or {}

    def cell(key, value) -> str:
        if value is None:
            return "–"
        if isinstance(value, numbers.Real) and not isinstance(value, bool):
            value = _Czech(value)
        return formats.get(key, "{}").format(value)

    numeric = {
        key: all(isinstance(row.get(key), numbers.Real) or row.get(key) is None for row in rows)
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


class _Czech(float):
    """A number of a `markdown_table` cell: written with the decimal comma, its thousands
    apart by a space where the format groups them (`"{:,}"`); a whole number without
    decimals stays whole (a year, `"{}"`: 2012)."""

    def __format__(self, spec: str) -> str:
        value = float(self)
        if value.is_integer() and "." not in spec and spec[-1:] not in tuple("eEfFgG%"):
            value = int(value)
        return number(value, spec)


def say(*parts, sep: str = " ") -> None:
    """Print a sentence of a lecture page with the decimal comma (`czech`): `print` for
    Czech prose.

    Examples:
        >>> accuracy = 0.9375
        >>> say(f"přesnost na testu {accuracy:.3f}")
        přesnost na testu 0,938
    """
    print(czech(sep.join(str(part) for part in parts)))
