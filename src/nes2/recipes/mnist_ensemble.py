"""Recipe `mnist-ensemble`: three small CNNs on MNIST and their functional-API ensembles.

The members differ in width, dense units and dropout, and each is trained on
its own. The ensembles average their probabilities, let them vote, and (on a
held-out part of the training data) learn a stacking layer. Metrics: the test
accuracy of every member and every ensemble.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("mnist-ensemble", "quick")
    run.metrics["test_accuracy"]   # {'cnn_a': ..., 'average': ..., ...}
    run.model.ensembles["stack"].summary()
    ```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from nes2.recipes.base import Data, Recipe, global_batch

MEMBERS = {
    "cnn_a": {"filters": (16, 32), "dense_units": 64, "dropout": 0.0},
    "cnn_b": {"filters": (32, 64), "dense_units": 128, "dropout": 0.5},
    "cnn_c": {"filters": (24, 48), "dense_units": 96, "dropout": 0.25},
}
"""The members' `nes2.models.small_convnet` settings."""
METHODS = ("average", "vote", "stack")  # nes2.models.ensemble.METHODS, without importing Keras
STACK_EPOCHS = 20
BATCH_SIZE = 64
HOLDOUT = 0.2
"""The share of the training data kept out of the members' training, for the stacking layer."""


@dataclass(kw_only=True)
class EnsembleData(Data):
    """`Data` of the ensemble: `stacking` holds the digits the meta-model learns on."""

    stacking: tuple


@dataclass
class Ensembles:
    """The trained members and the ensembles built over them (method -> model)."""

    members: list
    ensembles: dict


class MnistEnsemble(Recipe):
    name = "mnist-ensemble"
    summary = "three CNNs on MNIST and their average, vote and stacking ensembles"
    epochs: ClassVar[dict] = {"quick": 4, "full": 12}

    batch_size = BATCH_SIZE

    def data(self, spec):
        from nes2.data import arrays

        digits = arrays.mnist(spec.profile, seed=spec.seed)
        split = int(len(digits.x_train) * (1 - HOLDOUT))
        return EnsembleData(
            digits.source,
            {"train": split, "stacking": len(digits.x_train) - split, "test": len(digits.x_test)},
            train=(digits.x_train[:split, ..., None], digits.y_train[:split]),
            test=(digits.x_test[..., None], digits.y_test),
            stacking=(digits.x_train[split:, ..., None], digits.y_train[split:]),
        )

    def build(self, data, spec):
        from nes2 import models

        members = []
        for name, settings in MEMBERS.items():
            member = models.small_convnet((28, 28, 1), num_classes=10, name=name, **settings)
            member.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
            members.append(member)
        return Ensembles(members, {})

    def fit(self, model, data, spec):
        history = {}
        for member in model.members:
            fitted = member.fit(
                *data.train,
                epochs=spec.epochs,
                batch_size=global_batch(BATCH_SIZE),
                verbose=spec.verbose,
            )
            history.update({f"{member.name}_{k}": v for k, v in fitted.history.items()})
        _assemble(model)  # the ensembles freeze their members: build them after training
        stack = model.ensembles["stack"].fit(
            *data.stacking, epochs=STACK_EPOCHS, verbose=spec.verbose
        )
        history.update({f"stack_{k}": v for k, v in stack.history.items()})
        return {k: [float(x) for x in v] for k, v in history.items()}

    def evaluate(self, model, data, spec, history):
        accuracy = {m.name: m.evaluate(*data.test, verbose=0)[1] for m in model.members}
        for method, ensemble_model in model.ensembles.items():
            accuracy[method] = ensemble_model.evaluate(*data.test, verbose=0)[1]
        return {"test_accuracy": {k: round(float(v), 4) for k, v in accuracy.items()}}

    def figures(self, run):
        from nes2 import viz

        return {
            "accuracy": viz.bar_chart(
                run.metrics["test_accuracy"],
                ylabel="přesnost na testu",
                fmt="{:.3f}",
                highlight=METHODS,
                title=f"Členové a ensemble\n({self.label(run)})",
            )
        }

    def save(self, model, folder):
        # The stacking ensemble holds every member's layers besides its own.
        model.ensembles["stack"].save_weights(folder / "model.weights.h5")

    def load(self, model, folder):
        _assemble(model)
        model.ensembles["stack"].load_weights(folder / "model.weights.h5")


def _assemble(model: Ensembles) -> None:
    """Build and compile the ensembles over the members (`nes2.models.ensemble`)."""
    import keras

    from nes2.models.ensemble import ensemble

    for method in METHODS:
        combined = ensemble(model.members, method=method, name=f"ensemble_{method}")
        combined.compile(
            keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        model.ensembles[method] = combined
