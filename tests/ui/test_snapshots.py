"""Snapshot tests of the main layouts (pytest-textual-snapshot).

Deterministic: fixed data and dates, the app's clock frozen at NOW, no background
refresh and no database polling. Update after a deliberate change with
`pytest tests/ui/test_snapshots.py --snapshot-update` and look at the SVGs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.config import Config
from reader.core.library import Library

from .conftest import fill, quiet_app, settle


@pytest.fixture
def snap_library(tmp_path: Path) -> Library:
    lib = Library(tmp_path / "snap.db", Config())
    fill(lib)
    yield lib
    lib.close()


async def _settle(pilot) -> None:
    await settle(pilot, pilot.app)


def test_main_wide(snap_compare, snap_library):
    assert snap_compare(quiet_app(snap_library), terminal_size=(160, 48), run_before=_settle)


def test_main_narrow(snap_compare, snap_library):
    assert snap_compare(quiet_app(snap_library), terminal_size=(80, 24), run_before=_settle)


def test_article_open_wide(snap_compare, snap_library):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(quiet_app(snap_library), terminal_size=(160, 48), run_before=run_before)


def test_article_open_narrow(snap_compare, snap_library):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("enter")
        await _settle(pilot)

    assert snap_compare(quiet_app(snap_library), terminal_size=(80, 24), run_before=run_before)


def test_filter_and_sidebar_wide(snap_compare, snap_library):
    async def run_before(pilot) -> None:
        await _settle(pilot)
        await pilot.press("h", "j", "j", "j")  # the "news" tag
        await _settle(pilot)

    assert snap_compare(quiet_app(snap_library), terminal_size=(160, 48), run_before=run_before)
