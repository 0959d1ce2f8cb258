"""Small modal dialogs: pick a tag, name a filter, confirm a deletion."""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option

from reader.core.sanitize import clean_line
from reader.core.tags import fold

from ..keys import press_again

MAX_LIST_ROWS = 20  # the tag picker's list, with its border
# The dialog's rows besides the list (reader.tcss): its border and padding (4), the title
# and its margin (2), the text box (3). The dialog takes at most 90% of the screen.
DIALOG_ROWS = 9


class TypeAhead:
    """For a dialog with a text box (DialogBox): the keys typed in one go with the key that
    opened it ("tnews" and Enter, typed fast or pasted) reach the dialog before its box
    has the focus. They are typed into the box, and Enter submits it, rather than being
    lost. The dialog says what submitting is: submit(text)."""

    BOX = ""  # the box's selector

    def submit(self, text: str) -> None:
        raise NotImplementedError

    def on_key(self, event: events.Key) -> None:
        if self.app.screen is not self:  # dismissed meanwhile: for the screen under it
            event.stop()
            press_again(self.app, event)
            return
        box = self.query(self.BOX).first(Input) if self.query(self.BOX) else None
        if box is None or event.key == "escape":
            return
        if event.is_printable and event.character:
            event.stop()  # (a key the box had, it kept: here are those it did not get)
            box.insert_text_at_cursor(event.character)
        elif event.key == "enter" and self.focused is None:
            event.stop()
            self.submit(box.value)


class DialogBox(Input):
    """A dialog's text box. Enter submits here, as the box gets the key (as the filter box
    does): where the key bubbles up to, the keys typed after it would already have been
    typed into the box ("tnews", Enter, "jj" looked for the tag "newsjj"). Those keys,
    once the dialog is gone, are pressed again for the screen under it (j moves there)."""

    def on_mount(self) -> None:
        self._dialog = self.screen

    async def _on_key(self, event: events.Key) -> None:
        if self.app.screen is not self._dialog:  # dismissed meanwhile: not ours
            event.stop()
            event.prevent_default()
            press_again(self.app, event)
        elif event.key == "enter":
            event.stop()
            event.prevent_default()
            self._dialog.submit(self.value)


class TagPicker(TypeAhead, ModalScreen[str | None]):
    """Choose one tag (a feed tag or an article's own category, each with its unread count);
    dismisses with the tag or None. Typing narrows the list to the tags whose name holds
    the text, matched as +TAG matches (tags.fold: "війна" finds "ВІЙНА"; those that
    start with it first); up and down (or Ctrl+P,
    Ctrl+N) move, Enter picks, Escape cancels. Keys typed right after t, before the box
    has the focus ("tnews" and Enter in one go), are typed into it all the same (TypeAhead)."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel", id="cancel"),
        Binding("down,ctrl+n", "move(1)", "Down", show=False),
        Binding("up,ctrl+p", "move(-1)", "Up", show=False),
    ]
    BOX = "#tag-filter"

    def __init__(self, tags: list[tuple[str, int]]) -> None:
        super().__init__()
        self.tags = tags
        self._folded = [fold(tag) for tag, _ in tags]
        self.shown: list[int] = list(range(len(tags)))  # indexes into tags, as listed

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("Pick a tag"), classes="dialog-title")
            if self.tags:
                yield DialogBox(
                    placeholder="type to narrow; ↑↓ move, Enter picks", id="tag-filter"
                )
                yield OptionList(*self._options(), id="tag-options")
                yield Static(Content("No tag holds that text."), id="tag-none")
            else:
                yield Static(Content(
                    "No tags yet: tag a feed with `reader tag FEED TAG`; articles' own"
                    " categories show here too."))

    def on_mount(self) -> None:
        if self.tags:
            self.query_one("#tag-none").display = False
            self.fit_list(self.app.size.height)

    def on_resize(self, event: events.Resize) -> None:
        if self.tags:
            self.fit_list(event.size.height)

    def fit_list(self, height: int) -> None:
        """The list as tall as the screen lets the dialog be: it scrolls to keep the
        highlighted row in sight (left to grow, it went off the screen's bottom)."""
        rows = max(3, min(MAX_LIST_ROWS, int(height * 0.9) - DIALOG_ROWS))
        self.query_one("#tag-options", OptionList).styles.max_height = rows

    def _options(self) -> list[Option]:
        return [
            Option(Content.assemble(tag, (f"  {n}" if n else "", "dim")), id=str(i))
            for i in self.shown
            for tag, n in (self.tags[i],)
        ]

    def narrow(self, text: str) -> None:
        needle = fold(text.strip())  # (the one rule for names, as +TAG matches them)
        found = [i for i, folded in enumerate(self._folded) if needle in folded]
        found.sort(key=lambda i: not self._folded[i].startswith(needle))
        if found == self.shown:
            return
        self.shown = found
        options = self.query_one("#tag-options", OptionList)
        options.clear_options()
        options.add_options(self._options())
        options.highlighted = 0 if found else None
        options.display = bool(found)
        self.query_one("#tag-none").display = not found

    def _highlighted_tag(self) -> str | None:
        options = self.query_one("#tag-options", OptionList)
        if options.highlighted is None or not self.shown:
            return None
        return self.tags[self.shown[options.highlighted]][0]

    def action_move(self, step: int) -> None:
        if not self.tags or not self.shown:
            return
        options = self.query_one("#tag-options", OptionList)
        now = options.highlighted if options.highlighted is not None else -step
        options.highlighted = max(0, min(len(self.shown) - 1, now + step))

    @on(Input.Changed, "#tag-filter")
    def _typed(self, event: Input.Changed) -> None:
        self.narrow(event.value)

    def submit(self, text: str) -> None:
        self.narrow(text)
        self._pick()

    def _pick(self) -> None:
        tag = self._highlighted_tag()
        if tag is not None:
            self.dismiss(tag)

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.tags[int(event.option.id)][0])


class LinkPicker(ModalScreen[str | None]):
    """The open article's links, numbered as the article numbers them ([1], [2]...):
    up and down move, a digit goes to that link, Enter opens it (as newsboat's URL view).
    Dismisses with the URL or None. URLs are feed data: shown as text, never markup."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel")]

    def __init__(self, links: list[str]) -> None:
        super().__init__()
        self.links = links

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("Open a link of this article"), classes="dialog-title")
            yield OptionList(
                *[
                    Option(Content.assemble((f"[{i}] ", "dim"), clean_line(url)), id=str(i))
                    for i, url in enumerate(self.links, 1)
                ],
                id="link-options",
            )

    def on_key(self, event: events.Key) -> None:
        """A digit goes to the link of that number; digits typed within a second of each
        other make one number ("1", "2": [12])."""
        if not (event.character and event.character.isdecimal()):
            return
        event.stop()
        typed = self._digits + event.character
        if not 1 <= int(typed) <= len(self.links):
            typed = event.character
        self._digits = typed
        if self._reset is not None:
            self._reset.stop()
        self._reset = self.set_timer(1.0, self._forget_digits)
        if 1 <= int(typed) <= len(self.links):
            self.query_one("#link-options", OptionList).highlighted = int(typed) - 1

    _digits = ""
    _reset = None

    def _forget_digits(self) -> None:
        self._digits, self._reset = "", None

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.links[int(event.option.id) - 1])


class NamePrompt(TypeAhead, ModalScreen[str | None]):
    """Ask for a name (used to save the current filter)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel")]
    BOX = "#name-input"

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            if self.detail:
                yield Static(Content(self.detail), classes="dialog-detail")
            yield DialogBox(placeholder="name, then Enter (Esc cancels)", id="name-input")

    def submit(self, text: str) -> None:
        name = text.strip()
        if name:
            self.dismiss(name)


class Confirm(ModalScreen[bool]):
    """Ask yes or no; dismisses True for yes. y says yes, n or Esc no; Enter presses the
    focused button, which is Cancel at first."""

    BINDINGS = [
        Binding("y", "dismiss(True)", "Yes", id="confirm_yes"),
        Binding("n,escape", "dismiss(False)", "No", id="confirm_no"),
    ]

    def __init__(self, question: str, detail: str = "", yes: str = "Delete") -> None:
        super().__init__()
        self.question = question
        self.detail = detail
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.question), classes="dialog-title")
            if self.detail:
                yield Static(Content(self.detail), classes="dialog-detail")
            with Horizontal(classes="buttons"):
                yield Button(f"{self.yes} (y)", variant="error", id="yes")
                yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()  # Enter alone doesn't delete

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
