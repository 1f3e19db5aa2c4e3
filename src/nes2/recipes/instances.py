"""Recipe `instances`: two touching digits of one class, each with its own mask.

Every 48 x 48 canvas holds two real MNIST digits of the same class whose ink
touches (`nes2.data.digit_canvas.touching_digits`), so that a semantic mask
sees one region. A U-Net with three heads (`nes2.tasks.instances`) predicts
which pixels are ink, a heat map of the digits' centres and, for every pixel,
the offset to its digit's centre; the decoded objects are measured by COCO
mask AP through pycocotools, against the baseline of semantic segmentation
alone (the connected regions of the predicted ink). The digits' classes are
left to the semantic segmentation (the `segmentation` recipe): here every
object is one class, "digit".

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("instances", "quick")
    run.metrics["mask_ap50"], run.metrics["components_ap50"]
    run.figure("instances")
    ```
"""

from __future__ import annotations

import dataclasses
from typing import ClassVar

from nes2.recipes.base import Data, Recipe

CANVAS = 48
CANVASES = {"quick": 2000, "full": 20000}
TEST_CANVASES = {"quick": 300, "full": 2000}
BATCH_SIZE = 32
WIDTH = 8
SHOWN = 4


@dataclasses.dataclass(kw_only=True)
class CanvasData(Data):
    """`Data` of the instances, with the test canvases (`digit_canvas.Canvases`) as drawn."""

    canvases_test: object


class Instances(Recipe):
    name = "instances"
    summary = "instance segmentation: touching digits of one class, a mask each (mask AP)"
    epochs: ClassVar[dict] = {"quick": 6, "full": 20}

    batch_size = BATCH_SIZE

    def data(self, spec):
        from nes2.data import arrays, digit_canvas
        from nes2.tasks import instances

        instances.require_pycocotools()  # before training, not after it
        profile, seed = spec.profile, spec.seed
        digits = arrays.mnist(profile, seed=seed)
        train = digit_canvas.touching_digits(
            digits.x_train, digits.y_train, CANVASES[profile], size=CANVAS, seed=seed
        )
        test = digit_canvas.touching_digits(
            digits.x_test, digits.y_test, TEST_CANVASES[profile], size=CANVAS, seed=seed + 1
        )
        return CanvasData(
            digits.source,
            {"train": len(train.images), "test": len(test.images)},
            train=(
                train.images.astype("float32"),
                instances.targets(train.instances, train.masks > 0),
            ),
            test=(
                test.images.astype("float32"),
                instances.true_objects(test.instances, test.masks > 0),
            ),
            canvases_test=test,
        )

    def build(self, data, spec):
        from nes2.tasks import instances

        return instances.model((CANVAS, CANVAS, 1), num_classes=2, width=WIDTH)

    def evaluate(self, model, data, spec, history):
        import numpy as np

        from nes2.tasks import instances

        images, truth = data.test
        outputs = model.predict(images, verbose=0)
        found = instances.decode(outputs)
        regions = instances.connected_components(outputs["classes"].argmax(axis=-1))
        ap = instances.mask_average_precision(found, truth)
        baseline = instances.mask_average_precision(regions, truth)
        return {
            "params": model.count_params(),
            "mask_ap50": ap["map50"],
            "mask_ap": ap["map"],
            "components_ap50": baseline["map50"],
            "ap50_over_components": ap["map50"] - baseline["map50"],
            "objects_per_canvas": float(np.mean([len(f["masks"]) for f in found])),
        }

    def figures(self, run):
        import numpy as np

        from nes2 import viz
        from nes2.tasks import instances

        images = run.data.test[0][:SHOWN]
        outputs = run.model.predict(images, verbose=0)
        found = [instances.instance_map(f) for f in instances.decode(outputs)]
        colours = max(3, *(int(f.max()) + 1 for f in found))
        return {
            "instances": viz.mask_grid(
                images,
                run.data.canvases_test.instances[:SHOWN],
                np.stack(found),
                num_classes=colours,
                legend=False,
                title=f"Instance: barva = objekt\n({self.label(run)})",
            ),
            "heads": viz.instance_heads(
                images,
                outputs["classes"].argmax(axis=-1),
                outputs["centers"][..., 0],
                outputs["offsets"] * instances.OFFSET_SCALE,
                title=f"Co předpovídají tři hlavy sítě\n({self.label(run)})",
            ),
        }
