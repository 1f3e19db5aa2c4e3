"""Numbers and metric names as Czech prose writes them: the decimal comma, a space
between thousands and before a percent sign; `ztráta` for Keras' `loss`.

The lecture pages, the self-checks and their messages write numbers this way;
`nes2.viz` re-exports both functions (`viz.number`, `viz.czech`, and `viz.say`
to print a sentence).

Examples:
    >>> number(0.5), czech("IoU 0.833 ≥ 0.8")
    ('0,5', 'IoU 0,833 ≥ 0,8')
"""

from __future__ import annotations

import numbers
import re

_DECIMAL_POINT = re.compile(r"(?<=\d)\.(?=\d)")
_CODE = re.compile(r"(`[^`]*`)")
_PERCENT = re.compile(r"(?<=\d)%")


def number(value: float, spec: str | None = None) -> str:
    """`value` for Czech prose: formatted by `spec`, with the decimal comma, a space
    between thousands and before `%` (default: a whole number by thousands, others to
    3 digits, `.3g`).

    Examples:
        >>> number(0.3691), number(28523), number(36864.0), number(1234.5, ",.1f")
        ('0,369', '28 523', '36 864', '1 234,5')
        >>> number(0.377, ".0%")
        '38 %'
    """
    if spec is None:
        whole = isinstance(value, numbers.Integral) or float(value).is_integer()
        value, spec = (int(value), ",") if whole else (value, ".3g")
    return _PERCENT.sub(" %", format(value, spec).replace(",", " ").replace(".", ","))


def czech(text: str) -> str:
    """`text` with the decimal comma: every point between two digits becomes a comma (the
    numbers of an f-string formatted as usual, e.g. `{accuracy:.3f}`, in a Czech sentence),
    and a percent sign gets the space Czech writes before it. Code between backticks stays
    as Python writes it.

    Examples:
        >>> czech("přesnost 0.938, RMSE 8.58°, do ±10° 93.8%, mAP@0.5")
        'přesnost 0,938, RMSE 8,58°, do ±10° 93,8 %, mAP@0,5'
        >>> czech("chybí klíč `500.0`, λ = 0.05")
        'chybí klíč `500.0`, λ = 0,05'
    """
    parts = _CODE.split(text)  # odd parts are code
    return "".join(
        p if i % 2 else _PERCENT.sub(" %", _DECIMAL_POINT.sub(",", p)) for i, p in enumerate(parts)
    )


METRIC_LABELS = {
    "loss": "ztráta",
    "accuracy": "přesnost",
    "mae": "střední absolutní chyba",
    "mse": "střední kvadratická chyba",
    "classes_loss": "ztráta tříd",
    "boxes_loss": "ztráta obdélníků",
    "reconstruction_loss": "ztráta rekonstrukce",
    "kl_loss": "člen KL",
    "content_loss": "ztráta obsahu",
    "style_loss": "ztráta stylu",
}
"""Czech axis labels of the metrics Keras names in English (others keep their name)."""


def metric_label(metric: str) -> str:
    """The Czech name of a metric Keras names in English (`val_` as `validační`).

    Examples:
        >>> metric_label("loss"), metric_label("val_accuracy"), metric_label("mean_iou")
        ('ztráta', 'validační přesnost', 'mean_iou')
    """
    name = metric.removeprefix("val_")
    if name not in METRIC_LABELS:
        return metric
    return ("validační " if name != metric else "") + METRIC_LABELS[name]
