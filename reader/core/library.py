"""Library: the one entry point to storage, fetching, filtering and OPML.

The CLI and the TUI call only this (and the data objects it returns).
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from .config import Config, default_db_path
from .errors import (
    AmbiguousFeed,
    FeedExists,
    FeedNotFound,
    FetchError,
    InvalidURL,
    NotAFeed,
)
from .models import Article, Feed, Headline, RefreshSummary
from .query import SQLITE_MAX_INT, Query, compile_query
from .sanitize import clean_line
from .storage.store import Store

if TYPE_CHECKING:
    from .refresh import ProgressFn
    from .ingest.content import RenderedArticle
    from .ingest.fetch import FetchSettings

# fetch (httpx, the parsers), content (BeautifulSoup) and opml are imported where they
# are used: the TUI shows its first headlines before any of them is needed.


_FTS_IN = "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"  # as query.py writes it
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
log = logging.getLogger(__name__)


@dataclass
class _Plan:
    """A search's condition and parameters as Library._search_plan reads them."""

    where: str
    params: list
    probe: bool = False  # the matches may be probed article by article (Library._probe_ids)


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # already subscribed: tags merged
    problems: list[str] = field(default_factory=list)  # the first 100, then a count
    skipped: int = 0  # all outlines skipped, however many problems are listed


def normalize_url(url: str) -> str:
    """Check a feed URL the user typed; a local path becomes a file:// URL."""
    url = clean_line(url)
    if not url:
        raise InvalidURL("malformed URL '': give an http://, https:// or file:// address")
    if "://" not in url:
        p = Path(url).expanduser()
        if p.exists():
            return p.resolve().as_uri()
        raise InvalidURL(
            f"malformed URL '{url}': give a full http://, https:// or file:// address"
        )
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError as exc:
        raise InvalidURL(f"malformed URL '{url}': {exc}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise InvalidURL(
            f"malformed URL '{url}': give a full http://, https:// or file:// address"
        )
    if scheme not in ("http", "https", "file"):
        raise InvalidURL(f"malformed URL '{url}': unsupported scheme '{parts.scheme}'")
    if scheme in ("http", "https") and " " in url:
        raise InvalidURL(f"malformed URL '{url}': spaces must be written %20")
    if scheme in ("http", "https") and not parts.hostname:
        raise InvalidURL(f"malformed URL '{url}': no host name")
    if scheme == "file" and not parts.path:
        raise InvalidURL(f"malformed URL '{url}': no file path")
    return _canonical(scheme, parts)


TAG_COUNT_MOST = 20_000  # unread articles up to which tags are counted as their views are
_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def _canonical(scheme: str, parts) -> str:
    """One spelling for the URLs that name the same feed, so that it is subscribed once:
    scheme and host in lower case, no default port, no "." or ".." segments, no
    fragment, no empty "?", file://localhost/ as file:///. The path and query are kept
    as they are otherwise (servers may tell case and escapes apart)."""
    userinfo, at, hostport = parts.netloc.rpartition("@")
    hostport = hostport.lower()
    if hostport.endswith(_DEFAULT_PORTS.get(scheme, "\0")):
        hostport = hostport[: -len(_DEFAULT_PORTS[scheme])]
    if scheme == "file" and hostport == "localhost":
        hostport = ""
    netloc = userinfo + at + hostport
    path = parts.path or ("/" if scheme != "file" else "")
    if "/." in path:  # (urljoin resolves dot segments as a browser does)
        path = urlsplit(urljoin(f"{scheme}://x/", path)).path
    return urlunsplit((scheme, netloc, path, parts.query, ""))


class Library:
    def __init__(self, db_path: str | Path | None = None, config: Config | None = None,
                 create: bool = True) -> None:
        """`create`: False for a caller that only reads: no database there is an error
        (StorageError) rather than a new empty one."""
        self.config = config or Config()
        self.store = Store(db_path if db_path is not None else default_db_path(), create=create)

    def close(self) -> None:
        self.store.close()

    @property
    def fetch_settings(self) -> FetchSettings:
        from .ingest.fetch import FetchSettings

        c = self.config
        return FetchSettings(
            concurrency=c.concurrency,
            per_host=c.per_host,
            connect_timeout=c.connect_timeout,
            timeout=c.timeout,
            max_bytes=int(c.max_body_mb * 1024 * 1024),
        )

    # -- feeds -------------------------------------------------------------------------------

    def feeds(self) -> list[Feed]:
        return self.store.feeds()

    def resolve_feed(self, ref: str | int) -> Feed:
        """A feed by id, URL, or unique (case-insensitive) title prefix."""
        ref_s = str(ref).strip()
        if ref_s.isdecimal() and int(ref_s) <= SQLITE_MAX_INT:
            feed = self.store.feed(int(ref_s))
            if feed:
                return feed
        feed = self.store.feed_by_url(ref_s)
        if feed:
            return feed
        feeds = self.store.feeds(with_counts=False)
        exact = [f for f in feeds if f.title.lower() == ref_s.lower()]
        matches = exact or [f for f in feeds if ref_s and f.title.lower().startswith(ref_s.lower())]
        if len(matches) == 1:
            return self.store.feed(matches[0].id)
        if len(matches) > 1:
            names = ", ".join(f"{f.id} ({f.title})" for f in matches[:5])
            more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
            raise AmbiguousFeed(f"'{ref_s}' matches several feeds: {names}{more}; use an id")
        raise FeedNotFound(f"no feed matches '{ref_s}' (give an id, a URL or a title prefix)")

    def add_feed(self, url: str, tags: Iterable[str] = (), title: str | None = None) -> tuple[Feed, int]:
        """Subscribe: fetch the URL (finding the feed an HTML page links), store it and its articles.

        Returns (feed, number of articles stored). Nothing is stored when anything fails.
        """
        url = normalize_url(url)
        if self.store.feed_by_url(url):
            raise FeedExists(f"already subscribed to {url}")
        from .ingest.fetch import discover_sync

        feed_url, result = discover_sync(url, self.fetch_settings)
        if result.status != "ok" or result.parsed is None:
            reason = result.error or result.status
            if "no feed" in reason or "not a feed" in reason:
                raise NotAFeed(f"{url}: {reason}")
            raise FetchError(f"cannot subscribe to {url}: {reason}")
        if feed_url != url and self.store.feed_by_url(feed_url):
            raise FeedExists(f"already subscribed to {feed_url} (the feed {url} links)")
        tags = [clean_line(t) for t in tags if clean_line(t)]
        parsed = result.parsed
        feed_id = self.store.add_feed(
            feed_url, title=parsed.title, link=parsed.link, tags=tags,
            user_title=clean_line(title) if title else None,
        )
        new = self._refresher().store_results([(self.store.feed(feed_id), result)])[0]
        return self.store.feed(feed_id), new

    def subscribe(self, url: str, title: str = "", tags: Iterable[str] = (),
                  link: str = "", user_title: str = "") -> tuple[Feed, bool]:
        """Store a subscription without fetching it (the next refresh does).

        Returns (feed, created); an existing subscription only gains the tags.
        """
        url = normalize_url(url)
        tags = [clean_line(t).lstrip("+") for t in tags if clean_line(t)]
        existing = self.store.feed_by_url(url)
        if existing:
            self.store.tag_feed(existing.id, tags)
            return self.store.feed(existing.id), False
        feed_id = self.store.add_feed(url, title=clean_line(title), link=clean_line(link), tags=tags,
                                      user_title=clean_line(user_title) or None)
        return self.store.feed(feed_id), True

    def remove_feed(self, ref: str | int) -> tuple[Feed, int]:
        """Unsubscribe; returns the feed and how many of its articles moved to another feed
        that carries them too (Store.remove_feed)."""
        feed = self.resolve_feed(ref)
        return feed, self.store.remove_feed(feed.id)

    def tag_feed(self, ref: str | int, tags: Iterable[str]) -> Feed:
        feed = self.resolve_feed(ref)
        self.store.tag_feed(feed.id, [clean_line(t).lstrip("+") for t in tags if clean_line(t)])
        return self.store.feed(feed.id)

    def untag_feed(self, ref: str | int, tags: Iterable[str]) -> Feed:
        feed = self.resolve_feed(ref)
        self.store.untag_feed(feed.id, [clean_line(t).lstrip("+-") for t in tags])
        return self.store.feed(feed.id)

    def rename_feed(self, ref: str | int, title: str | None) -> Feed:
        feed = self.resolve_feed(ref)
        self.store.set_feed_title(feed.id, clean_line(title) if title else None)
        return self.store.feed(feed.id)

    def tags(self) -> list[str]:
        return self.store.all_tags()

    # -- refresh -----------------------------------------------------------------------------

    def due_feeds(self, now: float | None = None) -> list[Feed]:
        now_dt = datetime.fromtimestamp(now if now is not None else time.time(), UTC)
        return [
            f for f in self.store.feeds(with_counts=False)
            if not f.gone and (f.next_fetch is None or f.next_fetch <= now_dt)
        ]

    def refresh(
        self,
        refs: Sequence[str | int] | None = None,
        *,
        due_only: bool = False,
        on_progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> RefreshSummary:
        """Fetch feeds now: the ones named, the due ones, or all (gone feeds only when named)."""
        feeds = self.refresh_targets(refs, due_only=due_only)
        return self.refresh_feeds(feeds, on_progress=on_progress, cancel=cancel)

    def refresh_targets(self, refs: Sequence[str | int] | None = None, *,
                        due_only: bool = False) -> list[Feed]:
        """The feeds a refresh of `refs` would fetch (see refresh)."""
        if refs:  # each feed once, however many ways it was named
            return list({f.id: f for f in map(self.resolve_feed, refs)}.values())
        if due_only:
            return self.due_feeds()
        return [f for f in self.store.feeds(with_counts=False) if not f.gone]

    def refresh_in_child(
        self,
        refs: Sequence[str | int] | None = None,
        *,
        due_only: bool = False,
        on_progress: ProgressFn | None = None,
        cancel: threading.Event | None = None,
    ) -> RefreshSummary:
        """refresh(), run by a child process: for a UI, whose event loop would otherwise
        share the GIL with the refresh's threads. An in-memory database is refreshed here."""
        if self.store.path == ":memory:":
            return self.refresh(refs, due_only=due_only, on_progress=on_progress, cancel=cancel)
        from .refresh_child import refresh_in_child

        return refresh_in_child(self, refs, due_only=due_only, on_progress=on_progress,
                                cancel=cancel)

    def refresh_feeds(self, feeds: list[Feed], on_progress: ProgressFn | None = None,
                      cancel: threading.Event | None = None) -> RefreshSummary:
        return self._refresher().refresh_feeds(feeds, on_progress=on_progress, cancel=cancel)

    def _refresher(self):
        from .refresh import Refresher

        return Refresher(self.store, self.config, self.fetch_settings)


    # -- articles ----------------------------------------------------------------------------

    def query(self, text: str | Query) -> Query:
        return text if isinstance(text, Query) else compile_query(text)

    def article_ids(self, query: str | Query = "", limit: int | None = None) -> list[int]:
        q = self.query(query)
        if limit is None:
            return self.store.article_ids(q.where, q.params)
        with self._snapshot():
            plan = self._search_plan(q, expand=True)
            ids = self._probe_ids(plan, limit) if plan.probe else None
            return self.store.article_ids(plan.where, plan.params, limit) if ids is None else ids

    def first_article_ids(self, query: str | Query, limit: int, first: int) -> Iterator[list[int]]:
        """article_ids(query, limit), in one step or two: the first `first` ids before all
        `limit` when that is cheaper (a word in most articles, probed article by article:
        60 rows in ~5 ms where all its matches take ~35 ms on 100k articles)."""
        q = self.query(query)
        with self._snapshot():
            plan = self._search_plan(q, expand=True)
            if plan.probe and first < limit:
                ids = self._probe_ids(plan, first)
                if ids is not None:
                    yield ids
                    more = self._probe_ids(plan, limit)
                    if more is None:
                        more = self.store.article_ids(plan.where, plan.params, limit)
                    yield more
                    return
            ids = self._probe_ids(plan, limit) if plan.probe else None
            yield self.store.article_ids(plan.where, plan.params, limit) if ids is None else ids

    def count(self, query: str | Query = "") -> int:
        q = self.query(query)
        return self.store.count(q.where, q.params)

    def count_view(self, query: str | Query = "") -> int:
        """count(), with a shortcut for a plain search: the index counts its own matches
        (15 ms for a word in most of 100k articles; visiting each article took 300 ms)."""
        q = self.query(query)
        if q.fts and q.where == _FTS_IN:
            with self._snapshot():
                match = self._exact_match(q)
                return self.store.execute(
                    "SELECT count(*) FROM articles_fts WHERE articles_fts MATCH ?",
                    (q.fts if match is None else match[0],),
                ).fetchone()[0]
        return self.store.count(q.where, q.params)

    def article_id_batches(self, query: str | Query = "", size: int = 10_000) -> Iterator[list[int]]:
        """Every id of a view in list order, `size` at a time: the TUI packs a long view
        into an array as they come instead of holding a list of a million Python ints.
        A word in many articles walks the list-order index, as article_ids(limit=) does
        (3x faster than SQLite's own plan for a word in most of 100k articles)."""
        q = self.query(query)
        plan = self._search_plan(q, expand=False)
        return self.store.article_id_batches(plan.where, plan.params, size)

    def _search_plan(self, q: Query, expand: bool) -> _Plan:
        """How to read a search's matches in list order. SQLite's own plan looks up every
        match and sorts them all (250 ms for a word in most of 100k articles); when there
        are many, walking the list-order index ("+" keeps SQLite off the index lookups) is
        ~10x cheaper to the first screenful. For a rare word the lookups are cheaper (a
        long walk would not be). `expand`: search a prefix word as the few words it
        stands for (_exact_match), when there are few: FTS5 (without a prefix index)
        gathers every match of a prefix before it gives the first, the words' own lists
        it reads as it goes. (Call inside _snapshot.)"""
        if not (q.fts and _FTS_IN in q.where):
            return _Plan(q.where, q.params)
        exact = self._exact_match(q) if expand else None
        match, terms = exact if exact is not None else (q.fts, 0)
        params = list(q.params)
        params[len(params) - 1 - params[::-1].index(q.fts)] = match  # (the last: query.py)
        probe = ("SELECT count(*) FROM (SELECT rowid FROM articles_fts"
                 " WHERE articles_fts MATCH ? LIMIT ?)")
        # The walk costs rows / density, the lookups one a match: they meet at about
        # 3 sqrt(articles) matches (~1,000 on 100k articles: 6 ms either way).
        last = self.store.execute("SELECT max(id) FROM articles").fetchone()[0] or 0
        walk_from = min(_FTS_WALK_FROM, max(100, int(3.2 * last ** 0.5)))
        # Each word as a whole word first: it matches no more than the prefix does, and it
        # is read as it goes (a prefix is gathered whole, 6-8 ms for a common word).
        bound = " ".join(f'"{w.replace(chr(34), chr(34) * 2)}"' for w, _ in q.fts_words)

        def many(match: str) -> bool:
            return self.store.execute(probe, (match, walk_from)).fetchone()[0] >= walk_from

        if not ((q.fts_words and many(bound)) or (bound != match and many(match))):
            return _Plan(q.where, params)
        return _Plan(q.where.replace(_FTS_IN, "+" + _FTS_IN), params,
                     probe=exact is not None and terms <= _FTS_PROBE_TERMS)

    def _exact_match(self, q: Query) -> tuple[str, int] | None:
        """q.fts with each prefix word replaced by the words of the index that start with
        it, and how many terms that makes, when every prefix word stands for at most
        _FTS_EXPAND words; else None. Words are looked up in the index's vocabulary, a
        few lookups of ~0.05 ms. (Call inside _snapshot, so that the words and the rows
        read with them come from the same state of the index.)"""
        if not q.fts_words:
            return None
        parts, terms = [], 0
        for word, prefix in q.fts_words:
            if not prefix:
                parts.append('"' + word.replace('"', '""') + '"')
                terms += len(word.split())
                continue
            if not _PLAIN_WORD.fullmatch(word):
                return None  # the tokenizer's folding and splitting: leave it to FTS5
            self._vocabulary()
            stem, found, after = word.lower(), [], word.lower()
            while len(found) <= _FTS_EXPAND:
                row = self.store.execute(
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

    def _vocabulary(self) -> None:
        """The index's words, for _exact_match: a table of this connection's temporary
        schema (nothing is written to the database)."""
        conn = self.store.conn
        made = self.__dict__.get("_vocab") or self.__dict__.setdefault("_vocab", threading.local())
        if getattr(made, "conn", None) is not conn:
            self.store.execute("CREATE VIRTUAL TABLE IF NOT EXISTS temp.articles_vocab"
                               " USING fts5vocab(main, 'articles_fts', 'instance')")
            made.conn = conn

    def _probe_ids(self, plan: _Plan, limit: int) -> list[int] | None:
        """The first `limit` matches, walking the list and probing the index article by
        article (~0.08 ms an article and term), when the newest rows say that a match is
        found at almost every step; None when they are sparser than that."""
        where = plan.where.replace("+" + _FTS_IN, _FTS_EXISTS)
        newest, wanted = _FTS_SAMPLE
        if len(self.store.article_ids(where, plan.params, wanted, within=newest)) < wanted:
            return None
        ids = self.store.article_ids(where, plan.params, limit, within=2 * limit)
        return ids if len(ids) == limit else None  # (sparser further down: the walk plan)

    @contextmanager
    def _snapshot(self) -> Iterator[None]:
        """One read transaction, unless one is open already."""
        if self.store.conn.in_transaction:
            yield
            return
        self._vocabulary()  # (made outside the transaction)
        self.store.execute("BEGIN")
        try:
            yield
        finally:
            self.store.execute("COMMIT")

    def headlines(self, ids: Sequence[int]) -> list[Headline]:
        return self.store.headlines(ids)

    def articles(self, query: str | Query = "", limit: int | None = None) -> list[Article]:
        return self.store.articles(self.article_ids(query, limit))

    def article(self, article_id: int) -> Article:
        return self.store.article(int(article_id))

    def check_ids(self, ids: Iterable[int | str]) -> list[int]:
        """Validate ids the user typed; raises ArticleNotFound naming the first unknown one."""
        from .errors import ArticleNotFound

        out = []
        for i in ids:
            s = str(i).strip()
            if not s.isdecimal():  # (isdigit() takes "²", which int() does not)
                raise ArticleNotFound(f"'{s}' is not an article id (ids are numbers; see reader list)")
            if int(s) > SQLITE_MAX_INT:  # no row has it, and SQLite could not even look
                raise ArticleNotFound(f"no article with id {s}")
            out.append(int(s))
        known = self.store.existing_ids(out)
        for i in out:
            if i not in known:
                raise ArticleNotFound(f"no article with id {i}")
        return out

    def set_read(self, ids: Sequence[int], read: bool = True) -> int:
        return self.store.set_flag(ids, "read", read)

    def set_starred(self, ids: Sequence[int], starred: bool = True) -> int:
        return self.store.set_flag(ids, "starred", starred)

    def mark_all_read(self, query: str | Query = "") -> list[int]:
        """Mark everything the filter shows read; returns the ids changed (pass to set_read to undo)."""
        q = self.query(query)
        return self.store.mark_read_where(q.where, q.params)

    def render(self, article: Article) -> RenderedArticle:
        from .ingest.content import render_article

        return render_article(article.content or article.summary, article.link)

    def totals(self) -> dict[str, int]:
        return self.store.totals()

    def tag_unread_counts(self, unread: int) -> dict[str, int] | None:
        """Store.tag_unread_counts, unless there are more than TAG_COUNT_MOST unread
        articles (`unread`, from totals): a second or more at 80,000. None then: the
        caller counts a tag's feeds only."""
        return self.store.tag_unread_counts() if unread <= TAG_COUNT_MOST else None

    def data_version(self) -> int:
        return self.store.data_version()

    # -- saved filters -----------------------------------------------------------------------

    def saved_filters(self) -> dict[str, str]:
        return self.store.saved_filters()

    def save_filter(self, name: str, query: str) -> None:
        compile_query(query)  # refuse to save a broken filter
        self.store.save_filter(clean_line(name), query)

    def delete_filter(self, name: str) -> bool:
        return self.store.delete_filter(name)

    # -- OPML --------------------------------------------------------------------------------

    def export_opml(self) -> str:
        from .opml import OPMLFeed, write_opml

        # Feed.title is the user's title when there is one: the export needs both apart,
        # so that an import gives the user's title back and a refresh does not replace it.
        titles = {fid: (title, user) for fid, title, user in
                  self.store.execute("SELECT id, title, user_title FROM feeds")}
        return write_opml(
            OPMLFeed(url=f.url, title=titles[f.id][0], tags=list(f.tags), site_url=f.link,
                     user_title=titles[f.id][1] or "")
            for f in self.store.feeds(with_counts=False)
        )

    def import_opml(self, data: bytes | str) -> ImportReport:
        """Subscribe to every feed in an OPML file (no fetching: the next refresh fetches them)."""
        from .opml import cap_problems, parse_opml

        feeds, problems = parse_opml(data, max_problems=None)
        report = ImportReport(problems=list(problems))
        for item in feeds:
            try:
                feed, created = self.subscribe(item.url, item.title, item.tags, link=item.site_url,
                                               user_title=item.user_title)
            except InvalidURL as exc:
                name = item.user_title or item.title or item.url
                report.problems.append(f"skipped '{name}': {exc}")
                continue
            (report.added if created else report.updated).append(feed.url)
        report.skipped = len(report.problems)
        report.problems = cap_problems(report.problems)
        return report


def humanize_age(when: datetime | None, now: datetime | None = None) -> str:
    if when is None:
        return ""
    now = now or datetime.now(UTC)
    delta = now - when
    if delta < timedelta(minutes=1):
        return "just now"
    if delta < timedelta(hours=1):
        return f"{int(delta.total_seconds() // 60)} min ago"
    if delta < timedelta(days=1):
        return f"{int(delta.total_seconds() // 3600)} h ago"
    return f"{delta.days} d ago"
