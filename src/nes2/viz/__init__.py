"""Figures for the lecture: training curves, image grids, charts, boxes and masks.

Every function returns a `matplotlib.figure.Figure` without touching pyplot's
global state: end a notebook cell with it to show it, or call
`fig.savefig(path)`. The functions live in `curves`, `charts` and `images`;
result tables (Markdown) in `tables`; all are importable from `nes2.viz`.

Examples:
    ```python
    from nes2 import viz
    viz.plot_history(history, title="Cats vs Dogs")
    ```
"""

from nes2.viz.charts import bar_chart, confusion_matrix, model_diagram, params_vs_accuracy
from nes2.viz.curves import forecast_grid, plot_history, predicted_vs_true, residuals_by_group
from nes2.viz.images import (
    box_grid,
    embedding_matrix,
    feature_maps,
    filter_grid,
    image_grid,
    instance_heads,
    mask_grid,
)
from nes2.viz.tables import czech, epochs, markdown_table, number, say

__all__ = [
    "bar_chart",
    "box_grid",
    "confusion_matrix",
    "czech",
    "embedding_matrix",
    "epochs",
    "feature_maps",
    "filter_grid",
    "forecast_grid",
    "image_grid",
    "instance_heads",
    "markdown_table",
    "mask_grid",
    "model_diagram",
    "number",
    "params_vs_accuracy",
    "plot_history",
    "predicted_vs_true",
    "residuals_by_group",
    "say",
]
