"""The one place where `nes2` reaches into private APIs of the libraries it trains with.

Each patch or private call here names the versions it was written and tested
for. Outside them it fails at once with `UnsupportedVersionError`, naming the
versions found, the versions supported and the upstream issue, instead of
patching something whose shape may have changed. `PRIVATE_ATTRIBUTES` lists
every private attribute used here; `tests/test_compat.py` asserts that each
one exists in the locked versions.

Examples:
    >>> supported("3.15.1", (3, 15), (3, 16))
    True
    >>> supported("3.16.0", (3, 15), (3, 16))
    False
"""

from __future__ import annotations

from importlib.metadata import version

from nes2.errors import Nes2Error

KERAS_MULTI_WORKER = ((3, 15), (3, 16))
"""Keras versions (from, up to but not including) whose multi-worker `fit` is mended here."""
KERAS_MULTI_WORKER_ISSUE = "https://github.com/keras-team/keras/issues/20585"
TENSORFLOW_DETERMINISM = ((2, 20), (2, 22))
"""TensorFlow versions whose private determinism switch and coordination service are used here."""

PRIVATE_ATTRIBUTES = (
    ("keras.src.backend.tensorflow.trainer", "TensorFlowTrainer._maybe_symbolic_build"),
    ("keras.src.backend.tensorflow.trainer", "TensorFlowTrainer._symbolic_build"),
    ("keras.src.backend.tensorflow.trainer", "reduce_per_replica"),
    ("keras.src.backend.tensorflow.trainer", "_collective_all_reduce_multi_worker"),
    ("tensorflow.python.eager.context", "context"),
    ("tensorflow.python.eager.context", "Context.configure_coordination_service"),
    ("tensorflow.compiler.xla.tsl.protobuf.coordination_config_pb2", "CoordinatedJob"),
    ("tensorflow.python.framework.config", "disable_op_determinism"),
    ("tensorflow.python.framework.config", "is_op_determinism_enabled"),
)
"""(module, attribute) of every private name this module patches or calls."""


class UnsupportedVersionError(Nes2Error):
    """A library's version is outside the range a patch of its private API was written for."""


def supported(found: str, first: tuple[int, int], beyond: tuple[int, int]) -> bool:
    """Whether version `found` is at least `first` and below `beyond` (major, minor)."""
    parts = tuple(int(p) for p in found.split(".")[:2] if p.isdigit())
    return first <= parts < beyond


def require(
    package: str, versions: tuple, what: str, issue: str = "", where: str = "nes2/_compat.py"
) -> None:
    """Fail unless the installed `package` is within `versions` (from, beyond); the message
    names the patch (`what`), the upstream `issue` and the file that holds it (`where`)."""
    found = version(package)
    first, beyond = versions
    if not supported(found, first, beyond):
        upstream = f" (upstream: {issue})" if issue else ""
        raise UnsupportedVersionError(
            f"{what} is written for {package} >={'.'.join(map(str, first))},"
            f"<{'.'.join(map(str, beyond))}, not {found}{upstream}. Install a supported "
            f"{package} (uv.lock pins one), or check the patch in {where} against "
            "this version and widen its range."
        )


def mend_keras_multi_worker() -> None:
    """Mend two places where Keras' `fit` breaks under `MultiWorkerMirroredStrategy`.

    Keras 3.15 reduces a batch of data across workers to build the model
    (`PerReplica` cannot be converted to a tensor) and averages the scalar
    logs along an axis they do not have (keras-team/keras#20585). Both are
    replaced with what single-machine strategies do: the model is built from
    this worker's own batch, and the logs are averaged over the replicas. The
    patch lasts for the process.

    Raises:
        UnsupportedVersionError: Keras outside `KERAS_MULTI_WORKER`.
    """
    require("keras", KERAS_MULTI_WORKER, "The multi-worker mend", KERAS_MULTI_WORKER_ISSUE)
    from keras.src.backend.tensorflow import trainer

    if getattr(trainer, "_nes2_mended", False):
        return
    import tensorflow as tf

    def maybe_symbolic_build(self, iterator=None, data_batch=None):
        if self._distribute_strategy is None:
            return
        local = self.distribute_strategy.experimental_local_results
        if iterator is not None:
            for _, _, batches in iterator:
                data_batch = tf.nest.map_structure(lambda v: local(v)[0], next(batches))
                break
        with self.distribute_strategy.scope():
            self._symbolic_build(data_batch=data_batch)

    reduce_per_replica = trainer.reduce_per_replica

    def reduce_logs(values, strategy, reduction):
        if trainer._collective_all_reduce_multi_worker(strategy) and reduction in ("auto", "mean"):
            return tf.nest.map_structure(lambda v: strategy.reduce("MEAN", v, axis=None), values)
        return reduce_per_replica(values, strategy, reduction)

    trainer.TensorFlowTrainer._maybe_symbolic_build = maybe_symbolic_build
    trainer.reduce_per_replica = reduce_logs
    trainer._nes2_mended = True


def coordinate_workers(workers: int, seconds: float) -> None:
    """Let TensorFlow's coordination service wait `seconds` for `workers` to register.

    `MultiWorkerMirroredStrategy` has no public setting for this wait.

    Raises:
        UnsupportedVersionError: TensorFlow outside `TENSORFLOW_DETERMINISM` (the same range).
    """
    require("tensorflow", TENSORFLOW_DETERMINISM, "The multi-worker registration timeout")
    from tensorflow.compiler.xla.tsl.protobuf import coordination_config_pb2
    from tensorflow.python.eager import context

    if context.context().coordination_service is None:
        context.context().configure_coordination_service(
            service_type="standalone",
            service_leader="/job:worker/replica:0/task:0",
            coordinated_jobs=[
                coordination_config_pb2.CoordinatedJob(name="worker", num_tasks=workers)
            ],
            cluster_register_timeout_in_ms=int(seconds * 1000),
        )


def op_determinism_enabled() -> bool:
    """Whether TensorFlow's op determinism is on in this process."""
    from tensorflow.python.framework import config

    return config.is_op_determinism_enabled()


def set_op_determinism(enabled: bool) -> None:
    """Turn TensorFlow's op determinism on or off.

    TensorFlow's public API only turns it on (`enable_op_determinism`); turning
    it off again, so that determinism lasts one run, uses the private twin.

    Raises:
        UnsupportedVersionError: TensorFlow outside `TENSORFLOW_DETERMINISM`.
    """
    import tensorflow as tf

    if enabled:
        tf.config.experimental.enable_op_determinism()
        return
    require("tensorflow", TENSORFLOW_DETERMINISM, "Turning op determinism off")
    from tensorflow.python.framework import config

    config.disable_op_determinism()
