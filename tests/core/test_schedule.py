"""The scheduling policy with no database: when a feed is fetched next, and whether it is due."""

from __future__ import annotations

from datetime import UTC, datetime

from reader.core.ingest.schedule import (
    AUTO_MAX_S,
    AUTO_MIN_S,
    MAX_BACKOFF_S,
    NextFetch,
    after_fetch,
    auto_interval,
    due_at,
    due_slack,
    feed_interval,
    interval_s,
    is_due,
)
from reader.core.models import Feed

NOW = 1_800_000_000.0


def test_interval_is_at_least_a_minute():
    assert interval_s(10) == 600
    assert interval_s(0.5) == 60


def test_refresh_interval_0_turns_the_timer_off_not_the_schedule():
    """0 = off is the TUI's timer; `refresh --due` then goes by the default interval,
    not every feed every minute."""
    from reader.core.config import Config

    assert interval_s(0) == Config().refresh_interval * 60 == 1800


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


def feed(last_fetched=None, next_fetch=None, error_count=0, gone=False):
    to_dt = lambda t: None if t is None else datetime.fromtimestamp(t, UTC)  # noqa: E731
    return Feed(1, "https://example.org/f.xml", "F", last_fetched=to_dt(last_fetched),
                next_fetch=to_dt(next_fetch), error_count=error_count, gone=gone)


def test_due_rule():
    assert is_due(feed(), 600, NOW)  # never fetched
    assert not is_due(feed(gone=True), 600, NOW)  # gone: only when named
    assert due_at(feed(gone=True), 600) is None
    assert is_due(feed(last_fetched=NOW - 600), 600, NOW)
    assert not is_due(feed(last_fetched=NOW - 300), 600, NOW)
    # Never fetched, but something stored a time for it: that time.
    assert not is_due(feed(next_fetch=NOW + 3600), 600, NOW)


def test_a_one_minute_timer_finds_the_feed_due_at_every_tick():
    """Issue 15 item 8: with a 1-minute interval the TUI refreshed every 2 minutes:
    each feed was due a minute after it was *stored*, so the next tick found it a few
    seconds short. The fetch that began just after a tick is due at the next one."""
    ticks = [NOW + 60 * i for i in range(10)]
    last, fetched_at = None, []
    for tick in ticks:
        if is_due(feed(last_fetched=last), 60, tick):
            fetched_at.append(tick)
            last = tick + 0.8  # the refresh began a little after the tick (child start)
    assert fetched_at == ticks


def test_slack_is_a_tenth_of_the_interval_at_most_a_minute():
    assert due_slack(60) == 6 and due_slack(1800) == 60
    assert is_due(feed(last_fetched=NOW - 1800 + 59), 1800, NOW)
    assert not is_due(feed(last_fetched=NOW - 1800 + 61), 1800, NOW)


def test_the_interval_in_force_decides_not_the_one_stored():
    """A plain `reader refresh` (30 minutes) stored next_fetch half an hour ahead; a TUI
    configured for 1 minute must not wait for it."""
    plan = after_fetch("ok", None, 0, 1800, NOW)
    f = feed(last_fetched=NOW, next_fetch=plan.at)
    assert is_due(f, 60, NOW + 60)
    assert not is_due(f, 1800, NOW + 60)


def test_backoff_and_retry_after_are_kept_to_the_second():
    failed = feed(last_fetched=NOW, next_fetch=NOW + 90, error_count=2)
    assert not is_due(failed, 60, NOW + 89) and is_due(failed, 60, NOW + 90)
    # A short interval in force does not cut a failure's wait short.
    assert not is_due(failed, 60, NOW + 61)


def test_retry_after_is_capped_at_a_day():
    assert after_fetch("error", 10.0 ** 9, 0, 600, NOW) == NextFetch(NOW + MAX_BACKOFF_S, 1)


def test_feed_interval_own_setting_wins():
    assert feed_interval(None, 1800) == 1800
    assert feed_interval(7200.0, 1800) == 7200
    assert feed_interval(1.0, 1800) == 60  # never under a minute


def test_auto_interval_is_half_the_typical_gap_bounded():
    hour = 3600.0
    hourly = [NOW - i * hour for i in range(10)]
    assert feed_interval(-1.0, 1800, hourly, NOW) == hour / 2
    busy = [NOW - i * 60 for i in range(10)]  # every minute: not under 15 minutes
    assert auto_interval(busy, 1800, NOW) == AUTO_MIN_S
    weekly = [NOW - i * 7 * 86400 for i in range(5)]  # weekly: not over a day
    assert auto_interval(weekly, 1800, NOW) == AUTO_MAX_S
    # Few dated articles: the config's interval, within the same bounds.
    assert auto_interval([NOW], 1800, NOW) == 1800
    assert auto_interval([], 60, NOW) == AUTO_MIN_S
    # A feed gone quiet for long is fetched less often than its old rhythm says.
    quiet = [NOW - 30 * 86400 - i * hour for i in range(3)]
    assert auto_interval(quiet, 1800, NOW) == AUTO_MAX_S
    recent_quiet = [NOW - 8 * hour - i * hour for i in range(5)]
    assert auto_interval(recent_quiet, 1800, NOW) == 2 * hour
