"""Image generation with a convolutional variational autoencoder (VAE), and how to measure it.

The encoder maps an image to a Gaussian in a small latent space (its mean and
log-variance); `Sampling` draws a point from it with the reparameterisation
trick `z = mean + exp(log_var / 2) * eps`, so that the draw stays
differentiable; the decoder builds the image back from `z`. The loss is the
reconstruction error plus the KL divergence of the encoder's Gaussian from
N(0, I), which packs the codes of all images around the origin: a point drawn
from N(0, I) then decodes to a new image.

Generated images are judged by a classifier trained on real ones, not by eye:
the share it labels with high confidence, the classes it sees, and the
Fréchet distance between its features of generated and of real images (the
FID of Heusel et al. 2017, with the course's small classifier in place of
Inception).

Examples:
    >>> vae = VAE(latent_dim=2)
    >>> reconstruction, mean, log_var = vae(np.zeros((3, 28, 28, 1), "float32"))
    >>> tuple(reconstruction.shape), tuple(mean.shape)
    ((3, 28, 28, 1), (3, 2))
    >>> float(kl_divergence(np.zeros((1, 2)), np.zeros((1, 2)))[0])  # N(0, I) itself
    0.0
"""

from __future__ import annotations

import keras
import numpy as np
from keras import layers, ops


@keras.saving.register_keras_serializable(package="nes2")
class Sampling(layers.Layer):
    """Draws `z = mean + exp(log_var / 2) * eps`, `eps ~ N(0, I)`: the reparameterisation trick.

    The randomness sits in `eps`, outside the parameters, so the gradient flows
    through `mean` and `log_var` to the encoder.

    Examples:
        >>> z = Sampling(seed=0)([np.zeros((10000, 1)), np.zeros((10000, 1))])
        >>> round(float(ops.std(z)), 1)  # log_var 0: unit variance
        1.0
    """

    def __init__(self, seed: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mean, log_var = inputs
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)
        return reparameterise(mean, log_var, eps)

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}


def reparameterise(mean, log_var, eps):
    """The latent point `mean + exp(log_var / 2) * eps` for noise `eps` drawn from N(0, I).

    Examples:
        >>> float(reparameterise(1.0, np.log(4.0), 0.5))  # sigma 2
        2.0
    """
    mean = ops.convert_to_tensor(mean)
    log_var, eps = ops.cast(log_var, mean.dtype), ops.cast(eps, mean.dtype)
    return mean + ops.exp(0.5 * log_var) * eps


def kl_divergence(mean, log_var):
    """KL(N(mean, exp(log_var)) || N(0, I)) of each example, summed over the latent dimensions.

    Examples:
        >>> float(kl_divergence(np.ones((1, 1)), np.zeros((1, 1)))[0])  # a shifted mean
        0.5
    """
    mean, log_var = ops.convert_to_tensor(mean), ops.convert_to_tensor(log_var)
    return 0.5 * ops.sum(ops.square(mean) + ops.exp(log_var) - 1 - log_var, axis=-1)


def encoder(latent_dim: int, input_shape=(28, 28, 1)) -> keras.Model:
    """Image -> (mean, log_var) of its latent Gaussian: two stride-2 convolutions and a dense layer.

    Examples:
        >>> [tuple(t.shape) for t in encoder(2).outputs]
        [(None, 2), (None, 2)]
    """
    inputs = keras.Input(input_shape, name="image")
    x = layers.Conv2D(32, 3, strides=2, padding="same", activation="relu", name="enc1")(inputs)
    x = layers.Conv2D(64, 3, strides=2, padding="same", activation="relu", name="enc2")(x)
    x = layers.Flatten()(x)
    x = layers.Dense(64, activation="relu", name="enc_dense")(x)
    mean = layers.Dense(latent_dim, name="z_mean")(x)
    log_var = layers.Dense(latent_dim, name="z_log_var")(x)
    return keras.Model(inputs, [mean, log_var], name="encoder")


def decoder(latent_dim: int, output_shape=(28, 28, 1)) -> keras.Model:
    """Latent point -> image in [0, 1]: the encoder mirrored with transposed convolutions.

    Examples:
        >>> decoder(2).output_shape
        (None, 28, 28, 1)
    """
    height, width, channels = output_shape
    inputs = keras.Input((latent_dim,), name="z")
    x = layers.Dense((height // 4) * (width // 4) * 64, activation="relu", name="dec_dense")(inputs)
    x = layers.Reshape((height // 4, width // 4, 64))(x)
    x = layers.Conv2DTranspose(64, 3, strides=2, padding="same", activation="relu", name="dec1")(x)
    x = layers.Conv2DTranspose(32, 3, strides=2, padding="same", activation="relu", name="dec2")(x)
    outputs = layers.Conv2D(channels, 3, padding="same", activation="sigmoid", name="image")(x)
    return keras.Model(inputs, outputs, name="decoder")


@keras.saving.register_keras_serializable(package="nes2")
class VAE(keras.Model):
    """A variational autoencoder: `encoder`, `Sampling`, `decoder`, trained on images alone.

    `fit(x)` needs no targets: the loss is the reconstruction error (binary
    cross-entropy summed over the pixels) plus the KL term, both averaged over
    the batch and reported per epoch as `reconstruction_loss` and `kl_loss`.

    Args:
        latent_dim: the size of the latent space (2 can be drawn as a plane).
        image_shape: `(height, width, channels)`, height and width divisible by 4.
        seed: seeds the sampling of `z` in training.

    Examples:
        >>> vae = VAE(latent_dim=2)
        >>> vae.compile("adam")
        >>> history = vae.fit(np.random.rand(8, 28, 28, 1), epochs=1, verbose=0)
        >>> sorted(history.history)
        ['kl_loss', 'loss', 'reconstruction_loss']
    """

    def __init__(self, latent_dim: int = 2, image_shape=(28, 28, 1), seed=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(latent_dim, int) or isinstance(latent_dim, bool) or latent_dim < 1:
            raise ValueError(
                f"latent_dim must be a positive whole number, not {latent_dim!r} "
                "(2 draws the latent plane; 8-32 gives sharper digits)."
            )
        self.latent_dim, self.image_shape, self.seed = latent_dim, tuple(image_shape), seed
        self.encoder = encoder(latent_dim, self.image_shape)
        self.decoder = decoder(latent_dim, self.image_shape)
        self.sampling = Sampling(seed, name="sampling")
        self.trackers = {
            name: keras.metrics.Mean(name=name) for name in ("reconstruction_loss", "kl_loss")
        }

    def build(self, input_shape=None):
        # the encoder and decoder are functional models, built when they were made
        self.built = True

    def call(self, images, training=False):
        mean, log_var = self.encoder(images, training=training)
        z = self.sampling([mean, log_var]) if training else mean
        return self.decoder(z, training=training), mean, log_var

    def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
        reconstruction, mean, log_var = y_pred
        per_pixel = keras.losses.binary_crossentropy(x[..., None], reconstruction[..., None])
        reconstruction_loss = ops.mean(ops.sum(per_pixel, axis=(1, 2, 3)))
        kl_loss = ops.mean(kl_divergence(mean, log_var))
        self.trackers["reconstruction_loss"].update_state(reconstruction_loss)
        self.trackers["kl_loss"].update_state(kl_loss)
        return reconstruction_loss + kl_loss

    @property
    def metrics(self):
        return [*super().metrics, *self.trackers.values()]

    def generate(self, count: int, seed: int = 0) -> np.ndarray:
        """`count` new images decoded from points drawn from N(0, I)."""
        z = np.random.default_rng(seed).normal(size=(count, self.latent_dim)).astype("float32")
        return decode(self, z)

    def get_config(self):
        return {
            **super().get_config(),
            "latent_dim": self.latent_dim,
            "image_shape": self.image_shape,
            "seed": self.seed,
        }


def decode(vae: VAE, points) -> np.ndarray:
    """The images of latent `points` `(n, latent_dim)`, as a NumPy array.

    A direct call of the decoder (not `predict`, which traces a graph for every new batch size).
    """
    return ops.convert_to_numpy(vae.decoder(np.asarray(points, "float32"), training=False))


def interpolate(vae: VAE, first, second, steps: int = 8) -> np.ndarray:
    """Images decoded along the straight line between the latent means of two images.

    Examples:
        >>> images = np.random.rand(2, 28, 28, 1).astype("float32")
        >>> interpolate(VAE(2), images[0], images[1], steps=5).shape
        (5, 28, 28, 1)
    """
    mean, _ = vae.encoder(np.stack([first, second]).astype("float32"), training=False)
    mean = ops.convert_to_numpy(mean)
    weights = np.linspace(0, 1, steps)[:, None]
    return decode(vae, (1 - weights) * mean[0] + weights * mean[1])


def latent_grid(vae: VAE, size: int = 12, extent: float = 2.5) -> np.ndarray:
    """The images of a `size` x `size` grid of points on the plane of a 2-D latent space.

    Row by row from the top (the second coordinate falls), columns from left
    to right (the first rises), each from `-extent` to `extent`.

    Examples:
        >>> latent_grid(VAE(2), size=3).shape
        (9, 28, 28, 1)
    """
    if vae.latent_dim != 2:
        raise ValueError(f"the latent plane needs latent_dim 2, this VAE has {vae.latent_dim}.")
    axis = np.linspace(-extent, extent, size)
    points = np.array([(x, y) for y in axis[::-1] for x in axis], "float32")
    return decode(vae, points)


def frechet_distance(features, reference) -> float:
    """The Fréchet distance between Gaussians fitted to two sets of feature vectors.

    `|mu1 - mu2|^2 + Tr(S1 + S2 - 2 (S1 S2)^(1/2))`: zero for identical
    statistics, growing with the distance of the means and the mismatch of the
    covariances (FID when the features are Inception's).

    Examples:
        >>> rng = np.random.default_rng(0)
        >>> a = rng.normal(size=(2000, 3))
        >>> round(frechet_distance(a, a), 6)
        0.0
        >>> round(frechet_distance(a, a + [2, 0, 0]), 1)  # means 2 apart: 2**2
        4.0
    """
    features, reference = np.asarray(features, "float64"), np.asarray(reference, "float64")
    mean_gap = features.mean(axis=0) - reference.mean(axis=0)
    cov1, cov2 = np.cov(features, rowvar=False), np.cov(reference, rowvar=False)
    # Tr((S1 S2)^(1/2)) = Tr((R S2 R)^(1/2)) with R = S1^(1/2): symmetric, so eigh is stable
    values, vectors = np.linalg.eigh(cov1)
    root1 = (vectors * np.sqrt(np.clip(values, 0, None))) @ vectors.T
    cross = np.sqrt(np.clip(np.linalg.eigvalsh(root1 @ cov2 @ root1), 0, None)).sum()
    return float(max(mean_gap @ mean_gap + np.trace(cov1) + np.trace(cov2) - 2 * cross, 0.0))


def judge(classifier: keras.Model, candidates: dict, reference, feature_layer="dense") -> dict:
    """How a classifier of real images sees sets of generated (or other) images.

    Args:
        classifier: a softmax classifier of the real images (inputs as it was trained on).
        candidates: name -> images to judge (e.g. the generated ones and a baseline).
        reference: real images of the test split, the same kind of input.
        feature_layer: the layer whose outputs are compared (the last hidden one).

    Returns:
        Name -> `confident_share` (top probability ≥ 0.9), `classes_covered`
        (classes labelled confidently at least once), `frechet_distance` to the reference.
    """
    features = keras.Model(classifier.inputs, classifier.get_layer(feature_layer).output)
    real = features.predict(reference, verbose=0)
    verdicts = {}
    for name, images in candidates.items():
        probabilities = classifier.predict(images, verbose=0)
        confident = probabilities.max(axis=1) >= 0.9
        verdicts[name] = {
            "confident_share": float(confident.mean()),
            "classes_covered": len(np.unique(probabilities.argmax(axis=1)[confident])),
            "frechet_distance": frechet_distance(features.predict(images, verbose=0), real),
        }
    return verdicts
