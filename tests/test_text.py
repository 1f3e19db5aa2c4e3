"""`nes2.data.text` and the `text` recipe: word indices, Conv1D against a bag of words."""

import numpy as np
import pytest

from nes2 import recipes, viz
from nes2.data import text
from nes2.models import convnets

pytestmark = pytest.mark.trains


def _score(words: list[str]) -> int:
    score = 0
    for before, word in zip(["", *words], words, strict=False):
        polarity = (word in text.POSITIVE) - (word in text.NEGATIVE)
        score += -polarity if before == "not" else polarity
    return score


def test_generated_labels_are_the_sign_of_the_opinions_with_not_turning_them():
    reviews = text.generated(300, seed=3)
    assert reviews.x_train.shape == (300, text.LENGTH) and len(reviews.x_test) == 75
    negated = 0
    for indices, label in zip(reviews.x_train, reviews.y_train, strict=True):
        words = reviews.decode(indices)
        assert _score(words) != 0 and (_score(words) > 0) == bool(label)
        negated += "not" in words
    assert negated > 100 and 0.35 < reviews.y_train.mean() < 0.65


def test_imdb_reviews_are_padded_and_their_words_shifted_by_three(monkeypatch):
    import keras

    from nes2.data import arrays

    fake = (np.array([[1, 14, 22], [1, 4]], dtype=object), np.array([1, 0]))
    monkeypatch.setattr(arrays, "_keras", lambda name, **kwargs: (fake, fake))  # no download
    monkeypatch.setattr(keras.datasets.imdb, "get_word_index", lambda: {"the": 1, "film": 11})
    reviews = text.imdb("full", num_words=30)
    assert reviews.x_train.shape == (2, text.IMDB_LENGTH) and reviews.x_train[1, 2] == 0
    assert reviews.decode(reviews.x_train[1]) == ["<start>", "the"]
    assert reviews.words[14] == "film"


def test_conv1d_reads_not_where_a_bag_of_words_cannot():
    runs = {m: recipes.train("text", "quick", model=m, store=False) for m in ("conv1d", "bag")}
    accuracy = {m: run.metrics["test_accuracy"] for m, run in runs.items()}
    assert accuracy["conv1d"] > 0.85 and accuracy["conv1d"] - accuracy["bag"] > 0.2
    figure = runs["conv1d"].figure("embedding")
    words = runs["conv1d"].data.reviews.decode(runs["conv1d"].data.reviews.x_test[0])
    assert [t.get_text() for t in figure.axes[0].get_yticklabels()] == words


def test_wrong_inputs_are_named():
    with pytest.raises(ValueError, match=r"one of 'conv1d', 'bag', not 'lstm'"):
        convnets.text_classifier(10, 5, kind="lstm")
    with pytest.raises(ValueError, match=r"One row per word"):
        viz.embedding_matrix(np.zeros((3, 4)), ["a", "b"])
