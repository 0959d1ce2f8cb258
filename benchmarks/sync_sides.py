"""The servers of bench_sync_kill.py, as seen from outside reader: a real Miniflux or
tt-rss (tests/sync's helpers, as bench_sync.py starts them) with one user, its feeds on
loopback, the tests' relay in front (which can also hold the server's answers back
after a push: Relay.hold_on), and what the benchmark asks of each: its entries'
flags and its feeds from the server's own database, another client's changes through
its API, new entries, a new feed to add."""

from __future__ import annotations

import random
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench_sync import BODY, TITLES, ReaderClient, split

from tests.sync.postgres import start_postgres
from tests.sync.relay import Relay
from tests.sync.servers import FeedSite, Item, MinifluxServer, miniflux_binary, wait_until
from tests.sync.ttrss_server import rss, start_ttrss

def items_for(feed: int, start: int, count: int) -> list[tuple[str, str, str, datetime]]:
    now = datetime.now(timezone.utc)
    return [(f"kill-{feed}-{n}", TITLES[n % len(TITLES)].format(n=n), BODY.format(n=n),
             now - timedelta(seconds=count - k)) for k, n in enumerate(range(start, start + count))]


# ---------------------------------------------------------------- the servers, as seen from outside


class MinifluxSide:
    name, flags, can_add = "miniflux", ("read", "starred"), True
    write = re.compile(rb"(?:PUT|POST|DELETE) /v1/")

    def __init__(self, articles: int, feeds: int, tmp: Path) -> None:
        binary = miniflux_binary()
        if binary is None:
            raise SystemExit("Miniflux is not installed: run .ci/servers/miniflux.sh")
        self.pg = start_postgres()
        self.site = FeedSite()
        self.server = MinifluxServer(binary, self.pg, tmp)
        self.user = self.server.create_user(self.site, prefix="kill")
        self.sizes: dict[int, int] = {}      # feed number -> items published
        self.ids: dict[int, int] = {}        # feed number -> Miniflux feed id
        for f, count in enumerate(split(articles, feeds)):
            items = [Item(g, t, c, published=p) for g, t, c, p in items_for(f, 0, count)]
            url = self.site.publish(f"feed{f}", f"Стрічка {f} / フィード", items)
            self.ids[f] = self.user.add_feed(url, category=f"Категорія {f % 3}")
            self.sizes[f] = count
        wait_until(lambda: len(self.entries()) >= articles, "the entries in Miniflux", 600, 0.5)
        self.relay = Relay(self.server.port)
        # The API key as the password (no bcrypt per request): README, "Syncing with Miniflux".
        self.client = ReaderClient(tmp / "miniflux", "miniflux", self.relay.url + "/", "",
                                   self.user.api_key)
        self.added = 0

    def sql(self, query: str) -> list[list[str]]:
        out = self.pg.sql(query, dbname="miniflux")
        return [line.split("|") for line in out.splitlines() if line]

    def entries(self) -> dict[str, tuple[str, dict[str, bool]]]:
        return {r[0]: (r[1], {"read": r[2] == "read", "starred": r[3] == "t"}) for r in self.sql(
            f"SELECT id, feed_id, status, starred FROM entries WHERE user_id = {self.user.user_id}")}

    def feeds(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.sql(
            f"SELECT id, feed_url FROM feeds WHERE user_id = {self.user.user_id}")]

    def other_set(self, flag: str, ids: list[str], value: bool) -> None:
        change = {"status": "read" if value else "unread"} if flag == "read" else {"starred": value}
        self.user.api("PUT", "/v1/entries", json={"entry_ids": [int(i) for i in ids], **change})

    def grow(self, rng: random.Random) -> int:
        added = 0
        for f in rng.sample(sorted(self.ids), min(2, len(self.ids))):
            count = rng.randint(20, 200)
            for g, t, c, p in items_for(f, self.sizes[f], count):
                self.site.add_item(f"feed{f}", Item(g, t, c, published=p))
            self.sizes[f] += count
            feed_id = self.ids[f]
            if not any(fid == str(feed_id) for fid, _ in self.feeds()):
                continue   # (unsubscribed by the user)
            self.user.api("PUT", f"/v1/feeds/{feed_id}/refresh")
            want = self.sizes[f]
            wait_until(lambda: int(self.sql(f"SELECT count(*) FROM entries WHERE feed_id = "
                                            f"{feed_id}")[0][0]) >= want, "the new entries")
            added += count
        return added

    def new_feed(self, rng: random.Random) -> str:
        self.added += 1
        name = f"added{self.added}"
        items = [Item(g, t, c, published=p) for g, t, c, p in items_for(100 + self.added, 0,
                                                                          rng.randint(3, 30))]
        return self.site.publish(name, f"Нова стрічка {self.added} / 新しい", items)

    def stop(self) -> None:
        self.relay.down()
        self.server.stop()
        self.site.stop()
        self.pg.stop()


class TtrssSide:
    # (No `add`: tt-rss fetches feeds from 192.0.2.1 through its proxy setting, an
    # address reader itself cannot fetch; tests/sync/ttrss_server.py.)
    name, flags, can_add = "tt-rss", ("read", "starred", "shared"), False
    write = re.compile(rb'"op": ?"(?:updateArticle|subscribeToFeed|unsubscribeFeed|catchupFeed)"')
    FIELDS = {"starred": 0, "shared": 1, "read": 2}

    def __init__(self, articles: int, feeds: int, tmp: Path) -> None:
        self.server = start_ttrss()
        self.user = self.server.add_user()
        self.items: dict[int, list[dict]] = {}
        self.ids: dict[int, int] = {}
        for f, count in enumerate(split(articles, feeds)):
            self.items[f] = [{"guid": g, "title": t, "html": c, "date": int(p.timestamp())}
                             for g, t, c, p in items_for(f, 0, count)]
            self.ids[f] = self.user.subscribe(self.publish(f))
            self.user.update_feed(self.ids[f])
        self.relay = Relay(self.server.port)
        self.client = ReaderClient(tmp / "ttrss", "ttrss", self.relay.url + "/", self.user.login,
                                   self.user.password)

    def publish(self, f: int) -> str:
        return self.server.feeds.publish(f"kill/feed{f}.xml",
                                         rss(f"Стрічка {f} / フィード", self.items[f]))

    def sql(self, query: str) -> list[list[str]]:
        return [line.split("|") for line in self.server.sql(query).splitlines() if line]

    def entries(self) -> dict[str, tuple[str, dict[str, bool]]]:
        return {r[0]: (r[1], {"read": r[2] == "f", "starred": r[3] == "t", "shared": r[4] == "t"})
                for r in self.sql("SELECT ref_id, feed_id, unread, marked, published FROM "
                                  f"ttrss_user_entries WHERE owner_uid = {self.user.uid} "
                                  "AND feed_id IS NOT NULL")}

    def feeds(self) -> list[tuple[str, str]]:
        return [(r[0], r[1]) for r in self.sql(
            f"SELECT id, feed_url FROM ttrss_feeds WHERE owner_uid = {self.user.uid}")]

    def other_set(self, flag: str, ids: list[str], value: bool) -> None:
        mode = int(not value) if flag == "read" else int(value)
        self.user.call("updateArticle", article_ids=",".join(ids), field=self.FIELDS[flag],
                       mode=mode)

    def grow(self, rng: random.Random) -> int:
        added = 0
        subscribed = {fid for fid, _ in self.feeds()}
        for f in rng.sample(sorted(self.ids), min(2, len(self.ids))):
            if str(self.ids[f]) not in subscribed:
                continue
            count = rng.randint(20, 200)
            start = len(self.items[f])
            self.items[f] += [{"guid": g, "title": t, "html": c, "date": int(p.timestamp())}
                              for g, t, c, p in items_for(f, start, count)]
            self.publish(f)
            self.user.update_feed(self.ids[f])
            added += count
        return added

    def stop(self) -> None:
        self.relay.down()
        self.server.stop()
