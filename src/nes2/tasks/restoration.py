"""Image restoration with an encoder-decoder: remove noise, or fill in what is missing.

The network takes a damaged image and outputs the clean one. Its encoder
shrinks the image to a few coarse maps (what the digit is), its decoder grows
them back to full size with transposed convolutions (how the strokes run);
unlike a U-Net it has no skip connections, so the damage cannot be copied
through to the output. Quality is measured by PSNR, the peak signal-to-noise
ratio `10 log10(1 / MSE)` in decibels for images in [0, 1]: higher is better,
and every halving of the squared error adds about 3 dB.

Examples:
    >>> clean = np.full((2, 8, 8, 1), 0.5, "float32")
    >>> psnr(clean, clean + 0.1).round(1).tolist()   # MSE 0.01: 20 dB
    [20.0, 20.0]
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers

CORRUPTIONS = ("noise", "mask")
NOISE_STD = 0.4
"""Standard deviation of the Gaussian noise added to images in [0, 1] (then clipped)."""
MASK_SIZE = 12
"""Side of the square hidden in each image by the `mask` corruption."""
MASK_VALUE = 0.5
"""What the hidden square is filled with: grey, so the network sees where it is."""


def corrupt(images, kind: str, rng: np.random.Generator) -> np.ndarray:
    """Damaged copies of `images` (floats in [0, 1], `(n, height, width, channels)`).

    Args:
        images: the clean images.
        kind: `"noise"` (Gaussian, `NOISE_STD`, clipped to [0, 1]) or `"mask"`
            (a `MASK_SIZE` square set to `MASK_VALUE` at a random place in each image).
        rng: the random generator (the damage is drawn from it).

    Examples:
        >>> masked = corrupt(np.ones((1, 28, 28, 1)), "mask", np.random.default_rng(0))
        >>> int((masked == MASK_VALUE).sum()) == MASK_SIZE**2
        True
    """
    images = np.asarray(images, "float32")
    if kind == "noise":
        return np.clip(images + rng.normal(0, NOISE_STD, images.shape), 0, 1).astype("float32")
    if kind == "mask":
        out = images.copy()
        height, width = images.shape[1:3]
        rows = rng.integers(0, height - MASK_SIZE + 1, len(images))
        cols = rng.integers(0, width - MASK_SIZE + 1, len(images))
        for image, r, c in zip(out, rows, cols, strict=True):
            image[r : r + MASK_SIZE, c : c + MASK_SIZE] = MASK_VALUE
        return out
    raise ValueError(f"Unknown corruption {kind!r}: use one of {', '.join(CORRUPTIONS)}.")


def psnr(clean, restored, max_value: float = 1.0) -> np.ndarray:
    """PSNR of each image in decibels (`tf.image.psnr`), `(n,)`."""
    import tensorflow as tf

    clean = tf.convert_to_tensor(np.asarray(clean, "float32"))
    restored = tf.convert_to_tensor(np.asarray(restored, "float32"))
    return tf.image.psnr(clean, restored, max_val=max_value).numpy()


def autoencoder(input_shape=(28, 28, 1), widths=(32, 64)) -> keras.Model:
    """A convolutional encoder-decoder without skip connections, outputs in [0, 1].

    Each level of the encoder is a 3x3 convolution and 2x2 max pooling; the
    decoder mirrors it with 2x2 transposed convolutions of stride 2, which do
    not overlap (no checkerboard pattern).

    Examples:
        >>> autoencoder().output_shape
        (None, 28, 28, 1)
    """
    inputs = keras.Input(input_shape, name="damaged")
    x = inputs
    for i, width in enumerate(widths, start=1):
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"enc{i}")(x)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    for i, width in enumerate(reversed(widths), start=1):
        x = layers.Conv2DTranspose(width, 2, strides=2, activation="relu", name=f"dec{i}")(x)
    outputs = layers.Conv2D(input_shape[-1], 3, padding="same", activation="sigmoid", name="clean")(
        x
    )
    return keras.Model(inputs, outputs, name="denoising_autoencoder")
