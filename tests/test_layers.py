"""The import contracts (`[tool.importlinter]` in pyproject.toml) hold, and fail on an upward
import or a circle."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(Path(sys.executable).parent / "lint-imports"), "--no-cache"],
        cwd=root,
        env={"PYTHONPATH": f"{root / 'src'}:{root}", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def copy(tmp_path) -> Path:
    """The package, the site tooling and the contracts, copied."""
    shutil.copytree(ROOT / "src", tmp_path / "src", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "nes2_site", tmp_path / "nes2_site")
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    return tmp_path


def test_the_package_keeps_its_layers(copy):
    result = lint_imports(copy)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "3 kept, 0 broken" in result.stdout


def test_an_upward_import_breaks_the_layers(copy):
    module = copy / "src" / "nes2" / "teaching" / "expected.py"
    module.write_text(module.read_text() + "\n\ndef _up():\n    from nes2 import recipes\n")
    result = lint_imports(copy)
    assert result.returncode == 1
    assert "nes2 is layered" in result.stdout and "BROKEN" in result.stdout
    assert "nes2.teaching.expected -> nes2.recipes" in result.stdout


def test_a_circle_between_siblings_is_refused(copy):
    module = copy / "src" / "nes2" / "teaching" / "answers.py"
    circle = "\n\ndef _back():\n    from nes2.teaching import checks\n"
    module.write_text(module.read_text() + circle)
    result = lint_imports(copy)
    assert result.returncode == 1
    assert "no circle of imports" in result.stdout and "BROKEN" in result.stdout


def test_a_new_module_must_be_placed_on_a_layer(copy):
    (copy / "src" / "nes2" / "stray.py").write_text('"""A module on no layer."""\n')
    result = lint_imports(copy)
    assert result.returncode == 1 and "nes2.stray" in result.stdout
