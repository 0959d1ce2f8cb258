"""What the main screen shows: one view, and what the library held at the last count.

Plain data, no Textual: the screen owns one ViewState and one Catalogue, the workers
that read views and counts fill them in (on the event loop), and the header, the
sidebar, the pickers and the command palette read them instead of the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reader.core.filters import Filter
from reader.core.models import Feed


@dataclass
class ViewState:
    """The view shown: a filter string in the core filter language and what is known of
    it. Each new view or reload is a new `generation`: what a thread read for an older
    one is dropped when it arrives."""

    filter_text: str = ""
    label: str = "All"  # the header's name for it
    query: Filter | None = None
    generation: int = 0
    count: int | None = None  # None while being read
    unread: int | None = None
    opened_id: int | None = None  # the article asked for (it loads in a thread)
    undo_ids: list[int] = field(default_factory=list)  # what A marked read, for u
    pending_unread: int | None = None  # n/N across feeds: the step to take once loaded
    pending_unread_from: int | None = None  # ... and the row to look on from

    def show(self, text: str, label: str, query: Filter) -> int:
        """A new view: its counts are unknown until read. Returns its generation."""
        self.filter_text, self.label, self.query = text, label, query
        self.count = self.unread = None
        self.generation += 1
        return self.generation

    def renew(self, query: Filter) -> int:
        """The same view read again (the data changed). Returns its generation."""
        self.query = query
        self.generation += 1
        return self.generation

    def is_current(self, generation: int) -> bool:
        return generation == self.generation

    def take_pending_unread(self) -> tuple[int, int | None] | None:
        """The n/N waiting for the view's rows (step, row to look on from), once."""
        if self.pending_unread is None:
            return None
        step, self.pending_unread = self.pending_unread, None
        start, self.pending_unread_from = self.pending_unread_from, None
        return step, start


@dataclass
class Catalogue:
    """What the library held at the last count (ViewLoader.load_counts reads it in a thread)."""

    feeds: list[Feed] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    saved_filters: dict[str, str] = field(default_factory=dict)  # name -> filter
    totals: dict[str, int] = field(default_factory=dict)
    has_feeds: bool | None = None  # None until the first count
