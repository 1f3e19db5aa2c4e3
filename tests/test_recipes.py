"""Recipes that the CLI and the lecture pages run, at their smallest."""

import json

from nes2.recipes import mnist_ensemble


def test_mnist_ensemble_reports_members_and_methods(tmp_path):
    result = mnist_ensemble.run("quick", epochs=1, out=tmp_path)
    accuracy = result.metrics["test_accuracy"]
    assert list(accuracy) == [*mnist_ensemble.MEMBERS, "average", "vote", "stack"]
    assert all(0.5 < value <= 1.0 for value in accuracy.values()), accuracy
    assert result.metrics["counts"] == {"train": 3200, "stacking": 800, "test": 1000}
    assert json.loads((tmp_path / "metrics.json").read_text())["test_accuracy"] == accuracy
    assert (tmp_path / "accuracy.png").read_bytes().startswith(b"\x89PNG")
    members = [m.name for m in result.members]
    assert [layer.name for layer in result.ensembles["stack"].layers[1:4]] == members
