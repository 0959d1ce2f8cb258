"""Real sync servers for the tests, each started once a session on 127.0.0.1.

Miniflux (this block): MinifluxServer runs the real binary (.ci/servers/miniflux.sh builds
it) on its own PostgreSQL cluster (postgres.py); each test gets a fresh user from
create_user(), with an API key and the Google Reader API switched on, so tests share the
server but never its state. The feeds Miniflux polls come from a FeedSite: an
http.server on 127.0.0.1 whose RSS the tests write (Miniflux fetches only when told:
its scheduler is off, and refresh_feed asks for one feed).
"""

from __future__ import annotations

import ctypes
import itertools
import os
import secrets
import signal
import subprocess
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from email.utils import format_datetime
from datetime import datetime, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import httpx

from .postgres import Postgres, free_port

MINIFLUX_VERSION = "2.3.5"
MINIFLUX_DEFAULT = Path("/opt/reader-ci/bin/miniflux")
START_TIMEOUT = 60.0


def miniflux_binary() -> Path | None:
    """$READER_MINIFLUX, else where .ci/servers/miniflux.sh puts it."""
    path = Path(os.environ.get("READER_MINIFLUX") or MINIFLUX_DEFAULT)
    return path if path.is_file() and os.access(path, os.X_OK) else None


def wait_until(predicate, what: str, timeout: float = 30.0, every: float = 0.05) -> Any:
    """Poll predicate until it returns something truthy: waiting for a state, not a time."""
    deadline = time.monotonic() + timeout
    while True:
        result = predicate()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


def _die_with_parent() -> None:
    """In the child: SIGTERM when pytest dies (even by kill -9), so no server lingers."""
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


# ---------------------------------------------------------------- the feeds Miniflux polls


@dataclass
class Item:
    guid: str
    title: str
    content: str = ""
    link: str = ""
    published: datetime = field(default_factory=lambda: datetime.now(timezone.utc))
    enclosure: tuple[str, str, int] | None = None    # url, type, length


class FeedSite:
    """An http.server on 127.0.0.1 serving RSS 2.0 feeds the tests write.

    site.publish("news", "Title", [Item(...), ...]) -> the feed's URL
    site.add_item("news", Item(...))   # the next fetch sees it
    site.fetches("news") -> how many times the feed was fetched
    """

    def __init__(self) -> None:
        self.feeds: dict[str, tuple[str, list[Item]]] = {}
        self.hits: dict[str, int] = {}
        self._lock = threading.Lock()
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                name = self.path.strip("/").removesuffix(".xml")
                body = site.render(name)
                if body is None:
                    self.send_error(404)
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/rss+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def url(self, name: str) -> str:
        return f"{self.base}/{name}.xml"

    def publish(self, name: str, title: str, items: Sequence[Item] = ()) -> str:
        with self._lock:
            self.feeds[name] = (title, list(items))
        return self.url(name)

    def add_item(self, name: str, item: Item) -> None:
        with self._lock:
            self.feeds[name][1].append(item)

    def fetches(self, name: str) -> int:
        return self.hits.get(name, 0)

    def render(self, name: str) -> bytes | None:
        with self._lock:
            if name not in self.feeds:
                return None
            self.hits[name] = self.hits.get(name, 0) + 1
            title, items = self.feeds[name][0], list(self.feeds[name][1])
        parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
                 f"<title>{escape(title)}</title><link>{self.base}/{name}</link>"
                 "<description>test feed</description>"]
        for item in items:
            link = item.link or f"{self.base}/{name}/{item.guid}"
            enclosure = ""
            if item.enclosure:
                url, kind, length = item.enclosure
                enclosure = (f'<enclosure url="{escape(url)}" type="{escape(kind)}" '
                             f'length="{length}"/>')
            parts.append(
                f"<item><guid isPermaLink=\"false\">{escape(item.guid)}</guid>"
                f"<title>{escape(item.title)}</title><link>{escape(link)}</link>"
                f"<description>{escape(item.content)}</description>"
                f"<pubDate>{format_datetime(item.published)}</pubDate>{enclosure}</item>")
        parts.append("</channel></rss>")
        return "".join(parts).encode("utf-8")

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


# ---------------------------------------------------------------- Miniflux


class MinifluxServer:
    """The Miniflux binary on its own database; admin user `admin`."""

    admin_username = "admin"
    admin_password = "admin-secret-1"

    def __init__(self, binary: Path, pg: Postgres, log_dir: Path):
        self.pg = pg
        pg.create_database("miniflux")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / "miniflux.log"
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "DATABASE_URL": pg.dsn("miniflux"),
            "DATABASE_MAX_CONNS": "8", "DATABASE_MIN_CONNS": "1",
            "RUN_MIGRATIONS": "1", "CREATE_ADMIN": "1",
            "ADMIN_USERNAME": self.admin_username, "ADMIN_PASSWORD": self.admin_password,
            "LISTEN_ADDR": f"127.0.0.1:{self.port}", "BASE_URL": self.url,
            # Fetch only when a test says so, and from the loopback feed server.
            "DISABLE_SCHEDULER_SERVICE": "1", "FETCHER_ALLOW_PRIVATE_NETWORKS": "1",
            "POLLING_FREQUENCY": "1440", "CLEANUP_FREQUENCY_HOURS": "720",
            "MEDIA_PROXY_MODE": "none", "HTTP_CLIENT_TIMEOUT": "10", "WORKER_POOL_SIZE": "2",
            "LOG_LEVEL": "info",
        }
        self._log = open(self.log_path, "wb")
        self.process = subprocess.Popen([str(binary)], env=env, stdout=self._log,
                                        stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                        preexec_fn=_die_with_parent)
        self._http = httpx.Client(base_url=self.url, timeout=30.0, trust_env=False)
        self._names = itertools.count(1)
        self._admin_api_key: str | None = None
        try:
            wait_until(self._healthy, "Miniflux /healthcheck", timeout=START_TIMEOUT)
        except BaseException:
            self.stop()
            raise

    def _healthy(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"miniflux exited ({self.process.returncode}): "
                               f"{self.log_path.read_text(errors='replace')[-3000:]}")
        try:
            return self._http.get("/healthcheck").text.strip() == "OK"
        except httpx.TransportError:
            return False

    def create_user(self, feed_site: FeedSite, prefix: str = "user") -> MinifluxUser:
        """A fresh user with an API key and the Google Reader API on (same password)."""
        username = f"{prefix}{next(self._names)}-{os.getpid()}"
        password = f"pw-{username}-secret"
        answer = self._http.post("/v1/users", json={"username": username, "password": password},
                                 headers={"X-Auth-Token": self._admin_key()})
        answer.raise_for_status()
        user_id = int(answer.json()["id"])
        api_key = secrets.token_hex(32)
        # The API key and the Google Reader integration (a per-user setting of the web UI)
        # are written straight into Miniflux's tables: one psql call instead of two bcrypt
        # checks. The integration's password is a bcrypt hash: the account's own is copied,
        # so the same password logs in to both APIs.
        self.pg.sql(
            f"INSERT INTO api_keys (user_id, token, description) VALUES ({user_id}, "
            f"'{api_key}', 'reader tests'); "
            "UPDATE integrations SET googlereader_enabled = true, "
            "googlereader_username = u.username, googlereader_password = u.password "
            f"FROM users u WHERE u.id = {user_id} AND integrations.user_id = u.id",
            dbname="miniflux")
        return MinifluxUser(self, user_id, username, password, api_key, feed_site)

    def _admin_key(self) -> str:
        if self._admin_api_key is None:
            answer = self._http.post("/v1/api-keys", json={"description": "reader tests admin"},
                                     auth=(self.admin_username, self.admin_password))
            answer.raise_for_status()
            self._admin_api_key = answer.json()["token"]
        return self._admin_api_key

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()    # nothing to keep, and a graceful stop takes seconds
            self.process.wait()
        self._http.close()
        self._log.close()


class MinifluxUser:
    """One test's Miniflux account: credentials and helpers to set up and look at state.

    .url .username .password .api_key .greader_url (the Google Reader API's base URL)
    .feed_server (a FeedSite) .add_feed(url, category=None) -> feed id
    .refresh_feed(feed_id, expect=None) .entries(**params) -> entry dicts
    .category_id(name) -> id (created when missing) .api(method, path, **kw) -> JSON
    """

    def __init__(self, server: MinifluxServer, user_id: int, username: str, password: str,
                 api_key: str, feed_site: FeedSite):
        self.server = server
        self.user_id = user_id
        self.url = server.url
        self.greader_url = server.url + "/reader/api/0"
        self.username = username
        self.password = password
        self.api_key = api_key
        self.feed_server = feed_site
        self._http = httpx.Client(base_url=server.url, timeout=30.0, trust_env=False,
                                  headers={"X-Auth-Token": api_key})

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        answer = self._http.request(method, path, **kwargs)
        if answer.status_code >= 400:
            raise AssertionError(f"{method} {path}: HTTP {answer.status_code} {answer.text[:500]}")
        return answer.json() if answer.content else None

    def category_id(self, name: str) -> int:
        for category in self.api("GET", "/v1/categories"):
            if category["title"] == name:
                return category["id"]
        return self.api("POST", "/v1/categories", json={"title": name})["id"]

    def add_feed(self, url: str, category: str | None = None) -> int:
        """Subscribe (Miniflux fetches the feed at once, so its entries are there)."""
        body: dict[str, Any] = {"feed_url": url}
        if category is not None:
            body["category_id"] = self.category_id(category)
        return self.api("POST", "/v1/feeds", json=body)["feed_id"]

    def publish_feed(self, name: str, titles: Sequence[str],
                     category: str | None = None) -> tuple[int, str]:
        """A feed of these titles on the feed server, subscribed: (its id here, its URL)."""
        url = self.feed_server.publish(f"{self.username}-{name}", f"Feed {name}",
                                       [Item(f"{name}-{i}", t) for i, t in enumerate(titles)])
        return self.add_feed(url, category), url

    def refresh_feed(self, feed_id: int, expect: int | None = None) -> list[dict]:
        """Fetch the feed now; with expect, wait until the feed holds that many entries."""
        self.api("PUT", f"/v1/feeds/{feed_id}/refresh")
        if expect is None:
            return self.entries(feed_id=feed_id)
        return wait_until(lambda: (lambda e: e if len(e) >= expect else None)(
            self.entries(feed_id=feed_id)), f"{expect} entries in feed {feed_id}")

    def entries(self, **params: Any) -> list[dict]:
        """Entries as Miniflux holds them (GET /v1/entries with these filters), id order."""
        params = {"order": "id", "direction": "asc", "limit": 1000, **params}
        return self.api("GET", "/v1/entries", params=params)["entries"]

    def feeds(self) -> list[dict]:
        return self.api("GET", "/v1/feeds")

    def close(self) -> None:
        self._http.close()


# ---------------------------------------------------------------- a server that answers badly


class CannedServer:
    """An http.server on 127.0.0.1 answering every request with what the test set:
    server.answer(body, status=200, content_type="application/json"); a body of
    type int is that many bytes of "[" (a huge answer). server.script holds
    (status, body) answers used first, in order. .requests lists method and path."""

    def __init__(self) -> None:
        self.body: bytes | int = b""
        self.status = 200
        self.content_type = "application/json"
        self.requests: list[str] = []
        self.script: list[tuple[int, bytes]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def _reply(self) -> None:
                server.requests.append(f"{self.command} {self.path}")
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                status, body = server.script.pop(0) if server.script else (server.status,
                                                                           server.body)
                size = body if isinstance(body, int) else len(body)
                self.send_response(status)
                self.send_header("Content-Type", server.content_type)
                self.send_header("Content-Length", str(size))
                self.end_headers()
                try:
                    if isinstance(body, int):
                        chunk = b"[" * 65536
                        for start in range(0, body, len(chunk)):
                            self.wfile.write(chunk[:body - start])
                    else:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass    # the client stopped reading at its cap

            do_GET = do_POST = do_PUT = do_DELETE = _reply

            def log_message(self, *args: object) -> None:
                pass

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._httpd.server_address[1]}"
        threading.Thread(target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()

    def answer(self, body: bytes | int, status: int = 200,
               content_type: str = "application/json") -> None:
        self.body, self.status, self.content_type = body, status, content_type

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
