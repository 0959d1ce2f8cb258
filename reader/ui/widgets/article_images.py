"""The article's pictures in the article pane: the lead image above the text, the others
after it, each with its alt text as a caption.

An image is fetched and decoded in a thread (its ImageSource, the Library, does both);
until it arrives, and when it fails, its alt text (plain Content, never markup) stands
in its place with why. With images off, or where the terminal cannot draw them, the
widget is hidden: the article's text already names each image by its alt text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import partial
from typing import Protocol

from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static
from textual.worker import get_current_worker

from reader.core.models import Article, ImageRef, ImageResult

from .. import graphics

LEAD_ROWS = 20  # the tallest an image is drawn, in lines
OTHER_ROWS = 16
REFIT_GROWTH = 8  # columns the pane must gain before its pictures are fitted again


class ImageSource(Protocol):
    """Where the pictures come from (Library); called in a thread."""

    def article_images(self, article: Article, markdown: str,
                       links: Sequence[str]) -> list[ImageRef]: ...
    def image(self, url: str, max_width: int, max_height: int) -> ImageResult: ...


def caption(ref: ImageRef, state: str = "", why: str = "") -> Content:
    """The alt text under a picture, or in its place: "loading" or the failure."""
    alt = ref.alt or "image"
    if state == "loading":
        return Content.assemble(("◌ ", "dim"), (alt, "dim italic"))
    if state == "error":
        return Content.assemble(("▫ ", "dim"), (alt, "italic"), (f"  (not shown: {why})", "dim"))
    return Content.assemble((ref.alt, "dim italic"))


class ArticleImages(Vertical):
    """The lead image (lead=True) or the article's other images."""

    DEFAULT_CSS = """
    ArticleImages { height: auto; display: none; margin: 1 0 0 0; }
    ArticleImages > .image-slot { height: auto; margin: 0 0 1 0; }
    ArticleImages .image-caption { height: auto; }
    """

    def __init__(self, *, lead: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lead = lead
        self.source: ImageSource | None = None
        self.enabled = True
        self._shown: tuple[Article, str, list[str]] | None = None
        self._token = 0  # which show() the thread's results belong to
        self._slots: list[Vertical] = []
        self._cols = 0  # the width the pictures shown were fitted to
        self._widest = 0  # columns of the widest picture shown

    @property
    def active(self) -> bool:
        """Pictures are drawn: turned on, a source, a terminal that can draw them."""
        return self.enabled and self.source is not None and graphics.method() is not None

    def show(self, article: Article, markdown: str, links: list[str]) -> None:
        self._shown = (article, markdown, links)
        self._start()

    def clear(self) -> None:
        self._shown = None
        self._start()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self._start()

    def _start(self) -> None:
        self._token += 1
        self._slots = []
        self._widest = 0
        self.remove_children()
        self.display = False
        how = graphics.method()
        if self._shown is None or not self.active or how is None:
            return
        cell_w, cell_h = graphics.cell_size()
        cols = self._cols = self._columns()
        rows = min(LEAD_ROWS if self.lead else OTHER_ROWS, max(4, self.screen.size.height // 2))
        self.run_worker(
            partial(self._load, self._token, how, self._shown, (cols, rows), (cell_w, cell_h)),
            name="article_images", group=f"images-{id(self)}", exclusive=True, thread=True,
            exit_on_error=False,
        )

    def _columns(self) -> int:
        """The widest a picture may be: the pane's width (the article's, with no measure)."""
        width = self.parent.scrollable_content_region.width if self.parent else 0  # type: ignore[attr-defined]
        return max(10, (width or 80) - 2)

    def on_resize(self) -> None:
        # The pane narrowed below a picture, or grew well past the width they were fitted
        # to (a wider window, the article given the whole width): fitted again, from the
        # cache. Not for a column or two (a scroll bar coming and going).
        if self._shown is None or not self.display:
            return
        cols = self._columns()
        if cols < self._widest or cols >= self._cols + REFIT_GROWTH:
            self._start()

    def _load(self, token: int, how: str, shown: tuple[Article, str, list[str]],
              box: tuple[int, int], cell: tuple[int, int]) -> None:
        """In a thread: which images, then each one, handed to the event loop as it comes."""
        source = self.source
        if source is None:
            return
        refs = source.article_images(*shown)
        refs = refs[:1] if self.lead else refs[1:]
        if not refs or not self._call(self._placeholders, token, refs):
            return
        try:
            image_class = graphics.widget_class(how)  # (imports Pillow and textual-image)
        except ImportError as exc:
            for n, ref in enumerate(refs):
                failed = ImageResult(ref.url, "error", error=f"cannot draw images: {exc}")
                self._call(self._fill, token, n, ref, failed, None, cell)
            return
        worker = get_current_worker()
        for n, ref in enumerate(refs):
            if worker.is_cancelled or token != self._token:
                return
            result = source.image(ref.url, box[0] * cell[0], box[1] * cell[1])
            if not self._call(self._fill, token, n, ref, result, image_class, cell):
                return

    def _call(self, callback, *args) -> bool:
        """callback(*args) on the event loop; False when the app is gone."""
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            return False
        return True

    def _placeholders(self, token: int, refs: list[ImageRef]) -> None:
        if token != self._token:
            return
        self._slots = [
            Vertical(Static(caption(ref, "loading"), classes="image-caption", markup=False),
                     classes="image-slot")
            for ref in refs
        ]
        self.mount_all(self._slots)
        self.display = True

    def _fill(self, token: int, n: int, ref: ImageRef, result: ImageResult,
              image_class: type | None, cell: tuple[int, int]) -> None:
        if token != self._token or n >= len(self._slots):
            return
        slot = self._slots[n]
        label = slot.query_one(".image-caption", Static)
        if result.status != "ok" or image_class is None:
            label.update(caption(ref, "error", result.error))
            return
        picture = image_class(result.image, classes="image")
        pixels_w, pixels_h = result.image.size  # type: ignore[attr-defined]
        picture.styles.width = columns = max(1, math.ceil(pixels_w / cell[0]))
        self._widest = max(self._widest, columns)
        picture.styles.height = max(1, math.ceil(pixels_h / cell[1]))
        slot.mount(picture, before=label)
        label.update(caption(ref))
        label.display = bool(ref.alt)


def connect_images(pane, source: ImageSource, enabled: bool) -> None:
    """Give the article pane's image widgets their source ([ui] images: enabled)."""
    for images in pane.query(ArticleImages):
        images.source = source
        images.enabled = enabled


def toggle_images(pane) -> str:
    """The `i` key: pictures on or off in the pane (this session); what it did, in words."""
    widgets = list(pane.query(ArticleImages))
    enabled = not (widgets and widgets[0].enabled)
    for images in widgets:
        images.set_enabled(enabled)
    if not enabled:
        return "Images off"
    if graphics.method() is None:
        return "Images on, but this terminal cannot draw them"
    return "Images on"
