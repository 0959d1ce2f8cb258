"""The footer line: key hints generated from the live bindings, and fetch progress.

One Static rebuilt from `screen.active_bindings` whenever they change: Textual's
Footer mounts a widget per key and re-composes on every focus change, which cost
~0.2 s per Tab here. The hints are clickable (they simulate the key).
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
        self.update_hints()

    def on_unmount(self) -> None:
        self.screen.bindings_updated_signal.unsubscribe(self)

    def _bindings_changed(self, _screen) -> None:
        if self.is_attached:
            self.update_hints()

    def update_hints(self) -> None:
        shown: dict[str, tuple[str, object]] = {}
        for key, (_node, binding, _enabled, _tooltip) in self.screen.active_bindings.items():
            if binding.show and binding.description and binding.action not in shown:
                shown[binding.action] = (key, binding)
        # Help first: on a narrow terminal the line is cut at the right.
        order = sorted(shown.values(), key=lambda kb: kb[1].action != "help")
        # Focus moves between a few panes, each with its own keys: the line of each is
        # built once (2-5 ms, in the frame of every / and Enter of a search).
        cache_key = (
            tuple((key, self.app.get_key_display(b), b.description) for key, b in order),
            self.get_component_rich_style("key-hints--key"),
            self.get_component_rich_style("key-hints--description"),
        )
        content = self._built.get(cache_key)
        if content is None:
            if len(self._built) > 32:
                self._built.clear()
            content = self._built[cache_key] = self._build(order)
        if content is not self._shown:
            self._shown = content
            self.update(content, layout=False)  # always one line, 1fr wide

    def _build(self, order: list) -> Content:
        key_style = Style.from_rich_style(self.get_component_rich_style("key-hints--key"))
        desc_style = Style.from_rich_style(self.get_component_rich_style("key-hints--description"))
        parts: list = []
        for key, binding in order:
            click = Style.from_meta({"@click": f"app.simulate_key({key!r})"})
            parts += [
                (f" {self.app.get_key_display(binding)}", key_style + click),
                (f" {binding.description} ", desc_style + click),
            ]
        parts += [
            (" ^p", key_style + Style.from_meta({"@click": "app.command_palette"})),
            (" Commands ", desc_style),
        ]
        return Content.assemble(*parts)
