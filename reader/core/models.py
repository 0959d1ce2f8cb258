"""Plain data objects passed between the core's layers and to the UI."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .tags import fold


@dataclass(slots=True)
class Enclosure:
    """A podcast episode or other file attached to an article (http(s) URLs only)."""

    url: str
    type: str = ""  # the MIME type the feed gives, e.g. "audio/mpeg"; "" when none
    length: int | None = None  # bytes, as the feed claims; None when absent or nonsense


@dataclass(slots=True)
class ParsedEntry:
    """One entry as the parser found it (strings already stripped of control characters)."""

    guid: str | None
    link: str | None
    title: str
    author: str
    published: datetime | None  # timezone-aware UTC, or None
    updated: datetime | None
    summary: str  # HTML or text
    content: str  # HTML or text; may equal summary
    categories: list[str] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)


@dataclass(slots=True)
class ParsedFeed:
    title: str
    link: str  # the site's home page
    entries: list[ParsedEntry]
    parser: str = "fast"  # "fast" (fastfeedparser) or "fallback" (feedparser)
    # The plain text of each entry for the search index, when the parser's worker made it
    # (parse.parse_for_store); None when not computed yet.
    texts: list[str] | None = None
    hashes: list[str] | None = None  # and identity.content_hash of each entry


@dataclass(slots=True)
class FetchRequest:
    feed_id: int
    url: str
    etag: str | None = None
    last_modified: str | None = None
    user_agent: str | None = None  # the feed's own (feed-set user_agent=); None: the fetcher's


@dataclass(slots=True)
class FetchResult:
    """What one fetch of one feed gave.

    status: "ok" (parsed is set), "not_modified" (304), "gone" (410),
    or "error" (error is a one-line reason).
    """

    feed_id: int
    url: str  # the URL that was requested
    status: str
    http_status: int | None = None
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None  # set after a permanent redirect (301/308)
    parsed: ParsedFeed | None = None
    error: str | None = None
    retry_after: float | None = None  # seconds, from a 429/503 Retry-After


@dataclass(slots=True)
class FeedSettings:
    """A feed's own settings (`reader feed-set`); None means "as the config says"."""

    full_text: str | None = None  # "always" | "auto" | "never"
    refresh_every: float | None = None  # seconds; -1 means auto
    keep: int | None = None  # keep the newest N articles (starred ones are never deleted)
    user_agent: str | None = None


@dataclass(slots=True)
class Feed:
    id: int
    url: str
    title: str
    link: str = ""
    tags: list[str] = field(default_factory=list)
    etag: str | None = None
    last_modified: str | None = None
    last_fetched: datetime | None = None
    last_ok: datetime | None = None  # the last fetch that worked (ok or not modified)
    last_status: str | None = None  # "ok", "not_modified", "gone", "error"
    last_error: str | None = None
    error_count: int = 0
    next_fetch: datetime | None = None
    gone: bool = False
    unread: int = 0
    total: int = 0
    settings: FeedSettings = field(default_factory=FeedSettings)
    remote_id: str | None = None  # the sync server's id of a synced feed; None: a local one

    @property
    def display_title(self) -> str:
        return self.title or self.url


@dataclass(slots=True)
class FeedCandidate:
    """A feed found behind a URL the user gave (Library.discover): where it lives, its
    title and entry count, or why it failed; `subscribed` when it already is."""

    url: str
    title: str = ""
    entries: int = 0
    error: str | None = None
    subscribed: bool = False


@dataclass(slots=True)
class Headline:
    """The light row the headline list shows; read a window at a time."""

    id: int
    feed_id: int
    feed_title: str
    title: str
    published: datetime | None
    read: bool
    starred: bool
    tags: list[str]


@dataclass(slots=True)
class Article:
    id: int
    feed_id: int
    feed_title: str
    guid: str
    link: str
    title: str
    author: str
    published: datetime | None
    updated: datetime | None
    summary: str
    content: str
    categories: list[str]
    feed_tags: list[str]
    read: bool
    starred: bool
    first_seen: datetime
    enclosures: list[Enclosure] = field(default_factory=list)
    shared: bool = False       # Tiny Tiny RSS's "published" mark (synced articles only)

    @property
    def tags(self) -> list[str]:
        """Feed tags and article categories, de-duplicated by tags.fold, in order."""
        seen: set[str] = set()
        out: list[str] = []
        for t in [*self.feed_tags, *self.categories]:
            if fold(t) not in seen:
                seen.add(fold(t))
                out.append(t)
        return out


@dataclass(slots=True)
class FullArticle:
    """The article's own page, extracted: what `reader show --full` and the TUI's full-text
    key show. status: "ok" (html and text set), "empty" (the page had no article text),
    "error" (error is one line), "none" (never fetched)."""

    article_id: int
    status: str
    url: str = ""
    html: str = ""  # the extracted main text as sanitized HTML (headings, lists, images...)
    text: str = ""  # the same as plain text (search index, --json)
    error: str | None = None
    fetched: datetime | None = None
    next_try: datetime | None = None  # after a failure: not fetched again before this
    # The page's validators, sent when it is fetched again (a 304 keeps the copy)
    etag: str | None = None
    last_modified: str | None = None


@dataclass(slots=True)
class RefreshSummary:
    new_articles: int = 0
    ok: int = 0
    not_modified: int = 0
    failed: list[tuple[str, str]] = field(default_factory=list)  # (feed title or url, reason)
    gone: list[str] = field(default_factory=list)

    @property
    def succeeded(self) -> int:
        return self.ok + self.not_modified


@dataclass(slots=True)
class SyncSummary:
    """One `reader sync` (or the TUI's background sync): what came and went."""

    service: str = ""
    feeds_added: int = 0        # subscriptions new from the server
    feeds_removed: int = 0      # synced feeds the server no longer has
    new_articles: int = 0
    state_changes: int = 0      # local articles whose read/starred the server changed
    pushed: int = 0             # queued local changes the server accepted
    pending: int = 0            # local changes still waiting (server down, refused, ...)
    gone: int = 0               # starred/published articles the server no longer has: kept
                                # here as local articles (their marks stay)
    error: str | None = None    # one line when the sync failed (nothing lost either way)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(slots=True)
class SyncStatus:
    """`reader sync --status`: the configured service and how the last sync went.
    Never holds the password."""

    configured: bool
    service: str = ""
    url: str = ""
    username: str = ""
    last_success: datetime | None = None
    last_attempt: datetime | None = None
    last_error: str | None = None
    pending: int = 0
    synced_feeds: int = 0
    local_feeds: int = 0
    notes: list[str] = field(default_factory=list)   # changes the service could not make
    gone: int = 0      # articles kept here since the server lost them (this account)


@dataclass(slots=True)
class ImageRef:
    """An image of an article: its http(s) URL and its alt text ("" when none), in the
    order the article shows them (the lead image first)."""

    url: str
    alt: str = ""
    # Where the text names it, so the pane draws it there (not part of its identity):
    line: int | None = field(default=None, compare=False)  # Markdown line; None: not in it
    alone: bool = field(default=False, compare=False)  # that line names only images shown
    number: int = field(default=0, compare=False)  # its [n] in the article's links; 0: none


@dataclass(slots=True)
class ImageResult:
    """An image fetched and decoded for the article pane (Library.image). status: "ok"
    (image is a Pillow image, already scaled to fit), or "error" (error is one line: the
    pane shows the alt text instead)."""

    url: str
    status: str
    image: object = None  # PIL.Image.Image; object here so the models import no Pillow
    error: str = ""
