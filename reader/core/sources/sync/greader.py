"""The Google Reader API (Miniflux /reader/api/0, FreshRSS /api/greader.php, and others).

The url is the service's API root (…/reader/api/0 may be included or not): ClientLogin
lives beside reader/api/0. GET calls carry "Authorization: GoogleLogin auth=…", POST
calls the T token in the form body (Miniflux reads edit-tag's a/r from the body only).
A 401 on a live session logs in again once, then gives up with one line.

Item ids come in two spellings: decimal ("12345", what stream/items/ids returns) and
long hex ("tag:google.com,2005:reader/item/0000000000003039", what contents returns).
Ours are decimal strings, always; the server is sent the long form, which every
implementation accepts. Ids grow as entries arrive (Miniflux: its row ids; FreshRSS:
microsecond crawl times), so the cursor is the highest id stored. The id lists are
sorted by publication date, not by id, so an incremental pull reads the whole
reading-list id list (10,000 ids a call, ids only) and keeps those above the cursor.

Known differences between servers (this module is tested against Miniflux 2.3.5):
- Miniflux implements a subset: no stream/contents (its catch-all answers `[]` with 200,
  so clients that read the reading list that way see nothing: miniflux#2129, #1548);
  this module uses only stream/items/ids + stream/items/contents, which both servers
  have. One folder per feed (subscription/edit `r=` does nothing, `a=` moves the feed);
  `continuation` is a numeric offset; quickadd answers 500 for a feed that exists or
  cannot be fetched (hence the subscription list is read first); the API has its own
  username and password (Settings, Integrations), not the account's.
- FreshRSS (/api/greader.php): the API password is separate from the login password;
  labels are many per feed and `r=` removes one; items carry labels of their own
  (tag/list type "tag", beside "folder"); continuation is an opaque string;
  ids are microsecond timestamps; quickadd answers {"numResults": 0} for a page without
  a feed. (newsboat#2018, cited in issue 12, was not checked here.)
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from dataclasses import replace
from typing import Any
from urllib.parse import urlencode

import httpx

from ...models import Enclosure
from ...sanitize import clean_line
from .base import (Capabilities, EntryBatch, RemoteEntry, RemoteFeed, RemoteMarks,
                   RemoteStates, SyncError)
from .client import TIMEOUT, SyncClient

API = "/reader/api/0"
LONG_PREFIX = "tag:google.com,2005:reader/item/"
READ = "user/-/state/com.google/read"
STARRED = "user/-/state/com.google/starred"
READING_LIST = "user/-/state/com.google/reading-list"
CONTENTS_BATCH = 250         # ids in one stream/items/contents call
EDIT_BATCH = 250             # ids in one edit-tag call
IDS_PAGE = 10_000
FIRST_SYNC_NEWEST = 300


def short_id(value: Any) -> str:
    """An item id in either spelling -> its decimal string; SyncError when neither."""
    text = str(value).strip() if isinstance(value, (str, int)) else ""
    try:
        if text.startswith(LONG_PREFIX):
            number = int(text[len(LONG_PREFIX):], 16)
        else:
            number = int(text, 10)
    except ValueError:
        raise SyncError(f"not a Google Reader item id: {clean_line(text)[:60]!r}",
                        "protocol") from None
    if number < 0:            # Google's own ids were signed 64-bit numbers
        number += 1 << 64
    if not 0 <= number < 1 << 64:
        raise SyncError(f"not a Google Reader item id: {number}", "protocol")
    return str(number)


def long_id(value: str) -> str:
    return f"{LONG_PREFIX}{int(short_id(value)):016x}"


class GReaderBackend:
    service = "greader"

    def __init__(self, url: str, username: str, secret: str, *,
                 timeout: httpx.Timeout = TIMEOUT):
        root = url.rstrip("/").removesuffix(API)
        self._client = SyncClient(root, timeout=timeout)
        self._username, self._secret = username, secret
        self._auth: str | None = None
        self._token: str | None = None
        self.capabilities = Capabilities(
            categories_edit=True, labels=True,
            notes=["Google Reader API: folders become tags; Miniflux keeps one folder "
                   "per feed, FreshRSS many"])

    # -- the session

    def _login(self) -> str:
        response = self._client.request("POST", "/accounts/ClientLogin", data={
            "Email": self._username, "Passwd": self._secret})
        for line in response.text.splitlines():
            if line.startswith("Auth="):
                self._auth = line[len("Auth="):].strip()
                return self._auth
        raise SyncError(f"{self._client.base_url}: ClientLogin gave no Auth token: "
                        "not a Google Reader API", "protocol")

    def _call(self, method: str, path: str, *, params: Any = None,
              data: Any = None, accept: tuple[int, ...] = ()) -> httpx.Response:
        for attempt in (1, 2):
            fresh = self._auth is None
            auth = self._auth or self._login()
            headers = {"Authorization": f"GoogleLogin auth={auth}"}
            if method == "POST":
                if self._token is None:
                    self._token = self._client.request(
                        "GET", f"{API}/token", headers=headers).text.strip()
                data = [*(data or []), ("T", self._token)]
            body = None
            if data is not None:   # repeated keys (i=…&i=…): encoded here, in order
                body = urlencode(data).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
            try:
                return self._client.request(method, API + path, params=params, content=body,
                                            headers=headers, accept=accept)
            except SyncError as exc:
                if exc.kind != "auth" or fresh or attempt == 2:
                    raise
                # The session expired: log in again once.
                self._auth = self._token = None
                if data:
                    data = [pair for pair in data if pair[0] != "T"]
        raise AssertionError("unreachable")

    def _json(self, path: str, params: Any = None, data: Any = None) -> Any:
        method = "GET" if data is None else "POST"
        response = self._call(method, path, params=params, data=data)
        try:
            return json.loads(response.content)
        except ValueError:
            raise SyncError(f"{self._client.base_url}{API}{path}: not JSON", "protocol") from None

    def _ok(self, path: str, data: list[tuple[str, str]]) -> None:
        answer = self._call("POST", path, data=data).text.strip()
        if answer != "OK":
            raise SyncError(f"{self._client.base_url}{API}{path}: the server said "
                            f"{clean_line(answer)[:120]!r}, not OK", "protocol")

    # -- reading

    def check(self) -> str:
        info = self._json("/user-info")
        name = info.get("userName") if isinstance(info, dict) else None
        if not isinstance(name, str):
            raise SyncError(f"{self._client.base_url}: not a Google Reader API", "protocol")
        return f"Google Reader API at {self._client.base_url}, user {clean_line(name)[:80]}"

    def feeds(self) -> list[RemoteFeed]:
        answer = self._json("/subscription/list", params={"output": "json"})
        items = answer.get("subscriptions") if isinstance(answer, dict) else None
        if not isinstance(items, list):
            raise SyncError(f"{self._client.base_url}: subscription/list: not a Google "
                            "Reader answer", "protocol")
        return [_feed(item) for item in items if isinstance(item, dict)]

    def _ids(self, stream: str, exclude: str | None = None, count: int = IDS_PAGE,
             once: bool = False) -> list[str]:
        ids: list[str] = []
        continuation: str | None = None
        while True:
            params = [("output", "json"), ("s", stream), ("n", str(count))]
            if exclude:
                params.append(("xt", exclude))
            if continuation:
                params.append(("c", continuation))
            answer = self._json("/stream/items/ids", params=params)
            refs = answer.get("itemRefs") if isinstance(answer, dict) else None
            if refs is None and isinstance(answer, dict):
                refs = []     # an empty stream may leave the key out
            if not isinstance(refs, list):
                raise SyncError(f"{self._client.base_url}: stream/items/ids: not a Google "
                                "Reader answer", "protocol")
            ids.extend(short_id(ref.get("id") if isinstance(ref, dict) else None)
                       for ref in refs)
            nxt = answer.get("continuation")
            if once or not refs or not isinstance(nxt, (str, int)) or str(nxt) in ("", continuation):
                return ids
            continuation = str(nxt)

    def entries(self, cursor: str | None) -> Iterator[EntryBatch]:
        every = self._ids(READING_LIST)
        if cursor is not None:
            floor = int(short_id(cursor))
            wanted = {i for i in every if int(i) > floor}
        else:
            newest = sorted(every, key=int)[-FIRST_SYNC_NEWEST:]
            wanted = (set(newest) | set(self._ids(READING_LIST, exclude=READ))
                      | set(self._ids(STARRED)))
        ordered = sorted(wanted, key=int)
        for start in range(0, len(ordered), CONTENTS_BATCH):
            chunk = ordered[start:start + CONTENTS_BATCH]
            entries = sorted(self.entries_by_id(chunk), key=lambda e: int(e.remote_id))
            yield EntryBatch(entries, chunk[-1])

    def entries_by_id(self, ids: Sequence[str]) -> list[RemoteEntry]:
        if not ids:
            return []
        # An item's labels include its feed's folders (Miniflux, FreshRSS): those are
        # the feed's tags already; only the item's own labels are kept.
        folders = {f.remote_id: set(f.categories) for f in self.feeds()}
        found: list[RemoteEntry] = []
        for start in range(0, len(ids), CONTENTS_BATCH):
            chunk = [("i", long_id(i)) for i in ids[start:start + CONTENTS_BATCH]]
            answer = self._json("/stream/items/contents", params={"output": "json"},
                                data=chunk)
            items = answer.get("items") if isinstance(answer, dict) else None
            if not isinstance(items, list):
                raise SyncError(f"{self._client.base_url}: stream/items/contents: not a "
                                "Google Reader answer", "protocol")
            for item in items:
                entry = _entry(item)
                own = folders.get(entry.feed_remote_id, set())
                if own.intersection(entry.labels):
                    entry = replace(entry, labels=tuple(x for x in entry.labels
                                                        if x not in own))
                found.append(entry)
        return found

    def states(self) -> RemoteStates:
        return RemoteStates(unread=frozenset(self._ids(READING_LIST, exclude=READ)),
                            starred=frozenset(self._ids(STARRED)))

    def marks(self) -> RemoteMarks:
        """Labels on items (FreshRSS's "tag" labels), each label's ids whole. tag/list
        tells labels from folders (type "tag" and "folder"); Miniflux has folders only,
        so it costs one call there."""
        answer = self._json("/tag/list", params={"output": "json"})
        tags = answer.get("tags") if isinstance(answer, dict) else None
        if not isinstance(tags, list):
            raise SyncError(f"{self._client.base_url}: tag/list: not a Google Reader "
                            "answer", "protocol")
        names = {_label(t) for t in tags if isinstance(t, dict) and t.get("type") == "tag"}
        return RemoteMarks(labels={name: frozenset(self._ids(f"user/-/label/{name}"))
                                   for name in sorted(names - {""})})

    # -- pushing

    def _edit_tag(self, ids: Sequence[str], tag: str, add: bool) -> None:
        for start in range(0, len(ids), EDIT_BATCH):
            data = [("i", long_id(i)) for i in ids[start:start + EDIT_BATCH]]
            self._ok("/edit-tag", data + [("a" if add else "r", tag)])

    def set_read(self, ids: Sequence[str], read: bool) -> None:
        self._edit_tag(ids, READ, read)

    def set_starred(self, ids: Sequence[str], starred: bool) -> None:
        self._edit_tag(ids, STARRED, starred)

    def mark_all_read(self, stream: str, before: float | None = None) -> None:
        """Everything in a feed (feed/…), a label or the reading list, up to before."""
        data = [("s", stream)]
        if before is not None:
            data.append(("ts", str(int(before * 1_000_000))))
        self._ok("/mark-all-as-read", data)

    def subscribe(self, url: str, title: str = "", category: str | None = None) -> RemoteFeed:
        # Subscribed already (a replay): Miniflux's quickadd would answer 500.
        stream = next((f.remote_id for f in self.feeds() if f.url == url), None)
        if stream is None:
            response = self._call("POST", "/subscription/quickadd",
                                  data=[("quickadd", url)], accept=(500,))
            answer = _loads(response.content)
            if response.status_code == 500:   # the server could not fetch or read it
                message = answer.get("error_message") if isinstance(answer, dict) else None
                raise SyncError(f"{self._client.base_url}: cannot subscribe to "
                                f"{clean_line(url)[:200]}: "
                                f"{clean_line(message or 'server error')[:200]}", "server")
            stream = answer.get("streamId") if isinstance(answer, dict) else None
            if not isinstance(stream, str) or not stream:
                raise SyncError(f"{self._client.base_url}: no feed found at "
                                f"{clean_line(url)[:200]}", "unsupported")
        edit = [("ac", "edit"), ("s", stream)]
        if title:
            edit.append(("t", title))
        if category:
            edit.append(("a", f"user/-/label/{category}"))
        if len(edit) > 2:
            self._ok("/subscription/edit", edit)
        for feed in self.feeds():
            if feed.remote_id == stream:
                return feed
        raise SyncError(f"{self._client.base_url}: subscribed to {clean_line(url)[:200]} "
                        "but the server does not list it", "protocol")

    def unsubscribe(self, feed_id: str) -> None:
        try:
            self._ok("/subscription/edit", [("ac", "unsubscribe"), ("s", feed_id)])
        except SyncError as exc:
            if exc.kind == "unreachable" or any(f.remote_id == feed_id for f in self.feeds()):
                raise
            # Gone already (a replay, or removed elsewhere): the change is done.

    def set_categories(self, feed_id: str, categories: Sequence[str]) -> None:
        current = next((f.categories for f in self.feeds() if f.remote_id == feed_id), None)
        if current is None:
            raise SyncError(f"{self._client.base_url}: no subscription {clean_line(feed_id)[:60]}",
                            "unsupported")
        edit = [("ac", "edit"), ("s", feed_id)]
        edit += [("a", f"user/-/label/{name}") for name in categories if name not in current]
        edit += [("r", f"user/-/label/{name}") for name in current if name not in categories]
        if len(edit) > 2:
            self._ok("/subscription/edit", edit)

    def close(self) -> None:
        self._client.close()


def _loads(content: bytes) -> Any:
    try:
        return json.loads(content)
    except ValueError:
        return None


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _label(category: Any) -> str:
    if not isinstance(category, dict):
        return ""
    label = category.get("label")
    if isinstance(label, str) and label:
        return label
    ident = _text(category.get("id"))
    return ident.split("/label/", 1)[1] if "/label/" in ident else ""


def _feed(item: dict) -> RemoteFeed:
    stream = _text(item.get("id"))
    if not stream:
        raise SyncError("subscription/list: a subscription without an id", "protocol")
    labels = tuple(name for name in map(_label, item.get("categories") or []) if name)
    return RemoteFeed(remote_id=stream, url=_text(item.get("url")),
                      title=_text(item.get("title")), site_url=_text(item.get("htmlUrl")),
                      categories=labels)


def _entry(item: Any) -> RemoteEntry:
    if not isinstance(item, dict):
        raise SyncError("stream/items/contents: an item that is not an object", "protocol")
    tags = [t for t in item.get("categories") or [] if isinstance(t, str)]
    origin = item.get("origin") if isinstance(item.get("origin"), dict) else {}
    body = item.get("content") if isinstance(item.get("content"), dict) else None
    body = body or (item.get("summary") if isinstance(item.get("summary"), dict) else {})
    links = [a.get("href") for a in item.get("alternate") or [] if isinstance(a, dict)]
    enclosures = tuple(
        Enclosure(e["href"], _text(e.get("type")),
                  _length(e.get("length")))
        for e in item.get("enclosure") or []
        if isinstance(e, dict) and isinstance(e.get("href"), str))
    return RemoteEntry(
        remote_id=short_id(item.get("id")),
        feed_remote_id=_text(origin.get("streamId")),
        title=_text(item.get("title")),
        url=next((link for link in links if isinstance(link, str)), ""),
        author=_text(item.get("author")),
        content_html=_text(body.get("content")),
        published=_seconds(item.get("published")),
        updated=_seconds(item.get("updated")),
        read=any(t.endswith("/state/com.google/read") for t in tags),
        starred=any(t.endswith("/state/com.google/starred") for t in tags),
        labels=tuple(t.split("/label/", 1)[1] for t in tags if "/label/" in t),
        enclosures=enclosures)


def _seconds(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 1e11 else None


def _length(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if number > 0 else None
