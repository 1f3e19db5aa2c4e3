"""Answers a student has not written yet: the placeholders of the exercise notebooks.

A student's notebook starts from a scaffold: the names the checks use are
there, bound to `...` (or `None`), and a function to write has `...` for its
body. A check that receives such a placeholder says in Czech what to fill in
and where, instead of failing with a `NameError`, a `TypeError` or a NumPy
error. The name in that message is the one the student's notebook uses: the
argument as written in the call of the check (read with `executing`).

Examples:
    >>> def nms(boxes, scores):
    ...     \"\"\"Indices of the kept boxes.\"\"\"
    ...     ...
    >>> is_placeholder(...), is_placeholder(None), is_placeholder(nms), is_placeholder(0)
    (True, True, True, False)
"""

from __future__ import annotations

import ast
import functools
import inspect
import sys
import textwrap
from collections.abc import Callable

from nes2.errors import CheckFailed


def _is_stub_statement(statement: ast.stmt) -> bool:
    if isinstance(statement, ast.Pass):
        return True
    return isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)


def unfilled(function) -> bool:
    """Whether `function`'s body is only a docstring and `...` (or `pass`).

    Examples:
        >>> def todo(x):
        ...     ...
        >>> def done(x):
        ...     return x
        >>> unfilled(todo), unfilled(done), unfilled(len)
        (True, False, False)
    """
    if not inspect.isfunction(function):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    except (OSError, TypeError, SyntaxError):
        return False
    definition = tree.body[0] if tree.body else None
    if not isinstance(definition, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    return all(_is_stub_statement(statement) for statement in definition.body)


def is_placeholder(value) -> bool:
    """`...`, `None`, or a function whose body is still `...`."""
    return value is Ellipsis or value is None or unfilled(value)


def _argument_source(frame, signature: inspect.Signature, parameter: str) -> str | None:
    """The text of the argument bound to `parameter` in the call being executed in `frame`."""
    try:
        import executing
    except ImportError:  # pragma: no cover - a dependency of nes2 and of IPython
        return None
    node = executing.Source.executing(frame).node
    if not isinstance(node, ast.Call):
        return None
    names = list(signature.parameters)
    for keyword in node.keywords:
        if keyword.arg == parameter:
            return ast.unparse(keyword.value)
    index = names.index(parameter)
    if index < len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args):
        return ast.unparse(node.args[index])
    return None


def requires_answers(**described: str) -> Callable:
    """Make a check refuse placeholders in the named arguments, with a Czech message.

    Args:
        **described: parameter name -> what it should hold, in Czech; the text
            may name the check's other arguments in braces (`"{name} (číslo)"`).

    Examples:
        >>> @requires_answers(value="{name} (číslo)")
        ... def check_positive(name, value):
        ...     print("✓")
        >>> accuracy = ...
        >>> check_positive("přesnost", accuracy)
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: Doplňte `accuracy` v buňce výše: přesnost (číslo).
    """

    def decorate(check: Callable) -> Callable:
        signature = inspect.signature(check)

        @functools.wraps(check)
        def checked(*args, **kwargs):
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            for parameter, description in described.items():
                value = bound.arguments.get(parameter)
                if not is_placeholder(value):
                    continue
                if inspect.isfunction(value):
                    label, what = value.__name__, "tělo funkce místo `...`"
                else:
                    label = _argument_source(sys._getframe(1), signature, parameter) or parameter
                    what = description.format(**bound.arguments)
                raise CheckFailed(f"Doplňte `{label}` v buňce výše: {what}.")
            return check(*args, **kwargs)

        return checked

    return decorate
