"""The filter language: parsing, errors that name the term, and what each term selects."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from reader.core.errors import QueryError
from reader.core.models import ParsedEntry
from reader.core.query import compile_query, search_query
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
            c, f, es, [x.title + " " + x.content for x in es], NOW.timestamp()))
    ids = {s.article(i).guid: i for i in s.article_ids()}
    s.set_flag([ids["t1"], ids["w2"]], "read", True)
    s.set_flag([ids["t2"]], "starred", True)
    s.ids = ids
    return s


def run(store, text):
    q = compile_query(text, now=NOW.timestamp())
    return sorted(store.article(i).guid for i in store.article_ids(q.where, q.params))


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
        compile_query(text)
    assert named in str(info.value)


def test_fts_operators_are_quoted(store):
    # AND / OR / NOT / NEAR / * / ( are just words to find, never FTS5 syntax errors.
    for text in ["AND", "OR NOT", "NEAR(a b)", "a*", "(x", "col:val:"]:
        try:
            q = compile_query(text)
        except QueryError:
            continue
        store.article_ids(q.where, q.params)


def test_search_query_treats_everything_as_text(store):
    q = search_query("is:read")
    assert q.params == ['"is:read"*']
    store.article_ids(q.where, q.params)
    q = search_query("borrow checker")
    assert sorted(store.article(i).guid for i in store.article_ids(q.where, q.params)) == ["t1"]


def test_relative_uses_now():
    q = compile_query("@1d", now=1000000.0)
    assert q.params == [1000000.0 - 86400]
    assert compile_query("@12h", now=time.time()).where == "a.sort_time >= ?"
