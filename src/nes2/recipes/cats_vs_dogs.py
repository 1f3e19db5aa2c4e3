"""Recipe `cats-vs-dogs`: the small convnet from scratch, regularized, augmented,
and transfer learning from a `keras.applications` backbone (feature extraction
or fine-tuning)."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from nes2 import config
from nes2.errors import InvalidOptionError

EPOCHS = {
    "quick": {"scratch": 15, "regularized": 15, "augmented": 20, "transfer": 10, "finetune": 10},
    "full": {"scratch": 30, "regularized": 50, "augmented": 100, "transfer": 30, "finetune": 60},
}
"""Epochs per profile and variant, after *Deep Learning with Python*; `finetune`
spends half of them training the new head, half fine-tuning."""
TRANSFER_VARIANTS = ("transfer", "finetune")
DEFAULT_BACKBONE = "VGG16"
FINE_TUNE_LAYERS = 3
"""Layers with weights unfrozen by `finetune` (VGG16's last block has three convolutions)."""
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
    backbone: str = DEFAULT_BACKBONE,
    weights: str | os.PathLike | None = "imagenet",
    seed: int = config.DEFAULT_SEED,
    verbose: int | str = "auto",
) -> RunResult:
    """Train one Cats-vs-Dogs variant and write `metrics.json` and `curves.png`.

    The real data must be in the cache (`nes2 data fetch cats-vs-dogs`) unless
    `source="synthetic"`, the locally drawn stand-in.

    Args:
        variant: `"scratch"`, `"regularized"`, `"augmented"`, `"transfer"`
            (features of a frozen pretrained base, then a small classifier) or
            `"finetune"` (a new head on the frozen base, then its top unfrozen).
        profile: `"quick"` or `"full"` (default: `NES2_PROFILE`, else quick).
        epochs: overrides the profile's number of epochs.
        out: the folder for `metrics.json` and `curves.png`; `None` writes nothing.
        source: `"real"` or `"synthetic"`.
        backbone: the `keras.applications` model of `transfer` and `finetune`.
        weights: the backbone's weights: `"imagenet"`, `None` or a local file.
        seed: the seed of data shuffling, initialisation and augmentation.
        verbose: Keras' verbosity (1 shows a progress bar).

    Returns:
        A `RunResult`.

    Examples:
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
    if variant == "finetune" and epochs < 2:
        raise InvalidOptionError("finetune needs at least 2 epochs (half head, half fine-tuning).")
    if variant in TRANSFER_VARIANTS:
        from nes2 import applications

        applications.spec(backbone)  # an unknown name fails before any data is prepared
    data = catsdogs.load(profile, source=source, download=False, seed=seed)

    from nes2 import models, training, viz
    from nes2.recipes.output import save_figure, write_metrics

    start = time.perf_counter()
    test = (data.test,)
    if variant == "transfer":
        history, model, test = _feature_extraction(data, backbone, weights, epochs, seed, verbose)
    elif variant == "finetune":
        history, model = _fine_tuning(data, backbone, weights, epochs, seed, verbose)
    else:
        history = training.fit(
            lambda: models.cats_vs_dogs_model(
                variant, data.image_size, learning_rate=LEARNING_RATE
            ),
            data.train,
            data.validation,
            epochs=epochs,
            seed=seed,
            verbose=verbose,
        )
        model = history.model
    seconds = time.perf_counter() - start
    test_loss, test_accuracy = model.evaluate(*test, verbose=0)
    h = history.history
    metrics = {
        "recipe": "cats-vs-dogs",
        "variant": variant,
        "profile": profile,
        "data_source": data.label,
        "counts": data.counts,
        "image_size": list(data.image_size),
        **(_transfer_info(backbone, weights) if variant in TRANSFER_VARIANTS else {}),
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


def _transfer_info(backbone: str, weights) -> dict:
    from nes2 import applications

    if weights is None:
        described = "none (random initialisation)"
    elif weights == "imagenet":
        described = "imagenet"
    else:
        described = f"file {Path(weights).name}"
    return {"backbone": applications.spec(backbone).name, "weights": described}


def _feature_extraction(data, backbone, weights, epochs, seed, verbose):
    from nes2 import applications

    config.seed_everything(seed)
    extractor = applications.feature_extractor(backbone, (*data.image_size, 3), weights)
    progress = verbose not in (0, "0")
    x_train, y_train = applications.extract_features(extractor, data.train, progress)
    x_val, y_val = applications.extract_features(extractor, data.validation, progress)
    test = applications.extract_features(extractor, data.test, progress)
    model = applications.feature_classifier(x_train.shape[1], 2)
    history = model.fit(
        x_train,
        y_train,
        validation_data=(x_val, y_val),
        epochs=epochs,
        batch_size=32,
        verbose=verbose,
    )
    return history, model, test


def _fine_tuning(data, backbone, weights, epochs, seed, verbose):
    import keras

    from nes2 import applications, models

    config.seed_everything(seed)
    model = applications.transfer_model(
        backbone, 2, (*data.image_size, 3), weights, augmentation=models.augmentation()
    )
    head_epochs = epochs // 2
    first = model.fit(
        data.train, validation_data=data.validation, epochs=head_epochs, verbose=verbose
    )
    applications.fine_tune(model, unfreeze=FINE_TUNE_LAYERS, learning_rate=1e-5)
    second = model.fit(
        data.train,
        validation_data=data.validation,
        epochs=epochs,
        initial_epoch=head_epochs,
        verbose=verbose,
    )
    history = keras.callbacks.History()
    history.history = {k: first.history[k] + second.history[k] for k in first.history}
    history.set_model(model)
    return history, model
