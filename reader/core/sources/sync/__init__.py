"""Sync backends: servers that keep the subscriptions, read state and stars (issue 12).

base.py is the one small protocol every backend implements (SyncBackend) and the plain
data it hands back; client.py the HTTP client they share (caps, timeouts, errors that
never carry a secret). One module per service: miniflux.py (Miniflux's REST API),
greader.py (the Google Reader API: FreshRSS, Miniflux, Inoreader, ...), ttrss.py (Tiny
Tiny RSS's JSON API). core/sync.py drives them; storage/sync.py keeps the queue.
"""
