"""Object detection with KerasCV (YOLOv8, RetinaNet) and KerasHub (RetinaNet).

`detector(model, num_classes, ...)` builds a compiled detector from
constructor arguments, which works offline; `from_preset(...)` offers
pretrained detectors to online users (presets are fetched from Kaggle at run
time) and fails with a clear error offline.

KerasCV 0.9 is the last release (its models moved to KerasHub) and is pinned;
what works under Keras 3 here: `YOLOV8Detector` and `RetinaNet` (KerasCV's
legacy Faster R-CNN does not train under Keras 3). KerasHub 0.32 has
`RetinaNetObjectDetector` (no YOLOv8, no Faster R-CNN).

Data is a dict `{"images": (n, h, w, 3) float 0-255, "boxes": (n, k, 4),
"classes": (n, k)}` with boxes in `BOX_FORMAT` pixels, padded with -1
(`nes2.data.digit_canvas.Canvases.padded()`).

Examples:
    ```python
    from nes2.tasks import detection
    model = detection.detector("yolov8", num_classes=10, input_shape=(96, 96, 3))
    model.fit(images, {"boxes": boxes, "classes": classes}, epochs=10)
    detection.mean_average_precision(model, test_images, test_boxes, test_classes)
    ```
"""

from __future__ import annotations

import numpy as np

from nes2.errors import DownloadError, InvalidOptionError

BOX_FORMAT = "xyxy"
MODELS = ("yolov8", "retinanet")
LEARNING_RATES = {"yolov8": 3e-3, "retinanet": 1e-3}
"""Adam's default learning rate per model (measured on the digit canvases)."""
LIBRARIES = ("keras-cv", "keras-hub")
YOLOV8_XS = {"stackwise_channels": [32, 64, 128, 256], "stackwise_depth": [1, 2, 2, 1]}
"""The `yolo_v8_xs` backbone of KerasCV's presets, built from its arguments."""
SMALL_ANCHORS = (16.0, 32.0, 64.0, 128.0, 256.0)
"""RetinaNet anchor sizes for levels P3-P7: half of KerasCV's defaults, for digits of 15-45 px."""
PHOTO_ANCHORS = (32.0, 64.0, 128.0, 256.0, 512.0)
"""KerasCV's default RetinaNet anchor sizes (P3-P7), for objects in photographs."""


def _require(library: str):
    if library not in LIBRARIES:
        raise InvalidOptionError(f"library must be one of {LIBRARIES}, not {library!r}.")
    try:
        if library == "keras-cv":
            import keras_cv

            return keras_cv
        import keras_hub

        return keras_hub
    except ImportError as exc:
        raise InvalidOptionError(
            f"{library} is not installed: pip install 'nes2[cv]' (KerasCV 0.9.0, KerasHub)."
        ) from exc


def _yolov8(num_classes, input_shape, learning_rate):
    import keras
    import keras_cv

    backbone = keras_cv.models.YOLOV8Backbone(
        **YOLOV8_XS, activation="swish", include_rescaling=True, input_shape=input_shape
    )
    model = keras_cv.models.YOLOV8Detector(
        num_classes=num_classes, bounding_box_format=BOX_FORMAT, backbone=backbone, fpn_depth=1
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=10.0),
        classification_loss="binary_crossentropy",
        box_loss="ciou",
    )
    return model


def _retinanet_keras_cv(num_classes, input_shape, learning_rate, anchor_sizes):
    import keras
    import keras_cv

    backbone = keras_cv.models.ResNetBackbone(
        stackwise_filters=[64, 128, 256, 512],
        stackwise_blocks=[2, 2, 2, 2],
        stackwise_strides=[1, 2, 2, 2],
        block_type="basic_block",
        include_rescaling=True,
        input_shape=input_shape,
    )
    anchors = keras_cv.layers.AnchorGenerator(
        bounding_box_format=BOX_FORMAT,
        sizes=list(anchor_sizes),
        aspect_ratios=[0.5, 1.0, 2.0],
        scales=[2**x for x in (0, 1 / 3, 2 / 3)],
        strides=[2**i for i in range(3, 8)],
        clip_boxes=True,
    )
    model = keras_cv.models.RetinaNet(
        num_classes=num_classes,
        bounding_box_format=BOX_FORMAT,
        backbone=backbone,
        anchor_generator=anchors,
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=10.0),
        classification_loss="focal",
        box_loss="smoothl1",
    )
    return model


def _retinanet_keras_hub(num_classes, input_shape, learning_rate, anchor_sizes):
    import keras
    import keras_hub

    encoder = keras_hub.models.ResNetBackbone(
        input_conv_filters=[64],
        input_conv_kernel_sizes=[7],
        stackwise_num_filters=[64, 128, 256, 512],
        stackwise_num_blocks=[2, 2, 2, 2],
        stackwise_num_strides=[1, 2, 2, 2],
        block_type="basic_block",
        image_shape=input_shape,
    )
    backbone = keras_hub.models.RetinaNetBackbone(
        image_encoder=encoder, min_level=3, max_level=7, use_p5=False, image_shape=input_shape
    )
    converter = keras_hub.layers.RetinaNetImageConverter(
        image_size=input_shape[:2], scale=1 / 255.0
    )
    anchors = keras_hub.layers.AnchorGenerator(
        BOX_FORMAT,
        min_level=3,
        max_level=7,
        num_scales=3,
        aspect_ratios=[0.5, 1.0, 2.0],
        anchor_size=anchor_sizes[0] / 8,  # KerasHub sizes anchors as a multiple of the stride
    )
    model = keras_hub.models.RetinaNetObjectDetector(
        backbone=backbone,
        num_classes=num_classes,
        bounding_box_format=BOX_FORMAT,
        anchor_generator=anchors,
        preprocessor=keras_hub.models.RetinaNetObjectDetectorPreprocessor(
            image_converter=converter
        ),
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate, global_clipnorm=10.0))
    return model


def detector(
    model: str = "yolov8",
    num_classes: int = 10,
    input_shape=(96, 96, 3),
    library: str = "keras-cv",
    learning_rate=None,
    anchor_sizes=SMALL_ANCHORS,
):
    """A compiled detector built from constructor arguments (no download).

    Args:
        model: `"yolov8"` (KerasCV only) or `"retinanet"`.
        num_classes: the object classes (without background).
        input_shape: `(height, width, 3)`, pixels 0-255.
        library: `"keras-cv"` or `"keras-hub"` (RetinaNet only).
        learning_rate: Adam's learning rate, a number or a schedule
            (default: `LEARNING_RATES[model]`).
        anchor_sizes: RetinaNet's anchor sizes on P3-P7 (KerasHub uses the first).

    Returns:
        A compiled model whose `fit` takes `{"boxes", "classes"}` labels
        (`labels_for(model, ...)` adapts them for KerasHub) and whose
        `predict` returns boxes, confidences and classes after non-max suppression.

    Examples:
        ```python
        model = detector("retinanet", 10, library="keras-hub")
        ```
    """
    if model not in MODELS:
        raise InvalidOptionError(f"model must be one of {MODELS}, not {model!r}.")
    _require(library)
    learning_rate = learning_rate or LEARNING_RATES[model]
    if model == "yolov8":
        if library != "keras-cv":
            raise InvalidOptionError(
                "YOLOv8 is in KerasCV only (KerasHub 0.32 has none): use library='keras-cv'."
            )
        return _yolov8(num_classes, tuple(input_shape), learning_rate)
    build = _retinanet_keras_cv if library == "keras-cv" else _retinanet_keras_hub
    return build(num_classes, tuple(input_shape), learning_rate, anchor_sizes)


def _is_keras_hub(model) -> bool:
    return type(model).__module__.startswith("keras_hub")


def labels_for(model, boxes, classes) -> dict:
    """The label dict a detector's `fit` expects: KerasCV `classes`, KerasHub `labels`.

    Examples:
        >>> class HubModel: __module__ = "keras_hub.src.models.retinanet"
        >>> sorted(labels_for(HubModel(), [[[0, 0, 1, 1]]], [[1]]))
        ['boxes', 'labels']
    """
    return {"boxes": np.asarray(boxes, "float32"), label_key(model): np.asarray(classes, "float32")}


def label_key(model) -> str:
    """The key of the classes in `fit` labels of `model`: `classes`, or KerasHub's `labels`."""
    return "labels" if _is_keras_hub(model) else "classes"


def from_preset(preset: str = "yolo_v8_m_pascalvoc", library: str = "keras-cv", **kwargs):
    """A pretrained detector from a KerasCV or KerasHub preset (online only).

    Presets are fetched from Kaggle at run time; offline this fails fast
    with a `DownloadError` that says so.

    Examples:
        ```python
        model = from_preset("yolo_v8_m_pascalvoc", bounding_box_format="xyxy")
        ```
    """
    module = _require(library)
    cls = (
        module.models.YOLOV8Detector
        if library == "keras-cv"
        else module.models.RetinaNetObjectDetector
    )
    try:
        return cls.from_preset(preset, **kwargs)
    except (OSError, ConnectionError, ValueError) as exc:
        raise DownloadError(
            f"Could not load the {library} preset {preset!r}: presets are downloaded from "
            f"Kaggle at run time ({exc.__class__.__name__}: {exc}). Online, check the name; "
            "offline, build the detector with detector(...) and train it."
        ) from exc


def predict(model, images, batch_size: int = 16) -> list[dict]:
    """Detections per image: `{"boxes" (k, 4) xyxy, "scores" (k,), "classes" (k,)}`.

    A detector with its own decoding (`nes2.tasks.ssd.SingleShotDetector.detect`)
    decodes itself.

    Examples:
        ```python
        detections = predict(model, test_images[:8])
        ```
    """
    images = np.asarray(images, "float32")
    if hasattr(model, "detect"):
        return model.detect(images)
    if _is_keras_hub(model):
        # KerasHub's non-max suppression needs a known batch size, which a traced
        # predict step does not have: decode eagerly, batch by batch.
        parts = [
            model.decode_predictions(model(images[i : i + batch_size]), images[i : i + batch_size])
            for i in range(0, len(images), batch_size)
        ]
        raw = {k: np.concatenate([np.asarray(p[k]) for p in parts]) for k in parts[0]}
    else:
        raw = model.predict(images, batch_size=batch_size, verbose=0)
    scores = raw.get("confidence", raw.get("scores"))
    classes = raw.get("classes", raw.get("labels"))
    out = []
    for i in range(len(images)):
        keep = (np.asarray(classes[i]) >= 0) & np.isfinite(np.asarray(raw["boxes"][i])).all(axis=-1)
        if "num_detections" in raw:
            keep &= np.arange(len(keep)) < int(raw["num_detections"][i])
        out.append(
            {
                "boxes": np.asarray(raw["boxes"][i])[keep],
                "scores": np.asarray(scores[i])[keep],
                "classes": np.asarray(classes[i])[keep].astype(int),
            }
        )
    return out


def _padded(rows: list[dict], keys: dict[str, str], width: int | None = None) -> dict:
    """Per-image arrays (key -> (k, ...)) stacked into one dict padded with -1 (scores 0)."""
    width = width or max(1, max(len(r["boxes"]) for r in rows))
    out = {}
    for key, source in keys.items():
        shape = (len(rows), width, 4) if key == "boxes" else (len(rows), width)
        out[key] = np.full(shape, 0.0 if key == "confidence" else -1.0, "float32")
        for i, row in enumerate(rows):
            values = np.asarray(row[source])[:width]
            out[key][i, : len(values)] = values
    return out


def _batches(images, boxes, classes, batch_size):
    if boxes is not None:
        for i in range(0, len(images), batch_size):
            end = i + batch_size
            yield images[i:end], boxes[i:end], classes[i:end]
        return
    for batch_images, labels in images:  # a tf.data.Dataset of (images, labels) batches
        yield batch_images.numpy(), labels["boxes"].numpy(), labels["classes"].numpy()


def mean_average_precision(model, images, boxes=None, classes=None, batch_size: int = 16) -> dict:
    """COCO mAP (IoU 0.5:0.95) and mAP@0.5 with KerasCV's `BoxCOCOMetrics` (needs pycocotools).

    Args:
        model: a detector from `detector`.
        images: `(n, h, w, 3)` images, or a `tf.data.Dataset` of batches
            `(images, {"boxes", "classes"})` (then leave `boxes` and `classes` out).
        boxes, classes: the true boxes and classes, padded with -1.
        batch_size: images per prediction step (arrays only).

    Returns:
        `{"map": ..., "map50": ...}`.

    Examples:
        ```python
        mean_average_precision(model, test["images"], test["boxes"], test["classes"])
        mean_average_precision(model, test_dataset)
        ```
    """
    found, truth = [], []
    for batch_images, batch_boxes, batch_classes in _batches(images, boxes, classes, batch_size):
        found += predict(model, batch_images, batch_size)
        truth += [
            {"boxes": b, "classes": c} for b, c in zip(batch_boxes, batch_classes, strict=True)
        ]
    return average_precision(found, truth)


def average_precision(found: list[dict], truth: list[dict]) -> dict:
    """COCO mAP and mAP@0.5 of detections made any way (a detector, a sliding window).

    Args:
        found: per image `{"boxes" (k, 4) xyxy, "scores" (k,), "classes" (k,)}`,
            as `predict` returns.
        truth: per image `{"boxes", "classes"}` (padding with -1 is ignored).

    Returns:
        `{"map": ..., "map50": ...}` from KerasCV's `BoxCOCOMetrics` (pycocotools).
    """
    import keras_cv

    metric = keras_cv.metrics.BoxCOCOMetrics(bounding_box_format=BOX_FORMAT, evaluate_freq=1)
    predicted = _padded(found, {"boxes": "boxes", "classes": "classes", "confidence": "scores"})
    metric.update_state(_padded(truth, {"boxes": "boxes", "classes": "classes"}), predicted)
    result = metric.result(force=True)
    return {
        "map": round(float(result["MaP"]), 4),
        "map50": round(float(result["MaP@[IoU=50]"]), 4),
    }
