"""A real Tiny Tiny RSS on 127.0.0.1 for the sync tests (Debian 12's tt-rss, API level 15).

API (test code only):

    server = start_ttrss()            # PostgreSQL + tt-rss's schema + `php -S`, ready
    server.url                        # http://127.0.0.1:PORT/ (what a user puts in [sync] url)
    user = server.add_user()          # a fresh user, API access on; user.login, user.password
    server.add_user(api=False)        # one whose API access is off
    user.call("getFeeds", cat_id=-3)  # the JSON API as another client would use it
    user.update_feed(feed_id)         # tt-rss fetches that feed now (its updateFeed call)
    user.add_category("Новини")       # the API cannot create categories: SQL, as the web UI does
    server.feeds.publish("a.xml", rss("title", items))   # a feed tt-rss can fetch
    server.feeds.url("a.xml")         # the address to subscribe to
    server.stop()

tt-rss (.ci/servers/ttrss.sh unpacks it into $READER_CI_TTRSS, default /opt/reader-ci/tt-rss)
reads the config file named by $TTRSS_CONFIG_FILE; each server writes its own.

Feeds on loopback: tt-rss refuses to fetch from 127.x, `localhost` and ports other than
80/443. Its own `_HTTP_PROXY` setting sends every fetch through a proxy instead, so the
feeds are published at http://192.0.2.1/... (TEST-NET-1, never routed: an address literal,
so no DNS lookup) and the "proxy" is a plain http.server on 127.0.0.1 that answers the
absolute-form requests itself. Nothing tt-rss fetches can leave the machine.
tt-rss keeps a fetched feed for 30 s in CACHE_DIR/feeds when that directory exists; it is
left out so that a feed changed by a test is fetched again at once.
"""

from __future__ import annotations

import hashlib
import http.server
import itertools
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

import httpx

from .postgres import Postgres, free_port, start_postgres, unavailable

TTRSS_DIR = Path(os.environ.get("READER_CI_TTRSS", "/opt/reader-ci/tt-rss"))
FEED_HOST = "192.0.2.1"
START_TIMEOUT = 60.0
_user_numbers = itertools.count(1)


# -- the feeds tt-rss fetches


class FeedServer:
    """Feeds by path, served to tt-rss through its proxy setting (see the module's doc)."""

    def __init__(self) -> None:
        self._bodies: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()
        self.requests: list[str] = []
        feeds = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:   # noqa: N802 (http.server's name)
                path = urlsplit(self.path).path.lstrip("/")
                with feeds._lock:
                    feeds.requests.append(path)
                    found = feeds._bodies.get(path)
                if found is None:
                    self.send_error(404)
                    return
                body, content_type = found
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.proxy = f"127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def publish(self, path: str, body: bytes | str,
                content_type: str = "application/rss+xml; charset=utf-8") -> str:
        data = body.encode() if isinstance(body, str) else body
        with self._lock:
            self._bodies[path.lstrip("/")] = (data, content_type)
        return self.url(path)

    @staticmethod
    def url(path: str) -> str:
        return f"http://{FEED_HOST}/{path.lstrip('/')}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def rss(title: str, items: list[dict[str, Any]], link: str = "http://example.org/") -> str:
    """An RSS 2.0 feed; items: guid, title, link, html, date (seconds), author."""
    parts = [f'<?xml version="1.0" encoding="utf-8"?>\n<rss version="2.0"><channel>'
             f"<title>{escape(title)}</title><link>{escape(link)}</link>"
             f"<description>{escape(title)}</description>"]
    for item in items:
        parts.append("<item>")
        parts.append(f"<guid isPermaLink=\"false\">{escape(item['guid'])}</guid>")
        parts.append(f"<title>{escape(item.get('title', item['guid']))}</title>")
        parts.append(f"<link>{escape(item.get('link', link + item['guid']))}</link>")
        if "date" in item:
            parts.append(f"<pubDate>{formatdate(item['date'], usegmt=True)}</pubDate>")
        if "author" in item:
            parts.append(f"<author>{escape(item['author'])}</author>")
        parts.append(f"<description>{escape(item.get('html', ''))}</description>")
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "".join(parts)


# -- tt-rss itself


def _php_string(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def _sql_string(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


@dataclass
class TtrssUser:
    server: TtrssServer
    uid: int
    login: str
    password: str
    _sid: str | None = None

    def call(self, op: str, **params: Any) -> Any:
        """One API call as this user (logging in first): the answer's content; raises
        AssertionError on an error status, so a test's setup cannot fail silently."""
        if self._sid is None:
            answer = self.server.raw_call({"op": "login", "user": self.login,
                                           "password": self.password})
            assert answer["status"] == 0, answer
            self._sid = answer["content"]["session_id"]
        answer = self.server.raw_call({"op": op, "sid": self._sid, **params})
        assert answer["status"] == 0, answer
        return answer["content"]

    def update_feed(self, feed_id: int | str) -> None:
        """tt-rss fetches the feed now, in this request (the API's updateFeed)."""
        self.call("updateFeed", feed_id=int(feed_id))

    def subscribe(self, url: str, category_id: int = 0) -> int:
        status = self.call("subscribeToFeed", feed_url=url, category_id=category_id)["status"]
        assert status["code"] in (0, 1), status
        return int(status["feed_id"])

    def headline_ids(self, feed_id: int = -4, view_mode: str = "all_articles") -> list[int]:
        ids: list[int] = []
        while True:
            page = self.call("getHeadlines", feed_id=feed_id, view_mode=view_mode,
                             limit=200, skip=len(ids))
            ids += [int(row["id"]) for row in page]
            if len(page) < 200:
                return ids

    def add_category(self, title: str) -> int:
        return int(self.server.sql(
            f"INSERT INTO ttrss_feed_categories (owner_uid, title) VALUES ({self.uid}, "
            f"{_sql_string(title)}) RETURNING id").splitlines()[0])

    def add_label(self, caption: str, article_id: int) -> None:
        label = int(self.server.sql(
            f"INSERT INTO ttrss_labels2 (owner_uid, caption) VALUES ({self.uid}, "
            f"{_sql_string(caption)}) RETURNING id").splitlines()[0])
        # The API's own call, as a client would label an article: -1025 - id is the
        # label's "feed" id (LABEL_BASE_INDEX - 1 - id).
        done = self.call("setArticleLabel", article_ids=str(article_id),
                         label_id=-1025 - label, assign=True)
        assert done["updated"] == 1, done


class TtrssServer:
    def __init__(self, pg: Postgres, root: Path, feeds: FeedServer):
        self.pg = pg
        self.root = root
        self.feeds = feeds
        self.port = 0
        self.url = ""
        self.start_seconds = 0.0
        self._process: subprocess.Popen[bytes] | None = None
        self._http = httpx.Client(timeout=60.0, trust_env=False)

    @property
    def api_url(self) -> str:
        return self.url + "api/"

    def sql(self, statement: str) -> str:
        return self.pg.sql(statement, dbname="ttrss")

    def raw_call(self, body: dict[str, Any]) -> Any:
        response = self._http.post(self.api_url, content=json.dumps(body))
        response.raise_for_status()
        return response.json()

    def add_user(self, login: str | None = None, password: str | None = None,
                 api: bool = True) -> TtrssUser:
        """A new user (as tt-rss's own admin page makes one: MODE2 salted hash)."""
        login = login or f"user{next(_user_numbers)}"
        password = password or secrets.token_urlsafe(12)
        salt = secrets.token_hex(125)
        pwd_hash = "MODE2:" + hashlib.sha256((salt + password).encode()).hexdigest()
        uid = int(self.sql(
            "INSERT INTO ttrss_users (login, pwd_hash, salt, access_level, created) VALUES "
            f"({_sql_string(login)}, {_sql_string(pwd_hash)}, {_sql_string(salt)}, 0, NOW()) "
            "RETURNING id").splitlines()[0])
        self.sql("INSERT INTO ttrss_user_prefs (owner_uid, pref_name, profile, value) VALUES "
                 f"({uid}, 'ENABLE_API_ACCESS', NULL, {_sql_string('true' if api else 'false')})")
        return TtrssUser(self, uid, login, password)

    # -- life cycle

    def _write_config(self) -> Path:
        for name in ("lock", "cache/images", "cache/upload", "cache/export", "icons"):
            (self.root / name).mkdir(parents=True, exist_ok=True)
        settings: dict[str, Any] = {
            "DB_TYPE": "pgsql", "DB_HOST": self.pg.host, "DB_PORT": str(self.pg.port),
            "DB_USER": "postgres", "DB_NAME": "ttrss", "DB_PASS": "", "MYSQL_CHARSET": "UTF8",
            "SELF_URL_PATH": self.url, "SINGLE_USER_MODE": False, "SIMPLE_UPDATE_MODE": False,
            "PHP_EXECUTABLE": shutil.which("php") or "/usr/bin/php",
            "LOCK_DIRECTORY": str(self.root / "lock"), "CACHE_DIR": str(self.root / "cache"),
            "ICONS_DIR": str(self.root / "icons"), "ICONS_URL": "feed-icons",
            "AUTH_AUTO_CREATE": False, "AUTH_AUTO_LOGIN": False, "FORCE_ARTICLE_PURGE": 0,
            "ENABLE_REGISTRATION": False, "REG_NOTIFY_ADDRESS": "ci@example.org",
            "REG_MAX_USERS": 0, "SESSION_COOKIE_LIFETIME": 86400,
            "SMTP_FROM_NAME": "tt-rss", "SMTP_FROM_ADDRESS": "ci@example.org",
            "DIGEST_SUBJECT": "digest", "CHECK_FOR_UPDATES": False, "ENABLE_GZIP_OUTPUT": False,
            "PLUGINS": "auth_internal", "LOG_DESTINATION": "", "CONFIG_VERSION": 26,
            "_HTTP_PROXY": self.feeds.proxy,
        }
        lines = ["<?php"]
        for name, value in settings.items():
            if isinstance(value, bool):
                literal = "true" if value else "false"
            elif isinstance(value, int):
                literal = str(value)
            else:
                literal = _php_string(value)
            lines.append(f"define({_php_string(name)}, {literal});")
        path = self.root / "config.php"
        path.write_text("\n".join(lines) + "\n")
        return path

    def start(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        config = self._write_config()
        env = {key: value for key, value in os.environ.items()
               if key.lower() not in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")}
        env.update(TTRSS_CONFIG_FILE=str(config), PHP_CLI_SERVER_WORKERS="4")
        log = open(self.root / "php.log", "wb")   # noqa: SIM115 (the server's lifetime)
        self._process = subprocess.Popen(
            ["php", "-d", "display_errors=0", "-d", "log_errors=1",
             "-d", f"error_log={self.root / 'php-errors.log'}",
             "-S", f"127.0.0.1:{self.port}", "-t", str(TTRSS_DIR / "www")],
            env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            cwd=TTRSS_DIR / "www", start_new_session=True)   # its workers: one group
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while True:   # wait for the state "the API answers", not for a time
            if self._process.poll() is not None:
                raise RuntimeError(f"php -S exited: {self.log_tail()}")
            try:
                answer = self.raw_call({"op": "getApiLevel"})
                if answer.get("content", {}).get("error") == "NOT_LOGGED_IN":
                    return
                raise RuntimeError(f"tt-rss answered oddly: {answer!r}")
            except (httpx.TransportError, httpx.HTTPStatusError, ValueError):
                if time.monotonic() > deadline:
                    raise RuntimeError(f"tt-rss did not answer: {self.log_tail()}") from None
                time.sleep(0.05)

    def stop_php(self) -> None:
        """Only the web server, its workers too: tt-rss unreachable (its database stays)."""
        if self._process is None or self._process.returncode is not None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self._process.pid, sig)
            except ProcessLookupError:
                break
            try:
                self._process.wait(10)
                break
            except subprocess.TimeoutExpired:
                continue
        # The workers outlive the parent for a moment: wait until the port is closed.
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
            except OSError:
                return
            time.sleep(0.02)

    def stop(self) -> None:
        self.stop_php()
        self._http.close()
        self.feeds.stop()
        self.pg.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def log_tail(self) -> str:
        text = ""
        for name in ("php.log", "php-errors.log"):
            path = self.root / name
            if path.exists():
                text += path.read_text(errors="replace")[-1500:]
        return text


def start_ttrss() -> TtrssServer:
    """PostgreSQL, tt-rss's schema, `php -S` answering: skip (fail in CI) when missing."""
    if not (TTRSS_DIR / "www" / "api" / "index.php").exists():
        unavailable(f"tt-rss is not installed at {TTRSS_DIR} (run .ci/servers/ttrss.sh)")
    if shutil.which("php") is None:
        unavailable("php is not installed (run .ci/servers/ttrss.sh)")
    pg = start_postgres()
    feeds = FeedServer()
    root = Path(tempfile.mkdtemp(prefix="reader-ttrss-"))
    server = TtrssServer(pg, root, feeds)
    try:
        pg.create_database("ttrss")
        schema = TTRSS_DIR / "schema" / "ttrss_schema_pgsql.sql"
        done = subprocess.run(
            [str(pg.bin_dir / "psql"), "-h", pg.host, "-p", str(pg.port), "-U", "postgres",
             "-d", "ttrss", "-v", "ON_ERROR_STOP=1", "-q", "-f", str(schema)],
            capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"tt-rss schema: {done.stderr[-2000:]}")
        server.start()
    except BaseException:
        server.stop()
        raise
    return server
