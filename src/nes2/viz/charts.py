"""Charts of numbers: bars, confusion matrices, parameters against accuracy, model diagrams."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from nes2.viz.figure import new_figure as _figure


def bar_chart(
    values: Mapping[str, float],
    *,
    ylabel: str,
    title: str | None = None,
    highlight: Sequence[str] = (),
    fmt: str = "{:.1f}",
    reference: tuple[str, float] | None = None,
) -> Figure:
    """Labelled bars, e.g. ILSVRC top-5 error by year or accuracies of models.

    Args:
        values: label -> value, drawn in this order.
        ylabel: the axis label.
        title: the figure's title.
        highlight: labels drawn in a second colour.
        fmt: the format of the numbers written on the bars.
        reference: (label, value) drawn as a dashed line across the bars.

    Examples:
        >>> fig = bar_chart({"A": 0.9, "B": 0.95}, ylabel="přesnost", fmt="{:.2f}")
        >>> [t.get_text() for t in fig.axes[0].texts]
        ['0.90', '0.95']
    """
    fig = _figure(figsize=(max(4.0, 0.9 * len(values)), 3.6))
    ax = fig.subplots()
    labels = list(values)
    colours = ["C1" if label in highlight else "C0" for label in labels]
    bars = ax.bar(labels, list(values.values()), color=colours)
    for bar, value in zip(bars, values.values(), strict=True):
        ax.annotate(
            fmt.format(value),
            (bar.get_x() + bar.get_width() / 2, bar.get_height()),
            ha="center",
            va="bottom",
            fontsize="small",
        )
    if reference is not None:
        label, value = reference
        ax.axhline(value, color="C3", linestyle="--", linewidth=1.2, label=label)
        ax.legend(loc="upper right", fontsize="small")
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelrotation=30 if len(labels) > 5 else 0)
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def confusion_matrix(
    y_true,
    y_pred,
    class_names: Sequence[str],
    *,
    normalize: bool = False,
    title: str | None = None,
) -> Figure:
    """A confusion matrix as a heat map with the counts written in the cells.

    Args:
        y_true: true class indices.
        y_pred: predicted class indices (or probabilities, as in `image_grid`).
        class_names: names of the classes.
        normalize: show each row as fractions of its true class.
        title: the figure's title.

    Examples:
        >>> fig = confusion_matrix([0, 1, 1], [0, 1, 0], ["cat", "dog"])
        >>> fig.axes[0].get_xlabel()
        'predikce'
    """
    y_true = np.asarray(y_true).astype(int).reshape(-1)
    y_pred = np.asarray(y_pred)
    if y_pred.ndim == 2 and y_pred.shape[1] > 1:
        y_pred = y_pred.argmax(axis=1)
    elif y_pred.dtype.kind == "f":
        y_pred = (y_pred.reshape(-1) > 0.5).astype(int)
    k = len(class_names)
    matrix = np.zeros((k, k), dtype=float)
    np.add.at(matrix, (y_true, y_pred.astype(int).reshape(-1)), 1)
    if normalize:
        matrix = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    fig = _figure(figsize=(1.2 * k + 2.5, 1.2 * k + 2))
    ax = fig.subplots()
    im = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(im, ax=ax)
    ax.set_xticks(range(k), class_names, rotation=45, ha="right")
    ax.set_yticks(range(k), class_names)
    ax.set_xlabel("predikce")
    ax.set_ylabel("skutečnost")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), value in np.ndenumerate(matrix):
        text = f"{value:.2f}" if normalize else f"{int(value)}"
        ax.text(
            j, i, text, ha="center", va="center", color="white" if value > threshold else "black"
        )
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def params_vs_accuracy(rows, *, title: str | None = None) -> Figure:
    """Parameters (log scale) against published top-1 accuracy, one colour per family.

    Args:
        rows: dicts with `name`, `family`, `params` and `top1` (e.g.
            `nes2.applications.table()`); rows without `top1` are left out.
        title: the figure's title.

    Examples:
        >>> rows = [{"name": "A", "family": "X", "params": 5e6, "top1": 0.7},
        ...         {"name": "B", "family": "Y", "params": 2e7, "top1": None}]
        >>> len(params_vs_accuracy(rows).axes[0].collections)
        1
    """
    rows = [r for r in rows if r.get("top1") is not None]
    fig = _figure(figsize=(7, 4.5))
    ax = fig.subplots()
    for i, family in enumerate(sorted({r["family"] for r in rows})):
        group = [r for r in rows if r["family"] == family]
        ax.scatter(
            [r["params"] / 1e6 for r in group],
            [r["top1"] * 100 for r in group],
            label=family,
            color=f"C{i % 10}",
        )
    ax.set_xscale("log")
    ax.set_xlabel("parametry [miliony, log]")
    ax.set_ylabel("top-1 na ImageNetu [%]")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small", ncol=2)
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def model_diagram(model, **kwargs):
    """A diagram of `model` (`keras.utils.plot_model`), or its printed summary.

    The diagram needs the `pydot` package and Graphviz's `dot` program; where
    either is missing, the model's summary is printed instead and `None`
    returned, so a notebook runs everywhere.

    Args:
        model: a built `keras.Model`.
        **kwargs: passed to `keras.utils.plot_model` (default: shapes shown).

    Returns:
        An `IPython.display.Image`, or `None` after printing the summary.

    Examples:
        ```python
        viz.model_diagram(keras.Model(inputs, residual_block(inputs, 64)))
        ```
    """
    import importlib.util
    import shutil
    import tempfile
    from pathlib import Path

    import keras

    if importlib.util.find_spec("pydot") is None or shutil.which("dot") is None:
        model.summary(line_length=100)
        return None
    from IPython.display import Image

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "model.png"
        keras.utils.plot_model(model, to_file=str(path), **{"show_shapes": True, **kwargs})
        return Image(data=path.read_bytes())
