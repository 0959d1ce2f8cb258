"""Read and write OPML subscription lists.

Folders (outlines without a feed URL) and a feed's `category` attribute both become
tags. Writing puts each feed once, under a folder for its first tag, and lists all its
tags in `category`, so other readers see folders and no duplicates, and
`parse_opml(write_opml(feeds))` gives the feeds back unchanged. An outline's `text` is
the name shown (the user's title when there is one), its `title` the feed's own title,
as OPML 2.0 describes them.

A feed's own settings (core/feed_settings.py) are attributes in reader's namespace,
their values as `reader feed-set` takes them:

    <opml version="2.0" xmlns:reader="https://github.com/reader-tui/reader/opml"> ...
    <outline type="rss" xmlUrl="..." reader:fullText="always" reader:refreshEvery="2h"
             reader:keep="100" reader:userAgent="..."/>

Other readers ignore attributes of a namespace they do not know; reading, a bad value
is one problem line and that setting is skipped, the feed imported all the same.

The parser refuses entity declarations and internal DTD subsets before ElementTree
sees the document, so nothing can expand (billion laughs) or read a file (XXE).
"""

from __future__ import annotations

import codecs
import contextlib
import email.utils
import os
import re
import secrets
import stat
import xml.etree.ElementTree as ET
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from reader.core.errors import OPMLError, ReaderError
from reader.core.feed_settings import parse_value
from reader.core.sanitize import clean_line
from reader.core.tags import clean_tag

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
# `category` splits on both separators and has no escape of its own: a tag holding one
# is written percent-encoded (and so "%" too), and reading decodes these three only.
_CATEGORY_ESCAPES = {"%": "%25", ",": "%2C", "/": "%2F"}
_CATEGORY_SPECIAL = re.compile("[%,/]")
_CATEGORY_ESCAPED = re.compile("%(25|2C|2F)", re.IGNORECASE)
_SQLITE_HEADER = b"SQLite format 3\0"
SETTINGS_NS = "https://github.com/reader-tui/reader/opml"
# feed_settings key -> its attribute (in SETTINGS_NS)
SETTING_ATTRIBUTES = {"full_text": "fullText", "refresh_every": "refreshEvery",
                      "keep": "keep", "user_agent": "userAgent"}
ET.register_namespace("reader", SETTINGS_NS)
_DATABASE_FILES = ("", "-wal", "-shm", "-journal")  # a database and the files beside it


@dataclass
class OPMLFeed:
    url: str
    title: str
    tags: list[str] = field(default_factory=list)
    site_url: str = ""
    user_title: str = ""  # the user's name for the feed, shown instead of `title`
    settings: dict[str, str] = field(default_factory=dict)  # KEY=VALUE text (feed_settings)
    notes: list[str] = field(default_factory=list)  # settings skipped (the feed is not)


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
    """Tags in a category attribute: '/tech/news, Linux' -> ['tech', 'news', 'Linux'];
    'a%2Fb' -> ['a/b']."""
    parts = (
        clean_tag(_CATEGORY_ESCAPED.sub(lambda m: chr(int(m.group(1), 16)), part))
        for item in value.split(",")
        for part in item.split("/")
    )
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
        # A shown name other than the feed's own title is the user's (write_opml does so).
        user_title = text if "title" in attrs and text != title else ""
        children = [el for el in outline if _local(el.tag) == "outline"]
        inner = folders
        if url or kind in _FEED_TYPES:
            problem = _add_feed(feeds, url, title, user_title, folders, attrs)
            if problem:
                problems.append(problem)
        elif children:
            # A folder is a tag, as core.tags would have it (a filter could not name
            # `My "best"`: it is My best).
            tag = clean_tag(title)
            if tag and len(folders) < MAX_FOLDER_DEPTH:
                inner = [*folders, tag]
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
    feeds: dict[str, OPMLFeed],
    url: str,
    title: str,
    user_title: str,
    folders: list[str],
    attrs: dict[str, str],
) -> str | None:
    """Add or merge one feed outline; a problem line if it is skipped."""
    name = _describe(user_title or title or url)
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
    settings, notes = _settings(attrs, name)
    feed = feeds.get(url)
    if feed is None:
        feeds[url] = OPMLFeed(url, title, tags, site_url, user_title, settings, notes)
    else:
        feed.notes += notes
        _add_tags(feed.tags, tags)
        feed.title = feed.title or title
        feed.site_url = feed.site_url or site_url
        feed.user_title = feed.user_title or user_title
        feed.settings = {**settings, **feed.settings}
    return None


def _settings(attrs: dict[str, str], name: str) -> tuple[dict[str, str], list[str]]:
    """The feed settings among an outline's (lower-cased) attributes, checked as
    feed-set checks them; and a line for each skipped."""
    settings: dict[str, str] = {}
    bad: list[str] = []
    for key, attribute in SETTING_ATTRIBUTES.items():
        value = attrs.get(f"{{{SETTINGS_NS}}}{attribute}".lower())
        if value is None:
            continue
        try:
            parse_value(key, value)
        except ReaderError as exc:
            bad.append(f"{name}: setting not imported: {exc}")
            continue
        settings[key] = clean_line(value).strip()
    return settings, bad


# ---------------------------------------------------------------- writing


def _xml_text(value: str) -> str:
    return _NOT_XML.sub("", clean_line(value))


def _category_item(tag: str) -> str:
    return _CATEGORY_SPECIAL.sub(lambda m: _CATEGORY_ESCAPES[m.group()], tag)


def write_opml(feeds: Iterable[OPMLFeed], title: str = "reader subscriptions") -> str:
    """An OPML 2.0 document: each feed once, under a folder for its first tag, with all
    its tags in `category`; untagged feeds at the top level.

    `text` is the user's title when there is one and `title` the feed's own, which
    parse_opml reads back as the user's title. A user's title the same as the feed's
    own comes back as none: it shows the same.
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
        attrs = {
            "type": "rss",
            "text": _xml_text(feed.user_title) or name,
            "title": name,
            "xmlUrl": url,
        }
        if feed.site_url:
            attrs["htmlUrl"] = _xml_text(feed.site_url)
        tags: list[str] = []
        _add_tags(tags, (_xml_text(t) for t in feed.tags))
        if tags:
            attrs["category"] = ",".join(_category_item(t) for t in tags)
        for key, value in feed.settings.items():
            attrs[f"{{{SETTINGS_NS}}}{SETTING_ATTRIBUTES[key]}"] = _xml_text(value)
        ET.SubElement(folder(tags[0]) if tags else body, "outline", attrs)

    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _refuse_database(
    path: str | os.PathLike[str], target: str, database: str | os.PathLike[str] | None
) -> None:
    """OPMLError if the regular file `target` (`path` resolved) is an SQLite database, or
    `database` or a file SQLite keeps beside it, which a write would destroy."""
    refused = OPMLError(
        f"refusing to write over the database {os.fspath(path)}: export to another file"
    )
    if database is not None:
        db = os.path.realpath(database)
        if target in {db + suffix for suffix in _DATABASE_FILES}:
            raise refused
        with contextlib.suppress(OSError):  # either missing: they are not the same file
            if os.path.samefile(target, db):  # a hard link, or another spelling of the name
                raise refused
    with contextlib.suppress(FileNotFoundError), open(target, "rb") as existing:
        if existing.read(len(_SQLITE_HEADER)) == _SQLITE_HEADER:
            raise refused


def write_opml_file(
    path: str | os.PathLike[str], text: str, database: str | os.PathLike[str] | None = None
) -> None:
    """Write an OPML document to `path` so that a failure (a full disk, say) leaves the old
    file whole: a temporary file beside it, synced to disk, then renamed over it with
    the old file's permissions.

    OPMLError (one line) if the write fails, or if `path` is an SQLite database, or the
    caller's `database` or its -wal, -shm or -journal file. A FIFO or a device (say
    /dev/stdout), which cannot be replaced, is written in place.
    """
    data = text.encode("utf-8")
    try:
        try:
            mode: int | None = os.stat(path).st_mode
        except FileNotFoundError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):
            with open(path, "wb") as out:
                out.write(data)
            return
        target = os.path.realpath(path)  # through a symlink: the file it names is replaced
        _refuse_database(path, target, database)
        folder, name = os.path.split(target)
        temporary = os.path.join(folder, f".{name}.{secrets.token_hex(4)}.tmp")
        out = open(temporary, "xb")  # "x": never a file of someone else's
        try:
            with out:
                if mode is not None:
                    os.chmod(temporary, stat.S_IMODE(mode))
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temporary, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise
    except OSError as exc:
        raise OPMLError(f"cannot write {os.fspath(path)}: {exc.strerror or exc}") from None
