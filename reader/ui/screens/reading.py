"""Room for reading: the article across the whole width (z) and the sidebar hidden or
shown (Ctrl+B). Both are classes on the screen; reader.tcss lays them out.

The whole width lasts while the article has the focus: moving to another pane (h, Tab,
Esc) brings the panes back, so that the focus is never in a pane that isn't drawn.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from ..view_state import ViewState

if TYPE_CHECKING:
    from textual.widget import Widget

    from ..widgets.article_view import ArticleView
    from ..widgets.sidebar import Sidebar

ZOOM = "article-zoom"
NO_SIDEBAR = "hide-sidebar"


class ReadingScreen(Protocol):
    """What the reading layout uses of the screen it is on (MainScreen)."""

    article: ArticleView
    sidebar: Sidebar
    focused: Widget | None
    narrow: bool

    def has_class(self, name: str) -> bool: ...
    def set_class(self, add: bool, *names: str) -> object: ...
    def focus_pane(self, pane: str) -> None: ...
    def notify(self, message: str) -> None: ...


class ReadingLayout:
    def __init__(self, screen: ReadingScreen, view: ViewState) -> None:
        self._screen = screen
        self._view = view

    @property
    def zoomed(self) -> bool:
        return self._screen.has_class(ZOOM)

    def zoom(self) -> None:
        """z: the open article over the whole width, or the panes back."""
        screen = self._screen
        if self.zoomed:
            screen.set_class(False, ZOOM)
            return
        if self._view.opened_id is None:
            screen.notify("Open an article first (Enter), then z gives it the whole width.")
            return
        screen.set_class(True, ZOOM)
        screen.focus_pane("article")

    def toggle_sidebar(self) -> None:
        """Ctrl+B: hide the sidebar (its room goes to the list), or show it again. On a
        narrow terminal, where it is shown over the list on demand, show or leave it."""
        screen = self._screen
        if screen.narrow:
            shown = screen.has_class("show-sidebar")
            screen.focus_pane("headlines" if shown else "sidebar")
            return
        hide = not screen.has_class(NO_SIDEBAR)
        screen.set_class(hide, NO_SIDEBAR)
        if hide and screen.focused is screen.sidebar:
            screen.focus_pane("headlines")

    def focus_moved(self, widget: Widget) -> None:
        """The focus went to `widget`: out of the article, the panes come back; to the
        hidden sidebar (Tab, h), the sidebar shows."""
        screen = self._screen
        article = screen.article
        if self.zoomed and widget is not article and article not in widget.ancestors:
            screen.set_class(False, ZOOM)
        if widget is screen.sidebar and screen.has_class(NO_SIDEBAR):
            screen.set_class(False, NO_SIDEBAR)
