"""A synthetic stand-in for Cats vs Dogs, drawn locally when the real archive is absent.

Each image shows a cartoon head on a noisy, cluttered background: cats have
pointed ears, dogs floppy ones, and nothing else tells them apart. The head is
turned, mirrored, scaled, placed anywhere and lit differently in each image,
and clutter (ear-like shapes among it) hides parts of it, so the task needs a
convnet, and a small one trained on a few hundred images learns them by heart
instead, as on the real data; data augmentation, which makes the same kinds of
variation, helps it as it does there. Results on it are **not** results on Cats
vs Dogs: everything made from it says so (`LABEL`, Czech: a drawn stand-in, not photos).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps

LABEL = "kreslená náhrada (ne fotografie)"
CLASS_FOLDERS = ("Cat", "Dog")
VERSION = 2
"""The drawing's version: caches of images drawn by another version are not reused."""
TURN = 25.0
"""The largest turn of the head, in degrees either way."""
SCALE = (0.7, 1.1)
"""The head's size as a multiple of its drawing (about 60 % of the image)."""
LIGHT = (0.7, 1.25)
"""The range of the brightness factor."""


def _background(rng: np.random.Generator, size: int) -> Image.Image:
    corners = rng.uniform(40, 220, size=(2, 2, 3))
    t = np.linspace(0, 1, size)[:, None, None]
    s = np.linspace(0, 1, size)[None, :, None]
    top = corners[0, 0] * (1 - s) + corners[0, 1] * s
    bottom = corners[1, 0] * (1 - s) + corners[1, 1] * s
    image = top * (1 - t) + bottom * t + rng.normal(0, 18, size=(size, size, 3))
    return Image.fromarray(np.clip(image, 0, 255).astype(np.uint8))


def _clutter(draw: ImageDraw.ImageDraw, rng: np.random.Generator, size: int, n: int) -> None:
    # Triangles and long ellipses look like ears of either class: the model
    # has to find them next to a head, not anywhere in the picture.
    for _ in range(n):
        x, y = rng.uniform(0, size, 2)
        r = rng.uniform(0.03, 0.1) * size
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        shape = rng.integers(4)
        if shape == 0:
            draw.ellipse([x - r, y - r, x + r, y + r], fill=colour)
        elif shape == 1:
            draw.rectangle([x - r, y - r / 2, x + r, y + r / 2], fill=colour)
        elif shape == 2:
            draw.polygon([(x - r / 2, y), (x + r / 2, y), (x, y - 1.3 * r)], fill=colour)
        else:
            draw.ellipse([x - r / 3, y - r, x + r / 3, y + r], fill=colour)


def _head(kind: str, rng: np.random.Generator, size: int) -> Image.Image:
    """The head, upright and centred, on a transparent layer of `size` pixels."""
    layer = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    draw = ImageDraw.Draw(layer)
    r, cx, cy = 0.3 * size, size / 2, size / 2 + 0.08 * size
    fur = tuple(int(c) for c in rng.integers(30, 230, 3))
    dark = tuple(max(c - 70, 0) for c in fur)
    if kind == "cat":
        for side in (-1, 1):
            base_x = cx + side * 0.55 * r
            tip = (base_x + side * rng.uniform(0.1, 0.35) * r, cy - rng.uniform(1.3, 1.6) * r)
            draw.polygon(
                [(base_x - 0.4 * r, cy - 0.6 * r), (base_x + 0.4 * r, cy - 0.6 * r), tip],
                fill=fur,
                outline=dark,
            )
    else:
        for side in (-1, 1):
            ex, length = cx + side * 0.95 * r, rng.uniform(0.6, 0.9) * r
            draw.ellipse([ex - 0.35 * r, cy - 0.6 * r, ex + 0.35 * r, cy + length], fill=dark)
    draw.ellipse([cx - r, cy - r, cx + r, cy + r], fill=fur, outline=dark)
    eye = 0.12 * r
    for side in (-1, 1):
        ex, ey = cx + side * 0.38 * r, cy - 0.15 * r
        draw.ellipse([ex - eye, ey - eye, ex + eye, ey + eye], fill=(20, 20, 20))
    draw.ellipse([cx - 0.3 * r, cy + 0.2 * r, cx + 0.3 * r, cy + 0.6 * r], fill=dark)
    return layer


def draw_pet(kind: str, rng: np.random.Generator, size: int = 128) -> Image.Image:
    """Draw one synthetic "cat" or "dog" image.

    The head is turned (up to `TURN` degrees), mirrored, scaled (`SCALE`),
    placed anywhere, partly hidden by clutter and lit more or less brightly
    (`LIGHT`): variation that a few hundred training images cannot cover, as
    with photos.

    Args:
        kind: `"cat"` or `"dog"`.
        rng: the random generator that decides position, size and colours.
        size: the side of the square image in pixels.

    Examples:
        >>> import numpy as np
        >>> draw_pet("cat", np.random.default_rng(0), size=64).size
        (64, 64)
    """
    if kind not in ("cat", "dog"):
        raise ValueError(f"kind must be 'cat' or 'dog', not {kind!r}")
    image = _background(rng, size)
    _clutter(ImageDraw.Draw(image), rng, size, int(rng.integers(4, 10)))
    head = _head(kind, rng, size)
    if rng.random() < 0.5:
        head = ImageOps.mirror(head)
    head = head.rotate(rng.uniform(-TURN, TURN), resample=Image.Resampling.BILINEAR)
    side = int(size * rng.uniform(*SCALE))
    head = head.resize((side, side), Image.Resampling.BILINEAR)
    x, y = (int(v) for v in rng.uniform(-0.2 * side, size - 0.8 * side, 2))
    image.paste(head, (x, y), head)
    _clutter(ImageDraw.Draw(image), rng, size, int(rng.integers(1, 4)))
    light = rng.uniform(*LIGHT) * np.asarray(image, "float32") + rng.uniform(-30, 30)
    image = Image.fromarray(np.clip(light, 0, 255).astype(np.uint8))
    return image.filter(ImageFilter.GaussianBlur(radius=rng.uniform(0, 1.0)))


def write_pet_images(
    root: str | os.PathLike, n_per_class: int, *, seed: int = 0, size: int = 128
) -> Path:
    """Write `n_per_class` JPEGs per class as `root/PetImages/{Cat,Dog}/N.jpg`.

    The layout is the one of the Microsoft archive, so the same loading code
    reads both.

    Returns:
        The `PetImages` folder.

    Examples:
        ```python
        folder = write_pet_images("/tmp/pets", n_per_class=10)
        ```
    """
    rng = np.random.default_rng(seed)
    pets = Path(root) / "PetImages"
    for folder in CLASS_FOLDERS:
        (pets / folder).mkdir(parents=True, exist_ok=True)
    for i in range(n_per_class):
        for folder in CLASS_FOLDERS:
            draw_pet(folder.lower(), rng, size).save(pets / folder / f"{i}.jpg", quality=90)
    return pets
