"""Recipe `cifar10`: the small-image benchmark, with a residual network and its plain twin.

CIFAR-10 (`keras.datasets`, 50,000 training and 10,000 test colour images of
32 x 32 px in 10 classes) trained with `nes2.models.architectures.deep_stack`:
20 layers with weights, with shortcuts (`--model resnet`, close to He et
al.'s ResNet-20) or without (`--model plain`), the comparison of He et al.
(2015), fig. 6, at full scale. Training images are flipped and shifted by up
to 4 px at random; the last tenth of the training images validates each epoch,
and the test images are used once, at the end. The quick profile keeps 5,000
training and 1,000 test images. The data set is a download, so the lecture pages train it only
in the full profile. Metric: accuracy on the test images.

`--data cifar100` trains the same networks on CIFAR-100 (the same images
sorted into 100 finer classes, 500 training images per class): the harder
benchmark the lecture names beside CIFAR-10. Its runs are named
`cifar10/resnet-cifar100` and `cifar10/plain-cifar100`.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("cifar10", "full", model="resnet")
    run.metrics["test_accuracy"]
    ```
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe, cosine, global_batch

BLOCKS = 9
"""Basic blocks: 2 * 9 + 2 = 20 layers with weights."""
BATCH_SIZE = 128
LEARNING_RATE = 2e-3
DATA_SETS = ("cifar10", "cifar100")
NUM_CLASSES = {"cifar10": 10, "cifar100": 100}
VALIDATION_SHARE = 10
"""One training image in this many validates (the last ones; `keras.datasets` shuffles them)."""
SHIFT = 4 / 32
"""The largest random shift of a training image, as a fraction of its size (4 px)."""


@dataclasses.dataclass(kw_only=True)
class ClassData(Data):
    """`Data` of a classification: the number of classes the network tells apart."""

    num_classes: int


def augmented(images, labels, batch_size: int, seed: int):
    """The training images shuffled, batched, flipped and shifted anew every epoch."""
    import keras
    import tensorflow as tf

    augment = keras.Sequential(
        [
            keras.layers.RandomFlip("horizontal", seed=seed),
            keras.layers.RandomTranslation(SHIFT, SHIFT, seed=seed),
        ]
    )
    return (
        tf.data.Dataset.from_tensor_slices((images, labels))
        .shuffle(len(images), seed=seed)
        .batch(batch_size)
        .map(lambda x, y: (augment(tf.cast(x, "float32"), training=True), y))
        .prefetch(2)
    )


class Cifar10(Recipe):
    name = "cifar10"
    summary = "CIFAR-10: a 20-layer residual network, or the same layers without shortcuts"
    options = (
        Option("model", "resnet", ("resnet", "plain"), help="with or without shortcuts"),
        Option("data", "cifar10", DATA_SETS, help="10 classes, or the 100 of CIFAR-100"),
    )
    epochs: ClassVar[dict] = {"quick": 3, "full": 30}
    run_option = "model"
    deterministic = False

    batch_size = BATCH_SIZE

    def data(self, spec):
        from nes2.data import arrays

        data_set = spec.options["data"]
        images = getattr(arrays, data_set)(spec.profile)
        # the last tenth of the training images validates; the test images are for the end
        held = len(images.x_train) // VALIDATION_SHARE
        x, y = images.x_train, images.y_train
        return ClassData(
            images.source,
            {"train": len(x) - held, "validation": held, "test": len(images.x_test)},
            train=augmented(x[:-held], y[:-held], global_batch(BATCH_SIZE), spec.seed),
            validation=(x[-held:], y[-held:]),
            test=(images.x_test, images.y_test),
            num_classes=NUM_CLASSES[data_set],
        )

    def run_name(self, options):
        model = options["model"]
        return (
            f"{self.name}/{model}"
            if options["data"] == "cifar10"
            else f"{self.name}/{model}-{options['data']}"
        )

    def build(self, data, spec):
        import keras

        from nes2.models import architectures

        model = architectures.deep_stack(
            BLOCKS, spec.options["model"] == "resnet", data.test[0].shape[1:], data.num_classes
        )
        steps = -(-data.counts["train"] // global_batch(BATCH_SIZE))
        model.compile(
            keras.optimizers.Adam(cosine(LEARNING_RATE, spec.epochs, steps)),
            "sparse_categorical_crossentropy",
            metrics=["accuracy"],
        )
        return model

    def evaluate(self, model, data, spec, history):
        loss, accuracy = model.evaluate(*data.test, verbose=0)
        return {"test_loss": float(loss), "test_accuracy": float(accuracy)}

    def figures(self, run):
        from nes2 import viz

        return {
            "curves": viz.plot_history(
                run.history, title=f"{run.data.source}, {run.options['model']} ({self.label(run)})"
            )
        }
