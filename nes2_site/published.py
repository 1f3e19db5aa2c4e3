"""The published site's execution cache: a fresh clone renders what the site already executed.

Publishing: a versioned build (`nes2_site.versions` sets `NES2_SITE_VERSION`;
`NES2_PUBLISH_EXECUTION=1` does it for any build) writes `_execution/` into the
site: each executed page's entry of the execution cache with its provenance,
and `manifest.json`, which names the execution key (lock, kernel configuration,
profile), the content key, and for each page its code key (the notebook and
what it reaches in `nes2`: `reach.digest`), the entry's file and its SHA-256.

Fetching: an executed build (`make serve`, `make site`) asks the published site
for the pages it does not have: `NES2_CACHE_URL` (default: the repository's
published `dev` version, `…/dev/_execution/`; `off` turns it off). An entry is
used only if the manifest's execution key is this checkout's and its code key
is this page's, and its bytes match the manifest's SHA-256; anything else is
executed, as offline, and the build says so in one line. Only HTTPS is fetched
(`http://127.0.0.1` and `http://localhost` excepted, for tests).

The code key leaves out the machine's state: a fetched page shows what the
published build's machine used (its provenance line says which data), which is
what the site shows.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path

from nes2_site import ROOT, _compat, execution, provenance, reach, repository

FOLDER = "_execution"
MANIFEST = "manifest.json"
FORMAT = 1
ENTRY = re.compile(r"^entries/[0-9a-f]{64}\.json$")
"""The only shape of an entry's file in a manifest (no other path is ever fetched)."""
LOCAL = ("127.0.0.1", "localhost", "::1")
"""Hosts reached over plain HTTP (a test server on this machine)."""
MAX_BYTES = 64 * 2**20
"""The largest entry or manifest read (an executed page is a few MB)."""
OFF = ("off", "0", "false", "no")
LOG = logging.getLogger("mkdocs.plugins.nes2")


class CacheURLError(ValueError):
    """`NES2_CACHE_URL` that is not an HTTPS address (nor a local one)."""


def cache_url(environ: Mapping[str, str] = os.environ) -> str | None:
    """Where the published execution cache is fetched from, ending in `/` (`None`: off).

    Examples:
        >>> cache_url({})
        'https://nes2-course.github.io/nes2/dev/_execution/'
        >>> cache_url({"NES2_CACHE_URL": "off"}) is None
        True
        >>> cache_url({"NES2_CACHE_URL": "http://127.0.0.1:8001/_execution"})
        'http://127.0.0.1:8001/_execution/'
    """
    value = environ.get("NES2_CACHE_URL", "").strip()
    if value.lower() in OFF:
        return None
    if not value:
        published = {k: v for k, v in environ.items() if k != "NES2_SITE_VERSION"}
        value = f"{repository.site_url(published)}dev/{FOLDER}/"
    if not _allowed(value):
        raise CacheURLError(
            f"NES2_CACHE_URL={value!r}: the execution cache is fetched over HTTPS only "
            "(http://127.0.0.1 or http://localhost for a local test server); set an https:// "
            "address, or NES2_CACHE_URL=off to execute every page here."
        )
    return value.rstrip("/") + "/"


def _allowed(url: str) -> bool:
    """HTTPS, or plain HTTP to this machine (a test server), with no user in the address.

    Examples:
        >>> [_allowed(u) for u in ("https://a.org/", "http://127.0.0.1:8/", "http://a.org/")]
        [True, True, False]
        >>> [_allowed(u) for u in ("http://localhost.evil.org/", "http://127.0.0.1@evil.org/")]
        [False, False]
    """
    from urllib.parse import urlsplit

    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 (a port that is not a number raises here)
    except ValueError:
        return False
    if parts.username is not None or parts.password is not None or not parts.hostname:
        return False
    return parts.scheme == "https" or (parts.scheme == "http" and parts.hostname in LOCAL)


class _NoDowngrade(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to an address `_allowed` accepts (never HTTPS -> HTTP)."""

    def redirect_request(self, req, fp, code, msg, headers, newurl):
        if not _allowed(newurl):
            raise urllib.error.URLError(f"refused redirect to {newurl}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def code_key(nb_path: str, plugin_config: dict, mermaid: bool) -> str:
    """A page's key without the machine's state: the notebook, its rendering options and
    what it reaches in `nes2` (the key under which the manifest lists its entry)."""
    return _compat.portable_cache_key(nb_path, plugin_config, True, mermaid, inputs=reach.digest)


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _page(nb_path: str) -> str:
    return Path(nb_path).resolve().relative_to(ROOT).as_posix()


def publish(site_dir: str | Path, current) -> Path | None:
    """Write the build's executed pages and `manifest.json` into `site_dir/_execution/`."""
    config = current.plugin.config
    mermaid = current.config["theme"].name != "material"
    folder = Path(site_dir) / FOLDER
    entries = {}
    for path in current.notebooks:
        cached = _compat.cache_path(path, config, True, mermaid)
        if not cached.is_file():
            continue
        data = cached.read_bytes()
        name = f"entries/{_sha256(data)}.json"
        (folder / "entries").mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        record = provenance.read_provenance(config["cache_dir"], path)
        entries[code_key(path, config, mermaid)] = {
            "page": _page(path),
            "file": name,
            "sha256": _sha256(data),
            "provenance": record,
        }
    if not entries:
        return None
    manifest = {
        "format": FORMAT,
        "execution_key": execution.execution_key(),
        "content_key": execution.content_key(),
        "profile": provenance.profile(),
        "entries": entries,
    }
    path = folder / MANIFEST
    path.write_text(json.dumps(manifest, indent=1, sort_keys=True), encoding="utf-8")
    return path


def _get(url: str, timeout: float) -> bytes:
    opener = urllib.request.build_opener(_NoDowngrade)
    with opener.open(url, timeout=timeout) as response:  # https or this machine: `_allowed`
        data = response.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ValueError(f"{url} is larger than {MAX_BYTES // 2**20} MB")
    return data


def fetch(current, url: str | None, timeout: float = 10.0) -> str | None:
    """Fetch the published entries of the pages the build would execute; return the one line
    that says what happened (`None` when nothing was to be executed)."""
    from nes2.io import atomic_file, write_json

    pending = current.pending()
    if not pending:
        return None
    count = f"{len(pending)} page(s) to execute"
    if url is None:
        return f"Execution cache: NES2_CACHE_URL=off, {count} here."
    try:
        manifest = json.loads(_manifest(url, timeout))
    except (urllib.error.URLError, OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return f"Execution cache: {url} not reachable ({reason}), {count} here."
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        return f"Execution cache: {url} has no manifest of format {FORMAT}, {count} here."
    if manifest.get("execution_key") != execution.execution_key():
        return (
            f"Execution cache: {url} was made for another lock, kernel configuration or "
            f"profile ({manifest.get('profile', '?')}), {count} here."
        )
    config = current.plugin.config
    mermaid = current.config["theme"].name != "material"
    entries = manifest.get("entries")
    if not isinstance(entries, dict):
        return f"Execution cache: {url} lists no entries, {count} here."
    fetched, refused = 0, []
    for path in pending:
        entry = entries.get(code_key(path, config, mermaid))
        if not isinstance(entry, dict) or not ENTRY.match(str(entry.get("file", ""))):
            continue
        try:
            data = _get(url + entry["file"], timeout)
        except (urllib.error.URLError, OSError, ValueError):
            refused.append(f"{_page(path)} (not fetched)")
            continue
        if _sha256(data) != entry.get("sha256") or not _is_entry(data):
            refused.append(f"{_page(path)} (checksum)")
            continue
        with atomic_file(_compat.cache_path(path, config, True, mermaid)) as tmp:
            tmp.write_bytes(data)
        record = provenance.checked(entry.get("provenance"))
        # the runs it read are the published machine's: once one of them is trained here,
        # the page is executed again and shows this machine's numbers
        record["runs"] = {
            run: "published" for run in record.get("runs") or {} if isinstance(run, str)
        }
        write_json(provenance.provenance_file(config["cache_dir"], path), record)
        fetched += 1
    line = f"Execution cache: {fetched} of {len(pending)} page(s) fetched from {url}"
    line += f", {len(pending) - fetched} to execute here"
    return line + (f"; refused: {', '.join(refused)}." if refused else ".")


def _is_entry(data: bytes) -> bool:
    try:
        entry = json.loads(data)
    except ValueError:
        return False
    return isinstance(entry, dict) and isinstance(entry.get("content"), str)


_MANIFESTS: dict[str, bytes | Exception] = {}
"""Manifests read in this process (`mkdocs serve` builds again on every edit)."""


def _manifest(url: str, timeout: float) -> bytes:
    if url not in _MANIFESTS:
        try:
            _MANIFESTS[url] = _get(url + MANIFEST, timeout)
        except (urllib.error.URLError, OSError, ValueError) as error:
            _MANIFESTS[url] = error
    found = _MANIFESTS[url]
    if isinstance(found, Exception):
        raise found
    return found


def fetch_for_build() -> None:
    """`fetch` for the pages this build would execute (not when it renders from a cache
    made elsewhere, `NES2_REQUIRE_EXECUTED`), and log its line."""
    current = execution.prefetch()
    if current is None or execution.require_executed() or not current.notebooks:
        return
    try:
        url = cache_url()
    except CacheURLError as error:
        from mkdocs.exceptions import PluginError

        raise PluginError(str(error)) from None
    line = fetch(current, url)
    if line:
        LOG.info(line)


def publish_for_build(site_dir: str | Path) -> None:
    """`publish` the build's executed pages, if this build publishes them (`publishing`)."""
    current = execution.prefetch()
    if current is not None and publishing():
        path = publish(site_dir, current)
        LOG.info("Execution cache published: %s", path or "no executed page")


def publishing(environ: Mapping[str, str] = os.environ) -> bool:
    """Whether this build publishes its execution cache (a versioned or a marked build)."""
    marked = environ.get("NES2_PUBLISH_EXECUTION", "").lower() in ("1", "true", "yes")
    return marked or bool(environ.get("NES2_SITE_VERSION", "").strip())
