"""Which images an article shows: read from its rendered Markdown (content.py writes
each <img> as "[image: alt][n]", n numbering its URL in the link list), else the
feed's image enclosures. The lead image is the first."""

from __future__ import annotations

import re
from collections.abc import Sequence

from ..models import Enclosure, ImageRef
from ..sanitize import clean_line

MAX_IMAGES = 20  # an article of a hundred pictures shows the first twenty
_IMAGE = re.compile(r"\[image(?:: ([^\]\n]*))?\]\[(\d{1,6})\]")


def image_refs(markdown: str, links: Sequence[str],
               enclosures: Sequence[Enclosure] = ()) -> list[ImageRef]:
    """The article's images in reading order, each URL once; only http(s) URLs."""
    refs: list[ImageRef] = []
    seen: set[str] = set()

    def add(url: str, alt: str) -> None:
        if url not in seen and url.lower().startswith(("http://", "https://")):
            seen.add(url)
            refs.append(ImageRef(url, clean_line(alt)))

    for match in _IMAGE.finditer(markdown):
        n = int(match.group(2))
        if 1 <= n <= len(links):
            add(links[n - 1], match.group(1) or "")
        if len(refs) >= MAX_IMAGES:
            return refs
    if not refs:  # the feed's own picture of the item, when its text has none
        for enclosure in enclosures:
            if enclosure.type.lower().startswith("image/"):
                add(enclosure.url, "")
    return refs[:MAX_IMAGES]
