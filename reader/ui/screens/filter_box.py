"""The filter box (/) and the tag picker (t): where a view is typed, and the keys typed after.

After Enter the box stays up until the view's first rows arrive and closes in their
frame, and the focus moves to the list just after it (see FilterEditor.close): closed at
once, its frame (a layout pass, the focus moving) went before the rows and delayed them
by a frame or more. Keys typed meanwhile are held and go to the list once it has the
focus (j right after Enter moves in the results), as do keys already on their way to
the box when it closed. The tag picker's Enter works the same way.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from textual import events
from textual.widget import Widget
from textual.widgets import Input

from reader.core.filters import quoted_tag_hint
from reader.core.sanitize import clean_line
from reader.core.tags import fold

from ..frames import HeldFrames
from ..keys import HeldKeys, press_again
from ..view_state import Catalogue, ViewState
from ..widgets.sidebar import tag_filter

if TYPE_CHECKING:
    from textual.app import App

    from ..widgets.headline_list import HeadlineList
    from ..widgets.sidebar import Sidebar

FILTER_DELAY = 0.08  # seconds of typing coalesced into one query
CLOSE_WAIT = 0.3  # seconds the filter box waits at most after Enter for the view's rows
HAND_OVER_DELAY = 0.02  # seconds from the frame that closes the filter box to moving the focus


class FilterScreen(Protocol):
    """What the filter box's flow uses of the screen it is on (MainScreen)."""

    catalogue: Catalogue
    focused: Widget | None
    headlines: HeadlineList
    sidebar: Sidebar
    narrow: bool
    awaiting_rows: bool  # the view's first rows are being read (rows_shown ends it)

    @property
    def app(self) -> App: ...
    def query_one(self, selector: str, expect_type: type = ...) -> Widget: ...
    def set_focus(self, widget: Widget | None) -> None: ...
    def set_timer(self, delay: float, callback: Callable) -> object: ...
    def call_after_refresh(self, callback: Callable, *args) -> bool: ...
    def remove_class(self, *names: str) -> object: ...
    def apply_filter(self, text: str, label: str | None = None) -> bool: ...
    def show_filter_error(self, message: str | None) -> None: ...
    def update_header(self) -> None: ...
    def show_sidebar_move(self) -> None: ...  # a sidebar move still waiting: show it now
    def notify(self, message: str, *, severity: str = ...) -> None: ...


class FilterBox(Input):
    """The filter box (/). It opens with the view's filter in it and the cursor at its end,
    nothing selected: typing refines the filter (as elfeed's live filter does). Escape
    cancels the edit. What happens then is its FilterEditor's."""

    KEY_HINTS = (  # (KeyHints)
        ("enter", "Enter", "apply"),
        ("escape", "Esc", "cancel"),
        ("ctrl+s", "^s", "save"),
    )

    def __init__(self, editor: FilterEditor, **kwargs) -> None:
        super().__init__(**kwargs)
        self.editor = editor

    async def _on_key(self, event: events.Key) -> None:
        editor = self.editor
        if editor.holding_keys or self.screen.focused is not self:
            event.stop()
            event.prevent_default()  # (not typed into the box either)
            editor.hold_key(event)
        elif event.key in ("enter", "escape"):
            # Here, not where the key bubbles up to (the screen, the box's binding at the
            # app): keys typed after it are in this widget's queue already, and would be
            # typed into the box first ("river⏎jj" searched for "riverjj").
            event.stop()
            event.prevent_default()
            if event.key == "enter":
                editor.submit(self.value)
            else:
                editor.cancel()

    def _on_paste(self, event: events.Paste) -> None:
        if self.editor.holding_keys or self.screen.focused is not self:
            event.stop()
            event.prevent_default()  # the list takes no paste

    def _on_blur(self, event: events.Blur) -> None:
        if self.editor.closing:
            self.editor.close(focus=False)  # a click elsewhere: the focus is there

    def _on_hide(self, event: events.Hide) -> None:
        if self.editor.holding_keys:
            event.prevent_default()  # keep the focus (Textual's blur) until it moves to the list


class FilterEditor:
    """The flow of the filter box and the tag picker, built with the screen."""

    def __init__(self, screen: FilterScreen, view: ViewState, frames: HeldFrames) -> None:
        self._screen = screen
        self._view = view
        self._frames = frames
        self._typed_timer = None  # typing waiting for FILTER_DELAY
        self.closing = False  # Enter was pressed in the box: it closes with the rows
        self._handing_over = False  # the box is closed, the focus moves after this frame
        self._picking = False  # the tag picker is up or its view on its way: keys wait
        self._close_timer = None
        # Keys typed meanwhile, for the list (see FilterBox)
        self.held_keys = HeldKeys(
            lambda key: press_again(screen.app, key), lambda: self.holding_keys, screen.set_timer
        )
        # What / was pressed on, for Escape to bring back: (filter, label, sidebar row and
        # the place of its item, the focused widget)
        self._before: tuple | None = None
        self._focus_after: Widget | None = None  # where the focus goes as the box closes
        # (None: the list)

    @property
    def box(self) -> Input:
        return self._screen.query_one("#filter", Input)

    @property
    def typing(self) -> bool:
        """What was typed last is still to be applied (FILTER_DELAY)."""
        return self._typed_timer is not None

    @property
    def holding_keys(self) -> bool:
        """Keys that reach the filter box are for the list (see FilterBox)."""
        return self.closing or self._handing_over or self._picking

    def _stop_typing(self) -> None:
        if self._typed_timer is not None:
            self._typed_timer.stop()
            self._typed_timer = None

    def edit(self) -> None:
        """/: open the box on the view's filter."""
        screen, view = self._screen, self._view
        box = self.box
        screen.show_sidebar_move()  # a sidebar move still to show: it is the view
        if not box.visible:
            sidebar = screen.sidebar
            self._before = (
                view.filter_text,
                view.label,
                sidebar.cursor,
                sidebar.place(sidebar.cursor),
                screen.focused,
            )
        # The box's own display, not a class on a container: that restyles everything in
        # it (the list too: 20-40 ms of a search's first frame at 100k articles).
        box.visible = True
        # With a space after it: a word typed refines the view (+news river), it does not
        # stick to its last term (+newsriver).
        text = view.filter_text
        box.value = f"{text} " if text and not text.endswith(" ") else text
        # Now, not after the keys already on their way (box.focus() waits for them):
        # "/river" typed or pasted in one go would lose "river" to the list.
        screen.set_focus(box)
        box.cursor_position = len(box.value)

    def _typed(self, text: str) -> bool:
        """Apply what the box holds, unless it is the view already shown (its rows are
        read or on their way); False for a bad filter (its error shows)."""
        text = text.strip()  # (blank is All; "+news " is +news)
        if text == self._view.filter_text.strip():
            self._screen.show_filter_error(None)
            return True
        return self._screen.apply_filter(text)

    def changed(self, value: str) -> None:
        """The box's text changed: applied once the typing pauses (FILTER_DELAY)."""
        if self._typed_timer is not None:
            self._typed_timer.stop()

        def typed() -> None:
            self._typed_timer = None
            self._typed(value)

        self._typed_timer = self._screen.set_timer(FILTER_DELAY, typed)

    def submit(self, text: str) -> None:
        """Enter in the filter box: show the view and close the box, with the view's
        first rows when they are still being read (see FilterBox)."""
        self._stop_typing()
        if not self._typed(text):
            return  # a bad filter: its error shows, the box stays
        if self._screen.awaiting_rows:
            self.closing = True
            if self._close_timer is None:
                self._close_timer = self._screen.set_timer(CLOSE_WAIT, self.close)
            # Nor any frame till then: one for what was pasted or typed just before Enter
            # went beside the query (the two slowed each other), and a frame that takes
            # longer than Textual's 1/60 s puts off the next by two.
            self._frames.hold()
        else:
            self.close()

    def close(self, focus: bool = True) -> None:
        """Hide the filter box. The list gets the focus just after that frame, then the
        keys held meanwhile: moving the focus restyles both widgets, 5-10 ms that the
        frame with a search's first rows need not wait for (the list draws its cursor as
        focused meanwhile)."""
        self.closing = False
        if self._close_timer is not None:
            self._close_timer.stop()
            self._close_timer = None
        self._frames.release()
        self._hide_box()
        if not focus:
            self._hand_over(focus=False)
        elif not self._handing_over:
            self._handing_over = True  # keys are held until the focus has moved
            if self._focus_after is None:
                self._screen.headlines.focus_coming = True
            # Not at once after the frame either: its text is still on its way to the
            # terminal (the thread that writes it needs the GIL).
            self._screen.call_after_refresh(
                self._screen.set_timer, HAND_OVER_DELAY, self._hand_over
            )

    def _hide_box(self) -> None:
        self.box.visible = False
        # The header under it is drawn again: hiding the box alone left it on screen when
        # nothing else around changed (Escape with the focus going back to the sidebar).
        self._screen.query_one("#header").refresh()

    def _hand_over(self, focus: bool = True) -> None:
        screen = self._screen
        self._handing_over = False
        box = self.box
        headlines = screen.headlines
        target, self._focus_after = self._focus_after, None
        if focus and screen.focused is box and not box.visible:  # (not opened again since)
            if target is None or not target.is_attached or not target.display:
                target = headlines
            if target is headlines and screen.narrow:
                # The list shows the results, full width: on a narrow terminal the
                # article or the sidebar over it would hide them (as focus_pane does).
                screen.remove_class("show-sidebar", "article-open")
            screen.set_focus(target)
            if target is not headlines:
                headlines.focus_coming = False
        else:
            headlines.focus_coming = False
            headlines.refresh_row(headlines.cursor)
        self.held_keys.press_held()

    def hold_key(self, event: events.Key) -> None:
        """A key for the list that reached the filter box (see FilterBox)."""
        self.held_keys.hold(event)

    def takes_key(self, event: events.Key) -> bool:
        """Whether a key from the terminal waits (ReaderApp asks): while the filter box
        closes and the keys held meanwhile are pressed again, in order."""
        return self.held_keys.takes_key(event)

    def rows_shown(self) -> None:
        """The view's first rows are in: the box closes in the same frame. (They are shown
        just after this: whether the view is empty is looked at after that frame.)"""
        if self.closing:
            self.close()
        else:
            self._frames.release()
        self._picked()
        self._screen.call_after_refresh(self._hint_if_empty, self._view.generation)

    def _hint_if_empty(self, generation: int) -> None:
        """A view that shows nothing because a tag with spaces was typed without quotes
        (+Війна в Україні) says so under the box, with the quoted form. The tags known are
        the last count's (the catalogue): no SQL on the event loop."""
        screen, view = self._screen, self._view
        if generation != view.generation or screen.headlines.ids or not view.filter_text:
            return
        known = {fold(tag) for tag in screen.catalogue.tags}
        hint = quoted_tag_hint(view.filter_text, known.intersection)
        if hint:
            screen.show_filter_error(f"No articles match: {hint}")

    def cancel(self) -> None:
        """Escape in the filter box: cancel the edit. The view shown when / was pressed
        comes back (the box filters as it is typed in), the sidebar's cursor and the focus
        too. (To clear the filter: All in the sidebar, or an empty box and Enter.)"""
        screen, view = self._screen, self._view
        self._stop_typing()
        screen.show_filter_error(None)
        before, self._before = self._before, None
        if before is not None:
            text, label, row, place, focused = before
            if text != view.filter_text:
                screen.apply_filter(text, label)
            elif label != view.label:
                view.label = label
                screen.update_header()
            if place is not None and screen.sidebar.place(row) == place:
                screen.sidebar.select_row(row)
            if focused is not None and focused is not self.box:
                self._focus_after = focused
        self.close()

    def filter_to_save(self) -> str | None:
        """What S (or Ctrl+S) saves: the view's filter. In the box, what it holds: it is
        applied and the box closes, as with Enter; a bad filter is refused with its error
        (None, as for nothing to save)."""
        screen = self._screen
        box = self.box
        in_box = screen.focused is box
        text = box.value if in_box else self._view.filter_text
        if not text.strip():
            screen.notify("Type a filter first (/), then save it.", severity="warning")
            return None
        if in_box:
            self._stop_typing()
            if not self._typed(text):
                screen.notify(
                    "Not saved: the filter has an error (see above the list).", severity="error"
                )
                return None
            self._before = None
            self._hide_box()
            screen.set_focus(screen.headlines)
        return text

    # -- the tag picker ----------------------------------------------------------------------

    def pick_tag(self) -> None:
        """t: the tag picker; the tag picked is the view."""
        from .pickers import TagPicker

        screen, view = self._screen, self._view
        # Feed tags and the articles' own categories, each with its unread count (the
        # sidebar's, hidden categories included), as of the last count: no SQL here.
        counts = {fold(item.label): item.count or 0 for item in screen.sidebar.all_items
                  if item.kind in ("tag", "category")}
        tags = [(clean_line(t), counts.get(fold(clean_line(t)), 0))
                for t in screen.catalogue.tags]

        def chosen(tag: str | None) -> None:
            if tag and tag_filter(tag) != view.filter_text:
                screen.sidebar.select_filter(tag_filter(tag))
                if screen.apply_filter(tag_filter(tag), tag) and screen.awaiting_rows:
                    screen.set_timer(CLOSE_WAIT, self._picked)  # (at most this long)
                    return  # (rows_shown ends the wait)
            self._picked()

        # Keys typed after the Enter that picks ("ttech", Enter, "jj" in one go) come back
        # here once the picker is gone (DialogBox): they wait for the tag's view, and then
        # move in it, as after Enter in the filter box.
        self._picking = True
        screen.app.push_screen(TagPicker(tags), chosen)

    def _picked(self) -> None:
        """The tag picker's view is in (or none is coming): the keys typed meanwhile go."""
        if self._picking:
            self._picking = False
            self.held_keys.press_held()
