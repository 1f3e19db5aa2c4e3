"""Reviews as sequences of word indices: IMDB, or generated stand-ins.

* `imdb(profile)` reads the IMDB reviews of `keras.datasets` (25,000 + 25,000,
  labelled negative / positive) as word indices of the `num_words` most
  common words, padded or cut to `length` words, with the words themselves
  (`keras.datasets.imdb.get_word_index`) to show them.
* `generated(n)` writes short reviews from a small vocabulary: filler words,
  opinion words and "not" before some of them, which turns them around. The
  label is the sign of the opinions' sum, so a model must read *pairs* of
  words ("not good"): what a 1D convolution's filter of width 2 or more sees
  and a bag of words does not. Pages that show it say so.

A review becomes a matrix when each index is replaced by its embedding (a
learned vector per word): one row per word, the "image" a `Conv1D` slides over.

Examples:
    >>> reviews = generated(4, seed=0)
    >>> reviews.x_train.shape[1], reviews.words[reviews.x_train[0][0]] != ""
    (40, True)
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from nes2 import config

LENGTH = 40
"""Words per generated review (IMDB reviews are cut or padded to `IMDB_LENGTH`)."""
IMDB_LENGTH = 400
FILLER = [
    "the",
    "movie",
    "film",
    "plot",
    "story",
    "actors",
    "cast",
    "scene",
    "music",
    "ending",
    "script",
    "was",
    "is",
    "and",
    "but",
    "with",
    "a",
    "of",
    "it",
    "this",
    "that",
    "director",
    "camera",
    "dialogue",
    "characters",
    "acting",
]
POSITIVE = ["good", "great", "wonderful", "excellent", "enjoyable", "brilliant"]
NEGATIVE = ["bad", "boring", "awful", "terrible", "dull", "weak"]
GENERATED = "vygenerované recenze (výplňová slova, hodnotící slova, „not“)"


@dataclass
class Reviews:
    """Word indices `(n, length)` with labels (0 negative, 1 positive) and the words."""

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    words: list[str]
    """`words[i]` is the word of index `i`; index 0 pads."""
    source: str

    def decode(self, indices) -> list[str]:
        """The words of one review, without the padding."""
        return [self.words[i] for i in indices if i > 0]


def _review(rng: np.random.Generator, vocabulary: dict[str, int]) -> tuple[list[int], int]:
    while True:
        words, score = [], 0
        for _ in range(rng.integers(2, 5)):
            words += list(rng.choice(FILLER, rng.integers(2, 7)))
            positive = rng.random() < 0.5
            opinion = rng.choice(POSITIVE if positive else NEGATIVE)
            negated = rng.random() < 0.4
            words += ["not", opinion] if negated else [opinion]
            score += (1 if positive else -1) * (-1 if negated else 1)
        words += list(rng.choice(FILLER, rng.integers(1, 5)))
        if score != 0 and len(words) <= LENGTH:
            return [vocabulary[w] for w in words], int(score > 0)


def generated(n: int, test: int | None = None, seed: int = config.DEFAULT_SEED) -> Reviews:
    """`n` training and `test` (default `n // 4`) test reviews, padded at the end to `LENGTH`."""
    words = ["", "not", *FILLER, *POSITIVE, *NEGATIVE]
    vocabulary = {w: i for i, w in enumerate(words)}
    rng = np.random.default_rng(seed)
    total = n + (test if test is not None else n // 4)
    x = np.zeros((total, LENGTH), dtype="int32")
    y = np.zeros(total, dtype="int64")
    for i in range(total):
        indices, y[i] = _review(rng, vocabulary)
        x[i, : len(indices)] = indices
    return Reviews(x[:n], y[:n], x[n:], y[n:], words, GENERATED)


def imdb(profile: str | None = None, num_words: int = 10_000) -> Reviews:
    """IMDB reviews from `keras.datasets` as word indices, `IMDB_LENGTH` words each.

    The quick profile keeps 5,000 training and 5,000 test reviews.

    Examples:
        ```python
        reviews = imdb("full")
        " ".join(reviews.decode(reviews.x_train[0])[:10])
        ```
    """
    import keras

    from nes2.data.arrays import imdb_sequences
    from nes2.data.download import keras_download

    x_train, y_train, x_test, y_test = imdb_sequences(profile, num_words)
    with keras_download("IMDB word index", "datasets"):
        index = keras.datasets.imdb.get_word_index()
    words = ["", "<start>", "<unknown>", "<unused>", *[""] * num_words][:num_words]
    for word, i in index.items():
        if i + 3 < num_words:  # keras.datasets.imdb shifts the indices by 3 (index_from)
            words[i + 3] = word

    def pad(sequences):
        return keras.utils.pad_sequences(sequences, IMDB_LENGTH, padding="post", truncating="post")

    return Reviews(pad(x_train), y_train, pad(x_test), y_test, words, "IMDB (keras.datasets)")
