"""A search never takes more of SQLite's memory than the process allows (the TUI's cap).

A bare word is a prefix, and FTS5 (without a prefix index) gathers the positions of
every word a prefix starts before it gives the first match: a word of a letter or two,
typed into the TUI's filter box at a million articles, took 170-360 MB (benchmarks/
README.md, "The TUI's memory at 1M"). Under Database.limit_memory's hard cap such a
search is one QueryError that says what to do, the connection stays usable, and
searches that fit still work.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlite_heap import hard_heap_setter

from reader.core.config import Config
from reader.core.errors import QueryError
from reader.core.library import Library
from reader.core.models import ParsedEntry

ARTICLES = 3000
SYLLABLES = "ra re ri ro ru ka ko ki ta te ti no na mi".split()
CAP_MB = 4  # what SQLite may hold here: "r" needs ~6 MB, a whole word ~1 MB


def _vocabulary() -> list[str]:
    rng = random.Random(5)
    words = {"".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))) for _ in range(6000)}
    return sorted(words)


@pytest.fixture(scope="module")
def broad_library(tmp_path_factory):
    """ARTICLES articles of ~600 made-up words each (Ukrainian and Japanese titles among
    them), indexed; no cap yet."""
    lib = Library(tmp_path_factory.mktemp("broad") / "broad.db", Config())
    words, rng = _vocabulary(), random.Random(9)
    now = datetime(2026, 11, 20, tzinfo=UTC)
    feed_id = lib.store.add_feed("http://127.0.0.1:9/broad.xml", title="Broad", tags=["news"])
    titles = ["Новини дня: річка", "今日のニュース", "River news"]
    entries = [
        ParsedEntry(
            guid=f"b-{n}", link=f"http://127.0.0.1:9/{n}", title=f"{titles[n % 3]} {n}",
            author="", published=now - timedelta(minutes=n), updated=None, summary="",
            content="<p>" + " ".join(rng.choices(words, k=600)) + " river</p>", categories=[],
        )
        for n in range(ARTICLES)
    ]
    lib.store.write(lambda c: lib.store.merge_entries(c, feed_id, entries))
    lib.store.update_index()
    lib.close()
    lib = Library(lib.store.path, Config())  # (a reader's connection: no writer's cache)
    yield lib
    lib.close()


@pytest.fixture
def capped(broad_library):
    lift = hard_heap_setter()
    if lift is None:
        pytest.skip("cannot lift SQLite's hard heap limit in this process afterwards")
    lib = broad_library
    lib.store.execute("PRAGMA shrink_memory")  # (as a TUI starts: nothing cached yet)
    lib.limit_memory(1, CAP_MB)
    yield lib
    lib.limit_memory(0)  # (the caps are the whole process's: as they were)
    lift(0)


def test_a_prefix_of_one_letter_is_a_query_error_not_hundreds_of_mb(capped):
    lib = capped
    for read in (
        lambda q: lib.count_view(q),
        lambda q: lib.count(q),
        lambda q: list(lib.first_article_ids(q, 200, 60)),
        lambda q: [len(b) for b in lib.article_id_batches(q)],
    ):
        with pytest.raises(QueryError) as error:
            read(lib.query("r"))
        message = str(error.value)
        assert "“r”" in message and '("r")' in message and "\n" not in message
        assert not lib.store.conn.in_transaction  # (SQLite rolled it back; nothing left open)


def test_searches_that_fit_under_the_cap_still_work(capped):
    lib = capped
    with pytest.raises(QueryError):
        lib.count(lib.query("r"))
    # The connection the failure happened on goes on: a whole word, a quoted letter, a
    # title in another script, a tag and a state.
    assert lib.count_view(lib.query("river")) == ARTICLES
    assert lib.count(lib.query('"r"')) == 0
    assert lib.count(lib.query("новини")) == ARTICLES // 3
    assert lib.count(lib.query("+news is:unread")) == ARTICLES
    assert sum(len(b) for b in lib.article_id_batches(lib.query("river"))) == ARTICLES


def test_without_the_cap_the_same_search_answers(broad_library):
    """The cap is the TUI's (app.py): the CLI, which sets none, still answers it."""
    lib = broad_library
    assert lib.count(lib.query("r")) == ARTICLES


def test_undoing_a_mark_of_every_article_fits_under_the_cap(capped):
    """One UPDATE of every article marked: SQLite's journal of what the statement
    changed was kept in memory (temp_store), ~300 MB for 83,000 articles; capped, it goes
    to a file (the system's cache), and the undo neither fails nor takes the memory."""
    lib = capped
    assert len(lib.mark_all_read("")) == ARTICLES
    assert lib.undo_mark_all_read() == ARTICLES
    assert lib.count(lib.query("is:unread")) == ARTICLES

