"""Library's OPML and subscription-list methods (a part of Library, kept apart for its
size): `reader import`, `reader export` and the TUI's import. Nothing is fetched here:
the next refresh fetches what was subscribed."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import InvalidURL, OPMLError

if TYPE_CHECKING:
    from collections.abc import Iterable

    from .models import Feed
    from .storage.store import Store


@dataclass
class ImportReport:
    added: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)  # already subscribed: tags merged
    problems: list[str] = field(default_factory=list)  # the first 100, then a count
    skipped: int = 0  # all outlines skipped, however many problems are listed
    saved_filters: list[str] = field(default_factory=list)  # names (newsboat query feeds)


class OpmlMethods:
    store: Store

    def subscribe(self, url: str, title: str = "", tags: Iterable[str] = (), link: str = "",
                  user_title: str = "", local: bool = False) -> tuple[Feed, bool]: ...  # (Library's)

    def set_feed_settings(self, ref: str | int,
                          changes: dict[str, str] | Iterable[str]) -> Feed: ...  # (Library's)

    def save_filter(self, name: str, query: str) -> None: ...  # (Library's)

    # -- OPML --------------------------------------------------------------------------------

    def export_opml(self) -> str:
        from .feed_settings import as_pairs
        from .opml import OPMLFeed, write_opml

        # Feed.title is the user's title when there is one: the export needs both apart,
        # so that an import gives the user's title back and a refresh does not replace it.
        titles = self.store.own_and_user_titles()
        return write_opml(
            OPMLFeed(url=f.url, title=titles[f.id][0], tags=list(f.tags), site_url=f.link,
                     user_title=titles[f.id][1] or "", settings=as_pairs(f.settings))
            for f in self.store.feeds(with_counts=False)
        )

    def export_opml_file(self, path: str | Path) -> int:
        """Write export_opml() to `path`; returns how many feeds it holds."""
        from .opml import write_opml_file

        text = self.export_opml()
        # Beside `path`, then renamed over it: a failed export leaves the old file whole.
        # (OPMLError when `path` is this database or one of the files beside it.)
        write_opml_file(path, text, database=self.store.path)
        return len(self.store.feeds(with_counts=False))

    def import_opml(self, data: bytes | str) -> ImportReport:
        """Subscribe to every feed in an OPML file (no fetching: the next refresh fetches them)."""
        from .feed_settings import as_pairs
        from .opml import cap_problems, parse_opml

        feeds, problems = parse_opml(data, max_problems=None)
        report = ImportReport(problems=list(problems))
        for item in feeds:
            try:
                feed, created = self.subscribe(item.url, item.title, item.tags, link=item.site_url,
                                               user_title=item.user_title)
            except InvalidURL as exc:
                name = item.user_title or item.title or item.url
                report.problems.append(f"skipped '{name}': {exc}")
                continue
            (report.added if created else report.updated).append(feed.url)
            # The file's settings, but never over one the feed has of its own already.
            own = as_pairs(feed.settings)
            if item.settings.keys() - own.keys():
                self.set_feed_settings(feed.id, {**item.settings, **own})
        report.skipped = len(report.problems)
        report.problems = cap_problems(report.problems + [n for f in feeds for n in f.notes])
        return report

    def import_subscriptions(self, data: bytes | str) -> ImportReport:
        """import_opml for an OPML file; a newsboat `urls` file's feeds and (as saved
        filters) the query feeds whose filter maps; OPMLError saying how to convert
        anything else."""
        from .newsboat_urls import CONVERT_HINT, looks_like_urls_file, parse_urls

        text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
        if text.lstrip("\ufeff \t\r\n").startswith("<"):
            return self.import_opml(data)
        if not looks_like_urls_file(text):
            try:
                return self.import_opml(data)
            except OPMLError as exc:
                raise OPMLError(f"{exc}; not a newsboat urls file either: {CONVERT_HINT}"
                                ) from None
        parsed = parse_urls(text)
        report = ImportReport(problems=list(parsed.skipped))
        for item in parsed.feeds:
            try:
                feed, created = self.subscribe(item.url, tags=item.tags, user_title=item.title)
            except InvalidURL as exc:
                report.problems.append(f"skipped '{item.url}': {exc}")
                continue
            (report.added if created else report.updated).append(feed.url)
        for name, query in parsed.filters:
            self.save_filter(name, query)
            report.saved_filters.append(name)
        report.skipped = len(report.problems)
        return report
