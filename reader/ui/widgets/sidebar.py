"""The sidebar: All, Unread, Starred, saved filters, tags with their feeds, then the
articles' own categories (behind a toggle row when there are many).

Every item is just a filter string in the core filter language ("", "is:unread",
"+tech", "feedid:7" ...); choosing one posts `Sidebar.Selected` and the app applies it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.message import Message
from textual.strip import Strip

from reader.core.models import Feed
from reader.core.sanitize import clean_line
from reader.core.tags import fold

from .headline_list import fit
from .line_list import LineList


def tag_filter(tag: str) -> str:
    return f'+"{tag}"' if any(c.isspace() for c in tag) else f"+{tag}"


CATEGORIES_OPEN_MOST = 40  # categories shown open at first up to this many; more: closed


@dataclass(slots=True)
class Item:
    # "all" "unread" "starred" "saved" "tag" "feed" "category", or "section" and
    # "categories" (the row that shows or hides the categories: Enter on it)
    kind: str
    label: str
    filter: str = ""
    count: int | None = None
    depth: int = 0
    feed: Feed | None = None
    name: str = ""  # a saved filter's name as stored (the label is cleaned for display)

    @property
    def selectable(self) -> bool:
        """Whether the item shows a view (the cursor also stops on the categories row)."""
        return self.kind not in ("section", "categories")

    @property
    def view_label(self) -> str:
        """The header's name for the view this item shows."""
        return f"Feed: {self.label}" if self.kind == "feed" else self.label

    @property
    def mark(self) -> str:
        if self.feed is None:
            return ""
        if self.feed.gone or self.feed.last_status == "gone":
            return "✗"
        if self.feed.last_status == "error":
            return "!"
        return ""


def build_items(
    feeds: list[Feed],
    totals: dict[str, int],
    saved: dict[str, str],
    saved_counts: dict[str, int] | None = None,
    tag_counts: dict[str, int] | None = None,
    tags: list[str] | None = None,
) -> list[Item]:
    """The sidebar's rows; saved filters show `saved_counts` (their unread counts, read
    later). A tag shows its count in `tag_counts` (by tags.fold: what its view counts,
    articles' own categories too), else the sum of its feeds'. `tags`: every name a +TAG
    selects (Library.tags); those no feed carries are the articles' own categories,
    listed last under their own row."""
    saved_counts = saved_counts or {}
    items = [
        Item("all", "All", "", totals.get("unread", 0)),
        Item("unread", "Unread", "is:unread", totals.get("unread", 0)),
        Item("starred", "Starred", "is:starred", totals.get("starred", 0)),
    ]
    if saved:
        items.append(Item("section", "Saved filters"))
        items += [
            Item("saved", clean_line(name), query, saved_counts.get(name), depth=1, name=name)
            for name, query in saved.items()
        ]
    by_tag: dict[str, tuple[str, list[Feed]]] = {}
    untagged: list[Feed] = []
    for feed in feeds:
        if not feed.tags:
            untagged.append(feed)
        for tag in feed.tags:
            by_tag.setdefault(fold(tag), (tag, []))[1].append(feed)
    for key in sorted(by_tag):
        tag, members = by_tag[key]
        count = (tag_counts or {}).get(key, sum(f.unread for f in members))
        items.append(Item("tag", clean_line(tag), tag_filter(tag), count))
        items += [
            Item("feed", clean_line(f.display_title), f"feedid:{f.id}", f.unread, 1, f)
            for f in members
        ]
    if untagged:
        items.append(Item("section", "Untagged"))
        items += [
            Item("feed", clean_line(f.display_title), f"feedid:{f.id}", f.unread, 1, f)
            for f in untagged
        ]
    categories = [t for t in tags or () if fold(t) not in by_tag]
    if categories:
        items.append(Item("categories", "Categories"))
        items += [
            Item("category", clean_line(t), tag_filter(t), (tag_counts or {}).get(fold(t)), 1)
            for t in categories
        ]
    return items


class Sidebar(LineList):
    """The left pane."""

    HELP_TITLE = "Sidebar"

    BINDINGS = [
        Binding("enter", "choose", "Show", id="choose", show=False),
        Binding("d", "delete_filter", "Delete filter", id="delete_filter"),
    ]

    COMPONENT_CLASSES = {
        "sidebar--edge",
        "sidebar--thumb",
        "sidebar--cursor",
        "sidebar--cursor-blurred",
        "sidebar--active",
        "sidebar--section",
        "sidebar--tag",
        "sidebar--count",
        "sidebar--error",
    }

    # The right edge is drawn with the rows, and shows where the list is scrolled to: a
    # border and a scrollbar of Textual's each took the rows off its fast path, and the
    # scrollbar was drawn again (5-8 ms) on every layout pass of the screen.
    DEFAULT_CSS = """
    Sidebar { scrollbar-size-vertical: 0; }
    Sidebar > .sidebar--edge { color: $panel-lighten-2; }
    Sidebar > .sidebar--thumb { color: $scrollbar; }
    Sidebar > .sidebar--cursor { background: $block-cursor-background; color: $block-cursor-foreground; }
    Sidebar > .sidebar--cursor-blurred { background: $block-cursor-blurred-background; }
    Sidebar > .sidebar--active { text-style: bold; color: $text-accent; }
    Sidebar > .sidebar--section { color: $text-muted; text-style: italic; }
    Sidebar > .sidebar--tag { text-style: bold; }
    Sidebar > .sidebar--count { color: $text-muted; }
    Sidebar > .sidebar--error { color: $text-error; text-style: bold; }
    """

    class Selected(Message):
        """An item was chosen: by moving onto it (`focus` False) or with Enter (True)."""

        def __init__(self, item: Item, focus: bool = False) -> None:
            super().__init__()
            self.item = item
            self.focus = focus

    class DeleteFilter(Message):
        """The user asked to delete this saved filter (the screen confirms first)."""

        def __init__(self, item: Item) -> None:
            super().__init__()
            self.item = item

    def __init__(
        self,
        on_move: Callable[[Item], None] | None = None,
        on_choose: Callable[[Item], None] | None = None,
        **kwargs,
    ) -> None:
        """`on_move(item)` is called as the cursor moves onto an item, before Selected is
        posted: by then the frame with the moved cursor may have been drawn (the message
        takes a few hops to reach the screen), and a screen that wants the cursor and the
        view it selects drawn together must hold its frames from there."""
        super().__init__(**kwargs)
        self.on_move = on_move
        # `on_choose(item)`: Enter on an item, called at once (Selected comes after the keys
        # typed after Enter have been looked up: "Enter jj" moved the sidebar, not the list).
        self.on_choose = on_choose
        self.items: list[Item] = []  # the rows shown
        self.all_items: list[Item] = []  # ... and the categories hidden behind their row
        # The categories shown (True) or hidden behind their row; None: shown when they are
        # few (CATEGORIES_OPEN_MOST), until the user says otherwise (Enter on their row).
        self.categories_open: bool | None = None
        self.active_filter: str | None = ""
        # Chosen, its Selected not handled yet (the screen clears it): the cursor is ahead
        self.pending: Item | None = None
        self._thumb_key: tuple = ()
        self._thumb = (0, 0)  # screen lines start..end of the scroll thumb

    @property
    def allow_vertical_scroll(self) -> bool:
        """Whether the rows overflow the pane. Textual answers from its scrollbar state,
        which only a layout pass updates; new items skip that pass (update_virtual_size),
        so the sidebar filled after its first layout could not scroll to its cursor until
        a resize (`h`, `G` on the demo at 120x24 left the cursor off-screen)."""
        return self.virtual_size.height > self.scrollable_content_region.height

    @property
    def row_count(self) -> int:
        return len(self.items)

    @property
    def current(self) -> Item | None:
        return self.items[self.cursor] if 0 <= self.cursor < len(self.items) else None

    def is_selectable(self, row: int) -> bool:
        return self.items[row].selectable or self.items[row].kind == "categories"

    def _shown(self, items: list[Item]) -> list[Item]:
        """The rows of `items` to show: the categories' only while they are open (their
        row says which, and how many there are)."""
        count = sum(item.kind == "category" for item in items)
        is_open = self.categories_open
        if is_open is None:
            is_open = count <= CATEGORIES_OPEN_MOST
        for item in items:
            if item.kind == "categories":
                item.label = f"{'▾' if is_open else '▸'} Categories ({count:,})"
        return items if is_open else [item for item in items if item.kind != "category"]

    def toggle_categories(self) -> None:
        """Show or hide the articles' own categories (Enter or a click on their row)."""
        self.categories_open = not any(item.kind == "category" for item in self.items)
        self.set_items(self.all_items)

    def set_items(self, items: list[Item]) -> None:
        """New items (counts changed); the cursor stays on the same item when it can: a
        feed under two tags is two items, and the one under the same tag is kept."""
        old = self.current
        old_place = self.place(self.cursor)
        was_saved = self._on_saved(self.cursor)
        self.all_items = items
        items = self.items = self._shown(items)
        row = 0
        if old is not None:
            same = [
                i
                for i, item in enumerate(items)
                if item.kind == old.kind and item.filter == old.filter
            ]
            if same:
                row = next((i for i in same if self.place(i) == old_place), same[0])
            else:
                # Gone (a deleted saved filter, an unsubscribed feed): stay near, on an item.
                row = min(self.cursor, max(0, len(items) - 1))
                while 0 < row and not items[row].selectable:
                    row -= 1
        self.cursor = row
        self.update_virtual_size()
        self.scroll_to_cursor()
        self.refresh()  # (drawn rows are keyed on what they show: only changed ones are drawn)
        if was_saved != self._on_saved(row):
            self.refresh_bindings()

    def place(self, row: int) -> tuple[str, str] | None:
        """Where item `row` is: its own kind and filter, and the tag or section it is under
        (a feed under two tags is in two places)."""
        if not 0 <= row < len(self.items):
            return None
        item = self.items[row]
        parent = ""
        if item.depth:
            for above in reversed(self.items[:row]):
                if not above.depth:
                    parent = f"{above.kind}:{above.filter or above.label}"
                    break
        return (f"{item.kind}:{item.filter}", parent)

    def set_active(self, filter_text: str) -> None:
        """Mark the item whose filter is the one shown (none when the user typed another)."""
        if filter_text != self.active_filter:
            changed = {filter_text, self.active_filter}
            self.active_filter = filter_text
            # Rows are cached by whether they are the active one: repaint just those two.
            for row, item in enumerate(self.items):
                if item.filter in changed:
                    self.refresh_row(row)

    def select_filter(self, filter_text: str, label: str | None = None) -> bool:
        """Put the cursor on an item with this filter (without posting Selected), labelled
        `label` when one is: the one it is on when it fits (a feed under two tags is two
        items), else the first."""
        rows = [
            i for i, item in enumerate(self.items) if item.selectable and item.filter == filter_text
        ]
        if not rows:
            return False
        rows = [i for i in rows if self.items[i].label == label] or rows
        if self.cursor not in rows:
            self.select_row(rows[0])
        return True

    def select_row(self, row: int) -> None:
        """Put the cursor on `row` (without posting Selected)."""
        if 0 <= row < len(self.items) and row != self.cursor:
            old, self.cursor = self.cursor, row
            self.refresh_row(old)
            self.refresh_row(row)
            self.scroll_to_cursor()
            if self._on_saved(old) != self._on_saved(row):
                self.refresh_bindings()  # `d` is offered on saved filters only

    def _on_thumb(self, y: int) -> bool:
        """Whether screen line `y` is part of the scroll thumb drawn on the right edge."""
        key = (len(self.items), self.size.height, self.scroll_y)
        if key != self._thumb_key:  # (once a repaint, not once a row)
            count, height, top = self._thumb_key = key
            if count <= height or height <= 0:
                self._thumb = (0, 0)
            else:
                size = max(1, round(height * height / count))
                start = round(top * (height - size) / (count - height))
                self._thumb = (start, start + size)
        return self._thumb[0] <= y < self._thumb[1]

    def _edge(self, y: int) -> Segment:
        if self._on_thumb(y):
            return Segment("▐", self.component_style("sidebar--thumb"))
        return Segment("▕", self.component_style("sidebar--edge"))

    def render_filler(self, y: int, width: int, base: Style) -> Strip:
        return Strip([Segment(" " * (width - 1), base), self._edge(y)], width)

    def row_key(self, row: int, width: int, selected: bool) -> Hashable | None:
        item = self.items[row]
        return (
            self._on_thumb(row - int(self.scroll_y)),
            row,
            item.kind,
            item.label,
            item.count,
            item.mark,
            width,
            selected,
            selected and self.has_focus,
            item.filter == self.active_filter,
        )

    def render_row(self, row: int, width: int, selected: bool, base: Style) -> Strip:
        edge = self._edge(row - int(self.scroll_y))
        width -= 1  # the edge's
        item = self.items[row]
        st = self.component_style
        if item.kind == "categories":  # (a section's look, and the cursor's when on it)
            style = base + st("sidebar--section")
            if selected:
                style += st("sidebar--cursor" if self.has_focus else "sidebar--cursor-blurred")
            return Strip([Segment(fit(" " + item.label, width), style), edge], width + 1)
        if item.kind == "section":
            label = fit(" " + item.label, width)
            return Strip([Segment(label, base + st("sidebar--section")), edge], width + 1)
        count = "" if not item.count else f"{item.count:,}"
        mark = item.mark
        right = (f"{mark} " if mark else "") + count
        indent = "  " * item.depth + " "
        label_width = max(1, width - len(indent) - len(right) - 1)
        label_style = base
        if item.kind == "tag":
            label_style += st("sidebar--tag")
        if item.filter == self.active_filter:
            label_style += st("sidebar--active")
        segments = [
            Segment(indent),
            Segment(fit(item.label, label_width), label_style),
            Segment(" "),
        ]
        if mark:
            segments += [Segment(mark, base + st("sidebar--error")), Segment(" ")]
        segments.append(Segment(count, base + st("sidebar--count")))
        if selected:
            cursor = st("sidebar--cursor" if self.has_focus else "sidebar--cursor-blurred")
            segments = [Segment(s.text, (s.style or base) + cursor) for s in segments]
            segments.append(Segment(" " * width, base + cursor))
        else:
            segments = [Segment(s.text, s.style or base) for s in segments]
            segments.append(Segment(" " * width, base))
        return Strip([*Strip(segments).crop(0, width), edge], width + 1)

    def set_saved_counts(self, counts: dict[str, int]) -> None:
        """Unread counts of saved filters (they come after the rest: each is a query)."""
        for item in self.items:
            if item.kind == "saved" and item.count != counts.get(item.name):
                item.count = counts.get(item.name)
                self.refresh()

    def cursor_moved(self, old: int, new: int) -> None:
        if self._on_saved(old) != self._on_saved(new):
            self.refresh_bindings()  # `d` is offered on saved filters only
        # Moving shows the item's articles at once; Enter then goes to the list.
        item = self.current
        if self.on_move is not None and item is not None and item.selectable:
            self.on_move(item)
        self._choose(focus=False)

    def _on_saved(self, row: int) -> bool:
        return 0 <= row < len(self.items) and self.items[row].kind == "saved"

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "delete_filter":
            return self._on_saved(self.cursor)
        return True

    def _choose(self, focus: bool) -> None:
        item = self.current
        if item is not None and item.selectable:
            self.pending = item
            self.post_message(self.Selected(item, focus=focus))

    def row_clicked(self, row: int) -> None:
        if self.items[row].kind == "categories":
            self.toggle_categories()

    def action_choose(self) -> None:
        item = self.current
        if item is not None and item.kind == "categories":
            self.toggle_categories()
            return
        if self.on_choose is not None and item is not None and item.selectable:
            self.on_choose(item)
        self._choose(focus=True)

    def action_delete_filter(self) -> None:
        if self._on_saved(self.cursor):
            self.post_message(self.DeleteFilter(self.items[self.cursor]))

    def feed_items(self) -> list[Item]:
        return [i for i in self.items if i.kind == "feed"]
