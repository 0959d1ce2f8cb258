"""Names match by one rule, tags.fold (Unicode case folding of the NFC form), wherever a
name is typed: +tag, feed:, a feed's title prefix, untag, saved filter names. The news
this project reads is Ukrainian, Japanese, Russian as often as English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from reader.core.config import Config
from reader.core.errors import AmbiguousFeed
from reader.core.filters import parse_filter
from reader.core.library import Library
from reader.core.models import ParsedEntry
from reader.core.storage.search import where_sql

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def entry(guid: str, title: str, cats: list[str], hours_ago: float = 1) -> ParsedEntry:
    return ParsedEntry(guid=guid, link=f"https://unn.example/{guid}", title=title, author="",
                       published=NOW - timedelta(hours=hours_ago), updated=None, summary="",
                       content=f"<p>{title}</p>", categories=cats)


@pytest.fixture
def lib(tmp_path):
    library = Library(tmp_path / "r.db", Config())
    store = library.store
    unn = store.add_feed("https://unn.example/rss", title="УНН", tags=["Суспільство"])
    other = store.add_feed("https://tokyo.example/feed", title="東京テック便り", tags=["tech"])
    entries = {
        unn: [entry("u1", "Засідання Ради Європи", ["Війна в Україні", "Рада Європи"]),
              entry("u2", "ВІЙНА І МИР", ["ВІЙНА", "Straße"], 2),
              entry("u3", "Погода", ["Суспільство"], 3)],  # (a category its feed tag names)
        other: [entry("t1", "新しい", ["война"], 4), entry("t2", "Tech", ["TECH", "Café"], 5),
                entry("t3", "Quoted", ['Операція "Світанок"'], 6)],
    }
    for feed_id, items in entries.items():
        store.write(lambda c, f=feed_id, es=items: store.merge_entries(
            c, f, es, [e.title for e in es], NOW.timestamp()))
    yield library
    library.close()


@pytest.mark.parametrize("text,count", [
    ("+Суспільство", 3),
    ("+суспільство", 3),             # the issue: found nothing, "+Суспільство" found 2
    ("+СУСПІЛЬСТВО", 3),
    ("-суспільство", 3),
    ("+війна", 1),                   # matches ВІЙНА
    ("+ВІЙНА", 1),
    ("+ВОЙНА", 1),                   # (Russian: another name)
    ('+"війна в україні"', 1),
    ('+"Рада європи"', 1),
    ("+strasse", 1),                 # casefold: ß is ss
    ("+STRASSE", 1),
    ("+café", 1),
    ("+CAFÉ", 1),
    ("+Cafe\u0301", 1),              # NFC: a decomposed é is é
    ("+cafe", 0),                    # accents are part of the name
    ("+tech", 3),
    ("feed:унн", 3),                 # the issue: 0, where feed:УНН found 6
    ("feed:УНН", 3),
    ("feed:Унн", 3),
    ("feed:テック", 3),
    ("feed:UNN.EXAMPLE", 3),
])
def test_names_match_in_any_case_and_script(lib, text, count):
    assert lib.count(text) == count, text
    assert len(lib.article_ids(text, limit=50)) == count, text


def test_a_tag_is_looked_up_in_the_folded_indexes(lib):
    """Fast: the tag term reads the indexes on the folded columns, and the list-order index
    is walked for the first screenful (no scan of the tags, no sort of every match)."""
    where, params = where_sql(parse_filter("+Війна"))
    plan = " / ".join(r[3] for r in lib.store.execute(
        f"EXPLAIN QUERY PLAN SELECT a.id FROM articles a WHERE {where}"
        " ORDER BY a.sort_time DESC, a.id DESC LIMIT 50", params))
    assert "feed_tags USING COVERING INDEX feed_tags_folded (folded=?)" in plan, plan
    assert "article_tags USING COVERING INDEX article_tags_folded (folded=?)" in plan, plan
    assert "SCAN a USING COVERING INDEX articles_sort_state" in plan, plan
    assert "TEMP B-TREE" not in plan, plan
    assert params == ["війна", "війна"]


def test_category_names_walk_the_folded_index(lib):
    plan = " / ".join(r[3] for r in lib.store.execute(
        "EXPLAIN QUERY PLAN SELECT min(folded) FROM article_tags WHERE folded > ?", ("a",)))
    assert "article_tags_folded" in plan, plan
    names = lib.store.category_names()
    assert len(names) == len({n.casefold() for n in names})  # one spelling of each name
    assert {n.casefold() for n in names} == {
        "війна в україні", "рада європи", "війна", "strasse", "суспільство", "война", "tech",
        "café", 'операція "світанок"'}


def test_tags_lists_feed_tags_and_categories_once_each(lib):
    """... but for a category with a double quote in it: no filter could select it."""
    tags = lib.tags()
    assert tags[:2] == ["tech", "Суспільство"]  # the feed tags first, their own spelling
    assert sorted(tags[2:]) == sorted(
        ["Café", "Straße", "ВІЙНА", "Війна в Україні", "Рада Європи", "война"])


def test_tag_unread_counts_count_categories_by_folded_name(lib):
    counts = lib.tag_unread_counts(lib.totals()["unread"])
    assert counts["суспільство"] == 3  # the feed's 3 (one also by its own category): once each
    assert counts["війна"] == 1
    assert counts["війна в україні"] == 1
    assert counts["tech"] == 3
    assert counts["strasse"] == 1
    lib.set_read(lib.article_ids("+війна"), True)
    assert "війна" not in lib.tag_unread_counts(lib.totals()["unread"])


def test_a_feed_title_prefix_folds(lib):
    assert lib.resolve_feed("унн").title == "УНН"
    assert lib.resolve_feed("Ун").title == "УНН"
    lib.store.add_feed("https://unian.example/rss", title="Уніан")
    with pytest.raises(AmbiguousFeed):
        lib.resolve_feed("ун")
    assert lib.resolve_feed("УНІ").title == "Уніан"


def test_untag_names_a_tag_in_any_case(lib):
    feed = lib.untag_feed("унн", ["СУСПІЛЬСТВО"])
    assert feed.tags == []
    assert lib.count("+суспільство") == 1  # its own category is left


def test_saved_filter_names_fold(lib):
    lib.save_filter("Війна", "+війна")
    lib.save_filter("ВІЙНА", "+війна is:unread")  # the same name: replaced, not a second
    assert lib.saved_filters() == {"ВІЙНА": "+війна is:unread"}
    lib.save_filter("Strasse", "+strasse")
    assert lib.delete_filter("війна")
    assert lib.delete_filter("STRASSE")
    assert lib.saved_filters() == {}
    assert not lib.delete_filter("війна")


@pytest.mark.parametrize("text,hint", [
    ("+Війна в Україні", '+"Війна в Україні"'),
    ("+війна в україні is:unread", '+"війна в україні"'),
    ("-Рада Європи", '-"Рада Європи"'),
    ("+Нова тема тут", '+"Нова тема тут"'),  # no tag "Нова": the words were probably its
    ("is:read +Рада Європи @7d", '+"Рада Європи"'),
])
def test_an_unquoted_multi_word_tag_gets_a_hint(lib, text, hint):
    assert lib.count(text) == 0 or text.startswith("-")
    message = lib.empty_result_hint(text)
    assert message is not None and hint in message, message
    assert "\n" not in message


@pytest.mark.parametrize("text", [
    "+війна мир",           # "війна" is a tag: the word is a word
    '+"Війна в Україні"',   # quoted already
    "+війна",
    "Війна в Україні",       # no tag term at all
    "+війна @7d",
    'unclosed "quote',
])
def test_no_hint_when_no_multi_word_tag_was_meant(lib, text):
    assert lib.empty_result_hint(text) is None
