"""Shared fixtures: an isolated cache, a generated Cats-vs-Dogs archive, local HTTP
servers and the site built with executed lectures."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import http.server
import io
import os
import re
import subprocess
import sys
import threading
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest

from nes2.data.synthetic_pets import draw_pet
from nes2_site import execution


def gpu_count() -> int:
    """GPUs that the Keras backend sees (TensorFlow, JAX or PyTorch)."""
    import keras

    backend = keras.config.backend()
    if backend == "tensorflow":
        import tensorflow as tf

        return len(tf.config.list_physical_devices("GPU"))
    if backend == "jax":
        import jax

        return len([d for d in jax.devices() if d.platform == "gpu"])
    if backend == "torch":
        import torch

        return torch.cuda.device_count()
    return 0


SITE_INPUTS = (*execution.SITE_INPUTS, *execution.EXECUTION_INPUTS)
"""What the executed site is made of: a test of the built site is keyed on these (and the
machine's state, `nes2.keys.machine_state`)."""
SITE = "machine"
"""The input `keyed` reads as the machine's state (what an executed page can depend on)."""
TRAINING = "training"
"""The input `keyed` reads as the package's training code and locked libraries
(`nes2.recipes.store`): a test that trains is keyed on it and on the other modules it
reaches (`reached_inputs`)."""


def pytest_addoption(parser):
    parser.addoption(
        "--site",
        choices=("with", "only", "skip"),
        default="with",
        help="the tests of the executed site: with the rest (default); alone (`only`: its "
        "build has the cores to itself, nothing trains beside it); or none (`skip`: the "
        "package's tests, e.g. on a Python that does not build the site)",
    )


def pytest_collection_modifyitems(config, items):
    # The tests of the executed site run first and, under pytest-xdist
    # (`--dist loadgroup`), in one process that builds the site (the longest
    # step). `make test` runs them alone first (`--site=only`), so that no
    # training competes with the build for the cores, then the rest (`--site=skip`).
    site = [item for item in items if "executed_site" in getattr(item, "fixturenames", ())]
    ungrouped = [i.nodeid for i in site if not i.get_closest_marker("xdist_group")]
    if ungrouped:
        raise pytest.UsageError(
            f"Tests of the executed site need @pytest.mark.xdist_group(SITE_GROUP): {ungrouped}"
        )
    # The others start with the slow ones, so that no long test is left for the end
    # while the other process has nothing more to take.
    rest = [item for item in items if item not in site]
    rest = sorted(rest, key=lambda item: item.get_closest_marker("slow") is None)
    choice = config.getoption("--site")
    kept = {"with": site + rest, "only": site, "skip": rest}[choice]
    if len(kept) < len(items):
        config.hook.pytest_deselected(items=[item for item in items if item not in kept])
    items[:] = kept
    for item in items:
        if item.get_closest_marker("keyed"):
            continue
        if item in site and not os.environ.get("NES2_SITE_DIR"):
            item.add_marker(pytest.mark.keyed(SITE, *SITE_INPUTS))
        elif item.get_closest_marker("trains"):
            item.add_marker(pytest.mark.keyed(TRAINING, *reached_inputs(Path(str(item.fspath)))))
    if any(item.get_closest_marker("gpu") for item in items) and not gpu_count():
        import keras

        reason = f"no GPU visible to the Keras backend ({keras.config.backend()}) on this machine"
        for item in items:
            if item.get_closest_marker("gpu"):
                item.add_marker(pytest.mark.skip(reason=reason))


PASSED = "passed"
"""The folder of `TEST_CACHE` that records the keys of tests that passed (`keyed`)."""


def reached_inputs(test_file: Path) -> tuple[str, ...]:
    """The modules besides the training code that a test file reaches, as paths from the root
    (`nes2_site.reach.reached_files`: a change to a figure reruns the tests that draw it,
    not every test that trains)."""
    from nes2_site import reach

    return reach.reached_files(Path(test_file).resolve())


def keyed_digest(item) -> str | None:
    """The key of a `keyed` test: its id, its inputs, its own file, the fixtures and the lock
    (`nes2.keys.digest`; `TRAINING` stands for the training code and locked libraries)."""
    marker = item.get_closest_marker("keyed")
    if marker is None or os.environ.get("NES2_RERUN_ALL"):
        return None
    from nes2 import keys
    from nes2.recipes import store

    own = Path(str(item.fspath)).resolve().relative_to(ROOT).as_posix()
    names = sorted({*marker.args, own, "tests/conftest.py", "uv.lock", "pyproject.toml"})
    texts = [item.nodeid]
    if TRAINING in names:
        texts += [store.training_digest(), store.environment_digest()]
    if SITE in names:
        texts.append(keys.machine_state(site_environment()))
    files = [name for name in names if name not in (TRAINING, SITE)]
    return keys.digest(*texts, files=files, root=ROOT, length=20)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """A `keyed` test that passed with the same inputs is not run again (nor its fixtures set up).

    `@pytest.mark.keyed(PATH, ...)` names the files and folders a test's outcome
    depends on (tests of the executed site and tests that train get theirs in
    `pytest_collection_modifyitems`). A clean checkout has no record and runs
    everything; `NES2_RERUN_ALL=1` runs everything here too.
    """
    key = keyed_digest(item)
    item.stash[KEY] = key
    if key is not None and (TEST_CACHE / PASSED / key).is_file():
        pytest.skip(f"passed before with the same inputs (key {key}; NES2_RERUN_ALL=1 reruns)")


KEY = pytest.StashKey[str | None]()
BUILT = pytest.StashKey[str | None]()


def _record(key: str, nodeid: str) -> None:
    record = TEST_CACHE / PASSED / key
    record.parent.mkdir(parents=True, exist_ok=True)
    tmp = record.with_suffix(f".{os.getpid()}.tmp")
    tmp.write_text(nodeid + "\n")
    tmp.replace(record)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call" and report.passed:
        for key in (item.stash.get(KEY, None), item.stash.get(BUILT, None)):
            if key is not None:
                _record(key, item.nodeid)
    return report


def site_structure(site: Path) -> str:
    """A hash of what a browser test of the built site can see change: the pages' HTML with
    the image data and the digits left out, and the theme's styles and scripts.

    A page executed again with other numbers or other pixels in its figures (a band in
    `expected.toml`, a plot's colour) keeps the hash, as do the random cell ids of an
    execution; a new element, text, link, attribute or style changes it.
    """
    from nes2 import keys

    texts = []
    for path in sorted(site.rglob("*")):
        if path.suffix not in (".html", ".css", ".js") or path.name == "search_index.json":
            continue
        text = path.read_text(errors="replace")
        if path.suffix == ".html":
            text = re.sub(r"data:image/[a-z+]+;base64,[A-Za-z0-9+/=]+", "data:image", text)
            text = re.sub(r"cell-id=[0-9a-f-]+", "cell-id", text)  # nbclient's random ids
            text = re.sub(r"[0-9]+", "0", text)
        texts += [path.relative_to(site).as_posix(), text]
    return keys.digest(*texts, length=None)


def passed_on(request, built: str) -> bool:
    """Whether this test passed before on a built artefact of the same hash (`site_structure`).

    The second key of a test of the built site: its inputs changed (so the site
    was built again), but what it checks may not have. On a pass now, `built` is
    recorded; if it passed before, the inputs' key is recorded as well, so that the
    next run with these inputs skips the test without building anything.
    """
    item = request.node
    if os.environ.get("NES2_RERUN_ALL"):
        return False
    from nes2 import keys

    key = keys.digest(item.nodeid, built, length=20)
    item.stash[BUILT] = key
    if not (TEST_CACHE / PASSED / key).is_file():
        return False
    if item.stash.get(KEY, None) is not None:
        _record(item.stash[KEY], item.nodeid)
    return True


@pytest.fixture
def shared_home(monkeypatch) -> Path:
    """The tests' persistent cache (`NES2_HOME`, under `TEST_CACHE`), shared with the site build.

    What a test computes there is keyed like any user's cache (runs on the
    package and the lock, model counts on the Keras version), so a second
    `make test` with nothing changed reuses it instead of computing it again.
    """
    home = TEST_CACHE / "nes2-home"
    monkeypatch.setenv("NES2_HOME", str(home))
    return home


@pytest.fixture
def nes2_home(tmp_path, monkeypatch) -> Path:
    """An empty cache directory for the test."""
    home = tmp_path / "nes2-home"
    monkeypatch.setenv("NES2_HOME", str(home))
    return home


@dataclass
class PetsArchive:
    path: Path
    sha256: str
    valid_per_class: int
    corrupt: int
    escaping_member: str


def _jpeg_bytes(kind: str, rng: np.random.Generator) -> bytes:
    buffer = io.BytesIO()
    draw_pet(kind, rng, size=48).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture(scope="session")
def pets_archive(tmp_path_factory) -> PetsArchive:
    """A zip laid out like Microsoft's archive, with bad files and an escaping member.

    Per class: 12 valid JPEGs; then bad files: a text file named .jpg, a JPEG
    cut in half (cat) and a PNG named .jpg without a JFIF header (dog), and a
    Thumbs.db in each folder, plus `../escape.txt`.
    """
    rng = np.random.default_rng(0)
    path = tmp_path_factory.mktemp("archive") / "kagglecatsanddogs_test.zip"
    valid = 12
    with zipfile.ZipFile(path, "w") as zf:
        for folder in ("Cat", "Dog"):
            for i in range(valid):
                zf.writestr(f"PetImages/{folder}/{i}.jpg", _jpeg_bytes(folder.lower(), rng))
            zf.writestr(f"PetImages/{folder}/{valid}.jpg", b"this is not an image")
            zf.writestr(f"PetImages/{folder}/Thumbs.db", b"\x00" * 64)
        half = _jpeg_bytes("cat", rng)
        zf.writestr(f"PetImages/Cat/{valid + 1}.jpg", half[: len(half) // 2])
        png = io.BytesIO()
        draw_pet("dog", rng, size=48).save(png, format="PNG")
        zf.writestr(f"PetImages/Dog/{valid + 1}.jpg", png.getvalue())
        zf.writestr("../escape.txt", b"I want out")
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    return PetsArchive(path, sha, valid, corrupt=6, escaping_member="../escape.txt")


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def serve(directory: Path):
    """Serve `directory` on 127.0.0.1; yields the base URL."""
    handler = functools.partial(_QuietHandler, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def http_server(pets_archive):
    """Serve the archive's folder on 127.0.0.1; yields the archive's URL."""
    with serve(pets_archive.path.parent) as url:
        yield f"{url}/{pets_archive.path.name}"


ROOT = Path(__file__).parents[1]
SITE_GROUP = "executed-site"
"""The xdist group of the tests that use `executed_site`: one process builds and checks it."""
SITE_BUILD_TIMEOUT = 4800
"""Seconds after which `mkdocs build` with every lecture executed counts as hung (it takes
about 30 minutes on 2 cores of a fast machine of CI's kind and up to 45 on a slow one)."""
TEST_CACHE = Path(os.environ.get("NES2_TEST_CACHE", ROOT / ".cache" / "test"))
"""Where the tests keep what outlives one session: the executed notebooks (keyed on the
package, the lock and the profile) and the run store, so that a second `make test`
with nothing changed executes and trains nothing."""


def mkdocs_build(env: dict, site: Path, root: Path = ROOT, timeout: int = 600):
    """`mkdocs build --strict` of the project in `root` into `site`, as a finished process."""
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-d", str(site)],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def site_environment() -> dict:
    """The environment of the test site's build and of the commands that reuse its runs."""
    return {
        **os.environ,
        "NES2_EXECUTE": "true",
        "NES2_PROFILE": "quick",
        "NES2_HOME": str(TEST_CACHE / "nes2-home"),
        "NES2_SITE_CACHE": str(TEST_CACHE / "mkdocs-jupyter"),
        "IPYTHONDIR": str(ROOT / ".ipython"),
        "NO_MKDOCS_2_WARNING": "1",
        "NES2_CACHE_URL": "off",  # the tests execute the site themselves
    }


@pytest.fixture(scope="session")
def executed_site(tmp_path_factory) -> Path:
    """The site built as `make site` builds it: every lecture executed, quick profile.

    The recipes the pages train are stored in the test run store, where
    `nes2 verify` finds them. `NES2_SITE_DIR` points to a site built before
    (`make site`), to run the checks of the built site alone without building it again.
    """
    if os.environ.get("NES2_SITE_DIR"):
        return Path(os.environ["NES2_SITE_DIR"])
    pytest.importorskip("mkdocs_jupyter", reason="mkdocs-jupyter needs Python >= 3.12")
    from filelock import FileLock

    site = tmp_path_factory.mktemp("executed-site") / "site"
    TEST_CACHE.mkdir(parents=True, exist_ok=True)
    # Under pytest-xdist the site's tests share one process (see above); should
    # another process need the site too, it waits here and renders from the cache.
    with FileLock(TEST_CACHE / "site-build.lock"):
        result = mkdocs_build(site_environment(), site, timeout=SITE_BUILD_TIMEOUT)
    assert result.returncode == 0, f"mkdocs build failed:\n{result.stderr[-6000:]}"
    return site
