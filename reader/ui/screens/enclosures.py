"""e: an article's enclosures (podcast episodes, videos), to play or download one.

The player (config [enclosures] player) gets the terminal as a text browser does for o:
the app suspends itself, runs it as an argument list (never a shell) and waits. A
download runs in a thread and says where the file went. Enclosure URLs and types are
feed data: shown as plain text, never markup.
"""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from textual import on
from textual.app import ComposeResult, SuspendNotSupported
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from reader.core.errors import ReaderError
from reader.core.models import Enclosure
from reader.core.sanitize import clean_line

if TYPE_CHECKING:
    from .main import MainScreen

Choice = tuple[str, Enclosure]  # ("play" | "download", the enclosure)


def describe(enclosure: Enclosure) -> str:
    """`епізод-1.mp3 · audio/mpeg · 52.3 MB · cdn.example`: its file's name (as the URL
    spells it, unescaped), type, size and host."""
    try:
        parts = urlsplit(enclosure.url)
        name, host = unquote(parts.path.rsplit("/", 1)[-1]), parts.hostname or ""
    except ValueError:
        name, host = "", ""
    out = [clean_line(name) or "(no file name)"]
    if enclosure.type:
        out.append(clean_line(enclosure.type))
    if enclosure.length:
        size = enclosure.length / 1e6
        out.append(f"{size:.1f} MB" if size >= 0.1 else f"{enclosure.length:,} bytes")
    return " · ".join([*out, clean_line(host)] if host else out)


class EnclosurePicker(ModalScreen[Choice | None]):
    """Enter or p plays the highlighted enclosure, d downloads it, Escape cancels."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="cancel"),
        Binding("p", "choose('play')", "Play", id="play_enclosure"),
        Binding("d", "choose('download')", "Download", id="download_enclosure"),
    ]

    def __init__(self, enclosures: list[Enclosure]) -> None:
        super().__init__()
        self.enclosures = enclosures

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("Enclosures: Enter or p plays, d downloads, Esc cancels"),
                         classes="dialog-title")
            yield OptionList(
                *[Option(Content.assemble((f"[{i}] ", "dim"), describe(x)), id=str(i))
                  for i, x in enumerate(self.enclosures, 1)],
                id="enclosure-options",
            )

    def action_choose(self, what: str) -> None:
        index = self.query_one("#enclosure-options", OptionList).highlighted
        if index is not None:
            self.dismiss((what, self.enclosures[index]))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(("play", self.enclosures[int(event.option.id) - 1]))


def pick_enclosure(screen: MainScreen) -> None:
    """e: the picker for the article the keys act on (the open one's enclosures at once,
    another's once read in a thread)."""
    aid = screen.articles.current_id()
    if aid is None:
        return
    opened = screen.article.article
    if opened is not None and opened.id == aid:
        _offer(screen, opened.enclosures)
        return

    def read() -> None:
        try:
            found = screen.library.article(aid).enclosures
        except ReaderError as exc:
            screen.app.call_from_thread(screen.notify, str(exc), severity="error")
            return
        screen.app.call_from_thread(_offer, screen, found)

    screen.run_worker(read, name="read_enclosures", group="enclosures", thread=True,
                      exit_on_error=False)


def _offer(screen: MainScreen, enclosures: list[Enclosure]) -> None:
    if not enclosures:
        screen.notify("This article has no enclosures (podcast episodes, videos).")
        return

    def chosen(choice: Choice | None) -> None:
        if choice is None:
            return
        what, enclosure = choice
        if what == "play":
            play(screen, enclosure)
        else:
            download(screen, enclosure)

    screen.app.push_screen(EnclosurePicker(enclosures), chosen)


def play(screen: MainScreen, enclosure: Enclosure) -> None:
    """The player on the terminal, the app suspended meanwhile (as o does for $BROWSER)."""
    app, library = screen.app, screen.library
    try:
        argv = library.player_command(enclosure)
        with app.suspend():
            code = library.run_player(argv)
    except SuspendNotSupported:
        screen.notify("This terminal can't be handed to the player here.", severity="warning")
        return
    except ReaderError as exc:
        screen.notify(str(exc), severity="warning", timeout=8)
        return
    if code != 0:
        screen.notify(f"{clean_line(argv[0])} exited with status {code}", severity="warning")


def download(screen: MainScreen, enclosure: Enclosure) -> None:
    """In a thread; says where the file went, or why it did not."""
    app, library = screen.app, screen.library
    screen.notify(f"Downloading {clean_line(enclosure.url)}…")

    def run() -> None:
        try:
            path = library.download_enclosure(enclosure)
        except ReaderError as exc:
            app.call_from_thread(screen.notify, str(exc), severity="error", timeout=8)
            return
        app.call_from_thread(screen.notify, f"Downloaded to {clean_line(str(path))}")

    screen.run_worker(run, name="download_enclosure", group="downloads", thread=True,
                      exit_on_error=False)
