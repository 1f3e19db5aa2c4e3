"""Models: small convnets (`convnets`), classic architectures (`architectures`),
separable convolutions (`separable`) and ensembles (`ensemble`).

The small convnets of the lecture are importable from `nes2.models` itself.

Examples:
    ```python
    from nes2 import models
    from nes2.models import architectures, ensemble

    model = models.cats_vs_dogs_model("augmented", (64, 64))
    lenet = architectures.lenet5()
    ```
"""

from nes2.models.convnets import (
    VARIANTS,
    augmentation,
    cats_vs_dogs_model,
    conv1d_classifier,
    conv3d_classifier,
    small_convnet,
)

__all__ = [
    "VARIANTS",
    "augmentation",
    "cats_vs_dogs_model",
    "conv1d_classifier",
    "conv3d_classifier",
    "small_convnet",
]
