"""Small modal dialogs: pick a tag, name a filter, confirm a deletion."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Input, OptionList, Static
from textual.widgets.option_list import Option


class TagPicker(ModalScreen[str | None]):
    """Choose one tag; dismisses with the tag or None. (A few dozen options: OptionList is fine.)"""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel")]

    def __init__(self, tags: list[tuple[str, int]]) -> None:
        super().__init__()
        self.tags = tags

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content("Pick a tag"), classes="dialog-title")
            if self.tags:
                yield OptionList(
                    *[
                        Option(Content.assemble(tag, (f"  {n}" if n else "", "dim")), id=str(i))
                        for i, (tag, n) in enumerate(self.tags)
                    ],
                    id="tag-options",
                )
            else:
                yield Static(Content("No tags yet: tag a feed with `reader tag FEED TAG`."))

    @on(OptionList.OptionSelected)
    def _chosen(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.tags[int(event.option.id)][0])


class NamePrompt(ModalScreen[str | None]):
    """Ask for a name (used to save the current filter)."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel", id="cancel")]

    def __init__(self, title: str, detail: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.detail = detail

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Static(Content(self.title_text), classes="dialog-title")
            if self.detail:
                yield Static(Content(self.detail), classes="dialog-detail")
            yield Input(placeholder="name, then Enter (Esc cancels)", id="name-input")

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        name = event.value.strip()
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
