import numpy as np
import pytest

from nes2 import layers, models


def test_scratch_convnet_has_the_books_parameter_count():
    # Deep Learning with Python, listing 5.5: 3,453,121 parameters at 150x150.
    model = models.small_convnet((150, 150, 3))
    assert model.count_params() == 3_453_121
    assert model.output_shape == (None, 1)


def test_switches_add_their_layers():
    plain = models.small_convnet((64, 64, 3))
    regular = models.small_convnet((64, 64, 3), dropout=0.5, batch_norm=True)
    names = {layer.__class__.__name__ for layer in regular.layers}
    assert {"Dropout", "BatchNormalization"} <= names
    plain_names = {layer.__class__.__name__ for layer in plain.layers}
    assert not {"Dropout", "BatchNormalization"} & plain_names
    bn = [layer for layer in regular.layers if layer.__class__.__name__ == "BatchNormalization"]
    assert all(layer.momentum == layers.BN_MOMENTUM for layer in bn)


def test_multiclass_head_is_softmax():
    model = models.small_convnet((32, 32, 3), filters=(8, 16), num_classes=5)
    out = model.predict(np.zeros((2, 32, 32, 3)), verbose=0)
    assert out.shape == (2, 5)
    np.testing.assert_allclose(out.sum(axis=1), 1.0, rtol=1e-5)


def test_augmentation_changes_images_only_in_training():
    block = models.augmentation(seed=1)
    images = np.random.default_rng(0).uniform(0, 255, (4, 32, 32, 3)).astype("float32")
    np.testing.assert_array_equal(np.asarray(block(images, training=False)), images)
    assert not np.allclose(np.asarray(block(images, training=True)), images)


def test_augmentation_switches():
    block = models.augmentation(flip=None, rotation=0, zoom=0, translation=0, contrast=0.2)
    assert [layer.__class__.__name__ for layer in block.layers] == ["RandomContrast"]


@pytest.mark.parametrize("variant", list(models.VARIANTS))
def test_variants_compile(variant):
    model = models.cats_vs_dogs_model(variant, (48, 48))
    assert model.compiled and model.loss == "binary_crossentropy"
    assert (model.layers[1].name == "augmentation") == (variant == "augmented")


def test_unknown_variant_lists_the_choices():
    with pytest.raises(ValueError, match="scratch, regularized, augmented"):
        models.cats_vs_dogs_model("pretrained")
