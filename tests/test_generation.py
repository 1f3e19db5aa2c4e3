"""`nes2.tasks.generation` and the `generation` recipe: the VAE, its loss terms, and the judge."""

import keras
import numpy as np
import pytest

from nes2 import cli, recipes
from nes2.errors import InvalidOptionError
from nes2.tasks import generation


def test_sampling_draws_from_the_encoders_gaussian_and_round_trips_its_config():
    layer = generation.Sampling(seed=3)
    mean, log_var = np.full((20_000, 2), [1.0, -2.0]), np.full((20_000, 2), np.log([4.0, 0.25]))
    z = np.asarray(layer([mean, log_var]))
    assert z.mean(axis=0) == pytest.approx([1.0, -2.0], abs=0.05)
    assert z.std(axis=0) == pytest.approx([2.0, 0.5], rel=0.03)
    assert generation.Sampling.from_config(layer.get_config()).seed == 3


def test_kl_term_is_zero_for_the_prior_and_grows_with_mean_and_spread():
    kl = lambda m, v: float(generation.kl_divergence(np.array([m]), np.array([v]))[0])  # noqa: E731
    assert kl([0.0, 0.0], [0.0, 0.0]) == 0.0
    assert kl([2.0], [0.0]) == pytest.approx(2.0)  # mean**2 / 2
    assert kl([0.0], [np.log(4.0)]) == pytest.approx(0.5 * (4.0 - 1 - np.log(4.0)))


def test_frechet_distance_sees_the_means_and_the_covariances():
    rng = np.random.default_rng(0)
    a = rng.normal(size=(20_000, 2))
    assert generation.frechet_distance(a, a) == pytest.approx(0.0, abs=1e-9)
    assert generation.frechet_distance(a, np.add(a, [3.0, 0.0])) == pytest.approx(9.0, rel=1e-6)
    # N(0, 1) against N(0, 4) per dimension: (1 - 2)**2 each
    assert generation.frechet_distance(a, 2 * a) == pytest.approx(2.0, rel=0.02)


def test_kl_term_in_several_dimensions_by_hand():
    mean = np.array([[1.0, -2.0, 0.0], [0.0, 0.0, 0.0]])
    log_var = np.log([[1.0, 2.0, 0.5], [1.0, 1.0, 1.0]])
    # 0.5 * [(1 + 1 - 1 - 0) + (4 + 2 - 1 - ln 2) + (0 + 0.5 - 1 + ln 2)] = 0.5 * 5.5
    got = np.asarray(generation.kl_divergence(mean, log_var))
    np.testing.assert_allclose(got, [2.75, 0.0], rtol=1e-6)


def test_frechet_distance_with_covariances_that_do_not_commute():
    from scipy import linalg

    rng = np.random.default_rng(1)
    a = rng.normal(size=(5000, 3)) @ np.array([[2.0, 0.5, 0.0], [0.0, 1.0, 0.3], [0.0, 0.0, 0.4]])
    b = rng.normal(size=(5000, 3)) @ np.array([[0.3, 0.0, 0.0], [1.2, 0.8, 0.0], [0.5, -0.7, 1.5]])
    b += [1.0, -0.5, 0.2]
    s1, s2 = np.cov(a, rowvar=False), np.cov(b, rowvar=False)
    assert not np.allclose(s1 @ s2, s2 @ s1, atol=0.1)
    gap = a.mean(axis=0) - b.mean(axis=0)
    exact = gap @ gap + np.trace(s1 + s2 - 2 * linalg.sqrtm(s1 @ s2).real)
    assert generation.frechet_distance(a, b) == pytest.approx(exact, rel=1e-6)


def test_the_vae_reports_both_loss_terms_and_refuses_a_bad_latent_size():
    vae = generation.VAE(latent_dim=3, seed=0)
    vae.compile("adam")
    history = vae.fit(np.random.default_rng(0).random((16, 28, 28, 1)), epochs=2, verbose=0)
    terms = history.history
    assert set(terms) == {"loss", "reconstruction_loss", "kl_loss"}
    assert terms["loss"][-1] == pytest.approx(
        terms["reconstruction_loss"][-1] + terms["kl_loss"][-1], rel=1e-4
    )
    assert vae.generate(5).shape == (5, 28, 28, 1)
    with pytest.raises(ValueError, match="positive whole number"):
        generation.VAE(latent_dim=0)
    with pytest.raises(ValueError, match="latent plane needs latent_dim 2"):
        generation.latent_grid(vae)


@pytest.mark.parametrize("size", [0, -3, 2.5, True])
def test_the_recipe_refuses_a_latent_size_that_is_not_a_positive_integer(size):
    with pytest.raises(InvalidOptionError, match=r"--latent-dim .*positive whole number"):
        recipes.get("generation").spec("quick", latent_dim=size)


def test_the_command_line_names_a_bad_latent_size(capsys):
    assert cli.main(["train", "generation", "--latent-dim", "0"]) == 2
    assert "positive whole number" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["train", "generation", "--latent-dim", "two"])
    assert "invalid int value: 'two'" in capsys.readouterr().err


@pytest.mark.trains
def test_eight_epochs_already_generate_digits_closer_than_noise(nes2_home, tmp_path):
    run = recipes.train("generation", "quick", epochs=8, store=False, out=tmp_path)
    m = run.metrics
    assert m["run"] == "generation/16" and m["counts"] == {"train": 4000, "test": 1000}
    assert run.history["reconstruction_loss"][-1] < run.history["reconstruction_loss"][0]
    assert m["frechet_real"] < m["frechet_distance"] < m["frechet_noise"]
    assert m["judge_accuracy"] > 0.9 and m["confident_real"] > m["confident_share"]
    assert {p.name for p in tmp_path.iterdir()} >= {"generated.png", "interpolation.png"}
    assert keras.ops.convert_to_numpy(run.model.generate(2)).max() <= 1.0
    # the judge was trained once and stored; another run (another seed) judges with it
    (stored,) = (nes2_home / "judges").glob("mnist-*.keras")
    other = recipes.train("generation", "quick", epochs=1, seed=7, store=False)
    assert sorted((nes2_home / "judges").iterdir()) == [stored]
    assert other.metrics["judge_accuracy"] == m["judge_accuracy"]
    assert other.metrics["frechet_real"] == pytest.approx(m["frechet_real"], rel=1e-5)


@pytest.mark.trains
def test_the_judge_is_trained_once_and_loaded_after(nes2_home, monkeypatch):
    from nes2.recipes import generation as recipe

    rng = np.random.default_rng(0)
    images = rng.uniform(0, 255, (64, 28, 28, 1)).astype("float32")
    labels = np.arange(64) % 10
    first = recipe.judge_model(images, labels)
    monkeypatch.setattr(keras.Model, "fit", lambda *a, **k: pytest.fail("trained the judge again"))
    again = recipe.judge_model(images, labels)
    for a, b in zip(first.get_weights(), again.get_weights(), strict=True):
        np.testing.assert_array_equal(a, b)
    assert len(list((nes2_home / "judges").iterdir())) == 1  # nothing half-written left
