"""Microsoft's Cats vs Dogs (the archive keras.io uses) as `tf.data` pipelines.

`fetch()` downloads the archive (or takes one downloaded by hand), checks its
SHA-256, extracts it safely and drops the files that are not valid JPEG
images. `load()` splits the images into training, validation and test sets
(a small subset per class as in *Deep Learning with Python*, or the full set)
and returns batched, cached and prefetched pipelines.

Without network, `load(source="synthetic")` draws a stand-in data set locally
(see `nes2.data.synthetic_pets`); its `label` says so.
"""

from __future__ import annotations

import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from nes2 import config
from nes2.data import archive as archive_lib
from nes2.data import download as download_lib
from nes2.data import synthetic_pets
from nes2.errors import DataNotFoundError, DownloadError, InvalidOptionError
from nes2.io import atomic_folder, write_json

URL = (
    "https://download.microsoft.com/download/3/E/1/"
    "3E1C3F21-ECDB-4869-8368-6DEBA77B919F/kagglecatsanddogs_5340.zip"
)
SHA256 = "b7974bd00a84a99921f36ee4403f089853777b5ae8d151c76a86e64900334af9"
ARCHIVE_NAME = "kagglecatsanddogs_5340.zip"
FOLDER = "cats_vs_dogs"
"""The folder of the cache that holds the archive and the extracted images."""
REAL_LABEL = "Microsoft Cats vs Dogs"
CLASS_NAMES = ("cat", "dog")
"""The classes as the archive's manifest counts them (label 0, 1)."""
CLASS_LABELS = ("kočka", "pes")
"""The classes as the pages show them (label 0, 1)."""
SOURCES = ("real", "synthetic")

PER_CLASS = {"quick": (200, 100, 100), "full": (1000, 500, 500)}
"""Images per class for (train, validation, test) in the small split.

The full profile uses the split of *Deep Learning with Python* (2,000 training
images); the quick one a smaller subset that trains in seconds on a CPU."""
IMAGE_SIZE = {"quick": (64, 64), "full": (150, 150)}
BATCH_SIZE = {"quick": 16, "full": 32}
"""Images per batch: the quick profile's 400 training images make 25 steps an epoch."""
FULL_SPLIT = (0.8, 0.1, 0.1)


@dataclass
class CatsVsDogs:
    """The three pipelines with what produced them.

    Attributes:
        train, validation, test: `tf.data.Dataset`s of `(uint8 image, int label)`
            batches; label 0 is a cat, 1 a dog.
        class_names: `("kočka", "pes")` (`CLASS_LABELS`), as figures label them.
        counts: images per split.
        source: `"real"` or `"synthetic"`.
        dropped: files of the archive dropped as invalid images.
        image_size: `(height, width)` of the images.
    """

    train: object
    validation: object
    test: object
    class_names: tuple[str, ...]
    counts: dict[str, int]
    source: str
    image_size: tuple[int, int]
    dropped: int = 0
    files: dict[str, list[tuple[str, int]]] = field(default_factory=dict, repr=False)

    @property
    def label(self) -> str:
        """How to name this data in prints and plots."""
        return REAL_LABEL if self.source == "real" else synthetic_pets.LABEL


def data_dir() -> Path:
    """The folder in the cache that holds the archive and the extracted images."""
    return config.cache_dir() / FOLDER


def is_fetched(home: Path | None = None) -> bool:
    """Whether `fetch()` has already prepared the real data set in the cache (`home`, default
    `config.home()`); creates nothing."""
    home = config.home() if home is None else home
    return (home / FOLDER / "extracted" / "manifest.json").is_file()


def is_valid_jpeg(path: str | os.PathLike) -> bool:
    """Whether a file is a JPEG that decodes (a JFIF header, as keras.io checks, and PIL).

    Examples:
        >>> import tempfile
        >>> p = tempfile.NamedTemporaryFile(suffix=".jpg", delete=False)
        >>> _ = p.write(b"junk"); p.close()
        >>> is_valid_jpeg(p.name)
        False
    """
    from PIL import Image, UnidentifiedImageError

    try:
        with open(path, "rb") as f:
            if b"JFIF" not in f.peek(10)[:10]:
                return False
        with Image.open(path) as image:
            image.verify()
        with Image.open(path) as image:
            image.load()
    except (OSError, UnidentifiedImageError, SyntaxError, ValueError):
        return False
    return True


def clean_images(pets: Path) -> int:
    """Delete the files under `pets/Cat` and `pets/Dog` that are not valid JPEGs.

    Returns:
        How many files were deleted.
    """
    from tqdm import tqdm

    files = [p for folder in synthetic_pets.CLASS_FOLDERS for p in (pets / folder).iterdir()]
    dropped = 0
    for path in tqdm(files, desc="Checking images", unit="file", disable=len(files) < 5000):
        if not is_valid_jpeg(path):
            path.unlink()
            dropped += 1
    return dropped


def fetch(
    *,
    url: str = URL,
    sha256: str | None = SHA256,
    archive: str | os.PathLike | None = None,
    timeout: float = download_lib.DEFAULT_TIMEOUT,
    keep_archive: bool = True,
) -> dict:
    """Download, verify, extract and clean the real data set into the cache.

    Does nothing if it was done before.

    Args:
        url: where to download the archive from (a mirror works: pass its `sha256` too).
        sha256: the expected SHA-256 of the archive; `None` skips the check.
        archive: a zip downloaded by hand; it is checked and used instead of downloading.
        timeout: seconds before an unreachable server is given up.
        keep_archive: keep the downloaded zip beside the extracted images (`False` deletes
            it once they are extracted: a cache then holds the data once; an archive
            passed as `archive` is never deleted).

    Returns:
        The manifest: images per class, files dropped, refused members.

    Raises:
        DownloadError: offline or the server failed; the message says how to
            download by hand and pass `archive=`.
        ChecksumError: the archive is not the expected file.

    Examples:
        ```python
        from nes2.data import catsdogs
        catsdogs.fetch()                          # ~825 MB from download.microsoft.com
        catsdogs.fetch(archive="~/Downloads/kagglecatsanddogs_5340.zip")
        ```
    """
    root = data_dir()
    extracted = root / "extracted"
    manifest_path = extracted / "manifest.json"
    if manifest_path.is_file():
        return json.loads(manifest_path.read_text())
    if archive is not None:
        zip_path = Path(archive).expanduser()
        if not zip_path.is_file():
            raise DataNotFoundError(f"The archive {zip_path} does not exist.")
        download_lib.verify(zip_path, sha256)
    else:
        try:
            zip_path = download_lib.download(url, root / ARCHIVE_NAME, sha256, timeout=timeout)
        except DownloadError as exc:
            raise DownloadError(
                f"{exc} Download {ARCHIVE_NAME} by hand and pass archive=PATH "
                "(command line: nes2 data fetch cats-vs-dogs --archive PATH), or use a "
                "mirror with url= and sha256=."
            ) from exc
    if extracted.exists():  # left over from an interrupted run: start again
        shutil.rmtree(extracted)
    refused = archive_lib.extract_zip(zip_path, extracted)
    pets = extracted / "PetImages"
    if not all((pets / folder).is_dir() for folder in synthetic_pets.CLASS_FOLDERS):
        shutil.rmtree(extracted)
        raise DataNotFoundError(
            f"{zip_path} has no PetImages/Cat and PetImages/Dog folders: it is not the "
            "Cats vs Dogs archive."
        )
    dropped = clean_images(pets)
    manifest = {
        "source": str(archive or url),
        "dropped": dropped,
        "refused_members": refused,
        "images": {
            name: len(list((pets / folder).glob("*.jpg")))
            for name, folder in zip(CLASS_NAMES, synthetic_pets.CLASS_FOLDERS, strict=True)
        },
        "sha256": sha256,
    }
    write_json(manifest_path, manifest)
    if not keep_archive and archive is None:
        zip_path.unlink(missing_ok=True)
    return manifest


def _synthetic_pets(n_per_class: int, seed: int) -> Path:
    version = f"v{synthetic_pets.VERSION}_n{n_per_class}_seed{seed}"
    folder = config.cache_dir() / "cats_vs_dogs_synthetic" / version
    if not (folder / "PetImages").is_dir():
        with atomic_folder(folder) as tmp:
            synthetic_pets.write_pet_images(tmp, n_per_class, seed=seed)
    return folder / "PetImages"


def _numbered(folder: Path) -> list[Path]:
    return sorted(folder.glob("*.jpg"), key=lambda p: (len(p.stem), p.stem))


def split_files(
    pets: Path, per_class: tuple[int, int, int] | None, seed: int = config.DEFAULT_SEED
) -> dict[str, list[tuple[str, int]]]:
    """Assign the images to train/validation/test as `(path, label)` lists.

    With `per_class=(a, b, c)` the first `a` images of each class (in the
    archive's numeric order) train, the next `b` validate and the next `c`
    test, as in *Deep Learning with Python*. With `None` every image is used,
    shuffled with `seed` and split 80/10/10.
    """
    import random

    splits: dict[str, list[tuple[str, int]]] = {"train": [], "validation": [], "test": []}
    for label, folder in enumerate(synthetic_pets.CLASS_FOLDERS):
        files = _numbered(pets / folder)
        if per_class is None:
            random.Random(seed).shuffle(files)
            n = len(files)
            bounds = [0, int(FULL_SPLIT[0] * n), int((FULL_SPLIT[0] + FULL_SPLIT[1]) * n), n]
        else:
            if sum(per_class) > len(files):
                raise DataNotFoundError(
                    f"{pets / folder} has {len(files)} images, fewer than the "
                    f"{sum(per_class)} the split {per_class} needs."
                )
            bounds = [0, per_class[0], per_class[0] + per_class[1], sum(per_class)]
        for name, lo, hi in zip(splits, bounds[:-1], bounds[1:], strict=True):
            splits[name] += [(str(p), label) for p in files[lo:hi]]
    return splits


def pipeline(
    files: list[tuple[str, int]],
    image_size: tuple[int, int],
    batch_size: int,
    *,
    shuffle: bool = False,
    seed: int = config.DEFAULT_SEED,
):
    """A `tf.data` pipeline: read, decode, resize, cache in memory, (shuffle), batch, prefetch.

    Images are kept as `uint8` (the models rescale them), so the cache takes a
    quarter of the memory of floats.

    Examples:
        ```python
        ds = pipeline([("cat.jpg", 0), ("dog.jpg", 1)], (64, 64), batch_size=2)
        ```
    """
    import tensorflow as tf

    paths = [p for p, _ in files]
    labels = [label for _, label in files]

    def read(path, label):
        image = tf.io.decode_jpeg(tf.io.read_file(path), channels=3)
        image = tf.image.resize(image, image_size, antialias=True)
        return tf.cast(tf.round(image), tf.uint8), label

    ds = tf.data.Dataset.from_tensor_slices((paths, tf.constant(labels, tf.int32)))
    ds = ds.map(read, num_parallel_calls=tf.data.AUTOTUNE).cache()
    if shuffle:
        ds = ds.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def load(
    profile: str | None = None,
    *,
    source: str = "real",
    split: str = "small",
    per_class: tuple[int, int, int] | None = None,
    image_size: tuple[int, int] | None = None,
    batch_size: int | None = None,
    download: bool = True,
    url: str = URL,
    sha256: str | None = SHA256,
    archive: str | os.PathLike | None = None,
    seed: int = config.DEFAULT_SEED,
) -> CatsVsDogs:
    """Cats vs Dogs as training, validation and test pipelines.

    Args:
        profile: `"quick"` or `"full"` (default: `NES2_PROFILE`, else quick); it
            sets the images per class and the image size unless given.
        source: `"real"` (the Microsoft archive) or `"synthetic"` (a locally
            drawn stand-in, for machines without network; labelled as such).
        split: `"small"` (a subset per class) or `"full"` (all images, 80/10/10).
        per_class: `(train, validation, test)` images per class for the small split.
        image_size: `(height, width)` the images are resized to.
        batch_size: images per batch (default: `BATCH_SIZE` of the profile).
        download: fetch the real data if it is not in the cache; with `False`
            a missing data set raises `DataNotFoundError`.
        url, sha256, archive: passed to `fetch()`.
        seed: shuffling seed.

    Returns:
        A `CatsVsDogs` with the pipelines, counts and the data's label.

    Examples:
        ```python
        from nes2.data import cats_vs_dogs
        data = cats_vs_dogs(source="synthetic")
        data.counts        # {'train': 600, 'validation': 200, 'test': 200}
        data.label         # 'kreslená náhrada (ne fotografie)'
        ```
    """
    profile = config.get_profile(profile)
    if source not in SOURCES:
        raise InvalidOptionError(f"source must be one of {SOURCES}, not {source!r}.")
    if split not in ("small", "full"):
        raise InvalidOptionError(f"split must be 'small' or 'full', not {split!r}.")
    per_class = per_class or PER_CLASS[profile]
    image_size = tuple(image_size or IMAGE_SIZE[profile])
    batch_size = batch_size or BATCH_SIZE[profile]
    dropped = 0
    if source == "synthetic":
        pets = _synthetic_pets(sum(per_class), seed)
    else:
        if not is_fetched() and not download:
            raise DataNotFoundError(
                f"Cats vs Dogs is not in the cache ({data_dir()}): run "
                "`nes2 data fetch cats-vs-dogs` (or --archive PATH for a file downloaded "
                "by hand), or use the synthetic stand-in (--source synthetic)."
            )
        dropped = fetch(url=url, sha256=sha256, archive=archive)["dropped"]
        pets = data_dir() / "extracted" / "PetImages"
    files = split_files(pets, None if split == "full" else per_class, seed)
    return CatsVsDogs(
        train=pipeline(files["train"], image_size, batch_size, shuffle=True, seed=seed),
        validation=pipeline(files["validation"], image_size, batch_size),
        test=pipeline(files["test"], image_size, batch_size),
        class_names=CLASS_LABELS,
        counts={name: len(items) for name, items in files.items()},
        source=source,
        image_size=image_size,
        dropped=dropped,
        files=files,
    )
