"""Library.refresh(in_child=True): the same refresh, run by a child process (the TUI's path)."""

from __future__ import annotations

import threading
import time

import pytest

from reader.core.config import Config
from reader.core.errors import ReaderError
from reader.core.library import Library


def rss(n: int, title: str = "Feed") -> str:
    items = "".join(
        f"<item><title>item {i}</title><guid>g{i}</guid><link>https://example.org/{i}</link>"
        "<description>text</description></item>"
        for i in range(n)
    )
    channel = f"<channel><title>{title}</title>{items}</channel>"
    return f'<?xml version="1.0"?><rss version="2.0">{channel}</rss>'


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config(refresh_interval=10, timeout=3, connect_timeout=2))
    yield library
    library.close()


def test_child_refresh_stores_and_reports_like_refresh(lib, feed_server):
    good = feed_server.route("/a.xml", rss(3, "Alpha"), etag='"1"')
    bad = feed_server.route("/b.xml", "nope", status=500)
    lib.subscribe(good)
    lib.subscribe(bad)
    seen = []
    summary = lib.refresh(
        on_progress=lambda d, t, f, r: seen.append((d, t, f.url, r.status)), in_child=True
    )
    assert (summary.ok, summary.new_articles, len(summary.failed)) == (1, 3, 1)
    assert summary.failed[0][1].startswith("HTTP 500")
    assert {(s[2], s[3]) for s in seen} == {(good, "ok"), (bad, "error")}
    assert [s[0] for s in seen] == [1, 2] and all(s[1] == 2 for s in seen)
    assert lib.count() == 3  # written by the child, read here
    assert lib.refresh([lib.resolve_feed(good).id], in_child=True).not_modified == 1


def test_child_refresh_cancel_ends_the_child(lib, feed_server):
    lib.subscribe(feed_server.route("/slow.xml", rss(1), delay=2.5))
    cancel = threading.Event()
    threading.Timer(0.5, cancel.set).start()
    start = time.monotonic()
    lib.refresh(cancel=cancel, in_child=True)
    assert time.monotonic() - start < 2.0


def test_child_refresh_failure_is_a_reader_error(tmp_path):
    lib = Library(tmp_path / "r.db", Config())
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"not a database" * 100)
    lib.store.path = str(junk)  # what the child opens
    with pytest.raises(ReaderError, match="refresh process failed: .*not a usable reader database"):
        lib.refresh(in_child=True)
    lib.close()


def test_child_refresh_builds_the_search_index_after_reporting(lib, feed_server):
    """The child reports the headlines, then indexes them (storage/indexer.py); search
    finds them meanwhile and after."""
    lib.subscribe(feed_server.route("/u.xml", rss(40, "Новини").replace(
        "<description>text</description>", "<description>Сильний дощ у Києві</description>")))
    summary = lib.refresh(in_child=True)
    assert summary.new_articles == 40
    assert len(lib.article_ids("дощ")) == 40  # (indexed or not yet: the same answer)
    deadline = time.monotonic() + 60
    while lib.index_pending() and time.monotonic() < deadline:
        time.sleep(0.02)  # (the child's work after its report: a state, with a bound)
    assert lib.index_pending() == 0
    assert lib.store.execute("SELECT count(*) FROM articles_fts WHERE articles_fts MATCH"
                             " '\"києві\"'").fetchone()[0] == 40
