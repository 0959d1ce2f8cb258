"""The real CLI against a sync server, as the sync tests run it, on the database
tmp_path/r.db and a config file of the test's."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable
from pathlib import Path


def cli(tmp_path: Path, config: Path) -> Callable[..., subprocess.CompletedProcess]:
    """`reader(*args)`: `python -m reader.cli --db tmp_path/r.db --config CONFIG *args`."""
    def reader(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "reader.cli", "--db", str(tmp_path / "r.db"),
                               "--config", str(config), *args], capture_output=True,
                              text=True, timeout=120)

    return reader
