"""When a feed is fetched next: the whole scheduling policy, with no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

MAX_BACKOFF_S = 86400.0  # a failing feed is still tried once a day


@dataclass(frozen=True, slots=True)
class NextFetch:
    """What a fetch changes in a feed's schedule."""

    at: float | None  # when it is fetched next (epoch seconds); None: not by itself
    error_count: int | None  # failures in a row; None: as it was
    gone: bool = False  # 410 Gone: fetched again only when named


def interval_s(refresh_interval_min: float) -> float:
    """The refresh interval (config, minutes) in seconds; at least a minute."""
    return max(refresh_interval_min, 1.0) * 60


def next_backoff(error_count: int, base_interval_s: float) -> float:
    """Seconds until a feed that failed `error_count` times in a row is tried again."""
    exponent = min(max(error_count, 0), 32)  # 2**32 * anything positive is past a day
    return float(min(base_interval_s * 2**exponent, MAX_BACKOFF_S))


def after_fetch(status: str, retry_after: float | None, error_count: int,
                interval: float, now: float) -> NextFetch:
    """The schedule after a fetch that ended with `status` (FetchResult.status) at
    `now`, for a feed that had failed `error_count` times in a row, with a refresh
    interval of `interval` seconds. A server's Retry-After (seconds) wins over backoff."""
    if status in ("ok", "not_modified"):
        return NextFetch(now + interval, 0)
    if status == "gone":
        return NextFetch(None, None, gone=True)
    errors = error_count + 1
    return NextFetch(now + (retry_after or next_backoff(errors, interval)), errors)


def is_due(gone: bool, next_fetch: datetime | None, now: datetime) -> bool:
    """Whether a refresh of the due feeds fetches this one."""
    return not gone and (next_fetch is None or next_fetch <= now)
