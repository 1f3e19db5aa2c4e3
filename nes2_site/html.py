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
