"""What a feed document may cost or carry, checked on its bytes before any parser runs:
its size in entries and elements, dangerous XML entity declarations, and terminal
escape sequences and control characters."""

from __future__ import annotations

import re
from collections.abc import Callable

from reader.core.errors import ParseError
from reader.core.ingest.encoding import UTF16_BOMS, head_text, looks_like_json

ENTITIES_REFUSED = "feed declares XML entities; refused"

# Limits on what one document may cost. fastfeedparser parses with huge_tree=True, so
# libxml2's own depth and text-node limits are off: a tree costs ~300 bytes an element
# (2M nested <a> took 650 MB), and a feed of 100k entries ~20 s and ~150 MB.
MAX_ENTRIES = 10_000
MAX_ELEMENTS = 200_000

# ---------------------------------------------------------------- XML entities

# An entity declaration that is external (SYSTEM/PUBLIC), a parameter entity, or
# whose value refers to other entities. Neither parser expands these today (tests
# prove it), but refusing them up front keeps that true if a library default
# changes. Plain text entities (<!ENTITY copy "(c)">) stay allowed.
_DANGEROUS_ENTITY = re.compile(
    r"""<!ENTITY\s+(?:%|\S+\s+(?:SYSTEM|PUBLIC)\b|\S+\s+(?:"[^"]*[&%][^"]*"|'[^']*[&%][^']*'))""",
    re.IGNORECASE,
)
_FIRST_ELEMENT = re.compile(r"<[A-Za-z_]")

# One part of the prolog (what comes before the root element): a BOM, white space, the
# XML declaration or another processing instruction, a comment, or the DOCTYPE with its
# internal subset read as the XML parser reads it, so that a "<b>" or "]>" inside a
# quoted value or a comment does not end it early. Unterminated parts run to the end.
_PROLOG_PART = re.compile(
    r"""\ufeff|\xef\xbb\xbf|\s+|<\?.*?(?:\?>|\Z)|<!--.*?(?:-->|\Z)"""
    r"""|<!DOCTYPE(?:[^\[>"']++|"[^"]*+"?|'[^']*+'?)*+"""
    r"""(?:\[(?:[^\]"'<]++|"[^"]*+"?|'[^']*+'?|<!--.*?(?:-->|\Z)|<\?.*?(?:\?>|\Z)|<)*+\]?)?"""
    r"""[^>]*+>?""",
    re.DOTALL,
)


def prolog_end(text: str) -> int:
    """Where the root element starts (or the first thing the prolog cannot hold)."""
    pos = 0
    while (m := _PROLOG_PART.match(text, pos)) and m.end() > pos:
        pos = m.end()
    if _FIRST_ELEMENT.match(text, pos):
        return pos
    # Junk before the root: the parsers stop there, but count up to the first element
    # anyway (what this check did before it read the prolog).
    first = _FIRST_ELEMENT.search(text, pos)
    return first.start() if first else len(text)


def refuse_entities(data: bytes) -> bool:
    """Raise ParseError for a dangerous entity declaration; return whether the document
    has any "<!ENTITY" at all."""
    utf16 = data.startswith(UTF16_BOMS) or data[:2] in (b"<\x00", b"\x00<")
    if (b"E\x00N\x00T\x00I\x00T\x00Y" if utf16 else b"<!ENTITY") not in data:
        return False  # the common case: no DTD entities at all, nothing to sniff
    text = head_text(data, len(data))
    # Only declarations before the root element count: an article may well quote
    # "<!ENTITY" in its text. Every one there counts, even in a comment: only the end
    # of the prolog is read with care (a comment, a processing instruction or an entity
    # value holding "<b>" once ended the search before the declaration after it).
    for m in re.finditer(r"<!ENTITY", text[: prolog_end(text)]):
        if _DANGEROUS_ENTITY.match(text, m.start()):
            raise ParseError(ENTITIES_REFUSED)
    return True


# ---------------------------------------------------------------- control characters

# Terminal escape sequences and the C0 controls XML 1.0 forbids. libxml2 drops the
# lone ESC byte and keeps "[2J" as text; removing whole sequences first leaves
# clean titles. A sequence stops at "<" so an unterminated OSC cannot eat markup.
_ESCAPE_BYTES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]?|\x1b[\]PX^_][^\x07\x1b<]{0,1024}(?:\x07|\x1b\\)?|\x1b[ -~]?"
)
_C0_BYTES = bytes(c for c in range(32) if c not in (9, 10, 13))


def strip_controls(data: bytes) -> bytes:
    if data.startswith(UTF16_BOMS) or data[:2] in (b"<\x00", b"\x00<"):
        return data  # UTF-16 has NUL bytes everywhere; clean_* cleans its strings later
    if b"iso-2022" in data[:256].lower():
        return data  # ISO-2022 switches character sets with ESC sequences
    stripped = data.translate(None, _C0_BYTES)
    if len(stripped) == len(data):
        return data
    return _ESCAPE_BYTES.sub(b"", data).translate(None, _C0_BYTES)


# ---------------------------------------------------------------- size limits

_ITEM_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?(?:item|entry)[\s>/]")
# "*+": ":" is not in [\w.-], so backtracking into the prefix could never find one.
_ITEM_OR_DATE = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*+:)?(item|entry|pubDate|pubdate|published|issued|date|updated|modified)[\s>/]"
)
_CDATA = re.compile(rb"<!\[CDATA\[.*?(?:\]\]>|\Z)", re.DOTALL)


def too_many_entries(n: int) -> str:
    return f"feed too large: {n:,} entries (the limit is {MAX_ENTRIES:,})"


def _ascii_view(data: bytes) -> bytes:
    """The document's bytes with UTF-16's zero bytes dropped, for counting markup."""
    if data.startswith(b"\xff\xfe"):
        return data[2::2]
    if data.startswith(b"\xfe\xff"):
        return data[3::2]
    if data[:2] == b"<\x00":
        return data[0::2]
    if data[:2] == b"\x00<":
        return data[1::2]
    return data


def check_limits(data: bytes) -> Callable[[], bool]:
    """Refuse documents too big to parse in bounded memory (ParseError), before parsing.

    Returns a function that tells whether every entry has a date element of its own
    (see parse._parse_fast): a scan of the whole document that only a few feeds need,
    so it runs only when asked, at most once.
    """
    view = _ascii_view(data)
    if looks_like_json(view):
        # An item is an object, and so is each author and attachment it has.
        if view.count(b"{") > 4 * MAX_ENTRIES:
            raise ParseError(f"feed too large: more than {4 * MAX_ENTRIES:,} JSON objects")
        return _ALL_DATED
    # bytes.count runs at memory speed; a regex scan of every document cost more than
    # the fast parser itself. Namespaced items (<rss:item>) are caught after parsing.
    # Every item and every element starts with a "<": when there are few of them, no
    # other count is needed.
    tags = view.count(b"<")
    items = view.count(b"<item") + view.count(b"<entry") if tags > MAX_ENTRIES else -1
    if items > MAX_ENTRIES:
        items = len(_ITEM_TAG.findall(view))  # "<itemcount>" is not an item: count exactly
        if items > MAX_ENTRIES:
            raise ParseError(too_many_entries(items))
    # Each element costs at least 3 bytes ("<a>"), so a small document cannot be too deep.
    # Elements are the "<" that do not start "</".
    elements = tags if len(view) > 3 * MAX_ELEMENTS else 0
    if elements > MAX_ELEMENTS:
        elements -= view.count(b"</")
    if elements > MAX_ELEMENTS:
        # Markup inside CDATA is text, not elements.
        elements -= sum(m.group().count(b"<") for m in _CDATA.finditer(view))
        if elements > MAX_ELEMENTS:
            raise ParseError(f"feed too large: more than {MAX_ELEMENTS:,} XML elements")
    if not tags:
        return _ALL_DATED
    answer: list[bool] = []

    def all_dated() -> bool:
        if not answer:
            has_items = items > 0 if items >= 0 else b"<item" in view or b"<entry" in view
            answer.append(_all_dated(view) if has_items else True)
        return answer[0]

    return all_dated


def _ALL_DATED() -> bool:
    return True


def _all_dated(view: bytes) -> bool:
    # One exact scan for both kinds of tag: dates before the first item are the channel's.
    kinds = _ITEM_OR_DATE.findall(view)
    try:
        first = next(i for i, k in enumerate(kinds) if k in (b"item", b"entry"))
    except StopIteration:
        return True
    exact_items = sum(1 for k in kinds if k in (b"item", b"entry"))
    return len(kinds) - first - exact_items >= exact_items
