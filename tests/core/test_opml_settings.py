"""Feed settings in OPML: reader's namespaced outline attributes, export then import."""

from __future__ import annotations

import pytest

from reader.core.config import Config
from reader.core.library import Library
from reader.core.models import FeedSettings
from reader.core.opml import SETTINGS_NS, OPMLFeed, parse_opml, write_opml


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config())
    yield library
    library.close()


def test_settings_survive_write_then_parse():
    settings = {"full_text": "always", "refresh_every": "1h30m", "keep": "all",
                "user_agent": 'Bot/1 "quoted" & <angled>'}
    text = write_opml([OPMLFeed("https://uk.example/rss", "Новини", ["новини"],
                                settings=settings)])
    assert f'xmlns:reader="{SETTINGS_NS}"' in text
    assert 'reader:fullText="always"' in text and 'reader:refreshEvery="1h30m"' in text
    (feed,), problems = parse_opml(text)
    assert feed.settings == settings and problems == []


def test_export_then_import_into_a_new_database_keeps_them(lib, tmp_path):
    a, _ = lib.subscribe("https://uk.example/rss", "Новини")
    b, _ = lib.subscribe("https://jp.example/feed", "東京")
    lib.set_feed_settings(a.id, {"full_text": "always", "keep": "50", "refresh_every": "auto",
                                 "user_agent": "NewsBot/2"})
    lib.set_feed_settings(b.id, {"refresh_every": "2h"})
    text = lib.export_opml()
    other = Library(tmp_path / "other.db", Config())
    try:
        report = other.import_opml(text)
        assert len(report.added) == 2 and report.problems == []
        got = {f.url: f.settings for f in other.feeds()}
        assert got == {"https://uk.example/rss": FeedSettings("always", -1.0, 50, "NewsBot/2"),
                       "https://jp.example/feed": FeedSettings(refresh_every=7200.0)}
    finally:
        other.close()


def test_import_never_overwrites_a_feeds_own_setting(lib):
    feed, _ = lib.subscribe("https://uk.example/rss", "Новини")
    lib.set_feed_settings(feed.id, {"keep": "10"})
    text = write_opml([OPMLFeed("https://uk.example/rss", "Новини",
                                settings={"keep": "99", "full_text": "never"})])
    lib.import_opml(text)
    assert lib.feed_settings(feed.id) == FeedSettings(full_text="never", keep=10)


def test_a_bad_setting_is_a_note_and_the_feed_comes_in(lib):
    text = f'''<?xml version="1.0"?>
<opml version="2.0" xmlns:reader="{SETTINGS_NS}"><body>
  <outline type="rss" text="Новини" xmlUrl="https://uk.example/rss"
           reader:keep="lots" reader:fullText="always"/>
</body></opml>'''
    report = lib.import_opml(text)
    assert report.added == ["https://uk.example/rss"] and report.skipped == 0
    assert report.problems == ['"Новини": setting not imported: '
                               "keep: 'lots' is not a number of articles, all or default"]
    assert lib.feeds()[0].settings == FeedSettings(full_text="always")


def test_other_readers_attributes_and_namespaces_are_ignored(lib):
    text = '''<?xml version="1.0"?>
<opml version="1.0" xmlns:other="https://other.example/ns"><body>
  <outline type="rss" text="A" xmlUrl="https://a.example/rss" other:keep="5" keep="5"
           fullText="always" updateInterval="60"/>
</body></opml>'''
    report = lib.import_opml(text)
    assert report.added == ["https://a.example/rss"] and report.problems == []
    assert lib.feeds()[0].settings == FeedSettings()
