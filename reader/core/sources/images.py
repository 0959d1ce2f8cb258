"""An article's image, fetched over http(s) by the feeds' fetcher (ingest/fetch.py).

The same client settings, timeouts, redirect rules and decompression caps as a feed,
with a size cap of its own: an image is never worth a feed's 16 MiB. Only http(s):
a feed must not make the reader read a local file (file://) by naming it as an image,
and a redirect to another scheme is refused by the fetcher.
"""

from __future__ import annotations

import asyncio
import dataclasses
from urllib.parse import urlsplit

from ..ingest.images import ImageFailure
from ..models import FetchRequest

IMAGE_MAX_BYTES = 10 * 1024 * 1024
IMAGE_TIMEOUT = 15.0  # seconds for the whole exchange: a picture is not worth a long wait
# A server may call an image anything it likes but text: an HTML error page or a login
# page answered at the image's URL is refused before Pillow sees it.
_NOT_IMAGES = ("text/", "application/json", "application/xml", "application/xhtml")


def image_settings(settings):
    """The feeds' FetchSettings with the image caps."""
    return dataclasses.replace(
        settings,
        max_bytes=min(settings.max_bytes, IMAGE_MAX_BYTES),
        timeout=min(settings.timeout, IMAGE_TIMEOUT),
        concurrency=2,
        per_host=2,
    )


def fetch_image(url: str, settings) -> bytes:
    """The image's bytes (blocking: call it in a thread). ImageFailure (one line) when
    the URL is not http(s), the server fails, the body is over the cap or not an image."""
    try:
        scheme = urlsplit(url.strip()).scheme.lower()
    except ValueError:
        raise ImageFailure("invalid image URL") from None
    if scheme not in ("http", "https"):
        raise ImageFailure(f"not an http(s) image URL ({scheme or 'no scheme'})")
    return asyncio.run(_fetch(url.strip(), image_settings(settings)))


async def _fetch(url: str, settings) -> bytes:
    from ..ingest.fetch import describe_failure, open_fetcher

    async with open_fetcher(settings) as fetcher:
        try:
            raw = await fetcher.fetch_raw(FetchRequest(0, url))
        except Exception as exc:  # the fetcher's own failures are results; this is the rest
            raise ImageFailure(describe_failure(exc, url, settings)) from None
    if raw.body is None:
        if raw.result.status == "gone":  # (the fetcher's reason for 410 speaks of feeds)
            raise ImageFailure("HTTP 410 Gone")
        raise ImageFailure(raw.result.error or f"no image ({raw.result.status})")
    kind = (raw.content_type or "").split(";")[0].strip().lower()
    if kind.startswith(_NOT_IMAGES):
        raise ImageFailure(f"not an image ({kind})")
    return raw.body
