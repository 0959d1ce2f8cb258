"""The command line: every command is a thin call into reader.core.

`reader` alone opens the TUI; the UI is imported only then, so scripts and cron
jobs never load Textual. The commands are click's (cli_commands.py); `reader` with
nothing but --db, --config and --demo opens the TUI without loading click, which
the TUI would only pay for at start-up (see `main`).
"""

from __future__ import annotations

import contextlib
import functools
import gc
import os
import sys
from typing import TYPE_CHECKING

from .core.errors import ReaderError

if TYPE_CHECKING:
    from .core.config import Config
    from .core.library import Library


def _echo_err(message: str) -> None:
    import click  # errors and warnings only: by then its import costs nothing that matters

    click.echo(message, err=True)


class State:
    def __init__(self, *, freeze_gc: bool = False) -> None:
        self.freeze_gc = freeze_gc  # a process of its own (see `library`)
        self.enable_gc = False  # collections were off while a command's modules imported
        self.db: str | None = None
        self.config_path: str | None = None
        # Whether `library` may make a new database: the TUI's first run does, and so do
        # the commands that add data (cli_commands.command(creates=True)). One that only
        # reads or changes what is there, given a wrong path, must say so rather than
        # answer from (and leave behind) a new empty database.
        self.create = True
        self._config: Config | None = None
        self._library: Library | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from .core.config import load_config

            self._config = load_config(self.config_path)
            for warning in self._config.warnings:
                _echo_err(f"reader: warning: {warning}")
        return self._config

    @property
    def library(self) -> Library:
        if self._library is None:
            from .core.library import Library

            db = self.db or os.environ.get("READER_DB") or None
            self._library = Library(db, self.config, create=self.create)
            if self.freeze_gc:
                # What the imports made so far (click, asyncio, the core; Textual for the
                # TUI) lives until the process ends: keep the collector from walking it
                # again. The interpreter's last collection, on the way out, walked all of
                # it: ~70 ms of CPU, 15-20% of a `reader refresh` where every feed answers
                # 304. What is made from here on is collected as usual (a thread's
                # database connection, say). Not in a caller's process (CliRunner).
                gc.freeze()
                if self.enable_gc:
                    self.enable_gc = False
                    gc.enable()
        return self._library

    def close(self) -> None:
        """Close the database now. After gc.freeze() (above) the interpreter would not on
        the way out: a sqlite3 connection is in a reference cycle (its statement cache)."""
        if self._library is not None:
            library, self._library = self._library, None
            with contextlib.suppress(Exception):  # silent, as the interpreter's close was
                library.close()


def fail(message: str, code: int = 1) -> None:
    from .core.sanitize import clean_line

    _echo_err(f"reader: error: {clean_line(message)}")
    sys.exit(code)


def handle_errors(fn):
    """One line on stderr and a non-zero exit for every error; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ReaderError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            _echo_err("reader: interrupted")
            sys.exit(130)
        except BrokenPipeError:
            sys.stderr.close()  # `reader list | head`: the reader went away; not an error
            sys.exit(0)
        except OSError as exc:  # the text, without Python's "[Errno 28]"
            text = exc.strerror or str(exc)
            fail(f"{text}: {exc.filename}" if exc.filename else text)
        except Exception as exc:  # a bug: still one line, with a way to see more
            if os.environ.get("READER_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (set READER_DEBUG=1 for details)", 70)

    return wrapper


def _open_tui(state: State, demo: bool) -> None:
    if not sys.stdout.isatty() and not os.environ.get("READER_FORCE_TUI"):
        fail("the reader needs a terminal; see `reader --help` for the commands", 2)
    import gc

    gc.disable()  # no collections while Textual imports; the app re-enables after its first frame
    from .ui.app import run_app

    if not demo:
        run_app(state.library, state.config)
        return
    from .demo import close_demo_library, make_demo_library

    library = make_demo_library(state.config)
    try:
        run_app(library, state.config, demo=True)
    finally:
        close_demo_library(library)  # the demo's temporary database goes with it


# -- the entry point --------------------------------------------------------------------------


def tui_options(args: list[str]) -> tuple[str | None, str | None, bool] | None:
    """(db, config, demo) when `args` only open the TUI, as click would read them; None
    for anything else (a command, --help, --version, a mistake): click decides those."""
    if os.name != "posix" or any(
        k.startswith("_") and k.endswith("_COMPLETE") for k in os.environ
    ):  # click expands wildcards on Windows, and answers shell completion
        return None
    db = config = None
    demo = False
    i = 0
    while i < len(args):
        arg = args[i]
        if arg == "--demo":
            demo = True
        elif arg in ("--db", "--config"):
            if i + 1 >= len(args) or args[i + 1].startswith("-"):
                return None  # click's own error, or a value that looks like an option
            i += 1
            if arg == "--db":
                db = args[i]
            else:
                config = args[i]
        elif arg.startswith(("--db=", "--config=")):
            name, value = arg.split("=", 1)
            if name == "--db":
                db = value
            else:
                config = value
        else:
            return None
        i += 1
    if "" in (db, config):
        return None  # click refuses an empty path
    return db, config, demo


def _commands():
    from .cli_commands import main as group

    return group


class _Main:
    """`reader`: the click group of cli_commands.py, except that a bare `reader` (or one
    with only --db, --config and --demo) opens the TUI without importing click, ~15 ms
    of the TUI's start-up. Anything else a caller does with it (CliRunner, .main(...),
    attributes) goes to the group."""

    def __call__(self, *args, **kwargs):
        if args or kwargs:
            return _commands()(*args, **kwargs)
        state = State(freeze_gc=True)  # the process is ours: `reader` or `python -m reader.cli`
        try:
            if sys.stdout is None:  # `reader list >&-`: what it printed would be lost
                fail("standard output is closed: nothing could be printed")
            options = tui_options(sys.argv[1:])
            if options is None:
                # No collections while the command's modules import (they only add objects:
                # 10-20 ms of collections in a `reader refresh`), until `library` freezes
                # them. (The TUI has its own plan: gc.disable() in _open_tui.)
                gc.disable()
                state.enable_gc = True
                # click's ctx.ensure_object(State) finds `state`; handle_errors turns what
                # escapes click (its --help written to a full disk, say) into one line.
                return handle_errors(_commands())(obj=state)
            state.db, state.config_path, demo = options
            handle_errors(_open_tui)(state, demo)
            return None
        finally:
            state.close()

    def __getattr__(self, name: str):
        return getattr(_commands(), name)


main = _Main()


if __name__ == "__main__":  # pragma: no cover
    # `python -m reader.cli`: run the module proper (reader.cli), whose State the commands
    # in cli_commands.py share, not this __main__ copy of it.
    from reader.cli import main as entry

    entry()
