"""Figures for the lecture: training curves, image grids, confusion matrices.

Every function returns a `matplotlib.figure.Figure` without touching pyplot's
global state: end a notebook cell with it to show it, or call
`fig.savefig(path)`.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure


class _Figure(Figure):
    """A figure that notebooks show as a PNG without pyplot's inline backend."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


def _figure(**kwargs) -> Figure:
    return _Figure(layout="constrained", **kwargs)


def _history_dict(history) -> dict[str, list[float]]:
    return dict(history.history if hasattr(history, "history") else history)


def plot_history(
    histories,
    metrics: Sequence[str] = ("loss", "accuracy"),
    *,
    title: str | None = None,
) -> Figure:
    """Training vs validation curves, one panel per metric.

    Args:
        histories: a Keras `History` (or its `.history` dict), or a mapping
            `name -> History` to compare several runs in one figure.
        metrics: the metrics to plot; `val_<metric>` is drawn dashed beside each.
        title: the figure's title (say there which data produced it).

    Example:

    >>> fig = plot_history({"loss": [1.0, 0.5], "val_loss": [1.1, 0.9]}, metrics=["loss"])
    >>> len(fig.axes)
    1
    """
    if isinstance(histories, Mapping) and all(
        hasattr(h, "history") or isinstance(h, Mapping) for h in histories.values()
    ):
        runs = {name: _history_dict(h) for name, h in histories.items()}
    else:
        runs = {"": _history_dict(histories)}
    fig = _figure(figsize=(5.5 * len(metrics), 4))
    axes = fig.subplots(1, len(metrics), squeeze=False)[0]
    colours = [f"C{i}" for i in range(10)]
    for ax, metric in zip(axes, metrics, strict=True):
        for colour, (name, values) in zip(colours, runs.items(), strict=False):
            if metric not in values:
                raise KeyError(f"No {metric!r} in the history; it has {sorted(values)}.")
            epochs = np.arange(1, len(values[metric]) + 1)
            prefix = f"{name}: " if name else ""
            ax.plot(epochs, values[metric], color=colour, label=f"{prefix}trénink")
            if f"val_{metric}" in values:
                ax.plot(
                    epochs, values[f"val_{metric}"], "--", color=colour, label=f"{prefix}validace"
                )
        ax.set_xlabel("epocha")
        ax.set_ylabel(metric)
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return fig


def image_grid(
    images,
    labels=None,
    *,
    predictions=None,
    class_names: Sequence[str] | None = None,
    ncols: int = 8,
    title: str | None = None,
) -> Figure:
    """A grid of images captioned with their labels (and predictions).

    Args:
        images: an array `(n, height, width[, channels])`, values 0-255 or 0-1.
        labels: true labels (class indices), or `None`.
        predictions: predicted class indices or probabilities; a wrong one is
            captioned in red.
        class_names: names of the classes for the captions.
        ncols: images per row.
        title: the figure's title.

    Example:

    >>> import numpy as np
    >>> fig = image_grid(np.zeros((4, 8, 8, 3)), [0, 1, 0, 1], class_names=["cat", "dog"], ncols=2)
    >>> len(fig.axes)
    4
    """
    images = np.asarray(images)
    n = len(images)
    nrows = max(1, -(-n // ncols))
    ncols = min(ncols, n) or 1
    fig = _figure(figsize=(1.6 * ncols, 1.8 * nrows))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    if predictions is not None:
        predictions = np.asarray(predictions)
        if predictions.ndim == 2 and predictions.shape[1] > 1:
            predictions = predictions.argmax(axis=1)
        elif predictions.dtype.kind == "f":
            predictions = (predictions.reshape(-1) > 0.5).astype(int)

    def name(index) -> str:
        return class_names[int(index)] if class_names is not None else str(int(index))

    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        image = images[i]
        if image.dtype.kind == "f" and image.max() > 1.0:
            image = image / 255.0
        ax.imshow(image.squeeze(), cmap="gray" if image.ndim == 2 or image.shape[-1] == 1 else None)
        caption, colour = "", "black"
        if labels is not None:
            caption = name(labels[i])
        if predictions is not None:
            caption = f"{caption} → {name(predictions[i])}" if caption else name(predictions[i])
            if labels is not None and int(predictions[i]) != int(labels[i]):
                colour = "red"
        ax.set_title(caption, fontsize=9, color=colour)
    if title:
        fig.suptitle(title)
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

    Example:

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
        ax.set_title(title)
    return fig
