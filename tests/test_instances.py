"""Instance segmentation: touching digits, the heads' targets, decoding, mask AP, the recipe."""

import json

import numpy as np
import pytest
from scipy import ndimage

from nes2 import recipes
from nes2.data import arrays, digit_canvas
from nes2.errors import InvalidOptionError
from nes2.tasks import instances

pytestmark = pytest.mark.trains


@pytest.fixture(scope="module")
def pairs():
    digits = arrays.mnist("quick")
    return digit_canvas.touching_digits(digits.x_test, digits.y_test, 200, seed=3)


def ideal_outputs(canvases):
    """What a perfect network would output for `canvases` (from the targets themselves)."""
    t = instances.targets(canvases.instances, canvases.masks)
    return {
        "classes": np.eye(11)[t["classes"]],
        "centers": t["centers"],
        "offsets": t["offsets"][..., :2],
    }


def test_touching_digits_are_one_region_of_one_class_but_two_objects(pairs):
    assert pairs.images.shape == (200, 48, 48, 1)
    regions = [ndimage.label(m > 0, structure=np.ones((3, 3)))[1] for m in pairs.masks]
    assert np.mean(np.array(regions) == 1) > 0.9
    for classes, masks, objects in zip(pairs.classes, pairs.masks, pairs.instances, strict=True):
        assert len(classes) == 2 and classes[0] == classes[1]
        assert np.unique(objects).tolist() == [0, 1, 2]
        assert np.unique(masks).tolist() == [0, classes[0] + 1]
    again = digit_canvas.touching_digits(*_source(), 200, seed=3)
    assert np.array_equal(again.instances, pairs.instances)


def _source():
    digits = arrays.mnist("quick")
    return digits.x_test, digits.y_test


def test_touching_digits_refuse_what_cannot_be_made():
    x, y = _source()
    with pytest.raises(InvalidOptionError, match="at least 40 px"):
        digit_canvas.touching_digits(x, y, 1, size=32)
    with pytest.raises(InvalidOptionError, match="two digits of one class"):
        digit_canvas.touching_digits(x[:3], np.array([0, 1, 2]), 1)


def test_targets_point_every_pixel_to_the_centre_of_its_object(pairs):
    t = instances.targets(pairs.instances[:5], pairs.masks[:5])
    for i in range(5):
        for k in (1, 2):
            pixels = np.argwhere(pairs.instances[i] == k)
            centre = pixels.mean(axis=0)
            pointed = pixels + t["offsets"][i][tuple(pixels.T)][:, :2] * instances.OFFSET_SCALE
            assert np.allclose(pointed, centre, atol=1e-3)
            peak = np.round(centre).astype(int)
            assert t["centers"][i, peak[0], peak[1], 0] > 0.85
    assert np.array_equal(t["offsets"][..., 2] > 0, pairs.instances[:5] > 0)


def test_decoding_perfect_heads_recovers_the_objects_the_semantic_mask_merges(pairs):
    truth = instances.true_objects(pairs.instances, pairs.masks)
    found = instances.decode(ideal_outputs(pairs))
    # Two centres closer than the peak window (thin 1s drawn over each other) make one object.
    assert np.mean([len(f["masks"]) == 2 for f in found]) > 0.97
    assert instances.mask_average_precision(found, truth)["map50"] > 0.97
    found = instances.decode(ideal_outputs(pairs), window=3)
    assert [len(f["masks"]) for f in found] == [2] * len(found)
    assert instances.mask_average_precision(found, truth)["map50"] > 0.99
    merged = instances.connected_components(pairs.masks)
    assert np.mean([len(m["masks"]) for m in merged]) < 1.2
    assert instances.mask_average_precision(merged, truth)["map50"] < 0.7


def test_mask_ap_counts_a_wrong_class_or_a_wrong_place_as_a_miss():
    square = np.zeros((1, 16, 16), bool)
    square[0, 2:8, 2:8] = True
    elsewhere = np.zeros_like(square)
    elsewhere[0, 9:15, 9:15] = True
    truth = [{"masks": square, "classes": np.array([3])}]

    def ap(masks, cls):
        found = [{"masks": masks, "classes": np.array([cls]), "scores": np.array([0.8])}]
        return instances.mask_average_precision(found, truth)["map50"]

    assert ap(square, 3) == pytest.approx(1.0)
    assert ap(square, 4) == 0.0
    assert ap(elsewhere, 3) == 0.0
    empty = [{"masks": np.zeros((0, 16, 16), bool), "classes": np.zeros(0), "scores": np.zeros(0)}]
    assert instances.mask_average_precision(empty, truth)["map50"] == 0.0


def test_classes_from_a_semantic_mask_label_the_objects(pairs):
    found = instances.decode(ideal_outputs(pairs), window=3)
    agnostic = instances.true_objects(pairs.instances, pairs.masks > 0)
    labelled = instances.with_classes(found, pairs.masks)
    truth = instances.true_objects(pairs.instances, pairs.masks)
    assert [f["classes"].tolist() for f in labelled] == [t["classes"].tolist() for t in truth]
    assert instances.mask_average_precision(labelled, truth)["map50"] > 0.99
    assert instances.mask_average_precision(found, agnostic)["map50"] < 0.5  # ten classes vs one


def test_offset_loss_ignores_the_background():
    truth = np.zeros((1, 4, 4, 3), "float32")
    truth[0, 0, 0] = [0.25, 0.25, 1.0]
    wrong_background = np.full((1, 4, 4, 2), 5.0, "float32")
    wrong_background[0, 0, 0] = [0.25, 0.25]
    assert float(instances.offset_loss(truth, wrong_background).numpy()[0]) == 0.0
    assert float(instances.offset_loss(truth, np.zeros((1, 4, 4, 2), "float32")).numpy()[0]) > 0


def test_three_epochs_of_the_recipe_already_separate_touching_digits(tmp_path):
    run = recipes.train("instances", "quick", epochs=3, store=False, out=tmp_path)
    metrics = json.loads((tmp_path / "metrics.json").read_text())
    assert metrics["run"] == "instances" and metrics["counts"] == {"train": 2000, "test": 300}
    assert metrics["mask_ap50"] > metrics["components_ap50"]
    assert 0 <= metrics["mask_ap"] <= metrics["mask_ap50"] <= 1
    assert {"instances.png", "heads.png"} <= {p.name for p in tmp_path.iterdir()}
    assert run.model.get_layer("offsets").output.shape == (None, 48, 48, 2)


def test_without_pycocotools_the_recipe_names_the_install_before_training(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "pycocotools", None)  # import fails
    with pytest.raises(InvalidOptionError, match=r"pip install 'nes2\[cv\]'"):
        recipes.train("instances", "quick", epochs=1, store=False)
