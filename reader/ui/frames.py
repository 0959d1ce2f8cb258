"""Frames held back: from a key to the first rows of the view it asks for, nothing is drawn.

Enter in the filter box and a sidebar move hold the frames (App.batch_update) until
the view's first rows are in, so that the key's effects (the box closing, the cursor
moved, the header) and the rows are drawn in one frame: drawn apart, the rows came a
frame or more later (Textual draws at most every 1/60 s).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, ExitStack


class HeldFrames:
    def __init__(
        self,
        batch_update: Callable[[], AbstractContextManager],
        set_timer: Callable,
    ) -> None:
        """`batch_update()`: the app's; `set_timer`: the screen's (the end of `most`)."""
        self._batch_update = batch_update
        self._set_timer = set_timer
        self._held: ExitStack | None = None  # batch_update() from Enter to the rows
        self._timer = None  # ... or from a sidebar move to them, at most SWITCH_WAIT

    @property
    def held(self) -> bool:
        return self._held is not None

    def hold(self, most: float | None = None) -> None:
        """Draw nothing until release(), or for `most` seconds (None: until release)."""
        if self._held is None:
            self._held = ExitStack()
            self._held.enter_context(self._batch_update())
        if most is not None and self._timer is None:
            self._timer = self._set_timer(most, self.release)

    def release(self) -> None:
        """The end of the frames held back since Enter or a sidebar move."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if self._held is not None:
            held, self._held = self._held, None
            held.close()
