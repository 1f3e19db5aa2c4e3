"""The tooling of the course site: MkDocs hooks split by concern, and the notebook generator.

`site_hooks.py` (named in `mkdocs.yml`) holds only the `on_*` entry points
MkDocs calls; each calls into one module here:

* `execution`: the execution cache's key and folder, notebooks executed in
  parallel, and builds that must render from a cache made elsewhere;
* `provenance`: what executed each notebook, recorded then, shown on its page;
* `html`: TeX to MathML, text alternatives of figures, keyboard-reachable scrollers;
* `exercises`: an exercise page in the order task, scaffold, hint, solution;
* `pages`: titles of pages and the recipe reference;
* `search`: the search index folded to ASCII;
* `notebooks`: the downloadable notebooks (`python -m nes2_site.notebooks`);
* `check_tag`: a release tag must be the package's version;
* `_compat`: the patches of mkdocs-jupyter's private functions, guarded by version.

It is tooling of this repository, not part of the `nes2` wheel.
"""

from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
"""The repository's root: lectures, notebooks and the package source are found from it."""
