"""Exceptions raised by the core. Each carries a one-line message fit for a user."""

from __future__ import annotations


class ReaderError(Exception):
    """Base class: anything the CLI or TUI should report as one line, not a traceback."""


class InvalidURL(ReaderError):
    pass


class FeedNotFound(ReaderError):
    pass


class FeedExists(ReaderError):
    pass


class AmbiguousFeed(ReaderError):
    pass


class ArticleNotFound(ReaderError):
    pass


class FetchError(ReaderError):
    """The network or the server failed (DNS, connect, timeout, HTTP status, size cap)."""


class NotAFeed(ReaderError):
    """The document is neither a feed nor a page that links one."""


class ParseError(ReaderError):
    pass


class QueryError(ReaderError):
    """A bad filter expression; the message names the offending term."""


class StorageError(ReaderError):
    """The database is corrupt, unreadable, unwritable or full."""


class OPMLError(ReaderError):
    pass


class ConfigError(ReaderError):
    pass
