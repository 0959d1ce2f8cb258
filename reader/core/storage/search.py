"""Filters as SQL, and the full-text search planner: the one place a filter tree
(core/filters.py) becomes a WHERE condition on `articles a`.

User text only ever travels as a parameter, and full-text words are quoted before they
reach FTS5's MATCH. The planner picks how a search's matches are read in list order
(index lookups, a walk down the list-order index, or probing article by article); every
way gives the same rows in the same order (tests/core/test_search_plan.py).
"""

from __future__ import annotations

import re
import threading
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..errors import QueryError
from ..filters import DateRange, FeedId, FeedText, Filter, Since, State, Tag, Words
from ..tags import fold
from .indexer import Pending, pending_state, register
from .unindexed import words_json

if TYPE_CHECKING:
    from .store import Store

_FTS_IN = "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
# "+" keeps SQLite off the index lookups: the list-order index is walked instead.
_FTS_WALK = "+" + _FTS_IN
# The same test, asked of the index article by article: cheap while the walk down the list
# finds a match at almost every row (see _probe_ids).
_FTS_EXISTS = (
    "EXISTS (SELECT 1 FROM articles_fts f WHERE f.articles_fts MATCH ? AND f.rowid = a.id)"
)
_FTS_WALK_FROM = 2000  # matches from which article_ids(limit=) walks the index at most
_FTS_EXPAND = 8  # a prefix word is searched as the words it stands for when they are this few
_FTS_PROBE_TERMS = 3  # ... and probed article by article when all words make this few terms
_FTS_SAMPLE = (10, 7)  # probing goes on when this many of the newest rows have that many matches
_PLAIN_WORD = re.compile(r"[A-Za-z0-9]+")  # a word the index stores as it is, lower-cased
# Articles the index does not hold yet (storage/indexer.py) are matched one by one, by
# the text the indexer would give them; a queued article's entry in the index is its old
# text, so the index's answer for it is not taken.
_QUEUED = "a.id IN (SELECT article_id FROM index_queue)"
_UNINDEXED_MATCH = (
    "reader_words_match(?, a.title, CASE WHEN a.content != '' THEN a.content"
    " ELSE a.summary END, (SELECT f.text FROM full_articles f"
    " WHERE f.article_id = a.id AND f.status = 'ok'))"
)

# Unary "+" keeps SQLite from a MULTI-INDEX OR plan that sorts every match:
# scanning the list-order covering index stops after the first screenful. Tags match by
# tags.fold, through the indexes on the folded columns (NOCASE folds ASCII only).
_TAG = (
    "(+a.feed_id IN (SELECT feed_id FROM feed_tags WHERE folded = ?)"
    " OR +a.id IN (SELECT article_id FROM article_tags WHERE folded = ?))"
)
_STATES = {
    "unread": "a.read = 0",
    "read": "a.read = 1",
    "starred": "a.starred = 1",
    "unstarred": "a.starred = 0",
    "shared": "a.shared = 1",
    "unshared": "a.shared = 0",
}
# Feeds are few: folding each title as it is read (the SQL function fold) costs little.
_FEED_TEXT = (
    "a.feed_id IN (SELECT id FROM feeds WHERE"
    " instr(fold(coalesce(user_title, title)), ?) OR instr(fold(url), ?))"
)


# -- tree -> SQL ----------------------------------------------------------------------------


def fts_match(words: Words) -> str:
    """The MATCH expression for full-text words: each a quoted phrase, "*" for a prefix."""
    return " ".join(_phrase(w) + ("*" if prefix else "") for w, prefix in words.words)


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def where_sql(filter: Filter, pending: Pending | None = None) -> tuple[str, list]:
    """The filter as a condition on `articles a` and its parameters ("1" for no terms).
    `pending`: where the index stands (indexer.pending_state), when it may be behind:
    articles it lacks are matched by the fallback (needs the connection's functions:
    indexer.register)."""
    return _where(filter, _FTS_IN, None, pending)


def _where(filter: Filter, fts_sql: str, match: str | None,
           pending: Pending | None = None) -> tuple[str, list]:
    """where_sql, with the full-text term written as `fts_sql` (its one "?" given `match`,
    or the words' own fts_match when None)."""
    conds: list[str] = []
    params: list = []
    for term in filter.terms:
        match term:
            case Tag(name, negated):
                conds.append(f"NOT {_TAG}" if negated else _TAG)
                params += [fold(name)] * 2
            case State(name):
                conds.append(_STATES[name])
            case FeedText(text):
                conds.append(_FEED_TEXT)
                params += [fold(text)] * 2
            case FeedId(feed_id):
                conds.append("a.feed_id = ?")
                params.append(feed_id)
            case Since(since):
                conds.append("a.sort_time >= ?")
                params.append(since)
            case DateRange(start, end):
                conds.append(_date_range(start, end, params))
            case Words():
                params.append(fts_match(term) if match is None else match)
                if pending is None or not pending.behind:
                    conds.append(fts_sql)
                    continue
                lacking = f"a.id > ? OR {_QUEUED}" if pending.queued else "a.id > ?"
                indexed = f"{fts_sql} AND NOT {_QUEUED}" if pending.queued else fts_sql
                conds.append(f"(({indexed}) OR (({lacking}) AND {_UNINDEXED_MATCH}))")
                params += [pending.watermark, words_json(term)]
            case _:
                raise TypeError(f"not a filter term: {term!r}")
    return (" AND ".join(conds), params) if conds else ("1", [])


def _date_range(start: float | None, end: float | None, params: list) -> str:
    conds = []
    if start is not None:
        params.append(start)
        conds.append("a.sort_time >= ?")
    if end is not None:
        params.append(end)
        conds.append("a.sort_time < ?")
    return "(" + " AND ".join(conds) + ")" if conds else "1"


# -- reading a filter's articles ------------------------------------------------------------


def _pending(store: Store, filter: Filter) -> Pending | None:
    """Where the index stands, for a filter with full-text words (call inside snapshot);
    the fallback's function registered on this thread's connection when it is behind."""
    if filter.words is None or not filter.words.words:
        return None
    state = pending_state(store)
    if state.behind:
        register(store.conn)
    return state


def article_ids(store: Store, filter: Filter, limit: int | None = None) -> list[int]:
    if limit is None:
        with snapshot(store, filter):
            return store.article_ids(*where_sql(filter, _pending(store, filter)))
    with snapshot(store, filter):
        plan = search_plan(store, filter, expand=True)
        ids = _probe_ids(store, plan, limit) if plan.probe else None
        return store.article_ids(*plan.sql(), limit) if ids is None else ids


def first_article_ids(store: Store, filter: Filter, limit: int,
                      first: int) -> Iterator[list[int]]:
    """article_ids(filter, limit), in one step or two: the first `first` ids before all
    `limit` when that is cheaper (a word in most articles, probed article by article:
    60 rows in ~5 ms where all its matches take ~35 ms on 100k articles)."""
    with snapshot(store, filter):
        plan = search_plan(store, filter, expand=True)
        if plan.probe and first < limit:
            ids = _probe_ids(store, plan, first)
            if ids is not None:
                yield ids
                more = _probe_ids(store, plan, limit)
                if more is None:
                    more = store.article_ids(*plan.sql(), limit)
                yield more
                return
        ids = _probe_ids(store, plan, limit) if plan.probe else None
        yield store.article_ids(*plan.sql(), limit) if ids is None else ids


def count(store: Store, filter: Filter) -> int:
    with snapshot(store, filter):
        return store.count(*where_sql(filter, _pending(store, filter)))


def count_view(store: Store, filter: Filter) -> int:
    """count(), with a shortcut for a plain search: the index counts its own matches
    (15 ms for a word in most of 100k articles; visiting each article took 300 ms)."""
    words = filter.words
    if words is not None and words.words and filter.terms == (words,):
        with snapshot(store, filter):
            if _pending(store, filter).behind:  # (the index alone would miss some)
                return count(store, filter)
            match = _exact_match(store, words)
            return store.execute(
                "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                (fts_match(words) if match is None else match[0],),
            ).fetchone()[0]
    return count(store, filter)


def article_id_batches(store: Store, filter: Filter, size: int = 10_000) -> Iterator[list[int]]:
    """Every id of a view in list order, `size` at a time: the TUI packs a long view
    into an array as they come instead of holding a list of a million Python ints.
    A word in many articles walks the list-order index, as article_ids(limit=) does
    (3x faster than SQLite's own plan for a word in most of 100k articles)."""
    with snapshot(store, filter):
        plan = search_plan(store, filter, expand=False)
    return _memory_as_error(store.article_id_batches(*plan.sql(), size), filter)


def _memory_as_error(batches: Iterator[list[int]], filter: Filter) -> Iterator[list[int]]:
    """The batches, with SQLite out of memory under its cap a QueryError (see snapshot)."""
    try:
        yield from batches
    except MemoryError as exc:
        raise QueryError(too_broad(filter)) from exc


def mark_read(store: Store, filter: Filter) -> list[int]:
    """Mark every unread article of the filter's view read; returns the ids changed."""
    with snapshot(store):
        pending = _pending(store, filter)
    return store.mark_read_where(*where_sql(filter, pending))


# -- the search planner ---------------------------------------------------------------------


@dataclass(frozen=True)
class Plan:
    """How a filter's matches are read: its full-text term as `match` (the words' own
    expression, or the prefix words spelled out), by index lookups or by walking the
    list-order index (`walk`), and whether they may be probed article by article."""

    filter: Filter
    match: str | None = None  # None: as where_sql writes it
    walk: bool = False
    probe: bool = False  # the matches may be probed article by article (_probe_ids)
    pending: Pending | None = None  # the index is behind: where (see where_sql)

    def sql(self, fts_sql: str | None = None) -> tuple[str, list]:
        return _where(self.filter, fts_sql or (_FTS_WALK if self.walk else _FTS_IN), self.match,
                      self.pending)


def search_plan(store: Store, filter: Filter, expand: bool) -> Plan:
    """How to read a search's matches in list order. SQLite's own plan looks up every
    match and sorts them all (250 ms for a word in most of 100k articles); when there
    are many, walking the list-order index ("+" keeps SQLite off the index lookups) is
    ~10x cheaper to the first screenful. For a rare word the lookups are cheaper (a
    long walk would not be). `expand`: search a prefix word as the few words it
    stands for (_exact_match), when there are few: FTS5 (without a prefix index)
    gathers every match of a prefix before it gives the first, the words' own lists
    it reads as it goes. (Call inside snapshot.)"""
    words = filter.words
    if words is None or not words.words:
        return Plan(filter)
    pending = _pending(store, filter)
    if pending.behind:
        # The index's counts would leave out what it lacks: SQLite's own plan.
        return Plan(filter, pending=pending)
    exact = _exact_match(store, words) if expand else None
    match, terms = exact if exact is not None else (fts_match(words), 0)
    probe = ("SELECT count(*) FROM (SELECT rowid FROM articles_fts"
             " WHERE articles_fts MATCH ? LIMIT ?)")
    # The walk costs rows / density, the lookups one a match: they meet at about
    # 3 sqrt(articles) matches (~1,000 on 100k articles: 6 ms either way).
    last = store.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
    walk_from = min(_FTS_WALK_FROM, max(100, int(3.2 * last ** 0.5)))
    # Each word as a whole word first: it matches no more than the prefix does, and it
    # is read as it goes (a prefix is gathered whole, 6-8 ms for a common word).
    bound = " ".join(_phrase(w) for w, _ in words.words)

    def many(match: str) -> bool:
        return store.execute(probe, (match, walk_from)).fetchone()[0] >= walk_from

    if not (many(bound) or (bound != match and many(match))):
        return Plan(filter, match)
    return Plan(filter, match, walk=True,
                probe=exact is not None and terms <= _FTS_PROBE_TERMS)


def _exact_match(store: Store, words: Words) -> tuple[str, int] | None:
    """The words' match with each prefix word replaced by the words of the index that
    start with it, and how many terms that makes, when every prefix word stands for at
    most _FTS_EXPAND words; else None. Words are looked up in the index's vocabulary, a
    few lookups of ~0.05 ms. (Call inside snapshot, so that the words and the rows
    read with them come from the same state of the index.)"""
    if not words.words:
        return None
    parts, terms = [], 0
    for word, prefix in words.words:
        if not prefix:
            parts.append(_phrase(word))
            terms += len(word.split())
            continue
        if not _PLAIN_WORD.fullmatch(word):
            return None  # the tokenizer's folding and splitting: leave it to FTS5
        _vocabulary(store)
        stem, found, after = word.lower(), [], word.lower()
        while len(found) <= _FTS_EXPAND:
            row = store.execute(
                "SELECT term FROM temp.articles_vocab WHERE term >= ? LIMIT 1", (after,)
            ).fetchone()
            if row is None or not row[0].startswith(stem):
                break
            found.append(row[0])
            after = row[0] + "\x00"  # the next word in the index's order
        if len(found) > _FTS_EXPAND:
            return None
        if not found:
            return None  # the word is in no article: nothing to expand
        parts.append("(" + " OR ".join(f'"{t}"' for t in found) + ")")
        terms += len(found)
    return " AND ".join(parts), terms  # (FTS5 ANDs phrases by itself, not groups)


# Per store, per thread: the connection whose temporary schema has the vocabulary table.
_VOCAB_MADE: weakref.WeakKeyDictionary[Store, threading.local] = weakref.WeakKeyDictionary()


def _vocabulary(store: Store) -> None:
    """The index's words, for _exact_match: a table of this connection's temporary
    schema (nothing is written to the database)."""
    conn = store.conn
    made = _VOCAB_MADE.get(store) or _VOCAB_MADE.setdefault(store, threading.local())
    if getattr(made, "conn", None) is not conn:
        store.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.articles_vocab"
                      " USING fts5vocab(main, 'articles_fts', 'instance')")
        made.conn = conn


def _probe_ids(store: Store, plan: Plan, limit: int) -> list[int] | None:
    """The first `limit` matches, walking the list and probing the index article by
    article (~0.08 ms an article and term), when the newest rows say that a match is
    found at almost every step; None when they are sparser than that."""
    where, params = plan.sql(_FTS_EXISTS)
    newest, wanted = _FTS_SAMPLE
    if len(store.article_ids(where, params, wanted, within=newest)) < wanted:
        return None
    ids = store.article_ids(where, params, limit, within=2 * limit)
    return ids if len(ids) == limit else None  # (sparser further down: the walk plan)


@contextmanager
def snapshot(store: Store, filter: Filter | None = None) -> Iterator[None]:
    """One read transaction, unless one is open already. SQLite out of memory under the
    process's hard cap (Database.limit_memory: the TUI's) is a QueryError naming what
    made the search too broad for it; SQLite has ended the transaction itself then."""
    if store.conn.in_transaction:
        yield
        return
    _vocabulary(store)  # (made outside the transaction)
    store.execute("BEGIN")
    try:
        yield
    except MemoryError as exc:
        raise QueryError(too_broad(filter)) from exc
    finally:
        if store.conn.in_transaction:
            store.execute("COMMIT")


def too_broad(filter: Filter | None) -> str:
    """One line for a search SQLite could not read within the memory the process allows:
    nearly always a bare word of a letter or two, a prefix of thousands of words."""
    words = filter.words.words if filter is not None and filter.words is not None else ()
    short = [w for w, prefix in words if prefix and len(w) <= 3]
    if not short:
        return "this search needs more memory than the reader allows: narrow it"
    word = short[0]
    return (f"“{word}” as a search word stands for every word that starts with it, more than"
            f" the reader can gather in the memory it allows: type more of it, or quote it"
            f" (\"{word}\") to find that word alone")
