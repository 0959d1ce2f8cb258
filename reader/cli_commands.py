"""The commands of the command line (click): each is a thin call into reader.core.

reader/cli.py is the entry point: it opens the TUI itself when there is no command
(without importing click) and hands everything else to the `main` group here.
"""

from __future__ import annotations

import functools
import os
import sys
from datetime import UTC, datetime
from itertools import islice
from pathlib import Path

import click

from . import __version__
from .cli import State, _open_tui, fail, handle_errors
from .core.errors import ReaderError
from .core.query import SQLITE_MAX_INT
from .core.sanitize import clean_line, clean_text

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
MAX_LINE_CHARS = 1_000  # a tag or a title: what parse.MAX_LINE_CHARS cuts a feed's to


def _db_option(fn):
    """--db and --config on every command as well as on the group."""

    def set_db(ctx: click.Context, _param, value):
        if value == "":  # not the default database: a script's unset variable, most likely
            fail("--db: empty path", 2)
        if value is not None:
            ctx.ensure_object(State).db = value
        return value

    def set_config(ctx: click.Context, _param, value):
        if value == "":
            fail("--config: empty path", 2)
        if value is not None:
            ctx.ensure_object(State).config_path = value
        return value

    fn = click.option("--db", "db", metavar="PATH", expose_value=False, callback=set_db,
                      help="Database file (default: in the XDG data dir; or $READER_DB).")(fn)
    fn = click.option("--config", "config", metavar="PATH", expose_value=False,
                      callback=set_config, help="config.toml to use.")(fn)
    return fn


def command(*args, creates: bool = False, **kwargs):
    """A subcommand. `creates`: it adds data, so it may make the database (State.create);
    the others only read or change what is there, and a missing database is an error."""

    def deco(fn):
        @functools.wraps(fn)
        def run(state: State, *fn_args, **fn_kwargs):
            state.create = creates
            return fn(state, *fn_args, **fn_kwargs)

        return main.command(*args, **kwargs, context_settings=CONTEXT)(
            _db_option(click.pass_obj(handle_errors(run)))
        )

    return deco


class WordsCommand(click.Command):
    """A command whose last argument is words of a filter or a search, any number of them
    (joined with spaces). A word starting with "-" (-sport: without the tag sport) is a
    word, not an option, unless it is exactly one of the command's options; options may
    come anywhere, and "--" still ends them. An unknown "--word" is left to click to
    refuse: a mistyped --jsno must not become a filter term."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        names: set[str] = set()
        take_value: set[str] = set()
        for param in self.get_params(ctx):
            if isinstance(param, click.Option):
                names.update(param.opts, param.secondary_opts)
                if not (param.is_flag or param.count):
                    take_value.update(param.opts)
        options: list[str] = []
        words: list[str] = []
        rest = iter(args)
        for arg in rest:
            if arg == "--":
                words.extend(rest)
            elif arg in names or arg.startswith("--"):
                options.append(arg)
                if arg in take_value:
                    options.extend(islice(rest, 1))  # its value, whatever it looks like
            elif arg[:2] in take_value and arg[2:].isdigit():
                options.append(arg)  # -n5: -n 5, as click reads it ("without n5": -- -n5)
            else:
                words.append(arg)
        return super().parse_args(ctx, [*options, "--", *words] if words else options)


@click.group(invoke_without_command=True, context_settings=CONTEXT)
@_db_option
@click.option("--demo", is_flag=True, help="Open the TUI on bundled sample feeds (offline).")
@click.version_option(__version__, "-V", "--version", prog_name="reader")
@click.pass_context
def main(ctx: click.Context, demo: bool) -> None:
    """reader: a fast terminal news reader.

    Run without a command to open the reader. FEED arguments accept an id, a URL
    or a unique title prefix. QUERY is the filter language (see `reader help-filters`).
    """
    ctx.ensure_object(State)
    if ctx.invoked_subcommand is None:
        handle_errors(_open_tui)(ctx.obj, demo)


# -- what the user typed ----------------------------------------------------------------------


def plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def checked_ids(library, ids: tuple[str, ...]) -> list[int]:
    """The ids, checked (library.check_ids), each once, in the order given."""
    return list(dict.fromkeys(library.check_ids(ids)))


def compile_filter(library, words: tuple[str, ...]):
    """The filter the words make, compiled (a QueryError names a bad term)."""
    return library.query(" ".join(words))


def check_tags(tags: tuple[str, ...]) -> list[str]:
    """The tags, cleaned as the core stores them; refused when a filter could not name
    them: the language reads +TAG and -TAG, and a double quote is always its quoting."""
    out = []
    for tag in tags:
        name = clean_line(tag)
        if not name:
            fail("empty tag: a tag needs a name")
        if name[0] in "+-":
            fail(f"tag '{name}' cannot start with '{name[0]}' (a filter writes +TAG and -TAG:"
                 f" with and without the tag); give {name.lstrip('+-') or 'a name'}")
        if '"' in name:
            fail(f"tag '{name}' cannot contain '\"': a filter could not name it")
        check_length("tag", name)
        out.append(name)
    return out


def check_title(title: str | None) -> str | None:
    """The title, cleaned as the core stores it; None for none (or a blank one)."""
    title = clean_line(title or "") or None
    if title:
        check_length("title", title)
    return title


def check_length(what: str, text: str) -> None:
    if len(text) > MAX_LINE_CHARS:
        fail(f"{what} '{text[:40]}…' is {len(text):,} characters long; at most"
             f" {MAX_LINE_CHARS:,}")


# -- feeds ------------------------------------------------------------------------------------


@command("add", creates=True)
@click.argument("url")
@click.option("--tag", "-t", "tags", multiple=True, help="Tag the feed (repeatable).")
@click.option("--title", help="Use this title instead of the feed's own.")
def add_cmd(state: State, url: str, tags: tuple[str, ...], title: str | None) -> None:
    """Subscribe to a feed (or to the feed an HTML page links) and fetch it."""
    checked = check_tags(tags)
    library = state.library
    try:
        feed, new = library.add_feed(url, tags=checked, title=check_title(title))
    except ReaderError:
        library.store.discard_if_new()  # a first add that failed leaves no empty database
        raise
    tag_text = f" [{', '.join(feed.tags)}]" if feed.tags else ""
    click.echo(f"added {feed.id}: {feed.display_title}{tag_text} ({plural(new, 'article')})"
               f" {feed.url}")


@command("remove")
@click.argument("feed")
def remove_cmd(state: State, feed: str) -> None:
    """Unsubscribe from FEED and delete its articles."""
    removed, moved = state.library.remove_feed(feed)
    kept = f" ({plural(moved, 'article')} kept: another feed carries them)" if moved else ""
    click.echo(f"removed {removed.id}: {removed.display_title}{kept}")


def _iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt else None


@command("feeds")
@click.option("--json", "as_json", is_flag=True, help="One JSON array of feed objects.")
def feeds_cmd(state: State, as_json: bool) -> None:
    """List subscriptions with unread/total counts and the last fetch status."""
    feeds = state.library.feeds()
    if as_json:
        import json

        click.echo(json.dumps([
            {
                "id": f.id, "url": f.url, "title": f.title, "link": f.link, "tags": f.tags,
                "unread": f.unread, "total": f.total, "last_status": f.last_status,
                "last_error": f.last_error, "last_fetched": _iso(f.last_fetched),
                "gone": f.gone,
            }
            for f in feeds
        ], ensure_ascii=False, indent=2))
        return
    if not feeds:
        click.echo("no feeds yet: add one with `reader add URL` or `reader import FILE.opml`")
        return
    for f in feeds:
        # ("not_modified" stays as it is in --json, for scripts)
        status = f.last_status.replace("_", " ") if f.last_status else "never fetched"
        if f.last_error:
            status += f": {f.last_error}"
        tags = f" [{', '.join(f.tags)}]" if f.tags else ""
        click.echo(f"{f.id:>4}  {f.unread:>4}/{f.total:<5} {f.display_title}{tags}")
        click.echo(f"      {f.url}  ({status})")


@command("tag")
@click.argument("feed")
@click.argument("tags", nargs=-1, required=True)
def tag_cmd(state: State, feed: str, tags: tuple[str, ...]) -> None:
    """Add TAGS to FEED."""
    f = state.library.tag_feed(feed, check_tags(tags))
    click.echo(f"{f.id}: {f.display_title} [{', '.join(f.tags)}]")


@command("untag")
@click.argument("feed")
@click.argument("tags", nargs=-1, required=True)
def untag_cmd(state: State, feed: str, tags: tuple[str, ...]) -> None:
    """Remove TAGS from FEED (all or, if it lacks one of them, none)."""
    library = state.library
    f = library.resolve_feed(feed)
    # As the core reads them (untag_feed), matched as SQLite's NOCASE does: ASCII only.
    has = {t.encode().lower() for t in f.tags}
    for tag in tags:
        name = clean_line(tag).lstrip("+-")
        if name.encode().lower() not in has:
            # An error, and nothing removed: a script that names a tag means that tag
            # (a typo must not pass as done), and a command that fails changes nothing.
            fail(f"feed {f.id} has no tag '{name}'"
                 + (f" (its tags: {', '.join(f.tags)})" if f.tags else " (it has none)"))
    f = library.untag_feed(f.id, tags)
    click.echo(f"{f.id}: {f.display_title} [{', '.join(f.tags)}]")


@command("rename")
@click.argument("feed")
@click.argument("title", required=False)
def rename_cmd(state: State, feed: str, title: str | None) -> None:
    """Give FEED your own TITLE (no TITLE: back to the feed's own)."""
    f = state.library.rename_feed(feed, check_title(title))
    click.echo(f"{f.id}: {f.display_title}")


# -- OPML -------------------------------------------------------------------------------------


@command("import", creates=True)
@click.argument("file")  # (not click.Path: its "is a directory" is a usage error, exit 2)
def import_cmd(state: State, file: str) -> None:
    """Subscribe to the feeds of an OPML file (- reads stdin). They are fetched on refresh."""
    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror}")
    report = state.library.import_opml(data)
    for problem in report.problems:
        click.echo(f"reader: warning: {clean_line(problem)}", err=True)
    click.echo(
        f"imported {plural(len(report.added), 'new feed')}, {len(report.updated)} already"
        f" subscribed{f', {report.skipped} skipped' if report.skipped else ''}"
        + ("; run `reader refresh` to fetch them" if report.added else "")
    )


@command("export")
@click.argument("file", required=False)
def export_cmd(state: State, file: str | None) -> None:
    """Write subscriptions as OPML 2.0 to FILE (default: stdout)."""
    text = state.library.export_opml()
    if file and file != "-":
        from .core.opml import write_opml_file

        # Beside FILE, then renamed over it: a failed export leaves the old FILE whole.
        write_opml_file(file, text, database=state.library.store.path)
        click.echo(f"exported {plural(len(state.library.feeds()), 'feed')} to {file}", err=True)
    else:
        click.echo(text, nl=not text.endswith("\n"))


# -- refresh ----------------------------------------------------------------------------------


@command("refresh")
@click.argument("feeds", nargs=-1)
@click.option("--due", is_flag=True, help="Only feeds whose refresh interval has passed.")
@click.option("--quiet", "-q", is_flag=True, help="Only the summary line (no progress bar).")
def refresh_cmd(state: State, feeds: tuple[str, ...], due: bool, quiet: bool) -> None:
    """Fetch FEEDS (default: all) now and store new articles.

    Exits 0 when at least one feed was fetched (or there was nothing to fetch).
    """
    library = state.library
    targets = library.refresh_targets(list(feeds), due_only=due)
    if not targets:
        click.echo("nothing to refresh" + ("" if library.feeds() else
                   ": no feeds yet (reader add URL, or reader import FILE.opml)"))
        return
    progress = None
    if sys.stderr.isatty() and not quiet:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        progress = Progress(TextColumn("refreshing"), BarColumn(), MofNCompleteColumn(),
                            TextColumn("{task.description}", markup=False),  # titles are data
                            console=Console(stderr=True),
                            transient=True)
    if progress is None:
        summary = library.refresh_feeds(targets)
    else:
        with progress:
            task = progress.add_task("", total=len(targets))

            def on_progress(done, total, feed, result) -> None:
                progress.update(task, completed=done, description=feed.display_title[:40])

            summary = library.refresh_feeds(targets, on_progress=on_progress)
    parts = [plural(summary.new_articles, "new article"), f"{summary.ok} fetched",
             f"{summary.not_modified} not modified", f"{len(summary.failed)} failed"]
    click.echo(f"refreshed {plural(len(targets), 'feed')}: " + ", ".join(parts))
    for title, reason in summary.failed:
        click.echo(f"  failed: {clean_line(title)}: {clean_line(reason)}", err=True)
    if summary.succeeded == 0:
        sys.exit(1)


# -- articles ---------------------------------------------------------------------------------


def _date(dt: datetime | None) -> str:
    return dt.astimezone().strftime("%Y-%m-%d %H:%M") if dt else " " * 16


@functools.lru_cache(maxsize=1024)  # a listing repeats a few feeds' titles thousands of times
def _feed_column(title: str, width: int = 24) -> str:
    """`title` cut or padded to `width` terminal cells: a CJK character takes two, a
    combining mark none."""
    if title.isascii():  # one cell a character (control characters never get stored)
        return f"{title[:width]:<{width}}"
    from rich.cells import set_cell_size

    return set_cell_size(title, width)


def _article_json(a, feed_title: str) -> dict:
    return {
        "id": a.id, "feed": feed_title, "feed_id": a.feed_id, "title": a.title, "link": a.link,
        "author": a.author, "published": _iso(a.published), "tags": a.tags,
        "read": a.read, "starred": a.starred,
    }


def _print_articles(state: State, query, limit: int | None, as_json: bool) -> None:
    library = state.library
    ids = library.article_ids(query, limit)
    if as_json:
        import json

        # The feed's display title (its URL when it has none), as `list` and `feeds` show
        # it: an Article's feed_title is "" for a feed without a title.
        titles = {f.id: f.display_title for f in library.store.feeds(with_counts=False)}
        click.echo(json.dumps([_article_json(a, titles.get(a.feed_id, a.feed_title))
                               for a in library.store.articles(ids)],
                              ensure_ascii=False, indent=2))
        return
    for h in library.headlines(ids):
        flags = ("N" if not h.read else " ") + ("*" if h.starred else " ")
        tags = f"  [{', '.join(h.tags)}]" if h.tags else ""
        click.echo(f"{h.id:>6} {flags} {_date(h.published)}  {_feed_column(h.feed_title)}"
                   f"  {h.title or '(untitled)'}{tags}")


def _limit(_ctx, _param, value: int | None) -> int | None:
    """No limit for one past SQLite's integers (as `head -n` takes any number): there are
    never that many articles, and SQLite could not take it."""
    return None if value is not None and value > SQLITE_MAX_INT else value


def limit_option(fn):
    return click.option("--limit", "-n", type=click.IntRange(min=1), default=None,
                        callback=_limit, help="At most N articles.")(fn)


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
    from .core.query import search_query

    _print_articles(state, search_query(" ".join(text)), limit, as_json)


@command("show")
@click.argument("article_id")
@click.option("--mark-read/--no-mark-read", default=False, help="Mark the article read.")
def show_cmd(state: State, article_id: str, mark_read: bool) -> None:
    """Print an article as readable text, with its numbered links."""
    library = state.library
    (aid,) = checked_ids(library, (article_id,))
    a = library.article(aid)
    rendered = library.render(a)
    from .core.ingest.content import format_links

    click.echo(a.title or "(untitled)")
    # (an Article's feed_title is "" for a feed without a title: its URL, as list shows)
    meta = [a.feed_title or library.resolve_feed(a.feed_id).display_title]
    if a.author:
        meta.append(f"by {a.author}")
    if a.published:
        meta.append(_date(a.published))
    click.echo(" · ".join(meta))
    if a.tags:
        click.echo("tags: " + ", ".join(a.tags))
    if a.link:
        click.echo(f"link: {a.link}")
    click.echo("")
    click.echo(clean_text(rendered.markdown).rstrip())
    if rendered.links:
        click.echo("\nLinks:")
        click.echo(format_links(rendered.links))
    if mark_read:
        library.set_read([aid], True)


def _flag_command(name: str, attr: str, value: bool, help_text: str) -> None:
    @command(name, help=help_text)
    @click.argument("ids", nargs=-1, required=True)
    def cmd(state: State, ids: tuple[str, ...]) -> None:
        library = state.library
        checked = checked_ids(library, ids)
        changed = getattr(library, attr)(checked, value)
        click.echo(f"{changed} of {plural(len(checked), 'article')} changed")


_flag_command("read", "set_read", True, "Mark articles read.")
_flag_command("unread", "set_read", False, "Mark articles unread.")
_flag_command("star", "set_starred", True, "Star articles (starred ones are never deleted).")
_flag_command("unstar", "set_starred", False, "Remove the star from articles.")


@command("mark-all-read", cls=WordsCommand)
@click.argument("query", nargs=-1)
def mark_all_read_cmd(state: State, query: tuple[str, ...]) -> None:
    """Mark every article matching QUERY read.

    QUERY is words of the filter language, as for `reader list`.
    """
    ids = state.library.mark_all_read(compile_filter(state.library, query))
    click.echo(f"{plural(len(ids), 'article')} marked read")


# -- saved filters, config, help --------------------------------------------------------------


@command("filters", cls=WordsCommand)
@click.argument("action", type=click.Choice(["list", "save", "delete"]), default="list")
@click.argument("name", required=False)
@click.argument("query", nargs=-1)
def filters_cmd(state: State, action: str, name: str | None, query: tuple[str, ...]) -> None:
    """Saved filters: list, save NAME QUERY, delete NAME (the TUI shows them in its sidebar).

    QUERY is words of the filter language, as for `reader list`.
    """
    state.create = action == "save"  # a saved filter is data: it may start a database
    library = state.library
    if action == "list":
        for n, q in library.saved_filters().items():
            click.echo(f"{n}\t{q}")
    elif action == "save":
        if not name or not query:
            fail("usage: reader filters save NAME QUERY", 2)
        text = compile_filter(library, query).text
        library.save_filter(name, text)
        click.echo(f"saved filter {name!r}: {text}")
    else:
        if not name:
            fail("usage: reader filters delete NAME", 2)
        if not library.delete_filter(name):
            fail(f"no saved filter named {name!r}")
        click.echo(f"deleted filter {name!r}")


@command("config")
@click.option("--example", is_flag=True, help="Print an example config.toml with every key.")
def config_cmd(state: State, example: bool) -> None:
    """Show where the config and database live (and the effective settings)."""
    from .core.config import EXAMPLE, default_db_path

    if example:
        click.echo(EXAMPLE, nl=False)
        return
    cfg = state.config
    db = state.db or os.environ.get("READER_DB") or default_db_path()
    click.echo(f"config:   {cfg.path}{'' if cfg.path and cfg.path.exists() else ' (not present: defaults)'}")
    click.echo(f"database: {db}")
    for key in ("refresh_interval", "concurrency", "per_host", "connect_timeout", "timeout",
                "max_body_mb", "max_per_feed", "max_age_days", "theme", "mark_read_on_open"):
        click.echo(f"  {key} = {getattr(cfg, key)!r}")


@command("help-filters")
def help_filters_cmd(state: State) -> None:
    """Explain the filter language used by list, the TUI's / and saved filters."""
    from .core import query

    click.echo(query.__doc__.strip())

