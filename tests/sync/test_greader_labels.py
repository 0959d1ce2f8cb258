"""Labels on items through the Google Reader API: FreshRSS has them (tag/list type "tag"),
Miniflux has folders only. Miniflux is real (its answer: no labels, in one call);
FreshRSS cannot be installed here, so its answers are played by the canned server in
the shape its API documents."""

from __future__ import annotations

import json

from reader.core.sources.sync.greader import GReaderBackend


def test_miniflux_has_folders_only_so_no_labels(miniflux):
    miniflux.publish_feed("labels", ["Перша", "Друга"], "Новини")
    backend = GReaderBackend(miniflux.greader_url, miniflux.username, miniflux.password)
    try:
        marks = backend.marks()
    finally:
        backend.close()
    assert marks.labels == {} and marks.shared is None


def test_freshrss_labels_are_read_whole_and_folders_left_out(canned_server):
    tags = {"tags": [
        {"id": "user/-/state/com.google/starred"},
        {"id": "user/-/label/Новини", "type": "folder"},
        {"id": "user/-/label/Важливо", "type": "tag"},
        {"id": "user/-/label/後で読む", "type": "tag"}]}
    canned_server.script = [
        (200, b"SID=x\nLSID=x\nAuth=token-1\n"),
        (200, json.dumps(tags, ensure_ascii=False).encode()),
        (200, json.dumps({"itemRefs": [{"id": "11"}, {"id": "12"}]}).encode()),
        (200, json.dumps({"itemRefs": [{"id": "13"}]}).encode()),
    ]
    backend = GReaderBackend(canned_server.url + "/api/greader.php", "me", "pw")
    try:
        marks = backend.marks()
    finally:
        backend.close()
    assert marks.labels == {"Важливо": frozenset({"11", "12"}), "後で読む": frozenset({"13"})}
    streams = [r for r in canned_server.requests if "stream/items/ids" in r]
    assert len(streams) == 2 and not any("%D0%9D%D0%BE%D0%B2%D0%B8%D0%BD%D0%B8" in r
                                         for r in streams)   # (the folder Новини: not asked)
