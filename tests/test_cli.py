import copy
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import SITE_GROUP, TEST_CACHE

from nes2 import cli
from nes2.data import synthetic_pets
from nes2.recipes import verify


def run_here(capsys, *args):
    """`nes2 ARGS` in this process (TensorFlow is loaded already), as `run_cli` reports it."""
    from types import SimpleNamespace

    code = cli.main([str(a) for a in args])
    captured = capsys.readouterr()
    return SimpleNamespace(returncode=code, stdout=captured.out, stderr=captured.err)


def run_cli(*args, env=None, timeout=600):
    return subprocess.run(
        [sys.executable, "-m", "nes2.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def test_help_does_not_import_tensorflow():
    code = (
        "import sys, nes2.cli; sys.argv=['nes2','--help']\n"
        "try:\n    nes2.cli.main()\nexcept SystemExit: pass\n"
        "print('tensorflow' in sys.modules, 'keras' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip().splitlines()[-1] == "False False"
    assert "info" in out.stdout and "train" in out.stdout


def test_resolving_every_recipe_s_options_imports_no_tensorflow():
    code = (
        "import sys\nfrom nes2 import recipes\n"
        "for name in recipes.names():\n    recipes.get(name).spec('quick')\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]", out.stderr


def test_import_nes2_is_light():
    code = (
        "import sys, nes2, nes2.config, nes2.data\n"
        "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "cats-vs-dogs", "--variant", "bigger"], "invalid choice: 'bigger'"),
        (["train", "cats-vs-dogs", "--epochs", "0"], "must be at least 1"),
        (["train", "dogs"], "invalid choice: 'dogs'"),
        (["data", "fetch", "imagenet"], "invalid choice: 'imagenet'"),
    ],
)
def test_bad_arguments_exit_2(argv, message, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    assert message in capsys.readouterr().err


def test_missing_data_is_one_line_with_exit_2(nes2_home, capsys):
    assert cli.main(["train", "cats-vs-dogs", "--variant", "scratch"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "nes2 data fetch cats-vs-dogs" in err and "--source synthetic" in err


def test_bad_profile_in_environment(nes2_home, monkeypatch, capsys):
    monkeypatch.setenv("NES2_PROFILE", "huge")
    assert cli.main(["train", "cats-vs-dogs"]) == 2
    assert "Unknown profile 'huge'" in capsys.readouterr().err


def test_url_needs_sha256(nes2_home, capsys):
    assert cli.main(["data", "fetch", "cats-vs-dogs", "--url", "http://127.0.0.1:9/a.zip"]) == 2
    assert "--sha256" in capsys.readouterr().err


def test_data_fetch_from_mirror(nes2_home, http_server, pets_archive, capsys):
    code = cli.main(
        ["data", "fetch", "cats-vs-dogs", "--url", http_server, "--sha256", pets_archive.sha256]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "12 cats, 12 dogs" in out and f"dropped {pets_archive.corrupt}" in out


def test_data_fetch_offline_exit_2(nes2_home, capsys):
    assert (
        cli.main(
            [
                "data",
                "fetch",
                "cats-vs-dogs",
                "--url",
                "http://127.0.0.1:9/x.zip",
                "--sha256",
                "0" * 64,
            ]
        )
        == 2
    )
    assert "--archive PATH" in capsys.readouterr().err


def test_info_lists_versions_and_devices(nes2_home, capsys):
    assert cli.main(["info"]) == 0
    out = capsys.readouterr().out
    keys = [line.split()[0] for line in out.splitlines()]
    assert keys == [
        "nes2",
        "keras",
        "tensorflow",
        "keras-cv",
        "keras-hub",
        "python",
        "backend",
        "devices",
        "gpus",
        "profile",
        "cache",
    ]
    assert "CPU:0" in out and str(nes2_home) in out


@pytest.mark.trains
def test_train_synthetic_writes_metrics_and_curves(shared_home, capsys, tmp_path):
    out_dir = tmp_path / "run"
    result = run_here(
        capsys,
        "train",
        "cats-vs-dogs",
        "--variant",
        "regularized",
        "--source",
        "synthetic",
        "--epochs",
        "1",
        "--out",
        str(out_dir),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["data_source"] == synthetic_pets.LABEL
    assert metrics["epochs"] == 1 and metrics["profile"] == "quick"
    for key in ("train_loss", "train_accuracy", "val_loss", "val_accuracy", "seconds"):
        assert isinstance(metrics[key], float)
    assert 0.0 <= metrics["val_accuracy"] <= 1.0
    png = (out_dir / "curves.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000


@pytest.mark.parametrize(
    "argv, message",
    [
        (["train", "cats-vs-dogs", "--backbone", "VGG16"], "apply to --variant transfer"),
        (
            ["train", "cats-vs-dogs", "--variant", "transfer", "--weights", "/no/such.h5"],
            "no such file",
        ),
        (
            [
                "train",
                "cats-vs-dogs",
                "--variant",
                "transfer",
                "--backbone",
                "VGG61",
                "--source",
                "synthetic",
                "--weights",
                "none",
            ],
            "did you mean VGG19, VGG16",
        ),
        (["models", "list", "--family", "Transformer"], "families: ConvNeXt, DenseNet"),
        (
            ["train", "detection", "--model", "ssd", "--library", "keras-hub"],
            "written in nes2.tasks.ssd",
        ),
    ],
)
def test_transfer_and_models_errors_exit_2(argv, message, nes2_home, capsys):
    assert cli.main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and message in err


def test_models_list_family(nes2_home, capsys):
    assert cli.main(["models", "list", "--family", "vgg"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:2] == ["model", "family"]
    assert lines[1].split()[:5] == ["VGG16", "VGG", "2014", "224", "138,357,544"]
    assert lines[2].split()[4:7] == ["143,667,240", "143.7M", "19"]
    assert "weights=None" in lines[-1]


@pytest.fixture(scope="session")
def vgg16_weights_file() -> Path:
    """A VGG16 weights file (random weights), kept in the tests' cache so that its bytes,
    and with them the key of the run that uses it, stay the same from one test run to the next."""
    import keras

    from nes2.io import atomic_file

    path = TEST_CACHE / "weights" / f"vgg16_notop_64-keras{keras.__version__}.weights.h5"
    if not path.is_file():
        backbone = keras.applications.VGG16(
            include_top=False, weights=None, input_shape=(64, 64, 3)
        )
        with atomic_file(path, suffix=".weights.h5") as tmp:
            backbone.save_weights(tmp)
    return path


@pytest.mark.trains
def test_train_transfer_with_local_weights(shared_home, capsys, vgg16_weights_file, tmp_path):
    weights = vgg16_weights_file
    out_dir = tmp_path / "transfer"
    result = run_here(
        capsys,
        "train",
        "cats-vs-dogs",
        "--variant",
        "transfer",
        "--source",
        "synthetic",
        "--weights",
        str(weights),
        "--epochs",
        "2",
        "--out",
        str(out_dir),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["backbone"] == "VGG16" and metrics["weights"] == f"file {weights.name}"
    assert metrics["epochs"] == 2 and 0.0 <= metrics["test_accuracy"] <= 1.0


def test_recipe_options_match_the_task_modules():
    """The recipes repeat a few constants so that `nes2 --help` needs no Keras; they must agree."""
    from nes2 import recipes
    from nes2.models import convnets, ensemble
    from nes2.recipes import mnist_ensemble
    from nes2.recipes import restoration as restoration_recipe
    from nes2.tasks import detection, localization, regression, restoration, segmentation

    assert recipes.get("digit-tilt").option("target").choices == regression.TARGETS
    assert recipes.get("detection").option("model").choices == (*detection.MODELS, "ssd")
    assert recipes.get("detection").option("library").choices == detection.LIBRARIES
    assert recipes.get("segmentation").option("model").choices == segmentation.MODELS
    assert recipes.get("localization").option("box_weight").default == localization.BOX_WEIGHT
    assert mnist_ensemble.METHODS == ensemble.METHODS
    assert restoration_recipe.CORRUPTIONS == restoration.CORRUPTIONS
    assert recipes.get("text").option("model").choices == convnets.TEXT_KINDS


@pytest.mark.parametrize(
    "recipe, option",
    [
        (name, option)
        for name in __import__("nes2.recipes", fromlist=["names"]).names()
        for option in __import__("nes2.recipes", fromlist=["get"]).get(name).options
        if option.choices
    ],
)
def test_every_recipe_refuses_a_value_outside_its_choices(recipe, option, capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", recipe, option.flag, "no-such-value"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'no-such-value'" in err
    assert all(f"'{choice}'" in err for choice in option.choices)


def test_unknown_option_of_a_recipe_exits_2(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "keypoints", "--target", "angle"])
    assert info.value.code == 2
    assert "unrecognized arguments: --target" in capsys.readouterr().err


@pytest.mark.trains
@pytest.mark.slow
def test_train_digit_tilt_writes_metrics_and_plots(shared_home, capsys, tmp_path):
    out_dir = tmp_path / "tilt"
    result = run_here(capsys, "train", "digit-tilt", "--epochs", "1", "--out", str(out_dir))
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["recipe"] == "digit-tilt" and metrics["epochs"] == 1
    assert metrics["rmse_deg"] > 0 and 0 <= metrics["within_10deg"] <= 1
    assert metrics["data_source"].startswith("podmnožina MNIST")
    assert {"predicted_vs_true.png", "residuals.png"} <= {p.name for p in out_dir.iterdir()}
    assert "Wrote metrics.json" in result.stdout


@pytest.mark.trains
@pytest.mark.slow
def test_train_segmentation_writes_mean_iou(shared_home, capsys, tmp_path):
    out_dir = tmp_path / "seg"
    result = run_here(
        capsys,
        "train",
        "segmentation",
        "--model",
        "segnet",
        "--epochs",
        "1",
        "--out",
        str(out_dir),
    )
    assert result.returncode == 0, result.stderr[-2000:]
    metrics = json.loads((out_dir / "metrics.json").read_text())
    assert metrics["model"] == "segnet" and 0 < metrics["mean_iou"] <= 1
    assert len(metrics["iou_per_class"]) == 11 and (out_dir / "masks.png").is_file()


def test_verify_prints_the_table_and_fails_on_a_miss(monkeypatch, tmp_path, capsys):
    from nes2.teaching import expected

    # an entry with a lower bound and a time budget, set from a spread of seeds
    entry = next(
        e
        for e in expected.entries("quick")
        if e.checked
        and "budget" in e.bands.get("seconds", {})
        and any("min" in band for band in e.bands.values())
    )
    metric = next(m for m, band in entry.bands.items() if "min" in band)
    band, budget = entry.bands[metric], entry.bands["seconds"]["budget"]
    measured = {metric: band["min"] - 0.1, "seconds": budget + 1.0}
    monkeypatch.setattr(verify, "run", lambda entry, **kwargs: measured)
    argv = ["verify", entry.name, "--profile", "quick", "--out", str(tmp_path)]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    rows = {
        line.split()[1]: re.search(r"(ok|MISS|over budget)$", line).group()
        for line in out.splitlines()
        if line.startswith(f"{entry.name} ")
    }
    assert rows[metric] == "MISS" and rows["seconds"] == "over budget"
    assert f"1 runs, {len(rows)} checks" in out and "2 jádra CPU" in out
    # the words the site build fails with, the spread included
    said = (
        f"run {entry.name} (quick): {metric} = {measured[metric]:.4g}, expected ≥ {band['min']:g}"
    )
    assert f"{said} (recorded {band['recorded']:g}; spread " in out

    measured[metric], measured["seconds"] = band["min"] + 0.01, budget - 1.0
    monkeypatch.setattr(
        verify,
        "run",
        lambda entry, **kwargs: {m: b.get("recorded") for m, b in entry.bands.items()} | measured,
    )
    assert cli.main(argv) == 0


@pytest.mark.parametrize(
    ("seeds", "settings"),
    [([42], ["default"]), ([42, 43, 44], ["default"]), ([42, 43], ["default", "threads=1"])],
)
def test_verify_refuses_a_band_not_set_from_a_spread(
    monkeypatch, tmp_path, capsys, seeds, settings
):
    from nes2.teaching import expected

    data = copy.deepcopy(expected._file())
    data["digit-tilt"]["quick"].update(seeds=seeds, settings=settings)
    monkeypatch.setattr(expected, "_file", lambda: data)
    trained = []
    monkeypatch.setattr(verify, "run", lambda entry, **kwargs: trained.append(entry) or {})
    argv = ["verify", "digit-tilt", "localization", "--profile", "quick", "--out", str(tmp_path)]
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert f"digit-tilt (quick): its bands were set from {len(seeds)} seed(s)" in err
    assert "nes2 spread digit-tilt --profile quick --record" in err
    assert "localization" not in err and trained == []  # refused before anything trains


def test_verify_unknown_run_exits_2(capsys):
    assert cli.main(["verify", "colorization"]) == 2
    err = capsys.readouterr().err
    assert "colorization" in err and "detection/yolov8" in err


@pytest.mark.slow
@pytest.mark.timeout(2400)
@pytest.mark.xdist_group(SITE_GROUP)
def test_verify_quick_profile_checks_the_runs_of_the_site(executed_site):
    """`nes2 verify --profile quick` on every run whose budget fits CI (at most 5 minutes).

    The site build trained these runs on its pages; verify must check those
    very runs (reused from the run store), not train them again.
    """
    from conftest import site_environment

    from nes2.teaching import expected

    runs = [
        e.name
        for e in expected.entries("quick")
        if e.bands.get("seconds", {}).get("budget", 0) <= 300
    ]
    assert "detection/ssd" in runs and "detection/yolov8" not in runs
    env = site_environment()
    if os.environ.get("NES2_SITE_DIR"):
        env["NES2_HOME"] = os.environ.get("NES2_HOME", env["NES2_HOME"])
    out = Path(env["NES2_HOME"]) / "verify-out"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "nes2.cli",
            "verify",
            *runs,
            "--profile",
            "quick",
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=2300,
        env=env,
    )
    artifacts = Path(os.environ.get("NES2_ARTIFACTS", Path(__file__).parents[1] / "test-artifacts"))
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "verify-quick.txt").write_text(result.stdout)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " 0 missed" in result.stdout
    if not os.environ.get("NES2_SITE_DIR"):  # every run was trained by a page of this site
        reused = [line for line in result.stdout.splitlines() if ": reused run from " in line]
        assert len(reused) == len(runs), result.stdout[-3000:]


def _with_relations(monkeypatch, relations):
    from nes2.teaching import expected

    data = {**expected._file(), "relations": relations}
    monkeypatch.setattr(expected, "_file", lambda: data)
    return expected


def test_verify_checks_relations_between_runs(monkeypatch, tmp_path, capsys):
    expected = _with_relations(
        monkeypatch,
        [
            {
                "profile": "quick",
                "better": "keypoints",
                "than": "localization",
                "metric": "score",
                "by": 0.1,
                "spread": [0.11, 0.2],
            }
        ],
    )
    scores = {"keypoints": 0.9, "localization": 0.85}
    monkeypatch.setattr(
        verify, "run", lambda entry, **kwargs: {"score": scores[entry.name], "seconds": 1.0}
    )
    monkeypatch.setattr(expected, "compare", lambda entry, metrics: [])
    argv = ["verify", "keypoints", "localization", "--profile", "quick", "--out", str(tmp_path)]
    assert cli.main(argv) == 1
    out = capsys.readouterr().out
    assert "keypoints vs localization  Δ score  0.05      >= 0.1    -         MISS" in out
    scores["keypoints"] = 0.96
    assert cli.main([*argv, "--markdown"]) == 0
    out = capsys.readouterr().out
    assert "| keypoints vs localization | Δ score | 0.11 | >= 0.1 | - | ok |" in out
    assert cli.main(["verify", "keypoints", "--profile", "quick", "--out", str(tmp_path)]) == 0
    assert "not checked, run localization was not run" in capsys.readouterr().out

    del expected._file()["relations"][0]["spread"]  # a relation set from one run is refused
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert "relation keypoints.score - localization.score >= 0.1 (quick) has no recorded" in err
    assert "nes2 spread keypoints localization --profile quick --record" in err


def test_verify_refuses_a_relation_naming_a_run_without_expected_results(monkeypatch, capsys):
    relation = {"profile": "quick", "better": "keypoints", "than": "colorization", "metric": "x"}
    _with_relations(monkeypatch, [relation])
    assert cli.main(["verify", "keypoints", "--profile", "quick"]) == 2
    err = capsys.readouterr().err
    assert "names run 'colorization', which has no expected results in profile 'quick'" in err
