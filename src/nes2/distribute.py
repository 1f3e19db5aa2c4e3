"""Training on several devices or machines: `nes2 train RECIPE --distribute KIND`.

Three kinds of distribution, all data-parallel (every replica holds the whole
model and trains on its share of each global batch; the gradients are summed
across replicas before each update):

* `none`: one device, as everywhere else in the course.
* `mirrored`: every GPU of this machine (`tf.distribute.MirroredStrategy`).
  Without a GPU it says so and trains on one device.
* `multi-worker`: several machines, one process each, described by the
  `TF_CONFIG` environment variable (`tf.distribute.MultiWorkerMirroredStrategy`).
  Every worker runs the same command; worker 0 is the chief, which alone
  writes `metrics.json`, the figures and the run store.

A recipe's `batch_size` is per replica: its global batch is `batch_size`
times the number of replicas (`Recipe.global_batch`), and Keras gives each
worker its shard of every batch.

Examples:
    ```python
    from nes2 import distribute

    distribution = distribute.make("mirrored")   # all local GPUs
    with distribution.scope():
        model = make_model()                     # variables mirrored on each GPU
    distribution.record()   # {'kind': 'mirrored', 'workers': 1, 'replicas': 2}
    ```

    >>> cluster({"cluster": {"worker": ["a:1", "b:2"]}, "task": {"index": 1}})
    Traceback (most recent call last):
    ...
    nes2.errors.InvalidOptionError: TF_CONFIG: task needs "type": "worker".
"""

from __future__ import annotations

import contextlib
import json
import os
import socket
import sys
from dataclasses import dataclass
from typing import Any

from nes2 import _compat
from nes2.errors import InvalidOptionError, Nes2Error

KINDS = ("none", "mirrored", "multi-worker")
CLUSTER_TIMEOUT = 120
"""Seconds a worker waits for the whole cluster (`NES2_CLUSTER_TIMEOUT` overrides it)."""
UPSTREAM_ISSUE = "https://github.com/keras-team/keras/issues/20585"


class ClusterError(Nes2Error):
    """The workers of a multi-worker run could not meet."""


@dataclass(frozen=True)
class Cluster:
    """The workers of a `TF_CONFIG` and this process's place among them."""

    workers: tuple[str, ...]
    index: int

    @property
    def is_chief(self) -> bool:
        """Worker 0 is the chief."""
        return self.index == 0

    @property
    def peers(self) -> dict[int, str]:
        """The other workers' addresses by index."""
        return {i: a for i, a in enumerate(self.workers) if i != self.index}


def cluster(config: dict | str | None = None) -> Cluster:
    """Read and check a `TF_CONFIG` (default: the environment variable).

    Only worker tasks are supported: `{"cluster": {"worker": ["host:port", ...]},
    "task": {"type": "worker", "index": i}}`.

    Raises:
        InvalidOptionError: a missing or malformed `TF_CONFIG`, naming what is wrong.

    Examples:
        >>> cluster('{"cluster": {"worker": ["10.0.0.1:2222", "10.0.0.2:2222"]}, '
        ...         '"task": {"type": "worker", "index": 0}}')
        Cluster(workers=('10.0.0.1:2222', '10.0.0.2:2222'), index=0)
    """
    example = (
        'e.g. {"cluster": {"worker": ["host1:2222", "host2:2222"]}, '
        '"task": {"type": "worker", "index": 0}}'
    )
    if config is None:
        config = os.environ.get("TF_CONFIG")
        if not config:
            raise InvalidOptionError(
                "--distribute multi-worker needs the TF_CONFIG environment variable "
                f"on every worker, {example}."
            )
    if isinstance(config, str):
        try:
            config = json.loads(config)
        except json.JSONDecodeError as exc:
            raise InvalidOptionError(f"TF_CONFIG is not JSON ({exc}); {example}.") from None
    if not isinstance(config, dict):
        raise InvalidOptionError(f"TF_CONFIG must be a JSON object; {example}.")
    jobs = config.get("cluster")
    if not isinstance(jobs, dict) or not jobs.get("worker"):
        raise InvalidOptionError(f'TF_CONFIG needs "cluster": {{"worker": [...]}}; {example}.')
    other = sorted(set(jobs) - {"worker"})
    if other:
        raise InvalidOptionError(
            f"TF_CONFIG: only worker tasks are supported, not {', '.join(other)}; "
            "worker 0 is the chief."
        )
    workers = jobs["worker"]
    for address in workers:
        host, _, port = str(address).rpartition(":")
        if not host or not port.isdigit():
            raise InvalidOptionError(f"TF_CONFIG: worker {address!r} is not host:port.")
    task = config.get("task")
    if not isinstance(task, dict) or task.get("type") != "worker":
        raise InvalidOptionError('TF_CONFIG: task needs "type": "worker".')
    index = task.get("index")
    if not isinstance(index, int) or not 0 <= index < len(workers):
        raise InvalidOptionError(
            f"TF_CONFIG: task index {index!r} is not one of the {len(workers)} workers "
            f"(0 to {len(workers) - 1})."
        )
    return Cluster(tuple(workers), index)


def answering(address: str, timeout: float = 1.0) -> bool:
    """Whether something listens at `host:port`."""
    host, _, port = address.rpartition(":")
    try:
        with socket.create_connection((host, int(port)), timeout=timeout):
            return True
    except OSError:
        return False


def cluster_timeout() -> float:
    """Seconds to wait for the cluster: `NES2_CLUSTER_TIMEOUT`, else `CLUSTER_TIMEOUT`."""
    text = os.environ.get("NES2_CLUSTER_TIMEOUT", str(CLUSTER_TIMEOUT))
    try:
        seconds = float(text)
    except ValueError:
        seconds = -1
    if seconds <= 0:
        raise InvalidOptionError(
            f"NES2_CLUSTER_TIMEOUT={text!r}: give a positive number of seconds."
        )
    return seconds


@contextlib.contextmanager
def _deadline(seconds: float, spec: Cluster):
    """End this process with a message if the block does not finish in `seconds`.

    TensorFlow's chief waits for its peers inside C++, holding the interpreter,
    where neither an exception nor a Python thread can reach it: a separate
    watcher process ends it (`watch`).
    """
    import subprocess

    watcher = subprocess.Popen(
        [sys.executable, "-c", "from nes2.distribute import watch; watch()",
         str(os.getpid()), f"{seconds:g}", *(f"{i}={a}" for i, a in spec.peers.items())],
        stdin=subprocess.PIPE,
    )  # fmt: skip
    try:
        yield
    finally:
        watcher.stdin.close()
        watcher.wait()


def watch(argv: list[str] | None = None) -> None:
    """The watcher of `_deadline`: `PID SECONDS INDEX=HOST:PORT...`.

    Waits until its standard input closes (the block finished) or `SECONDS`
    pass; then names the peers that do not answer and kills process `PID`.
    """
    import signal
    import threading

    pid, seconds, *peers = argv or sys.argv[1:]
    finished = threading.Thread(target=sys.stdin.read, daemon=True)
    finished.start()
    finished.join(float(seconds))
    if not finished.is_alive():
        return
    silent = []
    for peer in peers:
        index, _, address = peer.partition("=")
        if not answering(address):
            silent.append(f"{address} (worker {index})")
    who = f"{', '.join(silent)} never answered" if silent else "the workers did not all join"
    print(
        f"nes2: error: multi-worker: the cluster did not come together within {seconds} s: "
        f"{who}. Start every worker of TF_CONFIG (same cluster, its own task index) within "
        "that time, or raise NES2_CLUSTER_TIMEOUT.",
        file=sys.stderr,
        flush=True,
    )
    os.kill(int(pid), getattr(signal, "SIGKILL", signal.SIGTERM))


@dataclass(frozen=True)
class Distribution:
    """A distribution strategy and what a run records of it."""

    kind: str = "none"
    strategy: Any = None
    workers: int = 1
    is_chief: bool = True

    @property
    def replicas(self) -> int:
        """Replicas in sync (devices over all workers)."""
        return self.strategy.num_replicas_in_sync if self.strategy is not None else 1

    def scope(self):
        """The strategy's scope (a no-op for `none`): build models inside it."""
        return self.strategy.scope() if self.strategy is not None else contextlib.nullcontext()

    def record(self) -> dict:
        """What `metrics.json` records: kind, workers and replicas."""
        return {"kind": self.kind, "workers": self.workers, "replicas": self.replicas}


def make(kind: str = "none") -> Distribution:
    """The `Distribution` of `kind` (one of `KINDS`).

    Raises:
        InvalidOptionError: an unknown kind, or a malformed `TF_CONFIG`.
    """
    if kind not in KINDS:
        raise InvalidOptionError(f"--distribute {kind!r}: use one of {', '.join(KINDS)}.")
    if kind == "none":
        return Distribution()
    if kind == "mirrored":
        import tensorflow as tf

        gpus = tf.config.list_logical_devices("GPU")
        if not gpus:
            print("nes2: --distribute mirrored: no GPU found, training on one device (CPU).")
            return Distribution()
        return Distribution(kind, tf.distribute.MirroredStrategy())
    spec = cluster()
    seconds = cluster_timeout()
    import tensorflow as tf

    _compat.mend_keras_multi_worker()
    _compat.coordinate_workers(len(spec.workers), seconds)
    with _deadline(seconds, spec):
        try:
            strategy = tf.distribute.MultiWorkerMirroredStrategy()
            # The first collective is where the workers meet.
            strategy.reduce("SUM", strategy.run(lambda: tf.constant(1.0)), axis=None)
        except tf.errors.OpError as exc:
            raise ClusterError(
                f"multi-worker: worker {spec.index} could not join the cluster through the "
                f"chief at {spec.workers[0]} ({type(exc).__name__}). Start the chief (worker 0) "
                "too, check that its address is reachable from here, or raise "
                "NES2_CLUSTER_TIMEOUT."
            ) from None
    return Distribution(kind, strategy, len(spec.workers), spec.is_chief)
