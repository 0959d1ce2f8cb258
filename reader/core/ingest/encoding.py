"""A feed document's bytes as the fast parser must see them: which encoding they are in,
re-encoded to UTF-8 when the declaration lies, and HTML entities spelled as XML can read.

Also the sniffing both the guards and the dispatcher need: the start of a document as
text whatever its encoding, and whether it is JSON.
"""

from __future__ import annotations

import codecs
import html.entities
import re

UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
UTF8_BOM = b"\xef\xbb\xbf"
_UTF8_NAMES = frozenset(("utf-8", "utf8"))
_XML_DECL = re.compile(
    rb"^((?:\xef\xbb\xbf)?\s*<\?xml[^>]*?encoding\s*=\s*[\"'])([A-Za-z0-9._:-]+)([\"'])"
)
_CHARSET = re.compile(r"charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def head_text(data: bytes, size: int = 65536) -> str:
    """The start of the document as text, whatever its byte encoding, for sniffing."""
    head = data[:size]
    if head.startswith(UTF16_BOMS):
        return head.decode("utf-16", "ignore")
    if head.startswith(b"<\x00"):
        return head.decode("utf-16-le", "ignore")
    if head.startswith(b"\x00<"):
        return head.decode("utf-16-be", "ignore")
    return head.decode("latin-1")


# data.removeprefix(UTF8_BOM).lstrip()[:1] == b"{", without copying the document.
_JSON_START = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\n\r\x0b\x0c]*+\{")


def looks_like_json(data: bytes) -> bool:
    return _JSON_START.match(data) is not None


def _declared_encoding(data: bytes) -> str | None:
    m = _XML_DECL.match(data[:512])
    return m.group(2).decode("ascii").lower() if m else None


def _charset(content_type: str | None) -> str | None:
    m = _CHARSET.search(content_type or "")
    return m.group(1).lower() if m else None


def _set_declared_encoding(data: bytes, encoding: str) -> bytes:
    return _XML_DECL.sub(lambda m: m.group(1) + encoding.encode() + m.group(3), data, count=1)


def valid_utf8(data: bytes) -> bool:
    """data.decode("utf-8") succeeds. In slices: a few small strings stay in the cache
    where one the size of the document (up to 4 bytes a character) would not."""
    decode = codecs.getincrementaldecoder("utf-8")().decode
    try:
        for i in range(0, len(data), 65536):
            decode(data[i : i + 65536])
        decode(b"", True)  # a sequence cut off at the end
    except UnicodeDecodeError:
        return False
    return True


def normalize_encoding(data: bytes, content_type: str | None) -> bytes:
    """Return the document as UTF-8 with a declaration that says so, when it can tell.

    The fast parser trusts the declaration blindly: a UTF-8 feed declared as
    ISO-8859-1 comes out as mojibake, and windows-1252 bytes in an undeclared
    feed come out as U+FFFD, both without an error that would trigger the
    fallback. Valid multi-byte UTF-8 almost never happens by accident in a
    legacy encoding, so it is a reliable tell.
    """
    if data.startswith(UTF16_BOMS) or data[:2] in (b"<\x00", b"\x00<") or data.isascii():
        return data  # UTF-16 (lxml reads the BOM) or plain ASCII: nothing to decide
    declared = _declared_encoding(data)
    if valid_utf8(data):
        if declared and declared not in _UTF8_NAMES:
            return _set_declared_encoding(data, "utf-8")
        return data
    if declared and declared not in _UTF8_NAMES:
        return data  # a legacy encoding, declared, and the bytes are not UTF-8: believe it
    # Declared (or defaulted to) UTF-8 but it is not. Mostly-UTF-8 with a few bad
    # bytes keeps its UTF-8; otherwise it is a legacy single-byte encoding.
    text = data.decode("utf-8", "replace")
    bad = text.count("\ufffd")
    good = len(text) - len(text.encode("ascii", "ignore")) - bad  # non-ASCII that decoded
    if good > bad:
        return text.encode("utf-8")
    fallback = _charset(content_type)
    if not fallback or fallback in _UTF8_NAMES:
        fallback = "windows-1252"
    try:
        text = data.decode(fallback, "replace")
    except LookupError:
        text = data.decode("windows-1252", "replace")
    return _set_declared_encoding(text.encode("utf-8"), "utf-8")


# HTML named entities (&nbsp; &eacute; ...) are not XML: libxml2 stops the text at
# the first one, so "A&nbsp;B" became "A". Many real feeds use them anyway, and
# feedparser reads them; rewriting them as character references lets the fast path
# read them too. The five XML entities are left alone.
_HTML_ENTITY = re.compile(rb"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{1,31});")
_CHAR_REFS = {
    name[:-1].encode(): "".join(f"&#{ord(c)};" for c in text).encode()
    for name, text in html.entities.html5.items()
    if name.endswith(";")
}


def html_entities_to_refs(data: bytes, declares_entities: bool | None = None) -> bytes:
    """`declares_entities`: whether b"<!ENTITY" is in data, when the caller knows."""
    if b"&" not in data or data.startswith(UTF16_BOMS) or data[:2] in (b"<\x00", b"\x00<"):
        return data
    if declares_entities is None:
        declares_entities = b"<!ENTITY" in data
    if declares_entities:
        return data  # the document defines its own entities: leave them to the parser

    first = _HTML_ENTITY.search(data)
    if first is None:
        return data  # valid XML, the usual case: no copy

    def ref(m: re.Match[bytes]) -> bytes:
        # An unknown name is kept as text rather than ending the text there.
        return _CHAR_REFS.get(m.group(1)) or b"&amp;" + m.group(1) + b";"

    return data[: first.start()] + _HTML_ENTITY.sub(ref, data[first.start() :])
