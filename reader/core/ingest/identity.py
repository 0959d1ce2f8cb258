"""Which stored article an entry is, and what storing it changes: decisions, no SQL.

Storage reads a feed's stored articles as plain rows (StoredRow), asks EntryDecider
what to do with a fetch's entries, and applies the answer (EntryIntents): insert new
articles, update edited ones in place (keeping read and star state), re-key an
article whose GUID changed, fold an article another feed already lists into that
one, skip the rest. The decisions need one more read of storage: the articles other
feeds have under the new entries' links (fold_links), asked once per feed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from typing import NamedTuple

from reader.core.models import Enclosure, ParsedEntry

TAG_SEP = "\x1f"  # unit separator: cannot occur in sanitized feed text
FUTURE_SLACK_S = 3600  # a date further ahead than this is taken for now (see sort_time)

# A stored article of the feed, as storage reads it: (key, id, content_hash, link,
# title, published, sort_time). Plain tuples: a feed of 1,000 articles is read at
# every refresh that changes it.
StoredRow = tuple[str, int, str, str, str, "float | None", float]
# Articles other feeds list under a link: {link: [(guid, title, article id), ...]}.
Elsewhere = dict[str, list[tuple[str, str, int]]]


def _ts(value: datetime | None) -> float | None:
    return value.timestamp() if value is not None else None


def entry_key(entry: ParsedEntry) -> str:
    """Identity of an entry within its feed: guid, else link, else a hash of title and date."""
    if entry.guid:
        return "g:" + entry.guid
    if entry.link:
        return "l:" + entry.link
    stamp = entry.published.isoformat() if entry.published else ""
    digest = hashlib.sha1(f"{entry.title}\x00{stamp}".encode()).hexdigest()
    return "h:" + digest


def content_hash(entry: ParsedEntry) -> str:
    """What tells an edited entry from an unchanged one (stored as articles.content_hash)."""
    h = hashlib.sha1()
    for part in (entry.title, entry.link or "", entry.author, entry.summary, entry.content):
        h.update(part.encode("utf-8", "surrogatepass"))
        h.update(b"\x00")
    h.update(TAG_SEP.join(entry.categories).encode())
    h.update(str(_ts(entry.published)).encode())
    if entry.enclosures:  # (only then: the hashes of entries without any stay as they were)
        for x in entry.enclosures:
            h.update(f"\x00{x.url}\x00{x.type}\x00{x.length}".encode("utf-8", "surrogatepass"))
    return h.hexdigest()


def sort_time(published: float | None, updated: float | None, position: int, now: float,
              stored: float | None = None) -> float:
    """Where an entry goes in the list. `position`: its place in the feed (entries are
    newest first in most feeds: undated ones are spread a millisecond apart so that
    their order is stable). `stored`: the sort time it has, when it is stored."""
    # "is not None": a date of 1 January 1970 is a date (0.0), not a missing one.
    if published is not None:
        when = published
    elif updated is not None:
        when = updated
    else:
        when = now - position * 1e-3
    if when > now + FUTURE_SLACK_S:  # a date in the future: don't pin it to the top forever
        when = now
    if published is None and updated is None and stored is not None:
        # Undated: it keeps the place it got when first seen, even when edited.
        when = stored
    return when


class ArticleValues(NamedTuple):
    """An article's columns as storage writes them (in this order)."""

    guid: str
    link: str
    title: str
    author: str
    published: float | None
    updated: float | None
    sort_time: float
    summary: str
    content: str
    text: str
    categories: str  # TAG_SEP-joined, each once
    content_hash: str


# ArticleValues made without the NamedTuple's own __new__, a Python call: ~0.5 us an
# entry on the refresh writer's hot path.
_values = partial(tuple.__new__, ArticleValues)


class EntryIntents(NamedTuple):
    """What storing a fetch's entries changes, in the order storage applies it."""

    rekeys: list[tuple[int, str]]  # (article id, its new key): its GUID changed
    edits: list[tuple[int, ArticleValues]]  # (article id, values): its content changed
    inserts: list[tuple[str, ArticleValues]]  # (key, values) of new articles, in feed order
    folds: list[tuple[int, str]]  # (another feed's article id, this feed's key for it)
    # Enclosures of edited articles, by article id (an edit replaces them all), and of
    # new ones, by their place in `inserts`; entries without any are left out.
    edit_enclosures: dict[int, list[Enclosure]]
    insert_enclosures: dict[int, list[Enclosure]]


def rekeyed(stored: Sequence[StoredRow], entries: Sequence[ParsedEntry], keys: list[str],
            existing: dict, tombstones: set[str]) -> dict[str, str]:
    """{new key: old key} for entries whose GUID changed while they stayed the same
    article: the same link (or, without links, the same title and date) as exactly
    one stored article that this fetch no longer lists under its old key."""
    fresh = [i for i, k in enumerate(keys) if k not in existing and k not in tombstones]
    if not fresh:
        return {}
    current = set(keys)

    def idents(link: str | None, title: str, published: float | None) -> list[tuple]:
        out = [("l", link)] if link else []
        if title and published is not None:
            out.append(("t", title, published))
        return out

    gone: dict[tuple, list[str]] = {}
    for key, _, _, link, title, published, _ in stored:
        if key not in current:
            for ident in idents(link, title, published):
                gone.setdefault(ident, []).append(key)
    if not gone:
        return {}
    counts: dict[tuple, int] = {}
    for e in entries:
        for ident in idents(e.link, e.title, _ts(e.published)):
            counts[ident] = counts.get(ident, 0) + 1
    out: dict[str, str] = {}
    taken: set[str] = set()
    for i in fresh:
        e = entries[i]
        for ident in idents(e.link, e.title, _ts(e.published)):
            old = gone.get(ident, [])
            if len(old) == 1 and counts[ident] == 1 and old[0] not in taken:
                out[keys[i]] = old[0]
                taken.add(old[0])
                break
    return out


class EntryDecider:
    """Decides, for one feed's fetched entries against what is stored for that feed,
    which are new, edited, unchanged, re-keyed or folded into another feed's article."""

    def __init__(self, entries: Sequence[ParsedEntry], stored: Sequence[StoredRow],
                 tombstones: set[str]) -> None:
        """`tombstones`: keys of articles removed by retention: they must not come back."""
        self.entries = entries
        self.tombstones = tombstones
        self.keys = [entry_key(e) for e in entries]
        # {key: (article id, content hash)}; sort times by id, for undated edits
        self.existing = {row[0]: (row[1], row[2]) for row in stored}
        self.sort_times = {row[1]: row[6] for row in stored}
        self.rekey = rekeyed(stored, entries, self.keys, self.existing, tombstones)

    def fold_links(self) -> list[str]:
        """The links whose articles in other feeds storage must read (Elsewhere) before
        decide(): those of entries that are not stored in this feed."""
        existing, rekey = self.existing, self.rekey
        return list(dict.fromkeys(
            e.link for e, k in zip(self.entries, self.keys)
            if k not in existing and k not in rekey and e.link))

    def decide(self, texts: Sequence[str], now: float, elsewhere: Elsewhere,
               hashes: Sequence[str] | None = None) -> EntryIntents:
        """`texts`: each entry's plain text (for the search index); `hashes`: each one's
        content_hash, when the parsing worker made them."""
        existing = dict(self.existing)  # (re-keying moves entries in it)
        rekey, tombstones = self.rekey, self.tombstones
        intents = EntryIntents([], [], [], [], {}, {})
        seen: set[str] = set()
        for i, (entry, text, key) in enumerate(zip(self.entries, texts, self.keys)):
            if key in seen or key in tombstones:
                continue
            seen.add(key)
            if key in rekey:
                # The same article under a new GUID: it keeps its row, and so its state.
                aid, old_hash = existing.pop(rekey[key])
                intents.rekeys.append((aid, key))
                existing[key] = (aid, old_hash)
            elif key not in existing and entry.link and (other := next((
                aid for guid, title, aid in elsewhere.get(entry.link, ())
                if guid == (entry.guid or key) or title == entry.title
            ), None)) is not None:
                # The same link and the same GUID or title is the same article (a link
                # alone may be a site's home page).
                intents.folds.append((other, key))
                continue  # one article in two feeds is listed once, under the first
            chash = hashes[i] if hashes else content_hash(entry)
            stored = existing.get(key)
            if stored is not None and stored[1] == chash:
                continue  # unchanged
            published, updated = _ts(entry.published), _ts(entry.updated)
            when = sort_time(published, updated, i, now,
                             self.sort_times[stored[0]] if stored is not None else None)
            cats = TAG_SEP.join(dict.fromkeys(c for c in entry.categories if c))
            # A feed with one text per item gives it as both summary and content; it is
            # stored once (readers take `content or summary`): a sixth of the bytes of a
            # big refresh, written twice over (WAL, then the database).
            summary = "" if entry.summary == entry.content else entry.summary
            values = _values((entry.guid or key, entry.link or "", entry.title, entry.author,
                              published, updated, when, summary, entry.content, text, cats,
                              chash))
            if stored is None:
                if entry.enclosures:
                    intents.insert_enclosures[len(intents.inserts)] = entry.enclosures
                intents.inserts.append((key, values))
            else:
                if entry.enclosures:
                    intents.edit_enclosures[stored[0]] = entry.enclosures
                intents.edits.append((stored[0], values))
        return intents
