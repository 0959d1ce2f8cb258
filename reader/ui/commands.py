"""Command palette: every bound action, "go to feed" for each subscription, and
"show"/"delete" for each saved filter.

Feed titles are untrusted, so their hits are built as Content (Matcher.highlight
would parse them as markup) and the help text never contains feed data.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from reader.core.models import Feed
from reader.core.sanitize import clean_line


class FeedCommands(Provider):
    def _feeds(self) -> list[Feed]:
        return self.app.library.feeds()

    def _go(self, feed: Feed) -> None:
        self.app.go_to_feed(feed.id)

    async def discover(self) -> Hits:
        for feed in self._feeds():
            text = f"Go to feed: {clean_line(feed.display_title)}"
            yield DiscoveryHit(
                Content(text), partial(self._go, feed), text=text, help="Show this feed's articles"
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for feed in self._feeds():
            text = f"Go to feed: {clean_line(feed.display_title)}"
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    Content(text),
                    partial(self._go, feed),
                    text=text,
                    help="Show this feed's articles",
                )


class SavedFilterCommands(Provider):
    def _commands(self) -> list[tuple[str, object, str]]:
        main = self.app.main
        out = []
        for name in self.app.library.saved_filters():
            shown = clean_line(name)
            out.append((f"Saved filter: {shown}", partial(main.show_saved_filter, name), "Show it"))
            out.append(
                (
                    f"Delete saved filter: {shown}",
                    partial(main.confirm_delete_filter, name),
                    "Asks first",
                )
            )
        return out

    async def discover(self) -> Hits:
        for text, callback, help_text in self._commands():
            yield DiscoveryHit(Content(text), callback, text=text, help=help_text)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for text, callback, help_text in self._commands():
            score = matcher.match(text)
            if score > 0:
                yield Hit(score, Content(text), callback, text=text, help=help_text)


def binding_commands(app, screen) -> Iterable[tuple[str, str, object]]:
    """(title, help, callback) for each described binding of the app and the main panes."""
    seen: set[str] = set()
    for node, binding in app.command_bindings(screen):
        if not binding.description or binding.action in seen:
            continue
        seen.add(binding.action)
        keys = app.get_key_display(binding)
        yield binding.description, f"Key: {keys}", partial(node.run_action, binding.action)
