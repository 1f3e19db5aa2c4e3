"""Seeded training with checkpoints: `fit()`.

`fit()` wraps `keras.Model.fit` with what a course exercise needs: a seed, early
stopping that restores the best weights, a checkpoint of the best weights with
the training history beside it ("load the checkpoint if it exists, else
train"), and a `tf.distribute` strategy for several GPUs.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import keras

from nes2 import config
from nes2.io import write_json


def _history(values: dict[str, list[float]], model: keras.Model) -> keras.callbacks.History:
    history = keras.callbacks.History()
    history.history = values
    history.epoch = list(range(len(next(iter(values.values()), []))))
    history.set_model(model)
    return history


def _is_dataset(data) -> bool:
    import tensorflow as tf

    return isinstance(data, tf.data.Dataset)


def _history_path(checkpoint: Path) -> Path:
    return checkpoint.with_name(checkpoint.name.removesuffix(".weights.h5") + ".history.json")


def _save_history(path: Path, history: dict[str, list[float]]) -> None:
    write_json(path, {k: [float(v) for v in vs] for k, vs in history.items()}, indent=1)


def fit(
    model: keras.Model | Callable[[], keras.Model],
    train,
    validation=None,
    *,
    epochs: int = 10,
    checkpoint: str | os.PathLike | None = None,
    patience: int | None = None,
    monitor: str = "val_loss",
    strategy=None,
    seed: int | None = config.DEFAULT_SEED,
    callbacks: Sequence[keras.callbacks.Callback] = (),
    verbose: int | str = "auto",
) -> keras.callbacks.History:
    """Train a compiled model, or restore it from its checkpoint.

    Args:
        model: a compiled model, or a function that builds and compiles one
            (required with `strategy`, whose variables must be created in its scope).
        train: the training data (a `tf.data.Dataset` of `(x, y)` batches).
        validation: the validation data, or `None`.
        epochs: the most epochs to train.
        checkpoint: a `.weights.h5` path. If it exists (with its
            `.history.json`), the weights are loaded and training is skipped;
            otherwise the best weights are saved there during training.
        patience: epochs without improvement of `monitor` before stopping
            early (restoring the best weights); `None` trains all epochs.
        monitor: the quantity watched by early stopping and the checkpoint.
        strategy: a `tf.distribute.Strategy` (e.g. `MirroredStrategy()` for all
            GPUs); the model is built inside its scope.
        seed: seeds everything first (`nes2.config.seed_everything`); `None` skips it.
        callbacks: further Keras callbacks.
        verbose: passed to `keras.Model.fit` (1 shows a progress bar per epoch).

    Returns:
        The `keras.callbacks.History`; `history.model` is the trained model.

    Examples:
        ```python
        from nes2 import models, training
        history = training.fit(
            lambda: models.cats_vs_dogs_model("scratch", (64, 64)),
            data.train, data.validation, epochs=5, checkpoint="scratch.weights.h5",
        )
        history.model.evaluate(data.test)
        ```
    """
    if seed is not None:
        config.seed_everything(seed)
    if strategy is not None:
        if isinstance(model, keras.Model):
            raise TypeError(
                "With a distribution strategy, pass a function that builds and compiles "
                "the model (e.g. lambda: make_model()), so its variables are created in "
                "strategy.scope()."
            )
        with strategy.scope():
            model = model()
    elif not isinstance(model, keras.Model):
        model = model()
    if not model.compiled:
        raise ValueError("The model is not compiled: call model.compile(...) before fit().")

    callbacks = list(callbacks)
    if checkpoint is not None:
        checkpoint = Path(checkpoint)
        if not checkpoint.name.endswith(".weights.h5"):
            raise ValueError(f"checkpoint must end with .weights.h5, not {checkpoint.name!r}.")
        history_file = _history_path(checkpoint)
        if checkpoint.is_file() and history_file.is_file():
            model.load_weights(checkpoint)
            return _history(json.loads(history_file.read_text()), model)
        checkpoint.parent.mkdir(parents=True, exist_ok=True)
        callbacks.append(
            keras.callbacks.ModelCheckpoint(
                checkpoint,
                monitor=monitor if validation is not None else "loss",
                save_best_only=True,
                save_weights_only=True,
            )
        )
    if patience is not None:
        callbacks.append(
            keras.callbacks.EarlyStopping(
                monitor=monitor, patience=patience, restore_best_weights=True
            )
        )
    history = model.fit(
        train,
        validation_data=validation,
        epochs=epochs,
        callbacks=callbacks,
        verbose=verbose,
        shuffle=not _is_dataset(train),
    )
    if checkpoint is not None:
        _save_history(history_file, history.history)
    return history
