"""MkDocs hooks of the course site (`hooks:` in mkdocs.yml): the entry points alone.

Each hook calls into the site tooling (`nes2_site`, one module per concern).
"""

from __future__ import annotations

from pathlib import Path

from nes2_site import (
    execution,
    exercises,
    html,
    notebooks,
    pages,
    provenance,
    published,
    repository,
    search,
)


def on_config(config):
    repository.configure(config)
    plugin = config.plugins.get("mkdocs-jupyter")
    if plugin is not None and plugin.config["cache"]:
        execution.configure(plugin, config)
    return config


def on_files(files, config):
    execution.collect(files)
    published.fetch_for_build()
    return files


def on_page_markdown(markdown: str, page, config, files) -> str:
    title = pages.page_title(page)
    if title:
        page.meta["title"] = title
    return pages.with_recipes(markdown)


def on_page_content(content: str, page, config, files) -> str:
    if not pages.is_notebook(page):
        return html.focusable_scrollers(content)
    content = html.figure_alternatives(html.focusable_scrollers(html.tex_to_mathml(content)))
    if pages.is_exercise(page):
        content = exercises.exercise_layout(content, Path(page.file.abs_src_path))
    else:
        content = html.folded_build_section(content)
    plugin = config.plugins.get("mkdocs-jupyter")
    cache_dir = plugin.config["cache_dir"] if plugin is not None else None
    return provenance.bar(page.file.src_uri, page.file.abs_src_path, cache_dir) + content


def on_post_page(output: str, page, config) -> str:
    output = html.without_mathjax(output)
    return pages.notebook_body(output) if pages.is_notebook(page) else output


def on_post_build(config) -> None:
    site = Path(config["site_dir"])
    for target in notebooks.targets():
        folder = site / target.source.relative_to(notebooks.LECTURES).with_suffix("")
        if folder.is_dir():
            (folder / Path(target.path).name).write_text(notebooks.rendered(target))
    search.fold_search_index(site / "search" / "search_index.json")
    plugin = config.plugins.get("mkdocs-jupyter")
    provenance.mark_index(site, plugin.config["cache_dir"] if plugin is not None else None)
    published.publish_for_build(site)
