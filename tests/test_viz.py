import keras
import numpy as np
import pytest

from nes2 import viz


def test_history_panels_and_lines():
    history = {
        "loss": [1.0, 0.6, 0.4],
        "val_loss": [1.1, 0.8, 0.9],
        "accuracy": [0.5, 0.7, 0.8],
        "val_accuracy": [0.5, 0.6, 0.6],
    }
    fig = viz.plot_history(history, title="demo")
    assert len(fig.axes) == 2
    loss_axis = fig.axes[0]
    assert loss_axis.get_ylabel() == "ztráta" and fig.axes[1].get_ylabel() == "přesnost"
    assert [line.get_ydata().tolist() for line in loss_axis.get_lines()] == [
        history["loss"],
        history["val_loss"],
    ]
    assert fig._suptitle.get_text() == "demo"


def test_history_compares_runs_and_accepts_keras_history():
    h = keras.callbacks.History()
    h.history = {"loss": [1.0, 0.5], "val_loss": [1.2, 1.0]}
    fig = viz.plot_history({"a": h, "b": {"loss": [0.9, 0.1]}}, metrics=["loss"])
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert labels == ["a: trénink", "a: validace", "b: trénink"]


def test_history_missing_metric_is_named():
    with pytest.raises(KeyError, match="accuracy"):
        viz.plot_history({"loss": [1.0]})


def test_image_grid_marks_wrong_predictions():
    images = np.random.default_rng(0).integers(0, 255, (5, 8, 8, 3)).astype("uint8")
    fig = viz.image_grid(
        images,
        [0, 1, 0, 1, 1],
        predictions=np.array([0.1, 0.9, 0.8, 0.7, 0.2]),
        class_names=["cat", "dog"],
        ncols=3,
    )
    titles = [(ax.get_title(), ax.title.get_color()) for ax in fig.axes[:5]]
    assert titles[0] == ("cat → cat", "black")
    assert titles[2] == ("cat → dog", "red")
    assert titles[4] == ("dog → cat", "red")
    assert len(fig.axes) == 5  # the grid's sixth panel is removed, not left blank


def test_confusion_matrix_counts():
    fig = viz.confusion_matrix(
        [0, 0, 1, 1, 1],
        [[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.1, 0.9], [0.6, 0.4]],
        ["cat", "dog"],
    )
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert texts == ["1", "1", "1", "2"]
    normalized = viz.confusion_matrix([0, 0, 1, 1], [0, 1, 1, 1], ["cat", "dog"], normalize=True)
    assert [t.get_text() for t in normalized.axes[0].texts] == ["0.50", "0.50", "0.00", "1.00"]


def test_figures_render_as_png_in_notebooks():
    fig = viz.plot_history({"loss": [1.0, 0.5], "val_loss": [1.0, 0.8]}, metrics=("loss",))
    png = fig._repr_png_()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_bar_chart_draws_a_reference_line_with_its_label():
    from nes2.applications import ilsvrc

    winners = {f"{w.year} {w.team}": 100 * w.top5_error for w in ilsvrc.winners()}
    assert next(iter(winners)) == "2010 NEC-UIUC" and "2016 Trimps-Soushen" in winners
    fig = viz.bar_chart(winners, ylabel="%", reference=("člověk", 100 * ilsvrc.human().top5_error))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["člověk"]
    (line,) = ax.get_lines()
    assert line.get_ydata()[0] == pytest.approx(5.1)
    assert len(ax.patches) == len(winners) == 8
