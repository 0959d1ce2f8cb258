"""The count of writes that may change a view (Database.write), which a page or index
write (write_aside) leaves alone: the TUI's poll reloads its view only when another
process moved it (ReaderApp._changed_elsewhere)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from reader.core.storage.store import Store

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_a_page_stored_elsewhere_is_no_view_change_and_a_feed_is(tmp_path):
    path = tmp_path / "x.db"
    tui, child = Store(path), Store(path)
    feed = child.add_feed("http://127.0.0.1:9/стрічка")
    before = tui.view_changes_elsewhere()
    version = tui.data_version()
    assert child.view_changes_elsewhere() == 0  # (its own writes are not "elsewhere")

    # a write aside (as full_articles.py stores a page): some row that is no headline
    child.write_aside(lambda conn: conn.execute(
        "INSERT INTO sync_state (key, value) VALUES ('probe', 'сторінка')"))
    assert tui.data_version() != version
    assert tui.view_changes_elsewhere() == before

    child.write(lambda conn: conn.execute("UPDATE feeds SET title = 'Новини' WHERE id = ?",
                                          (feed,)))
    assert tui.view_changes_elsewhere() == before + 1


def test_the_count_moves_with_its_write_or_not_at_all(tmp_path):
    """In the write's own transaction: a write that fails (or a process killed before
    its commit) leaves the count as it was."""
    path = tmp_path / "x.db"
    tui, child = Store(path), Store(path)
    before = tui.view_changes_elsewhere()

    feed = child.add_feed("http://127.0.0.1:9/x")
    before = tui.view_changes_elsewhere()

    def fails(conn):
        conn.execute("UPDATE feeds SET title = 'Новини' WHERE id = ?", (feed,))
        raise RuntimeError("killed")

    with pytest.raises(RuntimeError):
        child.write(fails)
    assert tui.view_changes_elsewhere() == before
    assert child.execute("SELECT title FROM feeds").fetchone() == ("",)
