"""Pictures in the article pane: alt text while an image loads, the picture after, the
failures as one line, the off setting and the i key; and the real app on a pty,
drawing with half-blocks and with sixels."""

from __future__ import annotations

import asyncio
import fcntl
import io
import os
import pty
import select
import struct
import subprocess
import sys
import termios
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from PIL import Image

from reader.core.config import Config
from reader.core.image_cache import ImageCache
from reader.core.library import Library
from reader.ui import graphics
from reader.ui.widgets.article_images import ArticleImages

from .conftest import add_feed, entry, quiet_app, settle, wait_until

ROOT = Path(__file__).resolve().parents[2]


def png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


class ImageServer:
    """127.0.0.1: /lead.png waits for `gate`; /second.png at once; /broken.png is junk."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.hits.append(self.path)
                if self.path == "/lead.png":
                    server.gate.wait(20)
                    body = png((400, 200), (220, 30, 30))
                elif self.path == "/second.png":
                    body = png((100, 100), (30, 30, 220))
                elif self.path == "/markup.png":  # a reason phrase is server text too
                    self.send_response(502, "[@click=app.quit]Bad[/]")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                else:
                    body = b"\x89PNG junk"
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.base = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.gate.set()
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def images_server():
    server = ImageServer()
    yield server
    server.stop()


def article_html(base: str) -> str:
    return (
        f'<p>Перший абзац.</p><img src="{base}/lead.png" alt="Сонце над Дніпром">'
        f'<p>二つ目の段落。</p><img src="{base}/second.png" alt="写真">'
        f'<img src="{base}/broken.png" alt="Зламане [фото]">'
        f'<img src="{base}/markup.png" alt="[b]bold[/b] :smile:">'
    )


def image_library(tmp_path: Path, base: str, **config) -> Library:
    lib = Library(tmp_path / "reader.db", Config(timeout=10, **config))
    lib.image_cache = ImageCache(tmp_path / "cache")
    add_feed(lib, "http://127.0.0.1:9/f", "Новини", [],
             [entry(1, "Фото дня", content=article_html(base))])
    return lib


@pytest.fixture
def halfcells():
    graphics.use("halfcell")
    yield
    graphics.use(None)


def pane_images(app) -> tuple[ArticleImages, ArticleImages]:
    return (app.main.query_one("#article-lead-image", ArticleImages),
            app.main.query_one("#article-images", ArticleImages))


def captions(widget: ArticleImages) -> list[str]:
    return [str(s.render()) for s in widget.query(".image-caption")]


def pictures(widget: ArticleImages) -> list:
    return list(widget.query(".image"))


async def until(pilot, predicate, timeout: float = 10.0) -> None:
    """Wait for a state while a worker is still busy (settle would wait for it)."""
    end = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < end, "condition not met in time"
        await pilot.pause(0.02)


async def test_alt_text_while_loading_then_the_pictures(tmp_path, images_server, halfcells):
    lib = image_library(tmp_path, images_server.base)
    threads: list[str] = []
    image = lib.image
    lib.image = lambda *a: threads.append(threading.current_thread().name) or image(*a)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        lead, others = pane_images(app)
        # the lead image is held by the server: its alt text stands in its place
        await until(pilot, lambda: captions(lead) == ["◌ Сонце над Дніпром"])
        assert lead.display and not pictures(lead)
        images_server.gate.set()
        await wait_until(pilot, app, lambda: pictures(lead) and len(captions(others)) == 3
                         and "not shown" in captions(others)[2])
        picture = pictures(lead)[0]
        assert captions(lead) == ["Сонце над Дніпром"]
        # 400x200 pixels at 10x20 a cell: 40 columns by 10 lines, drawn in half-blocks
        assert (picture.size.width, picture.size.height) == (40, 10)
        assert "▀" in "".join(s.text for s in picture.render_lines(picture.region.reset_offset)[0])
        assert len(pictures(others)) == 1 and captions(others)[0] == "写真"
        assert captions(others)[1] == (
            "▫ Зламане (фото)  (not shown: not a PNG, JPEG, WebP or GIF image)")
        # markup in alt text and in a server's words is shown as it is, never run
        assert captions(others)[2] == (
            "▫ (b)bold(/b) :smile:  (not shown: HTTP 502 [@click=app.quit]Bad[/])")
        assert app.is_running
        assert threads and "MainThread" not in threads  # never on the event loop
    lib.close()


async def test_images_off_shows_the_text_alone_until_i(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = image_library(tmp_path, images_server.base, images="off")
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        lead, others = pane_images(app)
        assert not lead.display and not others.display and not images_server.hits
        body = app.main.query_one("#article-body")
        assert "[image: Сонце над Дніпром]" in body.source  # the text names each image
        await pilot.press("i")
        await wait_until(pilot, app, lambda: pictures(lead) and len(pictures(others)) == 1)
        assert lead.display and others.display
        await pilot.press("i")
        await settle(pilot, app)
        assert not lead.display and not others.display and not pictures(lead)
        # on again: from the cache (the broken one remembered), nothing fetched again
        hits = len(images_server.hits)
        await pilot.press("i")
        await wait_until(pilot, app, lambda: pictures(lead) and len(captions(others)) == 3)
        assert len(images_server.hits) == hits == 4
    lib.close()


async def test_no_pictures_where_the_terminal_cannot_draw(tmp_path, images_server):
    graphics.use(None)  # (not a terminal: Pilot, a pipe)
    lib = image_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert not any(w.display for w in pane_images(app)) and not images_server.hits
    lib.close()


async def test_closing_the_article_drops_its_pictures(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = image_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        lead, _ = pane_images(app)
        await wait_until(pilot, app, lambda: pictures(lead))
        app.main.article.show_placeholder()
        await settle(pilot, app)
        assert not lead.display and not pictures(lead)
    lib.close()


async def test_pictures_are_fitted_again_when_the_pane_narrows(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = image_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        lead, _ = pane_images(app)
        await wait_until(pilot, app, lambda: pictures(lead))
        assert pictures(lead)[0].size.width == 40  # the picture's own width: it fits
        await pilot.resize_terminal(100, 40)  # (the pane: 41 columns)
        pane = app.main.article.scrollable_content_region.width
        await wait_until(pilot, app, lambda: pictures(lead)
                         and pictures(lead)[0].size.width <= pane - 2)
        assert pictures(lead)[0].size.width < 40
    lib.close()


def test_a_bad_images_setting_is_one_line(tmp_path):
    from reader.core.config import load_config
    from reader.core.errors import ConfigError

    path = tmp_path / "c.toml"
    path.write_text('[ui]\nimages = "sixel"\n')
    with pytest.raises(ConfigError, match=r'\[ui\] images must be "auto" or "off", not \'sixel\''):
        load_config(path)
    path.write_text('[ui]\nimages = "off"\n')
    assert load_config(path).images == "off"


# ---------------------------------------------------------------- the real app on a pty


def _run_on_pty(db: Path, tmp_path: Path, kind: str) -> tuple[int | None, bytes]:
    """The reader on a 120x40 pty: open the article, wait for a picture, close, quit.
    The "terminal" answers the reader's Device Attributes query, with sixel or without;
    "kitty" is kitty by its environment."""
    sixel = kind == "sixel"
    config = tmp_path / "c.toml"
    config.write_text('refresh_interval = 0\n[ui]\nimages = "auto"\n')
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 1200, 800))
    env = {**os.environ, "TERM": "xterm-256color", "XDG_CACHE_HOME": str(tmp_path / "xdg")}
    for name in ("TMUX", "KITTY_WINDOW_ID", "READER_DEBUG"):
        env.pop(name, None)
    if kind == "kitty":
        env["KITTY_WINDOW_ID"] = "1"
    proc = subprocess.Popen(
        [sys.executable, "-m", "reader.cli", "--db", str(db), "--config", str(config)],
        stdin=slave, stdout=slave, stderr=slave, env=env, cwd=ROOT, close_fds=True,
        start_new_session=True,
    )
    os.close(slave)
    out = bytearray()
    answered = False

    def pump_until(marker: bytes, seconds: float, after: int = 0) -> None:
        """Read until `marker` shows up in what comes after byte `after`."""
        nonlocal answered
        end = time.monotonic() + seconds
        while marker not in out[after:] and time.monotonic() < end:
            if select.select([master], [], [], 0.02)[0]:
                try:
                    out.extend(os.read(master, 65536))
                except OSError:
                    return
            if not answered and b"\x1b[c" in out:
                answered = True
                os.write(master, b"\x1b[?62;4;22c" if sixel else b"\x1b[?62;22c")

    try:
        pump_until("Фото дня".encode(), 20)
        os.write(master, b"\r")
        pump_until({"sixel": b"\x1bP", "kitty": b"\x1b_G"}.get(kind, "▀".encode()), 20)
        pump_until(b"HTTP 502", 20)  # the last image's failure: all of them are in
        for _ in range(3):  # q closes the article where it has the focus, then quits
            os.write(master, b"q")
            pump_until(b"\x1b[?1049l", 5)  # the app left the alternate screen: it quit
            if b"\x1b[?1049l" in out:
                break
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        code = None
    finally:
        os.close(master)
    return code, bytes(out)


@pytest.mark.parametrize("kind", ["half-blocks", "sixel", "kitty"])
def test_the_app_on_a_terminal_draws_the_pictures_and_quits(tmp_path, images_server, kind):
    images_server.gate.set()
    image_library(tmp_path, images_server.base).close()
    code, out = _run_on_pty(tmp_path / "reader.db", tmp_path, kind)
    assert code == 0, out[-2000:]
    assert b"Traceback" not in out
    # asked once, before the app started; kitty is known by its environment
    assert out.count(b"\x1b[c") == (0 if kind == "kitty" else 1)
    if kind == "sixel":
        assert b"\x1bP" in out and b"\x1b_G" not in out  # a sixel image (DCS ... q ...)
    elif kind == "kitty":
        assert b"\x1b_G" in out and b"\x1bP" not in out  # the kitty graphics protocol (APC G)
    else:
        assert "▀".encode() in out and b"\x1bP" not in out and b"\x1b_G" not in out
    assert len(list((tmp_path / "xdg" / "reader" / "images").iterdir())) == 2  # cached
