"""Per-feed settings: the KEY=VALUE text, the Library API, and what each setting does
(keep: retention; user_agent: the request; refresh_every: the schedule)."""

from __future__ import annotations

import email.utils
import time

import pytest

from reader.core.config import Config
from reader.core.errors import ReaderError
from reader.core.feed_settings import (
    apply_changes,
    as_pairs,
    format_duration,
    format_value,
    parse_duration,
    parse_value,
    split_pair,
)
from reader.core.library import Library
from reader.core.models import FeedSettings


def rss(n, title="Стрічка", start=0, every=3600.0):
    """`n` items published `every` seconds apart, the newest a minute ago."""
    newest = time.time() - 60
    items = "".join(
        f"<item><title>Новина {i}</title><guid>g{i}</guid>"
        f"<pubDate>{email.utils.formatdate(newest - i * every, usegmt=True)}</pubDate></item>"
        for i in range(start, start + n))
    return f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>'


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config(refresh_interval=10, timeout=3, connect_timeout=2))
    yield library
    library.close()


# -- the text ------------------------------------------------------------------------------


@pytest.mark.parametrize("text, seconds", [
    ("15m", 900), ("2h", 7200), ("1d", 86400), ("1h30m", 5400), ("90s", 90), ("45", 2700),
    ("2 h", 7200), ("10min", 600), ("1.5h", 5400),
])
def test_durations(text, seconds):
    assert parse_duration(text) == seconds
    assert parse_duration(format_duration(seconds)) == seconds


@pytest.mark.parametrize("text", ["", "h", "15x", "1h and 5m", "-5m", "٣h", "1e3"])
def test_bad_durations(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_values_parse_and_format_back():
    cases = {
        "full_text": ("ALWAYS", "always"), "refresh_every": ("2h", "2h"),
        "keep": ("50", "50"), "user_agent": ("MyBot/1.0 (+https://x.example)", None),
    }
    settings = FeedSettings()
    for key, (text, shown) in cases.items():
        settings = apply_changes(settings, {key: text})
        assert format_value(key, settings) == (shown or text)
    assert apply_changes(settings, {"refresh_every": "auto"}).refresh_every == -1
    assert apply_changes(settings, {"keep": "all"}).keep == 0
    assert format_value("keep", apply_changes(settings, {"keep": "all"})) == "all"
    cleared = apply_changes(settings, {k: "default" for k in as_pairs(settings)})
    assert cleared == FeedSettings() and as_pairs(cleared) == {}


@pytest.mark.parametrize("key, value, says", [
    ("full_text", "sometimes", "full_text: 'sometimes' is not always, auto, never or default"),
    ("refresh_every", "soon", "refresh_every: 'soon' is not a duration"),
    ("refresh_every", "10s", "not between 1m and 30d"),
    ("refresh_every", "90d", "not between 1m and 30d"),
    ("keep", "0", "keep: '0' is not a number of articles"),
    ("keep", "-3", "keep: '-3' is not"),
    ("keep", "５", "keep: '５' is not"),
    ("keep", "99999999999", "more than 1,000,000,000"),
    ("user_agent", "", "user_agent: '' is not"),
    ("user_agent", "Бот/1.0", "printable ASCII"),
    ("colour", "red", "unknown setting 'colour' (settings: full_text, refresh_every, keep, user_agent)"),
])
def test_bad_values_say_what_is_allowed_in_one_line(key, value, says):
    with pytest.raises(ReaderError) as err:
        parse_value(key, value)
    assert says in str(err.value) and "\n" not in str(err.value)


def test_control_characters_never_reach_a_header():
    """Refused, not quietly dropped: the header sent would not be the one typed."""
    for bad in ("Bot\r\nX-Evil: 1", "\x1b[31m", "bad\x1b[31m", "Бот/1.0"):
        with pytest.raises(ReaderError) as err:
            parse_value("user_agent", bad)
        assert "printable ASCII" in str(err.value) and "\x1b" not in str(err.value)
    assert parse_value("user_agent", "  Bot/1.0 (+https://x.example)  ") == (
        "Bot/1.0 (+https://x.example)")


def test_keys_take_dashes_and_any_case_and_pairs_need_an_equals_sign():
    assert parse_value("Full-Text", "never") == "never"
    assert split_pair("user_agent=a=b") == ("user_agent", "a=b")
    with pytest.raises(ReaderError, match="expected KEY=VALUE, got 'keep'"):
        split_pair("keep")


# -- the Library API -----------------------------------------------------------------------


def test_set_and_read_settings_through_the_library(lib):
    feed, _ = lib.subscribe("https://news.example/uk.xml", "Новини")
    changed = lib.set_feed_settings("Новини", {"full_text": "always", "keep": "100",
                                              "refresh_every": "2h", "user_agent": "Bot/2"})
    assert changed.settings == FeedSettings("always", 7200.0, 100, "Bot/2")
    assert lib.feed_settings(feed.id) == changed.settings
    assert [f.settings for f in lib.feeds()] == [changed.settings]
    shown = {v.key: v.shown for v in lib.describe_feed_settings(feed.id)}
    assert shown == {"full_text": "always", "refresh_every": "2h", "keep": "100",
                     "user_agent": "Bot/2"}
    lib.set_feed_settings(feed.id, {"keep": "default", "refresh_every": "default"})
    shown = {v.key: v.shown for v in lib.describe_feed_settings(feed.id)}
    assert shown["keep"] == "default (all)" and shown["refresh_every"] == "default (10m)"


def test_a_bad_pair_changes_nothing(lib):
    feed, _ = lib.subscribe("https://news.example/uk.xml", "Новини")
    with pytest.raises(ReaderError, match="keep"):
        lib.set_feed_settings(feed.id, {"full_text": "always", "keep": "many"})
    assert lib.feed_settings(feed.id) == FeedSettings()


def test_failing_feeds(lib, feed_server):
    good = feed_server.route("/good.xml", rss(2))
    bad = feed_server.route("/bad.xml", b"nope", status=500)
    lib.subscribe(good)
    lib.subscribe(bad)
    lib.refresh()
    failing = lib.failing_feeds()
    assert [f.url for f in failing] == [bad] and "500" in failing[0].last_error


# -- what they do --------------------------------------------------------------------------


def test_keep_deletes_beyond_the_newest_n_but_never_starred(lib, feed_server):
    url = feed_server.route("/f.xml", rss(10))
    other = feed_server.route("/o.xml", rss(10, title="Інша"))
    feed, _ = lib.add_feed(url)
    lib.add_feed(other)
    oldest = lib.article_ids(f"feedid:{feed.id}")[-1]
    lib.set_starred([oldest])
    lib.set_feed_settings(feed.id, {"keep": "3"})
    lib.refresh()
    kept = lib.article_ids(f"feedid:{feed.id}")
    assert len(kept) == 4 and oldest in kept  # the newest 3, and the starred one
    assert lib.count() == 14  # the other feed keeps all ten (no [retention] in the config)
    lib.refresh()  # tombstones: the deleted ones do not come back as new
    assert lib.count() == 14


def test_keep_all_exempts_a_feed_from_the_config_limits(tmp_path, feed_server):
    lib = Library(tmp_path / "r.db", Config(max_per_feed=2))
    try:
        kept, _ = lib.add_feed(feed_server.route("/k.xml", rss(6)))
        capped, _ = lib.add_feed(feed_server.route("/c.xml", rss(6, title="Інша")))
        lib.set_feed_settings(kept.id, {"keep": "all"})
        lib.refresh()
        assert len(lib.article_ids(f"feedid:{kept.id}")) == 6
        assert len(lib.article_ids(f"feedid:{capped.id}")) == 2
    finally:
        lib.close()


def test_user_agent_goes_with_that_feeds_requests_only(lib, feed_server):
    own = feed_server.route("/own.xml", rss(1))
    plain = feed_server.route("/plain.xml", rss(1, title="Інша"))
    feed, _ = lib.add_feed(own)
    lib.add_feed(plain)
    lib.set_feed_settings(feed.id, {"user_agent": "NewsBot/3.1 (+https://bot.example)"})
    lib.refresh()
    assert feed_server.requests_to("/own.xml")[-1].headers["user-agent"] == \
        "NewsBot/3.1 (+https://bot.example)"
    assert feed_server.requests_to("/plain.xml")[-1].headers["user-agent"].startswith("reader/")


def test_refresh_every_overrides_the_config_interval(lib, feed_server):
    feed, _ = lib.add_feed(feed_server.route("/f.xml", rss(1)))
    now = time.time()
    assert lib.due_feeds(now + 11 * 60)  # the config's 10 minutes
    lib.set_feed_settings(feed.id, {"refresh_every": "2h"})
    assert not lib.due_feeds(now + 11 * 60)
    assert lib.due_feeds(now + 2 * 3600)
    shown = lib.feeds()[0].next_fetch.timestamp()
    assert abs(shown - (now + 7200)) < 5  # next_fetch shows the interval in force


def test_refresh_every_auto_follows_how_often_the_feed_publishes(lib, feed_server):
    # Eight items an hour apart: fetched every half hour.
    feed, _ = lib.add_feed(feed_server.route("/f.xml", rss(8)))
    lib.set_feed_settings(feed.id, {"refresh_every": "auto"})
    now = time.time()
    assert not lib.due_feeds(now + 25 * 60)
    assert lib.due_feeds(now + 31 * 60)


def test_a_slow_fetch_does_not_push_the_next_tick_back(tmp_path, feed_server):
    """Issue 15 item 8: due at the tick the interval says, whatever the fetch took."""
    lib = Library(tmp_path / "r.db", Config(refresh_interval=1, timeout=5))
    try:
        lib.subscribe(feed_server.route("/f.xml", rss(1), delay=1.5))
        tick = time.time()
        lib.refresh(due_only=True)
        assert lib.feeds()[0].last_status == "ok"
        assert time.time() - tick >= 1.5
        assert len(lib.due_feeds(now=tick + 60)) == 1  # the next tick fetches it again
    finally:
        lib.close()


def test_the_interval_in_force_decides_not_a_plain_refresh_s(tmp_path, feed_server):
    """Issue 15 item 8: `reader refresh` with the default 30 minutes must not hold a
    TUI configured for 1 minute off for half an hour."""
    url = feed_server.route("/f.xml", rss(1))
    cli = Library(tmp_path / "r.db", Config())  # 30 minutes
    cli.subscribe(url)
    cli.refresh()
    cli.close()
    tui = Library(tmp_path / "r.db", Config(refresh_interval=1))
    try:
        assert len(tui.due_feeds(now=time.time() + 60)) == 1
    finally:
        tui.close()
