"""First run: how to subscribe, and an offer of well-known public feeds."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

# (url, title, tag): public feeds of well-known outlets, none needing an account.
STARTER_FEEDS: list[tuple[str, str, str]] = [
    ("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC News - World", "world"),
    ("https://feeds.npr.org/1001/rss.xml", "NPR News", "world"),
    ("https://www.theguardian.com/world/rss", "The Guardian - World", "world"),
    ("https://www.aljazeera.com/xml/rss/all.xml", "Al Jazeera", "world"),
    ("https://feeds.arstechnica.com/arstechnica/index", "Ars Technica", "technology"),
    ("https://hnrss.org/frontpage", "Hacker News: Front Page", "technology"),
    ("https://lwn.net/headlines/rss", "LWN.net", "technology"),
    ("https://www.theverge.com/rss/index.xml", "The Verge", "technology"),
    ("https://www.nature.com/nature.rss", "Nature", "science"),
    ("https://www.nasa.gov/news-release/feed/", "NASA News Releases", "science"),
    ("https://www.sciencedaily.com/rss/all.xml", "ScienceDaily", "science"),
    ("https://www.quantamagazine.org/feed/", "Quanta Magazine", "science"),
]


class WelcomeScreen(ModalScreen[bool]):
    """Dismisses True to subscribe to the starter feeds, False to skip."""

    BINDINGS = [
        Binding("escape", "dismiss(False)", "Skip", id="skip"),
        Binding("a", "dismiss(True)", "Add starter feeds", id="accept"),
    ]

    def compose(self) -> ComposeResult:
        lines: list = [
            ("Welcome to reader", "bold"),
            "\n\n",
            "You have no subscriptions yet. In a shell:\n",
            ("  reader add https://example.com/feed.xml", "bold"),
            "   subscribe to a feed\n",
            ("  reader import subscriptions.opml", "bold"),
            "         import OPML\n\n",
            "Or start with these public feeds (world, technology, science):\n",
        ]
        for _url, title, tag in STARTER_FEEDS:
            lines += [f"  {title}", (f"  +{tag}", "dim"), "\n"]
        with Vertical(classes="dialog", id="welcome"):
            yield Static(Content.assemble(*lines))
            with Horizontal(classes="buttons"):
                yield Button("Add starter feeds", variant="primary", id="accept")
                yield Button("Skip", id="skip")

    def on_mount(self) -> None:
        self.query_one("#accept", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "accept")
