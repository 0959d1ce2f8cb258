"""When a feed is fetched next: the whole scheduling policy, with no I/O."""

from __future__ import annotations

MAX_BACKOFF_S = 86400.0  # a failing feed is still tried once a day


def next_backoff(error_count: int, base_interval_s: float) -> float:
    """Seconds until a feed that failed `error_count` times in a row is tried again."""
    exponent = min(max(error_count, 0), 32)  # 2**32 * anything positive is past a day
    return float(min(base_interval_s * 2**exponent, MAX_BACKOFF_S))
