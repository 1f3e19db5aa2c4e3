"""Downloads that verify their checksum and never leave a half-written file.

A download streams into a temporary file beside its destination while the
SHA-256 is computed, and is renamed into place only when the checksum
matches. Whatever goes wrong (no network, a wrong checksum, Ctrl+C), the
temporary file is removed and the destination is left as it was.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import os
import re
import socket
import tempfile
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from tqdm import tqdm

from nes2.errors import ChecksumError, DownloadError

CHUNK = 1 << 20
DEFAULT_TIMEOUT = 8.0


def sha256sum(path: str | os.PathLike, progress: bool = False) -> str:
    """Return the hex SHA-256 of a file.

    Examples:
        >>> import tempfile
        >>> p = tempfile.NamedTemporaryFile(delete=False); _ = p.write(b"abc"); p.close()
        >>> sha256sum(p.name)[:16]
        'ba7816bf8f01cfea'
    """
    path = Path(path)
    digest = hashlib.sha256()
    with (
        open(path, "rb") as f,
        tqdm(
            total=path.stat().st_size,
            unit="B",
            unit_scale=True,
            desc=f"SHA-256 {path.name}",
            disable=not progress,
        ) as bar,
    ):
        while chunk := f.read(CHUNK):
            digest.update(chunk)
            bar.update(len(chunk))
    return digest.hexdigest()


def verify(path: str | os.PathLike, sha256: str | None) -> None:
    """Raise `ChecksumError` if the file's SHA-256 is not `sha256` (skip if None)."""
    if sha256 is None:
        return
    actual = sha256sum(path, progress=Path(path).stat().st_size > 64 * CHUNK)
    if actual != sha256.lower():
        raise ChecksumError(
            f"{path} has SHA-256 {actual}, expected {sha256.lower()}: the file is "
            "corrupt or a different version; delete it and download it again, or pass "
            "the right sha256."
        )


def download(
    url: str,
    dest: str | os.PathLike,
    sha256: str | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    progress: bool = True,
) -> Path:
    """Download `url` to `dest` atomically, verifying its SHA-256.

    If `dest` exists and matches `sha256`, nothing is downloaded.

    Args:
        url: an `http(s)://` or `file://` URL.
        dest: where the file goes; its folder is created.
        sha256: the expected hex digest, or `None` to skip the check.
        timeout: seconds to wait for the connection and for each read, so an
            offline machine fails fast instead of hanging.
        progress: show a progress bar.

    Returns:
        The path of the verified file.

    Raises:
        DownloadError: the server could not be reached or answered an error.
        ChecksumError: the downloaded bytes do not match `sha256`.

    Examples:
        ```python
        path = download("https://example.org/data.zip", "/tmp/data.zip", sha256="...")
        ```
    """
    dest = Path(dest)
    if dest.exists():
        verify(dest, sha256)
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
    tmp = Path(tmp_name)
    try:
        digest = hashlib.sha256()
        try:
            response = urllib.request.urlopen(url, timeout=timeout)  # noqa: S310
        except (OSError, http.client.HTTPException) as exc:  # URLError, timeouts
            reason = getattr(exc, "reason", exc)
            raise DownloadError(f"Could not download {url}: {reason}.") from exc
        with response, os.fdopen(fd, "wb") as out:
            fd = None
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(
                total=total, unit="B", unit_scale=True, desc=dest.name, disable=not progress
            ) as bar:
                received = 0
                try:
                    while chunk := response.read(CHUNK):
                        out.write(chunk)
                        digest.update(chunk)
                        received += len(chunk)
                        bar.update(len(chunk))
                except (OSError, http.client.HTTPException) as exc:
                    raise DownloadError(f"Download of {url} broke off: {exc!r}.") from exc
        if total is not None and received != total:
            raise DownloadError(
                f"Download of {url} broke off after {received:,} of {total:,} bytes; try again."
            )
        actual = digest.hexdigest()
        if sha256 is not None and actual != sha256.lower():
            raise ChecksumError(
                f"{url} has SHA-256 {actual}, expected {sha256.lower()}: nothing was "
                "kept. Check the URL (a mirror may serve another file) or pass the right sha256."
            )
        os.replace(tmp, dest)
    finally:
        if fd is not None:
            os.close(fd)
        tmp.unlink(missing_ok=True)
    return dest


def keras_home(environ: Mapping[str, str] = os.environ) -> Path:
    """The folder where Keras caches downloads (`$KERAS_HOME`, default `~/.keras`)."""
    return Path(environ.get("KERAS_HOME", "~/.keras")).expanduser()


@contextlib.contextmanager
def keras_download(
    what: str,
    subdir: str,
    error: type[DownloadError] = DownloadError,
    timeout: float = 10.0,
    hint: str = "",
):
    """Run code that downloads with `keras.utils.get_file`, failing fast and clearly.

    Keras' downloads have no timeout and fail with a bare `Exception`; inside
    this block sockets time out after `timeout` seconds and a failed download
    raises `error`, naming the URL, the file and the folder where Keras looks
    for it first (`~/.keras/<subdir>`), so a file copied there by hand works.
    With `NES2_QUIET_DOWNLOADS=1` (set by the site build's kernels) Keras'
    "Downloading data from ..." line and progress bar stay off the output.

    Args:
        what: what is downloaded, for the message.
        subdir: Keras' cache subfolder (`"datasets"`, `"models"`).
        error: the exception type to raise (a `DownloadError`).
        timeout: seconds before a silent connection fails.
        hint: a further way out, appended to the message.

    Examples:
        ```python
        with keras_download("MNIST", "datasets"):
            keras.datasets.mnist.load_data()
        ```
    """
    folder = keras_home() / subdir
    previous = socket.getdefaulttimeout()
    socket.setdefaulttimeout(timeout)
    quiet = os.environ.get("NES2_QUIET_DOWNLOADS", "").lower() in ("1", "true", "yes")
    if quiet:
        import keras

        interactive = keras.config.is_interactive_logging_enabled()
        keras.config.disable_interactive_logging()
    try:
        yield
    except (TimeoutError, ConnectionError, socket.gaierror) as exc:
        raise error(
            f"Downloading {what} failed ({exc!r}; no network?). Download it where there is "
            f"a network and put it in {folder}, where Keras looks first{hint}."
        ) from exc
    except Exception as exc:
        match = re.search(r"URL fetch failure on (\S+?): ", str(exc))
        if match is None:
            raise
        url = match.group(1)
        raise error(
            f"Could not download {what} from {url} (no network?). Download "
            f"{url.rsplit('/', 1)[-1]} where there is a network and put it in {folder}, "
            f"where Keras looks first{hint}."
        ) from exc
    finally:
        socket.setdefaulttimeout(previous)
        if quiet and interactive:
            keras.config.enable_interactive_logging()
