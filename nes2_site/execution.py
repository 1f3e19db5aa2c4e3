"""Executing the lectures: the execution cache's key and folder, and notebooks run in parallel.

mkdocs-jupyter caches a rendered notebook under a key made from the notebook
alone; here each notebook's key also holds what it reaches in the package
(`nes2_site.reach.digest`: the training code as a whole, the other modules it
imports file by file), and the cache folder is keyed on the lock file, the
kernel configuration and the profile (`execution_key`). So a change executes
again just the notebooks whose outputs it can change: an `expected.toml` edit
the pages that read the expected results, a figure function the pages that
draw, training code every page. The recipes the pages train are reused from
the run store, keyed on the training code alone, so a change that cannot alter
a trained result trains nothing.

`NES2_REQUIRE_EXECUTED=1` builds from an execution cache made elsewhere (the
GPU runner's artifact, in `NES2_SITE_CACHE`) and executes nothing: a cache
made for another commit, profile or lock, or one that lacks a notebook, fails
the build with a message that says so.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import time
from pathlib import Path

from nes2 import keys
from nes2_site import ROOT, _compat, provenance, reach, schedule

EXECUTION_INPUTS = ("uv.lock", ".ipython/profile_default/ipython_kernel_config.py")
"""What every notebook's outputs depend on (with the profile): the cache folder's key."""
SITE_INPUTS = (
    "lectures",
    "notebooks",
    "mkdocs.yml",
    "overrides",
    "site_hooks.py",
    "nes2_site",
    "src/nes2",
)
"""What else a built site comes from: the pages, the package, the site's configuration and
tooling (the keys of the executed site's tests and of a workflow's cache)."""
CACHE_ROOT = Path(".cache/mkdocs-jupyter")


def execution_key(root: Path = ROOT, profile: str | None = None) -> str:
    """A hash of what every notebook's outputs depend on besides the package: the lock,
    the kernel configuration and the profile (the key of the cache folder)."""
    profile = f"profile={profile or provenance.profile()}"
    return keys.digest(f"keys={keys.VERSION}", profile, files=EXECUTION_INPUTS, root=root)


def content_key(root: Path = ROOT, profile: str | None = None) -> str:
    """The key of a workflow's cache of executed lectures: `execution_key` and `SITE_INPUTS`.

    A change to the package, the lock, the kernel configuration, the profile, a
    lecture or the site's configuration and tooling gives another key (the cache
    is saved anew, the notebooks it does not reach are reused from the one
    restored); a change elsewhere (the README, a workflow, a test) keeps it, so
    nothing is executed again.
    """
    return keys.digest(execution_key(root, profile), files=SITE_INPUTS, root=root)


RUN_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}(/[a-z0-9_-]{1,64})?$")
"""A string of a page that can name a recipe or a run (`"detection"`, `"detection/ssd"`)."""
MACHINE_FILE = "machine.txt"
"""The file of an execution cache's folder that records the machine's state the build that
executed it ran with (`nes2.keys.machine_state`)."""
_machine: dict[str, str] = {}


def machine_state() -> str:
    """The machine's state this build keys its pages with: this machine's
    (`nes2.keys.machine_state`, read once per build), or, for a build that renders from a cache
    made elsewhere (`NES2_REQUIRE_EXECUTED`), the state recorded by the build that executed it.
    """
    if "state" not in _machine:
        _machine["state"] = keys.machine_state()
    return _machine["state"]


def page_inputs(source: str | Path, state: str | None = None) -> str:
    """What an executed page's outputs depend on besides its own text (its key's `inputs`):
    what it reaches in `nes2` (`reach.digest`) and the machine's state (`state`, default
    `machine_state()`: pretrained weights it uses if cached, the real photographs, downloads
    allowed)."""
    return f"{reach.digest(source)}:{keys.digest(state or machine_state())}"


def run_records(source: str | Path) -> dict[str, str]:
    """The run-store records a page can read: of each recipe the page names (a string such as
    `"detection"` or `"detection/ssd"` where the run store has a `detection` folder), the runs
    of this training code, as `recipe/key` -> a digest of its `run.json`."""
    import ast
    import json

    from nes2 import config
    from nes2.recipes import store

    runs = config.cache_dir() / "runs"
    if not runs.is_dir():
        return {}
    try:
        tree = ast.parse(Path(source).read_text(encoding="utf-8"))
    except (OSError, SyntaxError):
        return {}
    names = {
        node.value.split("/")[0]
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and RUN_NAME.match(node.value)
    }
    found = {}
    for recipe in sorted(n for n in names if (runs / n).is_dir()):
        for record in sorted((runs / recipe).glob("*/run.json")):
            text = record.read_text(encoding="utf-8")
            try:
                made_here = json.loads(text)["inputs"]["code"] == store.training_digest()
            except (ValueError, KeyError, TypeError):
                continue
            if made_here:
                found[f"{recipe}/{record.parent.name}"] = keys.digest(text)
    return found


def changed_runs(recorded: dict[str, str], source: str | Path) -> list[str]:
    """The runs a page read when it was executed (`recorded`) whose records differ now
    (trained again: `nes2 verify --fresh`, or a run that is not bit-reproducible)."""
    now = run_records(source)
    return sorted(run for run, made in recorded.items() if run in now and now[run] != made)


def main(argv: list[str] | None = None) -> int:
    """`python -m nes2_site.execution key [--profile P]` prints `content_key` (for CI caches)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m nes2_site.execution")
    parser.add_argument("command", choices=["key"])
    parser.add_argument("--profile", help="default: $NES2_PROFILE or quick")
    args = parser.parse_args(argv)
    print(content_key(ROOT, args.profile))
    return 0


class Prefetch:
    """Stands in for mkdocs-jupyter's converter: executes the build's notebooks in parallel.

    mkdocs-jupyter converts each notebook whose output is not cached, one page
    after another. The first call hands every notebook of the build that is not
    cached to a `schedule.Scheduler` of `jobs` threads (each runs its own kernel
    process) with the same arguments, the longest training first; each call then
    waits for its notebook's result. A failing notebook fails its page as before.
    """

    def __init__(self, original, plugin, config, jobs: int):
        self.original, self.plugin, self.config, self.jobs = original, plugin, config, jobs
        self.notebooks: list[str] = []
        self.scheduler: schedule.Scheduler | None = None

    def pending(self) -> list[str]:
        """The notebooks whose output mkdocs-jupyter does not have in its cache."""
        execute = self.plugin.config["execute"]
        mermaid = self.config["theme"].name != "material"
        return [
            path
            for path in self.notebooks
            if not _compat.is_cached(path, self.plugin.config, execute, mermaid)
        ]

    def _execute(self, nb_path, kwargs: dict):
        start = time.monotonic()
        try:
            body = self.original(nb_path, **kwargs)
        except Exception as error:
            broken = claim_error(error)
            if broken is None:
                raise
            from mkdocs.exceptions import PluginError

            raise PluginError(
                f"{_page(nb_path)}: a claim of this page does not hold.\n{broken}"
            ) from None
        provenance.record_provenance(
            self.plugin.config["cache_dir"], nb_path, runs=run_records(nb_path)
        )
        logging.getLogger("mkdocs").info(
            "%s: executed in %.0f s", _page(nb_path), time.monotonic() - start
        )
        return body

    def _convert(self, nb_path: str, kwargs: dict):
        dependencies: dict = {}
        body = self._execute(nb_path, {**kwargs, "image_dependencies": dependencies})
        return body, dependencies

    def __call__(self, nb_path, **kwargs):
        if self.scheduler is None:
            pages = schedule.plan(self.pending(), schedule.expected_runs(provenance.profile()))
            self.scheduler = schedule.Scheduler(
                pages, self.jobs, lambda path: self._convert(path, kwargs)
            )
        future = self.scheduler.futures.get(str(nb_path))
        if future is None:  # not in this build's plan, or asked for again
            return self._execute(nb_path, kwargs)
        try:
            body, dependencies = future.result()
        except BaseException as error:
            self.scheduler.cancel(error)
            raise
        finally:
            del self.scheduler.futures[str(nb_path)]
        if kwargs.get("image_dependencies") is not None:
            kwargs["image_dependencies"].update(dependencies)
        return body


def _page(nb_path) -> str:
    return Path(nb_path).resolve().relative_to(ROOT, walk_up=True).as_posix()


def claim_error(error: BaseException) -> str | None:
    """The message of a `nes2.teaching.expected.ClaimError` a notebook's cell raised, if any
    (nbclient's `CellExecutionError` carries the kernel's exception as `ename`/`evalue`)."""
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "ename", None) == "ClaimError":
            return str(error.evalue)
        error = error.__cause__ or error.__context__
    return None


def prefetch() -> Prefetch | None:
    """The build's `Prefetch`, if notebooks are executed."""
    try:
        current = _compat.converter()
    except ImportError:
        return None
    return current if isinstance(current, Prefetch) else None


def require_executed() -> bool:
    """Whether this build must render from an execution cache made elsewhere."""
    return os.environ.get("NES2_REQUIRE_EXECUTED", "").lower() in ("1", "true", "yes")


def site_jobs() -> int:
    """The notebooks executed at once: `NES2_SITE_JOBS`, default 2 (on 2 cores, two kernels
    finish a build sooner than one with both cores: a kernel seldom keeps two busy).

    Raises:
        PluginError: a value that is not a whole number of at least 1.
    """
    text = os.environ.get("NES2_SITE_JOBS", "2").strip()
    if not (text.isascii() and text.isdigit()) or int(text) < 1:
        from mkdocs.exceptions import PluginError

        raise PluginError(
            f"NES2_SITE_JOBS={text!r}: give the number of notebooks to execute at once, a "
            "whole number of at least 1 (e.g. NES2_SITE_JOBS=2), or unset it for the default 2."
        )
    return int(text)


def kernel_threads(jobs: int, cores: int | None = None) -> dict[str, str]:
    """TensorFlow's thread pools for each executing kernel: the cores this process may use,
    shared by the `jobs` kernels that run at once (at least one thread each).

    Each TensorFlow runtime otherwise sizes its pools for every core, so parallel kernels
    oversubscribe the machine. These are the settings `nes2 spread` checks as `threads=1`
    on 2 cores; a student's own notebook keeps TensorFlow's defaults.

    Examples:
        >>> kernel_threads(2, cores=2)
        {'TF_NUM_INTRAOP_THREADS': '1', 'TF_NUM_INTEROP_THREADS': '1'}
        >>> kernel_threads(2, cores=16)["TF_NUM_INTRAOP_THREADS"]
        '8'
    """
    if cores is None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    from nes2 import config

    return config.thread_environment(max(1, (cores or 1) // jobs))


def configure(plugin, config) -> None:
    """Key mkdocs-jupyter's cache folder and notebooks, drop stale folders, execute in parallel."""
    reach.clear()
    _machine.clear()
    _compat.use_portable_cache_keys(inputs=page_inputs)
    if plugin.config["execute"]:
        jobs = site_jobs()
        for name, value in kernel_threads(jobs).items():  # kernels inherit the environment
            os.environ.setdefault(name, value)
        current = _compat.converter()
        original = current.original if isinstance(current, Prefetch) else current
        _compat.replace_converter(Prefetch(original, plugin, config, jobs))
    base = Path(os.environ.get("NES2_SITE_CACHE", CACHE_ROOT))
    # mkdocs-jupyter evicts every entry its build did not use, so builds with and
    # without execution keep separate folders; stale folders of the same kind go.
    kind, other = ("executed", "static") if plugin.config["execute"] else ("static", "executed")
    folder = f"{execution_key()}-{kind}"
    if require_executed():
        _check_execution_cache(base, folder, plugin)
        _machine["state"] = (base / folder / MACHINE_FILE).read_text(encoding="utf-8").strip()
    else:
        for old in base.glob("*") if base.is_dir() else []:
            if old.name != folder and not old.name.endswith(f"-{other}"):
                shutil.rmtree(old) if old.is_dir() else old.unlink()
                if old.name.endswith(f"-{kind}"):
                    logging.getLogger("mkdocs").info(
                        "Execution cache: %s dropped whole, made for another lock, kernel "
                        "configuration, profile or key version than %s",
                        old.name,
                        folder,
                    )
        if plugin.config["execute"]:
            from nes2.io import atomic_file

            with atomic_file(base / folder / MACHINE_FILE) as tmp:
                tmp.write_text(machine_state() + "\n", encoding="utf-8")
    plugin.config["cache_dir"] = str(base / folder)


def _check_execution_cache(base: Path, folder: str, plugin) -> None:
    from mkdocs.exceptions import PluginError

    if not plugin.config["execute"]:
        raise PluginError("NES2_REQUIRE_EXECUTED needs NES2_EXECUTE=true (the cache's kind).")
    if not (base / folder).is_dir():
        found = sorted(p.name for p in base.glob("*-executed")) if base.is_dir() else []
        raise PluginError(
            f"NES2_REQUIRE_EXECUTED: the execution cache in {base} was made for "
            f"{', '.join(found) or 'nothing'}, not for this commit's key {folder} (profile "
            f"{provenance.profile()}, uv.lock, kernel configuration): execute the "
            "lectures for this commit (the GPU job) instead of serving outputs of another one."
        )
    if not (base / folder / MACHINE_FILE).is_file():
        raise PluginError(
            f"NES2_REQUIRE_EXECUTED: the execution cache {base / folder} does not record the "
            f"machine's state it was executed with ({MACHINE_FILE}); execute the lectures "
            "for this commit again."
        )


def collect(files) -> None:
    """Tell the build's `Prefetch` which notebooks the site has; with `NES2_REQUIRE_EXECUTED`,
    fail if the execution cache lacks any of them."""
    current = prefetch()
    if current is None:
        return
    current.notebooks = [
        f.abs_src_path for f in files.documentation_pages() if f.src_uri.endswith(".py")
    ]
    if not require_executed():
        _forget_changed_runs(current)
    missing = current.pending() if require_executed() else []
    if missing:
        from mkdocs.exceptions import PluginError

        names = ", ".join(Path(p).relative_to(ROOT).as_posix() for p in missing)
        raise PluginError(
            f"NES2_REQUIRE_EXECUTED: the execution cache {current.plugin.config['cache_dir']} "
            f"lacks {len(missing)} notebook(s) of this commit ({names}); execute the "
            "lectures for this commit (the GPU job) instead of building from an old cache."
        )


def _forget_changed_runs(current: Prefetch) -> None:
    """Drop the cached output of every page whose runs were trained again since it was executed
    (the page is executed again, with the runs' new numbers)."""
    config, execute = current.plugin.config, current.plugin.config["execute"]
    mermaid = current.config["theme"].name != "material"
    for path in current.notebooks:
        cached = _compat.cache_path(path, config, execute, mermaid)
        record = provenance.read_provenance(config["cache_dir"], path)
        changed = changed_runs(record.get("runs", {}), path) if cached.exists() else []
        if changed:
            cached.unlink()
            page = Path(path).resolve().relative_to(ROOT).as_posix()
            logging.getLogger("mkdocs").info(
                "%s: executed again, its runs were trained again since (%s)",
                page,
                ", ".join(changed),
            )


if __name__ == "__main__":
    raise SystemExit(main())
