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

What trafilatura drops of the text's meaning (<abbr> titles, <ins>, <kbd>, images at
addresses that do not look like image files) is carried through it as marks, and put
back in its output by restore_marks (see "marks" below).

The tree is lxml's, from trafilatura's own parser (this module imports no parser).
"""

from __future__ import annotations

import re

from reader.core.ingest.inline import is_player

# A class or id naming a caption or a credit: "caption", "wp-caption-text",
# "image-caption", "figure__caption", "photo-credit", "imageCaption", "credits".
_CAPTION_NAME = re.compile(r"(?:^|[-_])(?:caption|credits?)(?:$|[-_])|[a-z](?:Caption|Credit)")
# A caption is short; a longer element that is named so is a wrapper around the story.
CAPTION_MAX_CHARS = 600


def prepare_page(tree) -> None:
    """In place: loose text into paragraphs; figures, caption boxes and galleries become
    their images alone; thumbnail lists go; <ins>, <kbd>, <abbr> and images trafilatura
    would drop are marked (protect_marks)."""
    protect_marks(tree)
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


# -- marks: what trafilatura drops, carried through it as text and restored after --
# trafilatura writes no <ins> (only its text), no <abbr> title, <kbd> as <var>, and no
# <img> whose address does not end like an image file's ("file:///x", a CDN's "/img?id=5"),
# and no <iframe> (a video player in the story: YouTube's, Vimeo's...).
# Their meaning goes through it as noncharacters around the text (U+FDD0-U+FDD7 never
# occur in a real page: extract.py takes any out first) and restore_marks puts the
# elements back, for content.py and text.py to show as they show a feed's.
_INS, _KBD = ("\ufdd0", "\ufdd1"), ("\ufdd2", "\ufdd3")
_ABBR_OPEN, _ABBR_TITLE, _ABBR_CLOSE = "\ufdd4", "\ufdd5", "\ufdd6"
_IMAGE_SUFFIX = "#\ufdd7.jpg"  # an address trafilatura takes for an image file's
_PLAYER_OPEN, _PLAYER_CLOSE = "\ufdd8", "\ufdd9"  # around a player's address, in a <p>
_ABBR = re.compile("\ufdd4([^\ufdd0-\ufdd9]*)\ufdd5([^\ufdd0-\ufdd9<>]*)\ufdd6")
_PLAYER = re.compile("(<p>\\s*)?\ufdd8([^\ufdd0-\ufdd9<>\"]*)\ufdd5([^\ufdd0-\ufdd9<>\"]*)\ufdd9(?(1)\\s*</p>)")
_ANY_MARK = re.compile("[\ufdd0-\ufdd9]")
_MARK_CHARS = tuple(chr(c) for c in range(0xFDD0, 0xFDDA))


def protect_marks(tree) -> None:
    """In place: <ins> and <kbd> text between marks (a <kbd> becomes a <span>), an
    <abbr>'s title after its text, and an image with alt text whose address trafilatura
    would not take given one it takes; a video player, its address as a paragraph."""
    for element in list(tree.iter("ins", "kbd", "abbr", "iframe", "img")):  # one walk
        tag = element.tag
        if tag == "img":
            if (element.get("alt") or "").strip() and not _has_image_address(element):
                address = element.get("src") or element.get("data-src") or ""
                element.set("src", address.strip() + _IMAGE_SUFFIX)
        elif tag == "abbr":
            title = " ".join((element.get("title") or "").split())
            if title:
                _surround(element, _ABBR_OPEN, _ABBR_TITLE + _ANY_MARK.sub("", title) + _ABBR_CLOSE)
        elif tag == "iframe":
            address = (element.get("src") or element.get("data-src") or "").strip()
            if element.getparent() is not None and is_player(address):
                _mark_player(element, address)
        else:
            _surround(element, *(_INS if tag == "ins" else _KBD))
            if tag == "kbd":
                element.tag = "span"


# trafilatura's test of an image's address (utils.is_image_file: "[^\s]+\.(png|...)"),
# without the leading run that backtracks through a long data: URI (2 ms a page).
_IMAGE_FILE = re.compile(r"\S\.(?:avif|bmp|gif|hei[cf]|jpe?g|png|webp)(?:\b|$)", re.IGNORECASE)


def _has_image_address(image) -> bool:
    """Whether trafilatura keeps this <img> (src, data-src, data-src-*), or it is inline
    data (which reader never fetches)."""
    src = image.get("src") or ""
    if src.lstrip()[:5].lower() == "data:":
        return True
    return any(_IMAGE_FILE.search(value) for name, value in image.attrib.items()
               if name == "src" or name.startswith("data-src"))


def _mark_player(frame, address: str) -> None:
    """The player (or the <figure> it is in, which trafilatura drops without an image)
    becomes a paragraph of its address and title between marks."""
    target, parent = frame, frame.getparent()
    for _ in range(3):
        if parent is None:
            break
        if parent.tag == "figure":
            target = parent
            break
        parent = parent.getparent()
    title = (frame.get("title") or "").replace('"', "'")
    paragraph = frame.makeelement("p", {})
    paragraph.text = (_PLAYER_OPEN + _ANY_MARK.sub("", address) + _ABBR_TITLE
                      + _ANY_MARK.sub("", " ".join(title.split())) + _PLAYER_CLOSE)
    paragraph.tail = target.tail
    target.getparent().replace(target, paragraph)


def _surround(element, start: str, end: str) -> None:
    element.text = start + (element.text or "")
    if len(element):
        element[-1].tail = (element[-1].tail or "") + end
    else:
        element.text += end


def without_marks(page: str) -> str:
    """The page with any of the marks' characters taken out (before protect_marks)."""
    if page.isascii() or not any(mark in page for mark in _MARK_CHARS):
        return page  # (ten one-character finds cost half one regex scan)
    return _ANY_MARK.sub("", page)


def restore_marks(html: str) -> str:
    """trafilatura's HTML with the marked elements back (marks it split or lost go)."""
    if not _ANY_MARK.search(html):
        return html
    html = html.replace(_IMAGE_SUFFIX, "")
    html = _PLAYER.sub(lambda m: f'<iframe src="{m[2]}" title="{m[3]}"></iframe>', html)
    html = _ABBR.sub(lambda m: f'<abbr title="{m[2].replace(chr(34), "&quot;")}">{m[1]}</abbr>',
                     html)
    for (start, end), tag in ((_INS, "ins"), (_KBD, "kbd")):
        if html.count(start) == html.count(end):
            html = html.replace(start, f"<{tag}>").replace(end, f"</{tag}>")
    return _ANY_MARK.sub("", html)


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

