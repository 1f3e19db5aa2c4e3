"""`nes2.tasks.restoration` and the `restoration` recipe: damage, PSNR, a network that repairs."""

import numpy as np
import pytest

from nes2 import recipes
from nes2.tasks import restoration

pytestmark = pytest.mark.trains


def test_noise_is_gaussian_and_stays_in_the_pixel_range():
    grey = np.full((200, 28, 28, 1), 0.5, "float32")
    noisy = restoration.corrupt(grey, "noise", np.random.default_rng(0))
    assert noisy.min() >= 0 and noisy.max() <= 1
    assert abs((noisy - grey).mean()) < 0.01
    # N(0, NOISE_STD) beyond +-0.5 is clipped: P(|z| > 0.5 / 0.4) = 0.211
    assert np.isin(noisy, [0.0, 1.0]).mean() == pytest.approx(0.211, abs=0.01)


def test_the_mask_hides_one_square_per_image_and_nothing_else():
    digits = np.random.default_rng(1).uniform(0.6, 1.0, (20, 28, 28, 1)).astype("float32")
    masked = restoration.corrupt(digits, "mask", np.random.default_rng(2))
    changed = (masked != digits).reshape(20, -1).sum(axis=1)
    assert (changed == restoration.MASK_SIZE**2).all()
    assert np.unique(masked[masked != digits]).tolist() == [restoration.MASK_VALUE]
    with pytest.raises(ValueError, match=r"use one of noise, mask"):
        restoration.corrupt(digits, "blur", np.random.default_rng(0))


def test_psnr_grows_3_db_per_halved_squared_error():
    clean = np.zeros((3, 8, 8, 1), "float32")
    errors = clean + np.array([0.2, 0.2 / np.sqrt(2), 0.1])[:, None, None, None]
    values = restoration.psnr(clean, errors)
    assert values[0] == pytest.approx(10 * np.log10(1 / 0.04), abs=1e-3)
    assert values[1] - values[0] == pytest.approx(10 * np.log10(2), abs=1e-3)


def test_one_epoch_of_the_recipe_already_repairs_noisy_digits(tmp_path):
    run = recipes.train("restoration", "quick", epochs=1, store=False, out=tmp_path)
    metrics = run.metrics
    assert metrics["run"] == "restoration/noise" and metrics["counts"]["test"] == 1000
    assert metrics["psnr_restored"] > metrics["psnr_damaged"] + 0.5
    assert metrics["gain_db"] == pytest.approx(metrics["psnr_restored"] - metrics["psnr_damaged"])
    restored = run.model.predict(run.data.test[0][:4], verbose=0)
    assert restored.shape == (4, 28, 28, 1) and 0 <= restored.min() <= restored.max() <= 1
    assert (tmp_path / "restored.png").is_file()
