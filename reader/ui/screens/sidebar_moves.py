"""The sidebar's cursor moves: each move is a view to show, j held down shows where it stops.

A move and its view's first rows are drawn in one frame (the frames are held from the
move to the rows, at most SWITCH_WAIT); moves closer than SWITCH_COALESCE apply once,
at the end.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from ..frames import HeldFrames
from ..view_state import ViewState
from ..widgets.sidebar import Item, Sidebar

if TYPE_CHECKING:
    from ..widgets.headline_list import HeadlineList

SWITCH_COALESCE = 0.1  # seconds: sidebar moves closer than this apply once, at the end
SWITCH_WAIT = 0.08  # seconds a sidebar move waits at most for its view's rows (moving)


class SidebarScreen(Protocol):
    """What the sidebar's moves use of the screen they are on (MainScreen)."""

    headlines: HeadlineList
    sidebar: Sidebar
    awaiting_rows: bool  # the view's first rows are being read
    filter_closing: bool  # Enter in the filter box: its frames are held for the rows

    def set_timer(self, delay: float, callback: Callable) -> object: ...
    def set_focus(self, widget: HeadlineList) -> None: ...
    def apply_filter(self, text: str, label: str | None = None) -> bool: ...
    def update_header(self) -> None: ...
    def focus_pane(self, pane: str) -> None: ...


class SidebarMoves:
    """Built with the screen; the sidebar calls `moving` and `chosen`, the screen passes
    on Sidebar.Selected to `selected`."""

    def __init__(self, screen: SidebarScreen, view: ViewState, frames: HeldFrames) -> None:
        self._screen = screen
        self._view = view
        self._frames = frames
        self._timer = None  # a sidebar move waiting for the keys to stop
        self._switch_to: tuple[str, str] = ("", "")  # ... and the view it will show
        self._last_switch = 0.0

    @property
    def pending(self) -> bool:
        """A sidebar move is waiting to be shown (tests wait for it)."""
        return self._timer is not None

    def _stop(self) -> None:
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def selected(self, event: Sidebar.Selected) -> None:
        screen = self._screen
        item = event.item
        if screen.sidebar.pending is item:
            screen.sidebar.pending = None
        label = item.view_label
        self._stop()
        now = time.monotonic()
        rushing = now - self._last_switch < SWITCH_COALESCE
        self._last_switch = now
        if event.focus or not rushing:
            self._switch_now(item.filter, label)
        else:
            # j held down in the sidebar: show where it stops, not every item on the way.
            self._switch_to = (item.filter, label)
            self._timer = screen.set_timer(
                SWITCH_COALESCE, lambda: self._switch_now(item.filter, label)
            )
        if event.focus:
            screen.focus_pane("headlines")
        if not (screen.awaiting_rows or screen.filter_closing):
            self._frames.release()  # no rows to wait for (moving): draw now

    def moving(self, item: Item) -> None:
        """The sidebar's cursor moves onto `item`, whose view comes next (selected, unless
        j is held down): the cursor and the view's first rows go in one frame. Drawn
        apart, the rows came one frame later (Textual draws at most every 1/60 s): ~35 ms
        from the key to them at 100k articles instead of ~15."""
        if (
            item.filter != self._view.filter_text
            and time.monotonic() - self._last_switch >= SWITCH_COALESCE
        ):
            self._frames.hold(SWITCH_WAIT)

    def chosen(self, item: Item) -> None:
        """Enter in the sidebar: the list gets the focus now, as the key is handled, so that
        keys typed after Enter move in the list (Selected, which shows the item's view if
        j held down has not yet, comes after them)."""
        self._stop()
        self._switch_now(item.filter, item.view_label)
        self._screen.focus_pane("headlines")
        self._screen.set_focus(self._screen.headlines)  # (now: Widget.focus() waits)

    def show_pending(self) -> None:
        """A move still waiting for the keys to stop is shown now (/ edits its view)."""
        if self._timer is not None:
            self._timer.stop()
            self._switch_now(*self._switch_to)

    def _switch_now(self, text: str, label: str) -> None:
        self._timer = None
        if text != self._view.filter_text:
            self._screen.apply_filter(text, label)
        elif label != self._view.label:  # another item with the same filter (a saved one)
            self._view.label = label
            self._screen.update_header()
