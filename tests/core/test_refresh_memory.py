"""A refresh holds a bounded amount of data whatever its size: results stream from the
fetcher to the writer and none is kept (issue 13, item 4); and the parsing workers
start with a refresh that will parse."""

from __future__ import annotations

import gc
import os
import threading

import pytest

from reader.core import refresh
from reader.core.config import Config
from reader.core.ingest import workers
from reader.core.ingest.workers import ParsePool, parse_for_store
from reader.core.library import Library
from reader.core.models import ParsedFeed

FEEDS, ENTRIES = 12, 40  # fewer feeds than PROCESS_MIN_FEEDS: parsed in threads, here


def rss(title: str, n: int = ENTRIES) -> bytes:
    # Ukrainian and Japanese text: the ordinary case.
    items = "".join(
        f"<item><title>{title} новина {i} ニュース</title><guid>{title}-{i}</guid>"
        f"<link>https://example.org/{title}/{i}</link>"
        f"<description>&lt;p&gt;Київ, 東京: текст номер {i}&lt;/p&gt;</description></item>"
        for i in range(n)
    )
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>'
            f"{items}</channel></rss>").encode()


def parsed_feeds_in_memory() -> int:
    """ParsedFeeds that exist, reachable or not (gc.get_objects lists both)."""
    return sum(type(o) is ParsedFeed for o in gc.get_objects())


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config(timeout=10, connect_timeout=5))
    yield library
    library.close()


def test_a_refresh_keeps_only_a_few_parsed_feeds_in_memory(lib, feed_server, monkeypatch):
    """The writer holds back the source: while the first batch is being written, the
    source has parsed only what the hand-off bound allows (not every feed), and parsed
    feeds are let go once stored (not kept to the end of the refresh)."""
    for i in range(FEEDS):
        lib.subscribe(feed_server.route(f"/f{i}.xml", rss(f"feed{i}")))
    monkeypatch.setattr(refresh, "WAITING_ENTRIES", 2 * ENTRIES)  # two feeds wait at most
    parse_calls = []
    full = threading.Event()  # the source was held back (or, unbounded, parsed all)

    def parse(data, url="", content_type=None):
        feed = parse_for_store(data, url, content_type)
        parse_calls.append(url)
        if len(parse_calls) == FEEDS:
            full.set()
        return feed

    class Handoff(refresh._Handoff):
        def put(self, item):
            if item is not None and self._items and self._entries + ENTRIES > self.limit:
                full.set()  # this put waits for the writer
            super().put(item)

    monkeypatch.setattr(workers, "parse_for_store", parse)
    monkeypatch.setattr(refresh, "_Handoff", Handoff)
    gc.collect()
    before = parsed_feeds_in_memory()
    live_while_writing = []
    store_results = refresh.Refresher.store_results

    def slow_writer(self, pairs, started=None):
        assert full.wait(60)
        gc.collect()  # only what is really referenced counts
        live_while_writing.append(parsed_feeds_in_memory() - before)
        return store_results(self, pairs, started)
    monkeypatch.setattr(refresh.Refresher, "store_results", slow_writer)
    summary = lib.refresh()
    assert (summary.ok, summary.new_articles) == (FEEDS, FEEDS * ENTRIES)
    assert lib.count("Київ") == FEEDS * ENTRIES
    # In memory at once: those in the batch being written, those waiting for the writer
    # (two), and those parsed or parsing (the parse turns: two threads here).
    assert max(live_while_writing) <= 7, live_while_writing
    assert len(parse_calls) == FEEDS


def test_a_parsed_feed_is_freed_without_a_garbage_collection():
    """ParsePool's futures make no reference cycle: a cycle kept every parsed feed (and
    its body) until a full collection, which a refresh rarely runs."""
    pool = ParsePool(1)
    gc.collect()
    gc.disable()
    try:
        before = parsed_feeds_in_memory()
        future = pool.submit(parse_for_store, rss("freed", 5), "https://example.org/f")
        feed = future.result(timeout=60)
        assert len(feed.entries) == 5 and parsed_feeds_in_memory() == before + 1
        del feed, future
        assert parsed_feeds_in_memory() == before
    finally:
        gc.enable()
        pool.shutdown()


def test_pool_start_runs_a_worker_before_the_first_feed():
    pool = ParsePool(1)
    try:
        started = pool.start()
        assert started.result(timeout=60) != os.getpid()
    finally:
        pool.shutdown()


@pytest.mark.parametrize("validators", [False, True])
def test_workers_start_with_the_refresh_only_when_a_feed_must_parse(
        lib, feed_server, monkeypatch, validators):
    """A feed never fetched has no validators, so it cannot answer 304: its refresh
    starts the workers at once. When every feed has them (a warm refresh, likely all
    304) they start only if a body comes."""
    monkeypatch.setattr(workers, "PROCESS_MIN_FEEDS", 2)
    for i in range(3):
        lib.subscribe(feed_server.route(f"/v{i}.xml", rss(f"v{i}", 2), etag=f'"e{i}"'))
    if validators:
        lib.refresh()
    started = []
    real_start = ParsePool.start
    monkeypatch.setattr(ParsePool, "start", lambda self: started.append(1) or real_start(self))
    summary = lib.refresh()
    assert summary.not_modified == (3 if validators else 0)
    assert started == ([] if validators else [1])
