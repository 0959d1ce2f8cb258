"""The scheduling policy with no database: when a feed is fetched next, and whether it is due."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from reader.core.ingest.schedule import (
    MAX_BACKOFF_S,
    NextFetch,
    after_fetch,
    interval_s,
    is_due,
)

NOW = 1_800_000_000.0


def test_interval_is_at_least_a_minute():
    assert interval_s(10) == 600
    assert interval_s(0) == 60


def test_a_fetch_that_worked_clears_the_errors():
    for status in ("ok", "not_modified"):
        assert after_fetch(status, None, 5, 600, NOW) == NextFetch(NOW + 600, 0)


def test_failures_back_off_and_count():
    assert after_fetch("error", None, 0, 600, NOW) == NextFetch(NOW + 1200, 1)
    assert after_fetch("error", None, 2, 600, NOW) == NextFetch(NOW + 4800, 3)
    assert after_fetch("error", None, 40, 600, NOW) == NextFetch(NOW + MAX_BACKOFF_S, 41)


def test_retry_after_wins_over_backoff():
    assert after_fetch("error", 90.0, 3, 600, NOW) == NextFetch(NOW + 90, 4)


def test_gone_is_not_fetched_by_itself_and_keeps_its_count():
    assert after_fetch("gone", None, 2, 600, NOW) == NextFetch(None, None, gone=True)


def test_due_rule():
    now = datetime.fromtimestamp(NOW, UTC)
    assert is_due(False, None, now)  # never fetched
    assert is_due(False, now, now)
    assert is_due(False, now - timedelta(seconds=1), now)
    assert not is_due(False, now + timedelta(seconds=1), now)
    assert not is_due(True, None, now)  # gone: only when named
