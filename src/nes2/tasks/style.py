"""Style transfer: Gatys et al.'s optimisation (2016) and Johnson et al.'s one-pass network.

A fixed convolutional network (the *loss network*, VGG19) describes an image
twice: its features on a deep layer say **what** is where (the content), the
Gram matrices of its features on several layers say which features occur
**together**, wherever they are (the style: textures and colours). A stylised
image keeps the content of one image and takes the style of another:

- `optimise` changes the pixels of one image by gradient descent on the
  content loss + style loss + total variation (seconds per image);
- `stylizer` is an encoder-decoder trained with the same losses on many
  photographs (`train_stylizer`); it then stylises any photo in one pass.

Both losses are relative here (squared error divided by the squared size of
the target), so that each layer counts alike whether the loss network has
ImageNet weights or random ones (random convolutional features, too,
synthesise textures: Ustyuzhaninov et al., ICLR 2017).

Examples:
    >>> features = np.ones((1, 4, 4, 2), "float32")
    >>> gram_matrix(features).numpy()[0].tolist()  # every pair of channels: mean of 1 * 1
    [[1.0, 1.0], [1.0, 1.0]]
"""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf
from keras import layers

CONTENT_LAYER = "block4_conv2"
STYLE_LAYERS = ("block1_conv1", "block2_conv1", "block3_conv1", "block4_conv1")
STYLE_WEIGHT = 5.0
"""The style loss's weight against the content loss's 1: more style, less of the photo."""
TV_WEIGHT = 2e-4
"""The weight of the total variation, which keeps neighbouring pixels alike."""


def as_rgb(image, size: int | None = None, *, role: str = "image") -> np.ndarray:
    """An image as float32 RGB in [0, 1], `(size, size, 3)`: how the losses want it.

    Grey images are repeated into three channels; integer images are divided
    by 255; a non-square image is cropped to its central square and resized to
    `size` (the style image takes the content's size: its Gram matrices do not
    depend on where things are).

    Raises:
        ValueError: an alpha channel, or a shape that is not an image.

    Examples:
        >>> as_rgb(np.zeros((10, 20), "uint8"), 8).shape   # grey, wide: cropped and resized
        (8, 8, 3)
        >>> as_rgb(np.zeros((8, 8, 4)), role="style image")
        Traceback (most recent call last):
        ...
        ValueError: The style image has an alpha channel: pass image[..., :3] or blend it.
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = np.repeat(image[..., None], 3, axis=-1)
    if image.ndim != 3 or image.shape[-1] not in (1, 3, 4):
        raise ValueError(
            f"The {role} must be (height, width[, 1 or 3 channels]), not {image.shape}."
        )
    if image.shape[-1] == 4:
        raise ValueError(f"The {role} has an alpha channel: pass image[..., :3] or blend it.")
    if image.shape[-1] == 1:
        image = np.repeat(image, 3, axis=-1)
    image = image / 255 if np.issubdtype(image.dtype, np.integer) else image
    height, width = image.shape[:2]
    side = min(height, width)
    top, left = (height - side) // 2, (width - side) // 2
    image = image[top : top + side, left : left + side].astype("float32")
    if size is not None and side != size:
        image = tf.image.resize(image, (size, size), antialias=True).numpy()
    return np.clip(image, 0, 1).astype("float32")


def pattern(size: int = 128, seed: int = 0) -> np.ndarray:
    """A generated style image: coloured waves and rings (drawn by the program, not a painting).

    Examples:
        >>> pattern(16).shape
        (16, 16, 3)
    """
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0 : 1 : size * 1j, 0 : 1 : size * 1j]
    waves = np.sin(18 * (x + 0.3 * np.sin(6 * y)) + rng.uniform(0, 6))
    rings = np.sin(40 * np.hypot(x - 0.7, y - 0.3))
    hue = 0.5 + 0.5 * np.stack([waves, rings, waves * rings], axis=-1)
    return (0.15 + 0.85 * hue * np.array([1.0, 0.75, 0.35])).astype("float32")


def loss_network(weights: str | None = "imagenet", seed: int = 0) -> keras.Model:
    """VGG19's convolutions up to `CONTENT_LAYER`: image in [0, 1] -> the features the losses use.

    Args:
        weights: `"imagenet"` (downloaded once into Keras' cache) or `None` (random).
        seed: the random weights' seed: drawn from it alone (Glorot uniform, zero biases),
            so that every process, run and method measures with the same network.

    Returns:
        A frozen model from images `(n, h, w, 3)` in [0, 1] to a dict with the
        content layer and the style layers.
    """
    vgg = keras.applications.VGG19(include_top=False, weights=weights)
    if weights is None:
        rng = np.random.default_rng(seed)
        for layer in vgg.layers:
            if isinstance(layer, layers.Conv2D):
                kernel, bias = layer.get_weights()
                limit = np.sqrt(6 / (np.prod(kernel.shape[:2]) * sum(kernel.shape[2:])))
                drawn = rng.uniform(-limit, limit, kernel.shape).astype(kernel.dtype)
                layer.set_weights([drawn, np.zeros_like(bias)])
    vgg.trainable = False
    names = (*STYLE_LAYERS, CONTENT_LAYER)
    features = keras.Model(vgg.input, {name: vgg.get_layer(name).output for name in names})
    inputs = keras.Input((None, None, 3), name="image")
    scaled = layers.Lambda(lambda x: keras.applications.vgg19.preprocess_input(x * 255))(inputs)
    return keras.Model(inputs, features(scaled), name=f"vgg19_{weights or 'random'}")


def gram_matrix(features) -> tf.Tensor:
    """`(n, h, w, c)` features -> `(n, c, c)`: the mean product of every pair of channels.

    The positions are summed out, so the matrix says which features occur
    together, not where: a description of style and texture.
    """
    features = tf.convert_to_tensor(features)
    positions = tf.cast(tf.shape(features)[1] * tf.shape(features)[2], features.dtype)
    return tf.einsum("nhwc,nhwd->ncd", features, features) / positions


def _relative(value, target) -> tf.Tensor:
    """Per image: the squared error over the squared size of that image's target (a batch of
    photos weighs each photo's content as the optimisation weighs its one photo)."""
    axes = list(range(1, len(target.shape)))
    return tf.reduce_sum(tf.square(value - target), axes) / (
        tf.reduce_sum(tf.square(target), axes) + 1e-8
    )


def total_variation(images) -> tf.Tensor:
    """The mean absolute difference of neighbouring pixels of each image (smooths the result)."""
    images = tf.convert_to_tensor(images)
    return tf.image.total_variation(images) / tf.cast(tf.size(images[0]), images.dtype)


class StyleLosses:
    """Content, style and total-variation losses against one style (and, optionally, content).

    Args:
        network: `loss_network(...)`.
        style: the style image `(h, w, 3)` in [0, 1].
        style_weight: the style loss's weight in `total` (the content loss's is 1).

    Examples:
        ```python
        losses = StyleLosses(loss_network(None), pattern(64))
        content, style, tv = losses(images, contents)   # each (n,)
        ```
    """

    def __init__(self, network: keras.Model, style, style_weight: float = STYLE_WEIGHT):
        self.network, self.style_weight = network, style_weight
        features = network(np.asarray(style, "float32")[None])
        self.grams = {name: gram_matrix(features[name]) for name in STYLE_LAYERS}

    def __call__(self, images, contents):
        """Per image: `(content_loss, style_loss, total_variation)` of `images` vs `contents`."""
        features = self.network(images)
        targets = self.network(contents)[CONTENT_LAYER]
        content = _relative(features[CONTENT_LAYER], targets)
        style = tf.add_n(
            [_relative(gram_matrix(features[n]), self.grams[n]) for n in STYLE_LAYERS]
        ) / len(STYLE_LAYERS)
        return content, style, total_variation(images)

    def total(self, images, contents) -> tf.Tensor:
        """The loss that both methods minimise, averaged over the images."""
        content, style, tv = self(images, contents)
        return tf.reduce_mean(content + self.style_weight * style + TV_WEIGHT * tv)


def optimise(
    losses: StyleLosses, content, steps: int = 100, learning_rate: float = 0.02, image=None
):
    """Gatys et al.: gradient descent on the pixels, starting from the content image.

    Args:
        losses: the `StyleLosses` of the style image.
        content: the content image `(h, w, 3)` in [0, 1].
        steps: Adam steps.
        learning_rate: Adam's step in pixel values.
        image: a `keras.Variable` `(1, h, w, 3)` to optimise in place (default: a new one).

    Returns:
        `(image, history)`: the result `(h, w, 3)` and the losses per step.
    """
    contents = tf.constant(np.asarray(content, "float32")[None])
    image = image if image is not None else keras.Variable(contents)
    image.assign(contents)
    optimizer = keras.optimizers.Adam(learning_rate)

    @tf.function
    def step():
        with tf.GradientTape() as tape:
            content_loss, style_loss, _ = losses(image.value, contents)
            total = losses.total(image.value, contents)
        optimizer.apply_gradients([(tape.gradient(total, image.value), image)])
        image.assign(tf.clip_by_value(image.value, 0.0, 1.0))
        return content_loss[0], style_loss[0]

    history = {"content_loss": [], "style_loss": []}
    for _ in range(steps):
        content_loss, style_loss = step()
        history["content_loss"].append(float(content_loss))
        history["style_loss"].append(float(style_loss))
    return np.asarray(image.value)[0], history


def _residual(x, width: int, name: str):
    y = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"{name}_a")(x)
    y = layers.Conv2D(width, 3, padding="same", name=f"{name}_b")(y)
    return layers.Add(name=f"{name}_add")([x, y])


def stylizer(widths=(16, 32, 48), residual_blocks: int = 2) -> keras.Model:
    """Johnson et al.'s encoder-decoder, small: photo in [0, 1] -> stylised photo, in one pass.

    Two stride-2 convolutions encode, residual blocks transform at a quarter of
    the resolution, upsampling and convolutions decode (no transposed
    convolutions: no checkerboard). The output is the photo plus the change the
    decoder draws, so the content passes through from the first step. Fully
    convolutional: any size divisible by 4.

    Examples:
        >>> stylizer()(np.zeros((1, 32, 32, 3), "float32")).shape
        TensorShape([1, 32, 32, 3])
    """
    inputs = keras.Input((None, None, 3), name="photo")
    x = layers.Conv2D(widths[0], 5, padding="same", activation="relu", name="enc1")(inputs)
    x = layers.Conv2D(widths[1], 3, strides=2, padding="same", activation="relu", name="enc2")(x)
    x = layers.Conv2D(widths[2], 3, strides=2, padding="same", activation="relu", name="enc3")(x)
    for i in range(residual_blocks):
        x = _residual(x, widths[2], f"res{i + 1}")
    for i, width in enumerate((widths[1], widths[0]), start=1):
        x = layers.UpSampling2D(2, interpolation="nearest", name=f"up{i}")(x)
        x = layers.Conv2D(width, 3, padding="same", activation="relu", name=f"dec{i}")(x)
    change = layers.Conv2D(3, 5, padding="same", activation="tanh", name="change")(x)
    # the network learns what to change in the photo; ReLU(max_value=1) keeps pixels in [0, 1]
    outputs = layers.ReLU(max_value=1.0, name="stylised")(layers.Add()([inputs, change]))
    return keras.Model(inputs, outputs, name="stylizer")


def random_crops(photos, size: int, count: int, seed: int = 0) -> np.ndarray:
    """`count` random `size` x `size` crops of the photos (`(h, w, 3)` each), as one array."""
    rng = np.random.default_rng(seed)
    crops = []
    for i in rng.integers(0, len(photos), count):
        photo = photos[i]
        top = rng.integers(0, photo.shape[0] - size + 1)
        left = rng.integers(0, photo.shape[1] - size + 1)
        crops.append(photo[top : top + size, left : left + size])
    return np.stack(crops).astype("float32")


def train_stylizer(
    model,
    losses: StyleLosses,
    crops,
    steps: int,
    batch_size: int = 4,
    seed: int = 0,
    learning_rate: float = 2e-3,
):
    """Train `model` so that its output of each crop minimises `losses.total` against that crop.

    Returns:
        The losses per step (`content_loss`, `style_loss`, means over the batch).
    """
    optimizer = keras.optimizers.Adam(learning_rate)
    rng = np.random.default_rng(seed)

    @tf.function
    def step(batch):
        with tf.GradientTape() as tape:
            out = model(batch, training=True)
            content_loss, style_loss, _ = losses(out, batch)
            total = losses.total(out, batch)
        grads = tape.gradient(total, model.trainable_variables)
        optimizer.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return tf.reduce_mean(content_loss), tf.reduce_mean(style_loss)

    history = {"content_loss": [], "style_loss": []}
    for _ in range(steps):
        batch = tf.constant(crops[rng.integers(0, len(crops), batch_size)])
        content_loss, style_loss = step(batch)
        history["content_loss"].append(float(content_loss))
        history["style_loss"].append(float(style_loss))
    return history


def seconds_per_image(model, image, repeats: int = 5) -> float:
    """The median time of one stylisation of `image` `(h, w, 3)` by `model` (after a warm-up)."""
    batch = np.asarray(image, "float32")[None]
    model.predict_on_batch(batch)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        model.predict_on_batch(batch)
        times.append(time.perf_counter() - start)
    return float(np.median(times))
