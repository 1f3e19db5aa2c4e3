import json
import shutil

import numpy as np
import pytest

from nes2.data import catsdogs
from nes2.errors import ChecksumError, DataNotFoundError, DownloadError


def _contents(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")) if folder.exists() else []


def test_fetch_from_local_server(nes2_home, http_server, pets_archive):
    with pytest.warns(UserWarning, match="Refused 1 archive member"):
        manifest = catsdogs.fetch(url=http_server, sha256=pets_archive.sha256)
    valid = pets_archive.valid_per_class
    assert manifest["images"] == {"cat": valid, "dog": valid}
    assert manifest["dropped"] == pets_archive.corrupt
    assert manifest["refused_members"] == [pets_archive.escaping_member]
    assert not (nes2_home / "escape.txt").exists()
    assert not (nes2_home.parent / "escape.txt").exists()
    assert catsdogs.is_fetched()
    on_disk = json.loads((nes2_home / "cats_vs_dogs/extracted/manifest.json").read_text())
    assert on_disk == manifest
    # a second call uses the cache: the server is not needed any more
    assert catsdogs.fetch(url="http://127.0.0.1:9/gone", sha256=pets_archive.sha256) == manifest
    assert (nes2_home / "cats_vs_dogs" / catsdogs.ARCHIVE_NAME).is_file()  # kept by default


def test_a_dropped_archive_leaves_the_data_once(nes2_home, http_server, pets_archive):
    with pytest.warns(UserWarning):
        manifest = catsdogs.fetch(url=http_server, sha256=pets_archive.sha256, keep_archive=False)
    assert not (nes2_home / "cats_vs_dogs" / catsdogs.ARCHIVE_NAME).exists()
    assert catsdogs.is_fetched() and manifest["sha256"] == pets_archive.sha256
    shutil.rmtree(nes2_home / "cats_vs_dogs")
    with pytest.warns(UserWarning):  # an archive downloaded by hand is the user's: kept
        catsdogs.fetch(archive=pets_archive.path, sha256=pets_archive.sha256, keep_archive=False)
    assert pets_archive.path.is_file()


def test_wrong_checksum_leaves_the_cache_empty(nes2_home, http_server):
    with pytest.raises(ChecksumError, match="expected 0000"):
        catsdogs.fetch(url=http_server, sha256="0" * 64)
    assert _contents(nes2_home / "cats_vs_dogs") == []
    assert not catsdogs.is_fetched()


def test_offline_error_says_how_to_proceed(nes2_home):
    with pytest.raises(DownloadError) as info:
        catsdogs.fetch(url="http://127.0.0.1:9/kagglecatsanddogs_5340.zip", timeout=1)
    message = str(info.value)
    assert "http://127.0.0.1:9/kagglecatsanddogs_5340.zip" in message
    assert "archive=" in message and "--archive" in message


def test_fetch_from_archive_downloaded_by_hand(nes2_home, pets_archive):
    with pytest.raises(DataNotFoundError, match="does not exist"):
        catsdogs.fetch(archive=nes2_home / "missing.zip")
    with pytest.warns(UserWarning):
        manifest = catsdogs.fetch(archive=pets_archive.path, sha256=pets_archive.sha256)
    assert manifest["images"]["dog"] == pets_archive.valid_per_class


def test_archive_with_wrong_checksum_is_refused(nes2_home, pets_archive):
    with pytest.raises(ChecksumError):
        catsdogs.fetch(archive=pets_archive.path)  # the real archive's SHA-256
    assert not catsdogs.is_fetched()


def test_load_splits_and_batches(nes2_home, pets_archive):
    with pytest.warns(UserWarning):
        catsdogs.fetch(archive=pets_archive.path, sha256=pets_archive.sha256)
    data = catsdogs.load("quick", per_class=(6, 3, 3), image_size=(32, 40), batch_size=4)
    assert data.counts == {"train": 12, "validation": 6, "test": 6}
    assert data.dropped == pets_archive.corrupt
    assert data.label == catsdogs.REAL_LABEL
    images, _ = next(iter(data.train))
    assert images.shape == (4, 32, 40, 3) and images.dtype.name == "uint8"
    test_labels = np.concatenate([y.numpy() for _, y in data.test])
    assert sorted(test_labels.tolist()) == [0, 0, 0, 1, 1, 1]
    # the splits do not overlap, and the small split takes the archive's first images
    files = {name: {p for p, _ in items} for name, items in data.files.items()}
    assert not files["train"] & files["validation"] and not files["validation"] & files["test"]
    assert any(p.endswith("Cat/0.jpg") for p in files["train"])


def test_full_split_uses_every_image(nes2_home, pets_archive):
    with pytest.warns(UserWarning):
        catsdogs.fetch(archive=pets_archive.path, sha256=pets_archive.sha256)
    splits = catsdogs.split_files(nes2_home / "cats_vs_dogs/extracted/PetImages", None)
    sizes = {name: len(items) for name, items in splits.items()}
    assert sum(sizes.values()) == 2 * pets_archive.valid_per_class
    assert sizes["train"] > sizes["validation"] > 0


def test_small_split_needs_enough_images(nes2_home, pets_archive):
    with pytest.warns(UserWarning):
        catsdogs.fetch(archive=pets_archive.path, sha256=pets_archive.sha256)
    with pytest.raises(DataNotFoundError, match="fewer than"):
        catsdogs.load(per_class=(100, 10, 10))


def test_load_without_download_names_the_command(nes2_home):
    with pytest.raises(DataNotFoundError, match="nes2 data fetch cats-vs-dogs"):
        catsdogs.load(download=False)


def test_synthetic_stand_in_is_labelled(nes2_home):
    data = catsdogs.load("quick", source="synthetic", per_class=(4, 2, 2), image_size=(24, 24))
    assert data.label == "kreslená náhrada (ne fotografie)"
    assert data.counts == {"train": 8, "validation": 4, "test": 4}
    labels = np.concatenate([y.numpy() for _, y in data.train])
    assert sorted(labels.tolist()) == [0] * 4 + [1] * 4


def test_bad_options_are_named(nes2_home):
    with pytest.raises(ValueError, match="source must be one of"):
        catsdogs.load(source="kaggle")
    with pytest.raises(ValueError, match="split must be"):
        catsdogs.load(source="synthetic", split="tiny")


def test_synthetic_images_of_another_drawing_version_are_drawn_anew(nes2_home, monkeypatch):
    from nes2.data import synthetic_pets

    first = catsdogs._synthetic_pets(2, seed=0)
    assert len(list((first / "Cat").glob("*.jpg"))) == 2
    monkeypatch.setattr(synthetic_pets, "VERSION", synthetic_pets.VERSION + 1)
    second = catsdogs._synthetic_pets(2, seed=0)
    assert second != first and f"v{synthetic_pets.VERSION}_" in str(second)


def test_the_stand_in_turns_mirrors_and_scales_the_head():
    from nes2.data import synthetic_pets

    rng = np.random.default_rng(0)
    images = np.stack([np.asarray(synthetic_pets.draw_pet("cat", rng, 64)) for _ in range(40)])
    assert images.shape == (40, 64, 64, 3)
    brightness = images.reshape(40, -1).mean(axis=1)
    assert brightness.std() > 10, "the lighting varies from image to image"
