"""How the commands print: counts, times and the feed column, the same in every command."""

from __future__ import annotations

import functools
from datetime import UTC, datetime


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def iso(dt: datetime | None) -> str | None:
    """A time as --json writes it: UTC, ISO 8601 with a Z."""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None


def local_time(dt: datetime | None) -> str:
    """A time as a listing shows it: local, to the minute; blanks of the same width for none."""
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else " " * 16


@functools.lru_cache(maxsize=1024)  # a listing repeats a few feeds' titles thousands of times
def feed_column(title: str, width: int = 24) -> str:
    """`title` cut or padded to `width` terminal cells: a CJK character takes two, a
    combining mark none."""
    if title.isascii():  # one cell a character (control characters never get stored)
        return f"{title[:width]:<{width}}"
    from rich.cells import set_cell_size

    return set_cell_size(title, width)
