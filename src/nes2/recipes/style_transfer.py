"""Recipe `style-transfer`: a real photograph in the style of another image, two ways.

The content image is a real photograph shipped with scikit-image
(`skimage.data.chelsea()`, a cat); the style image is a pattern the program
draws (`nes2.tasks.style.pattern`). With `--method optimisation` the pixels of
the photo are optimised (Gatys et al.); with `--method network` a small
encoder-decoder is trained on random crops of three other shipped photos
(astronaut, coffee, rocket) and then stylises the cat, which it never saw, in
one pass (Johnson et al.). Both minimise the same losses: one pattern, one
style weight, each photo's content loss relative to that photo, and crops of
the content photo's size (`SIZE`). Epochs count gradient steps: of the image,
or of the network on one batch of crops. Both are measured by those losses on
the cat photo; `seconds_per_image` is what one more photo would cost.

The loss network is VGG19 with ImageNet weights when they are in Keras' cache
(`--weights auto`), else with random weights; `metrics.json` says which.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("style-transfer", "quick", method="optimisation")
    run.metrics["style_loss"], run.metrics["loss_network"]
    run.figure("result")
    ```
"""

from __future__ import annotations

import dataclasses
import functools
from typing import ClassVar

from nes2 import keys
from nes2.recipes.base import Data, Option, Recipe

SIZE = {"quick": 64, "full": 256}
"""The side of the content photo, of the pattern and of the network's training crops: one size,
so that both methods minimise the same losses against the same Gram matrices."""
CROPS = 512
CONTENT_PHOTO = "chelsea"
TRAINING_PHOTOS = ("astronaut", "coffee", "rocket")
WEIGHTS_FILE = keys.CACHED_WEIGHTS["vgg19_notop"]
"""The file `keras.applications.VGG19(include_top=False)` keeps in Keras' cache."""
NETWORKS = {"imagenet": "VGG19, váhy ImageNet", "random": "VGG19, náhodné váhy"}


def imagenet_weights_cached() -> bool:
    """Whether VGG19's ImageNet weights are in Keras' cache (checked without importing Keras)."""
    from nes2.data.download import keras_home

    return (keras_home() / "models" / WEIGHTS_FILE).is_file()


@functools.cache
def _loss_network(weights: str):
    from nes2.tasks import style

    return style.loss_network("imagenet" if weights == "imagenet" else None)


def _image_model(shape):
    """A model whose only weight is the image the optimisation changes (stored like a run)."""
    import keras

    from nes2.layers import ImageVariable

    inputs = keras.Input(shape, name="content")
    return keras.Model(inputs, ImageVariable(shape, name="image")(inputs), name="optimised_image")


@dataclasses.dataclass(kw_only=True)
class StyleData(Data):
    """`Data` of a style transfer: the `style` image (`train`: crops, `test`: the content)."""

    style: object


class StyleTransfer(Recipe):
    name = "style-transfer"
    summary = "style transfer: optimise a photo's pixels, or train a network that stylises at once"
    options = (
        Option("method", "optimisation", ("optimisation", "network"), help="Gatys, or Johnson"),
        Option(
            "weights",
            "auto",
            ("auto", "imagenet", "random"),
            help="the loss network's weights (auto: ImageNet if Keras has them cached)",
        ),
    )
    epochs: ClassVar[dict] = {
        "quick": {"optimisation": 80, "network": 200},
        "full": {"optimisation": 400, "network": 4000},
    }
    epochs_by = "method"
    run_option = "method"
    batch_size = 4
    epoch_unit = "kroků"

    def resolve(self, options=None, profile=None):
        resolved = super().resolve(options, profile)
        if resolved["weights"] == "auto":  # the key of a run names the network it used
            resolved["weights"] = "imagenet" if imagenet_weights_cached() else "random"
        return resolved

    def data(self, spec):
        from skimage import data as photos

        from nes2.tasks import style

        size = SIZE[spec.profile]
        content = style.as_rgb(getattr(photos, CONTENT_PHOTO)(), size, role="content image")
        training = [style.as_rgb(getattr(photos, n)(), 2 * size) for n in TRAINING_PHOTOS]
        crops = style.random_crops(training, size, CROPS, seed=spec.seed)
        return StyleData(
            "fotografie ze scikit-image, vygenerovaný vzor",
            {"content": 1, "training_crops": len(crops)},
            train=crops,
            test=content[None],
            style=style.pattern(size, seed=spec.seed),
        )

    def build(self, data, spec):
        from nes2.tasks import style

        if spec.options["method"] == "optimisation":
            return _image_model(data.test.shape[1:])
        return style.stylizer()

    def losses(self, data, spec):
        """The `StyleLosses` of the run's style image on its loss network."""
        from nes2.tasks import style

        return style.StyleLosses(_loss_network(spec.options["weights"]), data.style)

    def fit(self, model, data, spec):
        from nes2.tasks import style

        losses = self.losses(data, spec)
        if spec.options["method"] == "optimisation":
            import time

            image = model.get_layer("image").image
            start = time.perf_counter()  # one image's cost: the steps, not the loss network
            history = style.optimise(losses, data.test[0], steps=spec.epochs, image=image)[1]
            return history | {"seconds_per_image": [time.perf_counter() - start]}
        # the optimisation's own losses: the same pattern, weights and per-image normalisation
        return style.train_stylizer(
            model, losses, data.train, spec.epochs, self.batch_size, seed=spec.seed
        )

    def stylised(self, model, data, spec):
        """The stylised content photo `(h, w, 3)`."""
        return model.predict_on_batch(data.test)[0]

    def evaluate(self, model, data, spec, history):
        from nes2.tasks import style

        losses = self.losses(data, spec)
        result = self.stylised(model, data, spec)
        content, style_loss, _ = losses(result[None], data.test)
        _, untouched, _ = losses(data.test, data.test)
        per_image = (
            history["seconds_per_image"][0]
            if spec.options["method"] == "optimisation"
            else style.seconds_per_image(model, data.test[0])
        )
        return {
            "content_loss": float(content[0]),
            "style_loss": float(style_loss[0]),
            "style_loss_photo": float(untouched[0]),
            "loss_network": NETWORKS[spec.options["weights"]],
            "seconds_per_image": float(per_image),
        }

    def figures(self, run):
        import numpy as np

        from nes2 import viz
        from nes2.tasks import style

        data = run.data
        result = self.stylised(run.model, data, run.spec)
        method = {"optimisation": "optimalizace pixelů", "network": "síť v jednom průchodu"}
        features = _loss_network(run.options["weights"])(
            np.stack([data.style, data.test[0], result])
        )
        grams = style.gram_matrix(features[style.STYLE_LAYERS[1]][..., :32]).numpy()
        return {
            "result": viz.image_grid(
                np.stack([data.test[0], data.style, result]),
                ["obsah (fotografie)", "styl (vygenerovaný vzor)", "výsledek"],
                ncols=3,
                title=f"Přenos stylu: {method[run.options['method']]} (profil {run.profile})",
            ),
            "gram": viz.image_grid(
                np.sqrt(grams / grams.max(axis=(1, 2), keepdims=True)),
                ["styl", "obsah", "výsledek"],
                ncols=3,
                title=f"Gramovy matice vrstvy {style.STYLE_LAYERS[1]} (32 kanálů)",
            ),
            "curves": viz.plot_history(
                run.history,
                metrics=["content_loss", "style_loss"],
                xlabel="krok",
                title=f"Ztráty po krocích: {method[run.options['method']]} (profil {run.profile})",
            ),
        }
