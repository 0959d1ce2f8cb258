"""Commands for articles: list, search, show, read/unread/star/unstar, mark-all-read."""

from __future__ import annotations

import sys

import click

from ..core.sanitize import clean_line, clean_text
from .arguments import WordsCommand, checked_ids, command, compile_filter, limit_option
from .enclosures import enclosure_line
from .errors import fail
from .output import feed_column, iso, local_time, plural
from .state import State


def _article_json(a, feed_title: str) -> dict:
    return {
        "id": a.id, "feed": feed_title, "feed_id": a.feed_id, "title": a.title, "link": a.link,
        "author": a.author, "published": iso(a.published), "tags": a.tags,
        "read": a.read, "starred": a.starred, "shared": a.shared,
        "enclosures": [{"url": x.url, "type": x.type, "length": x.length} for x in a.enclosures],
    }


def _say_none_match(library, query) -> None:
    """On stderr, so that a script reading stdout sees no rows; the exit status stays 0."""
    extra = library.empty_result_hint(query)  # (a multi-word tag typed without quotes)
    click.echo("no articles match" + (f": {clean_line(extra)}" if extra else ""), err=True)


def _index_first(library, query) -> None:
    """Right after a big refresh the index may lack many articles: a search then indexes
    them first (faster than the fallback's one-by-one matching, and kept)."""
    def say(waiting: int) -> None:
        if sys.stderr.isatty():  # (a script's stderr stays for errors)
            click.echo(f"indexing {plural(waiting, 'new article')} for search first…", err=True)

    library.index_before_search(query, on_start=say)


def _print_articles(state: State, query, limit: int | None, as_json: bool) -> None:
    library = state.library
    _index_first(library, query)
    if as_json:
        import json

        # The feed's display title (its URL when it has none), as `list` and `feeds` show
        # it: an Article's feed_title is "" for a feed without a title.
        titles = library.feed_titles()
        click.echo(json.dumps([_article_json(a, titles.get(a.feed_id, a.feed_title))
                               for a in library.articles(query, limit)],
                              ensure_ascii=False, indent=2))
        return  # (`[]` says it: nothing on stderr)
    ids = library.article_ids(query, limit)
    if not ids:
        _say_none_match(library, query)
    for h in library.headlines(ids):
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


def _show_json(library, a, page) -> None:
    """One JSON object: the article, its body as plain text, links, images, enclosures;
    "full": whether the body is the extracted page."""
    import json

    full = page is not None and page.status == "ok"
    body = library.article_body(a, page if full else None)
    obj = _article_json(a, a.feed_title or library.resolve_feed(a.feed_id).display_title)
    obj.update(text=body.text, links=body.links, images=body.images, full=full)
    click.echo(json.dumps(obj, ensure_ascii=False, indent=2))


@command("show")
@click.argument("article_id")
@click.option("--mark-read/--no-mark-read", default=False, help="Mark the article read.")
@click.option("--full", is_flag=True,
              help="The article's own web page, extracted (fetched once, then kept).")
@click.option("--refetch", is_flag=True,
              help="With --full: fetch the page again now (asking the site whether it changed).")
@click.option("--json", "as_json", is_flag=True,
              help="One JSON object: the article with its text, links, images, enclosures.")
def show_cmd(state: State, article_id: str, mark_read: bool, full: bool, refetch: bool,
             as_json: bool) -> None:
    """Print an article as readable text, with its numbered links.

    --full fetches the article's web page (unless it was fetched before) and prints its
    main text instead of the feed's. When the page cannot be had, the feed's text is
    printed, the reason goes to stderr and the exit status is 1; a failed page is tried
    again only after a while (an hour, growing with each failure), or at once with
    --refetch. --refetch asks the site for the page again (implies --full): if it has
    not changed since (HTTP 304) the kept copy is printed.
    """
    library = state.library
    (aid,) = checked_ids(library, (article_id,))
    a = library.article(aid)
    full = full or refetch
    page = library.fetch_full_article(aid, force=refetch) if full else None
    failed = page is not None and page.status != "ok"
    shown = page
    if failed and refetch:  # a refetch that failed: the copy kept, as the TUI shows it
        kept = library.cached_full_article(aid)
        shown = kept if kept.status == "ok" else page
    kept_shown = shown is not page
    if as_json:
        _show_json(library, a, shown)
        _after_show(library, aid, mark_read, page if failed else None, kept_shown)
        return
    rendered = (library.render_full(a, shown) if shown is not None and shown.status == "ok"
                else library.render(a))

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
    for n, enclosure in enumerate(a.enclosures, 1):
        click.echo(f"enclosure: {enclosure_line(n, enclosure)}")
    click.echo("")
    click.echo(clean_text(rendered.markdown).rstrip())
    if rendered.links:
        click.echo("\nLinks:")
        click.echo("\n".join(f"[{n}]: {clean_line(url)}" for n, url in enumerate(rendered.links, 1)))
    _after_show(library, aid, mark_read, page if failed else None, kept_shown)


def _after_show(library, aid: int, mark_read: bool, failed_page, kept_shown: bool = False) -> None:
    if mark_read:
        library.set_read([aid], True)
    if failed_page is None:
        return
    why = failed_page.error or failed_page.status
    if kept_shown:
        fail(f"page of {aid} not fetched again: {why} (the copy kept was shown)")
    fail(f"no full article for {aid}: {why} (the feed's own text was shown)")


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
@click.option("--yes", "-y", is_flag=True, help="Without a QUERY: mark everything, no question.")
def mark_all_read_cmd(state: State, query: tuple[str, ...], yes: bool) -> None:
    """Mark every article matching QUERY read; `reader undo` marks them unread again.

    QUERY is words of the filter language, as for `reader list`. Without one, every
    article is marked read: on a terminal it asks first; elsewhere it needs --yes.
    """
    library = state.library
    if not " ".join(query).strip() and not yes:  # ("" is no query either)
        if not sys.stdin.isatty():
            fail("mark-all-read without a QUERY marks every article read: add --yes", 2)
        unread = library.totals()["unread"]
        if not click.confirm(f"Mark all {plural(unread, 'unread article')} read?"):
            fail("nothing marked read")
    compiled = compile_filter(library, query)
    _index_first(library, compiled)
    ids = library.mark_all_read(compiled)
    click.echo(f"{plural(len(ids), 'article')} marked read"
               + ("; `reader undo` marks them unread again" if ids else ""))


@command("undo")
def undo_cmd(state: State) -> None:
    """Mark unread again what the last mark-all-read (here or in the TUI) marked read."""
    restored = state.library.undo_mark_all_read()
    if restored is None:
        fail("nothing to undo: no mark-all-read since the last undo")
    click.echo(f"{plural(restored, 'article')} marked unread again")


COMMANDS = (
    list_cmd, search_cmd, show_cmd, mark_all_read_cmd, undo_cmd,
    _flag_command("read", "set_read", True, "Mark articles read."),
    _flag_command("unread", "set_read", False, "Mark articles unread."),
    _flag_command("star", "set_starred", True, "Star articles (starred ones are never deleted)."),
    _flag_command("unstar", "set_starred", False, "Remove the star from articles."),
    _flag_command("share", "set_shared", True,
                  "Publish synced articles on Tiny Tiny RSS (its \"published\" mark, "
                  "is:shared); sent with the next sync."),
    _flag_command("unshare", "set_shared", False,
                  "Take Tiny Tiny RSS's \"published\" mark off synced articles."),
)
