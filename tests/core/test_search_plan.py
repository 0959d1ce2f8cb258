"""Library.article_ids(search, limit=): the first screenful of a search is the same rows,
in the same order, whichever plan finds it (index walk for common words, lookups for rare)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reader.core.config import Config
from reader.core.library import _FTS_WALK_FROM, Library
from reader.core.models import ParsedEntry


def library_of(tmp_path, n: int, texts: list[str], *, entry_title: str = "post {i}",
               start: datetime = datetime(2026, 1, 1, tzinfo=UTC),
               step: timedelta = timedelta(minutes=1), categories=lambda i: [],
               **feed) -> Library:
    """A library of one feed with n articles, dated out of order (i * 7919 mod n steps
    from start), the ith with texts[i] as its indexed text."""
    lib = Library(tmp_path / "r.db", Config())
    feed_id = lib.store.add_feed("https://example.org/feed", **feed)
    entries = [
        ParsedEntry(
            guid=f"g{i}",
            link=f"https://example.org/{i}",
            title=entry_title.format(i=i),
            author="",
            published=start + step * ((i * 7919) % n),
            updated=None,
            summary="",
            content="",
            categories=categories(i),
        )
        for i in range(n)
    ]
    lib.store.write(lambda c: lib.store.merge_entries(c, feed_id, entries, texts))
    return lib


def test_search_first_page_matches_the_full_list(tmp_path):
    n = _FTS_WALK_FROM + 500
    # every article has "common"; one in 50 also has "rare"
    lib = library_of(tmp_path, n, [f"common words {'rare' if i % 50 == 0 else ''}"
                                   for i in range(n)])
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
    n = _FTS_WALK_FROM + 500
    lib = library_of(tmp_path, n, [f"common words {'rare' if i % 50 == 0 else ''}"
                                   for i in range(n)])
    lib.set_read(lib.article_ids("rare"), True)
    for query in ("", "common", "rare", "common rare", "post common", "common is:unread"):
        full = lib.article_ids(query)
        batches = list(lib.article_id_batches(query, size=333))
        assert [i for b in batches for i in b] == full, query
        assert all(len(b) <= 333 for b in batches)
        assert lib.count_view(query) == lib.count(query) == len(full), query
    lib.close()


def test_reads_in_one_step_match_the_plain_ones(tmp_path):
    """article_ids(limit=) and headlines() (one row of JSON each) give what the plain reads
    give (the full id list; each article read alone), times to the microsecond and
    hostile text included."""
    n = _FTS_WALK_FROM + 300
    lib = library_of(
        tmp_path, n, [f"common {'rare' if i % 50 == 0 else ''}" for i in range(n)],
        entry_title='post {i} "quoted" \\ 東京 \u202e',
        start=datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC), step=timedelta(microseconds=1),
        categories=lambda i: ["a", "cat\u2028x"] if i % 3 else [],
        title='Feed \x1f "q" \\ é', tags=["b", "A"],
    )
    for query in ("", "common", "rare", "is:unread common", "+a"):
        full = lib.article_ids(query)
        for limit in (1, 200):
            assert lib.article_ids(query, limit=limit) == full[:limit], query
    ids = lib.article_ids("", limit=300)[::-1]
    expected = []
    for a in map(lib.article, ids):
        lowered = {t.lower() for t in a.feed_tags}
        expected.append((a.id, a.feed_id, a.feed_title, a.title, a.published, a.read,
                         a.starred, a.feed_tags + [c for c in a.categories
                                                   if c.lower() not in lowered]))
    assert [(h.id, h.feed_id, h.feed_title, h.title, h.published, h.read, h.starred, h.tags)
            for h in lib.headlines(ids)] == expected
    assert lib.headlines([]) == [] and lib.article_ids("nothing-matches", 5) == []
    lib.close()
