"""Encodings: whatever a server claims, the text comes out readable, or the feed
fails with a clear error. Never mojibake stored silently, never a crash."""

from __future__ import annotations

import json

import pytest

from .hostile_kit import assert_no_controls

RU = "Привет, мир: новости дня"
JA = "東京の天気は晴れです"
ZH = "今天的新闻很好"
LATIN = "Café crème, naïve Zoë — “quotes”"
EMOJI = "Launch 🚀 day 🎉"


def doc(title: str, declared: str | None) -> str:
    decl = f'<?xml version="1.0" encoding="{declared}"?>' if declared else '<?xml version="1.0"?>'
    return (
        f'{decl}<rss version="2.0"><channel><title>{title}</title><link>http://e.invalid/</link>'
        f"<item><title>{title}</title><guid>g1</guid><description>&lt;p&gt;{title}&lt;/p&gt;"
        "</description></item></channel></rss>"
    )


# name -> (body bytes, Content-Type, expected title)
CASES = {
    "utf8-declared-latin1": (
        doc(LATIN, "ISO-8859-1").encode("utf-8"),
        "application/rss+xml",
        LATIN,
    ),
    "utf8-header-says-latin1": (
        doc(RU, None).encode("utf-8"),
        "application/rss+xml; charset=iso-8859-1",
        RU,
    ),
    "utf8-declared-windows1251": (doc(RU, "windows-1251").encode("utf-8"), "text/xml", RU),
    "windows1251": (doc(RU, "windows-1251").encode("cp1251"), "application/rss+xml", RU),
    "windows1251-header-says-utf8": (
        doc(RU, "windows-1251").encode("cp1251"),
        "application/rss+xml; charset=utf-8",
        RU,
    ),
    "koi8r": (doc(RU, "koi8-r").encode("koi8-r"), "application/rss+xml", RU),
    "cp1252-undeclared": (doc(LATIN, None).encode("cp1252"), "application/rss+xml", LATIN),
    "latin1-declared": (
        doc("Café crème", "ISO-8859-1").encode("latin-1"),
        "text/xml",
        "Café crème",
    ),
    "utf16le-bom": (doc(JA, "utf-16").encode("utf-16-le").join([b"\xff\xfe", b""]), "text/xml", JA),
    "utf16be-bom": (b"\xfe\xff" + doc(JA, "utf-16").encode("utf-16-be"), "text/xml", JA),
    "utf16le-no-bom": (doc(JA, "utf-16").encode("utf-16-le"), "text/xml", JA),
    "utf16-declared-utf8": (doc(EMOJI, "utf-8").encode("utf-16"), "text/xml", EMOJI),
    "utf8-bom": (b"\xef\xbb\xbf" + doc(EMOJI, "utf-8").encode(), "application/rss+xml", EMOJI),
    "utf8-bom-declared-cp1252": (
        b"\xef\xbb\xbf" + doc(LATIN, "windows-1252").encode(),
        "text/xml",
        LATIN,
    ),
    "utf8-bom-no-declaration": (b"\xef\xbb\xbf" + doc(ZH, None).encode(), "text/xml", ZH),
    "shift-jis": (doc(JA, "Shift_JIS").encode("shift_jis"), "application/rss+xml", JA),
    "euc-jp": (doc(JA, "EUC-JP").encode("euc_jp"), "application/rss+xml", JA),
    "iso-2022-jp": (doc(JA, "ISO-2022-JP").encode("iso2022_jp"), "application/rss+xml", JA),
    "gb2312": (doc(ZH, "GB2312").encode("gb2312"), "application/rss+xml", ZH),
    "bogus-encoding-name": (doc(LATIN, "x-no-such-charset").encode("utf-8"), "text/xml", LATIN),
    "header-charset-bogus": (doc(RU, None).encode(), "text/xml; charset=bogus-42", RU),
    "json-utf8-bom": (
        b"\xef\xbb\xbf"
        + json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": RU,
                "items": [{"id": "1", "title": RU, "content_text": RU}],
            },
            ensure_ascii=False,
        ).encode(),
        "application/feed+json",
        RU,
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_text_comes_out_readable(case, feed_server, cli):
    body, ctype, expected = CASES[case]
    url = feed_server.route("/feed", body, content_type=ctype)
    r = cli("add", url)
    assert r.exit_code == 0, (case, r.stderr)
    (row,) = json.loads(cli("list", "--json").stdout)
    assert row["title"] == expected, case
    assert row["feed"] == expected, case
    shown = cli("show", str(row["id"]))
    assert expected in shown.stdout
    assert "\ufffd" not in shown.stdout
    assert_no_controls(shown.stdout + cli("list").stdout + cli("feeds").stdout)


INVALID = {
    # UTF-8 with stray bytes: the valid text stays, the bad bytes become U+FFFD or vanish.
    "utf8-with-invalid-bytes": doc(RU + " \xff", "utf-8")
    .encode("utf-8")
    .replace(b"\xc3\xbf", b"\xff\xfe"),
    # Truncated multi-byte sequences.
    "utf8-truncated-sequences": doc(RU, "utf-8")
    .encode()
    .replace("мир".encode(), "мир".encode()[:-1]),
    # Latin-1 bytes in a document declared UTF-8.
    "latin1-declared-utf8": doc(LATIN, "utf-8").encode("latin-1", "replace"),
    # Odd-length UTF-16.
    "utf16-odd-length": doc(JA, "utf-16").encode("utf-16")[:-1],
    # Lone surrogates as character references.
    "surrogate-refs": doc("A &#xD800; B &#xDFFF; C", "utf-8").encode(),
    # NUL bytes sprinkled through UTF-8.
    "nul-bytes": doc("Na\x00me", "utf-8").encode().replace(b"<item>", b"<item>\x00\x00"),
}


@pytest.mark.parametrize("case", list(INVALID))
def test_invalid_bytes_are_readable_or_a_clear_error(case, feed_server, cli):
    url = feed_server.route("/feed", INVALID[case])
    r = cli("add", url)
    out = r.stdout + r.stderr
    assert_no_controls(out)
    assert "Traceback" not in out
    if r.exit_code != 0:
        assert r.stderr.startswith("reader: error: ") and r.stderr.count("\n") == 1
        return
    rows = json.loads(cli("list", "--json").stdout)
    for row in rows:
        title = row["title"]
        assert title, case
        # Readable: mostly real letters, not replacement characters.
        assert title.count("\ufffd") <= 3, (case, title)
        shown = cli("show", str(row["id"]))
        assert shown.exit_code == 0
        assert_no_controls(shown.stdout)
        # Stored text round-trips through UTF-8 (no lone surrogates reach SQLite or a terminal).
        shown.stdout.encode("utf-8")
        title.encode("utf-8")
