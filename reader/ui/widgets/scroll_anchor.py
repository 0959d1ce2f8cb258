"""Keeping what the reader looks at in place while something above it changes height.

A picture arriving above the top of the article pane (or a caption giving way to it, or
the pictures turned on or off with `i`) would push the text the reader is on down the
screen. Before such a change the first widget at or below the pane's top line is noted
with its distance from that line; once the change is laid out, the pane is scrolled so
that it is back at that distance.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from weakref import WeakKeyDictionary

from textual.widget import Widget

FOLLOW_FRAMES = 3  # frames after a change in which the place is checked again
SLOT = "image-slot"  # the class of the widgets whose insides change (article_images.py)
_keepers: WeakKeyDictionary[Widget, PlaceKeeper] = WeakKeyDictionary()


class PlaceKeeper:
    """One per scrolling pane (of(pane)): hold() before each change, release() after;
    two widgets changing at once share it, so the place is restored once."""

    @classmethod
    def of(cls, pane: Widget) -> PlaceKeeper:
        keeper = _keepers.get(pane)
        if keeper is None:
            keeper = _keepers[pane] = cls()
        return keeper

    def __init__(self) -> None:
        self._held: tuple[Widget, Widget, int] | None = None  # pane, anchor, its line
        self._changes = 0  # changes held and not yet released

    def hold(self, pane: Widget | None) -> None:
        self._changes += 1
        if self._held is not None or pane is None or pane.scroll_y <= 0:
            return  # (at the top there is nothing to keep: what grows is what is read)
        top = pane.scroll_y
        for widget in pane.query("*"):
            if widget.display and not _inside_slot(widget, pane):
                y = _content_y(pane, widget)
                if y is not None and y >= top:
                    self._held = (pane, widget, y - top)
                    return

    def release(self, widget: Widget, mounting: Iterable[Awaitable] = ()) -> None:
        """The change is made (once `mounting`, widgets it mounts, are in): the place
        comes back once it is laid out."""
        waits = list(mounting)

        async def settled() -> None:
            for mount in waits:
                await mount
            self._changes = max(0, self._changes - 1)
            widget.call_after_refresh(self._restore)

        widget.call_later(settled)

    def _restore(self, frames: int = FOLLOW_FRAMES) -> None:
        if self._held is None:
            return
        pane, anchor, line = self._held
        y = _content_y(pane, anchor) if pane.is_attached and anchor.is_attached else None
        if y is not None and y - line != pane.scroll_y:
            pane.scroll_to(y=y - line, animate=False, immediate=True)
        if self._changes:
            return  # (the last change's release restores again)
        if frames > 0 and y is not None:
            # A picture may take its height a layout pass after it is mounted (a busy
            # machine showed it): look again for a few frames before letting go.
            pane.call_after_refresh(self._restore, frames - 1)
        else:
            self._held = None


def _content_y(pane: Widget, widget: Widget) -> int | None:
    """Where `widget` starts in the pane's content (0: its first line), whatever the
    scroll: measured from the pane's first child, on the same layout (which may not
    have caught up with a scroll just made: screen positions alone would be stale)."""
    first = next((child for child in pane.children if child.display), None)
    region = widget.region
    if first is None or not region.height:
        return None
    return region.y - first.region.y + first.styles.margin.top


def _inside_slot(widget: Widget, pane: Widget) -> bool:
    """A widget inside a picture's slot: it may be replaced (the slot itself is kept)."""
    node = widget.parent
    while node is not None and node is not pane:
        if isinstance(node, Widget) and node.has_class(SLOT):
            return True
        node = node.parent
    return False
