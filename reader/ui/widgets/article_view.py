"""The article pane: a header, the body as Markdown, the numbered links.

Feed strings become Content objects (never markup). The Markdown widget doesn't
open links itself (open_links=False): every click comes back as a message and
only http(s) URLs go on, to the app's one safe opener.
"""

from __future__ import annotations

from datetime import datetime

from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.style import Style
from textual.widgets import Static

from reader.core.models import Article
from reader.core.sanitize import clean_line


class LinkChosen(Message):
    """A link in the article was clicked; the app decides whether to open it."""

    def __init__(self, url: str) -> None:
        super().__init__()
        self.url = url


def header_content(article: Article, when: str) -> Content:
    parts: list[str | tuple[str, str | Style]] = [
        (clean_line(article.title) or "(untitled)", "bold"),
        "\n",
    ]
    meta = [clean_line(article.feed_title)]
    if article.author:
        meta.append(clean_line(article.author))
    if when:
        meta.append(when)
    parts.append((" · ".join(meta), "italic"))
    if article.tags:
        parts += ["\n", (clean_line(" ".join("+" + t for t in article.tags)), "dim")]
    if article.link:
        parts += [
            "\n",
            (
                clean_line(article.link),
                Style(underline=True) + Style.from_meta({"@click": "open_link(0)"}),
            ),
        ]
    return Content.assemble(*parts)


def links_content(links: list[str]) -> Content:
    parts: list[str | tuple[str, str | Style]] = [("Links", "bold"), "\n"]
    for n, url in enumerate(links, 1):
        parts += [
            f"[{n}] ",
            (
                clean_line(url),
                Style(underline=True) + Style.from_meta({"@click": f"open_link({n})"}),
            ),
            "\n",
        ]
    return Content.assemble(*parts)


class LinkText(Static):
    """Static text whose clickable spans name a link by number, never by URL."""

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self.links: list[str] = []

    def action_open_link(self, number: int) -> None:
        index = 0 if number == 0 else number - 1
        if isinstance(number, int) and 0 <= index < len(self.links):
            self.post_message(LinkChosen(self.links[index]))


class ArticleView(VerticalScroll, can_focus=True, inherit_bindings=False):
    """The right pane (the whole screen on a narrow terminal)."""

    HELP_TITLE = "Article"

    BINDINGS = [
        Binding("j,down", "line(1)", "Scroll down", id="down", show=False),
        Binding("k,up", "line(-1)", "Scroll up", id="up", show=False),
        Binding("g,home", "top", "Top", id="top", show=False),
        Binding("G,end", "bottom", "Bottom", id="bottom", show=False),
        Binding("pagedown,space", "page(1)", "Page down", id="page_down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="page_up", show=False),
        Binding("escape,q", "close", "Back", id="back"),
    ]

    class Closed(Message):
        """The user left the article (Esc/q)."""

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.article: Article | None = None
        self.links: list[str] = []

    def compose(self):
        # The Markdown widget (and markdown-it) load with the first article, not at startup.
        yield LinkText(id="article-header")
        yield LinkText(id="article-links")

    async def _body(self):
        from textual.widgets import Markdown

        try:
            return self.query_one("#article-body", Markdown)
        except NoMatches:
            body = Markdown(id="article-body", open_links=False)
            await self.mount(body, before="#article-links")
            return body

    def on_mount(self) -> None:
        self.show_placeholder()

    def show_placeholder(
        self, text: str = "No article open: pick a headline and press Enter."
    ) -> None:
        self.article = None
        header = self.query_one("#article-header", LinkText)
        header.links = []
        header.update(Content(text))
        for body in self.query("#article-body"):
            body.display = False
        self.query_one("#article-links", LinkText).display = False

    async def show(self, article: Article, markdown: str, links: list[str], when: str) -> None:
        self.article = article
        self.links = links
        header = self.query_one("#article-header", LinkText)
        header.links = [article.link] if article.link else []
        header.update(header_content(article, when))
        body = await self._body()
        body.display = True
        await body.update(markdown)
        footer = self.query_one("#article-links", LinkText)
        footer.links = links
        footer.display = bool(links)
        footer.update(links_content(links) if links else Content(""))
        self.scroll_home(animate=False, immediate=True)

    def on_markdown_link_clicked(self, event) -> None:
        """Markdown.LinkClicked: passed on as a LinkChosen, which the app checks."""
        event.stop()
        self.post_message(LinkChosen(event.href))

    # Keyboard scrolling jumps (no animation): it keeps up with key repeat.
    def action_line(self, step: int) -> None:
        self.scroll_to(y=self.scroll_y + step, animate=False)

    def action_page(self, step: int) -> None:
        self.scroll_to(
            y=self.scroll_y + step * max(1, self.scrollable_content_region.height - 1),
            animate=False,
        )

    def action_top(self) -> None:
        self.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.scroll_end(animate=False)

    def action_close(self) -> None:
        self.post_message(self.Closed())


def format_when(article: Article, now: datetime) -> str:
    if article.published is None:
        return ""
    return article.published.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M")
