"""The process that runs one submission (started by `nes2.grading.sandbox`, never imported).

    python -m nes2.grading.worker NOTEBOOK EXECUTED --timeout S [--memory BYTES] [--loopback]

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
import socket
import struct
import sys
from pathlib import Path

OUTPUT_LIMIT = 20_000
"""Characters kept of one output of a cell (a cell that prints megabytes keeps the start)."""


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
    for output in cell.get("outputs", []):
        if isinstance(output.get("text"), str):
            output["text"] = capped(output["text"])
        for mime, value in output.get("data", {}).items():
            if mime.startswith("text/") and isinstance(value, str):
                output["data"][mime] = capped(value)


def loopback_up() -> None:
    """Set the `lo` interface up (SIOCGIFFLAGS, then SIOCSIFFLAGS with IFF_UP)."""
    import fcntl  # Linux only, as are the namespaces it serves

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        request = struct.pack("16sH14x", b"lo", 0)
        flags = struct.unpack("16sH14x", fcntl.ioctl(sock, 0x8913, request))[1]
        fcntl.ioctl(sock, 0x8914, struct.pack("16sH14x", b"lo", flags | 1))


def kernel_pid(client) -> int | str:
    """The kernel's process id (its own process group), for the sandbox to stop it."""
    provisioner = getattr(client.km, "provisioner", None)
    return getattr(provisioner, "pid", None) or ""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m nes2.grading.worker")
    parser.add_argument("notebook", type=Path)
    parser.add_argument("executed", type=Path)
    parser.add_argument("--timeout", type=float, required=True)
    parser.add_argument("--memory", type=int)
    parser.add_argument("--loopback", action="store_true")
    args = parser.parse_args(argv)
    if args.loopback:
        loopback_up()
    if args.memory:
        import resource

        resource.setrlimit(resource.RLIMIT_AS, (args.memory, args.memory))
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
        on_notebook_start=lambda **_: Path("kernel.pid").write_text(str(kernel_pid(client))),
    )
    client.execute()
    save()
    return 0


if __name__ == "__main__":
    sys.exit(main())
