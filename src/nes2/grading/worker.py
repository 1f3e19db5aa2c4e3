"""The process that runs one submission (started by `nes2.grading.sandbox`, never imported).

    python -m nes2.grading.worker NOTEBOOK EXECUTED --timeout S [--memory BYTES] [--loopback]
                                  [--pid-fd FD]

It executes NOTEBOOK with errors allowed (a failing cell does not stop the
others) in the current folder and writes EXECUTED after every cell, so a
submission stopped for its time still leaves the cells it ran. Each output is
capped at `OUTPUT_LIMIT` characters. `--memory` limits the address space of
the worker and of the kernel it starts; `--loopback` brings up the loopback
interface of a fresh network namespace (the kernel talks to this process
through it; nothing else is reachable there).
"""

from __future__ import annotations

import argparse
import os
import socket
import struct
import sys
from pathlib import Path

OUTPUT_LIMIT = 20_000
"""Characters kept of one output of a cell (a cell that prints megabytes keeps the start)."""
OUTPUTS_LIMIT = 50
"""Outputs kept of one cell (its streams are merged first)."""


def capped(text: str, limit: int = OUTPUT_LIMIT) -> str:
    """`text`, cut to `limit` characters with a note of what was left out.

    Examples:
        >>> capped("x" * 30, limit=10)
        'xxxxxxxxxx\\n… (výstup zkrácen: vynecháno 20 znaků)'
        >>> capped("short")
        'short'
    """
    if len(text) <= limit:
        return text
    return f"{text[:limit]}\n… (výstup zkrácen: vynecháno {len(text) - limit} znaků)"


def cap_outputs(cell) -> None:
    """Cap each output of `cell` at `OUTPUT_LIMIT` characters (streams, text data, an error's
    message and traceback) and the cell at `OUTPUTS_LIMIT` outputs, keeping its errors."""
    outputs = cell.get("outputs", [])
    for output in outputs:
        for key in ("text", "evalue"):
            if isinstance(output.get(key), str):
                output[key] = capped(output[key])
        if isinstance(output.get("traceback"), list):
            output["traceback"] = [capped(line) for line in output["traceback"][-50:]]
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/") and isinstance(value, str):
                output["data"][mime] = capped(value)
    if len(outputs) > OUTPUTS_LIMIT:
        errors = [o for o in outputs if o.get("output_type") == "error"]
        kept = [o for o in outputs[:OUTPUTS_LIMIT] if o.get("output_type") != "error"]
        note = {
            "output_type": "stream",
            "name": "stdout",
            "text": f"… (vynecháno {len(outputs) - len(kept) - len(errors)} výstupů)\n",
        }
        cell["outputs"] = [*kept, note, *errors]


def loopback_up() -> None:
    """Set the `lo` interface up (SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP)."""
    import fcntl  # Linux only, as are the namespaces it serves

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, 0x8913, request))[1]
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))


def tell_pid(client, fd: int | None) -> None:
    """Write the kernel's process id (its own process group) to `fd`, for the sandbox to stop
    it; the kernel does not inherit `fd`, so a submission cannot write there."""
    pid = getattr(getattr(client.km, "provisioner", None), "pid", None)
    if fd is not None:
        with os.fdopen(fd, "w") as pipe:
            pipe.write(f"{pid or ''}\n")


def main(argv=None) -> int:
    """Execute the notebook (see the module's description); exit 0 when it ran to its end."""
    parser = argparse.ArgumentParser(prog="python -m nes2.grading.worker")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("executed", type=Path)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--memory", type=int)
    parser.add_argument("--loopback", action="store_true")
    parser.add_argument("--pid-fd", type=int, help="where to write the kernel's process id")
    args = parser.parse_args(argv)
    if args.loopback:
        loopback_up()
    if args.memory:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        limit = args.memory if hard == resource.RLIM_INFINITY else min(args.memory, hard)
        resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    import nbformat
    from nbclient import NotebookClient

    from nes2.io import atomic_file

    nb = nbformat.read(args.notebook, as_version=4)

    def save(cell=None, **_) -> None:
        if cell is not None:
            cap_outputs(cell)
        with atomic_file(args.executed) as tmp:
            nbformat.write(nb, tmp)

    client = NotebookClient(
        nb,
        timeout=int(args.timeout),
        allow_errors=True,
        kernel_name="python3",
        resources={"metadata": {"path": str(Path.cwd())}},
        on_cell_executed=save,
        coalesce_streams=True,
        on_notebook_start=lambda **_: tell_pid(client, args.pid_fd),
    )
    client.execute()
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
