"""The figure type every `nes2.viz` function returns, and the grid layout they share."""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class _Figure(Figure):
    """A figure that notebooks show as a PNG without pyplot's inline backend; the PNG
    carries `describe(figure)` as its `Description`, the text alternative of the image."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100, metadata={"Description": describe(self)})
        return buffer.getvalue()


def describe(figure: Figure, most: int = 6) -> str:
    """What `figure` shows, in words: its title, else its panels' titles, and its axes.

    Examples:
        >>> fig = new_figure()
        >>> ax = fig.add_subplot(xlabel="epocha", ylabel="ztráta", title="Trénink")
        >>> describe(fig)
        'Trénink (osy: epocha, ztráta)'
    """

    def clean(text: str) -> str:
        return " ".join(text.split())

    titles = [clean(ax.get_title()) for ax in figure.axes if ax.get_title()]
    title = clean(figure.get_suptitle()) or "; ".join(list(dict.fromkeys(titles))[:most])
    axes = dict.fromkeys(
        clean(label)
        for ax in figure.axes
        for label in (ax.get_xlabel(), ax.get_ylabel())
        if label.strip()
    )
    text = title or "Obrázek"
    return text + (f" (osy: {', '.join(list(axes)[:most])})" if axes else "")


def new_figure(**kwargs) -> Figure:
    """A figure with constrained layout that shows itself in a notebook.

    Examples:
        >>> new_figure(figsize=(2, 2))._repr_png_()[:4]
        b'\\x89PNG'
    """
    return _Figure(layout="constrained", **kwargs)


def grid(n: int, ncols: int, cell: tuple[float, float], title: str | None = None):
    """A figure with `n` panels in rows of `ncols`; panels past `n` are removed.

    Args:
        n: the number of panels.
        ncols: panels per row (fewer if `n` is smaller).
        cell: the width and height of one panel in inches.
        title: the figure's title.

    Returns:
        The figure and its `n` axes, in reading order.

    Examples:
        >>> fig, axes = grid(5, 3, (1.0, 1.0))
        >>> len(axes), len(fig.axes)
        (5, 5)
    """
    ncols = max(1, min(ncols, n))
    nrows = max(1, -(-n // ncols))
    fig = new_figure(figsize=(cell[0] * ncols, cell[1] * nrows + (0.4 if title else 0)))
    axes = fig.subplots(nrows, ncols, squeeze=False).ravel()
    for ax in axes[n:]:
        ax.remove()
    if title:
        fig.suptitle(title)
    return fig, list(axes[:n])
