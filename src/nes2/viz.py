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

    Examples:
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
        labels: true labels (class indices, or captions as strings), or `None`.
        predictions: predicted class indices or probabilities; a wrong one is
            captioned in red.
        class_names: names of the classes for the captions.
        ncols: images per row.
        title: the figure's title.

    Examples:
        >>> import numpy as np
        >>> images = np.zeros((4, 8, 8, 3))
        >>> fig = image_grid(images, [0, 1, 0, 1], class_names=["cat", "dog"], ncols=2)
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

    def name(label) -> str:
        if isinstance(label, str):
            return label
        return class_names[int(label)] if class_names is not None else str(int(label))

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


def filter_grid(kernel, *, ncols: int = 12, title: str | None = None) -> Figure:
    """The filters of a convolution layer as small images (as the lecture shows AlexNet's 96).

    Each filter is scaled to 0-1 on its own; RGB filters are shown in colour,
    others channel by channel averaged to grey.

    Args:
        kernel: the layer's kernel, `(height, width, in_channels, filters)`,
            e.g. `model.get_layer("conv1").kernel`.
        ncols: filters per row.
        title: the figure's title.

    Examples:
        >>> fig = filter_grid(np.random.default_rng(0).normal(size=(5, 5, 1, 6)), ncols=3)
        >>> len(fig.axes)
        6
    """
    kernel = np.asarray(kernel)
    if kernel.ndim != 4:
        raise ValueError(
            f"A conv kernel has 4 dimensions (h, w, in, out), not shape {kernel.shape}."
        )
    filters = np.moveaxis(kernel, -1, 0)
    if filters.shape[-1] != 3:
        filters = filters.mean(axis=-1)
    low = filters.min(axis=tuple(range(1, filters.ndim)), keepdims=True)
    high = filters.max(axis=tuple(range(1, filters.ndim)), keepdims=True)
    filters = (filters - low) / np.maximum(high - low, 1e-12)
    n = len(filters)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig = _figure(figsize=(0.8 * ncols, 0.8 * nrows + (0.4 if title else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    for ax, image in zip(axes, filters, strict=False):
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
    if title:
        fig.suptitle(title)
    return fig


def bar_chart(
    values: Mapping[str, float],
    *,
    ylabel: str,
    title: str | None = None,
    highlight: Sequence[str] = (),
    fmt: str = "{:.1f}",
) -> Figure:
    """Labelled bars, e.g. ILSVRC top-5 error by year or accuracies of models.

    Args:
        values: label -> value, drawn in this order.
        ylabel: the axis label.
        title: the figure's title.
        highlight: labels drawn in a second colour.
        fmt: the format of the numbers written on the bars.

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
    ax.set_ylabel(ylabel)
    ax.tick_params(axis="x", labelrotation=30 if len(labels) > 5 else 0)
    ax.grid(axis="y", alpha=0.3)
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


def predicted_vs_true(true, predicted, *, unit: str = "", title: str | None = None) -> Figure:
    """A scatter of predicted against true values with the diagonal of perfect predictions.

    Examples:
        >>> fig = predicted_vs_true([0, 10, 20], [1, 9, 22], unit="°")
        >>> fig.axes[0].get_xlabel()
        'skutečnost [°]'
    """
    true, predicted = np.asarray(true), np.asarray(predicted)
    fig = _figure(figsize=(4.8, 4.5))
    ax = fig.subplots()
    ax.scatter(true, predicted, s=4, alpha=0.4)
    low, high = float(min(true.min(), predicted.min())), float(max(true.max(), predicted.max()))
    ax.plot([low, high], [low, high], color="C3", linewidth=1, label="přesná předpověď")
    suffix = f" [{unit}]" if unit else ""
    ax.set_xlabel(f"skutečnost{suffix}")
    ax.set_ylabel(f"předpověď{suffix}")
    ax.set_aspect("equal")
    ax.grid(alpha=0.3)
    ax.legend(fontsize="small")
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def residuals_by_group(
    residuals, groups, *, ylabel: str = "chyba", xlabel: str = "", title: str | None = None
) -> Figure:
    """Box plots of residuals per group (e.g. the tilt error per digit).

    Examples:
        >>> fig = residuals_by_group([1.0, -2.0, 0.5, 3.0], [0, 0, 1, 1])
        >>> [t.get_text() for t in fig.axes[0].get_xticklabels()]
        ['0', '1']
    """
    residuals, groups = np.asarray(residuals), np.asarray(groups)
    names = sorted(set(groups.tolist()))
    fig = _figure(figsize=(max(6.0, 0.6 * len(names)), 3.8))
    ax = fig.subplots()
    ax.boxplot(
        [residuals[groups == g] for g in names],
        tick_labels=[str(g) for g in names],
        showfliers=True,
        flierprops={"markersize": 2},
    )
    ax.axhline(0, color="C3", linewidth=1)
    ax.set_ylabel(ylabel)
    ax.set_xlabel(xlabel)
    ax.grid(axis="y", alpha=0.3)
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def box_grid(
    images,
    *,
    boxes=None,
    labels=None,
    scores=None,
    true_boxes=None,
    true_labels=None,
    class_names: Sequence[str] | None = None,
    ncols: int = 6,
    title: str | None = None,
) -> Figure:
    """Images with predicted boxes (solid) and true boxes (dashed), xyxy pixels.

    Args:
        images: `(n, h, w[, c])` images.
        boxes, labels, scores: per image, the predicted boxes `(k, 4)`, their
            classes and confidences (any may be `None`).
        true_boxes, true_labels: per image, the true boxes and classes.
        class_names: names of the classes (default: the class numbers).
        ncols: images per row.
        title: the figure's title.

    Examples:
        >>> fig = box_grid(np.zeros((2, 32, 32, 1)), boxes=[[[2, 2, 10, 10]], []],
        ...                labels=[[3], []], true_boxes=[[[2, 2, 11, 11]], [[0, 0, 5, 5]]])
        >>> len(fig.axes[0].patches), len(fig.axes[1].patches)
        (2, 1)
    """
    from matplotlib.patches import Rectangle

    images = np.asarray(images)
    n = len(images)
    ncols = min(ncols, n)
    nrows = -(-n // ncols)
    fig = _figure(figsize=(2.0 * ncols, 2.1 * nrows + (0.3 if title else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()

    def name(c) -> str:
        return class_names[int(c)] if class_names is not None else str(int(c))

    def draw(ax, image_boxes, image_labels, image_scores, colour, style):
        for j, box in enumerate(np.asarray(image_boxes, dtype="float64").reshape(-1, 4)):
            x0, y0, x1, y1 = box
            ax.add_patch(
                Rectangle(
                    (x0, y0),
                    x1 - x0,
                    y1 - y0,
                    fill=False,
                    edgecolor=colour,
                    linestyle=style,
                    linewidth=1.5,
                )
            )
            if image_labels is not None and len(image_labels) > j:
                text = name(image_labels[j])
                if image_scores is not None and len(image_scores) > j:
                    text += f" {float(image_scores[j]):.2f}"
                ax.text(
                    x0,
                    y0,
                    text,
                    color="white",
                    fontsize=7,
                    va="bottom",
                    bbox={"facecolor": colour, "alpha": 0.7, "pad": 1, "linewidth": 0},
                )

    for i, ax in enumerate(axes):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(images[i].squeeze(), cmap="gray" if images[i].squeeze().ndim == 2 else None)
        if true_boxes is not None:
            draw(ax, true_boxes[i], None, None, "C2", "--")
        if boxes is not None:
            draw(
                ax,
                boxes[i],
                None if labels is None else labels[i],
                None if scores is None else scores[i],
                "C1",
                "-",
            )
    if title:
        fig.suptitle(title)
    return fig


def mask_grid(
    images,
    masks,
    predicted=None,
    num_classes: int = 11,
    *,
    title: str | None = None,
    class_names: Sequence[str] | None = None,
    legend: bool = True,
) -> Figure:
    """Images with their true (and predicted) class masks overlaid, one row per image.

    Class 0 is the background and stays transparent; the others get the
    colours of a qualitative colour map, with a legend.

    Examples:
        >>> masks = np.zeros((2, 8, 8), int); masks[:, 2:5, 2:5] = 3
        >>> fig = mask_grid(np.zeros((2, 8, 8, 1)), masks, masks, num_classes=11)
        >>> len(fig.axes)
        6
    """
    from matplotlib import colormaps
    from matplotlib.colors import ListedColormap
    from matplotlib.patches import Patch

    images = np.asarray(images)
    columns = [("obrázek", None), ("skutečnost", np.asarray(masks))]
    if predicted is not None:
        columns.append(("předpověď", np.asarray(predicted)))
    colours = colormaps["tab10"](np.arange(max(num_classes - 1, 1)) % 10)
    cmap = ListedColormap(np.vstack([[0, 0, 0, 0], colours]))
    fig = _figure(figsize=(2.2 * len(columns) + 1.2, 2.2 * len(images)))
    axes = fig.subplots(len(images), len(columns), squeeze=False)
    for row, image in enumerate(images):
        for col, (name, values) in enumerate(columns):
            ax = axes[row, col]
            ax.imshow(image.squeeze(), cmap="gray")
            if values is not None:
                ax.imshow(
                    values[row],
                    cmap=cmap,
                    vmin=0,
                    vmax=num_classes - 1,
                    alpha=0.6,
                    interpolation="nearest",
                )
            ax.axis("off")
            if row == 0:
                ax.set_title(name, fontsize="medium")
    names = class_names or [str(c - 1) for c in range(1, num_classes)]
    if legend:
        fig.legend(
            handles=[Patch(color=colours[c], label=names[c]) for c in range(num_classes - 1)],
            loc="outside right center",
            fontsize="small",
        )
    if title:
        fig.suptitle(title)
    return fig
