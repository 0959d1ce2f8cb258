"""Opening the TUI from the command line: `reader` alone, or with --db, --config, --demo."""

from __future__ import annotations

import os
import sys

from .errors import fail
from .state import State


def open_tui(state: State, demo: bool) -> None:
    if not sys.stdout.isatty() and not os.environ.get("READER_FORCE_TUI"):
        fail("the reader needs a terminal; see `reader --help` for the commands", 2)
    import gc

    gc.disable()  # no collections while Textual imports; the app re-enables after its first frame
    from ..ui.app import run_app

    if not demo:
        run_app(state.library, state.config)
        return
    from ..demo import close_demo_library, make_demo_library

    library = make_demo_library(state.config)
    try:
        run_app(library, state.config, demo=True)
    finally:
        close_demo_library(library)  # the demo's temporary database goes with it
