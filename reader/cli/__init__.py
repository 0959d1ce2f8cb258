"""The command line: every command is a thin call into reader.core.

`reader` alone opens the TUI; the UI is imported only then, so scripts and cron
jobs never load Textual. The commands are click's (group.py, one module a topic);
`reader` with nothing but --db, --config and --demo opens the TUI without loading
click, which the TUI would only pay for at start-up (see `main`).
"""

from __future__ import annotations

import gc
import os
import sys

from .errors import fail, handle_errors
from .state import State
from .tui import open_tui


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
    from .group import main as group

    return group


class _Main:
    """`reader`: the click group of group.py, except that a bare `reader` (or one with
    only --db, --config and --demo) opens the TUI without importing click, ~15 ms of
    the TUI's start-up. Anything else a caller does with it (CliRunner, .main(...),
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
                # them. (The TUI has its own plan: gc.disable() in open_tui.)
                gc.disable()
                state.enable_gc = True
                # click's ctx.ensure_object(State) finds `state`; handle_errors turns what
                # escapes click (its --help written to a full disk, say) into one line.
                return handle_errors(_commands())(obj=state)
            state.db, state.config_path, demo = options
            handle_errors(open_tui)(state, demo)
            return None
        finally:
            state.close()

    def __getattr__(self, name: str):
        return getattr(_commands(), name)


main = _Main()
