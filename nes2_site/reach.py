"""What a source file's outcome can depend on in `nes2`: the modules it reaches, as files.

A lecture, an exercise or a test imports some `nes2` modules. From those, the
imports are followed (with grimp's graph of the package, imports inside
functions included, and the recipes the registry imports by name, `dynamic_imports`);
of the modules reached, those that cannot change a trained result
(`nes2.recipes.store.NOT_TRAINING`: the figures, the checks and expected
results, the command line) count file by file, and the training code counts as
a whole (`store.training_digest`). A data file of the package counts for the
module of the same name (`teaching/expected.toml` for `teaching/expected.py`), or,
without one, for every module of its folder.

So a change to `expected.toml` re-executes the pages that read the expected
results and not an exercise that only imports the checks; a change to a figure
function re-executes the pages that draw figures; a change to the training code
changes every key (every run is trained again).
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path


def dynamic_imports(module: str) -> list[str]:
    """The modules `module` imports by name, which the import graph cannot see: the recipe
    registry (`nes2.recipes`) imports every recipe module."""
    if module != "nes2.recipes":
        return []
    from nes2 import recipes

    return [f"nes2.recipes.{name}" for name in recipes._modules()]


@functools.cache
def _graph():
    import grimp

    return grimp.build_graph("nes2", cache_dir=None)


def imported(source: Path) -> set[str]:
    """The `nes2` modules (and imported names, which may be modules) a Python file imports.

    Examples:
        >>> import tempfile
        >>> with tempfile.NamedTemporaryFile("w", suffix=".py", delete=False) as f:
        ...     _ = f.write("import keras\\nfrom nes2.viz import curves\\nimport nes2.config\\n")
        >>> sorted(imported(Path(f.name)))
        ['nes2.config', 'nes2.viz', 'nes2.viz.curves']
    """
    found = set()
    for node in ast.walk(ast.parse(Path(source).read_text())):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "nes2":
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "nes2")
    return found


def _path(module: str) -> Path:
    from nes2.recipes import store

    base = store.package_root().parent.joinpath(*module.split("."))
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _data_files(module: Path) -> set[Path]:
    """The package's data files that `module` counts for (see the module docstring)."""
    folder = module.parent
    data = [f for f in folder.glob("*") if f.is_file() and f.suffix not in (".py", ".pyc")]
    modules = {p.stem for p in folder.glob("*.py")}
    return {f for f in data if f.stem == module.stem or f.stem not in modules}


@functools.cache
def reached_files(source: Path) -> tuple[str, ...]:
    """The non-training files of `nes2` that `source` reaches, as paths from the project root."""
    from nes2.recipes import store

    graph = _graph()
    todo = [m for m in imported(source) if m in graph.modules]
    seen: set[str] = set()
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += graph.find_modules_directly_imported_by(module)
            todo += dynamic_imports(module)
    reached = [_path(m) for m in seen if not store.trains(_path(m))]
    files = set(reached) | {f for m in reached for f in _data_files(m)}
    root = store.package_root().parents[1]
    return tuple(sorted(f.relative_to(root).as_posix() for f in files if f.is_file()))


def digest(source: Path) -> str:
    """A hash of what `source` reaches in `nes2`: the training code and locked libraries as a
    whole (`store.training_digest`, `store.environment_digest`), and the non-training files
    it reaches (`reached_files`), by path and content."""
    from nes2 import keys
    from nes2.recipes import store

    root = store.package_root().parents[1]
    training = (store.training_digest(), store.environment_digest())
    return keys.digest(*training, files=reached_files(Path(source).resolve()), root=root)


def clear() -> None:
    """Forget the package's graph and digests (a new build in the same process, `mkdocs serve`)."""
    from nes2.recipes import store

    _graph.cache_clear()
    reached_files.cache_clear()
    store.training_digest.cache_clear()
    store.environment_digest.cache_clear()
