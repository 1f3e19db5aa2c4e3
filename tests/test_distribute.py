"""`nes2 train --distribute`: TF_CONFIG checks, the fallback without GPUs, and two real workers."""

import json
import math
import os
import socket
import subprocess
import sys
import time

import pytest

from nes2 import distribute
from nes2.errors import InvalidOptionError
from nes2.recipes import digit_tilt

pytestmark = pytest.mark.trains

WORKERS = ["127.0.0.1:2222", "127.0.0.1:2223"]


def _config(workers=WORKERS, task=None) -> dict:
    return {"cluster": {"worker": workers}, "task": task or {"type": "worker", "index": 0}}


def test_cluster_reads_the_workers_and_the_chief():
    spec = distribute.cluster(json.dumps(_config(task={"type": "worker", "index": 1})))
    assert spec.workers == tuple(WORKERS) and spec.index == 1
    assert not spec.is_chief and spec.peers == {0: WORKERS[0]}


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ("{not json", r"TF_CONFIG is not JSON"),
        ("[1, 2]", r"must be a JSON object"),
        (json.dumps({"task": {"type": "worker", "index": 0}}), r'needs "cluster"'),
        (json.dumps({**_config(), "cluster": {"worker": WORKERS, "ps": ["h:1"]}}), r"not ps"),
        (json.dumps(_config(workers=["no-port"])), r"'no-port' is not host:port"),
        (json.dumps(_config(task={"type": "chief", "index": 0})), r'"type": "worker"'),
        (json.dumps(_config(task={"type": "worker", "index": 2})), r"index 2 is not one of the 2"),
    ],
)
def test_a_malformed_tf_config_is_named(config, message):
    with pytest.raises(InvalidOptionError, match=message):
        distribute.cluster(config)


def test_multi_worker_without_tf_config_says_what_to_set(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    with pytest.raises(InvalidOptionError, match=r"needs the TF_CONFIG environment variable"):
        distribute.make("multi-worker")


def test_an_unknown_kind_and_a_bad_timeout_are_refused(monkeypatch):
    with pytest.raises(InvalidOptionError, match=r"use one of none, mirrored, multi-worker"):
        distribute.make("horovod")
    monkeypatch.setenv("NES2_CLUSTER_TIMEOUT", "soon")
    with pytest.raises(InvalidOptionError, match=r"NES2_CLUSTER_TIMEOUT='soon'"):
        distribute.cluster_timeout()


def test_mirrored_without_a_gpu_falls_back_to_one_device(capsys):
    import tensorflow as tf

    if tf.config.list_logical_devices("GPU"):
        pytest.skip("this machine has a GPU (tests/test_gpu.py trains with it)")
    distribution = distribute.make("mirrored")
    assert "no GPU found, training on one device" in capsys.readouterr().out
    assert distribution.strategy is None
    assert distribution.record() == {"kind": "none", "workers": 1, "replicas": 1}


def test_the_cli_names_a_malformed_tf_config(monkeypatch, capsys):
    from nes2 import cli

    monkeypatch.setenv("TF_CONFIG", '{"cluster": {"worker": ["127.0.0.1:1"]}}')
    code = cli.main(["train", "digit-tilt", "--epochs", "1", "--distribute", "multi-worker"])
    assert code == 2
    assert 'TF_CONFIG: task needs "type": "worker"' in capsys.readouterr().err


def _free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def _worker(index: int, workers: list[str], tmp_path, extra_env=None) -> subprocess.Popen:
    env = {
        **os.environ,
        "TF_CONFIG": json.dumps(_config(workers, {"type": "worker", "index": index})),
        "NES2_HOME": str(tmp_path / f"home{index}"),
        **(extra_env or {}),
    }
    command = [sys.executable, "-m", "nes2.cli", "train", "digit-tilt", "--epochs", "1"]
    command += ["--distribute", "multi-worker", "--out", str(tmp_path / f"out{index}")]
    return subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def test_two_workers_train_digit_tilt_and_the_chief_alone_writes(tmp_path):
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    processes = [_worker(i, workers, tmp_path) for i in range(2)]
    logs = [p.communicate(timeout=600)[0] for p in processes]
    for process, log in zip(processes, logs, strict=True):
        assert process.returncode == 0, log[-3000:]
    metrics = json.loads((tmp_path / "out0" / "metrics.json").read_text())
    assert metrics["distribution"] == {"kind": "multi-worker", "workers": 2, "replicas": 2}
    assert 0 < metrics["rmse_deg"] < 45
    assert (tmp_path / "out0" / "predicted_vs_true.png").is_file()
    assert not (tmp_path / "out1").exists()
    assert "the chief writes the results" in logs[1]
    # The global batch is the recipe's batch on each of the 2 replicas: half the steps.
    steps = math.ceil(metrics["counts"]["train_per_epoch"] / (2 * digit_tilt.BATCH_SIZE))
    assert f"{steps}/{steps}" in logs[0] and f"{steps}/{steps}" in logs[1]


def test_a_chief_whose_peer_never_answers_stops_in_bounded_time(tmp_path):
    workers = [f"127.0.0.1:{port}" for port in _free_ports(2)]
    start = time.monotonic()
    chief = _worker(0, workers, tmp_path, {"NES2_CLUSTER_TIMEOUT": "10"})
    log = chief.communicate(timeout=300)[0]
    assert chief.returncode != 0
    assert time.monotonic() - start < 120
    assert f"did not come together within 10 s: {workers[1]} (worker 1) never answered" in log
    assert not (tmp_path / "out0").exists()
