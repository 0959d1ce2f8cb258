"""An article held here before the server's copy of it was pulled (a feed added with
`reader add`, fetched here at once, subscribed on the server by the push): the first
pull links the two (storage/sync.py, store_entries). A mark made here before that link
had nothing to queue (no server id yet); found by benchmarks/bench_sync_kill.py."""
# ruff: noqa: F811 (the fixtures imported from engine_fixtures.py, named as arguments)

from __future__ import annotations

from .engine_fixtures import by_title, lib, relay, remote_ids, server  # noqa: F401
from .servers import Item


def test_a_mark_made_before_the_server_id_is_known_is_pushed_not_undone(lib, server, miniflux):
    assert lib.sync().ok
    site, name = miniflux.feed_server, miniflux.username
    url = site.publish(f"{name}-new", "Свіжі новини / 新着", [
        Item(f"{name}-n{i}", f"Свіжа новина {i}", f"<p>東京 {i}</p>") for i in range(3)])
    feed, _ = lib.add_feed(url)
    assert lib.sync(push_only=True).ok          # subscribed there (as `reader add` does)
    mine = by_title(lib)
    assert remote_ids(lib)["Свіжа новина 0"] is None   # (not pulled from the server yet)
    lib.set_read([mine["Свіжа новина 0"].id])
    lib.set_starred([mine["Свіжа новина 1"].id])
    # Another device reads the third on the server meanwhile: the server's mark wins there.
    entry = {e["title"]: e["id"] for e in miniflux.entries()}
    miniflux.api("PUT", "/v1/entries", json={"entry_ids": [entry["Свіжа новина 2"]],
                                             "status": "read"})
    summary = lib.sync()
    assert summary.ok, summary.error
    mine = by_title(lib)
    assert (mine["Свіжа новина 0"].read, mine["Свіжа новина 0"].starred) == (True, False)
    assert (mine["Свіжа новина 1"].read, mine["Свіжа новина 1"].starred) == (False, True)
    assert mine["Свіжа новина 2"].read
    flags = {e["title"]: (e["status"], e["starred"]) for e in miniflux.entries()}
    assert flags["Свіжа новина 0"] == ("read", False)
    assert flags["Свіжа новина 1"] == ("unread", True)
    assert flags["Свіжа новина 2"] == ("read", False)
    assert lib.sync_pending() == 0 and lib.count("Свіжа") == 3
