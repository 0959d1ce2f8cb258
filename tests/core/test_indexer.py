"""The search index built after the headlines (storage/indexer.py): search is right before,
during and after; each writer path (refresh, edit, full article, sync, retention, feed
removal) leaves the index consistent; a schema-9 database migrates with its index."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from reader.core.config import Config
from reader.core.ingest.identity import entry_key
from reader.core.ingest.text import html_to_text
from reader.core.library import Library
from reader.core.models import ParsedEntry
from reader.core.storage import full_articles, indexer
from reader.core.storage.schema import MIGRATIONS, _statements
from reader.core.storage.sync import FeedBatch, store_entries

NOW = datetime(2026, 12, 1, tzinfo=UTC)


def entry(guid: str, title: str, content: str, days: float = 0) -> ParsedEntry:
    return ParsedEntry(guid=guid, link=f"https://example.org/{guid}", title=title, author="",
                       published=NOW - timedelta(days=days), updated=None, summary="",
                       content=content, categories=[])


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config())
    yield library
    library.close()


def merge(lib: Library, feed_id: int, entries: list[ParsedEntry]) -> tuple[int, int]:
    return lib.store.write(lambda c: lib.store.merge_entries(c, feed_id, entries))


def fts_ids(lib: Library, match: str) -> list[int]:
    """What the index alone holds for `match`."""
    return sorted(r[0] for r in lib.store.execute(
        "SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?", (match,)))


def fts_consistent(lib: Library) -> None:
    lib.store.execute("INSERT INTO articles_fts(articles_fts) VALUES ('integrity-check')")


def ids(lib: Library, query: str) -> list[int]:
    return sorted(lib.article_ids(query))


def test_headlines_first_search_finds_them_before_and_after_indexing(lib):
    fid = lib.store.add_feed("https://example.org/feed")
    merge(lib, fid, [entry("1", "Погода у Києві", "<p>Сильний <b>дощ</b> і вітер</p>"),
                     entry("2", "東京の天気", "<p>明日は雨</p>", 1),
                     entry("3", "Zebra crossing", "<p>stripes &amp; lights</p>", 2)])
    assert lib.index_pending() == 3 and fts_ids(lib, '"zebra"') == []
    queries = ["дощ", "Дощ", "погода", "ДОЩ вітер", "明日は雨", "zebra", "light", '"stripes lights"',
               "zebra +nothing", "nothing"]
    before = {q: ids(lib, q) for q in queries}
    counts = {q: lib.count_view(q) for q in queries}
    assert before["дощ"] == before["ДОЩ вітер"] == [lib.article_ids("погода")[0]]
    assert len(before["zebra"]) == 1 and before["light"] == before["zebra"]
    assert before["nothing"] == []
    assert lib.update_index() == 3 and lib.index_pending() == 0
    assert fts_ids(lib, '"zebra"') == before["zebra"]
    assert {q: ids(lib, q) for q in queries} == before
    assert {q: lib.count_view(q) for q in queries} == counts
    fts_consistent(lib)


def test_an_edit_is_indexed_again_and_its_old_text_is_not_found_meanwhile(lib):
    fid = lib.store.add_feed("https://example.org/feed")
    merge(lib, fid, [entry("1", "Animals", "<p>a zebra</p>"), entry("2", "Other", "<p>x</p>")])
    lib.update_index()
    (zebra,) = ids(lib, "zebra")
    assert merge(lib, fid, [entry("1", "Animals", "<p>a giraffe</p>")]) == (0, 1)
    assert lib.index_pending() == 1
    assert fts_ids(lib, '"zebra"') == [zebra]  # (the index still holds the old text)
    assert ids(lib, "zebra") == [] and ids(lib, "giraffe") == [zebra]
    assert lib.count_view("zebra") == 0 and lib.count_view("giraffe") == 1
    assert lib.update_index() == 1
    assert fts_ids(lib, '"zebra"') == [] and ids(lib, "giraffe") == [zebra]
    fts_consistent(lib)


def test_a_full_article_page_is_searchable_before_and_after_indexing_and_after_an_edit(lib):
    fid = lib.store.add_feed("https://example.org/feed")
    merge(lib, fid, [entry("1", "Short", "<p>teaser only</p>")])
    lib.update_index()
    (aid,) = lib.article_ids()
    full_articles.save_ok(lib.store, aid, "https://example.org/1", "<p>x</p>",
                          "щонайменше дві тисячі електромонтерів", NOW)
    assert ids(lib, "електромонтерів") == [aid] and ids(lib, "teaser") == [aid]
    lib.update_index()
    assert fts_ids(lib, '"електромонтерів"') == [aid] and ids(lib, "електромонтерів") == [aid]
    merge(lib, fid, [entry("1", "Short", "<p>teaser changed</p>")])
    lib.update_index()
    assert ids(lib, "електромонтерів") == [aid] and ids(lib, "changed") == [aid]
    assert full_articles.feed_text_lengths(lib.store, fid, 5) == [len("teaser changed")]
    fts_consistent(lib)


def test_deletions_take_their_index_entries_indexed_or_not(lib):
    fid = lib.store.add_feed("https://example.org/feed")
    merge(lib, fid, [entry(str(i), f"post {i}", "<p>common word</p>", i) for i in range(10)])
    lib.update_index()
    merge(lib, fid, [entry("new", "newest", "<p>common word</p>", -1)])  # not indexed yet
    assert lib.store.apply_retention(max_per_feed=4) == 7
    assert len(ids(lib, "common")) == 4 and lib.index_pending() == 1
    assert len(fts_ids(lib, '"common"')) == 3
    fts_consistent(lib)
    lib.update_index()
    assert len(fts_ids(lib, '"common"')) == 4
    lib.store.remove_feed(fid)
    assert fts_ids(lib, '"common"') == [] and lib.index_pending() == 0
    fts_consistent(lib)


def test_batches_move_the_watermark_and_resume(lib):
    fid = lib.store.add_feed("https://example.org/feed")
    merge(lib, fid, [entry(str(i), f"post {i}", f"<p>word{i % 3} shared</p>", i)
                     for i in range(25)])
    assert indexer.index_step(lib.store, limit=10) == 10
    state = indexer.pending_state(lib.store)
    assert state.behind and state.newest - state.watermark == 15
    assert len(ids(lib, "shared")) == 25 and len(fts_ids(lib, '"shared"')) == 10
    assert ids(lib, "word1") == sorted(
        a for a in lib.article_ids() if "word1" in lib.article(a).content)
    assert lib.update_index() == 15 and indexer.index_step(lib.store) == 0
    fts_consistent(lib)


def test_synced_entries_are_indexed_like_a_refreshs(lib):
    """storage.sync.store_entries (core/sync_entries.py's writer) goes through the same
    path: found at once, indexed by the indexer."""
    fid = lib.store.add_feed("https://example.org/feed")
    parsed = [entry("s1", "Synced", "<p>вибори у Страсбурзі</p>")]
    store_entries(lib.store, [FeedBatch(fid, parsed, [])], {})
    (aid,) = lib.article_ids()
    assert ids(lib, "страсбурзі") == [aid] and lib.index_pending() == 1
    lib.update_index()
    assert fts_ids(lib, '"страсбурзі"') == [aid]


def schema_9_database(path) -> None:
    """A database as schema 9 wrote it: articles.text holding the indexed text (a full
    article's page after char(30)), the index built from it."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.create_function("fold", 1, lambda s: s.casefold() if isinstance(s, str) else s)
    for script in MIGRATIONS[:9]:
        for stmt in _statements(script):
            conn.execute(stmt)
    conn.execute("PRAGMA user_version = 9")
    conn.execute("INSERT INTO feeds (id, url, added) VALUES (1, 'https://example.org/f', 0)")
    rows = [(1, "Новини", "<p>Сильний дощ</p>", ""), (2, "Japan", "<p>明日は雨</p>", ""),
            (3, "Plain", "<p>zebra</p>", "\x1eщонайменше електромонтерів")]
    for aid, title, content, full in rows:
        text = html_to_text(content) + full
        e = entry(str(aid), title, content)
        conn.execute("INSERT INTO articles (id, feed_id, key, guid, link, title, sort_time,"
                     " content, text, first_seen) VALUES (?, 1, ?, ?, ?, ?, ?, ?, ?, 0)",
                     (aid, entry_key(e), e.guid, e.link, title, aid, content, text))
        conn.execute("INSERT INTO articles_fts (rowid, title, text) VALUES (?, ?, ?)",
                     (aid, title, text))
    conn.execute("INSERT INTO full_articles (article_id, status, fetched, text)"
                 " VALUES (3, 'ok', 0, 'щонайменше електромонтерів')")
    conn.close()


def test_a_schema_9_database_keeps_its_index(tmp_path):
    schema_9_database(tmp_path / "old.db")
    lib = Library(tmp_path / "old.db", Config())
    try:
        assert lib.store.execute("PRAGMA user_version").fetchone()[0] == 10
        assert "text" not in {r[1] for r in lib.store.execute("PRAGMA table_info(articles)")}
        assert lib.index_pending() == 0  # nothing to index again
        assert fts_ids(lib, '"дощ"') == [1] and fts_ids(lib, '"електромонтерів"') == [3]
        assert ids(lib, "дощ") == [1] and ids(lib, "明日は雨") == [2] and ids(lib, "zebra") == [3]
        fts_consistent(lib)
        # A refresh's edit of the migrated article: indexed again, page text kept.
        assert merge(lib, 1, [entry("3", "Plain", "<p>okapi</p>")]) == (0, 1)
        assert ids(lib, "okapi") == [3] and ids(lib, "zebra") == []
        lib.update_index()
        assert ids(lib, "електромонтерів") == [3] and fts_ids(lib, '"okapi"') == [3]
        assert lib.store.apply_retention(max_per_feed=1) == 2
        assert fts_ids(lib, '"дощ"') == [] and fts_ids(lib, '"okapi"') == [3]
        fts_consistent(lib)
    finally:
        lib.close()


@pytest.mark.parametrize("text", [
    "Zürich's café: Ünïcödé", "Сильний ДОЩ і вітер, Україна!", "東京の天気 明日は雨",
    "Straße STRASSE ǅemal", "x_y-z 3.14 ½ ①", "e\u0301le\u0300ve", "", "ĲSSELMEER ﬁne",
])
def test_the_fallbacks_tokens_are_filters_index_tokens(text):
    from reader.core.filters import index_tokens
    from reader.core.storage.unindexed import tokens

    assert tokens(text) == index_tokens(text)
