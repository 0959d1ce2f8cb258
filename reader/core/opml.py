"""Read and write OPML subscription lists.

Folders (outlines without a feed URL) and a feed's `category` attribute both become
tags. Writing nests each feed under a folder for its first tag and lists all its tags in
`category`, so other readers see folders and `parse_opml(write_opml(feeds))` gives the
feeds back unchanged.

The parser refuses entity declarations and internal DTD subsets before ElementTree
sees the document, so nothing can expand (billion laughs) or read a file (XXE).
"""

from __future__ import annotations

import codecs
import email.utils
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from reader.core.errors import OPMLError
from reader.core.sanitize import clean_line

MAX_OPML_BYTES = 10 * 1024 * 1024
FEED_SCHEMES = frozenset({"http", "https", "file"})
_FEED_TYPES = frozenset({"rss", "atom", "feed"})
MAX_FOLDER_DEPTH = 32  # deeper folders add no more tags (and no quadratic copying)
MAX_PROBLEMS = 100  # then one line counting the rest

_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE, whose BOM it starts with
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
_DECLARED_ENCODING = re.compile(rb"""<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]{1,40})""")
_ENCODING_IN_DECLARATION = re.compile(r"""^(\s*<\?xml[^>]*?)\sencoding\s*=\s*["'][^"']*["']""")
_ENTITY = re.compile(r"<!ENTITY", re.IGNORECASE)
_DOCTYPE = re.compile(r"<!DOCTYPE\b[^>\[]*(\[)?[^>]*>?", re.IGNORECASE)
# Characters XML 1.0 cannot carry even escaped.
_NOT_XML = re.compile("[\ud800-\udfff\ufffe\uffff]")
# A tag holding either of these cannot go in `category`, which splits on both.
_CATEGORY_SEPARATORS = re.compile(r"[,/]")


@dataclass
class OPMLFeed:
    url: str
    title: str
    tags: list[str] = field(default_factory=list)
    site_url: str = ""


# ---------------------------------------------------------------- reading


def _decode(data: bytes) -> str:
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    match = _DECLARED_ENCODING.match(data.lstrip())
    try:
        return data.decode(match.group(1).decode("ascii") if match else "utf-8", "replace")
    except LookupError:  # an encoding Python does not know
        return data.decode("utf-8", "replace")


def _refuse_dtd(text: str) -> str:
    """The text with a plain DOCTYPE removed; OPMLError for entity declarations or an
    internal DTD subset, which could expand without bound or read local files."""
    if _ENTITY.search(text):
        raise OPMLError("not valid OPML: entity declarations (<!ENTITY) are not allowed")
    for match in _DOCTYPE.finditer(text):
        if match.group(1):
            raise OPMLError("not valid OPML: a DOCTYPE with an internal subset is not allowed")
    return _DOCTYPE.sub("", text)


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1].lower() if isinstance(tag, str) else ""


def _parse_error(exc: ET.ParseError) -> OPMLError:
    reason = str(exc).split(":", 1)[0]
    line, column = getattr(exc, "position", (0, 0))
    return OPMLError(f"not valid OPML: {reason} at line {line}, column {column + 1}")


def _category_tags(value: str) -> list[str]:
    """Tags in a category attribute: '/tech/news, Linux' -> ['tech', 'news', 'Linux']."""
    parts = (clean_line(part) for item in value.split(",") for part in item.split("/"))
    return [part for part in parts if part]


def _add_tags(tags: list[str], new: Iterable[str]) -> None:
    seen = {t.lower() for t in tags}
    for tag in new:
        if tag and tag.lower() not in seen:
            seen.add(tag.lower())
            tags.append(tag)


def _describe(name: str) -> str:
    name = clean_line(name)
    return f'"{name[:77]}..."' if len(name) > 80 else f'"{name}"'


def parse_opml(
    data: bytes | str, max_problems: int | None = MAX_PROBLEMS
) -> tuple[list[OPMLFeed], list[str]]:
    """Feeds in an OPML document, and one line for each outline skipped.

    Raises OPMLError (one line) for oversize input, malformed XML, entity
    declarations, or a document that is not OPML.
    """
    if len(data) > MAX_OPML_BYTES:
        mib = 1024 * 1024
        raise OPMLError(f"OPML file too large: over {MAX_OPML_BYTES // mib} MB")
    if isinstance(data, bytes):
        text = _ENCODING_IN_DECLARATION.sub(r"\1", _decode(data), count=1)
    else:
        text = data
    text = _refuse_dtd(text.lstrip("\ufeff"))
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise _parse_error(exc) from None
    if _local(root.tag) != "opml":
        hint = " (this looks like a feed)" if _local(root.tag) in ("rss", "feed", "rdf") else ""
        raise OPMLError(f"not valid OPML: the root element is <{_local(root.tag)}>{hint}")
    body = next((el for el in root if _local(el.tag) == "body"), None)
    if body is None:
        raise OPMLError("not valid OPML: no <body> element")

    feeds: dict[str, OPMLFeed] = {}
    problems: list[str] = []
    # (element, enclosing folder names); a stack, since folders may nest deeply.
    stack: list[tuple[ET.Element, list[str]]] = [
        (el, []) for el in reversed(body) if _local(el.tag) == "outline"
    ]
    while stack:
        outline, folders = stack.pop()
        attrs = {k.lower(): v for k, v in outline.attrib.items()}
        kind = attrs.get("type", "").strip().lower()
        url = clean_line(attrs.get("xmlurl") or (attrs.get("url") if kind in _FEED_TYPES else ""))
        text = clean_line(attrs.get("text") or "")
        title = clean_line(attrs.get("title") or "") or text
        children = [el for el in outline if _local(el.tag) == "outline"]
        inner = folders
        if url or kind in _FEED_TYPES:
            problem = _add_feed(feeds, url, title, folders, attrs)
            if problem:
                problems.append(problem)
        elif children:
            if title and len(folders) < MAX_FOLDER_DEPTH:
                inner = [*folders, title]
        elif kind:
            problems.append(f'skipped {_describe(title or kind)}: not a feed (type "{kind}")')
        stack.extend((el, inner) for el in reversed(children))
    return list(feeds.values()), cap_problems(problems, max_problems)


def cap_problems(problems: list[str], limit: int | None = MAX_PROBLEMS) -> list[str]:
    """The first `limit` problems, then one line counting the rest."""
    if limit is not None and len(problems) > limit:
        rest = len(problems) - limit
        problems = [*problems[:limit], f"... and {rest} more outlines skipped"]
    return problems


def _add_feed(
    feeds: dict[str, OPMLFeed], url: str, title: str, folders: list[str], attrs: dict[str, str]
) -> str | None:
    """Add or merge one feed outline; a problem line if it is skipped."""
    name = _describe(title or url)
    if not url:
        return f"skipped {name}: no feed URL (xmlUrl)"
    try:
        parts = urlsplit(url)
    except ValueError:
        return f"skipped {name}: malformed URL"
    scheme = parts.scheme.lower()
    if not scheme:
        return f"skipped {name}: not an absolute URL"
    if scheme not in FEED_SCHEMES:
        return f'skipped {name}: unsupported URL scheme "{scheme}"'
    if scheme != "file" and not parts.hostname:
        return f"skipped {name}: URL has no host"
    site_url = clean_line(attrs.get("htmlurl") or "")
    try:
        if urlsplit(site_url).scheme.lower() not in ("http", "https"):
            site_url = ""
    except ValueError:
        site_url = ""
    if title == url:  # text="<url>" is what writers put when a feed has no title
        title = ""
    tags: list[str] = []
    _add_tags(tags, folders)
    _add_tags(tags, _category_tags(attrs.get("category") or ""))
    feed = feeds.get(url)
    if feed is None:
        feeds[url] = OPMLFeed(url=url, title=title, tags=tags, site_url=site_url)
    else:
        _add_tags(feed.tags, tags)
        feed.title = feed.title or title
        feed.site_url = feed.site_url or site_url
    return None


# ---------------------------------------------------------------- writing


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", clean_line(value))


def write_opml(feeds: Iterable[OPMLFeed], title: str = "reader subscriptions") -> str:
    """An OPML 2.0 document: each feed under a folder for its first tag, with all its
    tags in `category`; untagged feeds at the top level.

    A tag containing "," or "/" cannot go in `category`; the feed is repeated under a
    folder of that name instead (readers merge repeats, as parse_opml does).
    """
    root = ET.Element("opml", version="2.0")
    head = ET.SubElement(root, "head")
    ET.SubElement(head, "title").text = _xml_text(title)
    ET.SubElement(head, "dateCreated").text = email.utils.format_datetime(datetime.now(UTC))
    body = ET.SubElement(root, "body")
    folders: dict[str, ET.Element] = {}

    def folder(name: str) -> ET.Element:
        if name not in folders:
            folders[name] = ET.SubElement(body, "outline", text=name, title=name)
        return folders[name]

    for feed in feeds:
        url = _xml_text(feed.url)
        name = _xml_text(feed.title) or url
        tags: list[str] = []
        _add_tags(tags, (_xml_text(t) for t in feed.tags))
        attrs = {"type": "rss", "text": name, "title": name, "xmlUrl": url}
        if feed.site_url:
            attrs["htmlUrl"] = _xml_text(feed.site_url)
        plain = [t for t in tags if not _CATEGORY_SEPARATORS.search(t)]
        if plain:
            attrs["category"] = ",".join(plain)
        if not tags:
            ET.SubElement(body, "outline", attrs)
            continue
        ET.SubElement(folder(tags[0]), "outline", attrs)
        for tag in tags[1:]:
            if _CATEGORY_SEPARATORS.search(tag):
                ET.SubElement(folder(tag), "outline", attrs)

    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
