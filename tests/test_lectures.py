"""Every lecture page runs top to bottom in the quick profile, inside the real site build.

One `mkdocs build --strict` executes every lecture (a failing cell fails the
build); the tests read the pages it wrote.
"""

from pathlib import Path

import pytest
from conftest import SITE_BUILD_TIMEOUT

ROOT = Path(__file__).parents[1]
LECTURES = sorted((ROOT / "lectures").glob("*.py"))


@pytest.mark.slow
@pytest.mark.timeout(SITE_BUILD_TIMEOUT + 60)
@pytest.mark.parametrize("path", LECTURES, ids=[p.stem for p in LECTURES])
def test_lecture_page_is_executed(path, executed_site):
    page = (executed_site / path.stem / "index.html").read_text()
    outputs = page.count('class="jp-OutputArea-output')
    assert outputs, "the lecture's code cells have outputs"
    assert 'src="data:image/png;base64,' in page, "a lecture page shows at least one figure"
    assert "Traceback" not in page and "jp-RenderedText" in page
    assert "I0000" not in page and "E0000" not in page, "TensorFlow's C++ log is kept off the page"
    assert "profil &#39;quick&#39;" in page or "profil 'quick'" in page
