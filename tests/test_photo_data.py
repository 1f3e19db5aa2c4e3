"""The full profile's data sets: Pascal VOC 2007 and Oxford-IIIT Pet through tensorflow-datasets
(mocked by `tfds.testing.mock_data`, as no download is possible offline), all of MNIST, and the
`--data` option that chooses between them and the digit canvases."""

from __future__ import annotations

import json

import numpy as np
import pytest
from test_cli import run_here

from nes2 import cli, recipes
from nes2.errors import DownloadError
from nes2.teaching import expected

pytestmark = pytest.mark.trains

tfds_lib = pytest.importorskip("tensorflow_datasets")

MOCKED = 6
"""Examples per split that the mocked data sets yield."""


@pytest.fixture
def offline_tfds(monkeypatch):
    """The TFDS loader may not touch the network: reaching its storage fails the test."""
    from nes2.data import tfds

    def unreachable(address, timeout=5.0):
        raise AssertionError(f"the loader tried to reach {address}")

    monkeypatch.setattr(tfds, "_reachable", unreachable)


@pytest.mark.slow
@pytest.mark.parametrize(
    "recipe, options, source, metric, figure",
    [
        ("detection", ["--model", "yolov8"], "Pascal VOC 2007", "map50", "detections.png"),
        (
            "detection",
            ["--model", "retinanet", "--library", "keras-hub"],
            "Pascal VOC 2007",
            "map50",
            "detections.png",
        ),
        ("segmentation", ["--model", "unet"], "Oxford-IIIT Pet", "mean_iou", "masks.png"),
    ],
)
def test_full_profile_trains_the_photo_data_set_through_the_command_line(
    recipe, options, source, metric, figure, nes2_home, offline_tfds, capsys, tmp_path
):
    out = tmp_path / "run"
    with tfds_lib.testing.mock_data(num_examples=MOCKED):
        args = ["train", recipe, *options, "--profile", "full", "--epochs", "1", "--out", out]
        result = run_here(capsys, *args)
    assert result.returncode == 0, result.stderr
    metrics = json.loads((out / "metrics.json").read_text())
    assert metrics["profile"] == "full"
    assert metrics["data"] == {"detection": "voc", "segmentation": "pets"}[recipe]
    assert metrics["data_source"].startswith(source)
    assert metrics["counts"] == {"train": MOCKED, "test": MOCKED}
    assert metrics["epochs"] == 1
    assert 0.0 <= metrics[metric] <= 1.0
    assert (out / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_segmentation_on_pets_has_three_classes_background_first(nes2_home, offline_tfds):
    recipe = recipes.get("segmentation")
    with tfds_lib.testing.mock_data(num_examples=3):
        data = recipe.data(recipe.spec("quick", data="pets", seed=0))
    assert data.class_names == ["pozadí", "zvíře", "okraj"]
    masks = data.test[1]
    assert data.train[0].shape == (3, 96, 96, 3) and data.train[0].dtype == np.uint8
    assert masks.shape == (3, 96, 96)
    assert set(np.unique(masks)) <= {0, 1, 2}


def test_voc_labels_are_padded_xyxy_pixel_boxes_inside_the_image(nes2_home, offline_tfds):
    from nes2.recipes import detection

    recipe = recipes.get("detection")
    with tfds_lib.testing.mock_data(num_examples=4):
        data = recipe.data(recipe.spec("quick", data="voc", seed=0))
        images, labels = next(iter(data.test))
    size = detection.VOC_SIZE["quick"]
    assert images.shape[1:] == (size, size, 3)
    assert labels["boxes"].shape[1:] == (detection.VOC_MAX_BOXES, 4)
    assert len(data.class_names) == 20 and data.class_names[0] == "aeroplane"
    boxes, classes = labels["boxes"].numpy(), labels["classes"].numpy()
    real = classes >= 0
    assert real.any() and (boxes[~real] == -1).all()
    x0, y0, x1, y1 = boxes[real].T
    assert (x0 <= x1).all() and (y0 <= y1).all()
    assert boxes[real].min() >= 0 and boxes[real].max() <= size


def test_flip_mirrors_the_boxes_with_the_image_and_keeps_the_padding():
    import tensorflow as tf

    from nes2.recipes.detection import _flip

    image = tf.reshape(tf.range(2 * 4 * 3, dtype=tf.float32), (2, 4, 3))
    labels = {"boxes": tf.constant([[0.0, 0.0, 1.0, 2.0], [-1, -1, -1, -1]]),
              "classes": tf.constant([3.0, -1.0])}  # fmt: skip
    seen = set()
    for seed in range(20):
        tf.random.set_seed(seed)
        flipped, out = _flip(image, labels)
        if np.array_equal(flipped.numpy(), image.numpy()[:, ::-1]):
            seen.add("flipped")
            assert out["boxes"].numpy().tolist() == [[3.0, 0.0, 4.0, 2.0], [-1, -1, -1, -1]]
        else:
            seen.add("kept")
            assert np.array_equal(out["boxes"].numpy(), labels["boxes"].numpy())
    assert seen == {"flipped", "kept"}


def test_data_defaults_follow_the_profile_and_can_be_chosen():
    for name, photos in (("detection", "voc"), ("segmentation", "pets")):
        recipe = recipes.get(name)
        assert recipe.resolve({}, "quick")["data"] == "digits"
        assert recipe.resolve({}, "full")["data"] == photos
        assert recipe.resolve({"data": "digits"}, "full")["data"] == "digits"
        assert recipe.resolve({"data": photos}, "quick")["data"] == photos


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "detection", "--data", "pets"], "'pets' (choose from 'digits', 'voc')"),
        (["train", "segmentation", "--data", "voc"], "'voc' (choose from 'digits', 'pets')"),
        (["train", "digit-tilt", "--data", "voc"], "unrecognized arguments: --data voc"),
    ],
)  # fmt: skip
def test_data_a_recipe_cannot_use_is_refused_with_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_help_shows_the_default_of_each_profile(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "detection", "--help"])
    assert "(default: digits; full: voc)" in " ".join(capsys.readouterr().out.split())


def test_a_prepared_folder_of_another_version_is_named(tmp_path, offline_tfds):
    from nes2.data import tfds

    old = tmp_path / "voc" / "2007" / "1.0.0"
    old.mkdir(parents=True)
    (old / "dataset_info.json").write_text("{}")
    with pytest.raises(
        DownloadError, match=r"prepared in .*2007 as version 1\.0\.0.* reads version"
    ):
        tfds.voc("test", data_dir=str(tmp_path))


def test_a_prepared_data_set_is_read_without_the_network(tmp_path, offline_tfds):
    from nes2.data import tfds

    with tfds_lib.testing.mock_data(num_examples=2):
        examples = list(tfds.oxford_pets("test", data_dir=str(tmp_path)).take(2))
    assert len(examples) == 2 and "segmentation_mask" in examples[0]


@pytest.mark.parametrize("name", ["digit-tilt", "localization"])
def test_full_profile_uses_all_of_mnist(name, monkeypatch):
    from nes2.data import arrays

    def keras_mnist(dataset, **kwargs):
        assert dataset == "MNIST"
        rng = np.random.default_rng(0)
        return (
            (rng.integers(0, 255, (60_000, 28, 28), np.uint8), np.arange(60_000) % 10),
            (rng.integers(0, 255, (10_000, 28, 28), np.uint8), np.arange(10_000) % 10),
        )

    monkeypatch.setattr(arrays, "_keras", keras_mnist)
    recipe = recipes.get(name)
    data = recipe.data(recipe.spec("full", seed=0))
    assert data.source == "MNIST (keras.datasets)"
    train = data.counts.get("train_digits", data.counts.get("train"))
    test = data.counts.get("test_digits", data.counts.get("test"))
    assert (train, test) == (60_000, 10_000)


def test_every_run_of_the_quick_profile_has_a_full_entry_not_recorded_yet():
    full = {e.name: e for e in expected.entries("full")}
    quick = {e.name for e in expected.entries("quick")}
    assert quick <= set(full)
    assert {"cats-vs-dogs/transfer", "cats-vs-dogs/finetune", "detection/retinanet"} <= set(full)
    for entry in full.values():
        assert not entry.recorded, entry.name
        rows = expected.compare(entry, {})
        assert {row.verdict for row in rows} == {"not recorded yet"}, entry.name
    finetune = full["cats-vs-dogs/finetune"]
    assert finetune.target("test_accuracy").startswith(expected.NOT_RECORDED)
    assert "0,968" in finetune.target("test_accuracy")
    assert "Deep Learning with Python" in finetune.target("test_accuracy")
    goal = finetune.goal({"test_accuracy": "přesnost"})
    assert expected.NOT_RECORDED in goal and "přesnost 0,968 (Chollet" in goal
    assert "≥" not in goal


def test_photo_runs_of_the_full_profile_name_their_data_set():
    full = {e.name: e for e in expected.entries("full")}
    assert full["detection/yolov8"].options["data"] == "voc"
    assert full["segmentation/unet"].options["data"] == "pets"
