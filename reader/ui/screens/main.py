"""The main screen: sidebar, headline list and article pane, and what ties them.

A view is one filter string in the core filter language; the sidebar, the tag
picker, saved filters and typing at "/" all just set it, and views.py reads it in
a thread. At startup the first screenful is read before the first frame, and the
rest of the view, the sidebar's counts and the app's timers wait for that frame:
the headlines paint first.
"""

from __future__ import annotations

import time

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.events import Resize
from textual.reactive import Reactive
from textual.screen import Screen
from textual.widgets import Input, Static
from textual.worker import Worker, WorkerState

from reader.core.errors import ReaderError
from reader.core.query import Query
from reader.core.sanitize import clean_line

from ..widgets.article_view import ArticleView, LinkChosen, format_when
from ..widgets.headline_list import HeadlineList, fit
from ..widgets.key_hints import KeyHints
from ..widgets.sidebar import Item, Sidebar, tag_filter
from .navigation import Navigation
from .views import Views

NARROW = 100  # below this width the panes stack
WIDE = 150  # from this width the sidebar and article get their full size
FILTER_DELAY = 0.08  # seconds of typing coalesced into one query
CLOSE_WAIT = 0.3  # seconds the filter box waits at most after Enter for the view's rows
HAND_OVER_DELAY = 0.02  # seconds from the frame that closes the filter box to moving the focus
KEY_SPACING = 0.02  # seconds between keys held meanwhile, pressed again
PROGRESS_CELLS = 40  # the width of a running refresh's progress (see set_progress)
SWITCH_COALESCE = 0.1  # seconds: sidebar moves closer than this apply once, at the end
SWITCH_WAIT = 0.08  # seconds a sidebar move waits at most for its view's rows (_sidebar_moving)


def press_again(app, key: events.Key) -> events.Key:
    """`key` again, from the top, as if from the terminal: from the app, which is where
    bubbling stops (made by a screen, the screen would be its sender)."""
    again = events.Key(key.key, key.character)
    again.set_sender(app)
    app.post_message(again)
    return again


class Panes(Horizontal):
    """A container with nothing of its own to draw: BLANK spares the compositor from
    rendering it line by line, which matters when the list scrolls (every row repaints)."""

    BLANK = True


class Column(Vertical):
    BLANK = True


class FilterBox(Input):
    """The filter box (/). After Enter it stays up until the view's first rows arrive
    and closes in their frame, and the focus moves to the list just after it (see
    MainScreen.close_filter): closed at once, its frame (a layout pass, the focus moving)
    went before the rows and delayed them by a frame or more. Keys typed meanwhile are
    held and go to the list once it has the focus (j right after Enter moves in the
    results), as do keys already on their way to the box when it closed.

    It opens with the view's filter in it and the cursor at its end, nothing selected:
    typing refines the filter (as elfeed's live filter does). Escape cancels the edit."""

    KEY_HINTS = (  # (KeyHints)
        ("enter", "Enter", "apply"),
        ("escape", "Esc", "cancel"),
        ("ctrl+s", "^s", "save"),
    )

    async def _on_key(self, event: events.Key) -> None:
        screen = self.screen
        if not isinstance(screen, MainScreen):
            return
        if screen.holding_keys or screen.focused is not self:
            event.stop()
            event.prevent_default()  # (not typed into the box either)
            screen.hold_key(event)
        elif event.key in ("enter", "escape"):
            # Here, not where the key bubbles up to (the screen, the box's binding at the
            # app): keys typed after it are in this widget's queue already, and would be
            # typed into the box first ("river⏎jj" searched for "riverjj").
            event.stop()
            event.prevent_default()
            if event.key == "enter":
                screen.submit_filter(self.value)
            else:
                screen.cancel_filter()

    def _on_paste(self, event: events.Paste) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen) and (screen.holding_keys or screen.focused is not self):
            event.stop()
            event.prevent_default()  # the list takes no paste

    def _on_blur(self, event: events.Blur) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen) and screen.filter_closing:
            screen.close_filter(focus=False)  # a click elsewhere: the focus is there

    def _on_hide(self, event: events.Hide) -> None:
        screen = self.screen
        if isinstance(screen, MainScreen) and screen.holding_keys:
            event.prevent_default()  # keep the focus (Textual's blur) until it moves to the list


class MainScreen(Views, Navigation, Screen):
    BLANK = True  # the panes cover it
    # Textual's Screen repaints the whole screen (every line of every pane) when the focus
    # moves; the widgets that gain and lose it restyle and repaint themselves anyway. That
    # full repaint was 5-10 ms of the frame that shows a search's first rows.
    focused: Reactive = Reactive(None, repaint=False)

    BINDINGS = [
        # A priority binding runs as the app receives the key, before it hands on the keys
        # typed after it: else "/rust" typed or pasted in one go gave "rust" to the list,
        # where r refreshes, u undoes, s stars and t opens the tag picker.
        Binding("slash", "edit_filter", "Filter", id="filter", priority=True),
        # The same for t: "tnews" and Enter typed in one go pick the tag news (the picker
        # takes the keys that reach it before its box has the focus, see TypeAhead).
        Binding("t", "pick_tag", "Tag", id="pick_tag", priority=True),
        Binding("S,ctrl+s", "save_filter", "Save filter", id="save_filter", show=False),
        Binding("n", "next_unread", "Next unread", id="next_unread"),
        Binding("N", "prev_unread", "Previous unread", id="prev_unread", show=False),
        Binding("s", "star", "Star", id="star"),
        Binding("m", "toggle_read", "Read/unread", id="toggle_read"),
        Binding("A", "mark_all_read", "Mark view read", id="mark_all_read", show=False),
        Binding("u", "undo", "Undo mark read", id="undo", show=False),
        Binding("o", "open_link", "Open link", id="open_link"),
        Binding("L", "pick_link", "Links", id="pick_link", show=False),
        Binding("y", "copy_link", "Copy link", id="copy_link", show=False),
        Binding("r", "refresh_feed", "Refresh feed", id="refresh_feed", show=False),
        Binding("tab", "next_pane", "Next pane", id="next_pane", show=False),
        Binding("shift+tab", "prev_pane", "Previous pane", id="prev_pane", show=False),
        Binding("h,left", "pane_left", "Pane left", id="pane_left", show=False),
        Binding("l,right", "pane_right", "Pane right", id="pane_right", show=False),
        Binding(
            "escape", "close_article", "Close article or sidebar", id="close_article", show=False
        ),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.filter_text = ""
        self.view_label = "All"
        self.query_obj: Query | None = None
        self.generation = 0
        self.view_count: int | None = None
        self.view_unread: int | None = None
        self.totals: dict[str, int] = {}
        self.undo_ids: list[int] = []
        self.pending_unread: int | None = None  # n/N across feeds: step to use once loaded
        self.pending_unread_from: int | None = None  # ... and the row to look on from
        self.opened_id: int | None = None  # the article asked for (it loads in a thread)
        self._filter_timer = None
        self._switch_timer = None  # a sidebar move waiting for the keys to stop
        self._switch_to: tuple[str, str] = ("", "")  # ... and the view it will show
        self._last_switch = 0.0
        self.started = False  # the first counts are in (the app's startup waits for them)
        self.has_feeds: bool | None = None  # known once the counts are in
        self._saved_counts: dict[str, int] = {}
        self._slow_filters: dict[str, int] = {}  # saved query -> slow counts in a row
        self._progress_cells = 0
        self._reloading: Worker | None = None  # the reload being read (see Views.reload)
        self._reload_pending = False
        self._first_reader = None  # the thread that reads a new view's first rows (Views)
        self._first_read = None  # ... and its last read
        self.awaiting_rows = False  # a new view's first rows are being read (Views)
        self.filter_closing = False  # Enter was pressed in the box: it closes with the rows
        self._handing_over = False  # the box is closed, the focus moves after this frame
        self._picking = False  # the tag picker is up or its view on its way: keys wait
        self._close_timer = None
        self._held_keys: list[events.Key] = []  # typed meanwhile, for the list
        self._pressing = False  # ... and being pressed again (_press_held)
        self._pressed_again: list[events.Key] = []  # ... on their way (takes_key)
        self._frames_held = None  # App.batch_update() from Enter to the rows (submit_filter)
        self._hold_timer = None  # ... or from a sidebar move to them, at most SWITCH_WAIT
        # What / was pressed on, for Escape to bring back: (filter, label, sidebar row and
        # the place of its item, the focused widget)
        self._before_filter: tuple | None = None
        self._focus_after_filter = None  # where the focus goes as the box closes (None: list)

    @property
    def library(self):
        return self.app.library

    # -- layout ------------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        # Over the header line while it is open (see reader.tcss). Opening or closing it
        # moves nothing else, and as the first widget (the compositor orders widgets
        # counting from the last) it changes no other's order either: only its line is
        # drawn again. Anywhere else, every close redrew the whole screen (15-90 ms).
        yield FilterBox(
            id="filter",
            placeholder="filter: +tag feed:name is:unread @7d words",
            select_on_focus=False,
        )
        yield Static(id="header", markup=False)
        with Panes(id="panes"):
            yield Sidebar(
                on_move=self._sidebar_moving, on_choose=self._sidebar_chosen, id="sidebar"
            )
            with Column(id="center"):
                yield Static(id="filter-error", markup=False)
                yield HeadlineList(self.library.headlines, self.app.clock, id="headlines")
            yield ArticleView(id="article")
        with Horizontal(id="statusbar"):
            yield KeyHints(id="keys")
            yield Static(id="progress", markup=False)

    @property
    def headlines(self) -> HeadlineList:
        return self.query_one(HeadlineList)

    @property
    def sidebar(self) -> Sidebar:
        return self.query_one(Sidebar)

    @property
    def article(self) -> ArticleView:
        return self.query_one(ArticleView)

    def on_mount(self) -> None:
        # Only the first screenful is read before the first frame; the rest follows it.
        self.apply_filter("", "All", now=True)
        self.headlines.focus()
        self.call_after_refresh(self._after_first_paint)

    def _after_first_paint(self) -> None:
        self.headlines.read_ahead = True
        if self.query_obj is not None:
            self.load_view(self.generation, self.query_obj)
        self.load_counts()
        self.set_timer(0.5, self.warm_up)

    @work(thread=True, group="warm-up", exit_on_error=False)
    def warm_up(self) -> None:
        """After the first paint, load what opening an article needs (Markdown, HTML parsing)."""
        from textual.widgets import Markdown  # noqa: F401 - imported for its import cost

        import reader.core.ingest.content  # noqa: F401

    def on_resize(self, event: Resize) -> None:
        self.set_class(event.size.width < NARROW, "narrow")
        self.set_class(NARROW <= event.size.width < WIDE, "medium")

    @property
    def narrow(self) -> bool:
        return self.has_class("narrow")

    def set_progress(self, text: str, *, running: bool = False) -> None:
        """The right of the status line. While a refresh reports (`running`), the text is
        cut or padded to one width: a new width is a layout pass of the whole screen, and
        a refresh reports every feed."""
        if running:
            text = fit(text, PROGRESS_CELLS)
        content = Content(text)
        cells = content.cell_length
        self.query_one("#progress", Static).update(content, layout=cells != self._progress_cells)
        self._progress_cells = cells

    def update_header(self) -> None:
        parts: list = [(" reader", "bold")]
        if self.app.demo:
            parts.append((" (demo)", "italic"))
        parts += ["  ", (self.view_label, "bold")]
        # The filter behind a named view ("feedid:7" is no news to anyone, though)
        shown = self.view_label in (self.filter_text, f"Filter: {self.filter_text}")
        if self.filter_text and not shown and not self.filter_text.startswith("feedid:"):
            parts.append((f"  [{self.filter_text}]", "dim"))
        if self.view_count is not None:
            noun = "article" if self.view_count == 1 else "articles"
            parts.append(f"  {self.view_count:,} {noun}, {self.view_unread or 0:,} unread")
        if self.totals:
            parts.append((f"  │ all: {self.totals.get('unread', 0):,} unread", "dim"))
        # One line, full width: its size never changes, so no layout pass (a full repaint).
        self.query_one("#header", Static).update(Content.assemble(*parts), layout=False)

    @on(Sidebar.Selected)
    def _sidebar_selected(self, event: Sidebar.Selected) -> None:
        item = event.item
        if self.sidebar.pending is item:
            self.sidebar.pending = None
        label = item.view_label
        if self._switch_timer is not None:
            self._switch_timer.stop()
            self._switch_timer = None
        now = time.monotonic()
        rushing = now - self._last_switch < SWITCH_COALESCE
        self._last_switch = now
        if event.focus or not rushing:
            self._switch_now(item.filter, label)
        else:
            # j held down in the sidebar: show where it stops, not every item on the way.
            self._switch_to = (item.filter, label)
            self._switch_timer = self.set_timer(
                SWITCH_COALESCE, lambda: self._switch_now(item.filter, label)
            )
        if event.focus:
            self.focus_pane("headlines")
        if not (self.awaiting_rows or self.filter_closing):
            self._draw_again()  # no rows to wait for (_sidebar_moving): draw now

    def _sidebar_moving(self, item: Item) -> None:
        """The sidebar's cursor moves onto `item`, whose view comes next (_sidebar_selected,
        unless j is held down): the cursor and the view's first rows go in one frame. Drawn
        apart, the rows came one frame later (Textual draws at most every 1/60 s): ~35 ms
        from the key to them at 100k articles instead of ~15."""
        if (
            item.filter != self.filter_text
            and time.monotonic() - self._last_switch >= SWITCH_COALESCE
        ):
            self._hold_frames(SWITCH_WAIT)

    def _sidebar_chosen(self, item: Item) -> None:
        """Enter in the sidebar: the list gets the focus now, as the key is handled, so that
        keys typed after Enter move in the list (Selected, which shows the item's view if
        j held down has not yet, comes after them)."""
        if self._switch_timer is not None:
            self._switch_timer.stop()
            self._switch_timer = None
        label = item.view_label
        self._switch_now(item.filter, label)
        self.focus_pane("headlines")
        self.set_focus(self.headlines)  # (now: Widget.focus(), in focus_pane, waits)

    def _switch_now(self, text: str, label: str) -> None:
        self._switch_timer = None
        if text != self.filter_text:
            self.apply_filter(text, label)
        elif label != self.view_label:  # another item with the same filter (a saved one)
            self.view_label = label
            self.update_header()

    @property
    def switch_pending(self) -> bool:
        """A sidebar move is waiting to be shown (tests wait for it)."""
        return self._switch_timer is not None

    @on(Sidebar.DeleteFilter)
    def _delete_filter_asked(self, event: Sidebar.DeleteFilter) -> None:
        self.confirm_delete_filter(event.item.name)

    def confirm_delete_filter(self, name: str) -> None:
        """Ask, then delete the saved filter `name`. When it is the view shown, All is
        shown instead, the sidebar's cursor on it: the cursor stays on what names the view."""
        from .pickers import Confirm

        query = self.library.saved_filters().get(name)
        if query is None:
            return

        shown = clean_line(name)

        def deleted(_found: bool) -> None:
            if self.view_label == shown and self.filter_text == query:
                self.apply_filter("", "All")
            self.notify(f"Deleted the saved filter “{shown}”")

        def answered(yes: bool | None) -> None:
            if yes:
                self.app.write_db(self.library.delete_filter, name, then=deleted)

        self.app.push_screen(
            Confirm(f"Delete the saved filter “{shown}”?", f"It shows: {clean_line(query)}"),
            answered,
        )

    def show_saved_filter(self, name: str) -> None:
        query = self.library.saved_filters().get(name)
        if query is not None:
            self.sidebar.select_filter(query)
            self.apply_filter(query, clean_line(name))
            self.focus_pane("headlines")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "ids" and event.state == WorkerState.ERROR:
            self.notify(f"Could not read this view: {event.worker.error}", severity="error")
            self.rows_shown()  # none will come: the filter box closes all the same
        if event.worker.group == "ids" and event.worker.is_finished:
            self.view_worker_done(event.worker)
        if event.worker.group == "counts" and event.state == WorkerState.ERROR:
            self.notify(f"Could not read the counts: {event.worker.error}", severity="error")
            if not self.started:  # start the app's timers all the same
                self.started = True
                self.app.main_ready(True)

    def go_to_feed(self, feed_id: int) -> None:
        self.apply_filter(f"feedid:{feed_id}")
        self.focus_pane("headlines")

    # -- the filter box ----------------------------------------------------------------------

    def show_filter_error(self, message: str | None) -> None:
        error = self.query_one("#filter-error", Static)
        if not message and not error.display:
            return  # the usual case on every view switch: nothing to redo
        error.update(Content(message or ""))
        error.display = bool(message)

    def action_edit_filter(self) -> None:
        box = self.query_one("#filter", Input)
        if self._switch_timer is not None:  # a sidebar move still to show: it is the view
            self._switch_timer.stop()
            self._switch_now(*self._switch_to)
        if not box.visible:
            sidebar = self.sidebar
            self._before_filter = (
                self.filter_text,
                self.view_label,
                sidebar.cursor,
                sidebar.place(sidebar.cursor),
                self.focused,
            )
        # The box's own display, not a class on a container: that restyles everything in
        # it (the list too: 20-40 ms of a search's first frame at 100k articles).
        box.visible = True
        # With a space after it: a word typed refines the view (+news river), it does not
        # stick to its last term (+newsriver).
        text = self.filter_text
        box.value = f"{text} " if text and not text.endswith(" ") else text
        # Now, not after the keys already on their way (box.focus() waits for them):
        # "/river" typed or pasted in one go would lose "river" to the list.
        self.set_focus(box)
        box.cursor_position = len(box.value)

    def _filter_typed(self, text: str) -> bool:
        """Apply what the box holds, unless it is the view already shown (its rows are
        read or on their way); False for a bad filter (its error shows)."""
        text = text.strip()  # (blank is All; "+news " is +news)
        if text == self.filter_text.strip():
            self.show_filter_error(None)
            return True
        return self.apply_filter(text)

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filter_timer is not None:
            self._filter_timer.stop()
        self._filter_timer = self.set_timer(FILTER_DELAY, lambda: self._filter_typed(event.value))

    @on(Input.Submitted, "#filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        self.submit_filter(event.value)

    def submit_filter(self, text: str) -> None:
        """Enter in the filter box: show the view and close the box, with the view's
        first rows when they are still being read (see FilterBox)."""
        if self._filter_timer is not None:
            self._filter_timer.stop()
        if not self._filter_typed(text):
            return  # a bad filter: its error shows, the box stays
        if self.awaiting_rows:
            self.filter_closing = True
            if self._close_timer is None:
                self._close_timer = self.set_timer(CLOSE_WAIT, self.close_filter)
            # Nor any frame till then: one for what was pasted or typed just before Enter
            # went beside the query (the two slowed each other), and a frame that takes
            # longer than Textual's 1/60 s puts off the next by two.
            self._hold_frames()
        else:
            self.close_filter()

    @property
    def holding_keys(self) -> bool:
        """Keys that reach the filter box are for the list (see FilterBox)."""
        return self.filter_closing or self._handing_over or self._picking

    def close_filter(self, focus: bool = True) -> None:
        """Hide the filter box. The list gets the focus just after that frame, then the
        keys held meanwhile: moving the focus restyles both widgets, 5-10 ms that the
        frame with a search's first rows need not wait for (the list draws its cursor as
        focused meanwhile)."""
        self.filter_closing = False
        if self._close_timer is not None:
            self._close_timer.stop()
            self._close_timer = None
        self._draw_again()
        self._hide_box()
        if not focus:
            self._hand_over(focus=False)
        elif not self._handing_over:
            self._handing_over = True  # keys are held until the focus has moved
            if self._focus_after_filter is None:
                self.headlines.focus_coming = True
            # Not at once after the frame either: its text is still on its way to the
            # terminal (the thread that writes it needs the GIL).
            self.call_after_refresh(self.set_timer, HAND_OVER_DELAY, self._hand_over)

    def _hide_box(self) -> None:
        self.query_one("#filter", Input).visible = False
        # The header under it is drawn again: hiding the box alone left it on screen when
        # nothing else around changed (Escape with the focus going back to the sidebar).
        self.query_one("#header").refresh()

    def _hold_frames(self, most: float | None = None) -> None:
        """Draw nothing until the view's first rows are in (rows_shown), or for `most`
        seconds (None: until the filter box closes, see submit_filter)."""
        if self._frames_held is None:
            self._frames_held = self.app.batch_update()
            self._frames_held.__enter__()
        if most is not None and self._hold_timer is None:
            self._hold_timer = self.set_timer(most, self._draw_again)

    def _draw_again(self) -> None:
        """The end of the frames held back since Enter or a sidebar move (_hold_frames)."""
        if self._hold_timer is not None:
            self._hold_timer.stop()
            self._hold_timer = None
        if self._frames_held is not None:
            held, self._frames_held = self._frames_held, None
            held.__exit__(None, None, None)

    def _hand_over(self, focus: bool = True) -> None:
        self._handing_over = False
        box = self.query_one("#filter", Input)
        target, self._focus_after_filter = self._focus_after_filter, None
        if focus and self.focused is box and not box.visible:  # (not opened again since)
            if target is None or not target.is_attached or not target.display:
                target = self.headlines
            if target is self.headlines and self.narrow:
                # The list shows the results, full width: on a narrow terminal the
                # article or the sidebar over it would hide them (as focus_pane does).
                self.remove_class("show-sidebar", "article-open")
            self.set_focus(target)
            if target is not self.headlines:
                self.headlines.focus_coming = False
        else:
            self.headlines.focus_coming = False
            self.headlines.refresh_row(self.headlines.cursor)
        self._press_held()

    def _press_held(self) -> None:
        """The held keys, one at a time: each may move the focus for the next (/ opens
        the filter box again), and a key's way through the app takes a few messages.
        Keys from the terminal wait behind them (takes_key)."""
        if self.holding_keys:
            return  # (pressed once the focus has moved: _hand_over)
        if self._held_keys:
            self._pressing = True
            self._press(self._held_keys.pop(0))
            self.set_timer(KEY_SPACING, self._press_held)
        else:
            self._pressing = False

    def hold_key(self, event: events.Key) -> None:
        """A key for the list that reached the filter box (see FilterBox)."""
        self._held_keys.append(event)
        if not (self.holding_keys or self._pressing):
            self._press_held()  # on its way to the box as it closed: now

    def takes_key(self, event: events.Key) -> bool:
        """Whether a key from the terminal waits (ReaderApp asks): while the filter box
        closes and the keys held meanwhile are pressed again, in order."""
        for i, again in enumerate(self._pressed_again):
            if again is event:
                del self._pressed_again[i]
                return False
        if self.holding_keys or self._pressing or self._held_keys:
            self.hold_key(event)
            return True
        return False

    def _press(self, key: events.Key) -> None:
        self._pressed_again.append(press_again(self.app, key))

    def rows_shown(self) -> None:
        """The view's first rows are in (Views): the box closes in the same frame."""
        self.awaiting_rows = False
        if self.filter_closing:
            self.close_filter()
        else:
            self._draw_again()
        self._picked()

    def on_unmount(self) -> None:
        self._draw_again()
        self.stop_reading()

    def cancel_filter(self) -> None:
        """Escape in the filter box: cancel the edit. The view shown when / was pressed
        comes back (the box filters as it is typed in), the sidebar's cursor and the focus
        too. (To clear the filter: All in the sidebar, or an empty box and Enter.)"""
        if self._filter_timer is not None:
            self._filter_timer.stop()
            self._filter_timer = None
        self.show_filter_error(None)
        before, self._before_filter = self._before_filter, None
        if before is not None:
            text, label, row, place, focused = before
            if text != self.filter_text:
                self.apply_filter(text, label)
            elif label != self.view_label:
                self.view_label = label
                self.update_header()
            if place is not None and self.sidebar.place(row) == place:
                self.sidebar.select_row(row)
            if focused is not None and focused is not self.query_one("#filter"):
                self._focus_after_filter = focused
        self.close_filter()

    def action_pick_tag(self) -> None:
        from .pickers import TagPicker

        counts: dict[str, int] = {}
        for item in self.sidebar.items:
            if item.kind == "tag":
                counts[item.label] = item.count or 0
        tags = [(clean_line(t), counts.get(clean_line(t), 0)) for t in self.library.tags()]

        def chosen(tag: str | None) -> None:
            if tag and tag_filter(tag) != self.filter_text:
                self.sidebar.select_filter(tag_filter(tag))
                if self.apply_filter(tag_filter(tag), tag) and self.awaiting_rows:
                    self.set_timer(CLOSE_WAIT, self._picked)  # (at most this long)
                    return  # (rows_shown ends the wait)
            self._picked()

        # Keys typed after the Enter that picks ("ttech", Enter, "jj" in one go) come back
        # here once the picker is gone (DialogBox): they wait for the tag's view, and then
        # move in it, as after Enter in the filter box.
        self._picking = True
        self.app.push_screen(TagPicker(tags), chosen)

    def _picked(self) -> None:
        """The tag picker's view is in (or none is coming): the keys typed meanwhile go."""
        if self._picking:
            self._picking = False
            self._press_held()

    def action_save_filter(self) -> None:
        """S (or Ctrl+S): save the view's filter under a name. In the filter box, Ctrl+S
        saves what the box holds: it is applied and the box closes, as with Enter (a bad
        filter is refused with its error), then the name is asked for."""
        from .pickers import Confirm, NamePrompt

        box = self.query_one("#filter", Input)
        text = box.value if self.focused is box else self.filter_text
        if not text.strip():
            self.notify("Type a filter first (/), then save it.", severity="warning")
            return
        if self.focused is box:
            if self._filter_timer is not None:
                self._filter_timer.stop()
                self._filter_timer = None
            if not self._filter_typed(text):
                self.notify(
                    "Not saved: the filter has an error (see above the list).", severity="error"
                )
                return
            self._before_filter = None
            self._hide_box()
            self.set_focus(self.headlines)

        def save(name: str) -> None:
            try:
                self.library.save_filter(name, text)
            except ReaderError as exc:
                self.notify(str(exc), severity="error")
                return
            if self.filter_text == text:
                self.view_label = clean_line(name)
                self.update_header()
            self.notify(f"Saved filter “{clean_line(name)}”")
            self.load_counts()  # the sidebar's cursor goes to it (show_in_sidebar)

        def named(name: str | None) -> None:
            if not name:
                return
            old = self.library.saved_filters().get(clean_line(name))
            if old is None or old == text:
                save(name)
                return
            self.app.push_screen(
                Confirm(
                    f"Replace the saved filter “{clean_line(name)}”?",
                    f"It shows: {clean_line(old)}\nIt will show: {clean_line(text)}",
                    yes="Replace",
                ),
                lambda yes: save(name) if yes else None,
            )

        self.app.push_screen(NamePrompt("Save this filter as", self.describe_filter(text)), named)

    def describe_filter(self, text: str) -> str:
        """The filter as the user may read it: a feed's view (feedid:N, which a rename of
        the feed does not break, unlike feed:"Title") says which feed it is."""
        shown = clean_line(text)
        feeds = {item.filter: item.label for item in self.sidebar.feed_items()}
        if text in feeds:
            return f"The feed “{feeds[text]}” ({shown}: its id, which a rename keeps)"
        named = [f"{term}: the feed “{feeds[term]}”" for term in text.split() if term in feeds]
        return shown + ("  (" + "; ".join(named) + ")" if named else "")

    # -- articles ----------------------------------------------------------------------------

    @on(HeadlineList.Opened)
    def _opened(self, event: HeadlineList.Opened) -> None:
        again = self.opened_id == event.article_id
        self.open_article(event.article_id)
        if self.narrow or again:
            self.focus_pane("article")

    def open_article(self, article_id: int) -> None:
        h = self.headlines.cached(article_id)
        if self.app.config.mark_read_on_open and (h is None or not h.read):
            self.set_read([article_id], True)
        self.opened_id = article_id
        self.add_class("has-article")
        self.load_article(article_id)

    @work(thread=True, exclusive=True, group="article", exit_on_error=False)
    def load_article(self, article_id: int) -> None:
        try:
            article = self.library.article(article_id)
            rendered = self.library.render(article)
        except ReaderError as exc:
            self.app.call_from_thread(self.notify, str(exc), severity="error")
            return
        when = format_when(article, self.app.clock())
        self.app.call_from_thread(
            self.article.show, article, rendered.markdown, rendered.links, when
        )

    @on(ArticleView.Closed)
    def action_close_article(self) -> None:
        """Esc/q in the article, or Esc in the list: the list gets the article's room back.
        Esc in the sidebar shown over the list (narrow terminals) closes the sidebar."""
        if self._sidebar_over_list():
            self.focus_pane("headlines")
            return
        self.opened_id = None
        self.remove_class("has-article")
        self.focus_pane("headlines")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "close_article":
            if self._sidebar_over_list():
                return True
            return self.opened_id is not None and self.focused is not self.query_one("#filter")
        if action in ("edit_filter", "pick_tag"):
            # Priority bindings: in the box itself these keys are text (feed:example.com/blog)
            return self.focused is not self.query_one("#filter")
        return True

    def _sidebar_over_list(self) -> bool:
        return self.narrow and self.has_class("show-sidebar") and self.focused is self.sidebar

    @on(LinkChosen)
    def _link_chosen(self, event: LinkChosen) -> None:
        self.app.open_link(event.url)

    def current_id(self) -> int | None:
        """The article the keys act on: the open one in the article pane, else the cursor's."""
        if self.focused is self.article and self.article.article is not None:
            return self.article.article.id
        return self.headlines.selected_id

    def set_read(self, ids: list[int], read: bool) -> None:
        self._count_read(ids, read)
        self.headlines.set_flags(ids, read=read)
        self.app.write_db(self.library.set_read, ids, read)

    def _count_read(self, ids: list[int], read: bool) -> None:
        """The header's unread count follows the rows shown as they are marked (see
        Views.load_counts)."""
        if self.view_unread is None:
            return  # (the view's count is still being read)
        hl = self.headlines
        delta = 0
        for aid in ids:
            h = hl.cached(aid)
            if (
                h is not None
                and h.read != read
                and (aid == hl.selected_id or hl.find_row(aid) is not None)
            ):
                delta += -1 if read else 1
        if delta:
            self.view_unread = max(0, self.view_unread + delta)
            self.update_header()

    def action_toggle_read(self) -> None:
        aid = self.current_id()
        if aid is None:
            return
        h = self.headlines.cached(aid)
        read = not h.read if h else not self.library.article(aid).read
        self.set_read([aid], read)

    def action_star(self) -> None:
        aid = self.current_id()
        if aid is None:
            return
        h = self.headlines.cached(aid)
        starred = not h.starred if h else not self.library.article(aid).starred
        self.headlines.set_flags([aid], starred=starred)
        self.app.write_db(self.library.set_starred, [aid], starred)

    def action_mark_all_read(self) -> None:
        if self.query_obj is None:
            return

        def done(ids: list[int]) -> None:
            self.undo_ids = ids
            self.notify(f"Marked {len(ids):,} read (u undoes)")
            self.reload()

        self.app.write_db(self.library.mark_all_read, self.query_obj, then=done)

    def action_undo(self) -> None:
        if not self.undo_ids:
            self.notify("Nothing to undo")
            return
        ids, self.undo_ids = self.undo_ids, []
        self.headlines.set_flags(ids, read=False)
        self.app.write_db(
            self.library.set_read,
            ids,
            False,
            then=lambda _n: (self.notify(f"Marked {len(ids):,} unread again"), self.reload()),
        )

    def _current_link(self) -> str:
        aid = self.current_id()
        if aid is None:
            return ""
        if self.article.article is not None and self.article.article.id == aid:
            return self.article.article.link
        return self.library.article(aid).link

    def action_pick_link(self) -> None:
        """L: the open article's numbered links, to pick one to open."""
        from .pickers import LinkPicker

        links = self.article.links
        if self.opened_id is None or not links:
            self.notify("No links: open an article with links first (Enter).")
            return

        def chosen(url: str | None) -> None:
            if url:
                self.app.open_link(url)

        self.app.push_screen(LinkPicker(links), chosen)

    def action_open_link(self) -> None:
        link = self._current_link()
        if link:
            self.app.open_link(link)

    def action_copy_link(self) -> None:
        link = self._current_link()
        if link:
            self.app.copy_to_clipboard(link)
            self.notify("Link copied")

    def action_refresh_feed(self) -> None:
        feed_id = None
        if self.focused is self.sidebar and self.sidebar.current and self.sidebar.current.feed:
            feed_id = self.sidebar.current.feed.id
        elif (h := self.headlines.selected) is not None:
            feed_id = h.feed_id
        if feed_id is not None:
            self.app.start_refresh([feed_id])
