"""An image's bytes -> a decoded picture small enough for the article pane, or why not.

Run in a worker thread, never on the event loop. Everything about the bytes is
untrusted: only PNG, JPEG, WebP and GIF are opened (Pillow knows dozens of formats,
each a parser of its own); the dimensions are checked from the header, before any
pixel is decoded, so a small file declaring 100000x100000 costs nothing; truncated or
corrupt data is a reason, not an exception for the caller.

Pillow is imported here, when the first image is decoded: the TUI starts without it.
"""

from __future__ import annotations

import io
import warnings

FORMATS = ("PNG", "JPEG", "WEBP", "GIF")
# Larger than any photograph a news site serves (a 50-megapixel camera), far below what a
# bomb declares; decoding this many pixels costs ~200 MB at most, briefly.
MAX_PIXELS = 50_000_000
MAX_SIDE = 20_000  # a 20000x1 strip is no picture either


class ImageFailure(Exception):
    """A one-line reason an image is not shown (its alt text is, instead)."""


def decode_image(data: bytes, max_width: int, max_height: int):
    """A Pillow image (RGB or RGBA, the first frame of an animation) scaled down to fit
    max_width x max_height pixels. ImageFailure for anything else."""
    from PIL import Image

    if not data:
        raise ImageFailure("empty image")
    with warnings.catch_warnings():
        # Pillow's own bomb check only warns below twice its limit.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data), formats=FORMATS)  # reads the header only
        except Image.UnidentifiedImageError:
            raise ImageFailure("not a PNG, JPEG, WebP or GIF image") from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageFailure("image dimensions too large") from None
        except (OSError, ValueError, SyntaxError) as exc:
            raise ImageFailure(f"broken image: {_reason(exc)}") from None
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageFailure("broken image: no pixels")
        if width * height > MAX_PIXELS or max(width, height) > MAX_SIDE:
            raise ImageFailure(f"image dimensions too large ({width}x{height})")
        try:
            # JPEG only: decode at 1/2, 1/4 or 1/8 scale when that still fills the box.
            image.draft("RGB", (max_width, max_height))
            image.load()
            image = image.convert("RGBA" if _has_alpha(image) else "RGB")
            image.thumbnail((max(1, max_width), max(1, max_height)), Image.Resampling.LANCZOS)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageFailure("image dimensions too large") from None
        except (OSError, ValueError, SyntaxError, EOFError, MemoryError) as exc:
            raise ImageFailure(f"broken image: {_reason(exc)}") from None
    return image


def _has_alpha(image) -> bool:
    return image.mode in ("RGBA", "LA", "PA") or (
        image.mode == "P" and "transparency" in image.info
    )


def _reason(exc: BaseException) -> str:
    text = " ".join(str(exc).split())[:120]
    return text or type(exc).__name__
