"""Ingest: bytes from the network to plain decisions, with no SQL.

fetch (HTTP), parse (feed formats), content and text (HTML -> text), sanitize
(untrusted strings), workers (parsing off the fetch loop), identity (which stored
article an entry is) and schedule (when a feed is fetched next)."""
