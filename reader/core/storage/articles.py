"""Article rows: reading them (ids in list order, headlines, whole articles), their
read and star flags, counts, and retention."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence

from ..errors import ArticleNotFound
from ..ingest.dates import plausible_ts
from ..models import Article, Enclosure, Headline
from ..tags import fold
from .db import Database, split_tags, to_dt, wrap_error
from .sync import enqueue_flags


# A synced article that the server still holds unread or published (starred ones are
# never deleted), or one with a change queued for the server, is the server's to let go:
# deleted here it would be fetched again as missing, and its queued change would be lost.
# Published (tt-rss) is a mark the user chose, like a star: kept even once the server
# has lost the article and it became local (storage/sync.py unlink_gone).
_SYNC_KEEPS = ("(shared = 1 OR remote_id IS NOT NULL AND (read = 0 OR remote_id IN"
               " (SELECT target FROM sync_queue WHERE kind IN ('read', 'starred', 'shared'))))")


class ArticleRows(Database):
    """Articles as the views read and flag them (part of Store)."""

    # -- articles: reading --------------------------------------------------------------------

    def article_ids(self, where: str = "1", params: Sequence = (), limit: int | None = None,
                    *, within: int | None = None) -> list[int]:
        """Ids in list order. With a limit (a screenful, what the TUI reads beside its
        drawing) they come back as one row of JSON (see headlines); without one, as rows.
        (The aggregate takes the rows in the subquery's order, which its LIMIT keeps from
        being flattened away; tests/core/test_search_plan.py checks that.) `within`: only
        among the newest `within` articles (the walk down the list index stops there)."""
        if within is not None:
            edge = self.execute(
                "SELECT sort_time, id FROM articles ORDER BY sort_time DESC, id DESC"
                " LIMIT 1 OFFSET ?", (max(0, within - 1),)).fetchone()
            if edge is not None:
                where, params = f"(a.sort_time, a.id) >= (?, ?) AND ({where})", [*edge, *params]
        sql = f"SELECT a.id FROM articles a WHERE {where} ORDER BY a.sort_time DESC, a.id DESC"
        if limit is None:
            return [r[0] for r in self.execute(sql, params)]
        return self._json_rows(f"SELECT json_group_array(id) FROM ({sql} LIMIT {int(limit)})",
                               params)

    def count(self, where: str = "1", params: Sequence = ()) -> int:
        return self.execute(f"SELECT count(*) FROM articles a WHERE {where}", params).fetchone()[0]

    def article_id_batches(self, where: str = "1", params: Sequence = (),
                           size: int = 10_000) -> Iterator[list[int]]:
        """article_ids() a batch at a time, from one statement (one snapshot of the data)."""
        cur = self.execute(
            f"SELECT a.id FROM articles a WHERE {where} ORDER BY a.sort_time DESC, a.id DESC",
            params,
        )
        try:
            while rows := cur.fetchmany(size):
                yield [r[0] for r in rows]
        except sqlite3.Error as exc:
            raise wrap_error(exc, self.path) from exc
        finally:
            cur.close()

    # What the TUI reads while drawing or next to its drawing thread. Each row of a result
    # is a step of SQLite of its own, and Python gives up the GIL for each step: when
    # another thread of the process is busy, getting it back waits up to 5 ms a row
    # (200 ids took 1.5 s beside a busy thread). These read their rows as one row of JSON.

    def headlines(self, ids: Sequence[int]) -> list[Headline]:
        """Light rows for the given ids, in the given order: three reads of one row each
        (see above), and only the feeds of these rows (reading every feed and tag each
        time cost ~10 ms with 1,000 feeds)."""
        if not ids:
            return []
        marks = ",".join("?" * len(ids))
        rows = {
            r[0]: r
            for r in self._json_rows(
                # the time as text: JSON keeps 15 digits, and it takes printf's ! for 17
                "SELECT json_group_array(json_array(id, feed_id, title, printf('%!.17g', sort_time),"
                f" read, starred, categories, published, updated)) FROM articles WHERE id IN ({marks})",
                list(ids),
            )
        }
        feed_ids = sorted({r[1] for r in rows.values()})
        fmarks = ",".join("?" * len(feed_ids))
        titles = {
            fid: title or url
            for fid, title, url in self._json_rows(
                "SELECT json_group_array(json_array(id, coalesce(user_title, title), url))"
                f" FROM feeds WHERE id IN ({fmarks})",
                feed_ids,
            )
        }
        tags: dict[int, list[str]] = {}
        for fid, tag in self._json_rows(
            "SELECT json_group_array(json_array(feed_id, tag)) FROM (SELECT feed_id, tag"
            f" FROM feed_tags WHERE feed_id IN ({fmarks}) ORDER BY feed_id, lower(tag))",
            feed_ids,
        ):
            tags.setdefault(fid, []).append(tag)
        out = []
        for i in ids:
            r = rows.get(i)
            if r is None:
                continue
            feed_tags = tags.get(r[1], [])
            folded = {fold(t) for t in feed_tags}
            cats = [c for c in split_tags(r[6]) if fold(c) not in folded]
            # An undated article sorts by when it was first seen, and shows no time.
            dated = plausible_ts(r[7]) is not None or plausible_ts(r[8]) is not None
            out.append(Headline(
                id=r[0], feed_id=r[1], feed_title=titles.get(r[1], ""), title=r[2],
                published=to_dt(float(r[3])) if dated else None, read=bool(r[4]),
                starred=bool(r[5]),
                tags=feed_tags + cats,
            ))
        return out

    def article(self, article_id: int) -> Article:
        r = self.execute(
            "SELECT a.id, a.feed_id, coalesce(f.user_title, nullif(f.title, ''), f.url), a.guid, a.link, a.title,"
            " a.author, a.published, a.updated, a.summary, a.content, a.categories, a.read,"
            " a.starred, a.first_seen, a.sort_time, a.shared"
            " FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        if r is None:
            raise ArticleNotFound(f"no article with id {article_id}")
        feed_tags = [t for (t,) in self.execute("SELECT tag FROM feed_tags WHERE feed_id = ? ORDER BY lower(tag)", (r[1],))]
        return Article(
            id=r[0], feed_id=r[1], feed_title=r[2], guid=r[3], link=r[4], title=r[5], author=r[6],
            published=to_dt(plausible_ts(r[7])) or to_dt(plausible_ts(r[8])),
            updated=to_dt(plausible_ts(r[8])), summary=r[9], content=r[10],
            categories=split_tags(r[11]), feed_tags=feed_tags, read=bool(r[12]), starred=bool(r[13]),
            first_seen=to_dt(r[14]), shared=bool(r[16]),
            enclosures=[Enclosure(url, kind, length) for url, kind, length in self.execute(
                "SELECT url, type, length FROM enclosures WHERE article_id = ? ORDER BY url",
                (article_id,))],
        )

    def articles(self, ids: Sequence[int]) -> list[Article]:
        return [self.article(i) for i in ids]

    def existing_ids(self, ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {r[0] for r in self.execute(f"SELECT id FROM articles WHERE id IN ({marks})", list(ids))}

    def set_flag(self, ids: Sequence[int], flag: str, value: bool) -> int:
        """read, starred or shared (tt-rss's published mark: synced articles only,
        as only the server gives it a meaning)."""
        assert flag in ("read", "starred", "shared")
        ids = list(ids)
        only = " AND remote_id IS NOT NULL" if flag == "shared" else ""

        def op(conn: sqlite3.Connection) -> int:
            n = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                # (synced articles: the change is queued for the server, same transaction)
                enqueue_flags(conn, flag, value, f"a.id IN ({marks}) AND a.{flag} != ?",
                              (*chunk, int(value)))
                n += conn.execute(
                    f"UPDATE articles SET {flag} = ? WHERE id IN ({marks}) AND {flag} != ?{only}",
                    (int(value), *chunk, int(value)),
                ).rowcount
            return n

        return self.write(op)

    def mark_read_where(self, where: str, params: Sequence = ()) -> list[int]:
        """Mark every unread article matching the filter read; return their ids (for undo).
        They are also kept in last_mark_all_read, for undo_mark_all_read in any process."""

        def op(conn: sqlite3.Connection) -> list[int]:
            ids = [r[0] for r in conn.execute(
                f"SELECT a.id FROM articles a WHERE ({where}) AND a.read = 0", params)]
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                enqueue_flags(conn, "read", True, f"a.id IN ({marks})", chunk)
                conn.execute(f"UPDATE articles SET read = 1 WHERE id IN ({marks})", chunk)
            if ids:  # (marking nothing leaves the last one to undo)
                conn.execute("DELETE FROM last_mark_all_read")
                conn.executemany("INSERT INTO last_mark_all_read (article_id) VALUES (?)",
                                 [(i,) for i in ids])
            return ids

        return self.write(op)

    def undo_mark_all_read(self) -> int | None:
        """Mark unread again what the last mark_read_where marked read, once; returns how
        many were still read (and are now unread), None when there is nothing to undo."""

        def op(conn: sqlite3.Connection) -> int | None:
            if conn.execute("SELECT 1 FROM last_mark_all_read LIMIT 1").fetchone() is None:
                return None
            enqueue_flags(conn, "read", False, "a.read = 1 AND a.id IN"
                          " (SELECT article_id FROM last_mark_all_read)")
            n = conn.execute(
                "UPDATE articles SET read = 0 WHERE read = 1"
                " AND id IN (SELECT article_id FROM last_mark_all_read)").rowcount
            conn.execute("DELETE FROM last_mark_all_read")
            return n

        return self.write(op)

    # -- counts and retention ----------------------------------------------------------------

    def tag_unread_counts(self) -> dict[str, int]:
        """{tag as tags.fold gives it: its unread articles} for every name a +TAG selects
        (feed tags and articles' own categories), counted as the tag's view selects them:
        the unread articles of feeds with the tag, and those whose own categories hold it
        in other feeds. Counted by feed and by (category as stored, feed), then folded
        here: one UNION of (name, article) pairs cost 3x as much (360 ms for 20,000 unread
        articles with 3 categories each; this takes ~100 ms, see Library.tag_unread_counts).
        (An article carrying two spellings of one category, "ВІЙНА" and "Війна", counts
        twice: the counts would have to visit each article's names to tell.)"""
        feed_tags: dict[int, set[str]] = {}
        for feed_id, folded in self._json_rows(
                "SELECT json_group_array(json_array(feed_id, folded)) FROM feed_tags", ()):
            feed_tags.setdefault(feed_id, set()).add(folded)
        counts: dict[str, int] = {}
        for feed_id, n in self._json_rows(
                "SELECT json_group_array(json_array(feed_id, n)) FROM (SELECT feed_id,"
                " count(*) AS n FROM articles WHERE read = 0 GROUP BY feed_id)", ()):
            for name in feed_tags.get(feed_id, ()):
                counts[name] = counts.get(name, 0) + n
        for tag, feed_id, n in self._json_rows(
                "SELECT json_group_array(json_array(tag, feed_id, n)) FROM (SELECT t.tag AS tag,"
                " a.feed_id AS feed_id, count(*) AS n FROM articles a"
                " CROSS JOIN article_tags t ON t.article_id = a.id WHERE a.read = 0"
                " GROUP BY t.tag, a.feed_id)", ()):
            name = fold(tag)
            if name not in feed_tags.get(feed_id, ()):  # (else counted with its feed)
                counts[name] = counts.get(name, 0) + n
        return counts

    def category_names(self) -> list[str]:
        """Articles' own categories, one spelling of each name (tags.fold), in folded
        order. A walk from one name to the next down the folded index: one step a name,
        not one a row (300 names among 300,000 rows in a few ms)."""
        return self._json_rows(
            "WITH RECURSIVE names(f) AS ("
            " SELECT min(folded) FROM article_tags"
            " UNION ALL SELECT (SELECT min(folded) FROM article_tags WHERE folded > names.f)"
            " FROM names WHERE names.f IS NOT NULL)"
            " SELECT json_group_array((SELECT tag FROM article_tags WHERE folded = names.f"
            " LIMIT 1)) FROM names WHERE f IS NOT NULL", ())

    def known_tags(self, folded: Sequence[str]) -> set[str]:
        """Which of these folded names (tags.fold) some feed tag or article category has."""
        if not folded:
            return set()
        marks = ",".join("?" * len(folded))
        return {r[0] for r in self.execute(
            f"SELECT folded FROM feed_tags WHERE folded IN ({marks}) UNION"
            f" SELECT folded FROM article_tags WHERE folded IN ({marks})",
            [*folded, *folded])}

    def totals(self) -> dict[str, int]:
        row = self.execute(
            "SELECT count(*), coalesce(sum(read = 0), 0), coalesce(sum(starred), 0) FROM articles"
        ).fetchone()
        return {"total": row[0], "unread": row[1], "starred": row[2]}

    def apply_retention(self, max_per_feed: int = 0, max_age_days: float = 0) -> int:
        """Delete old articles (never starred ones), leaving tombstones. Returns how many.
        A feed's own keep (feed-set keep=N) wins over `max_per_feed`; keep=all (0)
        exempts the feed from both limits. Synced articles the server holds unread or
        published, or with a change queued for it, stay (_SYNC_KEEPS)."""
        if not max_per_feed and not max_age_days and not self.execute(
                "SELECT 1 FROM feeds WHERE keep > 0 LIMIT 1").fetchone():
            return 0  # (no write lock taken when nothing can be deleted)

        def op(conn: sqlite3.Connection) -> int:
            doomed: list[tuple[int, int, str]] = []
            if max_age_days:
                cutoff = time.time() - max_age_days * 86400
                doomed += conn.execute(
                    "SELECT id, feed_id, key FROM articles WHERE starred = 0 AND sort_time < ?"
                    f" AND feed_id NOT IN (SELECT id FROM feeds WHERE keep = 0) AND NOT {_SYNC_KEEPS}",
                    (cutoff,),
                ).fetchall()
            doomed += conn.execute(
                "SELECT id, feed_id, key FROM (SELECT a.id, a.feed_id, a.key, a.starred,"
                " a.read, a.shared, a.remote_id,"
                " row_number() OVER (PARTITION BY a.feed_id ORDER BY a.sort_time DESC, a.id DESC)"
                " AS n, coalesce(f.keep, ?) AS most FROM articles a JOIN feeds f ON f.id = a.feed_id"
                f" WHERE coalesce(f.keep, ?) > 0) WHERE n > most AND starred = 0 AND NOT {_SYNC_KEEPS}",
                (max_per_feed, max_per_feed),
            ).fetchall()
            unique = {d[0]: d for d in doomed}
            conn.executemany(
                "INSERT OR IGNORE INTO deleted_articles (feed_id, key) VALUES (?, ?)",
                [(f, k) for _, f, k in unique.values()],
            )
            conn.executemany("DELETE FROM articles WHERE id = ?", [(i,) for i in unique])
            return len(unique)

        return self.write(op)

