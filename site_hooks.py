"""MkDocs hooks of the course site (`hooks:` in mkdocs.yml).

* Every lecture page gets a bar with "Stáhnout notebook" and "Otevřít v Colabu"
  buttons and a line of provenance: the versions of nes2, Keras and
  TensorFlow, the machine, the device, the run profile and the date of the
  execution that produced the outputs. It is recorded when the notebook is
  executed (`provenance/` in the execution cache), so a site rendered elsewhere
  from that cache shows where its outputs come from, not where it was rendered.
* `NES2_REQUIRE_EXECUTED=1` builds from an execution cache made elsewhere (the
  GPU runner's artifact, in `NES2_SITE_CACHE`) and executes nothing: a cache
  made for another commit, profile or lock, or one that lacks a notebook,
  fails the build with a message that says so.
* mkdocs-jupyter caches a rendered notebook under a key made from the notebook
  file alone; the cache folder is keyed here on the package source, the lock
  file, the kernel configuration and the profile too, so a change in any of
  them re-executes the lectures instead of serving stale outputs.
* TeX between `$...$` or `$$...$$` in the lecture's text becomes MathML,
  which browsers draw themselves; mkdocs-jupyter's MathJax loader, which
  would fetch MathJax from a CDN, is removed, so pages make no external request.
* mkdocs-jupyter executes one notebook at a time, while a page's kernel keeps
  about one core busy; the first notebook it executes starts every other
  notebook that is not in the cache, `NES2_SITE_JOBS` (default 2) at a time,
  and later pages pick up their results (`Prefetch`).
* After the build, each lecture is written next to its page as an `.ipynb`
  (the same file as in `notebooks/`, see `scripts/notebooks.py`), and the
  search index gets a field with every text folded to ASCII, so a query typed
  without diacritics ("prumer") finds the words with them ("průměr").
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import unicodedata
from html import unescape
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from bs4 import BeautifulSoup

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT / "scripts"))
import notebooks  # noqa: E402

PACKAGES = (("nes2", "nes2"), ("Keras", "keras"), ("TensorFlow", "tensorflow"))
PROVENANCE = "provenance"
"""The folder of the execution cache that records where each notebook was executed."""
EXECUTION_INPUTS = ("src/nes2", "uv.lock", ".ipython/profile_default/ipython_kernel_config.py")
CACHE_ROOT = Path(".cache/mkdocs-jupyter")


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "–"


def _device() -> str:
    if shutil.which("nvidia-smi"):
        listing = subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True, check=False)
        gpus = [line.split(":", 1)[1].split("(")[0].strip() for line in listing.stdout.splitlines()]
        if gpus:
            return ", ".join(gpus)
    return "CPU"


def _machine() -> str:
    return f"{os.cpu_count()} CPU ({platform.machine()}, {platform.system()})"


def _profile() -> str:
    return os.environ.get("NES2_PROFILE", "quick")


def provenance_file(cache_dir: str | Path, notebook: str | Path) -> Path:
    """Where the execution cache records the provenance of `notebook`."""
    name = Path(notebook).resolve().relative_to(ROOT).as_posix().replace("/", "__")
    return Path(cache_dir) / PROVENANCE / f"{name}.json"


def record_provenance(cache_dir: str | Path, notebook: str | Path) -> Path:
    """Record, when `notebook` has just been executed, what executed it."""
    from nes2.io import write_json

    return write_json(
        provenance_file(cache_dir, notebook),
        {
            "versions": {name: _version(package) for name, package in PACKAGES},
            "machine": _machine(),
            "device": _device(),
            "profile": _profile(),
            "executed": f"{datetime.datetime.now():%Y-%m-%d %H:%M}",
        },
    )


def provenance_line(cache_dir: str | Path | None, notebook: str | Path) -> str:
    """The provenance of a page's outputs as the execution recorded it."""
    path = provenance_file(cache_dir, notebook) if cache_dir else None
    if path is None or not path.is_file():
        return "stránka bez spuštěných výstupů (sestavení bez spuštění notebooků)"
    record = json.loads(path.read_text())
    versions = " · ".join(f"{name} {v}" for name, v in record["versions"].items())
    executed = datetime.datetime.strptime(record["executed"], "%Y-%m-%d %H:%M")
    return (
        f"{versions} · stroj: {record['machine']} · zařízení: {record['device']} · "
        f"profil: {record['profile']} · spuštěno {executed:%d. %m. %Y}"
    )


def _is_lecture(page) -> bool:
    return page.file.src_uri.endswith(".py")


def execution_key(root: Path = ROOT, profile: str | None = None) -> str:
    """A hash of everything besides the notebook itself that its outputs depend on."""
    digest = hashlib.sha256(
        f"profile={profile or os.environ.get('NES2_PROFILE', 'quick')}".encode()
    )
    for name in EXECUTION_INPUTS:
        path = root / name
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for file in files:
            if "__pycache__" in file.parts:
                continue
            digest.update(f"\0{file.relative_to(root).as_posix()}\0".encode())
            digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


class Prefetch:
    """Stands in for mkdocs-jupyter's `convert.nb2html`: executes the build's notebooks in parallel.

    mkdocs-jupyter calls `nb2html` for each notebook whose output is not cached,
    one page after another. The first call submits every notebook of the build
    that is not cached to a pool of `jobs` threads (each runs its own kernel
    process) with the same arguments; each call then waits for its notebook's
    result. A failing notebook fails its page as before.
    """

    def __init__(self, original, plugin, config, jobs: int):
        self.original, self.plugin, self.config, self.jobs = original, plugin, config, jobs
        self.notebooks: list[str] = []
        self.futures: dict = {}
        self.pool = None

    def pending(self) -> list[str]:
        """The notebooks whose output mkdocs-jupyter does not have in its cache."""
        from mkdocs_jupyter import plugin as module

        execute = self.plugin.config["execute"]
        mermaid = self.config["theme"].name != "material"
        found = []
        for path in self.notebooks:
            key = module._compute_cache_key(path, self.plugin.config, execute, mermaid)
            if not module._get_cache_path(self.plugin.config["cache_dir"], key).exists():
                found.append(path)
        return found

    def _execute(self, nb_path, kwargs: dict):
        body = self.original(nb_path, **kwargs)
        record_provenance(self.plugin.config["cache_dir"], nb_path)
        return body

    def _convert(self, nb_path: str, kwargs: dict):
        dependencies: dict = {}
        body = self._execute(nb_path, {**kwargs, "image_dependencies": dependencies})
        return body, dependencies

    def __call__(self, nb_path, **kwargs):
        from concurrent.futures import ThreadPoolExecutor

        if self.pool is None:
            self.pool = ThreadPoolExecutor(self.jobs, thread_name_prefix="notebook")
            for path in self.pending():
                self.futures[path] = self.pool.submit(self._convert, path, kwargs)
        future = self.futures.pop(str(nb_path), None)
        if future is None:
            return self._execute(nb_path, kwargs)
        try:
            body, dependencies = future.result()
        except BaseException:
            self.pool.shutdown(wait=False, cancel_futures=True)
            raise
        if kwargs.get("image_dependencies") is not None:
            kwargs["image_dependencies"].update(dependencies)
        return body


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


def portable_cache_key(nb_path, config, exec_nb, include_mermaidjs=True) -> str:
    """mkdocs-jupyter's cache key of a notebook, with its path relative to the project.

    mkdocs-jupyter (0.27) hashes the notebook's absolute path, so an execution
    cache made in another checkout (the GPU runner's) would match nothing here;
    this hashes what it hashes, with the path from the project's root instead.
    """
    from mkdocs_jupyter.plugin import mathjax_url

    hasher = hashlib.sha256(b"mkdocs-jupyter-cache-v5\0")
    hasher.update(Path(nb_path).resolve().relative_to(ROOT).as_posix().encode() + b"\0")
    hasher.update(Path(nb_path).read_bytes())
    hasher.update(f"execute={exec_nb}".encode())
    hasher.update(f"include_mermaidjs={include_mermaidjs}".encode())
    hasher.update(f"mathjax_version={config.get('mathjax_version', 4)}".encode())
    hasher.update(
        f"markdown_cell_processor={config.get('markdown_cell_processor', 'jupyter')}".encode()
    )
    hasher.update(repr(config.get("html_exporter_options", {})).encode())
    for key in CACHE_KEY_OPTIONS:
        value = config[key]
        if key == "custom_mathjax_url":
            value = mathjax_url(config.get("mathjax_version", 4), value)
        hasher.update(f"{key}={value!r}".encode())
    return hasher.hexdigest()


def _portable_cache_keys() -> None:
    from mkdocs_jupyter import plugin as module

    module._compute_cache_key = portable_cache_key


def _parallel_execution(plugin, config) -> None:
    from mkdocs_jupyter import convert

    jobs = max(1, int(os.environ.get("NES2_SITE_JOBS", "2")))
    if not plugin.config["execute"]:
        return
    original = getattr(convert.nb2html, "original", convert.nb2html)
    prefetch = Prefetch(original, plugin, config, jobs)
    convert.nb2html = prefetch


def _require_executed() -> bool:
    return os.environ.get("NES2_REQUIRE_EXECUTED", "").lower() in ("1", "true", "yes")


def on_files(files, config):
    prefetch = _prefetch()
    if prefetch is not None:
        prefetch.notebooks = [
            f.abs_src_path for f in files.documentation_pages() if f.src_uri.endswith(".py")
        ]
        missing = prefetch.pending() if _require_executed() else []
        if missing:
            from mkdocs.exceptions import PluginError

            names = ", ".join(Path(p).relative_to(ROOT).as_posix() for p in missing)
            raise PluginError(
                f"NES2_REQUIRE_EXECUTED: the execution cache {prefetch.plugin.config['cache_dir']} "
                f"lacks {len(missing)} notebook(s) of this commit ({names}); execute the "
                "lectures for this commit (the GPU job) instead of building from an old cache."
            )
    return files


def _prefetch() -> Prefetch | None:
    try:
        from mkdocs_jupyter import convert
    except ImportError:
        return None
    return convert.nb2html if isinstance(convert.nb2html, Prefetch) else None


def on_config(config):
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is None or not plugin.config["cache"]:
        return config
    _portable_cache_keys()
    _parallel_execution(plugin, config)
    base = Path(os.environ.get("NES2_SITE_CACHE", CACHE_ROOT))
    # mkdocs-jupyter evicts every entry its build did not use, so builds with and
    # without execution keep separate folders; stale folders of the same kind go.
    kind, other = ("executed", "static") if plugin.config["execute"] else ("static", "executed")
    folder = f"{execution_key()}-{kind}"
    if _require_executed():
        _check_execution_cache(base, folder, plugin)
        plugin.config["cache_dir"] = str(base / folder)
        return config
    for old in base.glob("*") if base.is_dir() else []:
        if old.name != folder and not old.name.endswith(f"-{other}"):
            shutil.rmtree(old) if old.is_dir() else old.unlink()
    plugin.config["cache_dir"] = str(base / folder)
    return config


def _check_execution_cache(base: Path, folder: str, plugin) -> None:
    from mkdocs.exceptions import PluginError

    if not plugin.config["execute"]:
        raise PluginError("NES2_REQUIRE_EXECUTED needs NES2_EXECUTE=true (the cache's kind).")
    if not (base / folder).is_dir():
        found = sorted(p.name for p in base.glob("*-executed")) if base.is_dir() else []
        raise PluginError(
            f"NES2_REQUIRE_EXECUTED: the execution cache in {base} was made for "
            f"{', '.join(found) or 'nothing'}, not for this commit's key {folder} (profile "
            f"{_profile()}, package source, uv.lock, kernel configuration): execute the lectures "
            "for this commit (the GPU job) instead of serving outputs of another one."
        )


def fold(text: str) -> str:
    """Lower case without diacritics: `fold("Průměr") == "prumer"`."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$(?!\$)", re.DOTALL)
CODE = re.compile(r"(<pre.*?</pre>|<code.*?</code>)", re.DOTALL)
MATHJAX_LOADER = re.compile(r"<script data-mkdocs-jupyter-mathjax=.*?</script>", re.DOTALL)


def tex_to_mathml(html: str) -> str:
    """Replace `$$display$$` and `$inline$` TeX outside code with MathML."""
    from latex2mathml.converter import convert

    def replace(match):
        display, inline = match.groups()
        return convert(unescape(display or inline), display="block" if display else "inline")

    parts = CODE.split(html)
    return "".join(part if i % 2 else MATH.sub(replace, part) for i, part in enumerate(parts))


def _downloads(src_uri: str) -> list[tuple[str, notebooks.Target]]:
    """The buttons of a notebook page: (label, generated notebook) pairs."""
    found = [
        t
        for t in notebooks.targets()
        if t.source.relative_to(notebooks.LECTURES).as_posix() == src_uri
    ]
    if len(found) == 1:
        return [("notebook", found[0])]
    return [("zadání" if t.student else "řešení", t) for t in found]


def _details(soup, kind: str, title: str):
    box = soup.new_tag("details", attrs={"class": kind})
    summary = soup.new_tag("summary")
    summary.string = title
    box.append(summary)
    return box


def _scaffold_html(soup, code: str):
    """The scaffold of a solution as a highlighted code block with its caption."""
    from pygments import highlight
    from pygments.formatters import HtmlFormatter
    from pygments.lexers import PythonLexer

    block = soup.new_tag("div", attrs={"class": "nes2-scaffold"})
    caption = soup.new_tag("p")
    caption.string = "Kostra řešení (z ní začínáte v zadání):"
    block.append(caption)
    code_html = highlight(code, PythonLexer(), HtmlFormatter(wrapcode=True))
    block.append(BeautifulSoup(code_html, "html.parser"))
    return block


def exercise_layout(html: str, source: Path) -> str:
    """An exercise page in the order task, scaffold, hint, solution.

    Before each cell tagged `solution` (and before its hint), the scaffold the
    student starts from (`notebooks.scaffold`) is shown; a markdown cell tagged
    `hint` is folded under "Nápověda" and the solution under "Řešení".
    """
    import jupytext

    cells = jupytext.read(source).cells
    solutions = [notebooks.scaffold(c.source) for c in cells if notebooks.is_solution(c)]
    soup = BeautifulSoup(html, "html.parser")
    hint_tag = f"celltag_{notebooks.HINT_TAG}"
    for hint in soup.select(f"div.{hint_tag}"):
        cell = hint.find_parent("div", class_="jp-Cell") or hint
        box = _details(soup, "tip", "Nápověda")
        cell.wrap(box)
    tag = f"celltag_{notebooks.SOLUTION_TAG}"
    found = [c for c in soup.select(f"div.{tag}") if not c.find_parent("div", class_=tag)]
    if len(found) != len(solutions):
        raise ValueError(f"{source.name}: {len(solutions)} solutions, {len(found)} on its page")
    for cell, code in zip(found, solutions, strict=True):
        box = _details(soup, "success", "Řešení")
        cell.wrap(box)
        before = box
        previous = box.find_previous_sibling()
        if previous is not None and previous.name == "details" and "tip" in previous["class"]:
            before = previous
        before.insert_before(_scaffold_html(soup, code))
    return str(soup)


SCROLLERS = re.compile(r'<(pre|table|math(?=[^>]*display="block"))(?![^>]*tabindex)(?=[\s>])')


IMAGE = re.compile(r'<img\b[^>]*\ssrc="data:image/png;base64,(?P<data>[^"]+)"[^>]*>')
NO_DESCRIPTION = "Obrázek (výstup buňky) bez popisu"


def figure_alternatives(html: str) -> str:
    """Give each figure of a notebook the text alternative its PNG carries.

    `nes2.viz` figures write what they show (`nes2.viz.figure.describe`) into
    the PNG's `Description`; it replaces the placeholder nbconvert puts in `alt`.
    """
    import base64
    import io
    from html import escape

    from PIL import Image

    def replace(match) -> str:
        try:
            with Image.open(io.BytesIO(base64.b64decode(match["data"]))) as image:
                description = image.text.get("Description") or NO_DESCRIPTION
        except (OSError, ValueError):
            description = NO_DESCRIPTION
        tag = re.sub(r'\salt="[^"]*"', "", match[0])
        return tag.replace("<img", f'<img alt="{escape(description)}"', 1)

    return IMAGE.sub(replace, html)


def focusable_scrollers(html: str) -> str:
    """Let the keyboard reach tables, code and formulas that scroll sideways: `tabindex="0"`.

    Examples:
        >>> focusable_scrollers('<pre>x</pre><table class="t"></table>')
        '<pre tabindex="0">x</pre><table tabindex="0" class="t"></table>'
        >>> focusable_scrollers('<math display="block"><mi>x</mi></math><math><mi>y</mi></math>')
        '<math tabindex="0" display="block"><mi>x</mi></math><math><mi>y</mi></math>'
    """
    return SCROLLERS.sub(r'<\1 tabindex="0"', html)


def on_page_content(html: str, page, config, files) -> str:
    if not _is_lecture(page):
        return focusable_scrollers(html)
    html = figure_alternatives(focusable_scrollers(tex_to_mathml(html)))
    if page.file.src_uri.startswith("exercises/"):
        html = exercise_layout(html, Path(page.file.abs_src_path))
    plugin = config.plugins.get("mkdocs-jupyter")
    cache_dir = plugin.config["cache_dir"] if plugin is not None else None
    provenance = provenance_line(cache_dir, page.file.abs_src_path)
    buttons = []
    for label, target in _downloads(page.file.src_uri):
        name = Path(target.path).name
        buttons.append(f'<a class="md-button" href="{name}" download>Stáhnout {label}</a>')
        colab = notebooks.colab_url(target.path)
        where = "v Colabu" if label == "notebook" else f"{label} v Colabu"
        buttons.append(f'<a class="md-button" href="{colab}">Otevřít {where}</a>')
    bar = (
        '<div class="admonition info nes2-provenance"><p>'
        f"{' '.join(buttons)} <small>{provenance}</small></p></div>"
    )
    return bar + html


RECIPES_MARKER = "<!-- nes2:recipes -->"


def recipes_reference() -> str:
    """The recipes of the registry as Markdown: a table of their options, then each module's API."""
    from nes2 import recipes

    rows = ["| recipe | co dělá | volby | epochy (quick / full) |", "|---|---|---|---|"]
    modules = []
    for name in recipes.names():
        recipe = recipes.get(name)
        options = "<br>".join(
            f"`{o.flag}` {'{' + ','.join(map(str, o.choices)) + '}' if o.choices else ''}"
            f" (výchozí `{o.default}`)"
            for o in recipe.options
        )
        epochs = " / ".join(
            str(recipe.epochs[p])
            if not recipe.epochs_by
            else ", ".join(f"{k} {v}" for k, v in recipe.epochs[p].items())
            for p in ("quick", "full")
        )
        rows.append(f"| `{name}` | {recipe.summary} | {options or '–'} | {epochs} |")
        modules.append(type(recipe).__module__)
    return "\n".join(rows) + "\n\n" + "\n\n".join(f"::: {module}" for module in modules)


PART_LABELS = ("Výklad", "Cvičení")
"""Navigation labels that are short because their section names the part."""


def page_title(page) -> str | None:
    """The page's own title where its navigation label is only "Výklad" or "Cvičení".

    The label stays short in the navigation; the title names the part
    ("Aplikace: detekce objektů – výklad") in the browser's tab, the header, the
    search results and the previous/next links.
    """
    if page.title in PART_LABELS and page.parent is not None:
        return f"{page.parent.title} – {page.title.lower()}"
    return None


def on_page_markdown(markdown: str, page, config, files) -> str:
    title = page_title(page)
    if title:
        page.meta["title"] = title
    if RECIPES_MARKER in markdown:
        markdown = markdown.replace(RECIPES_MARKER, recipes_reference())
    return markdown


def on_post_page(output: str, page, config) -> str:
    output = MATHJAX_LOADER.sub("", output)
    if _is_lecture(page):  # notebook pages get a wider column (stylesheets/nes2.css)
        output = output.replace("<body ", '<body class="nes2-notebook" ', 1)
    return output


def on_post_build(config) -> None:
    site = Path(config["site_dir"])
    for target in notebooks.targets():
        page = target.source.relative_to(notebooks.LECTURES).with_suffix("")
        folder = site / page
        if folder.is_dir():
            (folder / Path(target.path).name).write_text(notebooks.rendered(target))
    _fold_search_index(site / "search" / "search_index.json")


def _fold_search_index(path: Path) -> None:
    if not path.is_file():
        return
    index = json.loads(path.read_text())
    pages = {d["location"]: d["title"] for d in index["docs"] if "#" not in d["location"]}
    for doc in index["docs"]:
        page, _, anchor = doc["location"].partition("#")
        if anchor and pages.get(page) and not doc["title"].startswith(pages[page]):
            doc["title"] = f"{pages[page]} › {doc['title']}"
        plain = re.sub(r"<[^>]+>", " ", f"{doc.get('title', '')} {doc.get('text', '')}")
        if fold(plain) != plain.lower():
            doc["folded"] = fold(plain)
    path.write_text(json.dumps(index, ensure_ascii=False, separators=(",", ":")))
