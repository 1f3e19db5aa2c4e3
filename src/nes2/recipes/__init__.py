"""`nes2 train` recipes: each builds its data and model, trains, evaluates and
writes `metrics.json` and its plots into an output folder.

Examples:
    ```python
    from nes2.recipes import cats_vs_dogs
    result = cats_vs_dogs.run("augmented", source="synthetic", out="runs/augmented")
    result.metrics["val_accuracy"]
    ```
"""

RECIPES = ("cats-vs-dogs", "digit-tilt", "localization", "detection", "segmentation")
RECIPE_CHOICES = {
    "target": ("sincos", "angle"),
    "detection": ("yolov8", "retinanet"),
    "library": ("keras-cv", "keras-hub"),
    "segmentation": ("unet", "segnet", "deeplabv3plus", "segformer", "deeplabv3-hub"),
}
"""Choices of the recipes' options, importable without TensorFlow (for `nes2 --help`)."""
