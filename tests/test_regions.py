"""nes2.tasks.regions: RoI pooling and RoIAlign give fixed-size regions of a feature map."""

import numpy as np
import pytest

from nes2.errors import InvalidOptionError
from nes2.tasks import regions

FEATURES = np.random.default_rng(0).uniform(size=(12, 12, 5)).astype("float32")
BOXES = [[0, 0, 96, 96], [8, 16, 40, 40], [50, 60, 58, 68]]


@pytest.mark.parametrize("pool", [regions.roi_pool, regions.roi_align])
def test_every_region_becomes_the_same_size(pool):
    out = pool(FEATURES, BOXES, size=7, stride=8)
    assert out.shape == (3, 7, 7, 5) and np.isfinite(out).all()


def test_roi_pool_is_the_maximum_of_each_bin():
    whole = regions.roi_pool(FEATURES, [[0, 0, 96, 96]], size=2, stride=8)[0]
    np.testing.assert_allclose(whole[0, 0], FEATURES[:6, :6].max(axis=(0, 1)))
    np.testing.assert_allclose(whole[1, 1], FEATURES[6:, 6:].max(axis=(0, 1)))
    # a region one cell big pools to that cell everywhere
    cell = regions.roi_pool(FEATURES, [[16, 24, 24, 32]], size=3, stride=8)[0]
    np.testing.assert_allclose(cell, np.broadcast_to(FEATURES[3, 2], (3, 3, 5)))


def test_roi_pool_rounds_and_roi_align_does_not():
    ramp = np.tile(np.arange(12, dtype="float32"), (12, 1))[..., None]  # value = column
    boxes = [[8, 8, 40, 40], [11, 8, 43, 40]]  # the second is 3 px (3/8 cell) to the right
    pooled = regions.roi_pool(ramp, boxes, size=2, stride=8)
    aligned = regions.roi_align(ramp, boxes, size=2, stride=8)
    np.testing.assert_array_equal(pooled[0], pooled[1])  # both rounded to the same cells
    np.testing.assert_allclose(aligned[1] - aligned[0], 3 / 8, atol=1e-5)


def test_roi_align_of_a_linear_map_samples_the_bin_centres():
    ramp = np.tile(np.arange(12, dtype="float32"), (12, 1))[..., None]
    aligned = regions.roi_align(ramp, [[0, 0, 96, 96]], size=4, stride=8)[0, 0, :, 0]
    np.testing.assert_allclose(aligned, [1, 4, 7, 10], atol=1e-5)  # bins of 3 cells


def test_bad_input_is_named():
    with pytest.raises(InvalidOptionError, match="one image's map"):
        regions.roi_pool(FEATURES[None], BOXES)
    with pytest.raises(InvalidOptionError, match="at least 1 x 1"):
        regions.roi_align(FEATURES, BOXES, size=0)


def test_roi_align_reads_the_edge_cell_near_the_border():
    constant = np.full((4, 4, 2), 5.0, "float32")
    pooled = regions.roi_align(constant, [[0, 0, 4, 4], [0, 0, 2, 3]], size=7, samples=2)
    np.testing.assert_allclose(pooled, 5.0, rtol=1e-6)  # no sample reads zeros beyond the map


def test_roi_align_values_by_hand():
    grid = np.add.outer(10 * np.arange(8), np.arange(8)).astype("float32")[..., None]
    # box [2, 2, 6, 6] px = cells 1.5 .. 5.5; two bins per side centred on 2.5 and 4.5
    pooled = regions.roi_align(grid, [[2, 2, 6, 6]], size=2)[0, ..., 0]
    np.testing.assert_allclose(pooled, [[27.5, 29.5], [47.5, 49.5]], atol=1e-5)
    # a bin between four cells of a random map: the bilinear mean written out
    rng = np.random.default_rng(3)
    small = rng.uniform(size=(3, 3, 1)).astype("float32")
    (value,) = regions.roi_align(small, [[0.5, 0.5, 1.5, 1.5]], size=1, samples=1)[0, 0, 0]
    assert value == pytest.approx(small[:2, :2, 0].mean(), rel=1e-6)  # the centre (0.5, 0.5)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_the_cell_geometry_is_where_each_cell_looks(padding):
    """An impulse at each pixel shows which pixels a cell of the map sees; their centre is
    where `cell_geometry` says the cell is (valid convolutions: 3 px later than same ones)."""
    import keras

    model = keras.Sequential(
        [
            keras.Input((40, 40, 1)),
            keras.layers.Conv2D(1, 3, padding=padding, kernel_initializer="ones"),
            keras.layers.AveragePooling2D(2),
            keras.layers.Conv2D(1, 3, padding=padding, kernel_initializer="ones"),
            keras.layers.AveragePooling2D(2),
        ]
    )
    impulses = np.zeros((40, 40, 40, 1), "float32")
    impulses[np.arange(40), np.arange(40), 20] = 1  # image p: one lit pixel in row p
    seen = (np.asarray(model(impulses))[..., 0] > 0).any(axis=2)  # (pixel row, cell row)
    stride, offset = regions.cell_geometry(model)
    assert (stride, offset) == ((4, 3.0) if padding == "valid" else (4, 0.0))
    cell = 4
    pixels = np.flatnonzero(seen[:, cell])
    assert (pixels.min() + pixels.max() + 1) / 2 == offset + (cell + 0.5) * stride


def test_an_offset_map_cuts_the_region_the_box_covers():
    """A map whose cell n lies at pixels 3 + 4n .. 7 + 4n: the box over cells 2-3 pools
    exactly those cells with the offset, and a cell too early without it."""
    grid = np.arange(8, dtype="float32")[None, :, None].repeat(8, axis=0)
    box = [[11, 11, 19, 19]]  # cells 2 and 3 when the map starts 3 px in
    assert regions.roi_pool(grid, box, size=1, stride=4, offset=3)[0, 0, 0, 0] == 3
    aligned = regions.roi_align(grid, box, size=2, stride=4, offset=3)[0, 0, :, 0]
    np.testing.assert_allclose(aligned, [2, 3])
    np.testing.assert_allclose(
        regions.roi_align(grid, box, size=2, stride=4)[0, 0, :, 0], [2.75, 3.75]
    )


def test_the_cell_geometry_of_a_layer_it_cannot_follow_is_refused():
    import keras

    for layer in (keras.layers.UpSampling2D(), keras.layers.Conv2D(1, 3, dilation_rate=2)):
        model = keras.Sequential([keras.Input((16, 16, 1)), keras.layers.Conv2D(1, 3), layer])
        with pytest.raises(InvalidOptionError, match="not a plain square convolution"):
            regions.cell_geometry(model)
