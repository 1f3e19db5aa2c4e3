"""The lecture's small convnets and the data-augmentation block.

The Cats-vs-Dogs model follows *Deep Learning with Python* (Chollet): four
convolution + max-pooling stages, a dense layer and a sigmoid output, with
switches for dropout, batch normalization and data augmentation, the three
steps of the lecture.
"""

from __future__ import annotations

import keras
from keras import layers

from nes2.layers import classifier_head, conv_bn_relu

VARIANTS = {
    "scratch": {},
    "regularized": {"dropout": 0.5, "batch_norm": True},
    "augmented": {"dropout": 0.5, "batch_norm": True, "augment": True},
}
"""The three Cats-vs-Dogs variants of the lecture and their switches."""


def augmentation(
    *,
    flip: str | None = "horizontal",
    rotation: float = 0.1,
    zoom: float = 0.2,
    translation: float = 0.1,
    contrast: float = 0.0,
    seed: int | None = None,
    name: str = "augmentation",
) -> keras.Sequential:
    """A data-augmentation block of Keras preprocessing layers.

    It is active only in training (`training=True`); at inference it passes
    images through unchanged. Put it at the start of a model.

    Args:
        flip: `"horizontal"`, `"vertical"`, `"horizontal_and_vertical"` or `None`.
        rotation: the largest rotation as a fraction of a full turn (0.1 = 36 degrees).
        zoom: the largest zoom in or out as a fraction of the size.
        translation: the largest shift as a fraction of the size.
        contrast: the largest contrast change (0 turns it off).
        seed: seed for reproducible augmentation.
        name: the block's name.

    Examples:
        >>> block = augmentation(rotation=0.05)
        >>> [layer.__class__.__name__ for layer in block.layers]
        ['RandomFlip', 'RandomRotation', 'RandomZoom', 'RandomTranslation']
    """
    steps = []
    if flip:
        steps.append(layers.RandomFlip(flip, seed=seed))
    if rotation:
        steps.append(layers.RandomRotation(rotation, fill_mode="reflect", seed=seed))
    if zoom:
        steps.append(layers.RandomZoom(zoom, fill_mode="reflect", seed=seed))
    if translation:
        steps.append(
            layers.RandomTranslation(translation, translation, fill_mode="reflect", seed=seed)
        )
    if contrast:
        steps.append(layers.RandomContrast(contrast, seed=seed))
    return keras.Sequential(steps, name=name)


def small_convnet(
    input_shape: tuple[int, int, int] = (150, 150, 3),
    *,
    filters: tuple[int, ...] = (32, 64, 128, 128),
    dense_units: int = 512,
    dropout: float = 0.0,
    batch_norm: bool = False,
    augment: bool | keras.Layer = False,
    num_classes: int = 2,
    name: str = "small_convnet",
) -> keras.Model:
    """The small convnet trained from scratch on Cats vs Dogs.

    Inputs are images with values 0-255; the model rescales them itself.

    Args:
        input_shape: `(height, width, channels)`.
        filters: filters of the 3x3 convolutions, one max-pooling stage each.
        dense_units: units of the dense layer before the output.
        dropout: dropout rate before the dense layer (0 turns it off).
        batch_norm: batch normalization after each convolution.
        augment: `True` for `augmentation()`, or a layer to use instead.
        num_classes: 2 gives one sigmoid unit, more a softmax.
        name: the model's name.

    Returns:
        An uncompiled functional `keras.Model`.

    Examples:
        >>> model = small_convnet((64, 64, 3), dropout=0.5, batch_norm=True)
        >>> model.output_shape
        (None, 1)
    """
    inputs = keras.Input(shape=input_shape, name="image")
    x = inputs
    if augment is True:
        x = augmentation()(x)
    elif augment:
        x = augment(x)
    x = layers.Rescaling(1.0 / 255, name="rescale")(x)
    for i, n in enumerate(filters, start=1):
        x = conv_bn_relu(x, n, suffix=str(i), batch_norm=batch_norm)
        x = layers.MaxPooling2D(2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    return keras.Model(inputs, classifier_head(x, num_classes), name=name)


def cats_vs_dogs_model(
    variant: str = "scratch",
    image_size: tuple[int, int] = (150, 150),
    *,
    learning_rate: float = 1e-3,
) -> keras.Model:
    """A compiled Cats-vs-Dogs convnet for one of the lecture's variants.

    Args:
        variant: `"scratch"`, `"regularized"` (dropout + batch normalization)
            or `"augmented"` (that plus data augmentation).
        image_size: `(height, width)` of the input images.
        learning_rate: Adam's learning rate.

    Examples:
        >>> model = cats_vs_dogs_model("augmented", (64, 64))
        >>> model.layers[1].name
        'augmentation'
    """
    if variant not in VARIANTS:
        raise ValueError(f"Unknown variant {variant!r}: use one of {', '.join(VARIANTS)}.")
    model = small_convnet((*image_size, 3), name=f"convnet_{variant}", **VARIANTS[variant])
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


def conv1d_classifier(input_shape=(256, 1), num_classes: int = 4, filters=(16, 32, 64)):
    """A 1D convnet for sequences `(steps, channels)`: Conv1D + max pooling, then global pooling.

    Examples:
        >>> conv1d_classifier((256, 1), 4).output.shape
        (None, 4)
    """
    inputs = keras.Input(input_shape, name="sequence")
    x = inputs
    for i, n in enumerate(filters, start=1):
        x = layers.Conv1D(n, 7, padding="same", activation="relu", name=f"conv{i}")(x)
        x = layers.MaxPooling1D(2, name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling1D(name="gap")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="prediction")(x)
    model = keras.Model(inputs, outputs, name="conv1d_classifier")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


TEXT_KINDS = ("conv1d", "bag")


def text_classifier(
    vocabulary: int, length: int, *, kind: str = "conv1d", dim: int = 16, filters: int = 32
) -> keras.Model:
    """A sentiment classifier over word indices: `Embedding`, then `Conv1D` or a bag of words.

    The embedding turns a review into a `(length, dim)` matrix, one learned
    row per word. `kind="conv1d"` slides `filters` filters three words wide
    over it and keeps each filter's strongest response (global max pooling):
    it can react to "not good" as a phrase. `kind="bag"` averages the rows,
    which forgets the order of the words. Index 0 pads.

    Examples:
        >>> text_classifier(100, 40).output_shape
        (None, 1)
        >>> text_classifier(100, 40, kind="bag").get_layer("embedding").output.shape
        (None, 40, 16)
    """
    if kind not in TEXT_KINDS:
        raise ValueError(f"kind must be one of {', '.join(map(repr, TEXT_KINDS))}, not {kind!r}.")
    inputs = keras.Input((length,), dtype="int32", name="words")
    x = layers.Embedding(vocabulary, dim, name="embedding")(inputs)
    if kind == "conv1d":
        x = layers.Conv1D(filters, 3, padding="same", activation="relu", name="conv")(x)
        x = layers.GlobalMaxPooling1D(name="strongest")(x)
    else:
        x = layers.GlobalAveragePooling1D(name="average")(x)
    outputs = layers.Dense(1, activation="sigmoid", name="positive")(x)
    model = keras.Model(inputs, outputs, name=f"text_{kind}")
    model.compile("adam", "binary_crossentropy", metrics=["accuracy"])
    return model


def conv1d_forecaster(input_shape=(120, 1), horizon: int = 24, filters=(32, 32, 64)):
    """A 1D convnet that reads a window of a series and predicts its next `horizon` values at once.

    Conv1D + max pooling extract the window's local shapes; a dense layer over
    all positions (`Flatten`, not global pooling: here it matters *when*
    something happened) gives the `horizon` values.

    Examples:
        >>> conv1d_forecaster((120, 1), 24).output_shape
        (None, 24)
    """
    inputs = keras.Input(input_shape, name="history")
    x = inputs
    for i, n in enumerate(filters, start=1):
        x = layers.Conv1D(n, 5, padding="same", activation="relu", name=f"conv{i}")(x)
        x = layers.MaxPooling1D(2, name=f"pool{i}")(x)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(horizon, name="forecast")(x)
    return keras.Model(inputs, outputs, name="conv1d_forecaster")


def conv3d_classifier(input_shape=(8, 48, 48, 1), num_classes: int = 4, filters=(8, 16)):
    """A 3D convnet for short videos `(frames, height, width, channels)`.

    The 3x3x3 kernels see three consecutive frames at once, so they can
    respond to motion, which no single frame shows.

    Examples:
        >>> conv3d_classifier().output.shape
        (None, 4)
    """
    inputs = keras.Input(input_shape, name="video")
    x = layers.Rescaling(1 / 255, name="rescale")(inputs)
    for i, n in enumerate(filters, start=1):
        x = layers.Conv3D(n, 3, padding="same", activation="relu", name=f"conv{i}")(x)
        x = layers.MaxPooling3D((1, 2, 2), name=f"pool{i}")(x)
    x = layers.GlobalAveragePooling3D(name="gap")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="prediction")(x)
    model = keras.Model(inputs, outputs, name="conv3d_classifier")
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    return model
