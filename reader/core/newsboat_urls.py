"""newsboat's `urls` file: one feed a line, `URL tag "two words" ~"Title"`, # comments.

`query:NAME:FILTER` lines (newsboat's query feeds) become saved filters when the
filter says something this reader's filter language can (unread, flags, tags, age,
feed title, joined with `and`); the rest are reported as skipped, never guessed.
Pure parsing: no SQL, no network.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field

from .errors import OPMLError
from .sanitize import clean_line
from .tags import clean_tag

_FEED_SCHEMES = ("http://", "https://", "file://")
_SKIPPED_KINDS = {
    "exec:": "runs a command",
    "filter:": "pipes a feed through a command",
}
CONVERT_HINT = ("give an OPML file (most readers export one; newsboat: `newsboat -e >"
                " feeds.opml`) or a newsboat urls file (one feed URL a line)")


@dataclass
class UrlsFeed:
    url: str
    title: str = ""  # newsboat's ~"Title": the user's own name for the feed
    tags: list[str] = field(default_factory=list)


@dataclass
class UrlsFile:
    feeds: list[UrlsFeed] = field(default_factory=list)
    filters: list[tuple[str, str]] = field(default_factory=list)  # (name, our query)
    skipped: list[str] = field(default_factory=list)  # one line each: what and why


def _words(line: str) -> list[str]:
    lex = shlex.shlex(line, posix=True)
    lex.whitespace_split = True
    lex.commenters = ""  # a # inside a URL is a fragment, not a comment
    lex.quotes = '"'
    lex.escapedquotes = '"'
    return list(lex)


def _is_entry(first: str) -> bool:
    return first.startswith(_FEED_SCHEMES) or first.startswith(("query:", *_SKIPPED_KINDS))


def looks_like_urls_file(text: str) -> bool:
    """Whether every line that is not blank or a comment starts with a feed URL (or a
    query:, exec: or filter: feed), and at least one does."""
    found = False
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = _words(line)
        except ValueError:
            return False
        if not words or not _is_entry(words[0]):
            return False
        found = True
    return found


def parse_urls(text: str) -> UrlsFile:
    """The feeds, saved filters and skipped lines of a urls file; OPMLError (with how
    to convert) when it is not one."""
    out = UrlsFile()
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = _words(line)
        except ValueError as exc:
            out.skipped.append(f"line {number}: {exc} (skipped)")
            continue
        first, rest = words[0], words[1:]
        if not _is_entry(first):
            raise OPMLError(f"not OPML and not a newsboat urls file (line {number} does not"
                            f" start with a feed URL): {CONVERT_HINT}")
        kind = next((k for k in _SKIPPED_KINDS if first.startswith(k)), None)
        if kind is not None:
            out.skipped.append(f"line {number}: {kind} feed skipped: it {_SKIPPED_KINDS[kind]}")
            continue
        title = ""
        tags: list[str] = []
        for word in rest:
            if word.startswith("~"):
                title = clean_line(word[1:])
            elif word.startswith("!"):
                continue  # newsboat's "hide this feed"; every feed is shown here
            elif tag := clean_tag(word):
                tags.append(tag)
        if first.startswith("query:"):
            _query_feed(out, number, first, title)
        else:
            out.feeds.append(UrlsFeed(first, title, tags))
    return out


def _query_feed(out: UrlsFile, number: int, spec: str, title: str) -> None:
    _, name, expression = (spec.split(":", 2) + ["", ""])[:3]
    name = clean_line(title or name)
    if not name:
        out.skipped.append(f"line {number}: query feed without a name skipped")
        return
    query = translate_filter(expression)
    if query is None:
        out.skipped.append(f"line {number}: query feed '{name}' skipped: its filter"
                           f" '{clean_line(expression)}' has no equivalent here")
        return
    out.filters.append((name, query))


# -- newsboat's filter language, the part that maps --------------------------------------

_TOKEN = re.compile(r'\s*(?:"((?:[^"\\]|\\.)*)"|(!=|=~|!~|!#|<=|>=|=|#|<|>)|([\w.-]+)|(\S))')


def _quoted(text: str) -> str:
    return f'"{text}"' if any(c.isspace() for c in text) else text


def translate_filter(expression: str) -> str | None:
    """newsboat's FILTER as this reader's query, or None when it cannot be said here
    (or, parentheses, regular expressions, attributes without an equivalent)."""
    tokens: list[tuple[str, str]] = []  # (kind, text): "str", "op", "word"
    for m in _TOKEN.finditer(expression):
        string, op, word, other = m.groups()
        if other is not None:
            return None
        if string is not None:
            tokens.append(("str", re.sub(r"\\(.)", r"\1", string)))
        elif op is not None:
            tokens.append(("op", op))
        else:
            tokens.append(("word", word))
    terms: list[str] = []
    i = 0
    while i < len(tokens):
        if len(tokens) - i < 3:
            return None
        (k1, attribute), (k2, op), (_, value) = tokens[i:i + 3]
        if k1 != "word" or k2 != "op":
            return None
        term = _term(attribute, op, value)
        if term is None:
            return None
        terms.append(term)
        i += 3
        if i < len(tokens):
            if tokens[i] != ("word", "and") or i + 1 == len(tokens):
                return None
            i += 1
    return " ".join(terms) if terms else None


def _term(attribute: str, op: str, value: str) -> str | None:
    if attribute == "unread" and op in ("=", "!=") and value in ("yes", "no"):
        return "is:unread" if (value == "yes") == (op == "=") else "is:read"
    if attribute == "flags" and op in ("#", "!#") and value == "s":
        return "is:starred" if op == "#" else "is:unstarred"
    if attribute == "tags" and op in ("#", "!#"):
        tag = clean_tag(value)
        return f"{'+' if op == '#' else '-'}{_quoted(tag)}" if tag else None
    if attribute == "age" and op in ("<", "<=") and value.isdigit():
        return f"@{int(value)}d"
    literal = not re.search(r'[\\^$.|?*+()\[\]{}"]', value)
    if attribute == "feedtitle" and op == "=~" and literal and value:
        return f"feed:{_quoted(value)}"
    return None
