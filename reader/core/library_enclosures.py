"""Library's enclosure methods (a part of Library, kept apart for its size): what the
CLI and the TUI call to pick, play and download an article's enclosures. The rules
(argument lists, never a shell; safe file names; caps) are enclosures.py's."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import ReaderError
from .models import Article, Enclosure

if TYPE_CHECKING:
    from .config import Config
    from .ingest.fetch import FetchSettings


class EnclosureMethods:
    config: Config
    fetch_settings: FetchSettings
    article: Callable[[int], Article]  # Library's

    # -- enclosures --------------------------------------------------------------------------

    def enclosure(self, article_id: int, number: int = 1) -> Enclosure:
        """The article's `number`th enclosure (1-based, as `reader enclosures` numbers them)."""
        found = self.article(article_id).enclosures
        if not found:
            raise ReaderError(f"article {article_id} has no enclosures")
        if not 1 <= number <= len(found):
            raise ReaderError(f"article {article_id} has {len(found)} enclosure"
                              f"{'s' if len(found) > 1 else ''}: give a number from 1 to"
                              f" {len(found)}")
        return found[number - 1]

    def player_command(self, enclosure: Enclosure) -> list[str]:
        """config [enclosures] player for this enclosure, as an argument list (no shell);
        ReaderError when the URL is not http(s) or the player is not installed."""
        from .enclosures import player_argv, require_player

        return require_player(player_argv(self.config.player, enclosure.url))

    def run_player(self, argv: list[str]) -> int:
        """Run player_command's argv on this terminal and wait; its exit status."""
        from .enclosures import run_player

        return run_player(argv)

    def download_enclosure(self, enclosure: Enclosure,
                           progress: Callable[[int, int | None], None] | None = None) -> Path:
        """Download into config [enclosures] download_dir; the new file (never replaces one)."""
        from .enclosures import download

        return download(enclosure.url, self.config.download_dir, self.fetch_settings,
                        int(self.config.max_download_mb * 1024 * 1024), progress)
