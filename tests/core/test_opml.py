"""OPML import and export: folders and categories as tags, lossless round trip, and
refusal of entity tricks, bad URLs and oversize files."""

from __future__ import annotations

import email.utils
import errno
import os
import sqlite3
import stat
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from reader.core.errors import OPMLError
from reader.core.opml import (
    MAX_OPML_BYTES,
    OPMLFeed,
    parse_opml,
    write_opml,
    write_opml_file,
)

DATA = Path(__file__).parent.parent / "data" / "opml"


def opml(body: str, head: str = "<head><title>t</title></head>") -> str:
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">{head}<body>{body}</body></opml>'


def by_url(feeds: list[OPMLFeed]) -> dict[str, OPMLFeed]:
    return {f.url: f for f in feeds}


# ---------------------------------------------------------------- reading


def test_real_world_export_with_nested_folders():
    feeds, problems = parse_opml((DATA / "feedly_export.opml").read_bytes())
    got = by_url(feeds)
    assert got["https://lwn.net/headlines/rss"] == OPMLFeed(
        "https://lwn.net/headlines/rss", "LWN.net", ["Tech"], "https://lwn.net"
    )
    # nested folders: every enclosing folder is a tag; category adds more
    assert got["https://pythoninsider.blogspot.com/feeds/posts/default"].tags == [
        "Tech",
        "Programming",
    ]
    assert got["https://go.dev/blog/feed.atom"].tags == [
        "Tech",
        "Programming",
        "golang",
        "languages",
    ]
    # one feed in two folders: collapsed to one, tags merged
    assert got["https://feeds.arstechnica.com/arstechnica/index"].tags == [
        "Tech",
        "News & Politics",
    ]
    assert [f.url for f in feeds].count("https://feeds.arstechnica.com/arstechnica/index") == 1
    assert got["https://www.lemonde.fr/rss/une.xml"].title == "Le Monde.fr - Actualités"
    assert got["file:///home/jane/feeds/local.xml"].tags == ["Podcasts"]
    assert got["https://xkcd.com/atom.xml"].tags == ["comics", "fun"]
    assert got["https://blog.example.net/feed"].title == ""  # text was just the URL
    assert len(feeds) == 9
    assert problems == [
        'skipped "Bookmarklet": unsupported URL scheme "javascript"',
        'skipped "Old FTP mirror": unsupported URL scheme "ftp"',
        'skipped "Show notes": not a feed (type "link")',
    ]


def test_category_attribute_becomes_tags():
    feeds, _ = parse_opml(
        opml(
            '<outline type="rss" text="A" xmlUrl="https://a.example/f" '
            'category="/tech/news, Linux,,/"/>'
        )
    )
    assert feeds[0].tags == ["tech", "news", "Linux"]


def test_category_percent_escapes_decoded_and_other_percents_kept():
    feeds, _ = parse_opml(
        opml('<outline xmlUrl="https://a.example/f" category="news%2fworld,one%2C two,50%,%41"/>')
    )
    assert feeds[0].tags == ["news/world", "one, two", "50%", "%41"]


def test_text_other_than_title_is_the_users_title():
    feeds, _ = parse_opml(
        opml(
            '<outline text="Mine" title="Theirs" xmlUrl="https://a.example/f"/>'
            '<outline text="Same" title="Same" xmlUrl="https://b.example/f"/>'
            '<outline text="Only text" xmlUrl="https://c.example/f"/>'
            '<outline text="Mine" title="https://d.example/f" xmlUrl="https://d.example/f"/>'
            '<outline text="Blank title" title="" xmlUrl="https://e.example/f"/>'
        )
    )
    assert [(f.title, f.user_title) for f in feeds] == [
        ("Theirs", "Mine"),
        ("Same", ""),
        ("Only text", ""),
        ("", "Mine"),  # the feed's own title was not known: the URL stood for it
        ("Blank title", ""),
    ]


def test_folder_tags_and_categories_deduplicated_case_insensitively():
    feeds, _ = parse_opml(
        opml(
            '<outline text="Tech"><outline text="tech">'
            '<outline xmlUrl="https://a.example/f" text="A" category="TECH,/Tech/x"/>'
            "</outline></outline>"
        )
    )
    assert feeds[0].tags == ["Tech", "x"]


def test_outline_with_xmlurl_but_no_type_is_a_feed_and_type_rss_without_url_is_reported():
    feeds, problems = parse_opml(
        opml('<outline text="A" xmlUrl="https://a.example/f"/><outline type="rss" text="B"/>')
    )
    assert [f.url for f in feeds] == ["https://a.example/f"]
    assert problems == ['skipped "B": no feed URL (xmlUrl)']


def test_javascript_url_skipped_with_a_problem():
    feeds, problems = parse_opml(
        opml(
            '<outline type="rss" text="Foo" xmlUrl="javascript:alert(1)"/>'
            '<outline type="rss" text="Data" xmlUrl="data:text/xml,&lt;rss/&gt;"/>'
            '<outline type="rss" text="Rel" xmlUrl="/feed.xml"/>'
        )
    )
    assert feeds == []
    assert problems == [
        'skipped "Foo": unsupported URL scheme "javascript"',
        'skipped "Data": unsupported URL scheme "data"',
        'skipped "Rel": not an absolute URL',
    ]


def test_unsafe_site_url_dropped():
    feeds, _ = parse_opml(
        opml('<outline text="A" xmlUrl="https://a.example/f" htmlUrl="javascript:alert(1)"/>')
    )
    assert feeds[0].site_url == ""


def test_strings_are_cleaned():
    feeds, _ = parse_opml(
        opml(
            '<outline text="Bad\u009b31m  title\n" xmlUrl=" https://a.example/f "'
            ' category="t\u009b2Jag"/>'
        )
    )
    assert feeds[0] == OPMLFeed("https://a.example/f", "Bad title", ["tag"])


def test_encodings():
    latin = opml('<outline text="Café" xmlUrl="https://a.example/f"/>').replace(
        "UTF-8", "ISO-8859-1"
    )
    assert parse_opml(latin.encode("latin-1"))[0][0].title == "Café"
    utf16 = opml('<outline text="Ünïcode" xmlUrl="https://a.example/f"/>').replace(
        "UTF-8", "UTF-16"
    )
    assert parse_opml(utf16.encode("utf-16"))[0][0].title == "Ünïcode"
    utf8_bom = b"\xef\xbb\xbf" + opml('<outline text="Ж" xmlUrl="https://a.example/f"/>').encode()
    assert parse_opml(utf8_bom)[0][0].title == "Ж"


def test_deeply_nested_folders():
    depth = 3000
    doc = opml(
        '<outline text="f">' * depth
        + '<outline xmlUrl="https://a.example/f"/>'
        + "</outline>" * depth
    )
    feeds, _ = parse_opml(doc)
    assert feeds[0].tags == ["f"]


def test_problem_list_is_bounded():
    bad = '<outline type="rss" text="x" xmlUrl="javascript:1"/>' * 250
    feeds, problems = parse_opml(opml(bad + '<outline text="ok" xmlUrl="https://a.example/f"/>'))
    assert [f.url for f in feeds] == ["https://a.example/f"]
    assert len(problems) == 101
    assert problems[-1] == "... and 150 more outlines skipped"


# ---------------------------------------------------------------- refusing


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        (
            "<opml><body><outline text='x'</body>",
            "not valid OPML: not well-formed (invalid token) at line 1",
        ),
        (
            "<opml><body>\n<outline text='x'>\n  </body></opml>",
            "not valid OPML: mismatched tag at line 3, column 5",
        ),
        ("", "not valid OPML: no element found"),
        ("just some text", "not valid OPML: syntax error"),
        (
            '<rss version="2.0"><channel/></rss>',
            "not valid OPML: the root element is <rss> (this looks like a feed)",
        ),
        ("<opml><head/></opml>", "not valid OPML: no <body> element"),
    ],
)
def test_malformed_or_not_opml(doc, message):
    with pytest.raises(OPMLError) as info:
        parse_opml(doc)
    assert str(info.value).startswith(message)
    assert "\n" not in str(info.value)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE opml [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<opml version="2.0"><body><outline text="&lol9;" xmlUrl="https://a.example/f"/></body></opml>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE opml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/f"/></body></opml>"""

XXE_PARAMETER = """<?xml version="1.0"?>
<!DOCTYPE opml [<!entity % ext SYSTEM "file:///etc/passwd"> %ext;]>
<opml version="2.0"><body/></opml>"""


@pytest.mark.parametrize("doc", [BILLION_LAUGHS, XXE, XXE_PARAMETER])
def test_entity_declarations_refused_without_expanding(doc):
    start = time.perf_counter()
    for data in (doc, doc.encode(), doc.encode("utf-16")):
        with pytest.raises(OPMLError, match="entity declarations"):
            parse_opml(data)
    assert time.perf_counter() - start < 1


def test_external_dtd_is_not_loaded_and_entity_reference_fails():
    doc = """<?xml version="1.0"?>
<!DOCTYPE opml SYSTEM "file:///etc/passwd">
<opml version="2.0"><body><outline text="&xxe;" xmlUrl="https://a.example/f"/></body></opml>"""
    with pytest.raises(OPMLError, match="undefined entity") as info:
        parse_opml(doc)
    assert "root:" not in str(info.value)


def test_plain_doctype_is_ignored():
    doc = opml('<outline text="A" xmlUrl="https://a.example/f"/>').replace(
        "\n", '\n<!DOCTYPE opml PUBLIC "-//x//DTD OPML//EN" "http://example.invalid/opml.dtd">\n', 1
    )
    assert parse_opml(doc)[0][0].url == "https://a.example/f"


def test_internal_subset_refused():
    doc = '<!DOCTYPE opml [<!ATTLIST outline xmlUrl CDATA "javascript:x">]><opml><body/></opml>'
    with pytest.raises(OPMLError, match="internal subset"):
        parse_opml(doc)


def test_oversize_refused():
    big = b" " * (MAX_OPML_BYTES + 1)
    with pytest.raises(OPMLError, match="too large"):
        parse_opml(big)
    with pytest.raises(OPMLError, match="too large"):
        parse_opml(big.decode())


# ---------------------------------------------------------------- writing


TRICKY = [
    OPMLFeed(
        "https://a.example/feed?x=1&y=2",
        "Fish & Chips <\"Daily\"> 'quoted'",
        ["food", "uk"],
        "https://a.example/",
    ),
    OPMLFeed("https://b.example/atom.xml", "Ünïcödé — 日本語 🐍", ["café", "日本", "a & b", "<x>"]),
    OPMLFeed("https://c.example/rss", "", []),  # no title, untagged
    OPMLFeed("http://d.example/rss", "D", ["news"], "https://d.example/home"),
    OPMLFeed("file:///home/me/local.xml", "Local", ["food"]),
]


def test_round_trip_is_lossless():
    feeds, problems = parse_opml(write_opml(TRICKY))
    assert problems == []
    assert len(feeds) == len(TRICKY)
    assert by_url(feeds) == by_url(TRICKY)  # same urls, titles, tags (in order), site urls


def test_round_trip_keeps_order_when_grouped_by_first_tag():
    # write_opml groups feeds by first tag; input already grouped comes back as it was
    grouped = [TRICKY[0], TRICKY[4], TRICKY[1], TRICKY[2], TRICKY[3]]
    assert parse_opml(write_opml(TRICKY))[0] == grouped
    assert parse_opml(write_opml(grouped))[0] == grouped


def test_round_trip_of_the_sample_file():
    feeds, _ = parse_opml((DATA / "feedly_export.opml").read_bytes())
    again, problems = parse_opml(write_opml(feeds))
    assert again == feeds and problems == []


def test_user_titles_round_trip():
    feeds = [
        OPMLFeed("https://a.example/f", "Their title", ["x"], user_title="My <title> & co"),
        OPMLFeed("https://b.example/f", "", [], user_title="Named before any fetch"),
        OPMLFeed("https://c.example/f", "Plain", []),
    ]
    text = write_opml(feeds)
    outlines = {o.get("xmlUrl"): o for o in ET.fromstring(text).iter("outline")}
    # other readers show `text`: the user's title; `title` is the feed's own
    assert outlines["https://a.example/f"].get("text") == "My <title> & co"
    assert outlines["https://a.example/f"].get("title") == "Their title"
    assert outlines["https://b.example/f"].get("title") == "https://b.example/f"
    back, problems = parse_opml(text)
    assert back == feeds and problems == []


def test_each_feed_written_once_with_all_its_tags():
    tags = ["news/world", "x", "one, two", "100%", "a%2Fb", "Ünï/日本"]
    feeds = [
        OPMLFeed("https://a.example/f", "A", tags),
        OPMLFeed("https://b.example/f", "B", ["x", "news/world"]),
        *TRICKY,
    ]
    text = write_opml(feeds)
    urls = [o.get("xmlUrl") for o in ET.fromstring(text).iter("outline") if o.get("xmlUrl")]
    assert sorted(urls) == sorted(f.url for f in feeds)  # each once, so no duplicates elsewhere
    body = ET.fromstring(text).find("body")
    first = next(o for o in body.iter("outline") if o.get("xmlUrl") == "https://a.example/f")
    folder = next(o for o in body.findall("outline") if first in list(o))
    assert folder.get("text") == "news/world"  # the first tag, as it is
    assert first.get("category") == "news%2Fworld,x,one%2C two,100%25,a%252Fb,Ünï%2F日本"
    back, problems = parse_opml(text)
    assert problems == []
    assert by_url(back) == by_url(feeds)  # the same tags, in the same order


def test_written_document_shape():
    text = write_opml(TRICKY, title="My <feeds>")
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<opml version="2.0">')
    root = ET.fromstring(text)
    assert root.find("head/title").text == "My <feeds>"
    created = email.utils.parsedate_to_datetime(root.find("head/dateCreated").text)
    assert created.tzinfo is not None
    top = root.find("body").findall("outline")
    # folders for first tags, in first-seen order, then untagged feeds at the top level
    folders = [o.get("text") for o in top if o.get("xmlUrl") is None]
    assert folders == ["food", "café", "news"]
    assert [o.get("xmlUrl") for o in top if o.get("xmlUrl")] == ["https://c.example/rss"]
    food = next(o for o in top if o.get("text") == "food")
    first = food.find("outline")
    assert first.attrib == {
        "type": "rss",
        "text": "Fish & Chips <\"Daily\"> 'quoted'",
        "title": "Fish & Chips <\"Daily\"> 'quoted'",
        "xmlUrl": "https://a.example/feed?x=1&y=2",
        "htmlUrl": "https://a.example/",
        "category": "food,uk",
    }
    assert [o.get("xmlUrl") for o in food.findall("outline")] == [
        "https://a.example/feed?x=1&y=2",
        "file:///home/me/local.xml",
    ]
    # an untitled feed is written with its URL as text, as OPML requires some text
    untitled = next(o for o in top if o.get("xmlUrl") == "https://c.example/rss")
    assert untitled.get("text") == "https://c.example/rss" and "category" not in untitled.attrib


def test_written_strings_are_cleaned():
    text = write_opml([OPMLFeed("https://a.example/f", "A\x1b[31m\x00 B\ud800", ["t\x07"])])
    assert "\x1b" not in text and "\x00" not in text and "\x07" not in text
    (feed,), _ = parse_opml(text)
    assert feed == OPMLFeed("https://a.example/f", "A B", ["t"])


def test_empty_list():
    assert parse_opml(write_opml([])) == ([], [])


# ---------------------------------------------------------------- writing a file


def listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_write_file_replaces_keeping_permissions(tmp_path):
    target = tmp_path / "subs.opml"
    target.write_text("old")
    target.chmod(0o640)
    write_opml_file(target, "new é")
    assert target.read_text(encoding="utf-8") == "new é"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert listing(tmp_path) == ["subs.opml"]


def test_write_file_new_file_gets_the_umask_mode(tmp_path):
    old = os.umask(0o027)
    try:
        write_opml_file(str(tmp_path / "new.opml"), "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.opml").stat().st_mode) == 0o640


def test_write_file_through_a_symlink_replaces_the_file_it_names(tmp_path):
    real = tmp_path / "real.opml"
    real.write_text("old")
    link = tmp_path / "link.opml"
    link.symlink_to(real)
    write_opml_file(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


@pytest.mark.parametrize(
    ("name", "exc", "raised"),
    [
        ("fsync", OSError(errno.ENOSPC, "No space left on device"), OPMLError),
        ("replace", OSError(errno.EIO, "Input/output error"), OPMLError),
        ("fsync", KeyboardInterrupt(), KeyboardInterrupt),
    ],
)
def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path, monkeypatch, name, exc, raised):
    target = tmp_path / "subs.opml"
    target.write_text("the good backup")

    def fail(*args):
        raise exc

    monkeypatch.setattr(os, name, fail)
    with pytest.raises(raised) as info:
        write_opml_file(target, "new " * 10000)
    monkeypatch.undo()
    if raised is OPMLError:
        assert str(info.value) == f"cannot write {target}: {exc.strerror}"
    assert target.read_text() == "the good backup"
    assert listing(tmp_path) == ["subs.opml"]


def test_write_file_into_a_missing_folder_is_one_line(tmp_path):
    with pytest.raises(OPMLError, match="^cannot write .*: No such file or directory$"):
        write_opml_file(tmp_path / "missing" / "subs.opml", "x")


def test_write_file_to_a_device_writes_in_place():
    write_opml_file("/dev/null", "x")  # /dev/null itself cannot be replaced, nor need be


def test_refuses_an_sqlite_database(tmp_path):
    db = tmp_path / "other.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (x)")
    conn.close()
    before = db.read_bytes()
    with pytest.raises(OPMLError, match="^refusing to write over the database .*other.sqlite"):
        write_opml_file(db, "x")
    assert db.read_bytes() == before
    assert listing(tmp_path) == ["other.sqlite"]


def test_refuses_the_callers_database_and_the_files_beside_it(tmp_path):
    db = tmp_path / "reader.db"
    db.write_bytes(b"")  # a new database is empty: only its name tells
    (tmp_path / "sub").mkdir()
    os.link(db, tmp_path / "hard.db")
    for target in [
        db,
        tmp_path / "sub" / ".." / "reader.db",
        tmp_path / "hard.db",
        tmp_path / "reader.db-wal",
        tmp_path / "reader.db-journal",
    ]:
        with pytest.raises(OPMLError, match="refusing to write over the database"):
            write_opml_file(target, "x", database=str(db))
    assert db.read_bytes() == b""
    assert listing(tmp_path) == ["hard.db", "reader.db", "sub"]
    write_opml_file(tmp_path / "reader.opml", "x", database=str(db))
    assert (tmp_path / "reader.opml").read_text() == "x"
