"""Tiny Tiny RSS's JSON API (API level 15, as Debian 12's 2021 tt-rss speaks it).

Every call is a JSON object POSTed to <url>/api/ with "op" and, after login, "sid"; the
answer is {"status": 0|1, "content": ...}. A session that expired (NOT_LOGGED_IN) is
renewed by one new login. Ids are tt-rss's integers, as decimal strings.

Pull: tt-rss has no "changed since" call and cannot sort headlines by id. New entries
are those above the cursor (since_id, the highest id stored), read newest first 200 a
call (its maximum) with skip; entries added while paging only push the rest down (seen
twice, dropped here), never out. So the cursor moves to the highest id only with the
last batch; earlier batches keep the old one, and a pull broken off starts again from
it. The first sync takes the newest FIRST_SYNC_NEWEST and every unread and starred
entry, with content (ttrss_pages.first_pull). Read and starred: states() reads both id
sets whole; state_check() and feed_states() let the engine read only the feeds whose
counts or lately read/starred entries differ from what it holds (ttrss_pages).

Content comes as the feed gave it (sanitize false): tt-rss's own sanitizer would parse
every article (3 to 10 times slower) and write all non-ASCII text as &#...; references;
the engine sends it through the same sanitizer and HTML path as feed content anyway.

Push: updateArticle sets a field (2 unread, 0 starred, 1 published) to an absolute
value for many ids at once, so a replay changes nothing.

The API can neither move a feed to another category nor create one: set_categories is
"unsupported", and subscribe files a feed under an existing category of that name only.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from typing import Any

import httpx

from ...models import Enclosure
from ...sanitize import clean_line
from ...tags import fold
from . import ttrss_pages
from .base import (Capabilities, EntryBatch, RemoteEntry, RemoteFeed, RemoteMarks,
                   RemoteStates, StateCheck, SyncError)
from .client import TIMEOUT, SyncClient

MIN_API_LEVEL = 15
PAGE = 200                   # the most getHeadlines returns in one call
FIRST_SYNC_NEWEST = 1_000
ARTICLES_CALL = 200          # ids in one getArticle
# ids in one updateArticle: one UPDATE ... IN (...) there, far below PostgreSQL's
# 65,535 parameters and PHP's 8 MB body; 1,000 queued changes go in one call.
PUSH_CHUNK = 5_000
FIELD_STARRED, FIELD_PUBLISHED, FIELD_UNREAD = 0, 1, 2
ALL_ARTICLES = -4                # tt-rss's virtual feed of every article
PUBLISHED = -2
ALL_FEEDS = -3                   # getFeeds: every real feed, whatever its category


class TTRSSBackend:
    service = "ttrss"

    def __init__(self, url: str, username: str, secret: str, *,
                 timeout: httpx.Timeout = TIMEOUT):
        self._client = SyncClient(url.rstrip("/").removesuffix("/api"), timeout=timeout)
        self._username = username
        self._secret = secret
        self._sid: str | None = None
        self._login_lock = threading.RLock()     # (_login's getApiLevel calls back in)
        self.api_level = 0
        self._pushed = {FIELD_STARRED: 0, FIELD_UNREAD: 0}   # ids this session (state_check)
        self.capabilities = Capabilities(
            push_batch=PUSH_CHUNK, categories_edit=False, labels=True, published=True,
            notes=["tt-rss's API cannot move a feed to another category or create one: "
                   "tag changes stay local, and a new feed is filed under an existing "
                   "category of its tag's name only"])

    # -- the API

    def _post(self, body: dict[str, Any]) -> tuple[int, Any]:
        answer = self._client.json("POST", "/api/", content=json.dumps(body).encode(),
                                   headers={"Content-Type": "application/json"})
        if not isinstance(answer, dict) or answer.get("status") not in (0, 1):
            raise SyncError(f"{self._client.base_url}: not a tt-rss API answer (is the url "
                            "the address of tt-rss itself?)", "protocol")
        return answer["status"], answer.get("content")

    def _login(self) -> None:
        status, content = self._post({"op": "login", "user": self._username,
                                      "password": self._secret})
        if status != 0:
            raise self._refused(_error_code(content), "login")
        sid = content.get("session_id") if isinstance(content, dict) else None
        if not isinstance(sid, str) or not sid:
            raise SyncError(f"{self._client.base_url}: tt-rss gave no session", "protocol")
        self._sid = sid
        level = content.get("api_level")
        if not isinstance(level, int):       # (servers before level 5 said it only here)
            answer = self._call("getApiLevel")
            level = self._int(answer.get("level") if isinstance(answer, dict) else None,
                              "API level")
        if level < MIN_API_LEVEL:
            raise SyncError(f"{self._client.base_url}: tt-rss API level {level} is too old "
                            f"(level {MIN_API_LEVEL} or later is needed: tt-rss 2020 or newer)",
                            "protocol")
        self.api_level = level

    def _call(self, op: str, **params: Any) -> Any:
        status, content = self._answer(op, **params)
        if status != 0:
            raise self._refused(_error_code(content), op)
        return content

    def _answer(self, op: str, **params: Any) -> tuple[int, Any]:
        """The call's status and content, logged in (once more if the session expired)."""
        sid = self._session()
        status, content = self._post({"op": op, "sid": sid, **params})
        if status != 0 and _error_code(content) == "NOT_LOGGED_IN":
            status, content = self._post({"op": op, "sid": self._session(expired=sid),
                                          **params})
        return status, content

    def _session(self, expired: str | None = None) -> str | None:
        """The session id, logged in first if there is none (or it is `expired`): one
        login, however many threads ask for pages at once."""
        with self._login_lock:
            if self._sid is None or self._sid == expired:
                self._sid = None
                self._login()
            return self._sid

    def _refused(self, code: str, op: str) -> SyncError:
        where = self._client.base_url
        if code == "NOT_LOGGED_IN":   # (even right after a new login)
            return SyncError(f"{where}: tt-rss dropped the session right after logging in "
                             "(its session storage?)", "server")
        if code == "LOGIN_ERROR":
            return SyncError(f"{where}: tt-rss refused the login of user "
                             f"{clean_line(self._username)[:80]!r}: check the username and "
                             "password", "auth")
        if code == "API_DISABLED":
            return SyncError(f"{where}: the API is off for user {clean_line(self._username)[:80]!r}:"
                             " turn on \"Enable API\" in tt-rss's Preferences", "auth")
        if code == "UNKNOWN_METHOD":
            return SyncError(f"{where}: this tt-rss has no {op} call", "unsupported")
        return SyncError(f"{where}: tt-rss refused {op} ({code or 'no reason given'})",
                         "protocol")

    def _int(self, value: Any, what: str, kind: str = "protocol") -> int:
        """A tt-rss id. kind "protocol" for the server's answers, "unsupported" for ids
        from the queue (an id tt-rss can never have: retrying cannot help)."""
        if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) < 19:
            return int(value)
        if isinstance(value, int) and not isinstance(value, bool) and -2**63 < value < 2**63:
            return value
        raise SyncError(f"{self._client.base_url}: not a tt-rss {what}: "
                        f"{clean_line(str(value))[:40]!r}", kind)

    # -- reading

    def check(self) -> str:
        version = self._call("getVersion")
        number = version.get("version") if isinstance(version, dict) else None
        return (f"tt-rss {clean_line(number)[:80] if isinstance(number, str) else '?'} "
                f"(API level {self.api_level}), user {clean_line(self._username)[:80]}")

    def _categories(self) -> dict[int, str]:
        answer = self._call("getCategories", include_empty=True, enable_nested=False)
        if not isinstance(answer, list):
            raise self._unexpected("getCategories")
        return {self._int(c.get("id"), "category id"): _text(c.get("title"))
                for c in answer if isinstance(c, dict)}

    def feeds(self) -> list[RemoteFeed]:
        categories = self._categories()
        answer = self._call("getFeeds", cat_id=ALL_FEEDS)
        if not isinstance(answer, list):
            raise self._unexpected("getFeeds")
        feeds = []
        for item in answer:
            if not isinstance(item, dict):
                raise self._unexpected("getFeeds")
            cat_id = item.get("cat_id")
            name = categories.get(cat_id, "") if isinstance(cat_id, int) and cat_id > 0 else ""
            feeds.append(RemoteFeed(remote_id=str(self._int(item.get("id"), "feed id")),
                                    url=_text(item.get("feed_url")),
                                    title=_text(item.get("title")),
                                    categories=(name,) if name else ()))
        return feeds

    def entries(self, cursor: str | None) -> Iterator[EntryBatch]:
        if not cursor:
            yield from ttrss_pages.first_pull(self, FIRST_SYNC_NEWEST)
            return
        since = self._int(cursor, "cursor")
        top, skip = since, 0
        seen: set[str] = set()
        while True:
            rows = self._headlines(ALL_ARTICLES, "all_articles", skip, since_id=since,
                                   show_content=True, sanitize=False, include_attachments=True)
            skip += len(rows)
            fresh = [self._entry(row, "getHeadlines") for row in rows]
            fresh = [e for e in fresh if e.remote_id not in seen]
            seen.update(e.remote_id for e in fresh)
            top = max([top, *(int(e.remote_id) for e in fresh)])
            if len(rows) < PAGE:
                if fresh or top > since:
                    yield EntryBatch(fresh, str(top))
                return
            yield EntryBatch(fresh, cursor)     # (moves with the last batch only)

    def _headlines(self, feed_id: int, view_mode: str, skip: int, limit: int = PAGE,
                   **params: Any) -> list[dict]:
        answer = self._call("getHeadlines", feed_id=feed_id, view_mode=view_mode,
                            limit=limit, skip=skip, is_cat=False, **params)
        if not isinstance(answer, list) or not all(isinstance(r, dict) for r in answer):
            raise self._unexpected("getHeadlines")
        return answer

    def entries_by_id(self, ids: Sequence[str]) -> list[RemoteEntry]:
        numbers = [str(n) for n in self._ints(ids)]
        found = []
        for start in range(0, len(numbers), ARTICLES_CALL):
            # Ids the server no longer has are simply not in the answer.
            answer = self._call("getArticle", sanitize=False,
                                article_id=",".join(numbers[start:start + ARTICLES_CALL]))
            if not isinstance(answer, list):
                raise self._unexpected("getArticle")
            found += [self._entry(item, "getArticle") for item in answer]
        return found

    def states(self) -> RemoteStates:
        return ttrss_pages.all_states(self)

    def state_check(self) -> StateCheck:
        return ttrss_pages.state_check(self, self._pushed[FIELD_UNREAD],
                                       self._pushed[FIELD_STARRED])

    def feed_states(self, unread_feeds: Sequence[str],
                    starred_feeds: Sequence[str]) -> RemoteStates:
        return ttrss_pages.feed_states(self, unread_feeds, starred_feeds)

    # -- published marks and labels (the engine's marks step)

    def marks(self) -> RemoteMarks:
        """The published set (virtual feed -2) and each label's articles (a label is
        the virtual feed -1025 - its id, as getLabels gives it): one call for the labels
        and one a page for each, all of them small sets for most users."""
        labels: dict[str, frozenset[str]] = {}
        answer = self._call("getLabels")
        if not isinstance(answer, list):
            raise self._unexpected("getLabels")
        for label in answer:
            name = _text(label.get("caption")) if isinstance(label, dict) else ""
            if name:
                number = self._int(label.get("id"), "label id")
                labels[name] = labels.get(name, frozenset()) | self._marked(number)
        return RemoteMarks(shared=self._marked(PUBLISHED), labels=labels)

    def _marked(self, feed_id: int) -> frozenset[str]:
        ids: list[str] = []
        while True:
            page = self._call("getHeadlines", feed_id=feed_id, view_mode="all_articles",
                              limit=PAGE, skip=len(ids), is_cat=False)
            if not isinstance(page, list) or not all(isinstance(r, dict) for r in page):
                raise self._unexpected("getHeadlines")
            ids += [str(self._int(row.get("id"), "article id")) for row in page]
            if len(page) < PAGE:
                return frozenset(ids)

    # -- pushing

    def set_read(self, ids: Sequence[str], read: bool) -> None:
        self._update(ids, FIELD_UNREAD, not read)

    def set_starred(self, ids: Sequence[str], starred: bool) -> None:
        self._update(ids, FIELD_STARRED, starred)

    def set_published(self, ids: Sequence[str], published: bool) -> None:
        self._update(ids, FIELD_PUBLISHED, published)

    def _update(self, ids: Sequence[str], field: int, value: bool) -> None:
        numbers = [str(n) for n in self._ints(ids)]
        if field in self._pushed:
            self._pushed[field] += len(numbers)
        for start in range(0, len(numbers), PUSH_CHUNK):
            self._call("updateArticle", article_ids=",".join(numbers[start:start + PUSH_CHUNK]),
                       field=field, mode=1 if value else 0)

    def mark_all_read(self, feed_id: str) -> None:
        self._call("catchupFeed", feed_id=self._int(feed_id, "feed id", "unsupported"),
                   is_cat=False)

    def subscribe(self, url: str, title: str = "", category: str | None = None) -> RemoteFeed:
        # tt-rss names a feed after its own title: the API has no call to rename one.
        category_id = self._category_id(category) if category else 0
        status = self._call("subscribeToFeed", feed_url=url, category_id=category_id)
        status = status.get("status") if isinstance(status, dict) else None
        code = status.get("code") if isinstance(status, dict) else None
        shown = clean_line(url)[:200]
        if code in (0, 1):            # 0: subscribed already (a replay, say)
            feed_id = str(self._int(status.get("feed_id"), "feed id"))
            for feed in self.feeds():
                if feed.remote_id == feed_id:
                    return feed
            return RemoteFeed(remote_id=feed_id, url=url, title=title)
        if code == 2:
            raise SyncError(f"tt-rss cannot subscribe to {shown}: not a valid address",
                            "unsupported")
        if code == 3:
            raise SyncError(f"tt-rss found no feed at {shown}", "unsupported")
        if code == 4:
            found = status.get("feeds")
            urls = [clean_line(u)[:200] for u in found][:3] if isinstance(found, dict) else []
            raise SyncError(f"tt-rss found several feeds at {shown}: add one of them"
                            + (f" ({', '.join(urls)})" if urls else ""), "unsupported")
        if code == 5:
            message = status.get("message")
            reason = clean_line(message)[:200] if isinstance(message, str) and message else ""
            raise SyncError(f"tt-rss could not fetch {shown}" + (f": {reason}" if reason else ""),
                            "server")
        raise SyncError(f"{self._client.base_url}: tt-rss answered subscribeToFeed with "
                        f"code {clean_line(str(code))[:20]}", "protocol")

    def _category_id(self, name: str) -> int:
        wanted = fold(name)
        for number, title in self._categories().items():
            if number > 0 and fold(title) == wanted:
                return number
        return 0          # (no API call creates one: the feed goes in uncategorized)

    def unsubscribe(self, feed_id: str) -> None:
        number = self._int(feed_id, "feed id", "unsupported")
        status, content = self._answer("unsubscribeFeed", feed_id=number)
        # FEED_NOT_FOUND: gone already (a replay, or removed on the server): done.
        if status != 0 and _error_code(content) != "FEED_NOT_FOUND":
            raise self._refused(_error_code(content), "unsubscribeFeed")

    def set_categories(self, feed_id: str, categories: Sequence[str]) -> None:
        raise SyncError("tt-rss's API cannot change a feed's category: the tags stay local",
                        "unsupported")

    def close(self) -> None:
        try:
            if self._sid is not None:
                self._post({"op": "logout", "sid": self._sid})
        except SyncError:
            pass          # (the session expires on the server by itself)
        finally:
            self._sid = None
            self._client.close()

    # -- answers into plain data

    def _unexpected(self, op: str) -> SyncError:
        return SyncError(f"{self._client.base_url}: not a tt-rss answer to {op}", "protocol")

    def _ints(self, ids: Sequence[str]) -> list[int]:
        return [self._int(i, "article id", "unsupported") for i in ids]

    def _entry(self, item: Any, op: str) -> RemoteEntry:
        if not isinstance(item, dict):
            raise self._unexpected(op)
        enclosures = []
        for enc in item.get("attachments") or []:
            url = enc.get("content_url") if isinstance(enc, dict) else None
            if isinstance(url, str) and url.startswith(("http://", "https://")):
                enclosures.append(Enclosure(url, _text(enc.get("content_type"))))
        labels = tuple(label[1] for label in item.get("labels") or []
                       if isinstance(label, list) and len(label) > 1
                       and isinstance(label[1], str) and label[1])
        guid = _text(item.get("guid"))
        feed_id = item.get("feed_id")
        updated = item.get("updated")
        return RemoteEntry(
            remote_id=str(self._int(item.get("id"), "article id")),
            # An archived article (its feed unsubscribed, the article kept) has no feed: 0.
            feed_remote_id=str(self._int(feed_id, "feed id")) if feed_id else "0",
            title=_text(item.get("title")), url=_text(item.get("link")),
            author=_text(item.get("author")), content_html=_text(item.get("content")),
            published=float(updated) if isinstance(updated, int) and updated > 0 else None,
            read=item.get("unread") is False, starred=item.get("marked") is True,
            # tt-rss's own guids are {"ver":2,"uid":..,"hash":..}: not the site's.
            guid="" if guid.startswith("{") else guid,
            labels=labels, enclosures=tuple(enclosures), shared=item.get("published") is True)


def _error_code(content: Any) -> str:
    code = content.get("error") if isinstance(content, dict) else None
    if isinstance(code, str) and code.isascii() and code.replace("_", "").isalnum():
        return code[:40]
    return ""


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""
