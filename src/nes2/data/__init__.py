"""Data sets of the lecture: downloads with checksums, safe extraction, `tf.data` pipelines.

One module per data set, each with `fetch()` (download into the cache) and
`load()` (pipelines); TensorFlow is imported only when a pipeline is built.
The loaders are also available under the data set's name.

Examples:
    ```python
    from nes2.data import cats_vs_dogs
    data = cats_vs_dogs(source="synthetic")   # = nes2.data.catsdogs.load
    ```
"""

from nes2.data.arrays import cifar10, cifar100, imdb, mnist
from nes2.data.catsdogs import load as cats_vs_dogs
from nes2.data.tfds import coco, oxford_pets, voc

__all__ = ["cats_vs_dogs", "cifar10", "cifar100", "coco", "imdb", "mnist", "oxford_pets", "voc"]
