"""Sequences, videos and keypoints: generators, models and heatmap decoding."""

import numpy as np
import pytest

from nes2 import models
from nes2.data import sequences
from nes2.tasks import pose

pytestmark = pytest.mark.trains


def test_waveform_classes_differ_in_shape():
    x, y = sequences.waveforms(200, noise=0.0, seed=0)
    square = x[y == 1][..., 0]
    assert np.allclose(np.abs(square), 1.0)  # a clean square wave is only +-1
    bursts = x[y == 3][..., 0]
    assert (bursts == 0).mean() > 0.5  # silence between the bursts


def test_chirp_spectrogram_rises_or_falls():
    audio, y = sequences.chirps(20, noise=0.0, seed=0)
    spectra = sequences.spectrogram(audio)[..., 0]
    peaks = spectra.argmax(axis=-1)  # frequency bin of the loudest tone per frame
    slope = np.sign(peaks[:, -5:].mean(axis=1) - peaks[:, :5].mean(axis=1))
    assert (slope == np.where(y == 0, 1, -1)).all()


@pytest.mark.parametrize("direction", range(4))
def test_moving_digit_moves_the_right_way(direction):
    digit = np.zeros((1, 28, 28), "uint8")
    digit[0, 10:18, 10:18] = 255
    rng_seed = next(
        s for s in range(100) if sequences.moving_digits(digit, 1, seed=s)[1][0] == direction
    )
    videos, _ = sequences.moving_digits(digit, 1, seed=rng_seed)
    first, last = (np.argwhere(videos[0, f, ..., 0] > 0).mean(axis=0) for f in (0, -1))
    step = last - first  # (rows, columns)
    expected = {0: (0, 14), 1: (0, -14), 2: (14, 0), 3: (-14, 0)}[direction]
    np.testing.assert_allclose(step, expected)


def test_keypoints_heatmaps_and_decode_agree():
    images = np.zeros((3, 16, 16), "uint8")
    for i, (top, bottom, col) in enumerate([(2, 12, 5), (4, 9, 8), (0, 15, 15)]):
        images[i, top : bottom + 1, col] = 255
    points = pose.keypoints(images)
    assert points.tolist()[0] == [[2, 5], [12, 5]]
    np.testing.assert_array_equal(pose.decode(pose.heatmaps(points, 16)), points)
    logits = 10 * pose.heatmaps(points, 16)
    shuffled = 10 * pose.heatmaps(points[::-1], 16)
    right = pose.spatial_cross_entropy(pose.heatmaps(points, 16), logits).numpy()
    wrong = pose.spatial_cross_entropy(pose.heatmaps(points, 16), shuffled).numpy()
    assert (right[[0, 2]] < wrong[[0, 2]]).all()


def test_conv1d_and_conv3d_models_learn_a_step():
    x, y = sequences.waveforms(32, length=64, seed=1)
    model = models.conv1d_classifier((64, 1), 4)
    first = model.train_on_batch(x, y)[0]
    for _ in range(10):
        last = model.train_on_batch(x, y)[0]
    assert last < first
    video = models.conv3d_classifier((4, 32, 32, 1), 4)
    assert video.predict(np.zeros((2, 4, 32, 32, 1)), verbose=0).shape == (2, 4)
