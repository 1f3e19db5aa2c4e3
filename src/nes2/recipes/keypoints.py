"""Recipe `keypoints`: two keypoints of a digit (the top and the bottom of its ink) as heat maps.

Pose estimation finds joints; the network does not regress their
coordinates but outputs one heat map per keypoint, whose maximum marks it
(`nes2.tasks.pose`). MNIST digits padded to 32 x 32; the targets are found in
the ink itself. Metrics: the mean distance of a predicted keypoint from the
true one, and the share within 2 px.

Examples:
    ```python
    from nes2 import recipes

    run = recipes.train("keypoints", "quick")
    run.metrics["within_2px"]
    run.figure("keypoints")
    ```
"""

from __future__ import annotations

from typing import ClassVar

from nes2.recipes.base import Data, Recipe

SIZE = 32
BATCH_SIZE = 32


class Keypoints(Recipe):
    name = "keypoints"
    summary = "pose estimation in miniature: keypoints of a digit as heat maps"
    epochs: ClassVar[dict] = {"quick": 6, "full": 20}

    batch_size = BATCH_SIZE

    def data(self, spec):
        import numpy as np

        from nes2.data import arrays
        from nes2.tasks import pose

        digits = arrays.mnist(spec.profile, seed=spec.seed)
        pad = ((0, 0), (2, 2), (2, 2))
        x_train = np.pad(digits.x_train, pad)[..., None]
        x_test = np.pad(digits.x_test, pad)[..., None]
        return Data(
            digits.source,
            {"train": len(x_train), "test": len(x_test)},
            # the target: a Gaussian peak at each keypoint; the test keeps the points themselves
            train=(x_train, pose.heatmaps(pose.keypoints(x_train), SIZE)),
            test=(x_test, pose.keypoints(x_test)),
        )

    def build(self, data, spec):
        from nes2.tasks import pose

        return pose.heatmap_model((SIZE, SIZE, 1), len(pose.KEYPOINTS))

    def evaluate(self, model, data, spec, history):
        import numpy as np

        images, points = data.test
        error = np.linalg.norm(predict_points(model, images) - points, axis=-1)
        return {"mean_error_px": float(error.mean()), "within_2px": float(np.mean(error <= 2))}

    def figures(self, run, count: int = 8):
        import numpy as np

        from nes2 import viz
        from nes2.tasks import pose

        images = run.data.test[0][:count]
        predicted = predict_points(run.model, images)
        marks = [np.concatenate([p - 1, p + 1], axis=-1)[:, [1, 0, 3, 2]] for p in predicted]
        return {
            "keypoints": viz.box_grid(
                images,
                boxes=marks,
                labels=[[0, 1]] * count,
                class_names=pose.KEYPOINTS,
                ncols=count,
                title=f"Předpovězené klíčové body\n({self.label(run)})",
            )
        }


def predict_points(model, images):
    """The keypoints that `model` finds in `images`, `(n, keypoints, 2)` as (row, column)."""
    from nes2.tasks import pose

    return pose.decode(model.predict(images, verbose=0))
