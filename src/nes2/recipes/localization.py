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

from nes2.recipes.base import Data, Option, Recipe, cosine, global_batch

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
    epochs: ClassVar[dict] = {"quick": 2, "full": 20}

    batch_size = BATCH_SIZE

    def data(self, spec):
        import numpy as np

        from nes2.data import arrays, digit_canvas

        seed = spec.seed
        digits = arrays.mnist(spec.profile, seed=seed)
        repeat = PLACEMENTS[spec.profile]
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
            train=(x_train, {"class": y_train, "box": boxes_train}),
            test=(x_test, {"class": y_test, "box": boxes_test}),
        )

    def build(self, data, spec):
        from nes2.tasks import localization

        steps = -(-len(data.train[0]) // global_batch(BATCH_SIZE))
        return localization.localization_model(
            (CANVAS, CANVAS, 1),
            10,
            box_weight=spec.options["box_weight"],
            learning_rate=cosine(LEARNING_RATE, spec.epochs, steps),
        )

    def evaluate(self, model, data, spec, history):
        from nes2.tasks import localization

        images, targets = data.test
        return {
            "canvas": CANVAS,
            **localization.evaluate_localization(model, images, targets["class"], targets["box"]),
        }

    def figures(self, run, count: int = 12):
        from nes2 import viz

        images, targets = run.data.test
        probabilities, predicted = run.model.predict(images[:count], verbose=0)
        return {
            "boxes": viz.box_grid(
                images[:count],
                true_boxes=[b[None] * CANVAS for b in targets["box"][:count]],
                true_labels=[[y] for y in targets["class"][:count]],
                boxes=[b[None] * CANVAS for b in predicted],
                labels=[[p] for p in probabilities.argmax(axis=1)],
                title=f"Lokalizace\n({self.label(run)})",
            )
        }
