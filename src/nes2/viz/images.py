"""Grids of images: captions and predictions, conv filters, boxes, class masks, instances."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from matplotlib.figure import Figure

from nes2.viz.figure import grid
from nes2.viz.figure import new_figure as _figure


def image_grid(
    images,
    labels=None,
    *,
    predictions=None,
    class_names: Sequence[str] | None = None,
    heatmaps=None,
    ncols: int = 8,
    title: str | None = None,
) -> Figure:
    """A grid of images captioned with their labels (and predictions), optionally under heat maps.

    Args:
        images: an array `(n, height, width[, channels])`, values 0-255 or 0-1.
        labels: true labels (class indices, or captions as strings), or `None`.
        predictions: predicted class indices or probabilities; a wrong one is
            captioned in red.
        class_names: names of the classes for the captions.
        heatmaps: one map per image, `(n, height, width)` in 0-1 (e.g.
            `nes2.explain.grad_cam`), drawn over the images in the `jet` colours.
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
    fig, axes = grid(n, ncols, (1.6, 1.8), title)
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
        image = images[i]
        if image.dtype.kind == "f" and image.max() > 1.0:
            image = image / 255.0
        ax.imshow(image.squeeze(), cmap="gray" if image.ndim == 2 or image.shape[-1] == 1 else None)
        if heatmaps is not None:
            ax.imshow(heatmaps[i], cmap="jet", alpha=0.45, vmin=0.0, vmax=1.0)
        caption, colour = "", "black"
        if labels is not None:
            caption = name(labels[i])
        if predictions is not None:
            caption = f"{caption} → {name(predictions[i])}" if caption else name(predictions[i])
            if labels is not None and int(predictions[i]) != int(labels[i]):
                colour = "red"
        ax.set_title(caption, fontsize=9, color=colour)
    return fig


def feature_maps(activation, *, most: int = 32, ncols: int = 8, title: str | None = None) -> Figure:
    """The feature maps of one image at one layer, one grey panel per channel.

    Args:
        activation: a layer's output for one image, `(height, width, channels)`
            (e.g. `nes2.explain.activations(model, images, [name])[name][0]`).
        most: show at most this many channels, the first ones.
        ncols: panels per row.
        title: the figure's title.

    Examples:
        >>> fig = feature_maps(np.random.default_rng(0).uniform(size=(6, 6, 10)), most=4)
        >>> len(fig.axes)
        4
    """
    activation = np.asarray(activation)
    if activation.ndim != 3:
        raise ValueError(
            f"Feature maps of one image are (height, width, channels), not {activation.shape}."
        )
    return filter_grid(activation[:, :, None, :most], ncols=ncols, title=title, cell=1.1)


def filter_grid(kernel, *, ncols: int = 12, title: str | None = None, cell: float = 0.8) -> Figure:
    """The filters of a convolution layer as small images (as the lecture shows AlexNet's 96).

    Each filter is scaled to 0-1 on its own; RGB filters are shown in colour,
    others channel by channel averaged to grey.

    Args:
        kernel: the layer's kernel, `(height, width, in_channels, filters)`,
            e.g. `model.get_layer("conv1").kernel`.
        ncols: filters per row.
        title: the figure's title.
        cell: the size of one panel in inches.

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
    fig, axes = grid(len(filters), ncols, (cell, cell), title)
    for ax, image in zip(axes, filters, strict=True):
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None, interpolation="nearest")
        ax.set_xticks([])
        ax.set_yticks([])
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
    max_boxes: int = 10,
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
        max_boxes: the most boxes drawn per image and kind (the highest scores first).

    Examples:
        >>> fig = box_grid(np.zeros((2, 32, 32, 1)), boxes=[[[2, 2, 10, 10]], []],
        ...                labels=[[3], []], true_boxes=[[[2, 2, 11, 11]], [[0, 0, 5, 5]]])
        >>> len(fig.axes[0].patches), len(fig.axes[1].patches)
        (2, 1)
    """
    from matplotlib.patches import Rectangle

    images = np.asarray(images)
    fig, axes = grid(len(images), ncols, (2.0, 2.1), title)

    def name(c) -> str:
        return class_names[int(c)] if class_names is not None else str(int(c))

    def draw(ax, image_boxes, image_labels, image_scores, colour, style, shape):
        image_boxes = np.asarray(image_boxes, dtype="float64").reshape(-1, 4)
        # An untrained detector's boxes may lie far outside the image: draw them at its edge.
        image_boxes = np.clip(np.nan_to_num(image_boxes), 0, [shape[1], shape[0]] * 2)
        order = np.arange(len(image_boxes))
        if image_scores is not None:
            order = np.argsort(-np.asarray(image_scores, dtype="float64"))
        for j in order[:max_boxes]:
            x0, y0, x1, y1 = image_boxes[j]
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
        ax.imshow(images[i].squeeze(), cmap="gray" if images[i].squeeze().ndim == 2 else None)
        if true_boxes is not None:
            draw(ax, true_boxes[i], None, None, "C2", "--", images[i].shape)
        if boxes is not None:
            draw(
                ax,
                boxes[i],
                None if labels is None else labels[i],
                None if scores is None else scores[i],
                "C1",
                "-",
                images[i].shape,
            )
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


def embedding_matrix(matrix, words: Sequence[str], *, title: str | None = None) -> Figure:
    """A text as the matrix a `Conv1D` slides over: one row per word, one column per
    embedding dimension, coloured by value (blue negative, red positive).

    Examples:
        >>> fig = embedding_matrix(np.zeros((3, 8)), ["not", "a", "bad"])
        >>> [t.get_text() for t in fig.axes[0].get_yticklabels()]
        ['not', 'a', 'bad']
    """
    matrix = np.asarray(matrix)
    if matrix.ndim != 2 or len(matrix) != len(words):
        raise ValueError(
            f"One row per word: a matrix (words, dimensions) with {len(words)} rows, "
            f"not {matrix.shape}."
        )
    fig = _figure(figsize=(0.3 * matrix.shape[1] + 1.6, 0.2 * len(words) + 1.0))
    ax = fig.subplots()
    limit = float(np.abs(matrix).max()) or 1.0
    image = ax.imshow(matrix, cmap="RdBu_r", vmin=-limit, vmax=limit, aspect="auto")
    ax.set_yticks(range(len(words)), words, fontsize=7)
    ax.set_xlabel("rozměr embeddingu")
    fig.colorbar(image, ax=ax, shrink=0.6)
    if title:
        ax.set_title(title, fontsize="medium")
    return fig


def instance_heads(
    images, foreground, centers, offsets, *, step: int = 3, title: str | None = None
) -> Figure:
    """What an instance-segmentation network's heads say, one row per image.

    Columns: the image; the pixels it calls ink; the heat map of the objects'
    centres; and, on the ink, arrows of the predicted offsets to the centres
    (every `step`-th pixel), which point to two places where two objects touch.

    Args:
        images: `(n, h, w, c)` images.
        foreground: `(n, h, w)`, non-zero on object pixels.
        centers: `(n, h, w)` centre heat maps.
        offsets: `(n, h, w, 2)` offsets in pixels as (rows, columns).

    Examples:
        >>> ink = np.zeros((2, 8, 8)); ink[:, 2:6, 2:6] = 1
        >>> fig = instance_heads(np.zeros((2, 8, 8, 1)), ink, ink, np.ones((2, 8, 8, 2)))
        >>> len(fig.axes)
        8
    """
    columns = ("obrázek", "inkoust", "středy", "posuny ke středu")
    images, foreground = np.asarray(images), np.asarray(foreground)
    offsets = np.asarray(offsets)
    fig = _figure(figsize=(2.2 * len(columns), 2.2 * len(images) + (0.5 if title else 0)))
    axes = fig.subplots(len(images), len(columns), squeeze=False)
    rows, cols = np.mgrid[0 : images.shape[1] : step, 0 : images.shape[2] : step]
    for i, image in enumerate(images):
        panels = (image.squeeze(), foreground[i] > 0, np.asarray(centers[i]), image.squeeze())
        for ax, panel, cmap in zip(axes[i], panels, ("gray", "gray", "magma", "gray"), strict=True):
            ax.imshow(panel, cmap=cmap, interpolation="nearest")
            ax.axis("off")
        ink = foreground[i][rows, cols] > 0
        arrows = offsets[i][rows, cols][ink]
        axes[i, 3].quiver(
            cols[ink],
            rows[ink],
            arrows[:, 1],
            arrows[:, 0],
            color="tab:orange",
            angles="xy",
            scale_units="xy",
            scale=1,
            width=0.012,
        )
        if i == 0:
            for ax, name in zip(axes[0], columns, strict=True):
                ax.set_title(name, fontsize="medium")
    if title:
        fig.suptitle(title)
    return fig
