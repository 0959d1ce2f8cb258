"""Startup: what waits for the first frame, and the garbage collector's settings."""

from __future__ import annotations

import gc

from reader.ui.screens.main import MainScreen

from .conftest import quiet_app, settle


async def test_counts_and_ids_wait_for_the_first_frame(library, monkeypatch):
    calls: list[str] = []
    on_mount = MainScreen.on_mount
    for name in ("load_counts", "load_view"):
        original = getattr(MainScreen, name)
        monkeypatch.setattr(
            MainScreen,
            name,
            lambda self, *a, _n=name, _f=original, **k: calls.append(_n) or _f(self, *a, **k),
        )

    async def mounted(self) -> None:
        await on_mount(self)
        calls.append(f"mounted with {len(self.headlines.ids)} ids")

    monkeypatch.setattr(MainScreen, "on_mount", mounted)
    app = quiet_app(library)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(pilot, app)
        # on_mount reads nothing itself: it waits (the loop free) for the first screenful
        # from the first-rows thread, so the first frame has rows; the full list follows
        # that frame, and the counts are asked for after it
        assert calls[0] == "mounted with 12 ids"
        assert calls[1:] == ["load_counts"]
        assert app.main.started and app.main.sidebar.items
        assert app.main.view.count == 12 and len(app.main.headlines.ids) == 12


async def test_gc_is_back_on_after_startup(library):
    thresholds = gc.get_threshold()
    gc.disable()  # as run_app does
    try:
        app = quiet_app(library, tune_gc=True)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(pilot, app)
            assert gc.isenabled()
            assert gc.get_threshold()[0] > thresholds[0]
            assert gc.get_freeze_count() > 0
    finally:
        gc.enable()
        gc.unfreeze()
        gc.set_threshold(*thresholds)
