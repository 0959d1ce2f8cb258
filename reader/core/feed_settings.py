"""A feed's own settings as text: KEY=VALUE parsed, checked and written back.

One place for `reader feed-set`, OPML attributes and the TUI's editor (through
Library), so that every way in takes the same values and gives the same one-line
errors. A value of "default" clears the setting: the config decides again.

    full_text=always|auto|never       fetch each article's page (see full articles)
    refresh_every=15m|2h|1d|1h30m|auto how often the feed is fetched; auto: from how
                                      often it publishes (ingest/schedule.py)
    keep=N|all                        the newest N articles (starred ones stay);
                                      all: none deleted, whatever [retention] says
    user_agent=TEXT                   the User-Agent this feed is fetched with
"""

from __future__ import annotations

import dataclasses
import re
from typing import TYPE_CHECKING, NamedTuple

from .errors import ReaderError
from .models import FeedSettings
from .sanitize import clean_line

if TYPE_CHECKING:
    from .config import Config

KEYS = ("full_text", "refresh_every", "keep", "user_agent")
FULL_TEXT_MODES = ("always", "auto", "never")
AUTO_INTERVAL = -1.0  # FeedSettings.refresh_every for "auto" (as schema 7 stores it)
KEEP_ALL = 0  # FeedSettings.keep for "all"
MIN_EVERY_S = 60.0  # the refresh interval's own floor (schedule.interval_s)
MAX_EVERY_S = 30 * 86400.0
MAX_KEEP = 1_000_000_000
MAX_USER_AGENT = 300
_UNITS = {"s": 1, "m": 60, "min": 60, "h": 3600, "d": 86400}
_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*(min|[smhd])", re.IGNORECASE)
_PRINTABLE_ASCII = re.compile(r"[ -~]+")


class FeedSettingError(ReaderError):
    """A KEY=VALUE that cannot be a feed setting; the message says what can."""


class SettingView(NamedTuple):
    """One setting as a person reads it: `shown` is the value, or "default (<what the
    config gives>)" when the feed has none of its own."""

    key: str
    value: str | None  # the feed's own value as KEY=VALUE takes it; None: the default
    shown: str
    choices: str  # what the value may be, for a prompt or an error


CHOICES = {
    "full_text": "always, auto, never or default",
    "refresh_every": "a duration (15m, 2h, 1d, 1h30m), auto or default",
    "keep": "a number of articles, all or default",
    "user_agent": "any text (printable ASCII) or default",
}


def _key(name: str) -> str:
    key = clean_line(name).strip().lower().replace("-", "_")
    if key not in KEYS:
        raise FeedSettingError(f"unknown setting '{clean_line(name)}' (settings: {', '.join(KEYS)})")
    return key


def parse_duration(text: str) -> float:
    """'15m', '2h', '1d', '1h30m', '90s', '45' (minutes, as the config counts) -> seconds."""
    s = text.strip().lower()
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", s):
        return float(s) * 60
    parts = _DURATION_PART.findall(s)
    if not parts or _DURATION_PART.sub("", s).strip():
        raise ValueError(s)
    return float(sum(float(n) * _UNITS[unit.lower()] for n, unit in parts))


def format_duration(seconds: float) -> str:
    """Seconds as parse_duration reads them back: 5400 -> '1h30m', 90 -> '1m30s'."""
    rest = round(seconds)
    out = []
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        n, rest = divmod(rest, size)
        if n:
            out.append(f"{n}{unit}")
    return "".join(out) or "0s"


def parse_value(key: str, value: str) -> object:
    """The FeedSettings field value for `key` (any spelling of it) from its text, None
    for "default"; FeedSettingError says what it may be."""
    key = _key(key)
    if key == "user_agent" and not _PRINTABLE_ASCII.fullmatch(value.strip() or " "):
        # (checked before clean_line, which would quietly drop an escape sequence)
        raise FeedSettingError(f"user_agent: '{clean_line(value).strip()}' is not "
                               f"{CHOICES[key]}")
    text = clean_line(value).strip()
    if text.lower() == "default":
        return None
    bad = FeedSettingError(f"{key}: '{text}' is not {CHOICES[key]}")
    if key == "full_text":
        if text.lower() not in FULL_TEXT_MODES:
            raise bad
        return text.lower()
    if key == "refresh_every":
        if text.lower() == "auto":
            return AUTO_INTERVAL
        try:
            seconds = parse_duration(text)
        except ValueError:
            raise bad from None
        if not MIN_EVERY_S <= seconds <= MAX_EVERY_S:
            raise FeedSettingError(f"refresh_every: '{text}' is not between 1m and 30d")
        return seconds
    if key == "keep":
        if text.lower() == "all":
            return KEEP_ALL
        if not text.isascii() or not text.isdecimal() or int(text) < 1:
            raise bad
        if int(text) > MAX_KEEP:
            raise FeedSettingError(f"keep: '{text}' is more than {MAX_KEEP:,}")
        return int(text)
    if not text or not _PRINTABLE_ASCII.fullmatch(text):
        raise bad  # an HTTP header carries printable ASCII only
    if len(text) > MAX_USER_AGENT:
        raise FeedSettingError(f"user_agent: longer than {MAX_USER_AGENT} characters")
    return text


def format_value(key: str, settings: FeedSettings) -> str | None:
    """The feed's own value of `key` as parse_value takes it back; None when unset."""
    value = getattr(settings, _key(key))
    if value is None:
        return None
    if key == "refresh_every":
        return "auto" if value < 0 else format_duration(value)
    if key == "keep":
        return "all" if value == KEEP_ALL else str(value)
    return str(value)


def split_pair(pair: str) -> tuple[str, str]:
    """'keep=50' -> ('keep', '50'); FeedSettingError for text without '='."""
    key, sep, value = pair.partition("=")
    if not sep or not key.strip():
        raise FeedSettingError(
            f"expected KEY=VALUE, got '{clean_line(pair)}' (settings: {', '.join(KEYS)})")
    return key, value


def apply_changes(settings: FeedSettings, changes: dict[str, str]) -> FeedSettings:
    """`settings` with each KEY=VALUE of `changes` applied; all checked before any is."""
    parsed = {_key(k): parse_value(k, v) for k, v in changes.items()}
    return dataclasses.replace(settings, **parsed)


def as_pairs(settings: FeedSettings) -> dict[str, str]:
    """The settings a feed has of its own, as KEY=VALUE text (OPML writes these)."""
    return {k: v for k in KEYS if (v := format_value(k, settings)) is not None}


def config_defaults(config: Config) -> dict[str, str]:
    """What each setting is for a feed without its own: the config's value, as text."""
    from .ingest.schedule import interval_s

    return {
        "full_text": "never",
        "refresh_every": format_duration(interval_s(config.refresh_interval)),
        "keep": str(config.max_per_feed) if config.max_per_feed else "all",
        "user_agent": "reader's own",
    }


def describe(settings: FeedSettings, config: Config) -> list[SettingView]:
    """Each setting for a person, the config's value shown for those unset."""
    defaults = config_defaults(config)
    views = []
    for key in KEYS:
        value = format_value(key, settings)
        shown = value if value is not None else f"default ({defaults[key]})"
        views.append(SettingView(key, value, shown, CHOICES[key]))
    return views
