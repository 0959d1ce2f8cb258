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
