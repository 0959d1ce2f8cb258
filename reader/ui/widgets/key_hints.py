"""The footer line: key hints generated from the live bindings, and fetch progress.

One Static rebuilt from `screen.active_bindings` whenever they change: Textual's
Footer mounts a widget per key and re-composes on every focus change, which cost
~0.2 s per Tab here. The hints are clickable (they simulate the key).

A focused widget with its own KEY_HINTS, ((key, shown as, description), ...), gets
those instead (the filter box: Enter and Esc). While a dialog is open above the screen,
the line shows the dialog's keys, not the screen's and the app's, which do nothing there.
"""

from __future__ import annotations

from textual.content import Content
from textual.style import Style
from textual.widgets import Static


class KeyHints(Static):
    COMPONENT_CLASSES = {"key-hints--key", "key-hints--description"}

    DEFAULT_CSS = """
    KeyHints {
        width: 1fr;
        height: 1;
        background: $footer-background;
        color: $footer-foreground;
    }
    KeyHints > .key-hints--key { color: $footer-key-foreground; text-style: bold; }
    KeyHints > .key-hints--description { color: $footer-description-foreground; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(markup=False, **kwargs)
        self._built: dict[tuple, Content] = {}
        self._shown: Content | None = None

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)
        self.app.screen_change_signal.subscribe(self, self._bindings_changed)
        self.update_hints()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)
        self.app.screen_change_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        if self.is_attached:
            self.update_hints()

    def update_hints(self) -> None:
        screen, top = self.screen, self.app.screen
        own = getattr(screen.focused, "KEY_HINTS", None)
        if top is not screen:  # a dialog above: its keys (the app's do nothing there)
            hints = self._hints_of(top, lambda node: node is not self.app)
            palette = False
        elif own:
            hints = tuple(own)
            palette = False
        else:
            hints = self._hints_of(screen, lambda node: True)
            palette = True
        # Focus moves between a few panes, each with its own keys: the line of each is
        # built once (2-5 ms, in the frame of every / and Enter of a search).
        cache_key = (
            hints,
            palette,
            self.get_component_rich_style("key-hints--key"),
            self.get_component_rich_style("key-hints--description"),
        )
        content = self._built.get(cache_key)
        if content is None:
            if len(self._built) > 32:
                self._built.clear()
            content = self._built[cache_key] = self._build(hints, palette)
        if content is not self._shown:
            self._shown = content
            self.update(content, layout=False)  # always one line, 1fr wide

    def _hints_of(self, screen, wanted) -> tuple[tuple[str, str, str], ...]:
        """(key, shown as, description) of the keys `screen` shows, from nodes `wanted`."""
        shown: dict[str, tuple[str, object]] = {}
        for key, (node, binding, _enabled, _tooltip) in screen.active_bindings.items():
            if (
                binding.show
                and binding.description
                and binding.action not in shown
                and wanted(node)
            ):
                shown[binding.action] = (key, binding)
        # Help first: on a narrow terminal the line is cut at the right.
        order = sorted(shown.values(), key=lambda kb: kb[1].action != "help")
        return tuple((key, self.app.get_key_display(b), b.description) for key, b in order)

    def _build(self, hints: tuple[tuple[str, str, str], ...], palette: bool) -> Content:
        key_style = Style.from_rich_style(self.get_component_rich_style("key-hints--key"))
        desc_style = Style.from_rich_style(self.get_component_rich_style("key-hints--description"))
        parts: list = []
        for key, display, description in hints:
            click = Style.from_meta({"@click": f"app.simulate_key({key!r})"})
            parts += [
                (f" {display}", key_style + click),
                (f" {description} ", desc_style + click),
            ]
        if palette:
            parts += [
                (" ^p", key_style + Style.from_meta({"@click": "app.command_palette"})),
                (" Commands ", desc_style),
            ]
        return Content.assemble(*parts)
