"""Recipe `generation`: a convolutional variational autoencoder that draws new MNIST digits.

The VAE (`nes2.tasks.generation`) is trained on real MNIST digits alone (no
labels). It is then judged by a classifier of real digits, the *judge*: of
1,000 digits decoded from random latent points, the share it labels with
confidence ≥ 0.9, the classes it sees, and the Fréchet distance of its
features to those of 1,000 real test digits, beside the same distance for
pixel noise with the digits' mean and spread per pixel (a generator that
cannot be good) and for 1,000 real training digits (the best a generator can
reach).

Every run is judged by one judge (`judge_model`): trained once, with the
course's seed, on the training digits that no run is judged against, stored
in the cache and loaded by every later run, so that the distances of runs
with other latent sizes or seeds lie in one feature space. The split of the
digits is the course's; a run's seed changes the VAE, not its data.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("generation", "quick", latent_dim=16)
    run.metrics["frechet_distance"], run.metrics["frechet_noise"]
    run.figure("generated")
    ```
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from nes2.errors import InvalidOptionError
from nes2.recipes.base import Data, Option, Recipe

GENERATED = 1000
"""Digits generated for the judge (and reference digits drawn from each real split)."""
JUDGE_EPOCHS = 5


def judge_model(images, labels):
    """The judge of every generation run: a digit classifier trained once and stored.

    Its key is the digits it learns from and the training code, so every run
    that judges with the same digits loads the same model from the cache
    (`NES2_HOME/judges/`, written atomically) and its features are one space.

    Args:
        images: `(n, 28, 28, 1)` digits, 0-255.
        labels: `(n,)` their classes.
    """
    import keras
    import numpy as np

    from nes2 import config, keys
    from nes2.io import atomic_file
    from nes2.models import convnets
    from nes2.recipes import store

    images, labels = np.asarray(images, "float32"), np.asarray(labels, "int64")
    key = keys.digest(
        images.tobytes(), labels.tobytes(), f"{JUDGE_EPOCHS}", store.training_digest()
    )
    path = config.cache_dir() / "judges" / f"mnist-{key}.keras"
    if path.is_file():
        return keras.models.load_model(path)
    config.seed_everything(config.DEFAULT_SEED, deterministic=False)
    judge = convnets.small_convnet(
        images.shape[1:], filters=(32, 64), dense_units=64, num_classes=10, name="judge"
    )
    judge.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    judge.fit(images, labels, epochs=JUDGE_EPOCHS, batch_size=64, verbose=0)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path) as tmp:
        judge.save(tmp)
    return judge


@dataclasses.dataclass(kw_only=True)
class DigitData(Data):
    """`Data` of the generative model: digits alone to learn from, and their `labels`."""

    labels: object


class Generation(Recipe):
    name = "generation"
    summary = "variational autoencoder: new digits from random latent points"
    options = (
        Option("latent_dim", 16, type=int, help="size of the latent space (2: the latent plane)"),
    )
    epochs: ClassVar[dict] = {"quick": 12, "full": 30}
    run_option = "latent_dim"
    batch_size = 64

    def check(self, options, given):
        size = options["latent_dim"]
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise InvalidOptionError(
                f"generation --latent-dim {size!r}: use a positive whole number "
                "(2 draws the latent plane, 16 gives sharper digits)."
            )

    def data(self, spec):
        from nes2.data import arrays

        digits = arrays.mnist(spec.profile)  # one split for every seed: one judge for all runs
        train = (digits.x_train[..., None] / 255).astype("float32")
        test = (digits.x_test[..., None] / 255).astype("float32")
        return DigitData(
            digits.source,
            {"train": len(train), "test": len(test)},
            train=train,
            test=(test, digits.y_test),
            labels=digits.y_train,
        )

    def build(self, data, spec):
        from nes2.tasks import generation

        model = generation.VAE(spec.options["latent_dim"], data.train.shape[1:], seed=spec.seed)
        model.compile("adam")
        model.build((None, *data.train.shape[1:]))  # so that stored weights can be loaded
        return model

    def evaluate(self, model, data, spec, history):
        import numpy as np

        from nes2.tasks import generation

        # the first `judged` training digits are judged as real ones; the judge learns from the
        # rest (GENERATED of the 4,000; half of a smoke run's few)
        judged = min(GENERATED, len(data.train) // 2)
        judge = judge_model(data.train[judged:] * 255, data.labels[judged : len(data.train)])
        test, labels = data.test
        reference = test[:GENERATED] * 255
        rng = np.random.default_rng(spec.seed)
        noise = rng.normal(data.train.mean(0), data.train.std(0), (GENERATED, *test.shape[1:]))
        candidates = {
            "generated": model.generate(GENERATED, spec.seed),
            "noise": np.clip(noise, 0, 1),
            "real": data.train[:judged],
        }
        verdicts = generation.judge(judge, {k: v * 255 for k, v in candidates.items()}, reference)
        generated, baseline, real = (verdicts[k] for k in candidates)
        return {
            **generated,
            "frechet_noise": baseline["frechet_distance"],
            "frechet_real": real["frechet_distance"],
            "confident_real": real["confident_share"],
            "judge_accuracy": float(judge.evaluate(test * 255, labels, verbose=0)[1]),
            "reconstruction_loss": history["reconstruction_loss"][-1],
            "kl_loss": history["kl_loss"][-1],
        }

    def figures(self, run, count: int = 10):
        import numpy as np

        from nes2 import viz
        from nes2.tasks import generation

        model, (test, labels) = run.model, run.data.test
        label = self.label(run)
        reconstructed = generation.decode(model, model.encoder(test[:count])[0])
        first, second = test[0], test[np.flatnonzero(labels != labels[0])[0]]
        figures = {
            "curves": viz.plot_history(
                run.history,
                metrics=["reconstruction_loss", "kl_loss"],
                title=f"Ztráta VAE po epochách ({label})",
            ),
            "reconstructions": viz.image_grid(
                np.concatenate([test[:count], reconstructed]),
                ["testovací"] * count + ["rekonstrukce"] * count,
                ncols=count,
                title=f"Testovací číslice a jejich rekonstrukce ({label})",
            ),
            "generated": viz.image_grid(
                model.generate(40, run.seed),
                ncols=count,
                title=f"Nové číslice z náhodných bodů latentního prostoru ({label})",
            ),
            "interpolation": viz.image_grid(
                generation.interpolate(model, first, second, steps=count),
                ncols=count,
                title=f"Přímka v latentním prostoru mezi dvěma testovacími číslicemi ({label})",
            ),
        }
        if model.latent_dim == 2:
            figures["latent_plane"] = viz.image_grid(
                generation.latent_grid(model, size=12),
                ncols=12,
                title=f"Latentní rovina: z₁ zleva doprava, z₂ shora dolů od 2,5 do −2,5 ({label})",
            )
        return figures
