"""The one place where the site tooling reaches into mkdocs-jupyter's private functions.

mkdocs-jupyter has no public way to change its cache key or to execute
notebooks in parallel. These patches are written for the versions in
`MKDOCS_JUPYTER`; outside them `require` fails at once, naming the versions,
instead of patching functions whose shape may have changed.
`PRIVATE_ATTRIBUTES` lists what is patched or called; `tests/test_compat.py`
asserts that each exists in the locked version.
"""

from __future__ import annotations

import functools
from pathlib import Path

from nes2 import _compat as compat
from nes2 import keys
from nes2._compat import UnsupportedVersionError  # noqa: F401  (raised by require)
from nes2_site import ROOT

MKDOCS_JUPYTER = ((0, 27), (0, 28))
"""mkdocs-jupyter versions (from, up to but not including) the patches are written for."""
PRIVATE_ATTRIBUTES = (
    ("mkdocs_jupyter.plugin", "_compute_cache_key"),
    ("mkdocs_jupyter.plugin", "_get_cache_path"),
    ("mkdocs_jupyter.plugin", "mathjax_url"),
    ("mkdocs_jupyter.convert", "nb2html"),
)
"""(module, attribute) of every private name patched or called here."""
CACHE_KEY_OPTIONS = (
    "kernel_name",
    "theme",
    "allow_errors",
    "show_input",
    "no_input",
    "no_prompt",
    "remove_tag_config",
    "highlight_extra_classes",
    "include_requirejs",
    "custom_mathjax_url",
    "toc_depth",
)


def require() -> None:
    """Fail unless the installed mkdocs-jupyter is within `MKDOCS_JUPYTER`."""
    compat.require(
        "mkdocs-jupyter",
        MKDOCS_JUPYTER,
        "The site's patches of mkdocs-jupyter (portable cache keys, parallel execution)",
        where="nes2_site/_compat.py",
    )


def portable_cache_key(nb_path, config, exec_nb, include_mermaidjs=True, inputs=None) -> str:
    """mkdocs-jupyter's cache key of a notebook, with its path relative to the project.

    mkdocs-jupyter (0.27) hashes the notebook's absolute path, so an execution
    cache made in another checkout (the GPU runner's) would match nothing here;
    this hashes what it hashes, with the path from the project's root instead,
    and, for an executed notebook, `inputs(nb_path)`: what its outputs depend on
    besides itself.
    """
    from mkdocs_jupyter.plugin import mathjax_url

    options = [
        f"execute={exec_nb}",
        f"include_mermaidjs={include_mermaidjs}",
        f"mathjax_version={config.get('mathjax_version', 4)}",
        f"markdown_cell_processor={config.get('markdown_cell_processor', 'jupyter')}",
        repr(config.get("html_exporter_options", {})),
    ]
    for key in CACHE_KEY_OPTIONS:
        value = config[key]
        if key == "custom_mathjax_url":
            value = mathjax_url(config.get("mathjax_version", 4), value)
        options.append(f"{key}={value!r}")
    if exec_nb and inputs is not None:
        options.append(f"inputs={inputs(nb_path)}")
    return keys.digest("mkdocs-jupyter-cache-v5", *options, files=[nb_path], root=ROOT, length=None)


def use_portable_cache_keys(inputs=None) -> None:
    """Make mkdocs-jupyter key its cache with `portable_cache_key` (and `inputs`)."""
    require()
    from mkdocs_jupyter import plugin

    plugin._compute_cache_key = functools.partial(portable_cache_key, inputs=inputs)


def cache_path(nb_path: str, plugin_config, execute: bool, mermaid: bool) -> Path:
    """Where mkdocs-jupyter's cache keeps the rendered notebook."""
    from mkdocs_jupyter import plugin

    key = plugin._compute_cache_key(nb_path, plugin_config, execute, mermaid)
    return Path(plugin._get_cache_path(plugin_config["cache_dir"], key))


def is_cached(nb_path: str, plugin_config, execute: bool, mermaid: bool) -> bool:
    """Whether mkdocs-jupyter's cache holds the rendered notebook."""
    return cache_path(nb_path, plugin_config, execute, mermaid).exists()


def converter():
    """mkdocs-jupyter's notebook converter as it is now (`replace_converter` may have set it)."""
    from mkdocs_jupyter import convert

    return convert.nb2html


def replace_converter(function) -> None:
    """Make mkdocs-jupyter convert (and execute) notebooks with `function`."""
    require()
    from mkdocs_jupyter import convert

    convert.nb2html = function
