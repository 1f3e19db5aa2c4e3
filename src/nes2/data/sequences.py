"""Data for convolutions over other dimensions: signals (1D), sounds (2D spectrograms), videos (3D).

* `waveforms`: generated time series of four shapes (sine, square, sawtooth,
  noise bursts) with random frequency, phase and noise; labelled "generated";
* `chirps`: generated sounds, a tone whose pitch rises or falls, in noise
  (for spectrograms via `tf.signal.stft`); labelled "generated";
* `moving_digits`: short videos of a real MNIST digit moving in one of four
  directions (the task: which direction).

Examples:
    >>> x, y = waveforms(8, length=64, seed=0)
    >>> x.shape, sorted(set(y.tolist())) <= [0, 1, 2, 3]
    ((8, 64, 1), True)
"""

from __future__ import annotations

import numpy as np

GENERATED = "vygenerované průběhy"
WAVEFORMS = ["sinus", "obdélník", "pila", "záblesky šumu"]
CHIRPS = ["stoupající tón", "klesající tón"]
DIRECTIONS = ["doprava", "doleva", "dolů", "nahoru"]


def waveforms(n: int, length: int = 256, noise: float = 0.3, seed: int = 0):
    """`n` generated series of four shapes with random frequency, phase and noise.

    Returns:
        `(x (n, length, 1) float32, y (n,) int)`; class names in `WAVEFORMS`.
    """
    rng = np.random.default_rng(seed)
    t = np.linspace(0, 1, length)
    y = rng.integers(0, 4, n)
    x = np.empty((n, length), dtype="float32")
    for i, kind in enumerate(y):
        cycles = rng.uniform(2, 8)
        phase = rng.uniform(0, 2 * np.pi)
        angle = 2 * np.pi * cycles * t + phase
        if kind == 0:
            signal = np.sin(angle)
        elif kind == 1:
            signal = np.sign(np.sin(angle))
        elif kind == 2:
            signal = 2 * ((angle / (2 * np.pi)) % 1) - 1
        else:
            signal = np.zeros(length)
            for start in rng.integers(0, length - 16, 4):
                signal[start : start + 16] = rng.normal(0, 1, 16)
        x[i] = signal + rng.normal(0, noise, length)
    return x[..., None], y


def chirps(
    n: int, sample_rate: int = 8000, seconds: float = 0.5, noise: float = 0.5, seed: int = 0
):
    """`n` generated sounds: a tone sweeping up (class 0) or down (class 1) in noise.

    Returns:
        `(audio (n, samples) float32, y (n,) int)`; class names in `CHIRPS`.

    Examples:
        >>> audio, y = chirps(2, seconds=0.1)
        >>> audio.shape
        (2, 800)
    """
    rng = np.random.default_rng(seed)
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    y = rng.integers(0, 2, n)
    audio = np.empty((n, len(t)), dtype="float32")
    for i, falling in enumerate(y):
        low, high = rng.uniform(300, 800), rng.uniform(1500, 3000)
        start, end = (high, low) if falling else (low, high)
        frequency = start + (end - start) * t / seconds
        audio[i] = np.sin(2 * np.pi * np.cumsum(frequency) / sample_rate)
        audio[i] += rng.normal(0, noise, len(t))
    return audio, y


def spectrogram(audio, frame_length: int = 256, frame_step: int = 64):
    """Log-magnitude spectrograms `(n, frames, bins, 1)` of `(n, samples)` audio (`tf.signal.stft`).

    Examples:
        >>> spectrogram(np.zeros((1, 800), "float32")).shape
        (1, 9, 129, 1)
    """
    import tensorflow as tf

    stft = tf.signal.stft(tf.constant(audio, tf.float32), frame_length, frame_step)
    return np.log1p(np.abs(stft.numpy()))[..., None].astype("float32")


def moving_digits(images, n: int, frames: int = 8, size: int = 48, step: int = 2, seed: int = 0):
    """`n` videos of one real digit moving `step` px per frame in one of four directions.

    Args:
        images: `(m, 28, 28)` uint8 digits.
        n: the number of videos.
        frames: frames per video.
        size: frame width and height (larger than the digit).
        step: pixels moved per frame.
        seed: the random seed.

    Returns:
        `(videos (n, frames, size, size, 1) uint8, y (n,) int)`; names in `DIRECTIONS`.

    Examples:
        >>> videos, y = moving_digits(np.full((1, 28, 28), 255, "uint8"), 3, frames=4, size=40)
        >>> videos.shape
        (3, 4, 40, 40, 1)
    """
    rng = np.random.default_rng(seed)
    moves = {0: (0, 1), 1: (0, -1), 2: (1, 0), 3: (-1, 0)}
    travel = step * (frames - 1)
    videos = np.zeros((n, frames, size, size), dtype="uint8")
    y = rng.integers(0, 4, n)
    for i, direction in enumerate(y):
        digit = images[rng.integers(len(images))]
        dy, dx = moves[int(direction)]
        top = rng.integers(max(0, -dy * travel), size - 28 - max(0, dy * travel) + 1)
        left = rng.integers(max(0, -dx * travel), size - 28 - max(0, dx * travel) + 1)
        for f in range(frames):
            r, c = top + dy * step * f, left + dx * step * f
            videos[i, f, r : r + 28, c : c + 28] = np.maximum(
                videos[i, f, r : r + 28, c : c + 28], digit
            )
    return videos[..., None], y
