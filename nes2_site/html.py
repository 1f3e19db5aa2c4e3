"""Fixes to the HTML of the pages: MathML instead of MathJax, figures' text alternatives,
scrolling blocks a keyboard can reach."""

from __future__ import annotations

import re
from html import unescape

MATH = re.compile(r"\$\$(.+?)\$\$|(?<![\\$])\$([^$\n]+?)\$(?!\$)", re.DOTALL)
CODE = re.compile(r"(<pre.*?</pre>|<code.*?</code>)", re.DOTALL)
MATHJAX_LOADER = re.compile(r"<script data-mkdocs-jupyter-mathjax=.*?</script>", re.DOTALL)
SCROLLERS = re.compile(r'<(pre|table|math(?=[^>]*display="block"))(?![^>]*tabindex)(?=[\s>])')
IMAGE = re.compile(r'<img\b[^>]*\ssrc="data:image/png;base64,(?P<data>[^"]+)"[^>]*>')
NO_DESCRIPTION = "Obrázek (výstup buňky) bez popisu"


def tex_to_mathml(html: str) -> str:
    """Replace `$$display$$` and `$inline$` TeX outside code with MathML, which browsers draw."""
    from latex2mathml.converter import convert

    def replace(match):
        display, inline = match.groups()
        return convert(unescape(display or inline), display="block" if display else "inline")

    parts = CODE.split(html)
    return "".join(part if i % 2 else MATH.sub(replace, part) for i, part in enumerate(parts))


def without_mathjax(html: str) -> str:
    """Drop mkdocs-jupyter's MathJax loader, which would fetch MathJax from a CDN."""
    return MATHJAX_LOADER.sub("", html)


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


BUILD_SECTION = "o-tomto-sestaveni"
"""The anchor of a lecture's closing section "O tomto sestavení" (versions, API, targets)."""


def folded_build_section(html: str) -> str:
    """Fold a lecture's last section "O tomto sestavení" and its cells into one closed box.

    The build information (versions, profile, API links, targets) stays on the
    page, out of the lesson's way: the section's heading becomes the box's
    summary and the box keeps the heading's anchor. A page without the section
    is returned unchanged.

    Examples:
        >>> page = ('<div class="jp-Cell"><h2 id="shrnuti">Shrnutí</h2></div>'
        ...         '<div class="jp-Cell"><h2 id="o-tomto-sestaveni">O tomto sestavení</h2>'
        ...         '<p>API</p></div><div class="jp-Cell">nes2 0.1</div>')
        >>> print(folded_build_section(page))  # doctest: +NORMALIZE_WHITESPACE
        <div class="jp-Cell"><h2 id="shrnuti">Shrnutí</h2></div><details class="note nes2-build"
        id="o-tomto-sestaveni"><summary>O tomto sestavení</summary><div
        class="jp-Cell"><p>API</p></div><div class="jp-Cell">nes2 0.1</div></details>
    """
    if f'id="{BUILD_SECTION}"' not in html:
        return html
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(html, "html.parser")
    heading = soup.find("h2", id=BUILD_SECTION)
    cell = heading
    while cell.parent is not None and "jp-Cell" not in cell.get("class", []):
        cell = cell.parent
    if cell.parent is None:
        cell = heading
    following = [cell, *cell.find_next_siblings()]
    box = soup.new_tag("details", attrs={"class": "note nes2-build", "id": BUILD_SECTION})
    summary = soup.new_tag("summary")
    summary.string = heading.get_text().replace("¶", "").strip()
    box.append(summary)
    cell.insert_before(box)
    heading.decompose()
    for element in following:
        box.append(element.extract())
    return str(soup)
