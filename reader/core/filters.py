"""The filter language as data: a filter string becomes a small immutable tree.

`parse_filter("+tech is:unread rust")` gives a `Filter` whose terms (ANDed) are
`Tag("tech")`, `State("unread")` and `Words((("rust", True),))`. Nothing here knows
SQL: core/storage/search.py turns a tree into a WHERE condition, and `matches`
evaluates one in Python over an article's facts (tests; later, sync backends).
"""

from __future__ import annotations

import re
import time
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from .errors import QueryError
from .tags import fold

# What `reader help-filters` prints: for users (the TUI's / takes the same language).
FILTER_HELP = """Filters: which articles to show, in `reader list`, `reader mark-all-read`,
saved filters and the TUI's / box. Write terms separated by spaces; an article
must match all of them.

    +tag -tag            with / without a tag: a feed's tag or an article's own
                         category, in any case and script (+війна finds ВІЙНА)
    +"two words"         a tag with spaces in it needs double quotes
    is:unread is:read is:starred is:unstarred
    is:shared is:unshared
                         published on Tiny Tiny RSS (reader share ID)
    feed:TEXT            the feed's title or address contains TEXT (any case)
    feed:"two words"     ... with spaces
    feedid:N             only the feed with id N (see `reader feeds`)
    @7d @12h @2w @3m @1y newer than 7 days, 12 hours, 2 weeks, 3 months, 1 year
    @2026-11-01..2026-11-20
                         published in that range; either end may be left
                         out (@2026-11-01.. or @..2026-11-20); @2026-11-01 is
                         that one day
    word                 full-text search in titles and text: words match as
                         prefixes (compil finds compiler), accents ignored
    "a phrase"           these words one after another, as whole words

Examples:
    reader list '+"Війна в Україні" is:unread'
    reader list '+суспільство @7d'
    reader list 'feed:унн -спорт'
    reader list 'is:starred rust compiler'
    reader list '+news -sport "city council" @2026-11-01..'

A tag with spaces typed without quotes (+Війна в Україні) is the tag "Війна"
and two words to search for: when that finds nothing, reader says so and shows
the quoted form.
"""

SQLITE_MAX_INT = 2**63 - 1  # the largest id SQLite can hold (or look up)
_UNITS = {"h": 3600, "d": 86400, "w": 7 * 86400, "m": 30 * 86400, "y": 365 * 86400}
_RELATIVE = re.compile(r"^(\d{1,6})([hdwmy])$")
_DATE = r"\d{4}-\d{2}-\d{2}"
_RANGE = re.compile(rf"^({_DATE})?\.\.({_DATE})?$|^({_DATE})$")
STATES = ("unread", "read", "starred", "unstarred", "shared", "unshared")


# -- the tree -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Tag:
    """+tag (or -tag, negated): the feed's tag or the article's own category."""

    name: str
    negated: bool = False


@dataclass(frozen=True, slots=True)
class State:
    """is:NAME, one of STATES."""

    name: str


@dataclass(frozen=True, slots=True)
class FeedText:
    """feed:TEXT: the feed's title or URL contains the text (case-insensitive)."""

    text: str


@dataclass(frozen=True, slots=True)
class FeedId:
    """feedid:N: exactly that feed."""

    id: int


@dataclass(frozen=True, slots=True)
class Since:
    """@7d and the like: sorted at or after `time` (a timestamp, resolved when parsed)."""

    time: float


@dataclass(frozen=True, slots=True)
class DateRange:
    """@START..END: start <= sort time < end; None is no bound on that side."""

    start: float | None
    end: float | None


@dataclass(frozen=True, slots=True)
class Words:
    """Full-text words: (word or quoted phrase, matched as a prefix), all of them to match."""

    words: tuple[tuple[str, bool], ...]


Term = Tag | State | FeedText | FeedId | Since | DateRange | Words


@dataclass(frozen=True, slots=True)
class Filter:
    """A parsed filter: `text` as the user wrote it (stripped), `terms` all to hold."""

    text: str = ""
    terms: tuple[Term, ...] = ()

    @property
    def is_empty(self) -> bool:
        """No terms: every article."""
        return not self.terms

    @property
    def words(self) -> Words | None:
        """The full-text term, when there is exactly one (what the search planner plans)."""
        found = [t for t in self.terms if isinstance(t, Words)]
        return found[0] if len(found) == 1 else None

    def and_(self, *terms: Term) -> Filter:
        """This filter with more terms to hold, e.g. `view.and_(State("unread"))`."""
        return Filter(self.text, self.terms + terms)


# -- parsing --------------------------------------------------------------------------------


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


def _parse_day(s: str, term: str) -> datetime:
    try:
        return datetime.combine(date.fromisoformat(s), datetime.min.time(), UTC)
    except ValueError:
        raise QueryError(f"bad date in filter term '{term}': use YYYY-MM-DD") from None


def parse_filter(text: str, now: float | None = None) -> Filter:
    """Parse a filter string. Raises QueryError naming the first bad term.

    The full-text words, wherever they stand, make one Words term after the others."""
    now = time.time() if now is None else now
    text = text.strip()
    if not text:
        return Filter(text)
    terms: list[Term] = []
    words: list[tuple[str, bool]] = []
    for token, was_quoted in _tokens(text):
        if was_quoted:
            if token.strip():
                words.append((token, False))
            continue
        if token.startswith(("+", "-")) and len(token) > 1 and not token[1].isspace():
            terms.append(Tag(token[1:], negated=token[0] == "-"))
        elif token in ("+", "-"):
            raise QueryError(f"filter term '{token}' needs a tag name, e.g. {token}news")
        elif token.startswith("is:"):
            state = token[3:].lower()
            if state not in STATES:
                raise QueryError(
                    f"unknown filter term '{token}': use is:unread, is:read, is:starred,"
                    " is:unstarred, is:shared or is:unshared"
                )
            terms.append(State(state))
        elif token.lower().startswith("feed:"):
            needle = token[5:]
            if not needle:
                raise QueryError("filter term 'feed:' needs text, e.g. feed:nytimes")
            terms.append(FeedText(needle))
        elif token.lower().startswith("feedid:"):
            # exact feed id: what the TUI's sidebar produces for one feed
            num = token[7:]
            if not num.isdecimal():  # (isdigit() takes "²", which int() does not)
                raise QueryError(f"filter term '{token}' needs a feed id number, e.g. feedid:3")
            if int(num) > SQLITE_MAX_INT:  # no feed has it
                raise QueryError(f"filter term '{token}': no feed has so large an id")
            terms.append(FeedId(int(num)))
        elif token.startswith("@"):
            terms.append(_date_term(token, now))
        elif re.match(r"^[A-Za-z]+:", token) and not token.lower().startswith(("http:", "https:")):
            raise QueryError(
                f"unknown filter term '{token}': known prefixes are is:, feed:, +tag, -tag and @date"
            )
        else:
            words.append((token, True))
    if words:
        terms.append(Words(tuple(words)))
    return Filter(text, tuple(terms))


def _date_term(term: str, now: float) -> Since | DateRange:
    spec = term[1:]
    m = _RELATIVE.match(spec)
    if m:
        # (A count beyond any date is everything since the beginning: no float overflow.)
        return Since(now - min(int(m.group(1)) * _UNITS[m.group(2)], 1e12))
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
    until = None
    if last and last.date() < date.max:  # (to the end of time: no upper bound)
        until = (last + timedelta(days=1)).timestamp()
    return DateRange(first.timestamp() if first else None, until)


def _is_word(token: str) -> bool:
    """Whether parse_filter takes this unquoted token as a full-text word."""
    return not (token.startswith(("+", "-", "@")) or (
        re.match(r"^[A-Za-z]+:", token) and not token.lower().startswith(("http:", "https:"))))


def quoted_tag_hint(text: str, known: Callable[[list[str]], set[str]]) -> str | None:
    """For a filter that found nothing: the quoted tag its user probably meant, as one
    line to follow "no articles match: ", or None. `+Війна в Україні` is the tag "Війна" and two words; when a tag named
    "Війна в Україні" (or "Війна в") is known, or "Війна" is not, the words were
    probably the tag's. `known(names)` says which of these names (tags.fold) some feed
    tag or article category has."""
    try:
        tokens = _tokens(text)
    except QueryError:
        return None
    guesses: list[tuple[str, list[str]]] = []  # (+tag as typed, the words after it)
    for i, (token, quoted) in enumerate(tokens):
        if quoted or len(token) < 2 or token[0] not in "+-" or token[1].isspace():
            continue
        words = []
        for word, word_quoted in tokens[i + 1:]:
            if word_quoted or not _is_word(word):
                break
            words.append(word)
        if words:
            guesses.append((token, words))
    if not guesses:
        return None
    names = {fold(" ".join([token[1:], *words[:k]]))
             for token, words in guesses for k in range(len(words) + 1)}
    found = known(sorted(names))
    for token, words in guesses:
        for k in range(len(words), 0, -1):
            name = " ".join([token[1:], *words[:k]])
            if fold(name) in found:
                return (f"{token} {' '.join(words[:k])} is the tag {token[1:]!r} and"
                        f" words; for the tag {name!r} quote it: {token[0]}\"{name}\"")
    token, words = guesses[0]
    if fold(token[1:]) in found:
        return None
    name = " ".join([token[1:], *words])
    return (f"there is no tag {token[1:]!r}; a tag with spaces needs quotes:"
            f' {token[0]}"{name}"')


def search_filter(text: str) -> Filter:
    """Plain full-text search: every word is text to find, even `is:read` or `+x`."""
    try:
        tokens = _tokens(text)
    except QueryError:
        tokens = [(w, False) for w in text.replace('"', " ").split()]
    words = tuple((t, not quoted) for t, quoted in tokens if t.strip())
    return Filter(text, (Words(words),) if words else ())


# -- evaluating without a database ----------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ArticleFacts:
    """What a filter can ask of an article. `feed_title` is the user's title when there is
    one; `text` is the article's indexed text (its content as plain text)."""

    feed_id: int
    feed_title: str
    feed_url: str
    feed_tags: Sequence[str]
    categories: Sequence[str]
    read: bool
    starred: bool
    sort_time: float
    title: str
    text: str
    shared: bool = False


_TOKEN = re.compile(r"[^\W_]+")


def index_tokens(s: str) -> list[str]:
    """The words the search index makes of a text, close to FTS5's unicode61 tokenizer with
    remove_diacritics 2: lower-cased, accents dropped, split at anything not a letter or
    digit. (Its tables are older Unicode than Python's: rare scripts may differ.)"""
    bare = unicodedata.normalize("NFD", s.lower())
    return _TOKEN.findall("".join(c for c in bare if not unicodedata.combining(c)))


def _phrase_in(phrase: list[str], prefix: bool, tokens: list[str]) -> bool:
    k = len(phrase)
    for i in range(len(tokens) - k + 1):
        if tokens[i:i + k - 1] == phrase[:-1] and (
            tokens[i + k - 1].startswith(phrase[-1]) if prefix else tokens[i + k - 1] == phrase[-1]
        ):
            return True
    return False


def _words_match(words: Words, facts: ArticleFacts) -> bool:
    """Every phrase in the title or in the text (a phrase does not run from one into the
    other). A phrase with no word in it is left out, as FTS5 does; none left: no match."""
    columns = (index_tokens(facts.title), index_tokens(facts.text))
    phrases = [(p, prefix) for w, prefix in words.words if (p := index_tokens(w))]
    return bool(phrases) and all(
        any(_phrase_in(p, prefix, col) for col in columns) for p, prefix in phrases
    )


def _term_matches(term: Term, facts: ArticleFacts) -> bool:
    match term:
        case Tag(name, negated):
            wanted = fold(name)
            found = any(fold(t) == wanted for t in (*facts.feed_tags, *facts.categories))
            return found != negated
        case State(name):
            return {"unread": not facts.read, "read": facts.read,
                    "starred": facts.starred, "unstarred": not facts.starred,
                    "shared": facts.shared, "unshared": not facts.shared}[name]
        case FeedText(text):
            needle = fold(text)
            return needle in fold(facts.feed_title) or needle in fold(facts.feed_url)
        case FeedId(feed_id):
            return facts.feed_id == feed_id
        case Since(since):
            return facts.sort_time >= since
        case DateRange(start, end):
            return (start is None or facts.sort_time >= start) and (
                end is None or facts.sort_time < end)
        case Words():
            return _words_match(term, facts)
    raise TypeError(f"not a filter term: {term!r}")


def matches(filter: Filter, facts: ArticleFacts) -> bool:
    """Whether the article the facts describe is in the filter's view (what the SQL of
    core/storage/search.py selects; full-text words as close as index_tokens is)."""
    return all(_term_matches(t, facts) for t in filter.terms)
