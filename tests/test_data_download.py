import hashlib
import socket
import threading

import pytest

from nes2.data import download as dl
from nes2.errors import ChecksumError, DownloadError


def _files(folder):
    return sorted(p.name for p in folder.rglob("*")) if folder.exists() else []


def test_download_verifies_and_places_file(http_server, pets_archive, tmp_path):
    dest = tmp_path / "cache" / "archive.zip"
    path = dl.download(http_server, dest, pets_archive.sha256, progress=False)
    assert path == dest
    assert hashlib.sha256(dest.read_bytes()).hexdigest() == pets_archive.sha256
    assert _files(dest.parent) == ["archive.zip"]


def test_existing_file_is_verified_not_downloaded_again(pets_archive, tmp_path):
    dest = tmp_path / "archive.zip"
    dest.write_bytes(pets_archive.path.read_bytes())
    assert dl.download("http://127.0.0.1:9/never", dest, pets_archive.sha256) == dest
    dest.write_bytes(b"changed")
    with pytest.raises(ChecksumError, match="expected"):
        dl.download("http://127.0.0.1:9/never", dest, pets_archive.sha256)


def test_wrong_checksum_leaves_nothing(http_server, tmp_path):
    cache = tmp_path / "cache"
    with pytest.raises(ChecksumError, match="nothing was kept"):
        dl.download(http_server, cache / "archive.zip", "0" * 64, progress=False)
    assert _files(cache) == []


def test_refused_connection_names_the_url(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"http://127.0.0.1:{port}/archive.zip"
    with pytest.raises(DownloadError, match=url):
        dl.download(url, tmp_path / "a.zip", progress=False)
    assert _files(tmp_path) == []


def test_silent_server_times_out(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/archive.zip"
    try:
        with pytest.raises(DownloadError, match="timed out"):
            dl.download(url, tmp_path / "a.zip", timeout=0.5, progress=False)
    finally:
        listener.close()
    assert _files(tmp_path) == []
    assert dl.DEFAULT_TIMEOUT < 10


def test_connection_cut_midway_leaves_nothing(tmp_path):
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()

    def serve_half():
        conn, _ = listener.accept()
        conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"x" * 1000)
        conn.close()

    thread = threading.Thread(target=serve_half, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/archive.zip"
    try:
        with pytest.raises(DownloadError, match="broke off"):
            dl.download(url, tmp_path / "a.zip", progress=False)
    finally:
        listener.close()
    assert _files(tmp_path) == []
