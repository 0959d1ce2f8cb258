"""Saved filters from the main screen: save the view's filter under a name (S), show one,
delete one (the sidebar's d, the command palette)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from reader.core.errors import ReaderError
from reader.core.sanitize import clean_line
from reader.core.tags import fold

from ..view_state import Catalogue, ViewState
from ..widgets.sidebar import Sidebar

if TYPE_CHECKING:
    from textual.app import App


class SavedFiltersScreen(Protocol):
    """What the saved filters use of the screen they are on (MainScreen)."""

    catalogue: Catalogue
    sidebar: Sidebar

    @property
    def app(self) -> App: ...
    @property
    def library(self): ...
    def apply_filter(self, text: str, label: str | None = None) -> bool: ...
    def update_header(self) -> None: ...
    def load_counts(self) -> object: ...
    def focus_pane(self, pane: str) -> None: ...
    def notify(self, message: str, *, severity: str = ...) -> None: ...


class SavedFilters:
    """Built with the screen. `filter_to_save()` gives the filter S saves (the filter
    box's FilterEditor.filter_to_save)."""

    def __init__(
        self,
        screen: SavedFiltersScreen,
        view: ViewState,
        filter_to_save: Callable[[], str | None],
    ) -> None:
        self._screen = screen
        self._view = view
        self._filter_to_save = filter_to_save

    def save(self) -> None:
        """S (or Ctrl+S): save the view's filter under a name. In the filter box, Ctrl+S
        saves what the box holds: it is applied and the box closes, as with Enter (a bad
        filter is refused with its error), then the name is asked for."""
        from .pickers import Confirm, NamePrompt

        screen, view = self._screen, self._view
        text = self._filter_to_save()
        if text is None:
            return

        def write(name: str) -> ReaderError | None:
            """On the writer thread."""
            try:
                screen.library.save_filter(name, text)
            except ReaderError as exc:
                return exc
            return None

        def save(name: str) -> None:
            screen.app.write_db(write, name, then=lambda error: saved(name, error))

        def saved(name: str, error: ReaderError | None) -> None:
            if error is not None:
                screen.notify(str(error), severity="error")
                return
            if view.filter_text == text:
                view.label = clean_line(name)
                screen.update_header()
            screen.notify(f"Saved filter “{clean_line(name)}”")
            screen.load_counts()  # the sidebar's cursor goes to it (show_in_sidebar)

        def named(name: str | None) -> None:
            if not name:
                return
            # Names match as storage matches them (tags.fold): "Війна" replaces "ВІЙНА".
            wanted = fold(clean_line(name))
            old = next((query for saved, query in screen.catalogue.saved_filters.items()
                        if fold(saved) == wanted), None)
            if old is None or old == text:
                save(name)
                return
            screen.app.push_screen(
                Confirm(
                    f"Replace the saved filter “{clean_line(name)}”?",
                    f"It shows: {clean_line(old)}\nIt will show: {clean_line(text)}",
                    yes="Replace",
                ),
                lambda yes: save(name) if yes else None,
            )

        screen.app.push_screen(NamePrompt("Save this filter as", self.describe(text)), named)

    def describe(self, text: str) -> str:
        """The filter as the user may read it: a feed's view (feedid:N, which a rename of
        the feed does not break, unlike feed:"Title") says which feed it is."""
        shown = clean_line(text)
        feeds = {item.filter: item.label for item in self._screen.sidebar.feed_items()}
        if text in feeds:
            return f"The feed “{feeds[text]}” ({shown}: its id, which a rename keeps)"
        named = [f"{term}: the feed “{feeds[term]}”" for term in text.split() if term in feeds]
        return shown + ("  (" + "; ".join(named) + ")" if named else "")

    def confirm_delete(self, name: str) -> None:
        """Ask, then delete the saved filter `name`. When it is the view shown, All is
        shown instead, the sidebar's cursor on it: the cursor stays on what names the view."""
        from .pickers import Confirm

        screen, view = self._screen, self._view
        query = screen.catalogue.saved_filters.get(name)
        if query is None:
            return

        shown = clean_line(name)

        def deleted(_found: bool) -> None:
            if view.label == shown and view.filter_text == query:
                screen.apply_filter("", "All")
            screen.notify(f"Deleted the saved filter “{shown}”")

        def answered(yes: bool | None) -> None:
            if yes:
                screen.app.write_db(screen.library.delete_filter, name, then=deleted)

        screen.app.push_screen(
            Confirm(f"Delete the saved filter “{shown}”?", f"It shows: {clean_line(query)}"),
            answered,
        )

    def show(self, name: str) -> None:
        query = self._screen.catalogue.saved_filters.get(name)
        if query is not None:
            self._screen.sidebar.select_filter(query)
            self._screen.apply_filter(query, clean_line(name))
            self._screen.focus_pane("headlines")
