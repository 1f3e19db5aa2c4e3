"""Recipe `text`: the sentiment of reviews by 1D convolution over word embeddings.

Each review is a sequence of word indices; an `Embedding` makes it a matrix
with one learned row per word, and a `Conv1D` slides filters three words wide
down it (`nes2.models.convnets.text_classifier`). `--model bag` averages the
rows instead, forgetting the order of the words: the comparison shows what the
convolution's view of neighbouring words adds. Data: IMDB (`keras.datasets`)
in the full profile, generated reviews in the quick one (`nes2.data.text`),
where "not" turns an opinion around. Metric: accuracy on the test reviews.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("text", "quick", model="conv1d")
    run.metrics["test_accuracy"]
    run.figure("embedding")
    ```
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from nes2.recipes.base import Data, Option, Recipe

BATCH_SIZE = 64
GENERATED_REVIEWS = 4000
MODELS = ("conv1d", "bag")  # nes2.models.convnets.text_classifier's kinds, without importing Keras


@dataclasses.dataclass(kw_only=True)
class ReviewData(Data):
    """`Data` of the reviews, with `reviews` (its vocabulary decodes them back to words)."""

    reviews: object


class Text(Recipe):
    name = "text"
    summary = "sentiment of reviews: Conv1D over word embeddings (or a bag of words)"
    options = (
        Option("model", "conv1d", MODELS, help="1D convolution, or the average of the words"),
        Option(
            "data",
            "generated",
            ("generated", "imdb"),
            help="generated reviews, or IMDB (keras.datasets)",
            by_profile={"full": "imdb"},
        ),
    )
    epochs: ClassVar[dict] = {"quick": 8, "full": 10}
    run_option = "model"

    batch_size = BATCH_SIZE

    def data(self, spec):
        from nes2.data import text

        if spec.options["data"] == "imdb":
            reviews = text.imdb(spec.profile)
        else:
            reviews = text.generated(GENERATED_REVIEWS, seed=spec.seed)
        return ReviewData(
            reviews.source,
            {"train": len(reviews.x_train), "test": len(reviews.x_test)},
            train=(reviews.x_train, reviews.y_train),
            test=(reviews.x_test, reviews.y_test),
            reviews=reviews,
        )

    def build(self, data, spec):
        from nes2.models import convnets

        return convnets.text_classifier(
            len(data.reviews.words), data.train[0].shape[1], kind=spec.options["model"]
        )

    def evaluate(self, model, data, spec, history):
        loss, accuracy = model.evaluate(*data.test, verbose=0)
        return {"test_loss": float(loss), "test_accuracy": float(accuracy)}

    def figures(self, run):
        from nes2 import explain, viz

        first = run.data.test[0][:1]
        words = run.data.reviews.decode(first[0])
        matrix = explain.activations(run.model, first, ["embedding"])["embedding"][0]
        return {
            "embedding": viz.embedding_matrix(
                matrix[: len(words)],
                words,
                title=f"Recenze jako matice: řádek = slovo\n({self.label(run)})",
            )
        }
