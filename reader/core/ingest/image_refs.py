"""Which images an article shows, and where: read from its rendered Markdown (content.py
writes each <img> as "[image: alt][n]", n numbering its URL in the link list), else the
feed's image enclosures. The lead image is the first.

Each image of the text carries the Markdown line that names it, so the article pane can
draw it there, between the paragraphs around it; and whether that line names nothing but
pictures shown (the pane then lets the picture stand in for the line)."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import Enclosure, ImageRef
from ..sanitize import clean_line

MAX_IMAGES = 20  # an article of a hundred pictures shows the first twenty
# The alt text's own brackets and backslashes are escaped (content.py's _bracket_safe).
_IMAGE = re.compile(r"\[image(?:: ((?:[^\]\\\n]|\\[^\n])*))?\]\[(\d{1,6})\]")
_ESCAPED = re.compile(r"\\([\\\[\]])")
# Lines as the Markdown parser (markdown-it) counts them: it reads \r\n and \r as \n.
_NEWLINE = re.compile(r"\r\n?|\n")
_LINE_BREAK = " \t\\"  # what else an image-only line may hold: spaces, a hard break "\"


def image_refs(markdown: str, links: Sequence[str],
               enclosures: Sequence[Enclosure] = ()) -> list[ImageRef]:
    """The article's images in reading order, each URL once; only http(s) URLs."""
    refs: list[ImageRef] = []
    seen: set[str] = set()

    def add(url: str, alt: str, **where) -> ImageRef | None:
        if url in seen or not url.lower().startswith(("http://", "https://")):
            return None
        seen.add(url)
        refs.append(ImageRef(url, clean_line(alt), **where))
        return refs[-1]

    if "[image" in markdown:
        for line_no, line in enumerate(_NEWLINE.split(markdown)):
            matches = list(_IMAGE.finditer(line))
            added = []
            for match in matches:
                n = int(match.group(2))
                if 1 <= n <= len(links) and len(refs) < MAX_IMAGES:
                    alt = _ESCAPED.sub(r"\1", match.group(1) or "")
                    ref = add(links[n - 1], alt, line=line_no, number=n)
                    if ref is not None:
                        added.append(ref)
            if added and len(added) == len(matches) and not _IMAGE.sub("", line).strip(_LINE_BREAK):
                for ref in added:
                    ref.alone = True
            if len(refs) >= MAX_IMAGES:
                return refs
    if not refs:  # the feed's own picture of the item, when its text has none
        for enclosure in enclosures:
            if enclosure.type.lower().startswith("image/"):
                add(enclosure.url, "")
    return refs[:MAX_IMAGES]
