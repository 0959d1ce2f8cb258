"""When a feed is fetched next: the whole scheduling policy, with no I/O.

A feed that fetched fine is due `interval` after its last fetch began, the interval
being the one in force now (the feed's refresh_every, else the config's): a
`reader refresh` run with another config does not decide for the TUI, and a config
changed to 1 minute takes effect at once. A feed is due a little early (DUE_SLACK, a
tenth of its interval, a minute at most) so that the timer that checks every
interval finds it due at that tick, however late the previous fetch began or ended;
else it would wait a whole extra interval, halving the rate. (The refresh stores the
time it began as each feed's last_fetched: a long refresh delays no feed either.)

A failing feed keeps the time its failure decided (backoff from the interval, or the
server's Retry-After, stored as next_fetch); a gone one (410) is fetched only when named.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass

from ..models import Feed

MAX_BACKOFF_S = 86400.0  # a failing feed is still tried once a day
DUE_SLACK_FRACTION = 0.1
DUE_SLACK_MAX_S = 60.0
# refresh_every=auto: half the feed's typical gap between articles, within these.
AUTO_MIN_S = 15 * 60.0
AUTO_MAX_S = 86400.0
AUTO_MIN_DATED = 3  # fewer dated articles than this: the config's interval (bounded)


@dataclass(frozen=True, slots=True)
class NextFetch:
    """What a fetch changes in a feed's schedule."""

    at: float | None  # when it is fetched next (epoch seconds); None: not by itself
    error_count: int | None  # failures in a row; None: as it was
    gone: bool = False  # 410 Gone: fetched again only when named


# refresh_interval = 0 turns the TUI's timer off, not the feeds' schedule: a feed's
# interval (`refresh --due`, backoff) is then the config's default, not a minute
# (tests/core/test_schedule.py checks it is config.py's).
INTERVAL_WHEN_OFF_MIN = 30.0


def interval_s(refresh_interval_min: float) -> float:
    """The refresh interval (config, minutes) in seconds; at least a minute; 0 (the
    TUI's timer off): the default interval."""
    if refresh_interval_min <= 0:
        return INTERVAL_WHEN_OFF_MIN * 60
    return max(refresh_interval_min, 1.0) * 60


def next_backoff(error_count: int, base_interval_s: float) -> float:
    """Seconds until a feed that failed `error_count` times in a row is tried again."""
    exponent = min(max(error_count, 0), 32)  # 2**32 * anything positive is past a day
    return float(min(base_interval_s * 2**exponent, MAX_BACKOFF_S))


def after_fetch(status: str, retry_after: float | None, error_count: int,
                interval: float, now: float) -> NextFetch:
    """The schedule after a fetch that ended with `status` (FetchResult.status) and
    began at `now`, for a feed that had failed `error_count` times in a row, with a
    refresh interval of `interval` seconds. A server's Retry-After (seconds) wins over
    backoff (capped at a day, as backoff is)."""
    if status in ("ok", "not_modified"):
        return NextFetch(now + interval, 0)
    if status == "gone":
        return NextFetch(None, None, gone=True)
    errors = error_count + 1
    wait = min(retry_after, MAX_BACKOFF_S) if retry_after else next_backoff(errors, interval)
    return NextFetch(now + wait, errors)


def auto_interval(published: list[float], default_s: float, now: float) -> float:
    """refresh_every=auto: half the median gap between the feed's newest dated articles
    (`published`, epoch seconds, any order), or a quarter of the time since the newest
    when that is longer (a feed gone quiet is fetched less and less often), within 15
    minutes and a day. Fewer than 3 dated articles: `default_s`, within the same bounds."""
    times = sorted(published, reverse=True)
    if len(times) < AUTO_MIN_DATED:
        return min(max(default_s, AUTO_MIN_S), AUTO_MAX_S)
    gaps = [a - b for a, b in zip(times, times[1:])]
    wanted = max(statistics.median(gaps) / 2, (now - times[0]) / 4)
    return min(max(wanted, AUTO_MIN_S), AUTO_MAX_S)


def feed_interval(refresh_every: float | None, default_s: float,
                  published: list[float] | None = None, now: float = 0.0) -> float:
    """The interval in force for a feed: its own refresh_every (seconds; negative for
    auto, read from `published`), else `default_s` (the config's)."""
    if refresh_every is None:
        return default_s
    if refresh_every < 0:
        return auto_interval(published or [], default_s, now)
    return max(refresh_every, 60.0)


def due_slack(interval: float) -> float:
    return min(interval * DUE_SLACK_FRACTION, DUE_SLACK_MAX_S)


def due_at(feed: Feed, interval: float) -> float | None:
    """When `feed` is next due (epoch seconds; 0.0: now), with `interval` in force
    (feed_interval); None when it is fetched only when named (410 Gone)."""
    if feed.gone:
        return None
    if feed.error_count or feed.last_fetched is None:
        # A failure's backoff or Retry-After; or a feed never fetched (due, unless
        # something stored a time for it).
        return feed.next_fetch.timestamp() if feed.next_fetch is not None else 0.0
    return feed.last_fetched.timestamp() + interval


def is_due(feed: Feed, interval: float, now: float) -> bool:
    """Whether a refresh of the due feeds at `now` fetches `feed`. Only the interval
    has slack: a backoff or a server's Retry-After is kept to the second."""
    at = due_at(feed, interval)
    if at is None:
        return False
    slack = 0.0 if feed.error_count else due_slack(interval)
    return at - slack <= now
