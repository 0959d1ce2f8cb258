"""Enclosures: parsed (both parsers, RSS, Atom, JSON Feed), stored with their article,
played as an argument list (never a shell), downloaded safely."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from urllib.parse import quote

import pytest

from reader.core.config import Config
from reader.core.enclosures import download, player_argv, run_player, safe_file_name
from reader.core.errors import ConfigError, FetchError, ReaderError
from reader.core.ingest.fallback import parse_json_feed, parse_with_feedparser
from reader.core.ingest.fetch import FetchSettings
from reader.core.ingest.fields import enclosure_list
from reader.core.ingest.parse import parse_feed
from reader.core.library import Library
from reader.core.models import Enclosure

RSS = """<?xml version="1.0" encoding="utf-8"?>
<rss version="2.0"><channel><title>Подкаст</title><link>https://pod.example/</link>
<item><title>Епізод 1</title><guid>ep1</guid><link>https://pod.example/1</link>
<enclosure url="https://cdn.example/ep1.mp3" type="audio/mpeg" length="52300000"/>
<enclosure url="/files/ep1.ogg" type="audio/ogg" length="abc"/>
<enclosure url="javascript:alert(1)" type="audio/mpeg"/>
<enclosure url="file:///etc/passwd"/>
<enclosure url="https://cdn.example/ep1.mp3" type="audio/mpeg" length="1"/>
<enclosure url="https://cdn.example/x.mp3" type="audio/mpeg" length="-5"/>
</item></channel></rss>"""


def test_rss_enclosures_on_the_fast_path_http_only_resolved_and_cleaned():
    parsed = parse_feed(RSS.encode(), "https://pod.example/feed.xml")
    assert parsed.parser == "fast"
    (entry,) = parsed.entries
    assert entry.link == "https://pod.example/1"
    assert entry.enclosures == [
        Enclosure("https://cdn.example/ep1.mp3", "audio/mpeg", 52300000),
        Enclosure("https://pod.example/files/ep1.ogg", "audio/ogg", None),
        Enclosure("https://cdn.example/x.mp3", "audio/mpeg", None),
    ]


def test_enclosure_fields_lose_escapes_and_junk():
    items = [{"url": "https://c.example/a\x1b[31m.mp3", "type": "\x1b]0;pwned\x07audio/mpeg",
              "length": "12\x00"},
             {"href": "https://c.example/b.mp3", "length": 10**30},
             {"url": "https://c.example/c.mp3", "length": True},
             {"url": "https://c.example/d.mp3", "length": "٣"}]  # a digit, but not ASCII
    assert enclosure_list(items, "") == [
        Enclosure("https://c.example/a.mp3", "audio/mpeg", None),
        Enclosure("https://c.example/b.mp3", "", None),
        Enclosure("https://c.example/c.mp3", "", None),
        Enclosure("https://c.example/d.mp3", "", None),
    ]


def test_rss_enclosures_on_the_feedparser_path_agree():
    parsed = parse_with_feedparser(RSS.encode(), "https://pod.example/feed.xml", None)
    assert parsed is not None
    fast = parse_feed(RSS.encode(), "https://pod.example/feed.xml").entries[0].enclosures
    assert parsed.entries[0].enclosures == fast


ATOM = """<feed xmlns="http://www.w3.org/2005/Atom"><title>Vid</title>
<entry><id>urn:1</id><title>動画</title><updated>2026-11-01T00:00:00Z</updated>
<link rel="enclosure" href="https://cdn.example/v.mp4" type="video/mp4" length="99"/>
<link rel="alternate" href="https://vid.example/1"/></entry></feed>"""


def test_atom_enclosure_links_and_the_page_link_stays_the_page():
    (entry,) = parse_feed(ATOM.encode(), "https://vid.example/").entries
    assert [e.url for e in entry.enclosures] == ["https://cdn.example/v.mp4"]
    assert entry.enclosures[0].type == "video/mp4"
    assert entry.link == "https://vid.example/1"  # not the enclosure's
    slow = parse_with_feedparser(ATOM.encode(), "https://vid.example/", None)
    assert slow.entries[0].enclosures == [Enclosure("https://cdn.example/v.mp4", "video/mp4", 99)]


JSON_FEED = {
    "version": "https://jsonfeed.org/version/1.1", "title": "J",
    "items": [{"id": "1", "url": "https://j.example/1", "content_text": "x",
               "attachments": [
                   {"url": "https://j.example/a.m4a", "mime_type": "audio/x-m4a",
                    "size_in_bytes": 5000},
                   {"url": "data:audio/mp3;base64,AAAA"},
                   {"url": 5}, "junk",
               ]}],
}


def test_json_feed_attachments_on_both_paths():
    data = json.dumps(JSON_FEED).encode()
    want = [Enclosure("https://j.example/a.m4a", "audio/x-m4a", 5000)]
    assert parse_feed(data, "https://j.example/").entries[0].enclosures == want
    assert parse_json_feed(data, "https://j.example/").entries[0].enclosures == want


def _rss_with(enclosure: str) -> bytes:
    return (f'<rss version="2.0"><channel><title>P</title><item><title>E</title><guid>g</guid>'
            f"<description>d</description>{enclosure}</item></channel></rss>").encode()


def test_stored_with_the_article_and_replaced_when_the_entry_changes(tmp_path):
    lib = Library(tmp_path / "r.db", Config())
    try:
        feed, _ = lib.subscribe("https://pod.example/feed.xml")
        store = lib.store

        def merge(data: bytes) -> None:
            entries = parse_feed(data, feed.url).entries
            store.write(lambda conn: store.merge_entries(conn, feed.id, entries,
                                                         ["d"] * len(entries)))

        merge(_rss_with('<enclosure url="https://c.example/1.mp3" type="audio/mpeg"'
                        ' length="10"/>'))
        (aid,) = lib.article_ids()
        assert lib.article(aid).enclosures == [Enclosure("https://c.example/1.mp3",
                                                         "audio/mpeg", 10)]
        # Only the enclosure changed: still an edit, and the old one is gone.
        merge(_rss_with('<enclosure url="https://c.example/2.mp3" type="audio/mpeg"/>'))
        assert lib.article_ids() == [aid]
        assert lib.article(aid).enclosures == [Enclosure("https://c.example/2.mp3",
                                                         "audio/mpeg", None)]
        merge(_rss_with(""))
        assert lib.article(aid).enclosures == []
    finally:
        lib.close()


# -- the player -----------------------------------------------------------------------------


def test_player_argv_is_an_argument_list_never_a_shell():
    url = "https://c.example/a.mp3?x=1&y=$(rm${IFS}-rf${IFS}~);`id`|sh"
    assert player_argv("mpv %s", url) == ["mpv", url]
    assert player_argv("mpv --no-video", url) == ["mpv", "--no-video", url]
    assert player_argv('vlc "--meta-title=x" --url=%s', url) == ["vlc", "--meta-title=x",
                                                                 f"--url={url}"]
    with pytest.raises(ReaderError, match="not an http"):
        player_argv("mpv %s", "file:///etc/passwd")
    with pytest.raises(ReaderError, match="not an http"):
        player_argv("mpv %s", "https://x.example/a b.mp3")
    with pytest.raises(ConfigError):
        player_argv('mpv "%s', "https://x.example/a.mp3")
    with pytest.raises(ConfigError):
        player_argv("  ", "https://x.example/a.mp3")


def recording_player(tmp_path: Path) -> tuple[Path, Path]:
    """A player that writes its argv, one per line, to a file (no shell involved)."""
    record = tmp_path / "argv.txt"
    script = tmp_path / "player"
    script.write_text(f"#!{sys.executable}\nimport sys\n"
                      f"open({str(record)!r}, 'w').write('\\n'.join(sys.argv[1:]))\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script, record


def test_run_player_runs_the_command_with_the_url_as_one_argument(tmp_path):
    script, record = recording_player(tmp_path)
    url = "https://c.example/ep;touch$IFS/tmp/pwned.mp3"
    assert run_player(player_argv(f"{script} --start=0 %s", url)) == 0
    assert record.read_text().split("\n") == ["--start=0", url]
    with pytest.raises(ReaderError, match="not found"):
        run_player(["no-such-player-here", url])


# -- downloads ------------------------------------------------------------------------------


@pytest.mark.parametrize(("url", "kind", "name"), [
    ("https://c.example/ep/%E3%83%86%E3%82%B9%E3%83%88.mp3", "", "テスト.mp3"),
    ("https://c.example/a/..%2F..%2Fetc%2Fpasswd", "", "_.._etc_passwd"),
    ("https://c.example/.bashrc", "", "bashrc"),
    ("https://c.example/", "audio/mpeg", "enclosure.mp3"),
    ("https://c.example/x%1b%5B31m.mp3", "", "x_[31m.mp3"),
    ("https://c.example/" + "й" * 300 + ".mp3", "", "й" * 98 + ".mp3"),
])
def test_safe_file_name(url, kind, name):
    assert safe_file_name(url, kind) == name


def test_download_into_the_directory_never_overwriting(feed_server, tmp_path):
    body = os.urandom(300_000)
    url = feed_server.route("/media/" + quote("епізод.mp3"), body, content_type="audio/mpeg")
    folder = tmp_path / "new" / "dir"
    first = download(url, folder, FetchSettings(), 10**9)
    assert first == folder / "епізод.mp3" and first.read_bytes() == body
    seen: list[tuple[int, int | None]] = []
    second = download(url, folder, FetchSettings(), 10**9, lambda d, t: seen.append((d, t)))
    assert second == folder / "епізод (2).mp3" and second.read_bytes() == body
    assert first.read_bytes() == body
    assert seen[-1] == (len(body), len(body))
    assert sorted(p.name for p in folder.iterdir()) == ["епізод (2).mp3", "епізод.mp3"]


def test_download_refuses_too_large_and_failures_leave_nothing(feed_server, tmp_path):
    url = feed_server.route("/big.mp3", b"x" * 5000, content_type="audio/mpeg")
    with pytest.raises(FetchError, match="limit"):
        download(url, tmp_path, FetchSettings(), 1000)
    missing = feed_server.route("/gone.mp3", b"no", status=404)
    with pytest.raises(FetchError, match="404"):
        download(missing, tmp_path, FetchSettings(), 10**9)
    with pytest.raises(ReaderError, match="not an http"):
        download("file:///etc/passwd", tmp_path, FetchSettings(), 10**9)
    assert list(tmp_path.iterdir()) == []


def test_the_demo_podcast_episodes_carry_their_enclosures():
    from reader.demo import feed_path

    entries = parse_feed(feed_path("the-slow-commute.xml").read_bytes(), "").entries
    assert all(e.enclosures for e in entries)
    assert entries[0].enclosures[0].type == "audio/mpeg" and entries[0].enclosures[0].length
