"""Recipe `cats-vs-dogs`: the small convnet from scratch, regularized, augmented."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from nes2 import config
from nes2.errors import InvalidOptionError

EPOCHS = {
    "quick": {"scratch": 15, "regularized": 15, "augmented": 20},
    "full": {"scratch": 30, "regularized": 50, "augmented": 100},
}
"""Epochs per profile and variant; the full ones are those of *Deep Learning with Python*."""
LEARNING_RATE = 1e-3


@dataclass
class RunResult:
    """What a recipe run produced: its metrics, the Keras history and the model."""

    metrics: dict
    history: object
    model: object


def run(
    variant: str = "scratch",
    *,
    profile: str | None = None,
    epochs: int | None = None,
    out: str | os.PathLike | None = None,
    source: str = "real",
    seed: int = config.DEFAULT_SEED,
    verbose: int | str = "auto",
) -> RunResult:
    """Train one Cats-vs-Dogs variant and write `metrics.json` and `curves.png`.

    The real data must be in the cache (`nes2 data fetch cats-vs-dogs`) unless
    `source="synthetic"`, the locally drawn stand-in.

    Args:
        variant: `"scratch"`, `"regularized"` or `"augmented"`.
        profile: `"quick"` or `"full"` (default: `NES2_PROFILE`, else quick).
        epochs: overrides the profile's number of epochs.
        out: the folder for `metrics.json` and `curves.png`; `None` writes nothing.
        source: `"real"` or `"synthetic"`.
        seed: the seed of data shuffling, initialisation and augmentation.
        verbose: Keras' verbosity (1 shows a progress bar).

    Returns:
        A `RunResult`.

    Example:

    ```python
    result = run("scratch", source="synthetic", out="runs/scratch")
    print(result.metrics["val_accuracy"])
    ```
    """
    from nes2.data import catsdogs

    profile = config.get_profile(profile)
    if variant not in EPOCHS[profile]:
        raise InvalidOptionError(
            f"Unknown variant {variant!r}: use one of {', '.join(EPOCHS[profile])}."
        )
    epochs = epochs or EPOCHS[profile][variant]
    data = catsdogs.load(profile, source=source, download=False, seed=seed)

    from nes2 import models, training, viz
    from nes2.recipes.output import save_figure, write_metrics

    start = time.perf_counter()
    history = training.fit(
        lambda: models.cats_vs_dogs_model(variant, data.image_size, learning_rate=LEARNING_RATE),
        data.train,
        data.validation,
        epochs=epochs,
        seed=seed,
        verbose=verbose,
    )
    seconds = time.perf_counter() - start
    model = history.model
    test_loss, test_accuracy = model.evaluate(data.test, verbose=0)
    h = history.history
    metrics = {
        "recipe": "cats-vs-dogs",
        "variant": variant,
        "profile": profile,
        "data_source": data.label,
        "counts": data.counts,
        "image_size": list(data.image_size),
        "epochs": len(h["loss"]),
        "seconds": round(seconds, 1),
        "train_loss": h["loss"][-1],
        "train_accuracy": h["accuracy"][-1],
        "val_loss": h["val_loss"][-1],
        "val_accuracy": h["val_accuracy"][-1],
        "best_val_accuracy": max(h["val_accuracy"]),
        "test_loss": float(test_loss),
        "test_accuracy": float(test_accuracy),
    }
    if out is not None:
        out = Path(out)
        write_metrics(out, metrics)
        title = f"Cats vs Dogs, {variant} ({data.label}, profil {profile})"
        save_figure(viz.plot_history(history, title=title), out, "curves.png")
    return RunResult(metrics=metrics, history=history, model=model)
