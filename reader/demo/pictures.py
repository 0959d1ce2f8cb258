"""The demo's pictures, drawn here instead of fetched: the demo works offline, and its
articles' <img> addresses (on .example hosts, which never resolve) would otherwise show
"not shown: cannot connect" under every lead image.

Each is a simple drawing of what its alt text describes, made with Pillow when the demo
starts and put in the demo library's own image cache under the article's image URL.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from PIL import Image, ImageDraw

Drawing = Callable[[ImageDraw.ImageDraw, int, int], None]


def _gradient(img: Image.Image, top: tuple[int, int, int], bottom: tuple[int, int, int],
              y0: int, y1: int) -> None:
    draw = ImageDraw.Draw(img)
    for y in range(y0, y1):
        t = (y - y0) / max(1, y1 - y0 - 1)
        draw.line([(0, y), (img.width, y)],
                  fill=tuple(round(a + (b - a) * t) for a, b in zip(top, bottom)))


def _lantern(img: Image.Image) -> None:
    w, h = img.size
    _gradient(img, (120, 170, 215), (225, 205, 170), 0, h * 3 // 5)
    _gradient(img, (40, 90, 120), (20, 50, 70), h * 3 // 5, h)
    d = ImageDraw.Draw(img)
    cx = w * 2 // 3
    d.rectangle([cx - 60, h * 3 // 5 - 10, cx + 60, h], fill=(90, 80, 70))  # the pier
    d.rectangle([cx - 45, h // 4, cx + 45, h * 3 // 5 - 10], outline=(181, 140, 60), width=10)
    d.rectangle([cx - 25, h // 4 + 30, cx + 25, h * 3 // 5 - 40], fill=(240, 210, 120))
    d.polygon([(cx - 60, h // 4), (cx, h // 8), (cx + 60, h // 4)], fill=(150, 110, 45))


def _intervals(img: Image.Image) -> None:
    w, h = img.size
    d = ImageDraw.Draw(img)
    img.paste((250, 250, 245), (0, 0, w, h))
    for i in range(12):
        x = 40 + i * (w - 80) // 11
        d.line([(x, 20), (x, h - 20)], fill=(215, 215, 210))
    bars = [(0, 5, (80, 120, 200)), (2, 9, (200, 90, 80)), (3, 6, (80, 170, 110)),
            (6, 11, (170, 120, 200)), (8, 10, (220, 170, 60))]
    for row, (a, b, color) in enumerate(bars):
        y = 40 + row * (h - 80) // 5
        x0 = 40 + a * (w - 80) // 11
        x1 = 40 + b * (w - 80) // 11
        d.rounded_rectangle([x0, y, x1, y + 28], radius=8, fill=color)


def _ivy(img: Image.Image) -> None:
    w, h = img.size
    d = ImageDraw.Draw(img)
    img.paste((150, 145, 135), (0, 0, w, h))
    for y in range(0, h, 60):  # the stone wall
        offset = 0 if (y // 60) % 2 else 70
        for x in range(-offset, w, 140):
            d.rectangle([x + 3, y + 3, x + 137, y + 57], fill=(168, 160, 148))
    for cx, cy in ((w // 3, h // 2), (w // 2, h // 3), (w * 2 // 3, h * 3 // 5)):
        for k in range(14):
            dx, dy = (k * 37) % 90 - 45, (k * 53) % 90 - 45
            d.ellipse([cx + dx - 14, cy + dy - 14, cx + dx + 14, cy + dy + 14],
                      fill=(120, 160, 60), outline=(80, 120, 40))
    fx, fy = w // 2 + 20, h // 3 - 10  # the hoverfly
    d.ellipse([fx - 30, fy - 12, fx + 30, fy + 12], fill=(215, 170, 40))
    for k in (-15, 0, 15):
        d.line([(fx + k, fy - 12), (fx + k, fy + 12)], fill=(40, 30, 20), width=5)
    d.ellipse([fx - 20, fy - 40, fx + 10, fy - 10], fill=(220, 230, 240))


def _noodles(img: Image.Image) -> None:
    w, h = img.size
    d = ImageDraw.Draw(img)
    img.paste((60, 45, 35), (0, 0, w, h))
    d.ellipse([w // 6, h // 6, w * 5 // 6, h * 5 // 6], fill=(235, 230, 220))
    d.ellipse([w // 5, h // 5, w * 4 // 5, h * 4 // 5], fill=(205, 160, 90))
    for k in range(16):
        y = h // 4 + k * h // 32
        d.arc([w // 4, y - 40, w * 3 // 4, y + 40], 200, 340, fill=(240, 200, 120), width=6)
    d.ellipse([w // 2 - 60, h // 2 - 45, w // 2 + 60, h // 2 + 45], fill=(250, 248, 240))
    d.ellipse([w // 2 - 28, h // 2 - 22, w // 2 + 28, h // 2 + 22], fill=(245, 170, 30))
    for k in range(10):
        x, y = w // 3 + (k * 47) % (w // 3), h // 3 + (k * 71) % (h // 3)
        d.rectangle([x, y, x + 14, y + 6], fill=(90, 170, 70))


def _orbits(img: Image.Image) -> None:
    w, h = img.size
    d = ImageDraw.Draw(img)
    img.paste((10, 12, 30), (0, 0, w, h))
    cx, cy = w // 2, h // 2
    d.ellipse([cx - 70, cy - 70, cx + 70, cy + 70], fill=(50, 110, 200))
    d.ellipse([cx - 220, cy - 220, cx + 220, cy + 220], outline=(200, 120, 80), width=4)
    d.ellipse([cx - 320, cy - 320, cx + 320, cy + 320], outline=(200, 200, 220), width=4)
    d.ellipse([cx + 200, cy - 30, cx + 240, cy + 10], fill=(240, 140, 90))  # the chaser
    d.ellipse([cx - 20, cy - 340, cx + 20, cy - 300], fill=(240, 240, 250))  # the target


def _terminal(img: Image.Image) -> None:
    w, h = img.size
    d = ImageDraw.Draw(img)
    img.paste((25, 27, 33), (0, 0, w, h))
    d.rectangle([0, 0, w, 28], fill=(55, 58, 66))
    for k, color in enumerate(((230, 90, 80), (230, 190, 60), (90, 200, 100))):
        d.ellipse([12 + k * 22, 8, 26 + k * 22, 22], fill=color)
    colors = [(90, 200, 100), (90, 200, 100), (230, 190, 60), (90, 200, 100),
              (230, 90, 80), (90, 200, 100), (120, 160, 240), (90, 200, 100)]
    for row, color in enumerate(colors):
        y = 50 + row * 46
        d.rectangle([30, y, 30 + 180 + (row * 67) % 160, y + 20], fill=(200, 200, 205))
        d.rectangle([w - 230, y, w - 40, y + 20], fill=color)


_DRAWINGS: dict[str, tuple[tuple[int, int], Callable[[Image.Image], None], str]] = {
    "https://gazette.harbortown.example/images/2026/gull-point-lantern.jpg":
        ((800, 533), _lantern, "JPEG"),
    "https://kcnotes.example/img/live-intervals.png": ((720, 300), _intervals, "PNG"),
    "https://fieldnotes.example/media/2026/ivy-flowers-hoverfly.jpg":
        ((900, 600), _ivy, "JPEG"),
    "https://pixelkitchen.example/img/miso-butter-noodles.jpg": ((960, 640), _noodles, "JPEG"),
    "https://orbitalweekly.example/img/issue-47-phasing.png": ((800, 800), _orbits, "PNG"),
    "https://tokyo-tech.example/images/chien-screenshot.png": ((800, 450), _terminal, "PNG"),
}


def demo_pictures() -> dict[str, bytes]:
    """{image URL in a demo article: the encoded picture}."""
    out: dict[str, bytes] = {}
    for url, (size, draw, fmt) in _DRAWINGS.items():
        img = Image.new("RGB", size)
        draw(img)
        buf = io.BytesIO()
        img.save(buf, fmt, quality=85) if fmt == "JPEG" else img.save(buf, fmt)
        out[url] = buf.getvalue()
    return out
