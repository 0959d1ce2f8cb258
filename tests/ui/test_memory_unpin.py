"""Widgets removed from the screen take the lines they drew with them (textual#6665:
Textual 8 kept the StylesCache of up to 1,024 gone widgets, each with its drawn lines,
in an lru_cache on a method; a soak of the TUI climbed with them)."""

from __future__ import annotations

import asyncio
import gc

from textual.app import App, ComposeResult
from textual.containers import Vertical
from textual.widgets import Label

from reader.ui import memory

ROUNDS, LABELS = 8, 30


class Drawn(Label):
    """A label that says when it has been drawn (its lines made by Textual's styles cache)."""

    drawn = False

    def render_lines(self, crop):
        self.drawn = True
        return super().render_lines(crop)


class Rebuilding(App):
    def compose(self) -> ComposeResult:
        yield Vertical(id="list")


def styles_caches_alive() -> int:
    gc.collect()
    return sum(type(o).__name__ == "StylesCache" for o in gc.get_objects())


async def test_styles_caches_of_removed_widgets_are_freed():
    memory.unpin_styles_caches()   # as run_app does (a second call changes nothing)
    assert memory.unpin_styles_caches() is False
    app = Rebuilding()
    async with app.run_test(size=(80, 40)) as pilot:
        box = app.query_one("#list")
        before = styles_caches_alive()  # (this app's, and any other test's still alive)
        for round in range(ROUNDS):
            await box.remove_children()
            labels = [Drawn(f"Новина {round}.{i}: Рада Європи, 東京") for i in range(LABELS)]
            await box.mount(*labels)
            loop = asyncio.get_running_loop()
            end = loop.time() + 30   # a cap for a broken app, never waited out otherwise
            while not all(label.drawn for label in labels):
                assert loop.time() < end, "the labels were never drawn"
                await pilot.pause()
        alive = styles_caches_alive() - before
        # The last round's labels, and the round before while the last frame still maps
        # them (on a busy machine): not the six rounds before those (pinned: 240).
        assert alive <= 2 * LABELS + 10, f"{alive} more StylesCache objects alive"
