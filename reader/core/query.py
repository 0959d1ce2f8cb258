"""The filter language, shared by the CLI and the TUI.

    +tag -tag            feed tag or article category (case-insensitive)
    is:unread is:read is:starred is:unstarred
    feed:TEXT            feed title or URL contains TEXT (feed:"two words" too)
    feedid:N             exactly the feed with id N
    @7d @12h @2w @3m @1y newer than (hours, days, weeks, months, years)
    @2026-11-01..2026-11-20   published in that date range (either end may be left out)
    word "a phrase"      full-text search over title and content (words match as prefixes)

Terms combine with AND. `compile_query` turns a string into an SQL condition on
`articles a` plus its parameters; user text only ever travels as a parameter,
and full-text words are quoted before they reach FTS5's MATCH.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from .errors import QueryError

SQLITE_MAX_INT = 2**63 - 1  # the largest id SQLite can hold (or look up)
_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_RELATIVE = re.compile(r"^(\d{1,6})([hdwmy])$")
_DATE = r"\d{4}-\d{2}-\d{2}"
_RANGE = re.compile(rf"^({_DATE})?\.\.({_DATE})?$|^({_DATE})$")

_STATES = {
    "unread": "a.read = 0",
    "read": "a.read = 1",
    "starred": "a.starred = 1",
    "unstarred": "a.starred = 0",
}


@dataclass
class Query:
    text: str
    where: str = "1"
    params: list = field(default_factory=list)
    fts: str | None = None  # the MATCH expression, when any words were given
    # ... and what it was made of: (word, matched as a prefix), one per phrase of `fts`
    fts_words: tuple[tuple[str, bool], ...] = ()

    @property
    def is_empty(self) -> bool:
        return self.where == "1"


def _tokens(text: str) -> list[tuple[str, bool]]:
    """Split on whitespace; double quotes group words. Returns (token, whole token was quoted)."""
    out: list[tuple[str, bool]] = []
    i, n = 0, len(text)
    while i < n:
        if text[i].isspace():
            i += 1
            continue
        buf: list[str] = []
        quoted_whole = text[i] == '"'
        while i < n and not text[i].isspace():
            if text[i] == '"':
                close = text.find('"', i + 1)
                if close < 0:
                    raise QueryError(f"unclosed quote in filter: {text!r}")
                buf.append(text[i + 1:close])
                i = close + 1
                if i < n and not text[i].isspace():
                    quoted_whole = False
            else:
                quoted_whole = False if buf or not quoted_whole else quoted_whole
                buf.append(text[i])
                i += 1
        out.append(("".join(buf), quoted_whole))
    return out


def _fts_phrase(word: str, prefix: bool) -> str:
    quoted = '"' + word.replace('"', '""') + '"'
    return quoted + "*" if prefix else quoted


def _parse_day(s: str, term: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(s), datetime.min.time(), UTC)
    except ValueError:
        raise QueryError(f"bad date in filter term '{term}': use YYYY-MM-DD") from None


def compile_query(text: str, now: float | None = None) -> Query:
    """Parse a filter string. Raises QueryError naming the first bad term."""
    now = time.time() if now is None else now
    text = text.strip()
    q = Query(text=text)
    if not text:
        return q
    conds: list[str] = []
    params: list = []
    words: list[tuple[str, bool]] = []
    for token, was_quoted in _tokens(text):
        if was_quoted:
            if token.strip():
                words.append((token, False))
            continue
        if token.startswith(("+", "-")) and len(token) > 1 and not token[1].isspace():
            tag = token[1:]
            # Unary "+" keeps SQLite from a MULTI-INDEX OR plan that sorts every match:
            # scanning the list-order covering index stops after the first screenful.
            cond = (
                "(+a.feed_id IN (SELECT feed_id FROM feed_tags WHERE tag = ?)"
                " OR +a.id IN (SELECT article_id FROM article_tags WHERE tag = ?))"
            )
            conds.append(cond if token[0] == "+" else f"NOT {cond}")
            params += [tag, tag]
        elif token in ("+", "-"):
            raise QueryError(f"filter term '{token}' needs a tag name, e.g. {token}news")
        elif token.startswith("is:"):
            state = token[3:].lower()
            if state not in _STATES:
                raise QueryError(
                    f"unknown filter term '{token}': use is:unread, is:read, is:starred or is:unstarred"
                )
            conds.append(_STATES[state])
        elif token.lower().startswith("feed:"):
            needle = token[5:]
            if not needle:
                raise QueryError("filter term 'feed:' needs text, e.g. feed:nytimes")
            conds.append(
                "a.feed_id IN (SELECT id FROM feeds WHERE"
                " instr(lower(coalesce(user_title, title)), lower(?)) OR instr(lower(url), lower(?)))"
            )
            params += [needle, needle]
        elif token.lower().startswith("feedid:"):
            # exact feed id: what the TUI's sidebar produces for one feed
            num = token[7:]
            if not num.isdecimal():  # (isdigit() takes "²", which int() does not)
                raise QueryError(f"filter term '{token}' needs a feed id number, e.g. feedid:3")
            if int(num) > SQLITE_MAX_INT:  # no feed has it
                raise QueryError(f"filter term '{token}': no feed has so large an id")
            conds.append("a.feed_id = ?")
            params.append(int(num))
        elif token.startswith("@"):
            conds.append(_date_condition(token, params, now))
        elif re.match(r"^[A-Za-z]+:", token) and not token.lower().startswith(("http:", "https:")):
            raise QueryError(
                f"unknown filter term '{token}': known prefixes are is:, feed:, +tag, -tag and @date"
            )
        else:
            words.append((token, True))
    if words:
        q.fts = " ".join(_fts_phrase(w, prefix) for w, prefix in words)
        q.fts_words = tuple(words)
        conds.append("a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)")
        params.append(q.fts)
    if conds:
        q.where = " AND ".join(conds)
        q.params = params
    return q


def _date_condition(term: str, params: list, now: float) -> str:
    spec = term[1:]
    m = _RELATIVE.match(spec)
    if m:
        # (A count beyond any date is everything since the beginning: no float overflow.)
        params.append(now - min(int(m.group(1)) * _UNITS[m.group(2)], 1e12))
        return "a.sort_time >= ?"
    m = _RANGE.match(spec)
    if not m or spec == "..":
        raise QueryError(
            f"bad date in filter term '{term}': use @7d, @12h, @2w, @3m, @1y or @YYYY-MM-DD..YYYY-MM-DD"
        )
    start, end, single = m.groups()
    if single:
        start = end = single
    first = _parse_day(start, term) if start else None
    last = _parse_day(end, term) if end else None
    if first and last and first > last:
        raise QueryError(f"bad date range in filter term '{term}': it ends before it starts")
    conds = []
    if first:
        params.append(first.timestamp())
        conds.append("a.sort_time >= ?")
    if last and last.date() < date.max:  # (to the end of time: no upper bound)
        params.append((last + timedelta(days=1)).timestamp())
        conds.append("a.sort_time < ?")
    return "(" + " AND ".join(conds) + ")" if conds else "1"


def search_query(text: str) -> Query:
    """Plain full-text search: every word is text to find, even `is:read` or `+x`."""
    q = Query(text=text)
    try:
        tokens = _tokens(text)
    except QueryError:
        tokens = [(w, False) for w in text.replace('"', " ").split()]
    words = [(t, not quoted) for t, quoted in tokens if t.strip()]
    if words:
        q.fts = " ".join(_fts_phrase(w, prefix) for w, prefix in words)
        q.fts_words = tuple(words)
        q.where = "a.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ?)"
        q.params = [q.fts]
    return q
