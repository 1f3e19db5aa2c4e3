"""Running a submission apart from the grader: its own process and folder, a time limit, a
memory limit, no network and an environment without the teacher's variables.

This guards against mistakes (an endless loop, a notebook that fills the
memory or deletes files around it, one that reads a token from the
environment), not against a determined attacker: the kernel still runs as the
grader's user. Run the grader in a container for that (README, "Grading").

Examples:
    >>> teacher = {"PATH": "/bin", "GITHUB_TOKEN": "x", "NES2_PROFILE": "quick"}
    >>> env = kernel_environment(teacher, Path("/tmp/h"))
    >>> sorted(env)[:4], "GITHUB_TOKEN" in env
    (['HOME', 'KERAS_HOME', 'MPLBACKEND', 'MPLCONFIGDIR'], False)
"""

from __future__ import annotations

import contextlib
import functools
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

PASSED_ON = ("PATH", "LANG", "TZ", "PYTHONPATH", "IPYTHONDIR", "TFDS_DATA_DIR")
"""Variables of the grader's environment the kernel gets (with `PASSED_PREFIXES`); no other."""
PASSED_PREFIXES = ("LC_", "NES2_", "KERAS_", "OMP_", "TF_CPP_")
UNSHARE = ("unshare", "--user", "--map-root-user", "--net", "--pid", "--fork", "--kill-child")


def kernel_environment(environ: dict, home: Path) -> dict:
    """The environment of a submission's kernel: the allowed variables of `environ`, a home
    folder of its own, and Keras' cache where the grader has it (pretrained weights)."""
    env = {
        name: value
        for name, value in environ.items()
        if name in PASSED_ON or name.startswith(PASSED_PREFIXES)
    }
    keras_home = environ.get("KERAS_HOME") or str(
        Path(environ.get("HOME", "~")).expanduser() / ".keras"
    )
    return env | {
        "HOME": str(home),
        "TMPDIR": str(home),
        "MPLCONFIGDIR": str(home / ".matplotlib"),
        "MPLBACKEND": "agg",
        "KERAS_HOME": keras_home,
        "PYTHONNOUSERSITE": "1",
    }


@functools.cache
def network_isolation() -> bool:
    """Whether this machine can run a process in a network namespace of its own (Linux's
    `unshare` with user namespaces)."""
    if sys.platform != "linux" or shutil.which("unshare") is None:
        return False
    probe = subprocess.run([*UNSHARE, "true"], capture_output=True, timeout=30, check=False)
    return probe.returncode == 0


@dataclass
class Execution:
    """What running a notebook gave: the executed notebook (as far as it got) or None, whether
    it ran out of time, the seconds, and the last line the worker wrote on failing."""

    notebook: dict | None
    timed_out: bool
    seconds: float
    error: str = ""


RUNNING: dict[int, tuple[subprocess.Popen, list[int]]] = {}
"""The workers running now (pid -> the process and its kernel's process group), for `stop_all`."""
LOG_TAIL = 4096
"""Bytes of the worker's log read back (its last line says why it failed)."""


def _stop(process: subprocess.Popen, kernel: list[int]) -> None:
    """Stop the worker's process group and its kernel's (jupyter_client starts the kernel in a
    session of its own; under `unshare --pid` the namespace takes it down with the worker)."""
    for group in [process.pid, *kernel]:
        with contextlib.suppress(ProcessLookupError, PermissionError, OverflowError):
            os.killpg(group, signal.SIGKILL)
    process.wait()


def stop_all() -> None:
    """Stop every submission still running (the grader was interrupted)."""
    for process, kernel in list(RUNNING.values()):
        _stop(process, kernel)


def _kernel_pid(read_end: int) -> list[int]:
    """The kernel's process id as the worker wrote it to the pipe, if it has."""
    os.set_blocking(read_end, False)
    with contextlib.suppress(BlockingIOError, OSError):
        text = os.read(read_end, 64).decode(errors="replace").strip()
        if text.isdigit() and 1 < int(text) < 2**22:
            return [int(text)]
    return []


def execute(nb, timeout: float, memory: int | None = None, isolate: bool = True) -> Execution:
    """Run the notebook `nb` in a temporary folder by a worker process (`nes2.grading.worker`).

    Args:
        nb: the notebook to run (not changed).
        timeout: wall-clock seconds for the whole notebook, the kernel's start included.
        memory: bytes of address space for the worker and its kernel (None: no limit).
        isolate: run in a network namespace of its own where the machine allows it.
    """
    import time

    from nes2.errors import Nes2Error
    from nes2.grading.submission import nbformat

    if os.name != "posix":
        raise Nes2Error("nes2 grade runs on Linux or macOS (on Windows: in WSL or a container).")
    nbf = nbformat()
    with tempfile.TemporaryDirectory(prefix="nes2-grade-") as folder:
        work, home = Path(folder) / "work", Path(folder) / "home"
        work.mkdir()
        home.mkdir()
        nbf.write(nb, work / "submission.ipynb")
        read_end, write_end = os.pipe()
        command = [sys.executable, "-m", "nes2.grading.worker", "submission.ipynb"]
        command += [str(Path(folder) / "executed.ipynb"), "--timeout", str(timeout)]
        command += ["--pid-fd", str(write_end)]
        if memory:
            command += ["--memory", str(memory)]
        isolated = isolate and network_isolation()
        if isolated:
            command = [*UNSHARE, *command, "--loopback"]
        log = Path(folder) / "worker.log"
        start = time.perf_counter()
        with log.open("wb") as stderr:
            process = subprocess.Popen(
                command,
                cwd=work,
                env=kernel_environment(dict(os.environ), home),
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=stderr,
                start_new_session=True,
                pass_fds=(write_end,),
            )
            os.close(write_end)
            kernel: list[int] = []
            RUNNING[process.pid] = (process, kernel)
            try:
                process.wait(timeout=timeout)
                timed_out = False
            except subprocess.TimeoutExpired:
                kernel += [] if isolated else _kernel_pid(read_end)
                _stop(process, kernel)
                timed_out = True
            finally:
                RUNNING.pop(process.pid, None)
                os.close(read_end)
        seconds = time.perf_counter() - start
        executed = Path(folder) / "executed.ipynb"
        try:
            notebook = nbf.read(executed, as_version=4) if executed.is_file() else None
        except Exception:  # written by the submission itself, or cut short
            notebook = None
        with log.open("rb") as f:
            f.seek(max(0, log.stat().st_size - LOG_TAIL))
            lines = f.read().decode(errors="replace").strip().splitlines()
        error = "" if process.returncode == 0 or timed_out else (lines[-1] if lines else "")
        return Execution(notebook, timed_out, seconds, error)
