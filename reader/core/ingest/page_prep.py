"""A parsed page, prepared for trafilatura: loose text in paragraphs; captions and
thumbnail lists out, images kept.

reader asks trafilatura for the article's images (include_images), and with them
trafilatura keeps what surrounds an image: a <figure>'s caption and credit, a gallery's
captions, a list of other stories' thumbnails and titles. None of that is the story's
text (the public article-extraction benchmark's ground truth leaves it out, and
trafilatura run without images drops it), so it goes here, and the images stay (the
figures: benchmarks/README.md, "Real pages", by benchmarks/bench_extract_public.py).

Text written straight into a <div>, paragraphs split by <br><br> (an old CMS's way),
is put in <p> elements first: trafilatura, asked for links, takes a link that sits
directly in a <div> out as a paragraph of its own and trims the space after it
("the last i9\n\nMacBook Prowas released"); in a <p> it keeps the sentence whole.

The tree is lxml's, from trafilatura's own parser (this module imports no parser).
"""

from __future__ import annotations

import re

# A class or id naming a caption or a credit: "caption", "wp-caption-text",
# "image-caption", "figure__caption", "photo-credit", "imageCaption", "credits".
_CAPTION_NAME = re.compile(r"(?:^|[-_])(?:caption|credits?)(?:$|[-_])|[a-z](?:Caption|Credit)")
# A caption is short; a longer element that is named so is a wrapper around the story.
CAPTION_MAX_CHARS = 600


def prepare_page(tree) -> None:
    """In place: loose text into paragraphs; figures, caption boxes and galleries become
    their images alone; thumbnail lists go."""
    budget = MAX_PARAGRAPH_BREAKS
    for container in list(tree.iter(*_LOOSE_TEXT_CONTAINERS)):
        if _has_loose_text(container):
            breaks = _paragraph_breaks(container)
            if 0 < breaks <= budget:
                budget -= breaks
                _wrap_loose_text(container)
    for figure in list(tree.iter("figure")):
        if _is_picture(figure):
            _keep_images_only(figure)
    for element in list(tree.xpath("//*[@class or @id]")):
        if (element.tag != "img" and element.getparent() is not None and _names_caption(element)
                and len(element.text_content()) <= CAPTION_MAX_CHARS):
            if element.find(".//img") is None:
                element.drop_tree()  # drop_tree keeps the text after it (its tail)
            elif _is_picture(element):
                _keep_images_only(element)  # a figure by another name ("wp-caption")
    for listing in list(tree.iter("ul", "ol")):
        if listing.getparent() is None:
            continue
        if _is_thumbnail_list(listing):
            listing.drop_tree()
        elif _is_image_list(listing):
            # A gallery, its captions gone: trafilatura drops a list without text, so
            # its images go in a paragraph.
            _keep_images_only(listing)
            listing.tag = "p"
            listing.attrib.clear()


# trafilatura's time grows faster than the number of paragraphs (40,000 take 24 s of CPU):
# a page of <br><br> soup is left as it is rather than made into one. The <br>s of
# <br><br> runs on a page; the benchmark's real pages have 204 at most.
MAX_PARAGRAPH_BREAKS = 2000
_LOOSE_TEXT_CONTAINERS = ("div", "section", "article", "main", "span")
# What ends a paragraph of loose text (anything else is inline: a, span, em, img, br...).
_BLOCKS = frozenset(
    "p div section article main header footer nav aside figure ul ol dl li table form "
    "blockquote pre hr h1 h2 h3 h4 h5 h6 details address center".split()
)


def _has_loose_text(container) -> bool:
    if container.text and container.text.strip():
        return True
    return any(child.tail and child.tail.strip() for child in container)


def _paragraph_breaks(container) -> int:
    """How many <br>s split its paragraphs: only when there are some is its loose text
    the story's (wrapping every <div>'s text lets trafilatura keep dates, blurbs and
    addresses)."""
    children = list(container)
    tails = [child.tail for child in children]
    return sum(_in_break_chain(children, tails, i) for i in range(len(children)))


def _wrap_loose_text(container) -> None:
    """Runs of text and inline elements between blocks and <br><br> become <p>s."""
    children = list(container)
    head, container.text = container.text, None
    for child in children:
        container.remove(child)  # lxml moves an element's tail with it
    paragraph = None

    def add_text(text: str | None) -> None:
        nonlocal paragraph
        if not text:
            return
        if paragraph is None and text.strip():
            paragraph = container.makeelement("p", {})
            container.append(paragraph)
        _append_text(paragraph if paragraph is not None else container, text)

    add_text(head)
    tails = [child.tail for child in children]
    for i, child in enumerate(children):
        child.tail = None
        if child.tag in _BLOCKS:
            paragraph = None
            container.append(child)
        elif _in_break_chain(children, tails, i):
            paragraph = None  # <br><br> (whitespace between them) ends a paragraph
        else:
            if paragraph is None:
                paragraph = container.makeelement("p", {})
                container.append(paragraph)
            paragraph.append(child)
        add_text(tails[i])


def _in_break_chain(children: list, tails: list, i: int) -> bool:
    """children[i] is a <br> next to another, with only whitespace between them."""
    if children[i].tag != "br":
        return False
    after = i + 1 < len(children) and children[i + 1].tag == "br" and not (tails[i] or "").strip()
    before = i > 0 and children[i - 1].tag == "br" and not (tails[i - 1] or "").strip()
    return after or before


def _append_text(parent, text: str) -> None:
    if len(parent):
        parent[-1].tail = (parent[-1].tail or "") + text
    else:
        parent.text = (parent.text or "") + text


def _names_caption(element) -> bool:
    names = f"{element.get('class') or ''} {element.get('id') or ''}"
    return any(_CAPTION_NAME.search(name) for name in names.split())


def _is_picture(element) -> bool:
    """An image and its caption; not a table, code or a quotation (with its source as a
    caption), which are figures too."""
    if element.find(".//img") is None:
        return False
    return not any(True for _ in element.iter("table", "pre", "code", "blockquote"))


def _keep_images_only(element) -> None:
    images = list(element.iter("img"))
    for child in list(element):
        element.remove(child)
    element.text = None
    for image in images:
        image.tail = None
        element.append(image)


def _is_image_list(listing) -> bool:
    items = listing.findall("li")
    return bool(items) and all(
        item.find(".//img") is not None and not item.text_content().strip() for item in items
    )


def _is_thumbnail_list(listing) -> bool:
    """Other stories, each an image and a linked title ("related posts", "most read"):
    every item has an image, and all of its text is in links."""
    items = listing.findall("li")
    if len(items) < 2:
        return False
    for item in items:
        text = item.text_content().strip()
        if item.find(".//img") is None or not text:
            return False
        linked = sum(len(a.text_content().strip()) for a in item.iter("a"))
        if linked < len(text) * 0.9:
            return False
    return True

