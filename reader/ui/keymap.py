"""The keymap: user key names as the README writes them, and the [keys] section of
config.toml checked against the bindings (unknown ids, keys two actions would share).
The screens and widgets are imported where used: not before the first frame."""

from __future__ import annotations

from textual.binding import Binding
from textual.keys import format_key


def key_label(key: str) -> str:
    """A bound key as the README writes it: "q", "Ctrl+Q", "?"."""
    *modifiers, name = key.split("+")
    name = format_key(name)
    if modifiers and len(name) == 1:
        name = name.upper()
    return "+".join([*(m.capitalize() for m in modifiers), name])


def keymap_clashes(keymap: dict[str, str], app_class: type) -> list[str]:
    """The keys `keymap` gives an action that another action of the main screen keeps
    ("space for next_unread is also page_down's key"): Textual runs the binding nearest
    the focus, so one of the two silently does nothing. Keys shared in the defaults (the
    list's and the sidebar's j) are not clashes: they are the same action."""
    from .screens.main import MainScreen
    from .widgets.article_view import ArticleView
    from .widgets.headline_list import HeadlineList
    from .widgets.line_list import LineList
    from .widgets.sidebar import Sidebar

    def split(keys: str) -> set[str]:
        return {k.strip() for k in keys.split(",") if k.strip()}

    final: dict[str, set[str]] = {}
    for cls in (app_class, MainScreen, LineList, HeadlineList, Sidebar, ArticleView):
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                final.setdefault(binding.id, set()).update(split(binding.key))
    defaults = {bid: set(keys) for bid, keys in final.items()}
    final.update({bid: split(keys) for bid, keys in keymap.items() if bid in final})
    out = []
    for bid, keys in keymap.items():
        for key in sorted(split(keys) - defaults.get(bid, set())):
            others = sorted(o for o, ks in final.items() if o != bid and key in ks)
            if others:
                out.append(f"{key} for {bid} is also the key of {', '.join(others)}")
    return out


def binding_ids(app_class: type) -> set[str]:
    """Every binding id a user can remap in config.toml [keys]."""
    from .screens.feed_forms import AddFeedDialog, FeedPrompt
    from .screens.feeds_view import FeedsScreen
    from .screens.help import HelpScreen
    from .screens.main import MainScreen
    from .screens.pickers import Confirm, NamePrompt, TagPicker
    from .screens.welcome import WelcomeScreen
    from .widgets.article_view import ArticleView
    from .widgets.headline_list import HeadlineList
    from .widgets.line_list import LineList
    from .widgets.sidebar import Sidebar

    ids: set[str] = set()
    for cls in (
        app_class,
        MainScreen,
        LineList,
        HeadlineList,
        Sidebar,
        ArticleView,
        HelpScreen,
        TagPicker,
        NamePrompt,
        Confirm,
        WelcomeScreen,
        FeedsScreen,
        AddFeedDialog,
        FeedPrompt,
    ):
        for binding in cls.BINDINGS:
            if isinstance(binding, Binding) and binding.id:
                ids.add(binding.id)
    return ids
