"""Dates as feeds write them, to aware UTC datetimes (or None for what is not a date)."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

# Before this a date is a placeholder ("0001-01-01", a zero a CMS wrote), not when a
# story was published: the entry is undated (sorted by when it was first seen, shown
# without a time). 1 January 1970 is a real date here: feeds' own epoch zero is rare
# enough, and an old archive may well be dated in the 1970s.
EARLIEST = datetime(1900, 1, 1, tzinfo=UTC)
EARLIEST_TS = EARLIEST.timestamp()


def plausible(dt: datetime | None) -> datetime | None:
    """`dt`, or None for a date no story has (before EARLIEST)."""
    return dt if dt is not None and dt >= EARLIEST else None


def plausible_ts(ts: float | None) -> float | None:
    """The same for a stored time (epoch seconds)."""
    return ts if ts is not None and ts >= EARLIEST_TS else None


def dt_from_iso(value: Any) -> datetime | None:
    """An ISO 8601 date (fastfeedparser's, Atom's, JSON Feed's) or, failing that, RFC 822."""
    if not value or not isinstance(value, str):
        return None
    s = value.strip()
    try:
        dt = datetime.fromisoformat(s[:-1] + "+00:00" if s[-1:] in "Zz" else s)
    except ValueError:
        try:
            dt = parsedate_to_datetime(s)  # RFC 822, for JSON feeds that use it
        except (TypeError, ValueError, IndexError):
            return None
    if dt.tzinfo is None:
        return plausible(dt.replace(tzinfo=UTC))
    try:
        return plausible(dt.astimezone(UTC))
    except OverflowError:  # year 1 with a positive offset, and the like
        return None


def dt_from_struct(value: Any) -> datetime | None:
    """feedparser's *_parsed time.struct_time."""
    if not isinstance(value, time.struct_time):
        return None
    try:
        return plausible(datetime(*value[:6], tzinfo=UTC))  # feedparser normalizes to UTC
    except (ValueError, OverflowError):
        return None


def date_from_guid(guid: str, published: str) -> bool:
    """Whether fastfeedparser made `published` up from the guid: it reads an RSS guid
    as a date when an item has none, so guid "1" became the 1st of this month and
    guid "2030" a date in 2030."""
    from dateutil import parser as dateutil_parser  # fastfeedparser's own dependency

    try:
        guessed = dateutil_parser.parse(guid)
        if guessed.tzinfo is None:
            guessed = guessed.replace(tzinfo=UTC)
        stated = dt_from_iso(published)
        return stated is not None and abs((guessed - stated).total_seconds()) < 1
    except (ValueError, OverflowError, TypeError):
        return False
