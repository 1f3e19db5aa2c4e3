"""Curves of training and of regression results: history, predicted vs true, residuals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from nes2.czech import metric_label
from nes2.viz.figure import new_figure as _figure


def _history_dict(history) -> dict[str, list[float]]:
    return dict(history.history if hasattr(history, "history") else history)


def plot_history(
    histories,
    metrics: Sequence[str] = ("loss", "accuracy"),
    *,
    title: str | None = None,
    xlabel: str = "epocha",
) -> Figure:
    """Training vs validation curves, one panel per metric.

    Args:
        histories: a Keras `History` (or its `.history` dict), or a mapping
            `name -> History` to compare several runs in one figure.
        metrics: the metrics to plot; `val_<metric>` is drawn dashed beside each.
        title: the figure's title (say there which data produced it).
        xlabel: what one point of a series is (`"krok"` for a history per gradient step).

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
        ax.set_xlabel(xlabel)
        ax.set_ylabel(metric_label(metric))
        ax.grid(alpha=0.3)
        ax.legend(fontsize="small")
    if title:
        fig.suptitle(title)
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


def forecast_grid(
    history,
    truth,
    forecasts: Mapping[str, object],
    *,
    ylabel: str = "",
    title: str | None = None,
) -> Figure:
    """Windows of a series with what came next and the forecasts of it, one panel each.

    Args:
        history: the values seen, `(n, past)`.
        truth: what came next, `(n, horizon)`.
        forecasts: name -> forecasts `(n, horizon)`, drawn dashed.
        ylabel: the values' label (with units).
        title: the figure's title.

    Examples:
        >>> fig = forecast_grid(np.zeros((2, 5)), np.ones((2, 3)), {"naive": np.zeros((2, 3))})
        >>> len(fig.axes), len(fig.axes[0].lines)   # history, truth, forecast, "now"
        (2, 4)
    """
    history, truth = np.asarray(history), np.asarray(truth)
    past, horizon = history.shape[1], truth.shape[1]
    fig = _figure(figsize=(4.2 * min(len(history), 2), 2.8 * -(-len(history) // 2)))
    axes = fig.subplots(-(-len(history) // 2), min(len(history), 2), squeeze=False).ravel()
    before, after = np.arange(-past + 1, 1), np.arange(1, horizon + 1)
    for i, ax in enumerate(axes):
        if i >= len(history):
            ax.remove()
            continue
        ax.plot(before, history[i], color="C0", linewidth=1, label="historie")
        ax.plot(after, truth[i], color="black", linewidth=1.5, label="skutečnost")
        for k, (name, values) in enumerate(forecasts.items(), start=1):
            ax.plot(after, np.asarray(values)[i], "--", color=f"C{k}", linewidth=1.5, label=name)
        ax.axvline(0.5, color="grey", linewidth=0.8)
        ax.set_xlabel("hodina (0 = poslední známá)")
        ax.set_ylabel(ylabel)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize="small")
    if title:
        fig.suptitle(title)
    return fig
