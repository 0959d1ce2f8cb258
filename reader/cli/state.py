"""What one run of the command line holds: the paths it was given, its config and Library."""

from __future__ import annotations

import contextlib
import gc
import os
from typing import TYPE_CHECKING

from .errors import echo_err

if TYPE_CHECKING:
    from ..core.config import Config
    from ..core.library import Library


class State:
    def __init__(self, *, freeze_gc: bool = False) -> None:
        self.freeze_gc = freeze_gc  # a process of its own (see `library`)
        self.enable_gc = False  # collections were off while a command's modules imported
        self.db: str | None = None
        self.config_path: str | None = None
        # Whether `library` may make a new database: the TUI's first run does, and so do
        # the commands that add data (arguments.command(creates=True)). One that only
        # reads or changes what is there, given a wrong path, must say so rather than
        # answer from (and leave behind) a new empty database.
        self.create = True
        self._config: Config | None = None
        self._library: Library | None = None

    @property
    def config(self) -> Config:
        if self._config is None:
            from ..core.config import load_config

            self._config = load_config(self.config_path)
            for warning in self._config.warnings:
                echo_err(f"reader: warning: {warning}")
        return self._config

    @property
    def library(self) -> Library:
        if self._library is None:
            from ..core.library import Library

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
