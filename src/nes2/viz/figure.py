"""The figure type every `nes2.viz` function returns, and the grid layout they share."""

from __future__ import annotations

import io

from matplotlib.figure import Figure


class _Figure(Figure):
    """A figure that notebooks show as a PNG without pyplot's inline backend."""

    def _repr_png_(self) -> bytes:
        buffer = io.BytesIO()
        self.savefig(buffer, format="png", dpi=100)
        return buffer.getvalue()


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
