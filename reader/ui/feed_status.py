"""A feed's health in words: the sidebar's mark explained, the line over a failing feed's
own view, the feeds view's columns. Plain functions of a Feed (no Textual, no SQL): the
strings are feed and server data, drawn as text by whoever shows them."""

from __future__ import annotations

from datetime import datetime

from reader.core.models import Feed
from reader.core.sanitize import clean_line

FEED_VIEW_PREFIX = "feedid:"


def failing(feed: Feed) -> bool:
    return feed.gone or feed.last_status in ("error", "gone")


def mark(feed: Feed) -> str:
    """The sidebar's mark (Item.mark draws the same): ✗ gone, ! failing, "" fine."""
    if feed.gone or feed.last_status == "gone":
        return "✗"
    return "!" if feed.last_status == "error" else ""


def when(moment: datetime | None, now: datetime) -> str:
    """A time as a short local date: "14:05" today, "24 Nov 14:05" this year, else with
    the year; "—" for none."""
    if moment is None:
        return "—"
    local = moment.astimezone(now.tzinfo) if now.tzinfo else moment
    if local.date() == now.date():
        return f"{local:%H:%M}"
    if local.year == now.year:
        return f"{local:%d %b %H:%M}"
    return f"{local:%Y-%m-%d %H:%M}"


def status_text(feed: Feed) -> str:
    """One word or two for the last refresh: "ok", "not fetched yet", "failed ×3"."""
    if feed.gone or feed.last_status == "gone":
        return "gone (410)"
    if feed.last_status == "error":
        return f"failed ×{feed.error_count}" if feed.error_count > 1 else "failed"
    if feed.last_status == "not_modified":
        return "ok (unchanged)"
    if feed.last_status is None:
        # A synced feed is fetched by the sync server: its articles come with each sync.
        return "synced" if feed.remote_id else "not fetched yet"
    return clean_line(feed.last_status)


def feed_problem(feed: Feed | None, now: datetime) -> str | None:
    """The line over a failing feed's own view (None when it is fine): what went wrong,
    since when, and what to do."""
    if feed is None or not failing(feed):
        return None
    if feed.gone or feed.last_status == "gone":
        return (
            "✗ This feed is gone: its server answered 410 (removed for good), so it is no "
            "longer fetched. X unsubscribes; F lists every feed."
        )
    at = when(feed.last_fetched, now)
    failed = (
        f"has failed {feed.error_count} refreshes running, the last at {at}"
        if feed.error_count > 1
        else f"failed to refresh at {at}"
    )
    error = clean_line(feed.last_error or "unknown error").rstrip(".")
    return f"! This feed {failed}: {error}. r tries again; F lists every feed."


def feed_of_view(filter_text: str, feeds: list[Feed]) -> Feed | None:
    """The feed whose own view `filter_text` is (feedid:N), if it is one."""
    if not filter_text.startswith(FEED_VIEW_PREFIX):
        return None
    number = filter_text.removeprefix(FEED_VIEW_PREFIX)
    if not number.isdecimal():
        return None
    return next((f for f in feeds if f.id == int(number)), None)
