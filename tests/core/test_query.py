"""The filter language: parsing, errors that name the term, and what each term selects
(a filter tree turned into SQL by storage/search.py's where_sql)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from reader.core.errors import QueryError
from reader.core.models import ParsedEntry
from reader.core.filters import parse_filter, search_filter
from reader.core.storage.search import where_sql
from reader.core.storage.store import Store

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def e(guid, title, content="", days_ago=0, cats=()):
    return ParsedEntry(guid=guid, link=None, title=title, author="", summary="",
                       published=NOW - timedelta(days=days_ago), updated=None,
                       content=content, categories=list(cats))


@pytest.fixture(scope="module")
def store():
    s = Store(":memory:")
    tech = s.add_feed("http://tech.example/feed", title="Tech Daily", tags=["Tech"])
    world = s.add_feed("http://world.example/rss", title="World News", tags=["news", "world"])
    s.add_feed("http://empty.example/rss", title="Empty")
    entries_t = [e("t1", "Rust compiler released", "the borrow checker", 1),
                 e("t2", "Python packaging", "wheels and sdists", 10, cats=["Programming"]),
                 e("t3", "[bold red]markup[/] title", "zero-day exploit", 40)]
    entries_w = [e("w1", "Elections held", "voters went to the polls", 2),
                 e("w2", "Storm warning", "heavy rain [@click=app.quit]", 20, cats=["weather"])]
    for fid, entries in ((tech, entries_t), (world, entries_w)):
        s.write(lambda c, f=fid, es=entries: s.merge_entries(
            c, f, es, None, NOW.timestamp()))
    s.update_index()  # (where_sql alone reads the index: no fallback)
    ids = {s.article(i).guid: i for i in s.article_ids()}
    s.set_flag([ids["t1"], ids["w2"]], "read", True)
    s.set_flag([ids["t2"]], "starred", True)
    s.ids = ids
    return s


def run(store, text):
    where, params = where_sql(parse_filter(text, now=NOW.timestamp()))
    return sorted(store.article(i).guid for i in store.article_ids(where, params))


@pytest.mark.parametrize("text,expected", [
    ("", ["t1", "t2", "t3", "w1", "w2"]),
    ("+tech", ["t1", "t2", "t3"]),
    ("+TECH", ["t1", "t2", "t3"]),
    ("-tech", ["w1", "w2"]),
    ("+programming", ["t2"]),          # an article category counts as a tag
    ("+weather +news", ["w2"]),
    ("is:unread", ["t2", "t3", "w1"]),
    ("is:read", ["t1", "w2"]),
    ("is:starred", ["t2"]),
    ("is:unstarred +tech", ["t1", "t3"]),
    ("feed:world", ["w1", "w2"]),
    ("feed:TECH.example", ["t1", "t2", "t3"]),
    ('feed:"world news"', ["w1", "w2"]),
    ("@7d", ["t1", "w1"]),
    ("@2w", ["t1", "t2", "w1"]),
    ("@3m", ["t1", "t2", "t3", "w1", "w2"]),
    ("@2026-11-01..2026-11-20", ["t2", "w2"]),
    ("@2026-11-15", ["t2"]),
    ("@..2026-10-20", ["t3"]),
    ("@..9999-12-31", ["t1", "t2", "t3", "w1", "w2"]),  # the last day there is: no bound
    ("@0001-01-01..9999-12-31", ["t1", "t2", "t3", "w1", "w2"]),
    ("@9999-12-31", []),
    ("borrow", ["t1"]),
    ("borr", ["t1"]),                   # words match as prefixes
    ('"went to the polls"', ["w1"]),
    ('"polls went"', []),
    ("+tech is:unread", ["t2", "t3"]),
    ("rain is:read +weather", ["w2"]),
    ("[bold", ["t3"]),                  # user text never becomes FTS syntax
    ('AND OR NOT "', None),
    ("[@click=app.quit]", ["w2"]),
])
def test_terms(store, text, expected):
    if expected is None:
        with pytest.raises(QueryError):
            run(store, text)
    else:
        assert run(store, text) == expected


@pytest.mark.parametrize("text,named", [
    ("is:bogus", "is:bogus"),
    ("colour:red", "colour:red"),
    ("@soon", "@soon"),
    ("@2026-02-30", "@2026-02-30"),
    ("+tech +", "'+'"),
    ('"unclosed', "unclosed quote"),
    ("feed:", "feed:"),
    ("@2026-03-01..2026-01-01", "ends before it starts"),
])
def test_bad_terms_name_the_term(text, named):
    with pytest.raises(QueryError) as info:
        parse_filter(text)
    assert named in str(info.value)


def test_fts_operators_are_quoted(store):
    # AND / OR / NOT / NEAR / * / ( are just words to find, never FTS5 syntax errors.
    for text in ["AND", "OR NOT", "NEAR(a b)", "a*", "(x", "col:val:"]:
        try:
            f = parse_filter(text)
        except QueryError:
            continue
        store.article_ids(*where_sql(f))


def test_search_filter_treats_everything_as_text(store):
    where, params = where_sql(search_filter("is:read"))
    assert params == ['"is:read"*']
    store.article_ids(where, params)
    where, params = where_sql(search_filter("borrow checker"))
    assert sorted(store.article(i).guid for i in store.article_ids(where, params)) == ["t1"]


def test_relative_uses_now():
    assert where_sql(parse_filter("@1d", now=1000000.0))[1] == [1000000.0 - 86400]
    assert where_sql(parse_filter("@12h", now=time.time()))[0] == "a.sort_time >= ?"


TAG_SQL = ("(+a.feed_id IN (SELECT feed_id FROM feed_tags WHERE folded = ?)"
           " OR +a.id IN (SELECT article_id FROM article_tags WHERE folded = ?))")
FEED_SQL = ("a.feed_id IN (SELECT id FROM feeds WHERE"
            " instr(fold(coalesce(user_title, title)), ?) OR instr(fold(url), ?))")
FTS_SQL = "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"


def test_sql_of_each_term():
    """The SQL text each term makes, in the order written, the full-text words last (query
    plans depend on it: the unary "+"s keep SQLite on the list-order index, and the search
    planner writes the full-text condition its own ways)."""
    day = datetime(2026, 1, 1, tzinfo=UTC).timestamp()
    where, params = where_sql(parse_filter(
        'w +T -Ü is:unread is:read is:starred is:unstarred feed:X FEEDID:3 @1d'
        ' @2026-01-01..2026-01-02 @2026-01-01 @..9999-12-31 "p q" x"y"', now=1e9))
    assert where == " AND ".join([
        TAG_SQL, "NOT " + TAG_SQL, "a.read = 0", "a.read = 1", "a.starred = 1", "a.starred = 0",
        FEED_SQL, "a.feed_id = ?", "a.sort_time >= ?", "(a.sort_time >= ? AND a.sort_time < ?)",
        "(a.sort_time >= ? AND a.sort_time < ?)", "1", FTS_SQL])
    # (names as tags.fold gives them)
    assert params == ["t", "t", "ü", "ü", "x", "x", 3, 1e9 - 86400, day, day + 2 * 86400,
                      day, day + 86400, '"w"* "p q" "xy"*']
    assert where_sql(parse_filter("@2026-01-01..", now=1e9)) == ("(a.sort_time >= ?)", [day])
    assert where_sql(parse_filter("  ")) == ("1", [])
    assert where_sql(search_filter('"c d" +e is:read')) == (FTS_SQL, ['"c d" "+e"* "is:read"*'])
    assert where_sql(search_filter('a "b')) == (FTS_SQL, ['"a"* "b"*'])  # (unclosed: words)
