"""First run: an offer of well-known public feeds, and how to add your own."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

# (url, name, tag): public feeds of well-known outlets, none needing an account.
STARTER_FEEDS: list[tuple[str, str, str]] = [
    ("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC World", "world"),
    ("https://feeds.npr.org/1001/rss.xml", "NPR", "world"),
    ("https://www.theguardian.com/world/rss", "The Guardian", "world"),
    ("https://www.aljazeera.com/xml/rss/all.xml", "Al Jazeera", "world"),
    ("https://feeds.arstechnica.com/arstechnica/index", "Ars Technica", "technology"),
    ("https://hnrss.org/frontpage", "Hacker News", "technology"),
    ("https://lwn.net/headlines/rss", "LWN.net", "technology"),
    ("https://www.theverge.com/rss/index.xml", "The Verge", "technology"),
    ("https://www.nature.com/nature.rss", "Nature", "science"),
    ("https://www.nasa.gov/news-release/feed/", "NASA", "science"),
    ("https://www.sciencedaily.com/rss/all.xml", "ScienceDaily", "science"),
    ("https://www.quantamagazine.org/feed/", "Quanta Magazine", "science"),
]

TOPICS = {"world": "World", "technology": "Technology", "science": "Science"}


class WelcomeScreen(ModalScreen[bool]):
    """Dismisses True to subscribe to the starter feeds, False to skip."""

    BINDINGS = [
        Binding("a", "dismiss(True)", "Add starter feeds", id="accept"),
        Binding("escape", "dismiss(False)", "Skip", id="skip"),
    ]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="welcome"):
            yield Static(Content("Welcome to reader"), classes="dialog-title")
            yield Static(
                Content(f"No subscriptions yet. Start with these {len(STARTER_FEEDS)} feeds?")
            )
            with Vertical(id="starter-feeds"):
                for tag, topic in TOPICS.items():
                    names = [name for _url, name, t in STARTER_FEEDS if t == tag]
                    with Horizontal(classes="topic"):
                        yield Static(Content(topic), classes="topic-name")
                        yield Static(Content(" · ".join(names)), classes="topic-feeds")
            with Horizontal(classes="buttons"):
                yield Button(f"Add {len(STARTER_FEEDS)} feeds  (a)", variant="primary", id="accept")
                yield Button("Skip  (Esc)", id="skip")
            yield Static(
                Content.assemble(
                    "Your own feeds, any time, from a shell:\n",
                    ("  reader add URL", "bold"),
                    "   ",
                    ("reader import FILE.opml", "bold"),
                ),
                classes="dialog-detail",
                id="welcome-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#accept", Button).focus()  # Enter adds them

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")
