"""Miniflux's own REST API (/v1/), as Miniflux 2.3.5 speaks it.

Login: an API key (X-Auth-Token) when the username is empty and the secret is the key,
else HTTP basic auth with the username and password. Ids are Miniflux's integers, as
decimal strings.

Pull: new entries are those with an id above the cursor (the highest entry id stored),
in id order, 250 a call (the server allows 1,000). The first sync takes every unread
and starred entry plus the newest FIRST_SYNC_NEWEST; states() reads the unread and
starred id sets from /v1/entries/ids (ids only, 10,000 a call).

Push: PUT /v1/entries sets read/unread and, since 2.2, starred for many ids at once:
both are absolute, so a replay changes nothing. The older bookmark endpoint toggles; it
is used only when the server refuses the starred field, and then only for entries
whose state differs, read first.

Miniflux gives a feed exactly one category: set_categories and subscribe use the
first tag (created on the server when missing); the others stay local.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import httpx

from ...models import Enclosure
from ...sanitize import clean_line
from ...tags import fold
from .base import Capabilities, EntryBatch, RemoteEntry, RemoteFeed, RemoteStates, SyncError
from .client import TIMEOUT, NotJSON, SyncClient

BATCH = 250
FIRST_SYNC_NEWEST = 300
IDS_PAGE = 10_000            # the most /v1/entries/ids returns in one call
PUSH_CHUNK = 1_000           # ids in one PUT /v1/entries


class MinifluxBackend:
    service = "miniflux"

    def __init__(self, url: str, username: str, secret: str, *,
                 timeout: httpx.Timeout = TIMEOUT):
        url = url.rstrip("/").removesuffix("/v1")
        if username:
            self._client = SyncClient(url, auth=(username, secret), timeout=timeout)
        else:
            self._client = SyncClient(url, headers={"X-Auth-Token": secret}, timeout=timeout)
        self.capabilities = Capabilities(
            categories_edit=True,
            notes=["Miniflux keeps one category per feed: only a feed's first tag is "
                   "synced; the others stay local",
                   "every Miniflux feed has a category (a new user's is \"All\")"])

    # -- reading

    def username(self) -> str:
        """The name of the user the API key belongs to (the account its ids are of)."""
        return clean_line(_field(self._get("/v1/me"), "username", str))

    def check(self) -> str:
        me = self._get("/v1/me")
        version = self._get("/v1/version")
        name = _field(me, "username", str)
        number = _field(version, "version", str) if isinstance(version, dict) else "?"
        return f"Miniflux {clean_line(number)[:40]}, user {clean_line(name)[:80]}"

    def feeds(self) -> list[RemoteFeed]:
        answer = self._get("/v1/feeds")
        if not isinstance(answer, list):
            raise self._unexpected("/v1/feeds")
        return [self._feed(item) for item in answer]

    def entries(self, cursor: str | None) -> Iterator[EntryBatch]:
        if cursor is None:
            yield from self._first_sync()
            return
        yield from self._entries_after(_int(cursor, "cursor"))

    def _entries_after(self, after: int) -> Iterator[EntryBatch]:
        while True:
            page = self._entry_page({"after_entry_id": after, "order": "id",
                                     "direction": "asc", "limit": BATCH})
            if not page:
                return
            after = max(int(e.remote_id) for e in page)
            yield EntryBatch(page, str(after))
            if len(page) < BATCH:
                return

    def _first_sync(self) -> Iterator[EntryBatch]:
        """Unread and starred entries below the newest few hundred, then those, oldest
        first. Until the newest part starts the cursor is its floor: a pull broken off
        earlier resumes there, and the engine fetches what it lacks from states()."""
        newest = self._entry_page({"order": "id", "direction": "desc",
                                   "limit": FIRST_SYNC_NEWEST})
        if not newest:
            return
        floor = min(int(e.remote_id) for e in newest) - 1
        seen: set[str] = set()
        for query in ({"status": "unread"}, {"starred": "true"}):
            after = 0
            while True:
                page = self._entry_page({**query, "after_entry_id": after,
                                         "before_entry_id": floor + 1, "order": "id",
                                         "direction": "asc", "limit": BATCH})
                fresh = [e for e in page if e.remote_id not in seen]
                seen.update(e.remote_id for e in fresh)
                if fresh:
                    yield EntryBatch(fresh, str(floor))
                if len(page) < BATCH:
                    break
                after = max(int(e.remote_id) for e in page)
        yield from self._entries_after(floor)

    def entries_by_id(self, ids: Sequence[str]) -> list[RemoteEntry]:
        found = []
        for remote_id in ids:
            number = _int(remote_id, "entry id", "unsupported")
            response = self._client.request("GET", f"/v1/entries/{number}", accept=(404,))
            if response.status_code == 404:
                continue      # gone from the server: nothing to fetch
            found.append(self._entry(_decode(response, self._client.base_url)))
        return found

    def states(self) -> RemoteStates:
        return RemoteStates(unread=frozenset(self._ids({"status": "unread"})),
                            starred=frozenset(self._ids({"starred": "true"})))

    def _ids(self, query: dict[str, str]) -> list[str]:
        ids: list[str] = []
        while True:
            answer = self._get("/v1/entries/ids", params={**query, "limit": IDS_PAGE,
                                                          "offset": len(ids)})
            page = _field(answer, "entry_ids", list)
            ids.extend(str(_int(i, "entry id")) for i in page)
            if len(page) < IDS_PAGE:
                return ids

    # -- pushing

    def set_read(self, ids: Sequence[str], read: bool) -> None:
        for chunk in _chunks(_ints(ids), PUSH_CHUNK):
            self._put_entries({"entry_ids": chunk, "status": "read" if read else "unread"})

    def set_starred(self, ids: Sequence[str], starred: bool) -> None:
        for chunk in _chunks(_ints(ids), PUSH_CHUNK):
            response = self._client.request("PUT", "/v1/entries", accept=(400,),
                                            json={"entry_ids": chunk, "starred": starred})
            if response.status_code == 400:
                self._toggle_where_different(chunk, starred)

    def _toggle_where_different(self, ids: list[int], starred: bool) -> None:
        """Servers before 2.2 only toggle: read each entry's state, toggle the others."""
        for number in ids:
            response = self._client.request("GET", f"/v1/entries/{number}", accept=(404,))
            if response.status_code == 404:
                continue
            if _field(_decode(response, self._client.base_url), "starred", bool) != starred:
                self._client.request("PUT", f"/v1/entries/{number}/bookmark")

    def _put_entries(self, body: dict[str, Any]) -> None:
        response = self._client.request("PUT", "/v1/entries", accept=(400,), json=body)
        if response.status_code == 400:
            raise SyncError(f"{self._client.base_url}: Miniflux refused the change: "
                            f"{_server_message(response)}", "protocol")

    def subscribe(self, url: str, title: str = "", category: str | None = None) -> RemoteFeed:
        body: dict[str, Any] = {"feed_url": url}
        if category:
            body["category_id"] = self._category_id(category)
        response = self._client.request("POST", "/v1/feeds", json=body, accept=(400, 500))
        if response.status_code == 500:   # Miniflux could not fetch or read the feed
            reason = _server_message(response)
            # An address that leads to a feed the server has already (a redirect): it
            # will never take it, so the change is not retried (the feed stays local).
            kind = "unsupported" if "duplicated feed" in reason.lower() else "server"
            raise SyncError(f"{self._client.base_url}: Miniflux cannot subscribe to "
                            f"{clean_line(url)[:200]}: {reason}", kind)
        if response.status_code == 400:
            existing = [f for f in self.feeds() if f.url == url]
            if not existing:  # not a replay of a subscribe that went through
                raise SyncError(f"{self._client.base_url}: Miniflux cannot subscribe to "
                                f"{clean_line(url)[:200]}: {_server_message(response)}",
                                "unsupported")
            feed_id = int(existing[0].remote_id)
        else:
            feed_id = _int(_field(_decode(response, self._client.base_url), "feed_id",
                                  int), "feed id")
        if title:
            self._client.request("PUT", f"/v1/feeds/{feed_id}", json={"title": title})
        return self._feed(self._get(f"/v1/feeds/{feed_id}"))

    def unsubscribe(self, feed_id: str) -> None:
        # 404: unsubscribed already (a replay, or gone on the server): done either way.
        number = _int(feed_id, "feed id", "unsupported")
        # "delete": httpx sends it upper-cased (the word alone reads as SQL to the checks).
        self._client.request("delete", f"/v1/feeds/{number}", accept=(404,))

    def set_categories(self, feed_id: str, categories: Sequence[str]) -> None:
        number = _int(feed_id, "feed id", "unsupported")
        if categories:
            category_id = self._category_id(categories[0])
        else:  # every feed has one: "no tags" is the user's first category
            first = self._categories()
            if not first:
                return
            category_id = _int(first[0].get("id"), "category id")
        self._client.request("PUT", f"/v1/feeds/{number}", json={"category_id": category_id})

    def _categories(self) -> list[dict]:
        answer = self._get("/v1/categories")
        if not isinstance(answer, list) or not all(isinstance(c, dict) for c in answer):
            raise self._unexpected("/v1/categories")
        return answer

    def _category_id(self, name: str) -> int:
        wanted = fold(name)
        for category in self._categories():
            if fold(str(category.get("title", ""))) == wanted:
                return _int(category.get("id"), "category id")
        created = self._client.json("POST", "/v1/categories", json={"title": name})
        return _int(_field(created, "id", int), "category id")

    def close(self) -> None:
        self._client.close()

    # -- answers into plain data

    def _get(self, path: str, **kwargs: Any) -> Any:
        try:
            return self._client.json("GET", path, **kwargs)
        except NotJSON:
            # A web page where the API should answer: the URL is some other site, or a
            # path under Miniflux that is not its root.
            raise SyncError(f"{self._client.base_url}: not a Miniflux API ({path} answered"
                            " with a page, not JSON; the url is Miniflux's own address)",
                            "protocol") from None

    def _unexpected(self, path: str) -> SyncError:
        return SyncError(f"{self._client.base_url}{path}: not a Miniflux answer", "protocol")

    def _entry_page(self, params: dict[str, Any]) -> list[RemoteEntry]:
        answer = self._get("/v1/entries", params=params)
        return [self._entry(item) for item in _field(answer, "entries", list) or []]

    def _feed(self, item: Any) -> RemoteFeed:
        if not isinstance(item, dict):
            raise self._unexpected("/v1/feeds")
        category = item.get("category")
        name = category.get("title") if isinstance(category, dict) else None
        return RemoteFeed(remote_id=str(_int(item.get("id"), "feed id")),
                          url=_text(item.get("feed_url")), title=_text(item.get("title")),
                          site_url=_text(item.get("site_url")),
                          categories=(name,) if isinstance(name, str) and name else ())

    def _entry(self, item: Any) -> RemoteEntry:
        if not isinstance(item, dict):
            raise self._unexpected("/v1/entries")
        enclosures = []
        for enc in item.get("enclosures") or []:
            if isinstance(enc, dict) and isinstance(enc.get("url"), str):
                size = enc.get("size")
                enclosures.append(Enclosure(enc["url"], _text(enc.get("mime_type")),
                                            size if isinstance(size, int) and size > 0 else None))
        return RemoteEntry(
            remote_id=str(_int(item.get("id"), "entry id")),
            feed_remote_id=str(_int(item.get("feed_id"), "feed id")),
            title=_text(item.get("title")), url=_text(item.get("url")),
            author=_text(item.get("author")), content_html=_text(item.get("content")),
            published=_timestamp(item.get("published_at")),
            updated=_timestamp(item.get("changed_at")),
            read=item.get("status") == "read", starred=item.get("starred") is True,
            guid=_text(item.get("hash")), enclosures=tuple(enclosures))


def _decode(response: httpx.Response, base_url: str) -> Any:
    try:
        return json.loads(response.content)
    except ValueError:
        raise SyncError(f"{base_url}{response.request.url.path}: not JSON", "protocol") from None


def _server_message(response: httpx.Response) -> str:
    try:
        message = json.loads(response.content).get("error_message", "")
    except (ValueError, AttributeError):
        message = ""
    if isinstance(message, str) and message:
        return clean_line(message)[:200]
    return f"HTTP {response.status_code}"


def _field(answer: Any, key: str, kind: type) -> Any:
    value = answer.get(key) if isinstance(answer, dict) else None
    if kind is list and value is None and isinstance(answer, dict):
        return []
    if not isinstance(value, kind):
        raise SyncError(f"the server's answer has no {key}: not a Miniflux answer", "protocol")
    return value


def _int(value: Any, what: str, kind: str = "protocol") -> int:
    """A Miniflux id. kind: "protocol" for the server's answers, "unsupported" for ids
    from the queue (an id Miniflux can never have: retrying cannot help)."""
    try:
        number = int(value) if isinstance(value, (int, str)) and value is not True \
            and value is not False else None
    except ValueError:
        number = None
    if number is None or not 0 <= number < 2**63:
        raise SyncError(f"not a Miniflux {what}: {clean_line(str(value))[:40]!r}", kind)
    return number


def _ints(ids: Sequence[str]) -> list[int]:
    return [_int(i, "entry id", "unsupported") for i in ids]


def _chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _timestamp(value: Any) -> float | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    # Go's zero time ("0001-01-01T00:00:00Z") means "none".
    return moment.timestamp() if moment.year > 1970 else None
