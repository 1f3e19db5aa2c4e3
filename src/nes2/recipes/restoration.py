"""Recipe `restoration`: an encoder-decoder that removes noise from digits, or fills them in.

Real MNIST digits scaled to [0, 1] are damaged by Gaussian noise or by a
hidden square (`nes2.tasks.restoration.corrupt`); the autoencoder learns to
output the clean digit. The test digits are digits it never saw, damaged once
with a fixed seed. Metrics: PSNR of the damaged and of the restored test
digits against the clean ones, and the gain in decibels.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("restoration", "quick", corruption="noise")
    run.metrics["psnr_damaged"], run.metrics["psnr_restored"]
    run.figure("restored")
    ```
"""

from __future__ import annotations

from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe, global_batch, history_dict

BATCH_SIZE = 64
CORRUPTIONS = ("noise", "mask")  # nes2.tasks.restoration.CORRUPTIONS, without importing Keras


class Restoration(Recipe):
    name = "restoration"
    summary = "encoder-decoder: remove noise from digits (or fill in a hidden square)"
    options = (
        Option("corruption", "noise", CORRUPTIONS, help="Gaussian noise, or a hidden square"),
    )
    epochs: ClassVar[dict] = {"quick": 6, "full": 20}
    run_option = "corruption"

    def data(self, profile, options, seed):
        import numpy as np

        from nes2.data import arrays
        from nes2.tasks import restoration

        digits = arrays.mnist(profile, seed=seed)
        clean_train = (digits.x_train[..., None] / 255).astype("float32")
        clean_test = (digits.x_test[..., None] / 255).astype("float32")
        kind = options["corruption"]
        return Data(
            digits.source,
            {"train": len(clean_train), "test": len(clean_test)},
            clean_train=clean_train,
            damaged_train=restoration.corrupt(clean_train, kind, np.random.default_rng(seed)),
            clean_test=clean_test,
            damaged_test=restoration.corrupt(clean_test, kind, np.random.default_rng(seed + 1)),
        )

    def build(self, data, options, profile, epochs):
        from nes2.tasks import restoration

        model = restoration.autoencoder(data.clean_train.shape[1:])
        model.compile("adam", "binary_crossentropy")
        return model

    def fit(self, model, data, options, epochs, verbose):
        history = model.fit(
            data.damaged_train,
            data.clean_train,
            epochs=epochs,
            batch_size=global_batch(BATCH_SIZE),
            verbose=verbose,
        )
        return history_dict(history)

    def evaluate(self, model, data, options, history):
        from nes2.tasks import restoration

        restored = model.predict(data.damaged_test, verbose=0)
        damaged = float(restoration.psnr(data.clean_test, data.damaged_test).mean())
        after = float(restoration.psnr(data.clean_test, restored).mean())
        return {"psnr_damaged": damaged, "psnr_restored": after, "gain_db": after - damaged}

    def figures(self, run, count: int = 8):
        import numpy as np

        from nes2 import viz

        data = run.data
        restored = run.model.predict(data.damaged_test[:count], verbose=0)
        rows = {"čistá": data.clean_test, "poškozená": data.damaged_test, "obnovená": restored}
        images = np.concatenate([np.asarray(v[:count]) for v in rows.values()])
        captions = [name for name in rows for _ in range(count)]
        title = f"Obnova číslic ({run.options['corruption']}; {self.label(run)})"
        return {"restored": viz.image_grid(images, captions, ncols=count, title=title)}
