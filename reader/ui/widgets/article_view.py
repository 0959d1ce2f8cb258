"""The article pane: a header, a status line, the body as Markdown, the numbered links,
and a search box (/) at its foot.

Feed strings become Content objects (never markup). The body opens no link itself: a
click names the link by number and comes back as a LinkChosen, and only http(s) URLs
go on, to the app's one safe opener.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from datetime import datetime

from textual import on
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.content import Content
from textual.css.query import NoMatches
from textual.geometry import Region
from textual.message import Message
from textual.strip import Strip
from textual.style import Style
from textual.widgets import Input, Static

from reader.core.models import Article
from reader.core.sanitize import clean_line

from ..messages import LinkChosen
from .article_images import ArticleImages
from .article_search import ArticleMatches, SearchBox
from .link_lines import LinkLines

POSITIONS_KEPT = 300  # articles whose place (scroll) is remembered, the last read first


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
        parts += ["\n", *tag_chips(article.tags)]
    if article.link:
        parts += [
            "\n",
            (
                clean_line(article.link),
                Style(underline=True) + Style.from_meta({"@click": "open_link(0)"}),
            ),
        ]
    if article.enclosures:  # a podcast episode, say: what e offers (screens/enclosures.py)
        kinds = ", ".join(dict.fromkeys(clean_line(x.type) or "file" for x in article.enclosures))
        parts += ["\n", (f"Enclosure{'s' if len(article.enclosures) > 1 else ''}: {kinds}"
                         " · e plays or downloads", "dim")]
    return Content.assemble(*parts)


def tag_chips(tags: list[str]) -> list[str | tuple[str, str]]:
    """Each tag in brackets, so that where a tag with spaces ends shows:
    "[Війна в Україні] [Рада Європи]"."""
    parts: list[str | tuple[str, str]] = []
    for tag in tags:
        if parts:
            parts.append(" ")
        parts.append((f"[{clean_line(tag)}]", "dim"))
    return parts


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

    # The text keeps a reading measure (set_measure) however wide the pane, centred in it.
    DEFAULT_CSS = """
    ArticleView { align-horizontal: center; }
    ArticleView > #article-header, ArticleView > #article-body,
    ArticleView > #article-links, ArticleView > #article-status { max-width: 100; }
    ArticleView > #article-status { display: none; color: $text-warning; margin: 0 0 1 0; }
    """

    BINDINGS = [
        Binding("j,down", "line(1)", "Scroll down", id="down", show=False),
        Binding("k,up", "line(-1)", "Scroll up", id="up", show=False),
        Binding("g,home", "top", "Top", id="top", show=False),
        Binding("G,end", "bottom", "Bottom", id="bottom", show=False),
        Binding("pagedown,space", "page(1)", "Page down", id="page_down", show=False),
        Binding("pageup", "page(-1)", "Page up", id="page_up", show=False),
        # (←/→ and h/l move between the panes: these are free)
        Binding("greater_than_sign", "sideways(1)", "Scroll a wide table right",
                id="table_right", show=False),
        Binding("less_than_sign", "sideways(-1)", "Scroll a wide table left",
                id="table_left", show=False),
        Binding("escape,q", "close", "Back", id="back"),
        Binding("J", "step(1)", "Next article", id="next_article", show=False),
        Binding("K", "step(-1)", "Previous article", id="prev_article", show=False),
        Binding("slash", "search", "Search article", id="search_article", show=False),
        # Only while a search's matches are shown (check_action): n/N are next unread else.
        Binding("n", "next_match(1)", "Next match", id="next_match", show=False),
        Binding("N", "next_match(-1)", "Previous match", id="prev_match", show=False),
    ]

    class Step(Message):
        """J/K: the next (1) or previous (-1) article of the list, read or not."""

        def __init__(self, step: int) -> None:
            super().__init__()
            self.step = step

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.article: Article | None = None
        self.links: list[str] = []
        self.showing_full = False  # the body is the extracted page, not the feed's text
        # (article id, full) -> scroll offset: where each article was left
        self.positions: OrderedDict[tuple[int, bool], float] = OrderedDict()
        self.matches = ArticleMatches()
        self._measure = 0  # set_measure's (0: the stylesheet's)
        self._own_lines: tuple[tuple, list[Strip]] | None = None  # (render_lines)

    def compose(self):
        # The body (and markdown-it) load with the first article, not at startup.
        yield LinkText(id="article-header")
        yield Static(id="article-status", markup=False)
        yield ArticleImages(lead=True, id="article-lead-image")
        yield ArticleImages(lead=False, id="article-images")  # (the body goes before it)
        yield LinkLines(id="article-links")
        yield SearchBox(id="article-search", placeholder="search this article")

    async def _body(self):
        from .article_body import ArticleBody

        try:
            return self.query_one("#article-body", ArticleBody)
        except NoMatches:
            body = ArticleBody(id="article-body")
            if self._measure:
                body.styles.max_width = self._measure
            await self.mount(body, before="#article-images")
            return body

    def on_mount(self) -> None:
        self.show_placeholder()

    def render_lines(self, crop: Region) -> list[Strip]:
        # The pane's own lines (its border and background, under the text) depend on its
        # size and styles alone; Textual draws them again whenever what it holds changes
        # (3 ms of the frame that shows an article): drawn once per look.
        key = (crop, self.size, self.styles.border, self.styles.padding, self.rich_style,
               self.background_colors, self.styles.tint, self.styles.opacity)
        if self._own_lines is None or self._own_lines[0] != key:
            self._own_lines = (key, super().render_lines(crop))
        return self._own_lines[1]

    def show_placeholder(
        self, text: str = "No article open: pick a headline and press Enter."
    ) -> None:
        self.remember_place()
        self.article = None
        self.close_search()
        header = self.query_one("#article-header", LinkText)
        header.links = []
        header.update(Content(text))
        self.set_status(None)
        for body in self.query("#article-body"):
            body.display = False
        for images in self.query(ArticleImages):
            images.clear()
        self.query_one("#article-links", LinkLines).show([])

    async def show(
        self,
        article: Article,
        markdown: str,
        links: list[str],
        when: str,
        *,
        full: bool = False,
        status: str | None = None,
    ) -> None:
        """Show `article` with `markdown` as its body (the extracted page when `full`),
        where it was left last time; `status`: a line over the body."""
        self.remember_place()
        self.close_search()
        self.article = article
        self.showing_full = full
        self.links = links
        header = self.query_one("#article-header", LinkText)
        header.links = [article.link] if article.link else []
        header.update(header_content(article, when))
        body = await self._body()
        body.display = True
        await body.update(markdown)
        self.set_status(status)  # (with the body it speaks of, not before)
        self.matches.forget()  # (its widgets went with the old body)
        self.query_one("#article-links", LinkLines).show(links)
        for images in self.query(ArticleImages):
            images.show(article, markdown, links)
        self.scroll_home(animate=False, immediate=True)
        place = self.positions.get((article.id, full))
        if place:
            # Once the new body is shown and laid out: before, there is nothing to
            # scroll to.
            body.when_whole(lambda: self.call_after_refresh(
                self._restore_place, article.id, full, place))

    async def make_ready(self, article_id: int, markdown: str) -> None:
        """The open article's full page (f), laid out hidden once the article's own frame
        is drawn (ArticleBody.make_ready): f then only shows it."""
        frame = asyncio.get_running_loop().create_future()
        self.call_after_refresh(lambda: frame.done() or frame.set_result(None))
        await frame
        if self.article is not None and self.article.id == article_id and not self.showing_full:
            await (await self._body()).make_ready(markdown)

    def _restore_place(self, article_id: int, full: bool, place: float) -> None:
        if self.article is not None and (self.article.id, self.showing_full) == (article_id, full):
            self.scroll_to(y=place, animate=False, immediate=True)

    def remember_place(self) -> None:
        """Keep where the article shown was left (a bounded number of them)."""
        if self.article is None:
            return
        key = (self.article.id, self.showing_full)
        self.positions.pop(key, None)
        if self.scroll_y > 0:
            self.positions[key] = self.scroll_y
            while len(self.positions) > POSITIONS_KEPT:
                self.positions.popitem(last=False)

    def set_measure(self, cells: int) -> None:
        """The widest the article's lines get (config [ui] measure)."""
        self._measure = cells
        for child in self.query("#article-header, #article-body, #article-links, #article-status"):
            child.styles.max_width = cells

    def set_status(self, text: str | None) -> None:
        """One line over the body ("Fetching the full article…", a failure), or none."""
        status = self.query_one("#article-status", Static)
        status.update(Content(text or ""))
        status.display = bool(text)

    # Keyboard scrolling jumps (no animation): it keeps up with key repeat.
    def action_line(self, step: int) -> None:
        self.scroll_to(y=self.scroll_y + step, animate=False)

    def action_page(self, step: int) -> None:
        self.scroll_to(
            y=self.scroll_y + step * max(1, self.scrollable_content_region.height - 1),
            animate=False,
        )

    def action_sideways(self, step: int) -> None:
        """> and <: the wide tables on screen scrolled sideways, a third of the pane at a
        time (ArticleBody.scroll_tables)."""
        for body in self.query("#article-body"):
            body.scroll_tables(step, self.scrollable_content_region)

    def action_top(self) -> None:
        self.scroll_home(animate=False)

    def action_bottom(self) -> None:
        self.scroll_end(animate=False)

    async def action_close(self) -> None:
        if self.matches:  # Esc clears a search's highlights first
            self.close_search()
            return
        # Closed by the screen now, not when a message gets there: the key typed next is
        # bound from the focus as it is then ("q q" typed fast: the second q went to the
        # closing article, not to quit).
        await self.app.run_action("screen.close_article")

    def action_step(self, step: int) -> None:
        self.post_message(self.Step(step))

    # -- searching the article (/) -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next_match":
            return bool(self.matches)
        if action == "search":
            return self.article is not None
        return True

    def _searchable(self) -> list:
        """The body's text (paragraphs, items, headings, code), in reading order; not a
        paragraph that only names pictures, drawn as the pictures."""
        bodies = [body for body in self.query("#article-body") if body.display]
        return bodies[0].search_targets() if bodies else []

    def action_search(self) -> None:
        box = self.query_one(SearchBox)
        box.add_class("-open")
        box.value = self.matches.query
        box.focus()

    @on(Input.Changed, "#article-search")
    def _search_changed(self, event: Input.Changed) -> None:
        event.stop()
        self.matches.search(self._searchable(), event.value)
        self._show_match()

    @on(Input.Submitted, "#article-search")
    def _search_submitted(self, event: Input.Submitted) -> None:
        """Enter: to the match, the box closes and n/N go on from it."""
        event.stop()
        self.query_one(SearchBox).remove_class("-open")
        self.focus()
        if not self.matches and event.value.strip():
            self.app.notify(f"Not found in this article: {clean_line(event.value)}")

    def on_key(self, event) -> None:
        # Esc in the search box: the search is dropped (the box's own key, not the pane's).
        if event.key == "escape" and self.query_one(SearchBox).has_focus:
            event.stop()
            event.prevent_default()
            self.close_search()
            self.focus()

    def action_next_match(self, step: int) -> None:
        self.matches.step(step)
        self._show_match()

    def _show_match(self) -> None:
        match = self.matches.current_match
        if match is None:
            return
        line = self.matches.line_of(match)
        region = match.widget.region
        # The match's line a third of the way down the pane.
        y = self.scroll_y + region.y - self.content_region.y + line
        self.scroll_to(y=max(0, y - self.scrollable_content_region.height // 3), animate=False)
        for body in self.query("#article-body"):  # (a cell of a wide table: sideways too)
            body.reveal(match.widget)

    def close_search(self) -> None:
        self.matches.clear()
        box = self.query_one(SearchBox)
        box.remove_class("-open")


def format_when(article: Article, now: datetime) -> str:
    if article.published is None:
        return ""
    return article.published.astimezone(now.tzinfo).strftime("%Y-%m-%d %H:%M")
