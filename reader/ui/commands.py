"""Command palette: every bound action (adding, removing, renaming, tagging feeds and
importing OPML among them), "go to feed" (and remove, rename, tag, refresh) for each
subscription, and "show"/"delete" for each saved filter.

Feed titles are untrusted, so their hits are built as Content (Matcher.highlight
would parse them as markup) and the help text never contains feed data.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.content import Content

from reader.core.models import Feed
from reader.core.sanitize import clean_line


class FeedCommands(Provider):
    """ "Go to feed: X" for each feed; typing finds the rest too: remove, rename, tag,
    edit the settings of or refresh that feed (FeedActions asks first where it should)."""

    def _feeds(self) -> list[Feed]:
        return self.app.main.catalogue.feeds  # (as of the last count: no SQL on the event loop)

    def _go(self, feed: Feed) -> None:
        self.app.go_to_feed(feed.id)

    def _commands(self, feed: Feed) -> list[tuple[str, object, str]]:
        name = clean_line(feed.display_title)
        run = self.app.main.feed_actions.run
        return [
            (f"Go to feed: {name}", partial(self._go, feed), "Show this feed's articles"),
            (f"Remove feed: {name}", partial(run, "remove", feed), "Unsubscribe (asks first)"),
            (f"Rename feed: {name}", partial(run, "rename", feed), "Give it your own title"),
            (f"Tag or untag feed: {name}", partial(run, "tags", feed), "Edit its tags"),
            (
                f"Settings of feed: {name}",
                partial(run, "settings", feed),
                "full_text, refresh_every, keep, user_agent",
            ),
            (
                f"Refresh feed: {name}",
                partial(self.app.start_refresh, [feed.id]),
                "Fetch it now",
            ),
        ]

    async def discover(self) -> Hits:
        for feed in self._feeds():
            text = f"Go to feed: {clean_line(feed.display_title)}"
            yield DiscoveryHit(
                Content(text), partial(self._go, feed), text=text, help="Show this feed's articles"
            )

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for feed in self._feeds():
            for text, callback, help_text in self._commands(feed):
                score = matcher.match(text)
                if score > 0:
                    yield Hit(score, Content(text), callback, text=text, help=help_text)


class SavedFilterCommands(Provider):
    def _commands(self) -> list[tuple[str, object, str]]:
        main = self.app.main
        out = []
        for name in main.catalogue.saved_filters:
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
    """(title, help, callback) for each described binding of the app and the main panes
    that can run now: not those of a hidden pane (the article when none is open), nor
    those the pane's check_action turns off (Delete filter off a saved filter). A title
    that two panes share says whose it is ("Bottom (Article)")."""
    from textual.actions import parse

    seen: set[tuple[int, str]] = set()
    found = []
    for node, binding in app.command_bindings(screen):
        if not binding.description or (id(node), binding.action) in seen:
            continue
        seen.add((id(node), binding.action))
        if not getattr(node, "display", True):
            continue
        _, name, params = parse(binding.action)
        if not node.check_action(name, params):
            continue
        found.append((node, binding))
    shared = Counter(binding.description for _, binding in found)
    titles: set[str] = set()
    for node, binding in found:
        title = binding.description
        if shared[title] > 1:
            title = f"{title} ({getattr(node, 'HELP_TITLE', type(node).__name__)})"
        if title in titles:
            continue  # (the same action reached twice: the screen's, and the app's)
        titles.add(title)
        keys = app.get_key_display(binding)
        yield title, f"Key: {keys}", partial(node.run_action, binding.action)
