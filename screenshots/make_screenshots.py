"""Make the SVG screenshots in this folder from the bundled demo feeds.

    python screenshots/make_screenshots.py

Builds the demo library (the real fetcher reads the bundled feeds through file://),
drives the app headless with a few key presses and saves each view with
App.save_screenshot. The app's clock is frozen so dates read the same every run.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from reader.core.config import Config  # noqa: E402
from reader.core.library import Library  # noqa: E402
from reader.demo import close_demo_library, make_demo_library  # noqa: E402
from reader.ui.app import make_app  # noqa: E402

HERE = Path(__file__).resolve().parent
NOW = datetime(2026, 11, 25, 9, 30, tzinfo=UTC)

# (file name, terminal size, keys pressed before the shot; "TYPE:" types text)
SHOTS: list[tuple[str, tuple[int, int], list[str]]] = [
    ("main-160x48", (160, 48), []),
    ("article-160x48", (160, 48), ["j", "j", "j", "enter"]),
    ("filter-160x48", (160, 48), ["slash", "TYPE:+tech is:unread"]),
    ("sidebar-tag-160x48", (160, 48), ["h", "j", "j", "j", "j", "j", "j"]),
    ("sidebar-saved-160x48", (160, 48), ["h", "j", "j", "j"]),
    ("help-160x48", (160, 48), ["question_mark"]),
    ("narrow-80x24", (80, 24), []),
    ("narrow-article-80x24", (80, 24), ["enter"]),
    ("medium-120x40", (120, 40), []),
    ("wide-200x60", (200, 60), []),
    ("wide-article-200x60", (200, 60), ["j", "enter"]),
]
SAVED_FILTER = ("Tech, unread", "+tech is:unread")  # so the sidebar shows a saved filter


async def settle(pilot) -> None:
    app = pilot.app
    while app.main.switch_pending:
        await pilot.pause(0.02)
    for _ in range(3):
        app.wait_for_writes()
        await pilot.pause()
        await app.workers.wait_for_complete()
    await pilot.pause(0.2)


async def shoot(library, name: str, size: tuple[int, int], keys: list[str]) -> Path:
    app = make_app(
        library, library.config, demo=True, now=NOW, background_refresh=False, watch_db=False
    )
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        for key in keys:
            if key.startswith("TYPE:"):
                await pilot.press(*key[5:])
            else:
                await pilot.press(key)
            await settle(pilot)
        path = Path(app.save_screenshot(f"{name}.svg", str(HERE)))
    # the next shot starts from the same state: undo what opening marked read
    return path


async def shoot_welcome(path: Path) -> Path:
    """The first-run dialog, on an empty library."""
    library = Library(path, Config())
    try:
        app = make_app(library, library.config, now=NOW, background_refresh=False, watch_db=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            return Path(app.save_screenshot("welcome-80x24.svg", str(HERE)))
    finally:
        library.close()


def main() -> None:
    library = make_demo_library(Config())
    try:
        library.save_filter(*SAVED_FILTER)
        for name, size, keys in SHOTS:
            unread = library.article_ids("is:unread")
            path = asyncio.run(shoot(library, name, size, keys))
            library.set_read(unread, False)
            print(path.relative_to(HERE.parent))
    finally:
        close_demo_library(library)
    with tempfile.TemporaryDirectory() as folder:
        path = asyncio.run(shoot_welcome(Path(folder) / "empty.db"))
        print(path.relative_to(HERE.parent))


if __name__ == "__main__":
    main()
