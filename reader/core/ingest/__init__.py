"""Ingest: bytes from the network to plain decisions, with no SQL.

fetch (the HTTP loop), body (capped, decompressed bodies), discover (the feed behind
a page), parse (dispatch and the fast path) with guards, encoding, fields, dates,
fallback and feed_links; content and text (HTML -> Markdown and plain text);
workers (parsing off the fetch loop); identity (which stored article an entry is)
and schedule (when a feed is fetched next)."""
