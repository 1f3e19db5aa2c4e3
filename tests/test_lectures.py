"""Every lecture page runs top to bottom in the quick profile, as the site build runs it."""

from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

ROOT = Path(__file__).parents[1]
LECTURES = sorted((ROOT / "lectures").glob("*.py"))


@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_executes(path, nes2_home, monkeypatch):
    monkeypatch.setenv("NES2_PROFILE", "quick")
    monkeypatch.setenv("IPYTHONDIR", str(ROOT / ".ipython"))
    notebook = jupytext.read(path)
    NotebookClient(
        notebook,
        timeout=900,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
    ).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert images, "a lecture page shows at least one figure"
    text = "".join(o.get("text", "") for o in outputs)
    assert "I0000" not in text and "E0000" not in text, "TensorFlow's C++ log is kept off the page"
    assert "profil 'quick'" in text
