"""Instance segmentation: a mask for every object, even for two touching objects of one class.

Mask R-CNN (He et al., 2017) works from the top down: a region proposal
network suggests boxes, and for each box a small head predicts the class, a
refined box and a 28 x 28 mask inside it. Two touching digits are two
proposals, so they get two masks. This module works from the bottom up, as
Panoptic-DeepLab (Cheng et al., 2020) and CenterNet (Zhou et al., 2019) do,
with one encoder-decoder and three heads at full resolution:

* `classes`: the class of every pixel (semantic segmentation, background 0);
* `centers`: a heat map that peaks at the centre of every object;
* `offsets`: for every pixel, the vector to the centre of its object.

`decode` then keeps the peaks of the heat map as objects and gives every
pixel of a digit class to the object whose centre its offset points to. The
semantic mask alone cannot split two touching 2s (they are one connected
region of "2"); the offsets point to two different centres, so they can.
Masks are measured as COCO does, by mask AP through pycocotools
(`mask_average_precision`).

Examples:
    >>> instances = np.zeros((1, 8, 8), "uint8"); instances[0, 2:6, 1:3] = 1
    >>> instances[0, 2:6, 3:5] = 2
    >>> t = targets(instances, np.where(instances > 0, 4, 0))
    >>> t["centers"].shape, t["offsets"].shape, round(float(t["centers"].max()), 2)
    ((1, 8, 8, 1), (1, 8, 8, 3), 0.94)
"""

from __future__ import annotations

import contextlib
import io

import numpy as np

from nes2.errors import InvalidOptionError

CENTER_SIGMA = 2.0
"""Standard deviation in pixels of the Gaussian around each object's centre in `centers`."""
OFFSET_SCALE = 16.0
"""Offsets are predicted in units of this many pixels (values near 1 train better)."""
LOSS_WEIGHTS = {"classes": 1.0, "centers": 1.0, "offsets": 1.0}


def targets(instances, masks, sigma: float = CENTER_SIGMA) -> dict:
    """The three heads' targets from instance masks and semantic masks.

    Args:
        instances: `(n, h, w)` instance masks, 0 background and `k` for the k-th object.
        masks: `(n, h, w)` class masks, 0 background.
        sigma: the width of the centre Gaussians.

    Returns:
        `{"classes": (n, h, w), "centers": (n, h, w, 1), "offsets": (n, h, w, 3)}`:
        the offsets hold (rows, columns) to the centre of mass of the pixel's
        object in units of `OFFSET_SCALE`, and a third channel that is 1 on
        objects (where the offset loss counts) and 0 on the background.
    """
    instances = np.asarray(instances)
    n, h, w = instances.shape
    rows, cols = np.mgrid[0:h, 0:w].astype("float32")
    centers = np.zeros((n, h, w, 1), "float32")
    offsets = np.zeros((n, h, w, 3), "float32")
    for i in range(n):
        for k in np.unique(instances[i])[1:]:
            pixels = instances[i] == k
            cy, cx = rows[pixels].mean(), cols[pixels].mean()
            gaussian = np.exp(-((rows - cy) ** 2 + (cols - cx) ** 2) / (2 * sigma**2))
            np.maximum(centers[i, ..., 0], gaussian, out=centers[i, ..., 0])
            offsets[i, pixels, 0] = (cy - rows[pixels]) / OFFSET_SCALE
            offsets[i, pixels, 1] = (cx - cols[pixels]) / OFFSET_SCALE
            offsets[i, pixels, 2] = 1.0
    return {"classes": np.asarray(masks), "centers": centers, "offsets": offsets}


def offset_loss(y_true, y_pred):
    """L1 distance of the predicted offsets, averaged over object pixels only.

    `y_true` carries the weight (1 on objects) as its third channel, see
    `targets`; the sum is divided by the object pixels plus one (an image
    without objects divides by one, not zero).

    Examples:
        >>> truth = np.zeros((1, 2, 2, 3), "float32"); truth[0, 0, 0] = [0.5, -0.5, 1]
        >>> float(offset_loss(truth, np.zeros((1, 2, 2, 2), "float32")).numpy().sum())
        0.5
    """
    import keras

    ops = keras.ops
    weight = y_true[..., 2]
    error = ops.sum(ops.abs(y_true[..., :2] - y_pred), axis=-1) * weight
    return ops.sum(error, axis=(1, 2)) / (ops.sum(weight, axis=(1, 2)) + 1.0)


def model(input_shape=(48, 48, 1), num_classes: int = 11, width: int = 16, depth: int = 3):
    """A U-Net (`nes2.tasks.segmentation.unet`) with the three heads, compiled.

    Examples:
        >>> net = model((48, 48, 1), 11)
        >>> {name: tuple(shape) for name, shape in zip(net.output_names, net.output_shape)}
        {'centers': (None, 48, 48, 1), 'classes': (None, 48, 48, 11), 'offsets': (None, 48, 48, 2)}
    """
    import keras
    from keras import layers

    from nes2.tasks import segmentation

    body = segmentation.unet(input_shape, num_classes, width=width, depth=depth, momentum=0.9)
    features = body.layers[-2].output  # the last decoder block, before the class layer
    centers = layers.Conv2D(width, 3, padding="same", activation="relu", name="center_conv")
    offsets = layers.Conv2D(width, 3, padding="same", activation="relu", name="offset_conv")
    outputs = {
        "classes": layers.Conv2D(num_classes, 1, activation="softmax", name="classes")(features),
        "centers": layers.Conv2D(1, 1, activation="sigmoid", name="centers")(centers(features)),
        "offsets": layers.Conv2D(2, 1, name="offsets")(offsets(features)),
    }
    net = keras.Model(body.input, outputs, name="instance_unet")
    net.compile(
        optimizer=keras.optimizers.Adam(2e-3),
        loss={
            "classes": segmentation.DiceCrossEntropy(num_classes),
            "centers": "binary_crossentropy",
            "offsets": offset_loss,
        },
        loss_weights=LOSS_WEIGHTS,
    )
    return net


def decode(
    outputs: dict, threshold: float = 0.3, window: int = 7, min_pixels: int = 10
) -> list[dict]:
    """Objects from the three heads' outputs: a mask, a class and a score each.

    A peak of `centers` above `threshold` that is the largest value in its
    `window` x `window` neighbourhood is an object (the score is its height).
    Each pixel whose most likely class is not the background goes to the
    object nearest to where its offset points; an object's class is the most
    common class among its pixels. Objects with fewer than `min_pixels` are
    dropped. Two centres less than `window // 2` pixels apart are one peak:
    a smaller window splits such objects, and also the noise of a heat map.

    Args:
        outputs: the model's outputs for `n` images (`classes`, `centers`, `offsets`).

    Returns:
        Per image, `{"masks": (k, h, w) bool, "classes": (k,), "scores": (k,)}`.
    """
    from scipy import ndimage

    classes = np.asarray(outputs["classes"]).argmax(axis=-1)
    centers = np.asarray(outputs["centers"])[..., 0]
    offsets = np.asarray(outputs["offsets"]) * OFFSET_SCALE
    h, w = classes.shape[1:]
    grid = np.stack(np.mgrid[0:h, 0:w], axis=-1).astype("float32")
    found = []
    for cls, heat, offset in zip(classes, centers, offsets, strict=True):
        peaks = np.argwhere((heat == ndimage.maximum_filter(heat, window)) & (heat > threshold))
        peaks = peaks[np.argsort(peaks[:, 1], kind="stable")]  # objects from left to right
        foreground = cls > 0
        masks, labels, scores = [], [], []
        if len(peaks):
            pointed = (grid + offset)[foreground]
            nearest = np.linalg.norm(pointed[:, None] - peaks[None], axis=-1).argmin(axis=1)
            for k, peak in enumerate(peaks):
                mask = np.zeros((h, w), bool)
                mask[foreground] = nearest == k
                if mask.sum() >= min_pixels:
                    masks.append(mask)
                    labels.append(_majority(cls[mask]))
                    scores.append(heat[tuple(peak)])
        found.append(_objects(masks, labels, scores, (h, w)))
    return found


def connected_components(class_masks, min_pixels: int = 10) -> list[dict]:
    """Objects as the connected regions of each class in semantic masks (the baseline).

    This is what semantic segmentation alone can offer: two touching digits of
    one class are one region, so one object.

    Examples:
        >>> masks = np.zeros((1, 6, 6), int); masks[0, 1:5, 1:3] = 3; masks[0, 1:5, 3:5] = 3
        >>> len(connected_components(masks, min_pixels=1)[0]["masks"])
        1
    """
    from scipy import ndimage

    found = []
    for mask in np.asarray(class_masks):
        masks, labels = [], []
        for cls in np.unique(mask)[1:]:
            regions, count = ndimage.label(mask == cls, structure=np.ones((3, 3)))
            for r in range(1, count + 1):
                if (regions == r).sum() >= min_pixels:
                    masks.append(regions == r)
                    labels.append(cls)
        found.append(_objects(masks, labels, [1.0] * len(masks), mask.shape))
    return found


def true_objects(instances, masks) -> list[dict]:
    """The objects of instance masks, with their classes from the class masks."""
    found = []
    for instance, mask in zip(np.asarray(instances), np.asarray(masks), strict=True):
        ids = np.unique(instance)[1:]
        objects = [instance == k for k in ids]
        labels = [_majority(mask[o]) for o in objects]
        found.append(_objects(objects, labels, [1.0] * len(objects), instance.shape))
    return found


def with_classes(found: list[dict], class_masks) -> list[dict]:
    """The objects of `found` with their classes taken from semantic masks (e.g. a U-Net's).

    Each object gets the most common class other than the background under
    its mask: the two heads of an instance model that knows no digits, and a
    semantic model that knows no objects, together give objects with classes.

    Examples:
        >>> mask = np.zeros((1, 4, 4), bool); mask[0, :2] = True
        >>> semantic = np.zeros((1, 4, 4), int); semantic[0, 0] = 7
        >>> found = [{"masks": mask, "classes": np.array([1]), "scores": np.array([0.9])}]
        >>> with_classes(found, semantic)[0]["classes"].tolist()
        [7]
    """
    labelled = []
    for objects, semantic in zip(found, np.asarray(class_masks), strict=True):
        labels = [_majority(semantic[m], background=False) for m in objects["masks"]]
        labelled.append({**objects, "classes": np.array(labels, "int64")})
    return labelled


def _majority(classes, background: bool = True) -> int:
    counts = np.bincount(np.asarray(classes).ravel())
    if not background and len(counts) > 1:
        counts = counts.copy()
        counts[0] = 0
    return int(counts.argmax())


def _objects(masks, labels, scores, shape) -> dict:
    return {
        "masks": np.array(masks, bool).reshape(-1, *shape),
        "classes": np.array(labels, "int64"),
        "scores": np.array(scores, "float32"),
    }


def instance_map(objects: dict) -> np.ndarray:
    """One `(h, w)` map with 0 for the background and `k + 1` on the k-th object's mask."""
    masks = objects["masks"]
    out = np.zeros(masks.shape[1:], "uint8")
    for k, mask in enumerate(masks):
        out[mask] = k + 1
    return out


def require_pycocotools() -> None:
    """Fail with the install command if pycocotools (in `nes2[cv]`) is missing."""
    try:
        import pycocotools  # noqa: F401
    except ImportError as exc:
        raise InvalidOptionError(
            "Mask AP is computed by pycocotools, which is not installed: pip install 'nes2[cv]'."
        ) from exc


def mask_average_precision(found: list[dict], truth: list[dict]) -> dict:
    """COCO mask AP (IoU 0.5:0.95) and mask AP@0.5, with pycocotools' `COCOeval`.

    Args:
        found: per image, the predicted objects (`decode`, `connected_components`).
        truth: per image, the true objects (`true_objects`).

    Returns:
        `{"map": ..., "map50": ...}`; a class that never occurs counts as COCO
        counts it (left out of the mean).

    Examples:
        >>> square = np.zeros((1, 16, 16), bool); square[0, 4:12, 4:12] = True
        >>> truth = [{"masks": square, "classes": np.array([3])}]
        >>> found = [{"masks": square, "classes": np.array([3]), "scores": np.array([0.9])}]
        >>> round(mask_average_precision(found, truth)["map50"], 6)
        1.0
    """
    require_pycocotools()
    from pycocotools import mask as coco_mask
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    def encode(mask):
        rle = coco_mask.encode(np.asfortranarray(mask.astype("uint8")))
        rle["counts"] = rle["counts"].decode("ascii")
        return rle

    images, annotations, results = [], [], []
    for i, (f, t) in enumerate(zip(found, truth, strict=True)):
        h, w = t["masks"].shape[1:]  # (0, h, w) for an image without objects
        images.append({"id": i, "height": int(h), "width": int(w)})
        for mask, cls in zip(t["masks"], t["classes"], strict=True):
            rle = encode(mask)
            annotations.append(
                {
                    "id": len(annotations) + 1,
                    "image_id": i,
                    "category_id": int(cls),
                    "segmentation": rle,
                    "area": float(mask.sum()),
                    "bbox": [float(v) for v in coco_mask.toBbox(rle)],
                    "iscrowd": 0,
                }
            )
        for mask, cls, score in zip(f["masks"], f["classes"], f["scores"], strict=True):
            results.append(
                {
                    "image_id": i,
                    "category_id": int(cls),
                    "segmentation": encode(mask),
                    "score": float(score),
                }
            )
    categories = sorted(
        {a["category_id"] for a in annotations} | {r["category_id"] for r in results}
    )
    with contextlib.redirect_stdout(io.StringIO()):
        ground = COCO()
        ground.dataset = {
            "images": images,
            "annotations": annotations,
            "categories": [{"id": c} for c in sorted(categories)],
        }
        ground.createIndex()
        if not results:
            return {"map": 0.0, "map50": 0.0}
        evaluation = COCOeval(ground, ground.loadRes(results), iouType="segm")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return {
        "map": max(float(evaluation.stats[0]), 0.0),
        "map50": max(float(evaluation.stats[1]), 0.0),
    }
