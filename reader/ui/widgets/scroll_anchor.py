"""Keeping what the reader looks at in place while something above it changes height.

A picture arriving above the top of the article pane (or a caption giving way to it, or
the pictures turned on or off with `i`) would push the text the reader is on down the
screen. Before such a change the widget on the pane's top line is noted (a leaf: not a
container whose children are shown, nor a part of a picture's slot), or the first one
below it, with its distance from that line; once the change is laid out, the pane is
scrolled so that it is back at that distance.

The body's text is drawn by a few widgets of many screens each (article_text.py), which
the pictures' placing replaces: in one of them the place is the block (paragraph, list,
table...) on the top line and the line in it, found again in whichever widget shows that
block afterwards.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from weakref import WeakKeyDictionary

from textual.dom import DOMNode
from textual.widget import Widget

FOLLOW_FRAMES = 3  # frames after a change in which the place is checked again
SLOT = "image-slot"  # the class of the widgets whose insides change (article_images.py)
_keepers: WeakKeyDictionary[Widget, PlaceKeeper] = WeakKeyDictionary()


@dataclass
class Anchor:
    """What stays put: `widget`, or (when `block` is set) that block of the text, `within`
    lines into it, in whichever run of `body` shows it then; `distance`: its line's
    distance from the pane's top (< 0: above it)."""

    widget: Widget
    distance: int
    block: object | None = None
    within: int = 0
    body: DOMNode | None = None


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
        self._held: tuple[Widget, Anchor] | None = None  # the pane, what is kept in it
        self._changes = 0  # changes held and not yet released

    def hold(self, pane: Widget | None) -> None:
        self._changes += 1
        if self._held is not None or pane is None or pane.scroll_y <= 0:
            return  # (at the top there is nothing to keep: what grows is what is read)
        anchor = _anchor_at(pane, int(pane.scroll_y))
        if anchor is not None:
            self._held = (pane, anchor)

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
        pane, anchor = self._held
        y = _where(pane, anchor) if pane.is_attached else None
        if y is not None and y - anchor.distance != pane.scroll_y:
            pane.scroll_to(y=y - anchor.distance, animate=False, immediate=True)
        if self._changes:
            return  # (the last change's release restores again)
        if frames > 0:
            # A picture may take its height a layout pass after it is mounted (a busy
            # machine showed it), the runs of text placed around it too (not found until
            # then): look again for a few frames before letting go.
            pane.call_after_refresh(self._restore, frames - 1)
        else:
            self._held = None


def _anchor_at(pane: Widget, top: int) -> Anchor | None:
    """The leaf widget on line `top` of the pane's content, or the first below it."""
    for widget in pane.query("*"):
        if not widget.display or _inside_slot(widget, pane) or not _leaf(widget):
            continue
        y = _content_y(pane, widget)
        if y is None or y + widget.region.height <= top:
            continue
        if _is_text(widget):
            y = _text_y(pane, widget) or y
            mark = _block_on(widget, max(0, top - y))
            if mark is not None:
                block, start, within = mark
                return Anchor(widget, y + start + within - top, block, within, widget.parent)
        return Anchor(widget, y - top)
    return None


def _where(pane: Widget, anchor: Anchor) -> int | None:
    """Where the anchor's line is now in the pane's content (None: gone, or not laid
    out yet)."""
    if anchor.block is None:
        return _content_y(pane, anchor.widget) if anchor.widget.is_attached else None
    body = anchor.body
    if body is None or not body.is_attached:
        return None
    shown_in = {id(block): run for run in body.children if run.display and _is_text(run)
                for block in run.blocks if not block.hidden}  # type: ignore[attr-defined]
    blocks = list(anchor.widget.document.blocks)  # type: ignore[attr-defined]
    start = blocks.index(anchor.block) if anchor.block in blocks else len(blocks)
    within = anchor.within
    for block in blocks[start:]:  # (gone, a paragraph drawn as its pictures: the next)
        run = shown_in.get(id(block))
        if run is not None:
            line = run.line_of(block)  # type: ignore[attr-defined]
            y = _text_y(pane, run)
            return None if line is None or y is None else y + line + within
        within = 0
    return None


def _text_y(pane: Widget, run: Widget) -> int | None:
    """Where a text run's first line is in the pane's content."""
    y = _content_y(pane, run)
    return None if y is None else y + run.content_region.y - run.region.y


def _is_text(widget: Widget) -> bool:
    """A run of the article's text (article_text.ArticleText): its blocks as lines."""
    return hasattr(widget, "blocks") and hasattr(widget, "line_of")


def _block_on(run: Widget, row: int) -> tuple[object, int, int] | None:
    """The block drawn on line `row` of a text run: it, its first line, `row` in it."""
    found = None
    for block in run.blocks:  # type: ignore[attr-defined]
        start = run.line_of(block)  # type: ignore[attr-defined]
        if start is None:
            continue  # (hidden)
        if start > row and found is not None:
            break
        found = (block, start, max(0, row - start))
    return found


def _leaf(widget: Widget) -> bool:
    """A widget that is drawn as one: a picture's slot, or nothing shown inside it."""
    return widget.has_class(SLOT) or not any(child.display for child in widget.children)


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
