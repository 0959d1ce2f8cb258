"""Pictures in the article pane: each where the text puts it (the feed's text and the
full article), alt text while an image loads, the picture after, the failures as one
line, the off setting and the i key, the reader's place kept as pictures come and go;
and the real app on a pty, drawing with half-blocks, sixels and kitty's protocol."""

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
from dataclasses import replace
from pathlib import Path

import pytest
from PIL import Image

from reader.core.config import Config
from reader.core.image_cache import ImageCache
from reader.core.library import Library
from reader.core.models import Enclosure
from reader.ui import graphics
from reader.ui.widgets.article_images import ImageSlot

from .conftest import add_feed, entry, quiet_app, settle, wait_until

ROOT = Path(__file__).resolve().parents[2]


def png(size: tuple[int, int], colour: tuple[int, int, int]) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, "PNG")
    return out.getvalue()


class ImageServer:
    """127.0.0.1: /lead.png waits for `gate`; /second.png, /wide.png at once; /broken.png is junk;
    /page.html a news page with text, a picture, text, a picture (the full article)."""

    def __init__(self) -> None:
        self.gate = threading.Event()
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def do_GET(self) -> None:
                server.hits.append(self.path)
                kind = "image/png"
                if self.path == "/lead.png":
                    server.gate.wait(20)
                    body = png((400, 200), (220, 30, 30))
                elif self.path == "/second.png":
                    body = png((100, 100), (30, 30, 220))
                elif self.path == "/wide.png":
                    body = png((600, 200), (30, 160, 30))
                elif self.path == "/page.html":
                    body, kind = news_page().encode(), "text/html; charset=utf-8"
                elif self.path == "/markup.png":  # a reason phrase is server text too
                    self.send_response(502, "[@click=app.quit]Bad[/]")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                else:
                    body = b"\x89PNG junk"
                self.send_response(200)
                self.send_header("Content-Type", kind)
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


def news_page() -> str:
    """An agency's page: navigation, the story (text, picture, text, picture), related."""
    story = " ".join(["Уряд ухвалив програму відновлення енергетики на наступний рік."] * 3)
    return (
        '<html lang="uk"><head><meta charset="utf-8"><title>Новини</title></head><body>'
        '<nav><a href="/uk/">Головна</a> <a href="/uk/politics">Політика</a></nav>'
        '<article><h1>Енергетика</h1>'
        f"<p>Перший абзац сторінки. {story}</p>"
        '<figure><img src="/second.png" alt="Підстанція"></figure>'
        f"<p>Другий абзац сторінки. {story}</p>"
        '<figure><img src="/lead.png" alt="Лінія електропередач"></figure>'
        f"<p>Третій абзац сторінки. {story}</p>"
        '</article><aside><a href="/uk/1">Читайте також</a></aside></body></html>'
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


def slots(app) -> list[ImageSlot]:
    return list(app.main.article.query(ImageSlot))


def captions(app) -> list[str]:
    return [str(s.query_one(".image-caption").render()) for s in slots(app)]


def pictures(app) -> list:
    return list(app.main.article.query(".image"))


def parts(app) -> list[tuple[str, str]]:
    """What the pane shows, top to bottom: ("text", a block's words, its wrapping undone),
    ("picture" or "alt", a picture's caption); checked against where each is drawn."""
    view = app.main.article
    body = view.query_one("#article-body")
    runs = body.runs()
    shown = [w for w in [*view.query("#article-lead-image ImageSlot"), *body.children]
             if w.display and (isinstance(w, ImageSlot) or w in runs)]
    out = []
    tops = []
    for widget in shown:
        if isinstance(widget, ImageSlot):
            kind = "picture" if widget.query(".image") else "alt"
            out.append((kind, str(widget.query_one(".image-caption").render())))
            tops.append(widget.region.y)
            continue
        for start, lines in block_lines(widget):
            out.append(("text", " ".join(" ".join(line.text.plain for line in lines).split())))
            tops.append(widget.content_region.y + start)
    assert tops == sorted(tops) and len(set(tops)) == len(tops), "not drawn in this order"
    return out


def block_lines(run) -> list[tuple[int, list]]:
    """Each block a run draws: its first line in the run, and its lines."""
    lines = run.lines_at(run.content_region.width)
    starts = [run.line_of(block) for block in run.blocks if not block.hidden]
    ends = [*starts[1:], len(lines)]
    return [(start, lines[start:end]) for start, end in zip(starts, ends)]


async def until(pilot, predicate, timeout: float = 10.0) -> None:
    """Wait for a state while a worker is still busy (settle would wait for it)."""
    end = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < end, "condition not met in time"
        await pilot.pause(0.02)


BROKEN = "▫ Зламане [фото] [3]  (not shown: not a PNG, JPEG, WebP or GIF image)"
MARKUP = "▫ [b]bold[/b] :smile: [4]  (not shown: HTTP 502 [@click=app.quit]Bad[/])"


async def test_alt_text_while_loading_then_the_pictures(tmp_path, images_server, halfcells):
    lib = image_library(tmp_path, images_server.base)
    threads: list[str] = []
    image = lib.image
    lib.image = lambda *a: threads.append(threading.current_thread().name) or image(*a)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        # the first image is held by the server: its alt text stands in its place
        await until(pilot, lambda: captions(app)[:1] == ["◌ Сонце над Дніпром [1]"])
        assert not pictures(app)
        images_server.gate.set()
        await wait_until(pilot, app, lambda: len(pictures(app)) == 2
                         and captions(app)[-1] == MARKUP)
        picture = pictures(app)[0]
        # 400x200 pixels at 10x20 a cell: 40 columns by 10 lines, drawn in half-blocks
        assert (picture.size.width, picture.size.height) == (40, 10)
        assert "▀" in "".join(s.text for s in picture.render_lines(picture.region.reset_offset)[0])
        # markup in alt text and in a server's words is shown as it is, never run
        assert captions(app) == ["Сонце над Дніпром [1]", "写真 [2]", BROKEN, MARKUP]
        assert app.is_running
        assert threads and "MainThread" not in threads  # never on the event loop
    lib.close()


async def test_each_picture_is_drawn_where_the_text_puts_it(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = image_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 2 and MARKUP in captions(app))
        # a paragraph that only names pictures gives way to them; the lead is the first
        assert parts(app) == [
            ("text", "Перший абзац."),
            ("picture", "Сонце над Дніпром [1]"),
            ("text", "二つ目の段落。"),
            ("picture", "写真 [2]"), ("alt", BROKEN), ("alt", MARKUP),
        ]
        assert not app.main.query_one("#article-lead-image").display  # (the text has one)
    lib.close()


async def test_a_picture_inside_a_sentence_comes_after_it(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = Library(tmp_path / "reader.db", Config(timeout=10))
    lib.image_cache = ImageCache(tmp_path / "cache")
    html = (f'<p>До <img src="{images_server.base}/second.png" alt="синє"> після.</p>'
            "<ul><li>Пункт</li></ul><p>Кінець.</p>")
    add_feed(lib, "http://127.0.0.1:9/f", "Новини", [], [entry(1, "Речення", content=html)])
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 1)
        assert parts(app) == [("text", "До [image: синє][1] після."), ("picture", "синє [1]"),
                              ("text", "• Пункт"), ("text", "Кінець.")]
    lib.close()


async def test_an_image_enclosure_is_the_lead_image_under_the_header(tmp_path, images_server,
                                                                    halfcells):
    images_server.gate.set()
    lib = Library(tmp_path / "reader.db", Config(timeout=10))
    lib.image_cache = ImageCache(tmp_path / "cache")
    item = replace(entry(1, "Подкаст", content="<p>Випуск 7.</p><p>Далі.</p>"),
                   enclosures=[Enclosure(f"{images_server.base}/second.png", "image/png")])
    add_feed(lib, "http://127.0.0.1:9/f", "Новини", [], [item])
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 1)
        lead = app.main.query_one("#article-lead-image")
        header = app.main.query_one("#article-header")
        assert lead.display and len(lead.query(".image")) == 1
        assert header.region.bottom <= lead.region.y < app.main.query_one("#article-body").region.y
        assert parts(app) == [("picture", ""), ("text", "Випуск 7."), ("text", "Далі.")]
    lib.close()


async def test_the_full_article_shows_its_pictures_where_the_page_has_them(
        tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = Library(tmp_path / "reader.db", Config(timeout=10))
    lib.image_cache = ImageCache(tmp_path / "cache")
    add_feed(lib, "http://127.0.0.1:9/f", "Новини", [],
             [entry(1, "Енергетика", content="<p>Коротко.</p>",
                    link=f"{images_server.base}/page.html")])
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert not slots(app)
        await pilot.press("f")
        await wait_until(pilot, app, lambda: app.main.article.showing_full
                         and len(pictures(app)) == 2)
        shown = [(kind, text.split(".")[0]) for kind, text in parts(app)]
        assert shown[shown.index(("text", "Перший абзац сторінки")):] == [
            ("text", "Перший абзац сторінки"), ("picture", "Підстанція [1]"),
            ("text", "Другий абзац сторінки"), ("picture", "Лінія електропередач [2]"),
            ("text", "Третій абзац сторінки"),
        ]
        await pilot.press("f")  # the feed's text again: its own (no) pictures
        await wait_until(pilot, app, lambda: not app.main.article.showing_full)
        assert not slots(app) and parts(app) == [("text", "Коротко.")]
    lib.close()


async def test_images_off_shows_the_text_alone_until_i(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = image_library(tmp_path, images_server.base, images="off")
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await settle(pilot, app)
        assert not slots(app) and not images_server.hits
        text_alone = parts(app)  # the text names each image by its alt text, in its place
        assert text_alone[1] == ("text", "[image: Сонце над Дніпром][1]")
        await pilot.press("i")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 2
                         and MARKUP in captions(app))
        assert [kind for kind, _ in parts(app)] == ["text", "picture", "text",
                                                    "picture", "alt", "alt"]
        await pilot.press("i")
        await settle(pilot, app)
        assert not slots(app) and parts(app) == text_alone
        # on again: from the cache (the broken one remembered), nothing fetched again
        hits = len(images_server.hits)
        await pilot.press("i")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 2 and len(captions(app)) == 4)
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
        assert not slots(app) and not images_server.hits
        assert ("text", "[image: 写真][2][image: Зламане [фото]][3][image: [b]bold[/b] :smile:][4]"
                ) in parts(app)
    lib.close()


async def test_closing_the_article_drops_its_pictures(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = image_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: pictures(app))
        app.main.article.show_placeholder()
        await settle(pilot, app)
        assert not slots(app) and not pictures(app)
    lib.close()


async def test_pictures_are_fitted_again_when_the_pane_narrows(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = Library(tmp_path / "reader.db", Config(timeout=10))
    lib.image_cache = ImageCache(tmp_path / "cache")
    html = (f'<p>Перший абзац.</p><img src="{images_server.base}/wide.png" alt="Поле">'
            f'<p>二つ目の段落。</p><img src="{images_server.base}/second.png" alt="写真">')
    add_feed(lib, "http://127.0.0.1:9/f", "Новини", [], [entry(1, "Фото дня", content=html)])
    app = quiet_app(lib)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 2)
        assert pictures(app)[0].size.width == 60  # the picture's own width: it fits
        await pilot.resize_terminal(100, 40)  # (the pane: 45 columns, its text 41)
        body = app.main.query_one("#article-body")
        await wait_until(pilot, app, lambda: body.content_region.width < 60 and pictures(app)
                         and pictures(app)[0].size.width <= body.content_region.width)
        assert pictures(app)[0].size.width < 60
        assert [kind for kind, _ in parts(app)] == ["text", "picture", "text", "picture"]
    lib.close()


# ---------------------------------------------------------------- the reader's place


def long_library(tmp_path: Path, base: str) -> Library:
    """An article of 60 paragraphs with a picture after the second, and a short one."""
    lib = Library(tmp_path / "reader.db", Config(timeout=10))
    lib.image_cache = ImageCache(tmp_path / "cache")
    html = ("<p>Абзац 1.</p><p>Абзац 2.</p>"
            f'<img src="{base}/lead.png" alt="Сонце">'
            + "".join(f"<p>Абзац {n}.</p>" for n in range(3, 60)))
    add_feed(lib, "http://127.0.0.1:9/f", "Новини", [],
             [entry(1, "Довга", content=html), entry(2, "Коротка", hours_ago=1)])
    return lib


def top_line(app) -> tuple[str, int]:
    """The first line of text at or below the pane's top, and its row in the view."""
    top = app.main.article.content_region.y
    for run in app.main.query_one("#article-body").runs():
        y = run.content_region.y
        for n, line in enumerate(run.lines_at(run.content_region.width)):
            if y + n >= top and line.text.plain.strip():
                return line.text.plain.strip(), y + n - top
    raise AssertionError("no text in view")


async def test_a_picture_arriving_above_keeps_the_reader_on_the_same_line(
        tmp_path, images_server, halfcells):
    lib = long_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        view = app.main.article
        await until(pilot, lambda: captions(app) == ["◌ Сонце [1]"])
        view.scroll_to(y=30, animate=False, immediate=True)  # read on while it loads
        await pilot.pause()
        reading = top_line(app)
        assert reading[0] == "Абзац 13."
        images_server.gate.set()  # 10 lines of picture above the reader's line
        await wait_until(pilot, app, lambda: len(pictures(app)) == 1)
        assert top_line(app) == reading and view.scroll_y == 40
    lib.close()


async def test_i_keeps_the_reader_on_the_same_line(tmp_path, images_server, halfcells):
    images_server.gate.set()
    lib = long_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 1)
        view = app.main.article
        view.scroll_to(y=30, animate=False, immediate=True)
        await settle(pilot, app)
        reading = top_line(app)
        await pilot.press("i")
        await settle(pilot, app)
        assert not slots(app) and top_line(app) == reading and view.scroll_y < 30
        await pilot.press("i")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 1)
        assert top_line(app) == reading and view.scroll_y == 30
    lib.close()


async def test_the_place_left_in_an_article_with_pictures_is_kept(tmp_path, images_server,
                                                                 halfcells):
    images_server.gate.set()
    lib = long_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 1)
        view = app.main.article
        view.focus()
        view.scroll_to(y=40, animate=False, immediate=True)
        await settle(pilot, app)
        reading = top_line(app)
        await pilot.press("J")  # the next article, then back
        await wait_until(pilot, app, lambda: view.article.title == "Коротка")
        await pilot.press("K")
        await wait_until(pilot, app, lambda: view.article.title == "Довга"
                         and len(pictures(app)) == 1)
        assert top_line(app) == reading and view.scroll_y == 40
    lib.close()


def two_pictures_library(tmp_path: Path, base: str) -> Library:
    """60 paragraphs of three lines or so, a picture after the 2nd and after the 30th."""
    lib = Library(tmp_path / "reader.db", Config(timeout=10))
    lib.image_cache = ImageCache(tmp_path / "cache")

    def paragraph(n: int) -> str:
        return f"<p>Абзац {n}: " + " ".join(f"слово{n}-{k}" for k in range(12)) + "</p>"

    html = (paragraph(1) + paragraph(2) + f'<img src="{base}/lead.png" alt="Сонце">'
            + "".join(paragraph(n) for n in range(3, 31))
            + f'<img src="{base}/second.png" alt="Море">'
            + "".join(paragraph(n) for n in range(31, 61)))
    add_feed(lib, "http://127.0.0.1:9/f", "Новини", [], [entry(1, "Довга", content=html)])
    return lib


async def test_i_keeps_the_reader_on_the_same_line_between_two_pictures(
        tmp_path, images_server, halfcells):
    """The reader's top line is in the middle of a paragraph, between the pictures: both
    go (and the text is one run again) and come back; the line stays where it was."""
    images_server.gate.set()
    lib = two_pictures_library(tmp_path, images_server.base)
    app = quiet_app(lib)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot, app)
        await pilot.press("enter")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 2)
        view = app.main.article
        second = slots(app)[1]
        run = app.main.query_one("#article-body").runs()[1]  # (between the pictures)
        lines = [line.text.plain for line in run.lines_at(run.content_region.width)]
        inside = next(n for n, text in enumerate(lines) if n > 8 and text.startswith("слово"))
        place = run.content_region.y - view.content_region.y + int(view.scroll_y) + inside
        view.scroll_to(y=place, animate=False, immediate=True)
        await settle(pilot, app)
        reading = top_line(app)
        assert reading[1] == 0 and not reading[0].startswith("Абзац")  # (mid-paragraph)
        assert second.region.y > view.content_region.bottom  # (the second: below)
        await pilot.press("i")
        await settle(pilot, app)
        assert not slots(app) and len(app.main.query_one("#article-body").runs()) == 1
        assert top_line(app) == reading and view.scroll_y < place
        await pilot.press("i")
        await wait_until(pilot, app, lambda: len(pictures(app)) == 2)
        assert top_line(app) == reading and view.scroll_y == place
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
    # COLUMNS and LINES (pytest-xdist's workers set 80 and 24) win over the pty's own size
    # in Textual: the app drew 80x24, the last caption fell below the screen, and each
    # run waited out its timeouts (26 s instead of 1.5).
    for name in ("TMUX", "KITTY_WINDOW_ID", "READER_DEBUG", "COLUMNS", "LINES"):
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

    def pump_until(marker: bytes, seconds: float, after: int = 0) -> bool:
        """Read until `marker` shows up in what comes after byte `after`: whether it did."""
        nonlocal answered
        end = time.monotonic() + seconds
        while marker not in out[after:] and time.monotonic() < end:
            if select.select([master], [], [], 0.02)[0]:
                try:
                    out.extend(os.read(master, 65536))
                except OSError:
                    break
            if not answered and b"\x1b[c" in out:
                answered = True
                os.write(master, b"\x1b[?62;4;22c" if sixel else b"\x1b[?62;22c")
        return marker in out[after:]

    # Each wait must end by what it waits for: a wait that runs out of time is a failure
    # here, not a slow pass.
    try:
        assert pump_until("Фото дня".encode(), 20), "no headline"
        os.write(master, b"\r")
        drawn = {"sixel": b"\x1bP", "kitty": b"\x1b_G"}.get(kind, "▀".encode())
        assert pump_until(drawn, 20), "no picture"
        # the last image's failure (its caption wraps after "HTTP"): all of them are in
        assert pump_until(b"Bad[/]", 20), "no caption"
        os.write(master, b"q")  # (the list has the focus: q quits)
        assert pump_until(b"\x1b[?1049l", 10), "did not quit"  # left the alternate screen
        code = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        code = None
    finally:
        if proc.poll() is None:  # (a failed wait above: never leave the app running)
            proc.kill()
            proc.wait()
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
