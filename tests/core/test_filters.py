"""Filters as data: the trees the parser builds, `matches` evaluating every term kind on
plain facts (no database), and `matches` agreeing with the SQL of storage/search.py."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from reader.core.config import Config
from reader.core.errors import QueryError
from reader.core.filters import (
    FILTER_HELP,
    ArticleFacts,
    DateRange,
    FeedId,
    FeedText,
    Filter,
    Since,
    State,
    Tag,
    Words,
    index_tokens,
    matches,
    parse_filter,
    search_filter,
)
from reader.core.library import Library
from reader.core.ingest.text import html_to_text
from reader.core.models import ParsedEntry
from reader.core.storage.search import where_sql

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = 86400


def day(s: str) -> float:
    return datetime.fromisoformat(s).replace(tzinfo=UTC).timestamp()


# -- parsing --------------------------------------------------------------------------------


@pytest.mark.parametrize("text,terms", [
    ("", ()),
    ("   ", ()),
    ("+Tech -sport", (Tag("Tech"), Tag("sport", negated=True))),
    ("is:UNREAD is:starred", (State("unread"), State("starred"))),
    ('feed:"world news" FEEDID:7', (FeedText("world news"), FeedId(7))),
    ("@7d @12h", (Since(NOW.timestamp() - 7 * DAY), Since(NOW.timestamp() - 12 * 3600))),
    ("@2026-11-01..2026-11-20", (DateRange(day("2026-11-01"), day("2026-11-21")),)),
    ("@2026-11-15", (DateRange(day("2026-11-15"), day("2026-11-16")),)),
    ("@..2026-10-20", (DateRange(None, day("2026-10-21")),)),
    ("@2026-10-20..", (DateRange(day("2026-10-20"), None),)),
    ("@..9999-12-31", (DateRange(None, None),)),  # the last day there is: no bound
    # the words, wherever they stand, make one term after the others
    ('rust "borrow checker" +tech bor"row"', (
        Tag("tech"), Words((("rust", True), ("borrow checker", False), ("borrow", True))))),
    ("https://example.org/x", (Words((("https://example.org/x", True),)),)),
])
def test_parser_builds_the_tree(text, terms):
    f = parse_filter(text, now=NOW.timestamp())
    assert f == Filter(text.strip(), terms)
    assert f.is_empty == (not terms)


def test_errors_name_the_term():
    for text, named in [("is:bogus", "is:bogus"), ("+tech +", "'+'"), ("feedid:x", "feedid:x"),
                        ("@2026-03-01..2026-01-01", "ends before it starts")]:
        with pytest.raises(QueryError, match=re.escape(named)):
            parse_filter(text)


def test_search_filter_makes_every_word_text():
    assert search_filter('is:read +x "a b"') == Filter(
        'is:read +x "a b"', (Words((("is:read", True), ("+x", True), ("a b", False))),))
    assert search_filter("  ").is_empty


def test_and_adds_terms_and_keeps_the_text():
    view = parse_filter("+tech rust")
    unread = view.and_(State("unread"))
    assert unread.text == view.text and unread.terms == (*view.terms, State("unread"))
    assert unread.words == view.words  # (the search planner still finds its words)
    sql, params = where_sql(unread)
    assert sql.endswith(" AND a.read = 0") and params == where_sql(view)[1]


def test_help_text_is_the_language():
    for term in ("+tag -tag", "is:unread", "feed:TEXT", "feedid:N", "@7d", '"a phrase"'):
        assert term in FILTER_HELP


def test_help_text_is_for_users():
    """It documents quoting a tag with spaces, with examples that parse, and says nothing
    of the code behind it (it printed "compile_query turns a string into an SQL...")."""
    assert '+"two words"' in FILTER_HELP and '+"Війна в Україні"' in FILTER_HELP
    for developer_word in ("compile_query", "SQL", "FTS5", "MATCH", "parameter", "articles a"):
        assert developer_word not in FILTER_HELP
    examples = [line.split("reader list ", 1)[1].strip("' ")
                for line in FILTER_HELP.splitlines() if "reader list '" in line]
    assert len(examples) >= 4
    for example in examples:
        assert parse_filter(example).terms, example
    assert any(isinstance(t, Tag) and t.name == "Війна в Україні"
               for t in parse_filter(examples[0]).terms)
    assert max(map(len, FILTER_HELP.splitlines())) <= 80


# -- matches, without a database ------------------------------------------------------------

FACTS = ArticleFacts(
    feed_id=3, feed_title="Tech Daily", feed_url="https://Tech.example/feed",
    feed_tags=("Tech",), categories=("Programming", "Café"), read=False, starred=True,
    sort_time=day("2026-11-20"), title="Rust compiler released",
    text="The borrow-checker got faster; Zürich 東京",
)


@pytest.mark.parametrize("text,expected", [
    ("", True),
    ("+tech", True),
    ("+TECH", True),
    ("+programming", True),           # an article category counts as a tag
    ("+café", True),
    ("+CAFÉ", True),                  # Unicode case folding (tags.fold), not ASCII only
    ("+Cafe\u0301", True),            # ... of the NFC form: a decomposed é is é
    ("+cafe", False),                 # (accents are kept: a tag is a name, not a word)
    ('+"tech"', True),
    ("feed:DAILY", True),
    ("-tech", False),
    ("-sport", True),
    ("is:unread", True),
    ("is:read", False),
    ("is:starred", True),
    ("is:unstarred", False),
    ("feed:daily", True),
    ("feed:TECH.EXAMPLE", True),      # the URL
    ("feed:weekly", False),
    ("feedid:3", True),
    ("feedid:4", False),
    ("@7d", True),
    ("@2d", False),
    ("@2026-11-20", True),
    ("@2026-11-21..", False),
    ("@..2026-11-19", False),
    ("@..9999-12-31", True),
    ("rust", True),
    ("RUS", True),                    # words match as prefixes, case-folded
    ("compiler rust", True),          # in any order
    ("borrow checker", True),
    ('"borrow checker"', True),       # a phrase: words one after the other
    ('"checker borrow"', False),
    ('"borr"', False),                # a quoted word is whole, not a prefix
    ("zurich", True),                 # accents are dropped
    ("東京", True),
    ('"released the"', False),        # a phrase does not run from the title into the text
    ("nothing", False),
    ("rust nothing", False),
    ("+tech is:unread rust @7d feedid:3", True),
])
def test_matches_every_term_kind(text, expected):
    assert matches(parse_filter(text, now=NOW.timestamp()), FACTS) is expected


def test_matches_a_read_article_and_an_unstarred_one():
    read = replace(FACTS, read=True, starred=False)
    assert matches(parse_filter("is:read is:unstarred"), read)
    assert not matches(parse_filter("rust").and_(State("unread")), read)


def test_a_phrase_with_no_word_is_left_out():
    assert not matches(Filter("x", (Words((("*", True),)),)), FACTS)
    assert matches(Filter("x", (Words((("*", True), ("rust", True))),)), FACTS)


def test_index_tokens():
    assert index_tokens("Rivér [@click=app.quit] x_y 2026 東京") == [
        "river", "click", "app", "quit", "x", "y", "2026", "東京"]


# -- matches agrees with the SQL path -------------------------------------------------------


def entry(guid, title, content="", days_ago=0, cats=()):
    return ParsedEntry(guid=guid, link=None, title=title, author="", summary="",
                       published=NOW - timedelta(days=days_ago), updated=None,
                       content=content, categories=list(cats))


@pytest.fixture(scope="module", params=["indexed", "not indexed yet"])
def lib(request):
    """The articles searched through the index, and before the indexer has run (the
    search fallback, storage/indexer.py): the same answers either way."""
    library = Library(":memory:", Config())
    store = library.store
    tech = store.add_feed("http://tech.example/feed", title="Tech Daily", tags=["Tech"])
    world = store.add_feed("http://world.example/rss", title="World News", tags=["news", "world"],
                           user_title="My World")
    unn = store.add_feed("http://unn.example/rss", title="УНН", tags=["Суспільство"])
    store.add_feed("http://empty.example/rss", title="Empty")
    feeds = {
        tech: [entry("t1", "Rust compiler released", "the borrow checker", 1),
               entry("t2", "Python packaging", "wheels and sdists", 10, cats=["Programming"]),
               entry("t3", "[bold red]markup[/] title", "zero-day exploit", 40, cats=["news"])],
        world: [entry("w1", "Elections held", "voters went to the polls in Zürich", 2),
                entry("w2", "Storm warning", "heavy rain [@click=app.quit]", 20, cats=["Weather"]),
                entry("w3", "Rivér floods", "rain and more rain", 0.5)],
        unn: [entry("u1", "Зеленський у Страсбурзі", "засідання", 1,
                    cats=["Війна в Україні", "Рада Європи"]),
              entry("u2", "ВІЙНА І МИР", "роман", 3, cats=["ВІЙНА", "Straße"]),
              entry("u3", "Погода", "дощ", 5)],
    }
    for fid, entries in feeds.items():
        store.write(lambda c, f=fid, es=entries: store.merge_entries(
            c, f, es, [x.title + " " + x.content for x in es], NOW.timestamp()))
    ids = {store.article(i).guid: i for i in store.article_ids()}
    library.set_read([ids["t1"], ids["w2"]], True)
    library.set_starred([ids["t2"], ids["w3"]], True)
    if request.param == "indexed":
        assert store.update_index() == 9
    assert store.index_pending() == (0 if request.param == "indexed" else 9)
    yield library
    library.close()


def facts_of(lib) -> dict[int, ArticleFacts]:
    """Each article's facts, read straight from the tables (as the SQL path sees them)."""
    tags: dict[int, list[str]] = {}
    for feed_id, tag in lib.store.execute("SELECT feed_id, tag FROM feed_tags"):
        tags.setdefault(feed_id, []).append(tag)
    cats: dict[int, list[str]] = {}
    for article_id, tag in lib.store.execute("SELECT article_id, tag FROM article_tags"):
        cats.setdefault(article_id, []).append(tag)
    rows = lib.store.execute(
        "SELECT a.id, a.feed_id, coalesce(f.user_title, f.title), f.url, a.read, a.starred,"
        " a.sort_time, a.title, CASE WHEN a.content != '' THEN a.content ELSE a.summary END"
        " FROM articles a JOIN feeds f ON f.id = a.feed_id")
    return {  # (the text as the indexer makes it)
        aid: ArticleFacts(feed_id=fid, feed_title=ftitle, feed_url=url,
                          feed_tags=tags.get(fid, []), categories=cats.get(aid, []),
                          read=bool(read), starred=bool(starred), sort_time=sort_time,
                          title=title, text=html_to_text(text))
        for aid, fid, ftitle, url, read, starred, sort_time, title, text in rows
    }


@pytest.mark.parametrize("text", [
    "", "+tech", "+TECH", "-tech", "+news", "-news", "+weather +news", "+programming",
    "is:unread", "is:read", "is:starred", "is:unstarred", "is:unstarred +tech",
    "feed:world", "feed:my", "feed:TECH.example", 'feed:"world news"', "feed:nowhere",
    "feedid:1", "feedid:2", "feedid:3",
    "@7d", "@2w", "@12h", "@3m", "@2026-11-01..2026-11-20", "@2026-11-15", "@..2026-10-20",
    "@..9999-12-31", "@9999-12-31",
    "borrow", "borr", "BORROW", '"went to the polls"', '"polls went"', "rain", "rain -news",
    "river", "rivér", "zurich", "[bold", "[@click=app.quit]", "click quit", "zero-day",
    '"zero day"', "rust is:read +tech @7d", "title markup", "nothing", "r", "w", "ra in",
    # names in any script match by tags.fold, as the SQL path's folded columns do
    "+суспільство", "+СУСПІЛЬСТВО", "-суспільство", "+війна", "+Війна", '+"війна в україні"',
    '+"ВІЙНА В УКРАЇНІ" +"рада європи"', "+strasse", "+STRASSE", "+straße",
    "feed:унн", "feed:Унн", "feed:УНН", "feed:unn.EXAMPLE", "+Війна в Україні",
])
def test_matches_agrees_with_sql(lib, text):
    facts = facts_of(lib)
    f = parse_filter(text, now=NOW.timestamp())
    by_sql = lib.article_ids(f)
    assert sorted(by_sql) == sorted(i for i, a in facts.items() if matches(f, a)), text
    unread = f.and_(State("unread"))
    assert sorted(lib.article_ids(unread)) == sorted(
        i for i, a in facts.items() if matches(unread, a)), text
