"""parse_feed's guards on what the parsers actually read, and the cheaper checks behind them."""

from __future__ import annotations

import pytest

from reader.core.errors import ParseError
from reader.core.ingest import encoding, guards
from reader.core.ingest.parse import MAX_ELEMENTS, parse_feed

XXE = '<!DOCTYPE rss [{decl} xxe SYSTEM "file:///etc/passwd">]>'
RSS = (
    '<?xml version="1.0"?>\n{doctype}\n<rss version="2.0"><channel><title>T</title>'
    "<item><title>a &xxe;</title><guid>1</guid></item></channel></rss>\n"
)


def test_a_declaration_joined_by_stripping_a_control_character_is_refused():
    # The stripped document is what the parsers read: "<!EN\x01TITY" is "<!ENTITY" there.
    doc = RSS.format(doctype=XXE.format(decl="<!EN\x01TITY")).encode()
    with pytest.raises(ParseError, match="entities"):
        parse_feed(doc)


def test_a_declaration_spelled_in_another_charset_is_refused():
    # Not UTF-8 (the last byte), so the header's charset decodes it, and in UTF-7
    # "+ADwAIQ-" is "<!": the re-encoded document declares an external entity.
    doc = RSS.format(doctype=XXE.format(decl="+ADwAIQ-ENTITY")).encode() + b"\xff"
    assert b"<!ENTITY" not in doc
    with pytest.raises(ParseError, match="entities"):
        parse_feed(doc, "", "application/rss+xml; charset=utf-7")


def test_utf8_validation_in_slices_agrees_with_decode():
    for cut in range(65530, 65540):
        for char in ("é", "€", "😀"):
            for tail in (b"", char.encode()[:-1], b"\xff", b"x"):
                data = b"a" * cut + char.encode() + b"b" * 3 + tail
                try:
                    data.decode("utf-8")
                    valid = True
                except UnicodeDecodeError:
                    valid = False
                assert encoding.valid_utf8(data) == valid, (cut, char, tail)
    assert encoding.valid_utf8(b"")


def test_element_limit_counts_closing_tags_only_when_needed():
    def doc(body: bytes) -> bytes:
        return (
            b"<rss><channel><title>T</title><item><description>"
            + body
            + b"</description></item></channel></rss>"
        )

    # 300k "<", half of them closing tags: 150k elements, under the limit.
    assert callable(guards.check_limits(doc(b"<a></a>" * (MAX_ELEMENTS * 3 // 4))))
    with pytest.raises(ParseError, match="XML elements"):
        guards.check_limits(doc(b"<a/>" * (MAX_ELEMENTS + 10)))
    # Markup inside CDATA is text.
    assert callable(guards.check_limits(doc(b"<![CDATA[" + b"<a/>" * (MAX_ELEMENTS + 10) + b"]]>")))


def _rss(items: str) -> bytes:
    return f'<rss version="2.0"><channel><title>T</title>{items}</channel></rss>'.encode()


def _item(guid: str, day: int | None = None) -> str:
    date = f"<pubDate>{day:02d} Nov 2026 10:00:00 GMT</pubDate>" if day else ""
    return f"<item><title>t</title><guid>{guid}</guid>{date}</item>"


def test_a_dated_entry_keeps_its_date_whatever_its_guid_looks_like():
    feed = parse_feed(_rss(_item("2030", 2) + _item("12", 3)))
    assert [e.published.day for e in feed.entries] == [2, 3]


def test_a_date_made_up_from_the_guid_is_dropped():
    feed = parse_feed(_rss(_item("2030") + _item("x", 3)))
    assert feed.entries[0].published is None
    assert feed.entries[1].published.day == 3


def test_json_is_recognised_after_a_bom_and_whitespace_only():
    for doc in (
        b"{",
        b"\xef\xbb\xbf {",
        b" \t\r\n\x0b\x0c{",
        b"\xef\xbb\xbf\xef\xbb\xbf{",
        b"\xa0{",
        b"<{",
    ):
        want = doc.removeprefix(b"\xef\xbb\xbf").lstrip()[:1] == b"{"
        assert encoding.looks_like_json(doc) == want, doc


XXE_DECL = '<!ENTITY xxe SYSTEM "file:///etc/passwd">'


@pytest.mark.parametrize(
    "prolog",
    [
        f"<!-- <a> -->\n<!DOCTYPE rss [{XXE_DECL}]>",  # an element-like comment first
        f'<?xml-stylesheet href="<x"?>\n<!DOCTYPE rss [{XXE_DECL}]>',  # or instruction
        f'<!DOCTYPE rss [<!ENTITY a "<b>"> {XXE_DECL}]>',  # or entity value
        f"<!DOCTYPE rss [<!-- ]> <x> --> {XXE_DECL}]>",  # a comment in the subset
        f"<!--{' ' * 70_000}-->\n<!DOCTYPE rss [{XXE_DECL}]>",  # past the first 64 KB
    ],
)
@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_every_declaration_before_the_root_element_is_seen(prolog: str, encoding: str):
    doc = RSS.replace("{doctype}", prolog).encode(encoding)
    with pytest.raises(ParseError, match="entities"):
        parse_feed(doc)


def test_prolog_end_reads_quoted_values_and_comments():
    text = '\ufeff<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "<b>]>"><!-- ]> -->]>\n<rss>'
    assert text[guards.prolog_end(text) :] == "<rss>"
    assert guards.prolog_end("<?xml version='1.0'?> junk <rss>") == len(
        "<?xml version='1.0'?> junk "
    )
    for junk in ("<!DOCTYPE rss [", '<!DOCTYPE rss [<!ENTITY a "', "<?pi", "<!-- x", "  "):
        assert guards.prolog_end(junk) == len(junk)
