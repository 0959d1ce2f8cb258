"""Help: generated from the bindings that are live on the screen underneath."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import ActiveBinding, Binding
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static


def binding_rows(app, active: dict[str, ActiveBinding]) -> list[tuple[str, str, str, str]]:
    """(where, keys, description, id) for each distinct action, keys merged."""
    groups: dict[tuple[int, str], tuple[str, list[str], Binding]] = {}
    for node, binding, _enabled, _tooltip in active.values():
        if not binding.description:
            continue
        where = (
            "Everywhere"
            if node is app or node is app.screen
            else getattr(node, "HELP_TITLE", type(node).__name__)
        )
        slot = groups.setdefault((id(node), binding.action), (where, [], binding))
        display = app.get_key_display(binding)
        if display not in slot[1]:
            slot[1].append(display)
    rows = [
        (where, ", ".join(keys), b.description, b.id or "") for where, keys, b in groups.values()
    ]
    rows.sort(key=lambda r: (r[0] == "Everywhere", r[0]))
    return rows


# What the sidebar's marks after a feed's name mean (Item.mark, feed_status.mark)
MARKS: list = [
    "\n",
    ("Marks after a feed's name", "bold underline"),
    "\n",
    ("  !", "bold"),
    "  its last refresh failed: its view says why at the top; F lists every feed\n",
    "     with its error, last and next fetch (r on it tries again)\n",
    ("  ✗", "bold"),
    "  the feed is gone (its server answered 410): no longer fetched; X removes it\n",
]


# The filter language in brief (`reader help-filters` has it all)
FILTERS: list = [
    "\n",
    ("Filters (/) and tags (t)", "bold underline"),
    "\n",
    ("  +tag -tag", "bold"),
    "      with / without a feed's tag or an article's category, in any case:\n",
    "                  +війна finds ВІЙНА\n",
    ("  +\"two words\"", "bold"),
    "   a tag with spaces needs quotes: +\"Війна в Україні\"\n",
    ("  more", "bold"),
    "            is:unread is:starred feed:TEXT @7d word \"a phrase\" (reader help-filters)\n",
    ("  Categories", "bold"),
    "      Enter on the sidebar's Categories row shows or hides them\n",
]


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,question_mark", "dismiss", "Close help", id="close_help")]

    def __init__(self, rows: list[tuple[str, str, str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        parts: list = [
            ("Keys", "bold"),
            "  (ids in brackets: remap them under [keys] in config.toml)\n",
        ]
        last = None
        for where, keys, description, binding_id in self.rows:
            if where != last:
                parts += ["\n", (where, "bold underline"), "\n"]
                last = where
            parts += [(f"  {keys:<18}", "bold"), f" {description}"]
            if binding_id:
                parts.append((f"  [{binding_id}]", "dim"))
            parts.append("\n")
        parts += MARKS
        parts += FILTERS
        with Vertical(id="help-box"):
            with VerticalScroll():
                yield Static(Content.assemble(*parts), markup=False, id="help-text")
            yield Static(
                Content(
                    "Esc closes this help. Keys differ by pane: press ? in the "
                    "sidebar, the list or the article to see its own."
                ),
                id="help-hint",
            )
