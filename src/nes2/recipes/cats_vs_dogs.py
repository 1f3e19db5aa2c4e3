"""Recipe `cats-vs-dogs`: the small convnet from scratch, regularized, augmented, and
transfer learning from a `keras.applications` backbone (feature extraction or fine-tuning).

The real data must be in the cache (`nes2 data fetch cats-vs-dogs`) unless
`source="synthetic"`, the locally drawn stand-in. Metrics: loss and accuracy
on the training, validation and test splits, and `accuracy_gap`, training minus
validation accuracy in the last epoch (how much the network overfits).

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("cats-vs-dogs", "quick", variant="augmented", source="synthetic")
    run.metrics["test_accuracy"]
    run.figure("curves")
    ```
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import ClassVar

from nes2.errors import InvalidOptionError
from nes2.recipes.base import Data, Option, Recipe, global_batch, history_dict

EPOCHS = {
    "quick": {"scratch": 20, "regularized": 20, "augmented": 20, "transfer": 10, "finetune": 10},
    "full": {"scratch": 30, "regularized": 50, "augmented": 100, "transfer": 30, "finetune": 60},
}
"""Epochs per profile and variant, after *Deep Learning with Python* (augmentation
needs more epochs: each one shows new variants of the images); `finetune`
spends half of them training the new head, half fine-tuning."""
VARIANTS = tuple(EPOCHS["quick"])
TRANSFER_VARIANTS = ("transfer", "finetune")
LABELS = {
    "scratch": "od začátku",
    "regularized": "s regularizací",
    "augmented": "s augmentací",
    "transfer": "extrakce příznaků",
    "finetune": "doladění",
}
"""The variants' Czech names, as the lecture pages show them."""
DEFAULT_BACKBONE = "VGG16"
FINE_TUNE_LAYERS = 3
"""Layers with weights unfrozen by `finetune` (VGG16's last block has three convolutions)."""
LEARNING_RATE = 5e-4
"""Adam's learning rate of the networks from scratch (at 1e-3 the network without
batch normalization can stay at chance for a whole quick training, seed 43)."""
FEATURE_BATCH_SIZE = 32
"""Batch of the classifier trained on extracted features (images: `catsdogs.BATCH_SIZE`)."""


@dataclasses.dataclass(kw_only=True)
class ImageData(Data):
    """`Data` of photographs: batched datasets, and the `(height, width)` the images have."""

    image_size: tuple[int, int]


def weights_option(text: str):
    """`--weights`: `imagenet`, `none` or the path of a weights file."""
    return None if text.lower() == "none" else text


class CatsVsDogs(Recipe):
    name = "cats-vs-dogs"
    summary = "small convnet, regularization, augmentation, transfer learning"
    options = (
        Option("variant", "scratch", VARIANTS, help="what the lecture compares"),
        Option(
            "source",
            "real",
            ("real", "synthetic"),
            help="real data from the cache, or the synthetic stand-in",
        ),
        Option("backbone", DEFAULT_BACKBONE, help="keras.applications model (transfer, finetune)"),
        Option(
            "weights",
            "imagenet",
            type=weights_option,
            help="backbone weights: imagenet, none, or a local weights file",
        ),
    )
    epochs: ClassVar[dict] = EPOCHS
    epochs_by = "variant"
    run_option = "variant"

    def check(self, options, given):
        transfer = options["variant"] in TRANSFER_VARIANTS
        if not transfer and ({"backbone", "weights"} & set(given)):
            raise InvalidOptionError(
                "--backbone and --weights apply to --variant transfer or finetune."
            )
        weights = options["weights"]
        if transfer and weights not in (None, "imagenet") and not Path(weights).is_file():
            raise InvalidOptionError(
                f"--weights {weights}: no such file; use imagenet, none or a weights file path."
            )
        if transfer:
            from nes2.applications import catalog

            catalog.spec(options["backbone"])  # an unknown name fails before any data is made

    def reported_options(self, options):
        # The backbone and its weights are described by `evaluate`, for the variants that use them.
        return {"variant": options["variant"], "source": options["source"]}

    def data(self, spec):
        from nes2.data import catsdogs

        data = catsdogs.load(
            spec.profile,
            source=spec.options["source"],
            batch_size=global_batch(catsdogs.BATCH_SIZE[spec.profile]),
            download=False,
            seed=spec.seed,
        )
        return ImageData(
            data.label,
            data.counts,
            train=data.train,
            validation=data.validation,
            test=data.test,
            image_size=data.image_size,
        )

    def build(self, data, spec):
        options = spec.options
        variant = options["variant"]
        if variant == "finetune" and spec.epochs < 2:
            raise InvalidOptionError(
                "finetune needs at least 2 epochs (half head, half fine-tuning)."
            )
        if variant == "transfer":
            return _feature_model(data, options)
        if variant == "finetune":
            from nes2 import applications, models

            return applications.transfer_model(
                options["backbone"],
                2,
                (*data.image_size, 3),
                options["weights"],
                augmentation=models.augmentation(),
            )
        from nes2 import models

        return models.cats_vs_dogs_model(variant, data.image_size, learning_rate=LEARNING_RATE)

    def fit(self, model, data, spec):
        variant = spec.options["variant"]
        if variant == "transfer":
            return _fit_features(model, data, spec)
        if variant == "finetune":
            return _fine_tune(model, data, spec)
        return super().fit(model, data, spec)  # batched datasets, shuffled and augmented as read

    def evaluate(self, model, data, spec, history):
        options = spec.options
        test_loss, test_accuracy = model.evaluate(data.test, verbose=0)
        transfer = {}
        if options["variant"] in TRANSFER_VARIANTS:
            transfer = {"backbone": _backbone_name(options), "weights": _described(options)}
        return {
            "image_size": list(data.image_size),
            **transfer,
            "train_loss": history["loss"][-1],
            "train_accuracy": history["accuracy"][-1],
            "val_loss": history["val_loss"][-1],
            "val_accuracy": history["val_accuracy"][-1],
            "best_val_accuracy": max(history["val_accuracy"]),
            "accuracy_gap": history["accuracy"][-1] - history["val_accuracy"][-1],
            "test_loss": float(test_loss),
            "test_accuracy": float(test_accuracy),
        }

    def figures(self, run):
        from nes2 import viz

        title = f"Cats vs Dogs: {LABELS[run.options['variant']]} ({self.label(run)})"
        return {"curves": viz.plot_history(run.history, title=title)}


def _backbone_name(options) -> str:
    from nes2.applications import catalog

    return catalog.spec(options["backbone"]).name


def _described(options) -> str:
    weights = options["weights"]
    if weights is None:
        return "none (random initialisation)"
    return "imagenet" if weights == "imagenet" else f"file {Path(weights).name}"


def _feature_model(data, options):
    """A frozen backbone and a small classifier, as one compiled model over images."""
    import keras

    from nes2 import applications

    extractor = applications.feature_extractor(
        options["backbone"], (*data.image_size, 3), options["weights"]
    )
    classifier = applications.feature_classifier(extractor.output.shape[-1], 2)
    inputs = keras.Input((*data.image_size, 3), name="image")
    model = keras.Model(inputs, classifier(extractor(inputs)), name="feature_extraction")
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _fit_features(model, data, spec):
    """Compute the backbone's features once, then train the classifier on them."""
    from nes2 import applications

    extractor, classifier = model.layers[1], model.layers[2]
    progress = spec.verbose not in (0, "0")
    x_train, y_train = applications.extract_features(extractor, data.train, progress)
    validation = applications.extract_features(extractor, data.validation, progress)
    history = classifier.fit(
        x_train,
        y_train,
        validation_data=validation,
        epochs=spec.epochs,
        batch_size=global_batch(FEATURE_BATCH_SIZE),
        verbose=spec.verbose,
    )
    return history_dict(history)


def _fine_tune(model, data, spec):
    """Train the new head on the frozen base, then unfreeze its top and go on."""
    from nes2 import applications

    head_epochs = spec.epochs // 2
    common = {"validation_data": data.validation, "shuffle": False, "verbose": spec.verbose}
    first = model.fit(data.train, epochs=head_epochs, **common)
    applications.fine_tune(model, unfreeze=FINE_TUNE_LAYERS, learning_rate=1e-5)
    second = model.fit(data.train, epochs=spec.epochs, initial_epoch=head_epochs, **common)
    return {k: history_dict(first)[k] + history_dict(second)[k] for k in first.history}
