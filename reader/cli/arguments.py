"""What every command shares: its options, and the checks of what the user typed."""

from __future__ import annotations

import functools
from itertools import islice

import click

from ..core.filters import SQLITE_MAX_INT
from ..core.sanitize import clean_line
from ..core.tags import tag_problem
from .errors import fail, handle_errors
from .state import State

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
MAX_TITLE_CHARS = 1_000  # what parse.MAX_LINE_CHARS cuts a feed's title to


def db_option(fn):
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
    """A subcommand (group.py adds it to `reader`). `creates`: it adds data, so it may
    make the database (State.create); the others only read or change what is there,
    and a missing database is an error."""

    def deco(fn):
        @functools.wraps(fn)
        def run(state: State, *fn_args, **fn_kwargs):
            state.create = creates
            return fn(state, *fn_args, **fn_kwargs)

        return click.command(*args, **kwargs, context_settings=CONTEXT)(
            db_option(click.pass_obj(handle_errors(run)))
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


def _limit(_ctx, _param, value: int | None) -> int | None:
    """No limit for one past SQLite's integers (as `head -n` takes any number): there are
    never that many articles, and SQLite could not take it."""
    return None if value is not None and value > SQLITE_MAX_INT else value


def limit_option(fn):
    return click.option("--limit", "-n", type=click.IntRange(min=1), default=None,
                        callback=_limit, help="At most N articles.")(fn)


# -- what the user typed ----------------------------------------------------------------------


def checked_ids(library, ids: tuple[str, ...]) -> list[int]:
    """The ids, checked (library.check_ids), each once, in the order given."""
    return list(dict.fromkeys(library.check_ids(ids)))


def compile_filter(library, words: tuple[str, ...]):
    """The filter the words make, compiled (a QueryError names a bad term)."""
    return library.query(" ".join(words))


def check_tags(tags: tuple[str, ...]) -> list[str]:
    """The tags, cleaned as the core stores them; refused (core.tags.tag_problem) when
    the core would have to change them for a filter to name them."""
    out = []
    for tag in tags:
        problem = tag_problem(tag)
        if problem:
            fail(problem)
        out.append(clean_line(tag))
    return out


def check_title(title: str | None) -> str | None:
    """The title, cleaned as the core stores it; None for none (or a blank one)."""
    title = clean_line(title or "") or None
    if title and len(title) > MAX_TITLE_CHARS:
        fail(f"title '{title[:40]}…' is {len(title):,} characters long; at most"
             f" {MAX_TITLE_CHARS:,}")
    return title
