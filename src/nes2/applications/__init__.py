"""`keras.applications` for the course: the model catalog and transfer learning.

`catalog` knows every model family (constructor, preprocessing, input size,
published accuracy); `transfer` builds on it (a frozen base with a new head,
fine-tuning, features computed once). Both are importable from here.

Examples:
    >>> spec("VGG16").input_size
    224
"""

from nes2.applications.catalog import (
    REGISTRY,
    ModelSpec,
    UnknownModelError,
    WeightsNotFoundError,
    base_model,
    count,
    spec,
    table,
)
from nes2.applications.transfer import (
    ApplicationPreprocessing,
    attach_head,
    extract_features,
    feature_classifier,
    feature_extractor,
    fine_tune,
    preprocessing,
    transfer_model,
)

__all__ = [
    "REGISTRY",
    "ApplicationPreprocessing",
    "ModelSpec",
    "UnknownModelError",
    "WeightsNotFoundError",
    "attach_head",
    "base_model",
    "count",
    "extract_features",
    "feature_classifier",
    "feature_extractor",
    "fine_tune",
    "preprocessing",
    "spec",
    "table",
    "transfer_model",
]
