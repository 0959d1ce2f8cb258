"""Commands for articles: list, search, show, read/unread/star/unstar, mark-all-read."""

from __future__ import annotations

import click

from ..core.sanitize import clean_line, clean_text
from .arguments import WordsCommand, checked_ids, command, compile_filter, limit_option
from .output import feed_column, iso, local_time, plural
from .state import State


def _article_json(a, feed_title: str) -> dict:
    return {
        "id": a.id, "feed": feed_title, "feed_id": a.feed_id, "title": a.title, "link": a.link,
        "author": a.author, "published": iso(a.published), "tags": a.tags,
        "read": a.read, "starred": a.starred,
    }


def _print_articles(state: State, query, limit: int | None, as_json: bool) -> None:
    library = state.library
    if as_json:
        import json

        # The feed's display title (its URL when it has none), as `list` and `feeds` show
        # it: an Article's feed_title is "" for a feed without a title.
        titles = library.feed_titles()
        click.echo(json.dumps([_article_json(a, titles.get(a.feed_id, a.feed_title))
                               for a in library.articles(query, limit)],
                              ensure_ascii=False, indent=2))
        return
    for h in library.headlines(library.article_ids(query, limit)):
        flags = ("N" if not h.read else " ") + ("*" if h.starred else " ")
        tags = f"  [{', '.join(h.tags)}]" if h.tags else ""
        click.echo(f"{h.id:>6} {flags} {local_time(h.published)}  {feed_column(h.feed_title)}"
                   f"  {h.title or '(untitled)'}{tags}")


@command("list", cls=WordsCommand)
@click.argument("query", nargs=-1)
@limit_option
@click.option("--json", "as_json", is_flag=True, help="One JSON array of article objects.")
def list_cmd(state: State, query: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """List articles matching QUERY, newest first (N = unread, * = starred).

    QUERY is one or more words of the filter language, joined with spaces:
    `reader list is:unread +tech` is `reader list 'is:unread +tech'`. A word starting
    with - is a filter term (-sport: without the tag sport), not an option; options may
    come anywhere, and -- ends them.
    """
    _print_articles(state, compile_filter(state.library, query), limit, as_json)


@command("search", cls=WordsCommand)
@click.argument("text", nargs=-1, required=True)
@limit_option
@click.option("--json", "as_json", is_flag=True, help="One JSON array of article objects.")
def search_cmd(state: State, text: tuple[str, ...], limit: int | None, as_json: bool) -> None:
    """Full-text search of titles and content (every word must match).

    Every word is text to find, even one starting with - or one that looks like a
    filter term (is:read); options may come anywhere, and -- ends them.
    """
    from ..core.filters import search_filter

    _print_articles(state, search_filter(" ".join(text)), limit, as_json)


@command("show")
@click.argument("article_id")
@click.option("--mark-read/--no-mark-read", default=False, help="Mark the article read.")
def show_cmd(state: State, article_id: str, mark_read: bool) -> None:
    """Print an article as readable text, with its numbered links."""
    library = state.library
    (aid,) = checked_ids(library, (article_id,))
    a = library.article(aid)
    rendered = library.render(a)

    click.echo(a.title or "(untitled)")
    # (an Article's feed_title is "" for a feed without a title: its URL, as list shows)
    meta = [a.feed_title or library.resolve_feed(a.feed_id).display_title]
    if a.author:
        meta.append(f"by {a.author}")
    if a.published:
        meta.append(local_time(a.published))
    click.echo(" · ".join(meta))
    if a.tags:
        click.echo("tags: " + ", ".join(a.tags))
    if a.link:
        click.echo(f"link: {a.link}")
    click.echo("")
    click.echo(clean_text(rendered.markdown).rstrip())
    if rendered.links:
        click.echo("\nLinks:")
        click.echo("\n".join(f"[{n}]: {clean_line(url)}" for n, url in enumerate(rendered.links, 1)))
    if mark_read:
        library.set_read([aid], True)


def _flag_command(name: str, attr: str, value: bool, help_text: str) -> click.Command:
    @command(name, help=help_text)
    @click.argument("ids", nargs=-1, required=True)
    def cmd(state: State, ids: tuple[str, ...]) -> None:
        library = state.library
        checked = checked_ids(library, ids)
        changed = getattr(library, attr)(checked, value)
        click.echo(f"{changed} of {plural(len(checked), 'article')} changed")

    return cmd


@command("mark-all-read", cls=WordsCommand)
@click.argument("query", nargs=-1)
def mark_all_read_cmd(state: State, query: tuple[str, ...]) -> None:
    """Mark every article matching QUERY read.

    QUERY is words of the filter language, as for `reader list`.
    """
    ids = state.library.mark_all_read(compile_filter(state.library, query))
    click.echo(f"{plural(len(ids), 'article')} marked read")


COMMANDS = (
    list_cmd, search_cmd, show_cmd, mark_all_read_cmd,
    _flag_command("read", "set_read", True, "Mark articles read."),
    _flag_command("unread", "set_read", False, "Mark articles unread."),
    _flag_command("star", "set_starred", True, "Star articles (starred ones are never deleted)."),
    _flag_command("unstar", "set_starred", False, "Remove the star from articles."),
)
