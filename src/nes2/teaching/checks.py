"""Self-checks for exercises: call one at the end of an exercise to see if it is right.

They check invariants and tolerances, not exact numbers, so they hold across
Keras and TensorFlow versions and machines. A passing check prints a line
starting with ✓; a failing one raises `CheckFailed` (an `AssertionError`)
whose message says in Czech what is wrong and where to look.

Examples:
    >>> import keras
    >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
    >>> check_output_shape(model, (None, 3))
    ✓ Výstup modelu má tvar (None, 3).
    >>> check_param_count(model, 27)
    ✓ Model má 27 parametrů (očekáváno 27).
"""

from __future__ import annotations

import numpy as np


class CheckFailed(AssertionError):
    """An exercise's self-check failed; the message says why, in Czech."""


def _passed(message: str) -> None:
    print(f"✓ {message}")


def _number(value) -> str:
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3f}".rstrip("0")


def check_output_shape(model, expected) -> None:
    """The model's output shape (with `None` for the batch), or one per output.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
        >>> check_output_shape(model, (None, 3))
        Traceback (most recent call last):
        ...
        nes2.teaching.checks.CheckFailed: Výstup modelu má tvar (None, 2), očekáván (None, 3). ...
    """
    outputs = model.outputs if len(model.outputs) > 1 else model.outputs[:1]
    shapes = [tuple(o.shape) for o in outputs]
    actual = shapes if len(shapes) > 1 else shapes[0]
    wanted = [tuple(e) for e in expected] if isinstance(expected, list) else tuple(expected)
    if actual != wanted:
        raise CheckFailed(
            f"Výstup modelu má tvar {actual}, očekáván {wanted}. Zkontrolujte počet neuronů "
            "poslední vrstvy (počet tříd, 4 čísla obdélníku, ...) a zda nechybí Flatten "
            "nebo GlobalAveragePooling2D před hustou vrstvou."
        )
    _passed(f"Výstup modelu má tvar {actual}.")


def check_param_count(model, expected: int, rel_tol: float = 0.0, trainable: bool = False) -> None:
    """The model's number of parameters (or of trainable ones), exactly or within `rel_tol`.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
        >>> check_param_count(model, 30, rel_tol=0.2)
        ✓ Model má 27 parametrů (očekáváno 30 ± 20 %).
        >>> model.trainable = False
        >>> check_param_count(model, 0, trainable=True)
        ✓ Model má 0 trénovatelných parametrů (očekáváno 0).
    """
    weights = model.trainable_weights if trainable else model.weights
    actual = int(sum(np.prod(w.shape) for w in weights))
    kind = "trénovatelných parametrů" if trainable else "parametrů"
    tolerance = f" ± {rel_tol * 100:.0f} %" if rel_tol else ""
    if abs(actual - expected) > rel_tol * expected:
        hint = (
            "Zkontrolujte, které vrstvy jsou zmrazené (layer.trainable) a zda jste po změně "
            "model znovu zkompilovali."
            if trainable
            else "Porovnejte model.summary() se zadáním: počet filtrů, velikost jader, "
            "padding a zda má vrstva bias."
        )
        raise CheckFailed(f"Model má {actual:,} {kind}, očekáváno {expected:,}{tolerance}. {hint}")
    _passed(f"Model má {actual:,} {kind} (očekáváno {expected:,}{tolerance}).")


def check_training_improves(history, metric: str = "loss", min_change: float = 0.0) -> None:
    """The metric got better from the first to the best epoch (a loss falls, accuracy rises).

    Args:
        history: what `model.fit` returned, or its `.history` dict.
        metric: a key of the history; names with `loss` or `error` should fall.
        min_change: by at least this much.

    Examples:
        >>> check_training_improves({"loss": [2.3, 1.1, 0.7]})
        ✓ loss se zlepšila z 2.3 na 0.7.
    """
    values = getattr(history, "history", history).get(metric)
    if not values:
        raise CheckFailed(
            f"Historie tréninku neobsahuje {metric!r}. Předejte výsledek model.fit(...) a "
            "metriku, kterou model sleduje (compile(metrics=...))."
        )
    falls = "loss" in metric or "error" in metric
    best = min(values) if falls else max(values)
    change = (values[0] - best) if falls else (best - values[0])
    if not np.isfinite(best) or change <= min_change:
        raise CheckFailed(
            f"{metric} se nezlepšila (první epocha {values[0]:.4g}, nejlepší {best:.4g}). "
            "Zkuste menší learning rate, jiná data na vstupu (škálování 0-1) nebo více epoch."
        )
    _passed(f"{metric} se zlepšila z {values[0]:.4g} na {best:.4g}.")


def check_at_least(name: str, value: float, minimum: float) -> None:
    """A metric (accuracy, mean IoU, ...) reached at least `minimum`.

    Examples:
        >>> check_at_least("přesnost", 0.93, 0.9)
        ✓ přesnost 0.93 ≥ 0.9.
    """
    if not value >= minimum:
        raise CheckFailed(
            f"{name} je {_number(value)}, potřeba aspoň {_number(minimum)}. Trénujte déle, "
            "zkontrolujte předzpracování vstupu a že testovací data nejsou promíchaná "
            "s trénovacími."
        )
    _passed(f"{name} {_number(value)} ≥ {_number(minimum)}.")


def check_close(name: str, value, expected, rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """`value` equals `expected` within tolerances (numbers or arrays of the same shape).

    Examples:
        >>> check_close("IoU", [0.5, 0.25], [0.5, 0.2500001])
        ✓ IoU souhlasí s očekávanou hodnotou.
    """
    value, expected = np.asarray(value, "float64"), np.asarray(expected, "float64")
    if value.shape != expected.shape:
        raise CheckFailed(
            f"{name}: tvar {value.shape}, očekáván {expected.shape}. Vracíte hodnotu pro "
            "každý prvek (nebo každou dvojici), ve správném pořadí?"
        )
    if not np.allclose(value, expected, rtol=rtol, atol=atol):
        worst = np.unravel_index(np.argmax(np.abs(value - expected)), value.shape)
        raise CheckFailed(
            f"{name}: {value[worst]:.6g} místo {expected[worst]:.6g} (na pozici {worst}). "
            "Projděte výpočet na tomto prvku ručně."
        )
    _passed(f"{name} souhlasí s očekávanou hodnotou.")


def check_iou(predicted_boxes, true_boxes, min_iou: float = 0.5) -> None:
    """The mean IoU of predicted and true boxes (`xyxy`, one pair per row) reaches `min_iou`.

    Examples:
        >>> check_iou([[0, 0, 10, 10]], [[0, 0, 10, 12]], min_iou=0.8)
        ✓ Průměrné IoU 0.833 ≥ 0.8.
    """
    from nes2.boxes import paired_iou

    predicted, true = np.asarray(predicted_boxes, "float32"), np.asarray(true_boxes, "float32")
    if predicted.shape != true.shape or predicted.shape[-1:] != (4,):
        raise CheckFailed(
            f"Obdélníky mají tvar {predicted.shape} a {true.shape}; oba mají být (n, 4) "
            "ve formátu [x_min, y_min, x_max, y_max]."
        )
    if np.any(predicted[:, 2:] < predicted[:, :2]):
        raise CheckFailed(
            "Některý předpovězený obdélník má x_max < x_min nebo y_max < y_min: nepletete "
            "formát xyxy s xywh (x, y, šířka, výška)?"
        )
    mean = float(paired_iou(predicted, true).mean())
    if mean < min_iou:
        raise CheckFailed(
            f"Průměrné IoU je {mean:.3f}, potřeba aspoň {min_iou}. Jsou souřadnice ve "
            "stejných jednotkách (pixely, nebo podíl velikosti obrázku)?"
        )
    _passed(f"Průměrné IoU {mean:.3f} ≥ {min_iou}.")
