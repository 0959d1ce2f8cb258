"""Commands for enclosures (podcast episodes, videos): list, play, download."""

from __future__ import annotations

import sys

import click

from ..core.sanitize import clean_line
from .arguments import checked_ids, command
from .errors import fail
from .state import State


def enclosure_line(number: int, enclosure) -> str:
    """`[1] audio/mpeg 52.3 MB https://…`, as `reader enclosures` and `show` print one."""
    parts = [f"[{number}]"]
    if enclosure.type:
        parts.append(clean_line(enclosure.type))
    if enclosure.length:
        parts.append(_size(enclosure.length))
    parts.append(clean_line(enclosure.url))
    return " ".join(parts)


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1000
    return ""


def _one(state: State, article_id: str, number: int):
    (aid,) = checked_ids(state.library, (article_id,))
    return state.library.enclosure(aid, number)


@command("enclosures")
@click.argument("article_id")
def enclosures_cmd(state: State, article_id: str) -> None:
    """List an article's enclosures (podcast episodes, videos), numbered for play and
    download. Exits 1 when it has none."""
    library = state.library
    (aid,) = checked_ids(library, (article_id,))
    found = library.article(aid).enclosures
    if not found:
        fail(f"article {aid} has no enclosures")
    for n, enclosure in enumerate(found, 1):
        click.echo(enclosure_line(n, enclosure))


@command("play")
@click.argument("article_id")
@click.argument("number", type=click.IntRange(min=1), default=1)
def play_cmd(state: State, article_id: str, number: int) -> None:
    """Play enclosure NUMBER (default 1) of an article with the player of config.toml
    ([enclosures] player, default "mpv %s"), run without a shell; waits for it and
    exits with its status."""
    library = state.library
    argv = library.player_command(_one(state, article_id, number))
    code = library.run_player(argv)
    if code != 0:
        fail(f"{clean_line(argv[0])} exited with status {code}", code if 0 < code < 256 else 1)


@command("download")
@click.argument("article_id")
@click.argument("number", type=click.IntRange(min=1), default=1)
def download_cmd(state: State, article_id: str, number: int) -> None:
    """Download enclosure NUMBER (default 1) of an article into [enclosures] download_dir
    (default ~/Downloads); an existing file is never replaced: the new one gets a
    " (2)" name. Prints the file's path."""
    library = state.library
    enclosure = _one(state, article_id, number)
    progress = None
    if sys.stderr.isatty():
        def progress(done: int, total: int | None) -> None:
            of = f" of {_size(total)}" if total else ""
            click.echo(f"\rdownloading: {_size(done)}{of}   ", nl=False, err=True)
    try:
        path = library.download_enclosure(enclosure, progress)
    finally:
        if progress is not None:
            click.echo("\r\033[K", nl=False, err=True)
    click.echo(str(path))


COMMANDS = (enclosures_cmd, play_cmd, download_cmd)
