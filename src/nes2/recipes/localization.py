"""Recipe `localization`: classify a real digit on a canvas and regress its box.

Each training digit is placed `PLACEMENTS` times at random positions and
scales on a 64 x 64 canvas; the test canvases carry digits the network never
saw. A two-head model (`nes2.tasks.localization`) is trained with the
multitask loss: cross-entropy for the class plus λ times the box loss.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("localization", "quick", box_weight=5.0)
    run.metrics["accuracy"], run.metrics["mean_iou"]
    run.figure("boxes")
    ```
"""

from __future__ import annotations

from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe, cosine, global_batch, history_dict

CANVAS = 64
SCALE = (1.2, 2.0)
"""Digits are scaled by this range (28 px tall at 1) before they are placed."""
PLACEMENTS = {"quick": 2, "full": 1}
BATCH_SIZE = 64
LEARNING_RATE = 2e-3
BOX_WEIGHT = 5.0  # nes2.tasks.localization.BOX_WEIGHT, without importing Keras
"""λ, the weight of the box loss against the class loss."""


class Localization(Recipe):
    name = "localization"
    summary = "one digit on a canvas: class and box"
    options = (Option("box_weight", BOX_WEIGHT, type=float, help="λ, the weight of the box loss"),)
    epochs: ClassVar[dict] = {"quick": 10, "full": 20}

    def data(self, profile, options, seed):
        import numpy as np

        from nes2.data import arrays, digit_canvas

        digits = arrays.mnist(profile, seed=seed)
        repeat = PLACEMENTS[profile]
        x_train, y_train, _, boxes_train = digit_canvas.place_digit(
            np.repeat(digits.x_train, repeat, axis=0),
            np.repeat(digits.y_train, repeat),
            CANVAS,
            SCALE,
            seed=seed,
        )
        x_test, y_test, _, boxes_test = digit_canvas.place_digit(
            digits.x_test, digits.y_test, CANVAS, SCALE, seed=seed + 1
        )
        return Data(
            digits.source,
            {"train": len(x_train), "test": len(x_test)},
            x_train=x_train,
            y_train=y_train,
            boxes_train=boxes_train,
            x_test=x_test,
            y_test=y_test,
            boxes_test=boxes_test,
        )

    def build(self, data, options, profile, epochs):
        from nes2.tasks import localization

        schedule = cosine(LEARNING_RATE, epochs, -(-len(data.x_train) // global_batch(BATCH_SIZE)))
        return localization.localization_model(
            (CANVAS, CANVAS, 1), 10, box_weight=options["box_weight"], learning_rate=schedule
        )

    def fit(self, model, data, options, epochs, verbose):
        history = model.fit(
            data.x_train,
            {"class": data.y_train, "box": data.boxes_train},
            epochs=epochs,
            batch_size=global_batch(BATCH_SIZE),
            verbose=verbose,
        )
        return history_dict(history)

    def evaluate(self, model, data, options, history):
        from nes2.tasks import localization

        return {
            "canvas": CANVAS,
            **localization.evaluate_localization(model, data.x_test, data.y_test, data.boxes_test),
        }

    def figures(self, run, count: int = 12):
        from nes2 import viz

        data = run.data
        probabilities, predicted = run.model.predict(data.x_test[:count], verbose=0)
        return {
            "boxes": viz.box_grid(
                data.x_test[:count],
                true_boxes=[b[None] * CANVAS for b in data.boxes_test[:count]],
                true_labels=[[y] for y in data.y_test[:count]],
                boxes=[b[None] * CANVAS for b in predicted],
                labels=[[p] for p in probabilities.argmax(axis=1)],
                title=f"Lokalizace\n({self.label(run)})",
            )
        }
