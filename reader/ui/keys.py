"""Keys pressed again: the one way a key typed meanwhile reaches where it was meant to.

Shared by the main screen (keys typed while the filter box closes or the tag picker's
view comes) and the dialogs (keys that arrive after the dialog was dismissed).
"""

from __future__ import annotations

from collections.abc import Callable

from textual import events

KEY_SPACING = 0.02  # seconds between keys held meanwhile, pressed again


def press_again(app, key: events.Key) -> events.Key:
    """`key` again, from the top, as if from the terminal: from the app, which is where
    bubbling stops (made by a screen, the screen would be its sender)."""
    again = events.Key(key.key, key.character)
    again.set_sender(app)
    app.post_message(again)
    return again


class HeldKeys:
    """Keys typed while the screen can't take them yet (`holding()` says when), kept in
    order and pressed again once it can, one at a time: each may move the focus for the
    next (/ opens the filter box again), and a key's way through the app takes a few
    messages. Keys from the terminal wait behind them (takes_key)."""

    def __init__(
        self,
        press: Callable[[events.Key], events.Key],
        holding: Callable[[], bool],
        set_timer: Callable,
    ) -> None:
        """`press(key)` presses a key again (press_again, from the app) and returns it."""
        self._press = press
        self._holding = holding
        self._set_timer = set_timer
        self._held: list[events.Key] = []  # typed meanwhile
        self._pressing = False  # ... and being pressed again (press_held)
        self._pressed_again: list[events.Key] = []  # ... on their way (takes_key)

    @property
    def busy(self) -> bool:
        return bool(self._held or self._pressing)

    def hold(self, event: events.Key) -> None:
        self._held.append(event)
        if not (self._holding() or self._pressing):
            self.press_held()  # on its way to the box as it closed: now

    def takes_key(self, event: events.Key) -> bool:
        """Whether a key from the terminal waits (the app asks): while keys held before
        it are pressed again, in order."""
        for i, again in enumerate(self._pressed_again):
            if again is event:
                del self._pressed_again[i]
                return False
        if self._holding() or self._pressing or self._held:
            self.hold(event)
            return True
        return False

    def press_held(self) -> None:
        if self._holding():
            return  # (pressed once the screen can take them)
        if self._held:
            self._pressing = True
            self._pressed_again.append(self._press(self._held.pop(0)))
            self._set_timer(KEY_SPACING, self.press_held)
        else:
            self._pressing = False


def typed_apart(key: events.Key, bound: Callable[[str], bool]) -> list[events.Key] | None:
    """Esc and the key after it, when they arrived as one Alt+key: the terminal sends both
    as ESC then the key, and Textual reads an ESC followed within ESCDELAY (100 ms) by a
    key as Alt+key, so "Esc Esc q" typed 50 ms apart reached the app as Esc, Alt+q and
    the q was lost. An Alt+key that nothing binds is the two keys again; None otherwise.
    (ESC then punctuation, "Esc /", is read by Textual as the punctuation alone.)"""
    name = key.key
    if not name.startswith("alt+") or bound(name):
        return None
    char = key.character
    if not char or len(char) != 1 or not char.isprintable():
        return None
    from textual.keys import _character_to_key  # the name Textual gives the key alone

    return [events.Key("escape", "\x1b"), events.Key(_character_to_key(char), char)]
