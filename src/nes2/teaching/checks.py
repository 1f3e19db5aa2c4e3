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

from nes2.czech import czech, metric_label, number
from nes2.errors import CheckFailed
from nes2.teaching.answers import requires_answers


def _passed(message: str) -> None:
    print(f"✓ {czech(message)}")


def _code(values) -> str:
    """`values` as Python writes them, each between backticks (`czech` leaves them as code)."""
    return ", ".join(f"`{v!r}`" for v in values)


def _count(model, trainable: bool) -> int:
    weights = model.trainable_weights if trainable else model.weights
    return int(sum(np.prod(w.shape) for w in weights))


def _numbers(value) -> np.ndarray | None:
    """`value` as an array of floats, or `None` if it is not numbers (`None`, text, ragged)."""
    try:
        array = np.asarray(value)
    except ValueError:
        return None
    return array.astype("float64") if array.dtype.kind in "biuf" else None


def _number(value) -> str:
    if float(value).is_integer():
        return number(int(value))  # 28 523: a comma would read as a decimal in Czech
    return number(float(f"{value:.3f}"), "g")


MODEL = "model Kerasu (keras.Model) podle zadání"


@requires_answers(model=MODEL)
def check_output_shape(model, expected) -> None:
    """The model's output shape (with `None` for the batch), or one per output.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(2)])
        >>> check_output_shape(model, (None, 3))
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: Výstup modelu má tvar (None, 2), očekáván (None, 3). ...
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


@requires_answers(model=MODEL, expected="počet parametrů (celé číslo)")
def check_param_count(model, expected, rel_tol: float = 0.0, trainable: bool = False) -> None:
    """The model's number of parameters (or of trainable ones), exactly or within `rel_tol`.

    `expected` is a number, or another model whose count the first must equal.

    Examples:
        >>> import keras
        >>> model = keras.Sequential([keras.Input((8,)), keras.layers.Dense(3)])
        >>> check_param_count(model, 30, rel_tol=0.2)
        ✓ Model má 27 parametrů (očekáváno 30 ± 20 %).
        >>> model.trainable = False
        >>> check_param_count(model, 0, trainable=True)
        ✓ Model má 0 trénovatelných parametrů (očekáváno 0).
    """
    actual = _count(model, trainable)
    if hasattr(expected, "weights"):
        expected = _count(expected, trainable)
    kind = "trénovatelných parametrů" if trainable else "parametrů"
    tolerance = f" ± {rel_tol * 100:.0f} %" if rel_tol else ""
    if abs(actual - expected) > rel_tol * expected:
        hint = (
            "Zkontrolujte, které vrstvy jsou zmrazené (layer.trainable) a zda jste po změně "
            "model znovu zkompilovali."
            if trainable
            else "Porovnejte model.summary() (parametry každé vrstvy) se zadáním a se svým "
            "výpočtem: počet filtrů, velikost jader, padding a zda má vrstva bias."
        )
        raise CheckFailed(
            f"Model má {number(actual)} {kind}, očekáváno {number(expected)}{tolerance}. {hint}"
        )
    _passed(f"Model má {number(actual)} {kind} (očekáváno {number(expected)}{tolerance}).")


FALLING = ("loss", "error", "mae", "mse", "mape", "msle", "crossentropy", "hinge", "rmse")
RISING = ("accuracy", "acc", "auc", "precision", "recall", "iou", "map", "f1", "r2")


def _direction(metric: str) -> str | None:
    name = metric.removeprefix("val_").lower()
    if any(word in name for word in FALLING):
        return "down"
    if any(word in name for word in RISING):
        return "up"
    return None


@requires_answers(history="výsledek model.fit(...) (historie tréninku)")
def check_training_improves(
    history,
    metric: str = "loss",
    min_change: float = 0.0,
    direction: str | None = None,
    min_relative: float = 0.1,
    chance: float | None = None,
) -> None:
    """The metric got better from the first to the last epoch, by a margin chance does not give.

    A network that learns nothing still drifts a little (a loss at chance,
    0.70 -> 0.69): the improvement must exceed `min_change` and be at least
    `min_relative` (10 % by default) of the first epoch's value, or for a score
    in [0, 1] (accuracy, IoU) of the room it had left (`1 - first`). A loss that
    starts above chance (a random initialisation) can fall that far and still
    end at chance: with `chance`, the metric's value for guessing (the
    cross-entropy of guessing among `k` balanced classes is `ln k`), the last
    epoch must also beat it by `min_relative` of it.

    Args:
        history: what `model.fit` returned, or its `.history` dict.
        metric: a key of the history.
        min_change: the least improvement that counts, in the metric's units.
        direction: `"down"` (a loss, an error) or `"up"` (accuracy, IoU); by
            default read from Keras' metric names, and required for others.
        min_relative: the least improvement as a share of the first epoch's value
            (of `1 - first` for a score in [0, 1]).
        chance: the metric's value for guessing; the last epoch must beat it by
            `min_relative` of it.

    Examples:
        >>> check_training_improves({"loss": [2.3, 1.1, 0.7]})
        ✓ ztráta se zlepšila z 2,3 na 0,7.
        >>> check_training_improves({"mae": [1.0, 1.5]}, "mae")
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: střední absolutní chyba se nezlepšila (první epocha 1, ...
        >>> check_training_improves({"loss": [0.6984, 0.6923]})
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: ztráta se zlepšila jen o 0,9 % (z 0,6984 na 0,6923);...
        >>> check_training_improves({"loss": [0.82, 0.71]}, chance=0.693)
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: ztráta je na konci 0,71, hádání dá 0,693: ...
    """
    values = getattr(history, "history", history).get(metric)
    if not values:
        raise CheckFailed(
            f"Historie tréninku neobsahuje {metric!r}. Předejte výsledek model.fit(...) a "
            "metriku, kterou model sleduje (compile(metrics=...))."
        )
    direction = direction or _direction(metric)
    if direction not in ("down", "up"):
        raise CheckFailed(
            f"Nevím, zda se {metric!r} má zmenšovat, nebo zvětšovat: předejte "
            'direction="down" (ztráta, chyba) nebo direction="up" (přesnost, IoU).'
        )
    values = np.asarray(values, "float64")
    first, last = values[0], values[-1]
    name = metric_label(metric)
    if not np.all(np.isfinite(values)):
        raise CheckFailed(
            f"{name} není v každé epoše konečné číslo ({'; '.join(f'{v:.4g}' for v in values)}):"
            " trénink se rozbil. Zkuste menší learning rate a zkontrolujte škálování vstupu."
        )
    change = first - last if direction == "down" else last - first
    if change <= min_change:
        raise CheckFailed(
            f"{name} se nezlepšila (první epocha {first:.4g}, poslední {last:.4g}). "
            "Zkuste menší learning rate, jiná data na vstupu (škálování 0-1) nebo více epoch."
        )
    # a loss or an error is measured against where it started; a score in [0, 1]
    # (accuracy, IoU) against the room it had left
    room = 1 - first if direction == "up" and 0 <= first < 1 else abs(first)
    if change < min_relative * room:
        raise CheckFailed(
            f"{name} se zlepšila jen o {100 * change / room:.1f} % (z {first:.4g} na "
            f"{last:.4g}); tolik se změní i u sítě, která se nic nenaučila (náhodné hádání). "
            f"Čekáme aspoň {100 * min_relative:.0f} %: zkuste více epoch, jiný learning rate "
            "nebo batch normalization."
        )
    if chance is not None:
        gain = chance - last if direction == "down" else last - chance
        if gain < min_relative * abs(chance):
            raise CheckFailed(
                f"{name} je na konci {last:.4g}, hádání dá {chance:.4g}: síť není o "
                f"{100 * min_relative:.0f} % lepší než náhoda. Zkuste více epoch, jiný "
                "learning rate nebo batch normalization."
            )
    _passed(f"{name} se zlepšila z {first:.4g} na {last:.4g}.")


@requires_answers(value="{name} (číslo)")
def check_at_least(name: str, value: float, minimum: float) -> None:
    """A metric (accuracy, mean IoU, ...) reached at least `minimum`.

    Examples:
        >>> check_at_least("přesnost", 0.93, 0.9)
        ✓ přesnost 0,93 ≥ 0,9.
    """
    if not value >= minimum:
        raise CheckFailed(
            f"{name} je {_number(value)}, potřeba aspoň {_number(minimum)}. Trénujte déle, "
            "zkontrolujte předzpracování vstupu a že testovací data nejsou promíchaná "
            "s trénovacími."
        )
    _passed(f"{name} {_number(value)} ≥ {_number(minimum)}.")


@requires_answers(value="{name}")
def check_close(name: str, value, expected, rtol: float = 1e-4, atol: float = 1e-6) -> None:
    """`value` equals `expected` within tolerances (numbers or arrays of the same shape).

    Examples:
        >>> check_close("IoU", [0.5, 0.25], [0.5, 0.2500001])
        ✓ IoU souhlasí s očekávanou hodnotou.
    """
    expected = np.asarray(expected, "float64")
    numbers = _numbers(value)
    if numbers is None:
        raise CheckFailed(
            f"{name}: {value!r} není číslo ani pole čísel; očekáván tvar {expected.shape}."
        )
    value = numbers
    if value.shape != expected.shape:
        raise CheckFailed(
            f"{name}: tvar {value.shape}, očekáván {expected.shape}. Vracíte hodnotu pro "
            "každý prvek (nebo každou dvojici), ve správném pořadí?"
        )
    if not np.allclose(value, expected, rtol=rtol, atol=atol):
        worst = tuple(
            int(i) for i in np.unravel_index(np.argmax(np.abs(value - expected)), value.shape)
        )
        where = f" (na pozici {worst})" if worst else ""
        raise CheckFailed(
            f"{name}: {value[worst]:.6g} místo {expected[worst]:.6g}{where}. "
            "Projděte výpočet ručně."
        )
    _passed(f"{name} souhlasí s očekávanou hodnotou.")


@requires_answers(predicted_boxes="předpovězené obdélníky, pole (n, 4) ve formátu xyxy")
def check_iou(predicted_boxes, true_boxes, min_iou: float = 0.5) -> None:
    """The mean IoU of predicted and true boxes (`xyxy`, one pair per row) reaches `min_iou`.

    Examples:
        >>> check_iou([[0, 0, 10, 10]], [[0, 0, 10, 12]], min_iou=0.8)
        ✓ Průměrné IoU 0,833 ≥ 0,8.
    """
    from nes2.boxes import paired_iou

    predicted, true = np.asarray(predicted_boxes, "float32"), np.asarray(true_boxes, "float32")
    if predicted.ndim != 2 or predicted.shape != true.shape or predicted.shape[-1:] != (4,):
        raise CheckFailed(
            f"Obdélníky mají tvar {predicted.shape} a {true.shape}; oba mají být (n, 4) "
            "ve formátu [x_min, y_min, x_max, y_max]."
        )
    if len(predicted) == 0:
        raise CheckFailed("Nejsou žádné obdélníky: předejte aspoň jednu dvojici (n ≥ 1).")
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


def _short(value, width: int = 60) -> str:
    """`value` as Python writes it, between backticks (code, not a Czech number), shortened;
    a large array by its shape."""
    array = np.asarray(value)
    if array.size > 8:
        return f"pole tvaru {array.shape}"  # described, not written
    if array.ndim == 0 and _numeric(array.item()):
        text = format(array.item(), ".4g")
    else:
        text = np.array2string(array, precision=4, separator=", ").replace("\n", "")
    return f"`{text if len(text) <= width else text[: width - 1] + '…'}`"


@requires_answers(function="funkce podle zadání")
def check_function(name: str, function, reference, cases, rtol: float = 1e-4, atol: float = 1e-6):
    """`function(*case)` equals `reference(*case)` for every case (numbers or arrays).

    Args:
        name: what the function computes, in Czech.
        function: the student's function.
        reference: the library's function it should agree with.
        cases: argument tuples (a single argument needs no tuple).

    Examples:
        >>> def area(w, h):
        ...     return w * h
        >>> check_function("plocha", area, lambda w, h: w * h, [(2, 3), (0, 5)])
        ✓ plocha souhlasí s referencí ve všech 2 případech.
        >>> check_function("plocha", lambda w, h: w + h, lambda w, h: w * h, [(2, 3)])
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: plocha: pro vstup (`2`, `3`) vrací `5` místo `6`. ...
    """
    cases = list(cases)
    for case in cases:
        args = case if isinstance(case, tuple) else (case,)
        got, wanted = function(*args), np.asarray(reference(*args), "float64")
        shown = ", ".join(_short(a, 40) for a in args)
        where = f"pro vstup {f'({shown})' if len(args) > 1 else shown}"
        value = _numbers(got)
        if value is None or value.shape != wanted.shape:
            raise CheckFailed(
                f"{name}: {where} vrací `{got!r}`, očekáváno {_short(wanted)} "
                f"(tvar {wanted.shape}). Vrací funkce výsledek (return), a ve správném tvaru?"
            )
        if not np.allclose(value, wanted, rtol=rtol, atol=atol):
            raise CheckFailed(
                f"{name}: {where} vrací {_short(value)} místo {_short(wanted)}. "
                "Projděte výpočet pro tento vstup ručně."
            )
    _passed(f"{name} souhlasí s referencí ve všech {len(cases)} případech.")


@requires_answers(model="model nebo blok vrstev Kerasu podle zadání")
def check_layers(model, expected: dict[str, dict]) -> None:
    """`model` has a layer of each class in `expected`, with the given settings.

    Args:
        model: a Keras model or `Sequential` block.
        expected: layer class name -> the values its `get_config()` must hold.

    Examples:
        >>> import keras
        >>> block = keras.Sequential([keras.layers.RandomFlip("vertical")])
        >>> check_layers(block, {"RandomFlip": {"mode": "vertical"}})
        ✓ Vrstvy RandomFlip mají požadované nastavení.
        >>> check_layers(block, {"RandomFlip": {"mode": "horizontal"}})
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: RandomFlip má `mode='vertical'`, očekáváno `'horizontal'`.
    """
    found = {type(layer).__name__: layer for layer in getattr(model, "layers", [])}
    for kind, settings in expected.items():
        if kind not in found:
            present = ", ".join(found) or "žádné"
            raise CheckFailed(f"V bloku chybí vrstva {kind} (vrstvy: {present}).")
        config = found[kind].get_config()
        for key, wanted in settings.items():
            actual = config.get(key)
            if not _same(actual, wanted):
                raise CheckFailed(f"{kind} má `{key}={actual!r}`, očekáváno `{wanted!r}`.")
    _passed(f"Vrstvy {', '.join(expected)} mají požadované nastavení.")


def _numeric(value) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(actual, wanted) -> bool:
    a, w = _numbers(actual), _numbers(wanted)
    if a is None or w is None:
        return actual == wanted
    return a.shape == w.shape and bool(np.allclose(a, w))


@requires_answers(values="{name}")
def check_items(name: str, values, expected) -> None:
    """`values` holds `expected` items: a count, or the keys a dict must have.

    Examples:
        >>> check_items("přesnosti členů", [0.9, 0.91, 0.93], 3)
        ✓ přesnosti členů: počet položek 3.
        >>> check_items("výsledky podle λ", {0.05: {}, 5.0: {}}, (0.05, 5.0, 500.0))
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: výsledky podle λ: chybí klíč `500.0` (klíče: `0.05`, `5.0`).
    """
    if isinstance(expected, int):
        if not hasattr(values, "__len__") or len(values) != expected:
            count = len(values) if hasattr(values, "__len__") else "žádné"
            raise CheckFailed(f"{name}: počet položek {count}, očekáváno {expected}.")
        _passed(f"{name}: počet položek {expected}.")
        return
    if not hasattr(values, "keys"):
        raise CheckFailed(f"{name}: očekáván slovník s klíči {_code(expected)}.")
    for key in expected:
        if key not in values:
            present = _code(values.keys()) or "žádné"
            raise CheckFailed(f"{name}: chybí klíč `{key!r}` (klíče: {present}).")
    _passed(f"{name}: klíče {_code(expected)}.")


@requires_answers(heat="mapa Grad-CAM jednoho obrázku (pole výška × šířka)")
def check_heat_map(heat, feature_shape) -> None:
    """`heat` is one image's Grad-CAM map at the feature maps' size, scaled to 0-1.

    Args:
        heat: the student's map.
        feature_shape: the shape of the feature maps it was computed from,
            `(batch, height, width, channels)` (the batch and channels are ignored).

    Examples:
        >>> check_heat_map(np.array([[0.0, 0.5], [1.0, 0.2]]), (None, 2, 2, 8))
        ✓ mapa 2 × 2, hodnoty 0-1, maximum 1.
        >>> check_heat_map(np.array([[0.0, 3.0], [1.0, 0.2]]), (None, 2, 2, 8))
        Traceback (most recent call last):
        ...
        nes2.errors.CheckFailed: Mapa má hodnoty od 0 do 3, ne 0-1. ...
    """
    wanted = tuple(int(v) for v in feature_shape[1:3])
    values = _numbers(heat)
    if values is None or values.shape != wanted:
        shape = "bez tvaru" if values is None else " × ".join(map(str, values.shape))
        raise CheckFailed(
            f"Mapa má tvar {shape}, čekáno {wanted[0]} × {wanted[1]} (výška a šířka map "
            "příznaků poslední konvoluce): sečetli jste kanály (poslední osu)?"
        )
    low, high = float(values.min()), float(values.max())
    if low < 0 or high > 1 + 1e-6 or 0 < high < 1 - 1e-6:
        raise CheckFailed(
            f"Mapa má hodnoty od {_number(low)} do {_number(high)}, ne 0-1. Vynulujte záporná "
            "místa (ReLU) a vydělte mapu jejím maximem."
        )
    _passed(f"mapa {wanted[0]} × {wanted[1]}, hodnoty 0-1, maximum {_number(high)}.")
