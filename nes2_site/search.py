"""The search index folded to ASCII: "prumer" finds "průměr"."""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path


def fold(text: str) -> str:
    """Lower case without diacritics.

    Examples:
        >>> fold("Průměr")
        'prumer'
    """
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def fold_search_index(path: Path) -> None:
    """Add a `folded` field to every entry whose text has diacritics; name sections by page."""
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
