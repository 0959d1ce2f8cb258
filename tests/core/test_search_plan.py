"""Library.article_ids(search, limit=): the first screenful of a search is the same rows,
in the same order, whichever plan finds it (index walk for common words, lookups for rare)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reader.core.config import Config
from reader.core.library import Library
from reader.core.storage.search import _FTS_WALK_FROM, search_plan
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
            content=texts[i],
            categories=categories(i),
        )
        for i in range(n)
    ]
    lib.store.write(lambda c: lib.store.merge_entries(c, feed_id, entries))
    lib.store.update_index()  # (the plans are those of an index that is caught up)
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


def test_words_searched_as_the_words_they_stand_for_give_the_same_rows(tmp_path):
    """A prefix word is searched as the few words of the index it stands for, and a word in
    most articles is probed article by article: same rows, same order, same counts as the
    plain search, whichever way each query goes (probing, the walk, the lookups)."""
    n = _FTS_WALK_FROM + 500

    def rank(i: int) -> int:  # 0 for the oldest article, n - 1 for the newest
        return (i * 7919) % n

    def text(i: int) -> str:
        words = ["common"]
        if i % 3:
            words.append("commonly")  # "comm" stands for two words
        if i % 50 == 0:
            words.append("rare")
        words += [f"w{j}x" for j in range(i % 12)]  # "w" stands for too many words
        if rank(i) < n - 100:
            words.append("older")  # in most articles, but none of the newest
        if rank(i) >= n - 30 or rank(i) < _FTS_WALK_FROM:
            words.append("topmost")  # in all of the newest, then none for a while
        if i % 7 == 0:
            words.append("rivér")  # stored as "river"
        return " ".join(words)

    lib = library_of(tmp_path, n, [text(i) for i in range(n)],
                     categories=lambda i: ["a"] if i % 2 else [])
    plan = search_plan(lib.store, lib.query("comm"), expand=True)
    assert plan.probe and '"commonly"' in plan.sql()[1][-1]  # (the test takes those paths)
    assert '"w"*' in search_plan(lib.store, lib.query("w"), expand=True).sql()[1][-1]
    for query in ("common", "comm", "commonly", "w", "w1", "rare", "common rare", "older",
                  "topmost", "comm post", "+a comm", "comm is:unread", "river", "rivér",
                  '"common words"', "nothing-here", "commonly older"):
        full = lib.article_ids(query)
        for limit in (1, 60, 200):
            assert lib.article_ids(query, limit=limit) == full[:limit], (query, limit)
        steps = list(lib.first_article_ids(query, 200, 60))
        assert steps[-1] == full[:200] and all(s == full[: len(s)] for s in steps), query
        assert [i for b in lib.article_id_batches(query, size=700) for i in b] == full, query
        assert lib.count_view(query) == lib.count(query) == len(full), query
    lib.close()
