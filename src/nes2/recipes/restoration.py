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

from nes2.recipes.base import Data, Option, Recipe

BATCH_SIZE = 64
CORRUPTIONS = ("noise", "mask")  # nes2.tasks.restoration.CORRUPTIONS, without importing Keras
LABELS = {"noise": "šum", "mask": "skrytý čtverec"}
"""The corruptions' Czech names, as the figures and pages show them."""


class Restoration(Recipe):
    name = "restoration"
    summary = "encoder-decoder: remove noise from digits (or fill in a hidden square)"
    options = (
        Option("corruption", "noise", CORRUPTIONS, help="Gaussian noise, or a hidden square"),
    )
    epochs: ClassVar[dict] = {"quick": 6, "full": 20}
    run_option = "corruption"

    batch_size = BATCH_SIZE

    def data(self, spec):
        import numpy as np

        from nes2.data import arrays
        from nes2.tasks import restoration

        digits = arrays.mnist(spec.profile, seed=spec.seed)
        clean_train = (digits.x_train[..., None] / 255).astype("float32")
        clean_test = (digits.x_test[..., None] / 255).astype("float32")
        kind, rng = spec.options["corruption"], np.random.default_rng
        return Data(
            digits.source,
            {"train": len(clean_train), "test": len(clean_test)},
            train=(restoration.corrupt(clean_train, kind, rng(spec.seed)), clean_train),
            test=(restoration.corrupt(clean_test, kind, rng(spec.seed + 1)), clean_test),
        )

    def build(self, data, spec):
        from nes2.tasks import restoration

        model = restoration.autoencoder(data.train[1].shape[1:])
        model.compile("adam", "binary_crossentropy")
        return model

    def evaluate(self, model, data, spec, history):
        from nes2.tasks import restoration

        damaged, clean = data.test
        restored = model.predict(damaged, verbose=0)
        before = float(restoration.psnr(clean, damaged).mean())
        after = float(restoration.psnr(clean, restored).mean())
        return {"psnr_damaged": before, "psnr_restored": after, "gain_db": after - before}

    def figures(self, run, count: int = 8):
        import numpy as np

        from nes2 import viz

        damaged, clean = run.data.test
        restored = run.model.predict(damaged[:count], verbose=0)
        rows = {"čistá": clean, "poškozená": damaged, "obnovená": restored}
        images = np.concatenate([np.asarray(v[:count]) for v in rows.values()])
        captions = [name for name in rows for _ in range(count)]
        title = f"Obnova číslic, {LABELS[run.options['corruption']]} ({self.label(run)})"
        return {"restored": viz.image_grid(images, captions, ncols=count, title=title)}
