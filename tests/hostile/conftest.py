"""Fixtures for the hostile-input suite; the helpers live in hostile_kit.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .hostile_kit import Cli, write_config


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    """Short timeouts so the slow-server cases stay quick."""
    return write_config(tmp_path / "config.toml")


@pytest.fixture
def cli(tmp_path: Path, config_file: Path) -> Cli:
    return Cli(tmp_path / "reader.db", config_file)


@pytest.fixture
def library(tmp_path: Path):
    lib = Library(tmp_path / "lib.db", Config(timeout=3.0, connect_timeout=2.0))
    try:
        yield lib
    finally:
        lib.close()
