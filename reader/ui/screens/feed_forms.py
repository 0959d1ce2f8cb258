"""Dialogs for managing feeds from inside the TUI: add one by URL (a page's feeds shown to
pick from), and a one-line prompt with a starting value (rename, tags, an OPML file's
path). Removing asks with pickers.Confirm. What they return is acted on by FeedActions.

Feed titles, URLs and server errors are untrusted: drawn as Content, never markup.
"""

from __future__ import annotations

from collections.abc import Callable

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.core.errors import FetchError, ReaderError
from reader.core.models import FeedCandidate
from reader.core.sanitize import clean_line

from .pickers import DialogBox, TypeAhead


class FeedPrompt(TypeAhead, ModalScreen[str | None]):
    """One line of text, starting from `value`; dismisses with the text typed (stripped;
    "" only when `allow_empty`) or None (Esc)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel")]
    BOX = "#feed-prompt-input"
    DEFAULT_CSS = """
    FeedPrompt { align: center middle; }
    #feed-prompt-problem { color: $text-error; height: auto; }
    """

    def __init__(
        self,
        title: str,
        detail: str | Content = "",
        value: str = "",
        placeholder: str = "",
        allow_empty: bool = False,
        check: Callable[[str], str | None] | None = None,
    ) -> None:
        """`check`: what is wrong with the text (one line), or None; the dialog stays
        open on a problem, the text kept to correct."""
        super().__init__()
        self.title_text = title
        self.detail = detail
        self.start = value
        self.placeholder = placeholder or "Enter to confirm, Esc to cancel"
        self.allow_empty = allow_empty
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            if self.detail:
                detail = self.detail
                yield Static(
                    detail if isinstance(detail, Content) else Content(detail),
                    classes="dialog-detail",
                )
            yield DialogBox(
                self.start,
                placeholder=self.placeholder,
                id="feed-prompt-input",
                select_on_focus=False,
            )
            yield Static(id="feed-prompt-problem", classes="error", markup=False)

    def on_mount(self) -> None:
        self.query_one("#feed-prompt-problem").display = False

    def submit(self, text: str) -> None:
        text = text.strip()
        if not text and not self.allow_empty:
            return
        problem = self.check(text) if self.check is not None and text else None
        shown = self.query_one("#feed-prompt-problem", Static)
        shown.update(Content(clean_line(problem or "")))
        shown.display = problem is not None
        if problem is None:
            self.dismiss(text)


def candidate_prompt(candidate: FeedCandidate) -> Content:
    """A feed found behind a URL, as the pick list shows it."""
    url = clean_line(candidate.url)
    if candidate.error:
        return Content.assemble((url, "dim"), ("  failed: " + clean_line(candidate.error), "dim"))
    noun = "entry" if candidate.entries == 1 else "entries"
    parts: list = [
        (clean_line(candidate.title) or url, "bold"),
        (f"  {candidate.entries} {noun}", "dim"),
    ]
    if candidate.subscribed:
        parts.append(("  (subscribed)", "italic"))
    parts += ["\n  ", (url, "dim")]
    return Content.assemble(*parts)


class AddFeedDialog(TypeAhead, ModalScreen[str | None]):
    """Ask for an address; look behind it in a thread (Library.discover). A feed is
    chosen at once; a web page's feeds are listed to pick from (Enter). Dismisses with
    the chosen feed's URL, or None (Esc). A failure is one line under the box, which
    keeps the address to correct. With [sync], an address this machine cannot fetch
    may be subscribed on the server all the same (Enter again): the server fetches it."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel")]
    BOX = "#add-url"
    DEFAULT_CSS = """
    AddFeedDialog { align: center middle; }
    #add-status { height: auto; }
    #add-status.error { color: $text-error; }
    #add-choices { height: auto; max-height: 14; margin-top: 1; }
    """

    def __init__(self, url: str = "") -> None:
        super().__init__()
        self.url = url
        self.candidates: list[FeedCandidate] = []
        self.looking = False  # (tests wait for the look to end: a state, not a time)
        self.for_server = ""  # an address that failed here, which the sync server may fetch

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="add-feed"):
            yield Static(Content("Add a feed"), classes="dialog-title")
            yield Static(
                Content("The address of a feed, or of a web page that links its feeds."),
                classes="dialog-detail",
            )
            yield DialogBox(
                self.url, placeholder="https://…, then Enter (Esc cancels)", id="add-url"
            )
            yield Static(id="add-status", markup=False)
            yield OptionList(id="add-choices")

    def on_mount(self) -> None:
        self.query_one("#add-choices").display = False

    def _status(self, text: str, error: bool = False) -> None:
        status = self.query_one("#add-status", Static)
        status.update(Content(text))
        status.set_class(error, "error")

    def submit(self, text: str) -> None:
        url = text.strip()
        if not url or self.looking:
            return
        if url == self.for_server:
            self.dismiss(url)  # (FeedActions adds it; failing here, it is queued)
            return
        self.for_server = ""
        self.looking = True
        self.query_one("#add-choices").display = False
        self._status(f"Looking at {clean_line(url)} …")
        self.discover(url)

    @work(thread=True, exclusive=True, group="discover", exit_on_error=False)
    def discover(self, url: str) -> None:
        library = self.app.library
        server = ""
        try:
            found, error = library.discover(url), None
        except ReaderError as exc:
            found, error = [], str(exc)
            if isinstance(exc, FetchError) and library.syncs_new_feeds(False, url):
                server = url
        except Exception as exc:  # a bug's message beats a traceback: one line
            found, error = [], f"could not look at {url}: {exc}"
        try:
            self.app.call_from_thread(self._found, found, error, server)
        except RuntimeError:
            pass  # the app has gone

    def _found(self, found: list[FeedCandidate], error: str | None, server: str = "") -> None:
        self.looking = False
        if self.app.screen is not self:
            return  # cancelled meanwhile
        if error is not None:
            self.for_server = server
            hint = ("; Enter again subscribes on the sync server, which fetches it"
                    if server else "")
            self._status(clean_line(error) + hint, error=True)
            return
        usable = [c for c in found if not c.error]
        if len(found) == 1 and usable and not usable[0].subscribed:
            self.dismiss(usable[0].url)
            return
        self.candidates = found
        if len(found) == 1:  # the address is a feed, and a known one, or it failed
            only = found[0]
            why = "already subscribed" if only.subscribed else f"failed: {only.error}"
            self._status(f"{clean_line(only.url)}: {clean_line(why)}", error=True)
            return
        choices = self.query_one("#add-choices", OptionList)
        choices.clear_options()
        choices.add_options(
            Option(candidate_prompt(c), id=str(i), disabled=bool(c.error))
            for i, c in enumerate(found)
        )
        choices.display = True
        choices.highlighted = next((i for i, c in enumerate(found) if not c.error), None)
        choices.focus()
        self._status(f"{len(found)} feeds on this page ({len(usable)} work): pick one, Enter")

    @on(OptionList.OptionSelected, "#add-choices")
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        candidate = self.candidates[int(event.option.id)]
        if candidate.subscribed:
            self._status(f"Already subscribed to {clean_line(candidate.url)}", error=True)
            return
        self.dismiss(candidate.url)
