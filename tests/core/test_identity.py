"""Identity decisions with no database: which stored article each entry is.

The same rules as tests/core/test_store.py and tests/hostile/test_identity.py check
through SQLite, asked of ingest/identity.py directly with stored rows as plain tuples.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reader.core.ingest.identity import (
    TAG_SEP,
    EntryDecider,
    content_hash,
    entry_key,
    sort_time,
)
from reader.core.models import ParsedEntry

NOW = 1_800_000_000.0
DAY = datetime(2026, 1, 1, tzinfo=UTC)


def entry(guid=None, link=None, title="t", content="body", published=None, cats=(),
          summary="", updated=None):
    return ParsedEntry(guid=guid, link=link, title=title, author="a", published=published,
                       updated=updated, summary=summary, content=content,
                       categories=list(cats))


def stored_row(e: ParsedEntry, aid: int, sort: float = NOW, chash: str | None = None):
    """An entry as storage would have stored it: (key, id, hash, link, title, published, sort)."""
    published = e.published.timestamp() if e.published else None
    return (entry_key(e), aid, chash or content_hash(e), e.link or "", e.title, published, sort)


def decide(entries, stored=(), tombstones=(), elsewhere=None, now=NOW, hashes=None):
    decider = EntryDecider(entries, list(stored), set(tombstones))
    return decider.decide([e.content for e in entries], now, elsewhere or {}, hashes)


def test_key_is_guid_then_link_then_hash():
    assert entry_key(entry(guid="g", link="l")) == "g:g"
    assert entry_key(entry(link="l")) == "l:l"
    k1 = entry_key(entry(title="x", published=DAY))
    assert k1.startswith("h:") and k1 == entry_key(entry(title="x", published=DAY))
    assert k1 != entry_key(entry(title="y", published=DAY))
    assert k1 != entry_key(entry(title="x", published=DAY + timedelta(days=1)))


def test_content_hash_tells_edits_apart():
    base = entry(guid="1", title="one", cats=["a"], published=DAY)
    assert content_hash(base) == content_hash(entry(guid="1", title="one", cats=["a"],
                                                    published=DAY))
    for changed in (entry(guid="1", title="one!", cats=["a"], published=DAY),
                    entry(guid="1", title="one", cats=["b"], published=DAY),
                    entry(guid="1", title="one", cats=["a"], published=DAY, content="new"),
                    entry(guid="1", title="one", cats=["a"], published=DAY + timedelta(1))):
        assert content_hash(changed) != content_hash(base)


def test_new_entries_are_inserted_in_feed_order():
    intents = decide([entry(guid="1", title="one"), entry(guid="2", title="two")])
    assert [key for key, _ in intents.inserts] == ["g:1", "g:2"]
    assert (intents.edits, intents.rekeys, intents.folds) == ([], [], [])
    values = intents.inserts[0][1]
    assert (values.guid, values.title, values.text) == ("1", "one", "body")
    assert values.content_hash == content_hash(entry(guid="1", title="one"))


def test_unchanged_is_skipped_and_changed_is_edited_in_place():
    one, two = entry(guid="1", title="one"), entry(guid="2", title="two")
    stored = [stored_row(one, 10), stored_row(two, 11)]
    assert decide([one, two], stored) == ([], [], [], [], {}, {})
    fixed = entry(guid="1", title="one (fixed)", content="new body")
    intents = decide([fixed, two], stored)
    assert [(aid, v.title, v.content) for aid, v in intents.edits] == [
        (10, "one (fixed)", "new body")]
    assert intents.inserts == []


def test_hashes_from_the_worker_are_used():
    one = entry(guid="1")
    stored = [stored_row(one, 10, chash="old")]
    assert decide([one], stored, hashes=["old"]).edits == []
    assert [aid for aid, _ in decide([one], stored, hashes=["new"]).edits] == [10]


def test_duplicate_keys_in_one_fetch_count_once():
    intents = decide([entry(guid="1"), entry(guid="1", title="again")])
    assert [(k, v.title) for k, v in intents.inserts] == [("g:1", "t")]


def test_tombstoned_entries_do_not_come_back():
    old = entry(guid="old")
    intents = decide([old, entry(guid="new")], tombstones={entry_key(old)})
    assert [key for key, _ in intents.inserts] == ["g:new"]


def test_guid_change_with_the_same_link_rekeys():
    """Feeds that mint a new GUID on every fetch: the article keeps its row and state."""
    before = entry(guid="urn:fetch-0:story", link="http://e.invalid/story", published=DAY)
    after = entry(guid="urn:fetch-1:story", link="http://e.invalid/story", published=DAY)
    intents = decide([after], [stored_row(before, 7)])
    assert intents.rekeys == [(7, "g:urn:fetch-1:story")]
    assert intents.inserts == []
    assert intents.edits == []  # (its content is the same: the GUID is not hashed)


def test_guid_and_link_change_with_the_same_title_and_date_rekeys():
    """A site moves from http:// to https:// GUIDs and links at once, titles unchanged."""
    posts = [(f"post {i}", DAY - timedelta(days=i)) for i in range(3)]
    before = [entry(guid=f"http://e.invalid/p{i}", link=f"http://e.invalid/p{i}", title=t,
                    published=d) for i, (t, d) in enumerate(posts)]
    after = [entry(guid=f"https://e.invalid/p{i}", link=f"https://e.invalid/p{i}", title=t,
                   published=d) for i, (t, d) in enumerate(posts)]
    intents = decide(after, [stored_row(e, 100 + i) for i, e in enumerate(before)])
    assert intents.rekeys == [(100 + i, f"g:https://e.invalid/p{i}") for i in range(3)]
    assert intents.inserts == []


def test_a_link_every_item_shares_is_not_an_identity():
    """Feeds that link every item to their home page: the items stay distinct."""
    home = "http://e.invalid/"
    stored = [stored_row(entry(guid=f"n{i}", link=home, title=f"notice {i}"), i)
              for i in range(4)]
    fresh = [entry(guid="n-new", link=home, title="notice new")]
    fresh += [entry(guid=f"n{i}", link=home, title=f"notice {i}") for i in range(4)]
    intents = decide(fresh, stored)
    assert intents.rekeys == [] and [k for k, _ in intents.inserts] == ["g:n-new"]


def test_a_vanished_guid_is_not_taken_by_two_entries():
    """Two new entries with the link of one vanished article: neither takes its row."""
    gone = entry(guid="old", link="http://e.invalid/x")
    fresh = [entry(guid="a", link="http://e.invalid/x"), entry(guid="b", link="http://e.invalid/x")]
    intents = decide(fresh, [stored_row(gone, 1)])
    assert intents.rekeys == [] and len(intents.inserts) == 2


def test_the_same_article_in_another_feed_is_folded_into_it():
    """An aggregator repeats a post of a blog you also follow: listed once, under the blog."""
    link = "http://blog.invalid/the-post"
    post = entry(guid=link, link=link, title="The post")
    other = entry(guid="http://other.invalid/1", link="http://other.invalid/1", title="Other")
    decider = EntryDecider([post, other], [], set())
    assert decider.fold_links() == [link, "http://other.invalid/1"]
    intents = decider.decide(["", ""], NOW, {link: [(link, "The post", 42)]})
    assert intents.folds == [(42, "g:" + link)]
    assert [key for key, _ in intents.inserts] == ["g:http://other.invalid/1"]


def test_folding_needs_the_same_guid_or_title_besides_the_link():
    link = "http://site.invalid/"  # a home page, linked by unrelated items
    elsewhere = {link: [("elsewhere-guid", "Another story", 42)]}
    assert decide([entry(guid="mine", link=link, title="My story")], elsewhere=elsewhere).folds == []
    by_title = decide([entry(guid="mine", link=link, title="Another story")], elsewhere=elsewhere)
    assert by_title.folds == [(42, "g:mine")] and by_title.inserts == []


def test_only_entries_not_stored_here_are_looked_up_elsewhere():
    mine = entry(guid="1", link="http://e.invalid/1")
    decider = EntryDecider([mine, entry(guid="2", link="http://e.invalid/2"), entry(guid="3")],
                           [stored_row(mine, 5)], set())
    assert decider.fold_links() == ["http://e.invalid/2"]


def test_sort_time_rules():
    # a date, else the updated date, else the feed's order, a millisecond apart
    assert sort_time(100.0, 200.0, 3, NOW) == 100.0
    assert sort_time(None, 200.0, 3, NOW) == 200.0
    assert sort_time(None, None, 3, NOW) == NOW - 3e-3
    assert sort_time(0.0, None, 0, NOW) == 0.0  # 1 January 1970 is a date
    # a date in the future is not pinned to the top
    assert sort_time(NOW + 400 * 86400, None, 0, NOW) == NOW
    assert sort_time(NOW + 60, None, 0, NOW) == NOW + 60  # (clock skew is let be)
    # undated and stored: it keeps its place; dated: the date wins
    assert sort_time(None, None, 5, NOW, stored=12.5) == 12.5
    assert sort_time(100.0, None, 5, NOW, stored=12.5) == 100.0


def test_an_undated_edit_keeps_its_place():
    e = entry(guid="1")
    intents = decide([entry(guid="1", content="edited")], [stored_row(e, 9, sort=123.0)])
    assert [(aid, v.sort_time) for aid, v in intents.edits] == [(9, 123.0)]


def test_one_text_as_summary_and_content_is_kept_once():
    both = entry(guid="1", content="<p>x</p>", summary="<p>x</p>")
    apart = entry(guid="2", content="<p>whole</p>", summary="teaser")
    (_, v1), (_, v2) = decide([both, apart]).inserts
    assert (v1.summary, v1.content) == ("", "<p>x</p>")
    assert (v2.summary, v2.content) == ("teaser", "<p>whole</p>")


def test_categories_once_each_and_no_empty_ones():
    ((_, values),) = decide([entry(guid="1", cats=["Science", "", "news", "Science"])]).inserts
    assert values.categories.split(TAG_SEP) == ["Science", "news"]


def test_categories_are_joined_as_storage_splits_them():
    from reader.core.storage.db import TAG_SEP as STORED_SEP

    assert TAG_SEP == STORED_SEP


def test_undated_articles_show_no_time_and_sort_by_first_seen(tmp_path):
    """Undated articles (17 portfolio pages of one real feed) showed the time they were
    first seen as if it were their date; one stored with a placeholder date of year 1
    (before dates.py refused it) showed as "1-01-01 00:00". Both show no time now; the
    undated one sorts by when it was first seen, as documented."""
    import time as _time

    from reader.core.config import Config
    from reader.core.library import Library

    lib = Library(tmp_path / "r.db", Config())
    try:
        feed_id = lib.store.add_feed("http://127.0.0.1:9/portfolio.rss", title="Портфоліо")
        dated_at = datetime.now(UTC) - timedelta(days=3)
        entries = [
            ParsedEntry(guid="a", link="https://e.org/a", title="Робота без дати", author="",
                        published=None, updated=None, summary="", content="<p>x</p>",
                        categories=[]),
            ParsedEntry(guid="b", link="https://e.org/b", title="Рік один", author="",
                        published=datetime(1, 1, 1, tzinfo=UTC), updated=None, summary="",
                        content="<p>y</p>", categories=[]),
            ParsedEntry(guid="c", link="https://e.org/c", title="Dated", author="",
                        published=dated_at, updated=None, summary="", content="<p>z</p>",
                        categories=[]),
        ]
        now = _time.time()
        lib.store.write(lambda c: lib.store.merge_entries(
            c, feed_id, entries, [e.title for e in entries], now))
        ids = lib.article_ids()
        heads = {h.title: h for h in lib.headlines(ids)}
        assert heads["Робота без дати"].published is None
        assert heads["Рік один"].published is None
        assert abs(heads["Dated"].published.timestamp() - dated_at.timestamp()) < 1
        assert lib.article(heads["Робота без дати"].id).published is None
        assert lib.article(heads["Рік один"].id).published is None
        # sorted by when it was first seen (now): above the article dated three days ago
        order = [h.title for h in lib.headlines(ids)]
        assert order.index("Робота без дати") < order.index("Dated")
    finally:
        lib.close()
