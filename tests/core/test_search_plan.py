"""Library.article_ids(search, limit=): the first screenful of a search is the same rows,
in the same order, whichever plan finds it (index walk for common words, lookups for rare)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reader.core.config import Config
from reader.core.library import _FTS_WALK_FROM, Library
from reader.core.models import ParsedEntry


def test_search_first_page_matches_the_full_list(tmp_path):
    lib = Library(tmp_path / "r.db", Config())
    feed_id = lib.store.add_feed("https://example.org/feed")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    n = _FTS_WALK_FROM + 500
    entries = [
        ParsedEntry(
            guid=f"g{i}",
            link=f"https://example.org/{i}",
            title=f"post {i}",
            author="",
            published=start + timedelta(minutes=(i * 7919) % n),
            updated=None,
            summary="",
            content="",
            categories=[],
        )
        for i in range(n)
    ]
    # every article has "common"; one in 50 also has "rare"
    texts = [f"common words {'rare' if i % 50 == 0 else ''}" for i in range(n)]
    lib.store.write(lambda c: lib.store.merge_entries(c, feed_id, entries, texts))
    for query in ("common", "rare", "common rare", "post common"):
        full = lib.article_ids(query)
        assert full, query
        for limit in (1, 200):
            assert lib.article_ids(query, limit=limit) == full[:limit], (query, limit)
    lib.close()


def test_view_batches_and_counts_match_the_full_list(tmp_path):
    """What the TUI reads for a long view: its ids a batch at a time (walking the index for
    a common word) and its count (the index's own for a plain search) agree with
    article_ids() and count()."""
    lib = Library(tmp_path / "r.db", Config())
    feed_id = lib.store.add_feed("https://example.org/feed")
    start = datetime(2026, 1, 1, tzinfo=UTC)
    n = _FTS_WALK_FROM + 500
    entries = [
        ParsedEntry(
            guid=f"g{i}",
            link=f"https://example.org/{i}",
            title=f"post {i}",
            author="",
            published=start + timedelta(minutes=(i * 7919) % n),
            updated=None,
            summary="",
            content="",
            categories=[],
        )
        for i in range(n)
    ]
    texts = [f"common words {'rare' if i % 50 == 0 else ''}" for i in range(n)]
    lib.store.write(lambda c: lib.store.merge_entries(c, feed_id, entries, texts))
    lib.set_read(lib.article_ids("rare"), True)
    for query in ("", "common", "rare", "common rare", "post common", "common is:unread"):
        full = lib.article_ids(query)
        batches = list(lib.article_id_batches(query, size=333))
        assert [i for b in batches for i in b] == full, query
        assert all(len(b) <= 333 for b in batches)
        assert lib.count_view(query) == lib.count(query) == len(full), query
    lib.close()


def test_reads_in_one_step_match_the_plain_ones(tmp_path):
    """first_ids and headlines_at_once (one row of JSON each) give what article_ids(limit=)
    and headlines() give, times to the microsecond and hostile text included."""
    lib = Library(tmp_path / "r.db", Config())
    feed_id = lib.store.add_feed(
        "https://example.org/feed", title='Feed \x1f "q" \\ é', tags=["b", "A"]
    )
    start = datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    n = _FTS_WALK_FROM + 300
    entries = [
        ParsedEntry(
            guid=f"g{i}",
            link=f"https://example.org/{i}",
            title=f'post {i} "quoted" \\ 東京 \u202e',
            author="",
            published=start + timedelta(microseconds=(i * 7919) % n),
            updated=None,
            summary="",
            content="",
            categories=["a", "cat\u2028x"] if i % 3 else [],
        )
        for i in range(n)
    ]
    texts = [f"common {'rare' if i % 50 == 0 else ''}" for i in range(n)]
    lib.store.write(lambda c: lib.store.merge_entries(c, feed_id, entries, texts))
    for query in ("", "common", "rare", "is:unread common", "+a"):
        for limit in (1, 200):
            assert lib.first_ids(query, limit) == lib.article_ids(query, limit=limit), query
    ids = lib.article_ids("", limit=300)[::-1]
    assert lib.headlines_at_once(ids) == lib.headlines(ids)
    assert lib.headlines_at_once([]) == [] and lib.first_ids("nothing-matches", 5) == []
    lib.close()
