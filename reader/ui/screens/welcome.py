"""First run: an offer of well-known public feeds in several languages, or adding your
own from here (an address, an OPML file)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Static

# (url, name, tag): public feeds of well-known outlets, none needing an account, in
# several languages. Only fetched if the user accepts them.
STARTER_FEEDS: list[tuple[str, str, str]] = [
    ("https://feeds.bbci.co.uk/news/world/rss.xml", "BBC World", "world"),
    ("https://feeds.npr.org/1001/rss.xml", "NPR", "world"),
    ("https://www.theguardian.com/world/rss", "The Guardian", "world"),
    ("https://www.aljazeera.com/xml/rss/all.xml", "Al Jazeera", "world"),
    ("https://www.ukrinform.ua/rss/block-lastnews", "Укрінформ", "українською"),
    ("https://www.pravda.com.ua/rss/view_news/", "Українська правда", "українською"),
    ("https://www.tagesschau.de/index~rss2.xml", "tagesschau", "languages"),
    ("https://www.lemonde.fr/rss/une.xml", "Le Monde", "languages"),
    ("https://feeds.elpais.com/mrss-s/pages/ep/site/elpais.com/portada", "El País",
     "languages"),
    ("https://www3.nhk.or.jp/rss/news/cat0.xml", "NHK", "languages"),
    ("https://feeds.arstechnica.com/arstechnica/index", "Ars Technica", "technology"),
    ("https://hnrss.org/frontpage", "Hacker News", "technology"),
    ("https://lwn.net/headlines/rss", "LWN.net", "technology"),
    ("https://www.nature.com/nature.rss", "Nature", "science"),
    ("https://www.quantamagazine.org/feed/", "Quanta Magazine", "science"),
]

TOPICS = {
    "world": "World",
    "українською": "Українською",
    "languages": "de fr es ja",
    "technology": "Technology",
    "science": "Science",
}


class WelcomeScreen(ModalScreen[bool | str]):
    """Dismisses True to subscribe to the starter feeds, False to skip, "add" to add a
    feed by its address, "import" to import a file of feeds (FeedActions does those)."""

    BINDINGS = [
        Binding("s", "dismiss(True)", "Add starter feeds", id="accept"),
        Binding("a", "dismiss('add')", "Add a feed by address", id="welcome_add"),
        Binding("I", "dismiss('import')", "Import OPML", id="welcome_import"),
        Binding("escape", "dismiss(False)", "Skip", id="skip"),
    ]

    # (Four buttons in the dialog's 72 cells at 80 columns: no minimum width for them.)
    DEFAULT_CSS = "#welcome .buttons Button { min-width: 0; }"

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog", id="welcome"):
            yield Static(Content("Welcome to reader"), classes="dialog-title")
            yield Static(
                Content(
                    f"No feeds yet. Start with these {len(STARTER_FEEDS)} (fetched only if"
                    " you say so), or add your own?"
                )
            )
            with Vertical(id="starter-feeds"):
                for tag, topic in TOPICS.items():
                    names = [name for _url, name, t in STARTER_FEEDS if t == tag]
                    with Horizontal(classes="topic"):
                        yield Static(Content(topic), classes="topic-name")
                        yield Static(Content(" · ".join(names)), classes="topic-feeds")
            with Horizontal(classes="buttons"):
                yield Button(f"Add these {len(STARTER_FEEDS)} (s)", variant="primary", id="accept")
                yield Button("My own… (a)", id="add")
                yield Button("Import… (I)", id="import")
                yield Button("Skip (Esc)", id="skip")
            yield Static(
                Content.assemble(
                    "Later: ",
                    ("a", "bold"),
                    " adds a feed, ",
                    ("I", "bold"),
                    " imports, ",
                    ("F", "bold"),
                    " lists feeds, ",
                    ("?", "bold"),
                    " all keys.",
                ),
                classes="dialog-detail",
                id="welcome-hint",
            )

    def on_mount(self) -> None:
        self.query_one("#accept", Button).focus()  # Enter adds them

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        choice = {"accept": True, "add": "add", "import": "import"}
        self.dismiss(choice.get(event.button.id or "", False))
