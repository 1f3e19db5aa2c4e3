"""The exercises' self-checks: each passes on a right answer, fails on a wrong one and on
an answer not written yet, and says why in Czech."""

import keras
import numpy as np
import pytest

from nes2.teaching import checks
from nes2.teaching.answers import is_placeholder, unfilled
from nes2.teaching.checks import CheckFailed


def dense_model(units=3):
    return keras.Sequential([keras.Input((8,)), keras.layers.Dense(units)])


def fails(message):
    return pytest.raises(CheckFailed, match=message)


def todo(a, b):
    """A function a student has not written yet."""
    ...


def todo_with_pass(a):
    pass


def written(a, b):
    return a * b


def test_placeholders_are_ellipsis_none_and_functions_without_a_body():
    assert is_placeholder(...) and is_placeholder(None)
    assert unfilled(todo) and unfilled(todo_with_pass) and not unfilled(written)
    assert not is_placeholder(0) and not is_placeholder([]) and not is_placeholder(written)
    assert not unfilled(len)


def test_a_placeholder_is_named_as_the_notebook_names_it():
    by_hand = ...
    with fails(r"^Doplňte `by_hand` v buňce výše: počet parametrů \(celé číslo\)\.$"):
        checks.check_param_count(dense_model(), by_hand)
    with fails("^Doplňte `by_hand` v buňce výše"):
        checks.check_param_count(dense_model(), expected=by_hand)
    with fails(r"^Doplňte `todo` v buňce výše: tělo funkce místo `\.\.\.`\.$"):
        checks.check_function("součin", todo, written, [(2, 3)])
    accuracy = None
    with fails(r"^Doplňte `accuracy` v buňce výše: přesnost na testu \(číslo\)\.$"):
        checks.check_at_least("přesnost na testu", accuracy, 0.9)


@pytest.mark.parametrize(
    "check, args",
    [
        (checks.check_output_shape, (..., (None, 3))),
        (checks.check_param_count, (..., 27)),
        (checks.check_training_improves, (...,)),
        (checks.check_at_least, ("přesnost", ..., 0.9)),
        (checks.check_close, ("IoU", ..., 0.5)),
        (checks.check_iou, (..., [[0, 0, 1, 1]])),
        (checks.check_function, ("IoU", todo, written, [(1, 2)])),
        (checks.check_layers, (..., {"Dropout": {}})),
        (checks.check_items, ("výsledky", ..., 3)),
    ],
    ids=lambda v: getattr(v, "__name__", ""),
)
def test_every_check_refuses_an_answer_not_written_yet(check, args):
    with fails("^Doplňte `.+` v buňce výše: .+"):
        check(*args)


def test_output_shape():
    checks.check_output_shape(dense_model(), (None, 3))
    with fails(r"Výstup modelu má tvar \(None, 2\), očekáván \(None, 3\)"):
        checks.check_output_shape(dense_model(2), (None, 3))


def test_param_count_against_a_number_or_another_model():
    checks.check_param_count(dense_model(), 27)
    checks.check_param_count(dense_model(), dense_model())
    with fails("Model má 27 parametrů, očekáváno 30"):
        checks.check_param_count(dense_model(), 30)
    with fails("Model má 27 parametrů, očekáváno 36"):
        checks.check_param_count(dense_model(), dense_model(4))
    frozen = dense_model()
    frozen.trainable = False
    with fails("Model má 0 trénovatelných parametrů, očekáváno 27"):
        checks.check_param_count(frozen, 27, trainable=True)


@pytest.mark.parametrize(
    "history, metric, direction",
    [
        ({"loss": [2.3, 1.1, 0.7]}, "loss", None),
        ({"val_mae": [3.0, 2.0]}, "val_mae", None),
        ({"accuracy": [0.5, 0.9]}, "accuracy", None),
        ({"score": [1.0, 2.0]}, "score", "up"),
        ({"accuracy": [0.92, 0.98]}, "accuracy", None),  # most of the room left
    ],
)
def test_training_improves_passes(history, metric, direction):
    checks.check_training_improves(history, metric, direction=direction)


@pytest.mark.parametrize(
    "history, metric, kwargs, message",
    [
        ({"mae": [1.0, 1.5]}, "mae", {}, "střední absolutní chyba se nezlepšila"),  # a rising error
        ({"loss": [1.0, 0.5, np.inf]}, "loss", {}, "není v každé epoše konečné číslo"),
        ({"loss": [1.0, 0.2, 1.1]}, "loss", {}, "nezlepšila"),  # the last epoch counts
        ({"loss": [1.0, np.nan]}, "loss", {}, "konečné číslo"),
        ({"loss": [1.0, 0.99]}, "loss", {"min_change": 0.1}, "nezlepšila"),
        ({"loss": [0.6984, 0.6923]}, "loss", {}, "jen o 0.9 %"),  # a network at chance
        ({"accuracy": [0.5, 0.52]}, "accuracy", {}, "aspoň 10 %"),
        ({"accuracy": [0.9, 0.8]}, "accuracy", {}, "nezlepšila"),
        ({"score": [1.0, 2.0]}, "score", {}, 'předejte direction="down"'),
        ({"loss": [1.0]}, "accuracy", {}, "neobsahuje 'accuracy'"),
    ],
)
def test_training_improves_fails(history, metric, kwargs, message):
    with fails(message):
        checks.check_training_improves(history, metric, **kwargs)


def test_at_least():
    checks.check_at_least("přesnost", 0.93, 0.9)
    with fails("přesnost je 0.85, potřeba aspoň 0.9"):
        checks.check_at_least("přesnost", 0.85, 0.9)
    with fails("potřeba aspoň"):
        checks.check_at_least("přesnost", float("nan"), 0.9)


def test_close():
    checks.check_close("IoU", [0.5, 0.25], [0.5, 0.25])
    with fails(r"IoU: 0.3 místo 0.25 \(na pozici \(1,\)\)"):
        checks.check_close("IoU", [0.5, 0.3], [0.5, 0.25])
    with fails(r"tvar \(3,\), očekáván \(2,\)"):
        checks.check_close("IoU", [0.5, 0.3, 1], [0.5, 0.25])
    with fails("není číslo ani pole čísel"):
        checks.check_close("IoU", [None, None], [0.5, 0.25])


def test_iou():
    checks.check_iou([[0, 0, 10, 10]], [[0, 0, 10, 12]], min_iou=0.8)
    with fails("Průměrné IoU je 0,250"):
        checks.check_iou([[0, 0, 5, 5]], [[0, 0, 10, 10]])
    with fails("Nejsou žádné obdélníky"):
        checks.check_iou(np.zeros((0, 4)), np.zeros((0, 4)))
    with fails(r"tvar \(1, 4\) a \(2, 4\)"):
        checks.check_iou([[0, 0, 1, 1]], [[0, 0, 1, 1], [0, 0, 2, 2]])
    with fails("x_max < x_min"):
        checks.check_iou([[5, 0, 1, 1]], [[0, 0, 1, 1]])


def test_function_against_a_reference():
    checks.check_function("součin", written, lambda a, b: a * b, [(2, 3), (0, 5)])
    with fails(r"součin: pro vstup \(`2`, `3`\) vrací `5` místo `6`"):
        checks.check_function("součin", lambda a, b: a + b, lambda a, b: a * b, [(2, 2), (2, 3)])
    with fails("vrací `None`, očekáváno"):
        checks.check_function("součin", lambda a, b: None, lambda a, b: a * b, [(2, 3)])


def test_layers_and_their_settings():
    block = keras.Sequential([keras.layers.RandomFlip("vertical"), keras.layers.RandomZoom(0.3)])
    checks.check_layers(
        block, {"RandomFlip": {"mode": "vertical"}, "RandomZoom": {"height_factor": 0.3}}
    )
    with fails("RandomZoom má `height_factor=0.3`, očekáváno `0.2`"):
        checks.check_layers(block, {"RandomZoom": {"height_factor": 0.2}})
    with fails("V bloku chybí vrstva RandomRotation"):
        checks.check_layers(block, {"RandomRotation": {}})


def test_items_by_count_or_keys():
    checks.check_items("členové", [1, 2, 3], 3)
    checks.check_items("výsledky", {0.05: 1, 5.0: 2}, (0.05, 5.0))
    with fails("počet položek 2, očekáváno 3"):
        checks.check_items("členové", [1, 2], 3)
    with fails("chybí klíč `500.0`"):
        checks.check_items("výsledky", {0.05: 1}, (0.05, 500.0))
    with fails("očekáván slovník"):
        checks.check_items("výsledky", [1, 2], (0.05,))


def test_a_scalar_has_no_position_and_a_large_input_is_described_by_its_shape():
    with fails(r"^přesnost: 0.99 místo 0.5\. Projděte výpočet ručně\.$"):
        checks.check_close("přesnost", 0.99, 0.5)
    boxes = np.zeros((30, 4))
    with fails(r"^počet: pro vstup pole tvaru \(30, 4\) vrací `0` místo `30`\."):
        checks.check_function("počet", lambda b: 0, len, [boxes])


@pytest.mark.trains
def test_a_network_that_learns_nothing_does_not_pass_the_improvement_check():
    """Labels independent of the inputs: the loss falls from its initial value but ends at
    chance, and the check with `chance` fails; the same network on labels it can learn
    passes."""
    import keras

    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 16)).astype("float32")
    for labels, learns in ((rng.integers(0, 2, 512), False), ((x[:, 0] > 0).astype(int), True)):
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((16,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(keras.optimizers.Adam(0.01), "binary_crossentropy")
        history = model.fit(x, labels, epochs=5, batch_size=64, verbose=0)
        if learns:
            checks.check_training_improves(history, "loss", chance=np.log(2))
        else:
            with fails("síť není o 10 % lepší než náhoda"):
                checks.check_training_improves(history, "loss", chance=np.log(2))
