"""Article rows: reading them (ids in list order, headlines, whole articles), their
read and star flags, counts, and retention."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator, Sequence

from ..errors import ArticleNotFound
from ..models import Article, Headline
from .db import Database, split_tags, to_dt, wrap_error


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
                f" read, starred, categories)) FROM articles WHERE id IN ({marks})",
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
            lowered = {t.lower() for t in feed_tags}
            cats = [c for c in split_tags(r[6]) if c.lower() not in lowered]
            out.append(Headline(
                id=r[0], feed_id=r[1], feed_title=titles.get(r[1], ""), title=r[2],
                published=to_dt(float(r[3])), read=bool(r[4]), starred=bool(r[5]),
                tags=feed_tags + cats,
            ))
        return out

    def article(self, article_id: int) -> Article:
        r = self.execute(
            "SELECT a.id, a.feed_id, coalesce(f.user_title, nullif(f.title, ''), f.url), a.guid, a.link, a.title,"
            " a.author, a.published, a.updated, a.summary, a.content, a.categories, a.read,"
            " a.starred, a.first_seen, a.sort_time"
            " FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.id = ?",
            (article_id,),
        ).fetchone()
        if r is None:
            raise ArticleNotFound(f"no article with id {article_id}")
        feed_tags = [t for (t,) in self.execute("SELECT tag FROM feed_tags WHERE feed_id = ? ORDER BY lower(tag)", (r[1],))]
        return Article(
            id=r[0], feed_id=r[1], feed_title=r[2], guid=r[3], link=r[4], title=r[5], author=r[6],
            published=to_dt(r[7]) or to_dt(r[15]), updated=to_dt(r[8]), summary=r[9], content=r[10],
            categories=split_tags(r[11]), feed_tags=feed_tags, read=bool(r[12]), starred=bool(r[13]),
            first_seen=to_dt(r[14]),
        )

    def articles(self, ids: Sequence[int]) -> list[Article]:
        return [self.article(i) for i in ids]

    def existing_ids(self, ids: Sequence[int]) -> set[int]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        return {r[0] for r in self.execute(f"SELECT id FROM articles WHERE id IN ({marks})", list(ids))}

    def set_flag(self, ids: Sequence[int], flag: str, value: bool) -> int:
        assert flag in ("read", "starred")
        ids = list(ids)

        def op(conn: sqlite3.Connection) -> int:
            n = 0
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                n += conn.execute(
                    f"UPDATE articles SET {flag} = ? WHERE id IN ({marks}) AND {flag} != ?",
                    (int(value), *chunk, int(value)),
                ).rowcount
            return n

        return self.write(op)

    def mark_read_where(self, where: str, params: Sequence = ()) -> list[int]:
        """Mark every unread article matching the filter read; return their ids (for undo)."""

        def op(conn: sqlite3.Connection) -> list[int]:
            ids = [r[0] for r in conn.execute(
                f"SELECT a.id FROM articles a WHERE ({where}) AND a.read = 0", params)]
            for start in range(0, len(ids), 500):
                chunk = ids[start:start + 500]
                marks = ",".join("?" * len(chunk))
                conn.execute(f"UPDATE articles SET read = 1 WHERE id IN ({marks})", chunk)
            return ids

        return self.write(op)

    # -- counts and retention ----------------------------------------------------------------

    def tag_unread_counts(self) -> dict[str, int]:
        """{tag, lower case: its unread articles}, counted as the tag's view (+tag) selects
        them: the articles of feeds with the tag and those whose own categories hold it.
        Read from the unread articles: ~5 ms for 1,000 of them, ~100 ms for 8,000 (see
        Library.tag_unread_counts)."""
        rows = self.execute(
            "SELECT tag, count(*) FROM ("
            " SELECT lower(ft.tag) AS tag, a.id AS id FROM articles a"
            "  CROSS JOIN feed_tags ft ON ft.feed_id = a.feed_id WHERE a.read = 0"
            " UNION"
            " SELECT lower(t.tag), a.id FROM articles a"
            "  CROSS JOIN article_tags t ON t.article_id = a.id"
            "  WHERE a.read = 0 AND lower(t.tag) IN (SELECT lower(tag) FROM feed_tags)"
            ") GROUP BY tag"
        ).fetchall()
        return dict(rows)

    def totals(self) -> dict[str, int]:
        row = self.execute(
            "SELECT count(*), coalesce(sum(read = 0), 0), coalesce(sum(starred), 0) FROM articles"
        ).fetchone()
        return {"total": row[0], "unread": row[1], "starred": row[2]}

    def apply_retention(self, max_per_feed: int = 0, max_age_days: float = 0) -> int:
        """Delete old articles (never starred ones), leaving tombstones. Returns how many."""
        if not max_per_feed and not max_age_days:
            return 0

        def op(conn: sqlite3.Connection) -> int:
            doomed: list[tuple[int, int, str]] = []
            if max_age_days:
                cutoff = time.time() - max_age_days * 86400
                doomed += conn.execute(
                    "SELECT id, feed_id, key FROM articles WHERE starred = 0 AND sort_time < ?",
                    (cutoff,),
                ).fetchall()
            if max_per_feed:
                doomed += conn.execute(
                    "SELECT id, feed_id, key FROM (SELECT id, feed_id, key, starred, row_number()"
                    " OVER (PARTITION BY feed_id ORDER BY sort_time DESC, id DESC) AS n"
                    " FROM articles) WHERE n > ? AND starred = 0",
                    (max_per_feed,),
                ).fetchall()
            unique = {d[0]: d for d in doomed}
            conn.executemany(
                "INSERT OR IGNORE INTO deleted_articles (feed_id, key) VALUES (?, ?)",
                [(f, k) for _, f, k in unique.values()],
            )
            conn.executemany("DELETE FROM articles WHERE id = ?", [(i,) for i in unique])
            return len(unique)

        return self.write(op)

