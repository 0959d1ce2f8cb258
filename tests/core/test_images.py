"""Images for the article pane: fetched from a loopback server through the capped
fetcher, decoded by Pillow with the dimensions checked first, cached on disk."""

from __future__ import annotations

import io
import os
import struct
import time
import zlib
from pathlib import Path

import pytest
from PIL import Image

from reader.core.config import Config
from reader.core.image_cache import ImageCache
from reader.core.ingest.content import render_article
from reader.core.ingest.image_refs import image_refs
from reader.core.ingest.images import ImageFailure, decode_image
from reader.core.library import Library
from reader.core.models import Enclosure, ImageRef
from reader.core.sources.images import IMAGE_MAX_BYTES


def picture(fmt: str, size: tuple[int, int] = (64, 48), **save) -> bytes:
    image = Image.new("RGB", size, (200, 30, 40))
    out = io.BytesIO()
    image.save(out, fmt, **save)
    return out.getvalue()


def animated_gif() -> bytes:
    frames = [Image.new("P", (32, 32), i) for i in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def png_declaring(width: int, height: int) -> bytes:
    """A few dozen bytes of PNG whose header claims width x height pixels."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@pytest.fixture
def library(tmp_path: Path):
    lib = Library(tmp_path / "reader.db", Config(timeout=5, connect_timeout=2))
    lib.image_cache = ImageCache(tmp_path / "images")
    yield lib
    lib.close()


# ---------------------------------------------------------------- fetched and decoded


@pytest.mark.parametrize(
    ("fmt", "kind"),
    [("PNG", "image/png"), ("JPEG", "image/jpeg"), ("WEBP", "image/webp"), ("GIF", "image/gif")],
)
def test_each_format_is_fetched_decoded_and_fitted(library, feed_server, fmt, kind):
    url = feed_server.route(f"/a.{fmt.lower()}", picture(fmt, (800, 400)), content_type=kind)
    result = library.image(url, 200, 300)
    assert result.status == "ok", result.error
    assert result.image.size == (200, 100)  # scaled down to the box, its shape kept
    assert result.image.mode in ("RGB", "RGBA")


def test_an_image_is_asked_for_with_its_feeds_user_agent(library, feed_server):
    """As the feed and its pages are: a site that answers only some agents answers
    its pictures the same way."""
    feed_id = library.store.add_feed("http://127.0.0.1:9/agency", title="Агенція")
    library.set_feed_settings(feed_id, ["user_agent=AgencyBot/2.0 (+https://a.example)"])
    url = feed_server.route("/ua.png", picture("PNG"), content_type="image/png")
    assert library.image(url, 100, 100, feed_id).status == "ok"
    other = feed_server.route("/plain.png", picture("PNG"), content_type="image/png")
    assert library.image(other, 100, 100).status == "ok"
    assert feed_server.requests_to("/ua.png")[0].headers["user-agent"] == (
        "AgencyBot/2.0 (+https://a.example)")
    assert feed_server.requests_to("/plain.png")[0].headers["user-agent"].startswith("reader/")


def test_an_animated_gif_shows_its_first_frame(library, feed_server):
    url = feed_server.route("/anim.gif", animated_gif(), content_type="image/gif")
    result = library.image(url, 100, 100)
    assert result.status == "ok" and result.image.size == (32, 32)


def test_an_image_with_no_content_type_or_octet_stream_is_sniffed(library, feed_server):
    bare = feed_server.route("/bare", picture("PNG"), content_type=None)
    octets = feed_server.route("/octets", picture("PNG"), content_type="application/octet-stream")
    assert library.image(bare, 100, 100).status == "ok"
    assert library.image(octets, 100, 100).status == "ok"


@pytest.mark.parametrize(
    ("body", "kind", "reason"),
    [
        (b"<html><body>Please log in</body></html>", "text/html", "not an image (text/html)"),
        (b"<html><body>Sign in</body></html>", "image/png", "not a PNG, JPEG, WebP or GIF image"),
        (picture("BMP"), "image/bmp", "not a PNG, JPEG, WebP or GIF image"),
        (b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml", "not a PNG, JPEG"),
        (picture("PNG", (300, 300))[:200], "image/png", "broken image"),
        (picture("JPEG", (300, 300))[:300], "image/jpeg", "broken image"),
        (b"", "image/png", "empty image"),
        (png_declaring(100_000, 100_000), "image/png", "image dimensions too large"),
        # under Pillow's own limit, over ours: refused from the header alone
        (png_declaring(10_000, 6_000), "image/png", "image dimensions too large (10000x6000)"),
        (png_declaring(30_000, 1), "image/png", "image dimensions too large (30000x1)"),
    ],
    ids=["html", "html-as-png", "bmp", "svg", "truncated-png", "truncated-jpeg", "empty",
         "bomb", "big", "strip"],
)
def test_a_hostile_or_broken_image_is_a_one_line_reason(library, feed_server, body, kind, reason):
    url = feed_server.route("/img", body, content_type=kind)
    result = library.image(url, 400, 400)
    assert result.status == "error" and result.image is None
    assert result.error.startswith(reason), result.error
    assert "\n" not in result.error


def test_a_bomb_is_refused_before_its_pixels_are_decoded():
    started = time.process_time()
    with pytest.raises(ImageFailure, match="too large"):
        decode_image(png_declaring(100_000, 100_000), 400, 400)
    assert time.process_time() - started < 0.5  # 10^10 pixels would take minutes


def test_an_image_over_the_size_cap_is_refused(library, feed_server):
    big = feed_server.route("/big.png", b"\x89PNG" + b"\0" * (IMAGE_MAX_BYTES + 10),
                            content_type="image/png")
    result = library.image(big, 100, 100)
    assert result.status == "error" and "larger than 10 MiB" in result.error
    # a server that hides the size (no Content-Length it can be held to) is cut off too
    gz = feed_server.route("/gz.png", b"\0" * (IMAGE_MAX_BYTES + 10), content_type="image/png",
                           encoding="gzip")
    result = library.image(gz, 100, 100)
    assert result.status == "error" and "larger than 10 MiB" in result.error


def test_only_http_images_are_fetched(library, tmp_path, feed_server):
    secret = tmp_path / "secret.png"
    secret.write_bytes(picture("PNG"))
    for url in (secret.as_uri(), f"file://localhost{secret}", "data:image/png;base64,AAAA",
                "ftp://127.0.0.1/x.png", "javascript:alert(1)"):
        result = library.image(url, 100, 100)
        assert result.status == "error" and "not an http(s) image URL" in result.error, url
    # nor through a redirect
    hop = feed_server.redirect("/hop.png", secret.as_uri(), status=302)
    result = library.image(hop, 100, 100)
    assert result.status == "error" and result.error == "redirect to a non-HTTP URL refused"


def test_server_failures_are_reasons(library, feed_server):
    missing = feed_server.url("/missing.png")
    assert library.image(missing, 100, 100).error == "HTTP 404 Not Found"
    gone = feed_server.route("/gone.png", b"", status=410)
    assert library.image(gone, 100, 100).error == "HTTP 410 Gone"
    closed = "http://127.0.0.1:9/none.png"  # the discard port: nothing listens
    assert library.image(closed, 100, 100).error.startswith("cannot connect to 127.0.0.1")


def test_a_redirect_to_an_image_is_followed(library, feed_server):
    feed_server.route("/real.jpg", picture("JPEG"), content_type="image/jpeg")
    hop = feed_server.redirect("/moved.jpg", "/real.jpg")
    assert library.image(hop, 100, 100).status == "ok"


# ---------------------------------------------------------------- the cache


def test_an_image_is_fetched_once_then_read_from_disk(library, feed_server, tmp_path):
    url = feed_server.route("/once.png", picture("PNG"), content_type="image/png")
    assert library.image(url, 100, 100).status == "ok"
    assert library.image(url, 50, 50).image.size == (50, 38)  # decoded again at the new size
    assert len(feed_server.requests_to("/once.png")) == 1
    files = list((tmp_path / "images").iterdir())
    assert len(files) == 1 and "once" not in files[0].name  # named by hash, not by the server
    # a new session (another Library on the same cache) works offline
    other = Library(tmp_path / "other.db", Config())
    other.image_cache = ImageCache(tmp_path / "images")
    feed_server.routes.clear()
    assert other.image(url, 100, 100).status == "ok"
    other.close()


def test_a_failure_is_not_fetched_again_at_once(library, feed_server):
    url = feed_server.route("/bad.png", b"junk", content_type="image/png")
    first = library.image(url, 100, 100)
    second = library.image(url, 100, 100)
    assert first.status == second.status == "error" and first.error == second.error
    assert len(feed_server.requests_to("/bad.png")) == 1
    assert not any((library.image_cache.directory).glob("*"))  # nothing broken kept


def test_the_cache_keeps_to_its_budget_evicting_the_least_recently_used(tmp_path):
    cache = ImageCache(tmp_path / "c", budget=2500)
    for name in ("a", "b"):
        cache.put(name, b"x" * 1000)
    past = time.time() - 100
    for path in (tmp_path / "c").iterdir():
        os.utime(path, (past, past))
    assert cache.get("a") == b"x" * 1000  # a used now: b is the older
    cache.put("c", b"y" * 1000)
    assert cache.get("b") is None
    assert cache.get("a") is not None and cache.get("c") is not None
    cache.put("huge", b"z" * 3000)  # over the whole budget: not kept, nothing evicted for it
    assert cache.get("huge") is None and cache.get("a") is not None


def test_an_unwritable_cache_is_no_error(library, feed_server, tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    library.image_cache = ImageCache(blocker / "images")
    url = feed_server.route("/p.png", picture("PNG"), content_type="image/png")
    assert library.image(url, 100, 100).status == "ok"


# ---------------------------------------------------------------- which images


def test_image_refs_come_from_the_rendered_article_in_order():
    html = (
        '<p>Вступ</p><img src="/lead.jpg" alt="Київ уночі [фото]">'
        '<p>Text <a href="/more">more</a></p>'
        '<img src="https://cdn.example/b.png" alt="写真">'
        '<img src="/lead.jpg" alt="again">'  # the same picture twice: shown once
        '<img src="data:image/png;base64,AAAA" alt="inline data">'  # no URL to fetch
        '<img src="https://pixel.wp.com/t.gif" width="1" height="1">'  # a tracker: dropped
        '<img src="https://cdn.example/c.png">'
    )
    rendered = render_article(html, "https://news.example/uk/story")
    refs = image_refs(rendered.markdown, rendered.links)
    assert refs == [
        ImageRef("https://news.example/lead.jpg", "Київ уночі [фото]"),
        ImageRef("https://cdn.example/b.png", "写真"),
        ImageRef("https://cdn.example/c.png", ""),
    ]


def test_an_image_enclosure_is_the_lead_image_of_an_article_without_one():
    enclosures = [Enclosure("https://a.example/ep.mp3", "audio/mpeg"),
                  Enclosure("https://a.example/photo.jpg", "image/jpeg"),
                  Enclosure("file:///etc/passwd", "image/png")]
    assert image_refs("No pictures here.", [], enclosures) == [
        ImageRef("https://a.example/photo.jpg", "")
    ]
    rendered = render_article('<img src="https://a.example/in.png" alt="in">')
    assert image_refs(rendered.markdown, rendered.links, enclosures) == [
        ImageRef("https://a.example/in.png", "in")
    ]
