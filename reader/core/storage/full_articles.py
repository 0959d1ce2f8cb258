"""Full articles: each article's page, extracted, cached in the table full_articles.

A page is fetched once and kept (offline after; deleted with its article). A failure
is remembered with its count of tries and the time before which it is not tried
again (the caller's backoff decides it), so nothing refetches a broken page in a loop.
A page's ETag and Last-Modified are kept with it: fetched again, it is asked for
conditionally, and a 304 only moves its fetched time (save_not_modified).

The search index: an article's indexed text (article_text, written by indexer.py) is
the feed's own text, then FULL_SEP, then the extracted page's text (FULL_SEP is a
control character, which sanitized text never holds). A page saved queues its article
to be indexed again; so does a refresh that edits it, and the indexer takes the page's
text from here again, so the page stays findable.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Sequence
from datetime import datetime

from ..models import FullArticle
from .db import to_dt, to_ts

FULL_SEP = "\x1e"  # between the feed's text and the page's in the indexed text
_COLUMNS = ("article_id, url, status, fetched, text, html, error, tries, next_try,"
            " etag, last_modified")


def _full(row: tuple) -> FullArticle:
    aid, url, status, fetched, text, html, error, _tries, next_try, etag, modified = row
    return FullArticle(article_id=aid, status=status, url=url, html=html, text=text,
                       error=error, fetched=to_dt(fetched), next_try=to_dt(next_try),
                       etag=etag, last_modified=modified)


def get(store, article_id: int) -> FullArticle | None:
    """The cached row of an article, or None when its page was never fetched."""
    row = store.execute(f"SELECT {_COLUMNS} FROM full_articles WHERE article_id = ?",
                        (article_id,)).fetchone()
    return _full(row) if row else None


def save_ok(store, article_id: int, url: str, html: str, text: str, now: datetime,
            etag: str | None = None, last_modified: str | None = None) -> FullArticle | None:
    """Store an extracted page (with the validators it came with) and put its text
    into the search index, in one transaction. None when the article is gone meanwhile
    (nothing is written)."""

    def op(conn: sqlite3.Connection) -> FullArticle | None:
        if not conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
            return None
        conn.execute(
            f"INSERT OR REPLACE INTO full_articles ({_COLUMNS})"
            " VALUES (?,?,'ok',?,?,?,NULL,0,NULL,?,?)",
            (article_id, url, to_ts(now), text, html, etag, last_modified))
        # (indexed again, with the page's text, by indexer.py)
        conn.execute("INSERT OR IGNORE INTO index_queue (article_id) VALUES (?)",
                      (article_id,))
        return FullArticle(article_id, "ok", url=url, html=html, text=text, fetched=now,
                           etag=etag, last_modified=last_modified)

    return store.write_aside(op)  # (a page: no headline changes)


def save_not_modified(store, article_id: int, now: datetime, etag: str | None,
                      last_modified: str | None,
                      next_try: Callable[[int], datetime]) -> FullArticle | None:
    """The server answered 304 to a conditional refetch: the cached copy stays, its
    fetched time (and any new validators) change. A page that had no article text
    ("empty") still has none: it counts as one more try and waits `next_try(tries)`.
    None when there is no cached copy to keep (the article or its row is gone)."""

    def op(conn: sqlite3.Connection) -> FullArticle | None:
        row = conn.execute(f"SELECT {_COLUMNS} FROM full_articles WHERE article_id = ?",
                           (article_id,)).fetchone()
        if row is None or row[2] not in ("ok", "empty"):
            return None
        tries, when = (0, None) if row[2] == "ok" else (row[7] + 1, next_try(row[7] + 1))
        conn.execute(
            "UPDATE full_articles SET fetched = ?, tries = ?, next_try = ?,"
            " etag = coalesce(?, etag), last_modified = coalesce(?, last_modified)"
            " WHERE article_id = ?",
            (to_ts(now), tries, to_ts(when) if when else None, etag, last_modified, article_id))
        return _full(conn.execute(f"SELECT {_COLUMNS} FROM full_articles WHERE article_id = ?",
                                  (article_id,)).fetchone())

    return store.write_aside(op)  # (a page: no headline changes)


def save_failure(store, article_id: int, url: str, status: str, error: str, now: datetime,
                 next_try: Callable[[int], datetime], etag: str | None = None,
                 last_modified: str | None = None) -> FullArticle | None:
    """Remember a failed fetch ("error") or an empty extraction ("empty", with the
    page's validators: the same page has no text either, so a retry asks conditionally):
    `next_try(tries)` says when to try again after this many failures in a row. A page
    already extracted stays as it was (a failed refetch loses nothing); then, and when
    the article is gone, the stored row (or None) comes back instead."""

    def op(conn: sqlite3.Connection) -> FullArticle | None:
        if not conn.execute("SELECT 1 FROM articles WHERE id = ?", (article_id,)).fetchone():
            return None
        row = conn.execute(f"SELECT {_COLUMNS} FROM full_articles WHERE article_id = ?",
                           (article_id,)).fetchone()
        if row is not None and row[2] == "ok":
            return _full(row)
        count = (row[7] if row else 0) + 1
        when = next_try(count)
        conn.execute(
            f"INSERT OR REPLACE INTO full_articles ({_COLUMNS}) VALUES (?,?,?,?,'','',?,?,?,?,?)",
            (article_id, url, status, to_ts(now), error, count, to_ts(when), etag, last_modified))
        return FullArticle(article_id, status, url=url, error=error, fetched=now, next_try=when,
                           etag=etag, last_modified=last_modified)

    return store.write_aside(op)  # (a page: no headline changes)


def feed_modes(store, feed_id: int | None = None) -> dict[int, str | None]:
    """Each feed's own full_text setting ("always", "auto", "never", or None); of
    `feed_id` only, when given."""
    if feed_id is not None:
        return dict(store.execute("SELECT id, full_text FROM feeds WHERE NOT gone AND id = ?",
                                  (feed_id,)))
    return dict(store.execute("SELECT id, full_text FROM feeds WHERE NOT gone"))


def feed_text_lengths(store, feed_id: int, last: int) -> list[int]:
    """The length of the feed's own text of its newest `last` articles. The search
    index's content table has that text already (before a page's, after char(30)):
    only articles not indexed yet are turned from HTML into text here (the corpus's 200
    feeds: 1.2-1.6 s before, 0.17 s so)."""
    from ..ingest.text import html_to_text

    rows = store.execute(
        "SELECT length(CASE WHEN instr(t.text, char(30)) THEN"
        "  substr(t.text, 1, instr(t.text, char(30)) - 1) ELSE t.text END),"
        " CASE WHEN t.id IS NULL THEN"
        "  CASE WHEN a.content != '' THEN a.content ELSE a.summary END END"
        " FROM (SELECT id, content, summary FROM articles WHERE feed_id = ?"
        "       ORDER BY sort_time DESC, id DESC LIMIT ?) a"
        " LEFT JOIN article_text t ON t.id = a.id", (feed_id, last))
    return [n if n is not None else len(html_to_text(html)) for n, html in rows]


def to_fetch(store, feed_ids: Sequence[int], now: datetime,
             limit: int) -> list[tuple[int, str, int, str | None, str | None]]:
    """(article id, link, feed id, etag, last_modified) of the articles of `feed_ids`
    whose page is due: never fetched, or failed and past its next try; newest first."""
    if not feed_ids:
        return []
    marks = ",".join("?" * len(feed_ids))
    return [tuple(r) for r in store.execute(
        "SELECT a.id, a.link, a.feed_id, f.etag, f.last_modified FROM articles a"
        " LEFT JOIN full_articles f ON f.article_id = a.id"
        f" WHERE a.feed_id IN ({marks}) AND a.link != ''"
        " AND (f.article_id IS NULL OR (f.status != 'ok' AND coalesce(f.next_try, 0) <= ?))"
        " ORDER BY a.sort_time DESC, a.id DESC LIMIT ?",
        (*feed_ids, to_ts(now), int(limit)))]
