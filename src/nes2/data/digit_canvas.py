"""Task data made from real handwritten digits: tilted digits, digits on canvases.

Every generator takes MNIST images (`(n, 28, 28)` uint8, e.g.
`nes2.data.mnist().x_train`) and their labels, and draws from them with a
seed, so a split of the source digits gives splits of the task data with no
digit in two of them.

* `rotate_digits`: each digit turned by angles drawn from [-45°, 45°]
  (the regression task: predict the angle);
* `place_digit`: one digit at a random position and scale on a larger canvas
  (classification + localization: predict class and box);
* `digit_canvases`: several digits per canvas with boxes, classes, a semantic
  mask and instance masks (detection, semantic and instance segmentation);
* `touching_digits`: two digits of one class whose ink touches, on every
  canvas (instance segmentation: a semantic mask cannot tell them apart).

Boxes are `[x_min, y_min, x_max, y_max]` in pixels ("xyxy", KerasCV's
`bounding_box_format="xyxy"`); `place_digit` also returns them relative to the
canvas size.

Examples:
    >>> import numpy as np
    >>> digits = np.zeros((3, 28, 28), "uint8"); digits[:, 8:20, 10:18] = 255
    >>> canvases = digit_canvases(digits, np.array([1, 2, 3]), 2, size=64, seed=0)
    >>> canvases.images.shape, canvases.masks.shape
    ((2, 64, 64, 1), (2, 64, 64))
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image

from nes2.boxes import box_iou
from nes2.errors import InvalidOptionError

INK = 60
"""A canvas pixel brighter than this (0-255) belongs to its digit's masks."""


def _rotate(image: np.ndarray, angle: float) -> np.ndarray:
    return np.asarray(
        Image.fromarray(image).rotate(angle, resample=Image.Resampling.BILINEAR), dtype="uint8"
    )


def rotate_digits(
    images: np.ndarray,
    labels: np.ndarray,
    rotations: int = 1,
    max_angle: float = 45.0,
    seed: int = 0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each digit rotated `rotations` times by angles uniform in [-max_angle, max_angle].

    Positive angles turn the digit counter-clockwise.

    Returns:
        `(images (n * rotations, 28, 28, 1) uint8, angles in degrees (float32), digit labels)`.

    Examples:
        >>> x, angles, y = rotate_digits(np.zeros((2, 28, 28), "uint8"), np.array([3, 7]), 3)
        >>> x.shape, bool(np.abs(angles).max() <= 45), y.tolist()
        ((6, 28, 28, 1), True, [3, 3, 3, 7, 7, 7])
    """
    rng = np.random.default_rng(seed)
    angles = rng.uniform(-max_angle, max_angle, size=len(images) * rotations).astype("float32")
    index = np.repeat(np.arange(len(images)), rotations)
    rotated = np.stack([_rotate(images[i], a) for i, a in zip(index, angles, strict=True)])
    return rotated[..., None], angles, np.asarray(labels)[index]


def _digit_box(image: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(image > 40)
    if len(xs) == 0:
        return 0, 0, image.shape[1], image.shape[0]
    return xs.min(), ys.min(), xs.max() + 1, ys.max() + 1


def _scaled_crop(image: np.ndarray, scale: float) -> np.ndarray:
    x0, y0, x1, y1 = _digit_box(image)
    crop = Image.fromarray(image[y0:y1, x0:x1])
    width = max(1, round(crop.width * scale))
    height = max(1, round(crop.height * scale))
    return np.asarray(crop.resize((width, height), Image.Resampling.BILINEAR), dtype="uint8")


def place_digit(
    images: np.ndarray,
    labels: np.ndarray,
    size: int = 64,
    scale: tuple[float, float] = (1.0, 1.8),
    noise: float = 10.0,
    seed: int = 0,
):
    """Each digit, scaled and placed at a random position on a `size` x `size` canvas.

    Returns:
        `(canvases (n, size, size, 1) uint8, labels, boxes (n, 4) xyxy pixels,
        boxes relative to the canvas (n, 4) in [0, 1])`; the box is tight around
        the digit's ink.

    Examples:
        >>> digit = np.zeros((1, 28, 28), "uint8"); digit[0, 4:24, 12:16] = 255
        >>> x, y, boxes, relative = place_digit(digit, np.array([1]), size=64, scale=(1, 1))
        >>> (boxes[0, 2] - boxes[0, 0]).item(), (boxes[0, 3] - boxes[0, 1]).item()
        (4.0, 20.0)
    """
    rng = np.random.default_rng(seed)
    canvases = np.zeros((len(images), size, size), dtype="float32")
    boxes = np.zeros((len(images), 4), dtype="float32")
    for i, image in enumerate(images):
        crop = _scaled_crop(image, rng.uniform(*scale))
        h, w = min(crop.shape[0], size), min(crop.shape[1], size)
        top, left = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
        canvases[i, top : top + h, left : left + w] = crop[:h, :w]
        boxes[i] = left, top, left + w, top + h
    if noise:
        canvases += rng.normal(0, noise, canvases.shape)
    canvases = np.clip(canvases, 0, 255).astype("uint8")[..., None]
    return canvases, np.asarray(labels), boxes, boxes / size


@dataclass
class Canvases:
    """Several digits per canvas, with everything the detection and segmentation tasks need.

    Attributes:
        images: `(n, size, size, 1)` uint8.
        boxes: per canvas, an `(k, 4)` float32 array of xyxy pixel boxes.
        classes: per canvas, a `(k,)` int array of digits.
        masks: `(n, size, size)` uint8 semantic masks: 0 background, `d + 1` for digit `d`.
        instances: `(n, size, size)` uint8 instance masks: 0 background, `j + 1` for the
            canvas' `j`-th digit.
    """

    images: np.ndarray
    boxes: list
    classes: list
    masks: np.ndarray
    instances: np.ndarray

    def padded(self, max_boxes: int | None = None) -> dict:
        """Boxes and classes as fixed-size arrays padded with -1 (KerasCV's dense format).

        Examples:
            >>> c = Canvases(np.zeros((1, 8, 8, 1)), [np.ones((1, 4))], [np.array([7])],
            ...              np.zeros((1, 8, 8)), np.zeros((1, 8, 8)))
            >>> c.padded(3)["classes"].tolist()
            [[7.0, -1.0, -1.0]]
        """
        max_boxes = max_boxes or max(len(c) for c in self.classes)
        boxes = -np.ones((len(self.boxes), max_boxes, 4), dtype="float32")
        classes = -np.ones((len(self.classes), max_boxes), dtype="float32")
        for i, (b, c) in enumerate(zip(self.boxes, self.classes, strict=True)):
            boxes[i, : len(b)] = b
            classes[i, : len(c)] = c
        return {"boxes": boxes, "classes": classes}


def _blank(n: int, size: int) -> Canvases:
    """`n` empty canvases to draw on; the images stay float32 until `_finished`."""
    shape = (n, size, size)
    return Canvases(
        np.zeros(shape, "float32"), [], [], np.zeros(shape, "uint8"), np.zeros(shape, "uint8")
    )


def _draw(out: Canvases, i: int, crop, top: int, left: int, mask_class: int, instance: int):
    """Draw `crop` onto canvas `i` at (top, left); its ink takes over the masks' pixels."""
    h, w = crop.shape
    region = out.images[i, top : top + h, left : left + w]
    np.maximum(region, crop, out=region)
    ink = crop > INK
    out.masks[i, top : top + h, left : left + w][ink] = mask_class
    out.instances[i, top : top + h, left : left + w][ink] = instance


def _finished(out: Canvases) -> Canvases:
    out.images = np.clip(out.images, 0, 255).astype("uint8")[..., None]
    return out


def digit_canvases(
    images: np.ndarray,
    labels: np.ndarray,
    n: int,
    size: int = 96,
    digits: tuple[int, int] = (2, 4),
    scale: tuple[float, float] = (0.8, 1.5),
    max_overlap: float = 0.1,
    seed: int = 0,
) -> Canvases:
    """`n` canvases, each with 2-4 real digits placed where they barely overlap.

    A digit is placed at a random position whose box overlaps the boxes
    already on the canvas by at most `max_overlap` IoU (after 50 tries it is
    left out). Pixels belong to the digit drawn last (masks follow the ink).

    Args:
        images, labels: the source digits (e.g. a training split of MNIST).
        n: the number of canvases.
        size: canvas width and height in pixels.
        digits: the least and most digits per canvas.
        scale: the range of the digits' scale (1 = 28 px tall at most).
        max_overlap: the largest IoU between two boxes on a canvas.
        seed: the random seed.

    Returns:
        A `Canvases`.
    """
    if size < 40:
        raise InvalidOptionError(f"size={size}: canvases need at least 40 px for 2 digits.")
    rng = np.random.default_rng(seed)
    out = _blank(n, size)
    for i in range(n):
        boxes, classes = [], []
        for _ in range(rng.integers(digits[0], digits[1] + 1)):
            j = rng.integers(len(images))
            crop = _scaled_crop(images[j], rng.uniform(*scale))
            h, w = crop.shape
            for _try in range(50):
                top, left = rng.integers(0, size - h + 1), rng.integers(0, size - w + 1)
                box = np.array([left, top, left + w, top + h], dtype="float32")
                if not boxes or box_iou(np.array(boxes), box[None]).max() <= max_overlap:
                    break
            else:
                continue
            _draw(out, i, crop, top, left, labels[j] + 1, len(boxes) + 1)
            boxes.append(box)
            classes.append(int(labels[j]))
        out.boxes.append(np.array(boxes, dtype="float32").reshape(-1, 4))
        out.classes.append(np.array(classes, dtype="int64"))
    return _finished(out)


def touching_digits(
    images: np.ndarray,
    labels: np.ndarray,
    n: int,
    size: int = 48,
    scale: tuple[float, float] = (0.7, 1.0),
    seed: int = 0,
) -> Canvases:
    """`n` canvases, each with two digits of one class side by side, their ink touching.

    The second digit's crop overlaps the first one's by 1 px or more, moved
    closer until the ink of the two is one connected region (8-connected), so
    that the semantic mask shows one blob where there are two objects. Pixels
    where both have ink belong to the second digit.

    Args:
        images, labels: the source digits (e.g. a training split of MNIST).
        n: the number of canvases.
        size: canvas width and height in pixels.
        scale: the range of the digits' scale (1 = 28 px tall at most).
        seed: the random seed.

    Returns:
        A `Canvases` with two boxes, two (equal) classes and two instances per canvas.

    Examples:
        >>> digits = np.zeros((4, 28, 28), "uint8"); digits[:, 6:22, 10:16] = 255
        >>> pairs = touching_digits(digits, np.array([3, 3, 5, 5]), 2, seed=0)
        >>> pairs.classes[0].tolist(), np.unique(pairs.instances[0]).tolist()
        ([5, 5], [0, 1, 2])
    """
    from scipy import ndimage

    if size < 40:
        raise InvalidOptionError(f"size={size}: two digits side by side need at least 40 px.")
    labels = np.asarray(labels)
    by_class = {c: np.flatnonzero(labels == c) for c in np.unique(labels)}
    pairable = [c for c, index in by_class.items() if len(index) >= 2]
    if not pairable:
        raise InvalidOptionError("touching_digits needs at least two digits of one class.")
    rng = np.random.default_rng(seed)
    out = _blank(n, size)
    for i in range(n):
        digit = pairable[rng.integers(len(pairable))]
        crops = [
            _scaled_crop(images[j], rng.uniform(*scale))
            for j in rng.choice(by_class[digit], 2, replace=False)
        ]
        (h1, w1), (h2, w2) = crops[0].shape, crops[1].shape
        top1 = rng.integers(0, size - max(h1, h2) + 1)
        top2 = int(np.clip(top1 + (h1 - h2) // 2 + rng.integers(-2, 3), 0, size - h2))
        for overlap in range(1, min(w1, w2)):
            if w1 + w2 - overlap <= size:
                ink = np.zeros((size, size), bool)
                left2 = w1 - overlap
                ink[top1 : top1 + h1, :w1] |= crops[0] > INK
                ink[top2 : top2 + h2, left2 : left2 + w2] |= crops[1] > INK
                if ndimage.label(ink, structure=np.ones((3, 3)))[1] == 1:
                    break
        shift = rng.integers(0, size - (w1 + w2 - overlap) + 1)
        lefts = (shift, shift + w1 - overlap)
        boxes = []
        for k, (crop, top, left) in enumerate(zip(crops, (top1, top2), lefts, strict=True)):
            _draw(out, i, crop, top, left, digit + 1, k + 1)
            boxes.append([left, top, left + crop.shape[1], top + crop.shape[0]])
        out.boxes.append(np.array(boxes, dtype="float32"))
        out.classes.append(np.array([digit, digit], dtype="int64"))
    return _finished(out)


def rotate_tensor(images, angles):
    """Rotate a batch of images `(n, h, w, c)` by `angles` in degrees, counter-clockwise.

    The TensorFlow twin of `rotate_digits` (same direction, bilinear, black
    fill), for drawing fresh angles inside a `tf.data` pipeline.

    Examples:
        >>> import tensorflow as tf
        >>> image = np.zeros((1, 5, 5, 1), "float32"); image[0, 0, 2] = 1.0  # top centre
        >>> turned = rotate_tensor(tf.constant(image), tf.constant([90.0])).numpy()
        >>> np.argwhere(turned[0, ..., 0] > 0.5).tolist()  # now left centre
        [[2, 0]]
    """
    import tensorflow as tf

    theta = tf.cast(angles, tf.float32) * (np.pi / 180)
    cos, sin = tf.cos(theta), tf.sin(theta)
    shape = tf.shape(images)
    cy = (tf.cast(shape[1], tf.float32) - 1) / 2
    cx = (tf.cast(shape[2], tf.float32) - 1) / 2
    zeros = tf.zeros_like(cos)
    # Each output pixel samples the input at the point rotated back (clockwise).
    transforms = tf.stack(
        [cos, -sin, cx - cos * cx + sin * cy, sin, cos, cy - sin * cx - cos * cy, zeros, zeros],
        axis=1,
    )
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=tf.cast(images, tf.float32),
        transforms=transforms,
        output_shape=shape[1:3],
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
        fill_value=0.0,
    )


def random_rotations(
    images, repeats: int = 10, batch_size: int = 64, max_angle: float = 45.0, seed: int = 0
):
    """A `tf.data` pipeline of `(rotated digits, angles)` with fresh angles every epoch.

    Each epoch shows every digit `repeats` times, each time under a new angle
    drawn uniformly from [-max_angle, max_angle].

    Examples:
        >>> ds = random_rotations(np.zeros((4, 28, 28), "uint8"), repeats=2, batch_size=8)
        >>> [tuple(t.shape) for t in next(iter(ds))]
        [(8, 28, 28, 1), (8,)]
    """
    import tensorflow as tf

    x = tf.constant(np.asarray(images)[..., None], tf.uint8)
    generator = tf.random.Generator.from_seed(seed)

    def rotate(batch):
        angles = generator.uniform((tf.shape(batch)[0],), -max_angle, max_angle)
        return rotate_tensor(batch, angles), angles

    return (
        tf.data.Dataset.from_tensor_slices(x)
        .repeat(repeats)
        .shuffle(len(images) * repeats, seed=seed)
        .batch(batch_size)
        .map(rotate)
        .prefetch(tf.data.AUTOTUNE)
    )
