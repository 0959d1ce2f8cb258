"""The article's pictures in the article pane, each where the text puts it.

An image named in the text ("[image: alt][n]") is drawn after the paragraph (or list,
table...) that names it; a paragraph that names nothing but pictures gives way to them.
A picture the text does not name (the feed's image enclosure) is the lead image, under
the header. Two ArticleImages widgets do this: the lead one (lead=True) holds the lead
image; the other places the text's pictures among the body's blocks (and holds any it
could not place, after the body).

Each picture has a slot, laid out with the text: its alt text (plain Content, never
markup) stands in its place while it loads, and with why when it fails. It is fetched
and decoded in a thread (its ImageSource, the Library, does both). A picture seen before
at this width keeps its room while it loads again, so a place remembered in an article
is where the reader left it; anything that does change height above the reader's line
keeps that line in place (scroll_anchor.py). With images off, or where the terminal
cannot draw them, no slots: the text names each image by its alt text.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from functools import partial
from typing import TYPE_CHECKING, Protocol

from textual.containers import Vertical
from textual.content import Content
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import get_current_worker

from reader.core.models import Article, ImageRef, ImageResult

from .. import graphics
from .scroll_anchor import SLOT, PlaceKeeper

if TYPE_CHECKING:
    from .article_body import ArticleBody
    from .markdown_lines import Block

LEAD_ROWS = 20  # the tallest the article's first image is drawn, in lines
OTHER_ROWS = 16
REFIT_GROWTH = 8  # columns the pane must gain before its pictures are fitted again
SIZES_KEPT = 500  # pictures whose drawn size is remembered (room kept while they load)
_sizes: OrderedDict[tuple[str, int, int], tuple[int, int]] = OrderedDict()


class ImageSource(Protocol):
    """Where the pictures come from (Library): article_images reads the text (no I/O,
    on the event loop); image fetches and decodes (called in a thread)."""

    def article_images(self, article: Article, markdown: str,
                       links: Sequence[str]) -> list[ImageRef]: ...
    def image(self, url: str, max_width: int, max_height: int,
              feed_id: int | None = None) -> ImageResult: ...


def caption(ref: ImageRef, state: str = "", why: str = "") -> Content:
    """The alt text under a picture, or in its place: "loading" or the failure; with the
    image's number in the links when the text has one."""
    alt = ref.alt or ("image" if state else "")
    number = [(f" [{ref.number}]", "dim")] if ref.number else []
    if state == "loading":
        return Content.assemble(("◌ ", "dim"), (alt, "dim italic"), *number)
    if state == "error":
        return Content.assemble(("▫ ", "dim"), (alt, "italic"), *number,
                                (f"  (not shown: {why})", "dim"))
    if not alt:  # (no alt text: the number alone, if the text gives one)
        return Content.assemble((f"[{ref.number}]", "dim")) if ref.number else Content("")
    return Content.assemble((alt, "dim italic"), *number)


class ImageSlot(Vertical):
    """One picture's place: the room it will take (when known), then its caption."""

    DEFAULT_CSS = """
    ImageSlot { height: auto; margin: 0 0 1 0; }
    ImageSlot > .image-caption { height: auto; }
    """

    def __init__(self, ref: ImageRef, box: tuple[int, int], resized: Callable[[], None]) -> None:
        super().__init__(classes=SLOT)
        self.ref = ref
        self.box = box  # (columns, lines) the picture is fitted to
        self.columns = 0  # of the picture drawn
        self._resized = resized

    def on_resize(self) -> None:
        self._resized()

    def compose(self):
        known = _sizes.get((self.ref.url, *self.box))
        if known is not None:
            room = Widget(classes="image-room")
            room.styles.width, room.styles.height = known
            yield room
        yield Static(caption(self.ref, "loading"), classes="image-caption", markup=False)

    async def fill(self, result: ImageResult, image_class: type | None,
                   cell: tuple[int, int]) -> None:
        label = self.query_one(".image-caption", Static)
        old = [w for w in self.children if w is not label]
        if result.status != "ok" or image_class is None:
            await self.remove_children(old)
            label.update(caption(self.ref, "error", result.error))
            label.display = True
            return
        pixels_w, pixels_h = result.image.size  # type: ignore[attr-defined]
        size = (max(1, math.ceil(pixels_w / cell[0])), max(1, math.ceil(pixels_h / cell[1])))
        _remember(self.ref.url, self.box, size)
        picture = image_class(result.image, classes="image")
        picture.styles.width, picture.styles.height = size
        self.columns = size[0]
        with self.app.batch_update():
            await self.remove_children(old)
            await self.mount(picture, before=label)
            label.update(caption(self.ref))
            label.display = bool(self.ref.alt or self.ref.number)


def _remember(url: str, box: tuple[int, int], size: tuple[int, int]) -> None:
    _sizes[(url, *box)] = size
    _sizes.move_to_end((url, *box))
    while len(_sizes) > SIZES_KEPT:
        _sizes.popitem(last=False)


class ArticleImages(Vertical):
    """The lead image (lead=True), or the placer of the text's pictures."""

    DEFAULT_CSS = """
    ArticleImages { height: auto; display: none; margin: 1 0 0 0; }
    ArticleImages .image-caption { height: auto; }
    """

    def __init__(self, *, lead: bool, **kwargs) -> None:
        super().__init__(**kwargs)
        self.lead = lead
        self.source: ImageSource | None = None
        self.enabled = True
        self._shown: tuple[Article, str, list[str]] | None = None
        self._token = 0  # which load the thread's results belong to
        self._slots: list[ImageSlot] = []
        self._cols = 0  # the width the slots were fitted to

    @property
    def active(self) -> bool:
        """Pictures are drawn: turned on, a source, a terminal that can draw them."""
        return self.enabled and self.source is not None and graphics.method() is not None

    def show(self, article: Article, markdown: str, links: list[str]) -> None:
        """After the body has `markdown`: the slots laid out at once, the pictures to come."""
        self._shown = (article, markdown, links)
        self._start()

    def clear(self) -> None:
        self._shown = None
        self._start()

    def set_enabled(self, enabled: bool) -> None:
        self.enabled = enabled
        self._start(keep_place=True)

    def _body(self) -> ArticleBody | None:
        if self.parent is None or not self.parent.query_children("ArticleBody"):
            return None  # (no article yet: the body is not even imported)
        from .article_body import ArticleBody

        return self.parent.query_children(ArticleBody).first()

    @property
    def _place(self) -> PlaceKeeper:
        return PlaceKeeper.of(self.parent)  # type: ignore[arg-type]

    def _start(self, keep_place: bool = False) -> None:
        """Slots for the article shown (none when off); keep_place: the reader stays on
        the same text (`i`), else the pane is about to scroll to the article's place."""
        self._token += 1
        if keep_place:
            self._place.hold(self.parent)
        removing = self._drop()
        if keep_place:
            self._place.release(self, removing)
        if self._shown is None or not self.active:
            return
        begin = partial(self._begin, self._token, self._shown, keep_place)
        body = None if self.lead else self._body()
        if body is None:
            begin()
        else:  # once every block is there (the body mounts a long one in stages)
            body.when_whole(begin)

    def _begin(self, token: int, shown: tuple[Article, str, list[str]], keep_place: bool) -> None:
        if token != self._token:
            return
        if keep_place:
            self._place.hold(self.parent)
        mounting = self._place_slots(shown)
        if keep_place:
            self._place.release(self, mounting)
        self._load()

    def _drop(self) -> list[Awaitable]:
        """The slots out, the paragraphs they stood for back; what is being removed."""
        removing = [slot.remove() for slot in self._slots if slot.is_attached]
        body = None if self.lead else self._body()
        if body is not None:
            removing += body.unplace()
        self._slots = []
        self.display = False
        return removing

    def _place_slots(self, shown: tuple[Article, str, list[str]]) -> list[Awaitable]:
        """Each picture's slot where the text names it (the lead one here); what is
        being mounted."""
        assert self.source is not None
        refs = self.source.article_images(*shown)
        body = self._body()
        cols = self._cols = self._columns(None if self.lead else body)
        rows = max(4, self.screen.size.height // 2)
        alone = {ref.line for ref in refs if ref.alone}
        after: dict[Block, list[ImageSlot]] = {}
        unnamed: list[ImageSlot] = []  # (the lead image; or a line no block is made of)
        for n, ref in enumerate(refs):
            if (ref.line is None) != self.lead:
                continue
            box = (cols, min(LEAD_ROWS if n == 0 else OTHER_ROWS, rows))
            slot = ImageSlot(ref, box, self._refit)
            self._slots.append(slot)
            block = body.block_at(ref.line) if body is not None and ref.line is not None else None
            if block is None:
                unnamed.append(slot)
            else:
                after.setdefault(block, []).append(slot)
        mounting: list[Awaitable] = []
        if unnamed:  # (not named in the text: after it)
            mounting.append(self.mount_all(unnamed))
            self.display = True
        for block in after:  # a paragraph naming nothing but pictures gives way to them
            start, end = block.source_range
            if block.kind == "paragraph" and all(line in alone for line in range(start, end)):
                block.hidden = True
        if after and body is not None:
            mounting += body.place_after(after)
        return mounting

    def _columns(self, body: ArticleBody | None) -> int:
        """The widest a picture may be: the body's width (its measure) for the text's,
        the pane's for the lead image (and before the body has been laid out)."""
        width = body.content_region.width if body is not None else 0
        if not width and self.parent is not None:
            width = self.parent.scrollable_content_region.width - 2  # type: ignore[attr-defined]
        return max(10, width or 78)

    def _refit(self) -> None:
        """A slot was resized. The pane narrowed below a picture, or grew well past the
        width they were fitted to (a wider window, the article given the whole width):
        fitted again, from the cache, in the slots they have. Not for a column or two
        (a scroll bar coming and going)."""
        if not self._slots:
            return
        cols = self._columns(None if self.lead else self._body())
        widest = max(slot.columns for slot in self._slots)
        if cols != self._cols and (cols < widest or cols >= self._cols + REFIT_GROWTH):
            self._cols = cols
            for slot in self._slots:
                slot.box = (cols, slot.box[1])
            self._token += 1
            self._load()

    def _load(self) -> None:
        how = graphics.method()
        if not self._slots or how is None or self.source is None:
            return
        jobs = [(slot, slot.ref.url, slot.box) for slot in self._slots]
        feed_id = self._shown[0].feed_id if self._shown is not None else None
        self.run_worker(
            partial(self._fetch, self._token, how, self.source, jobs, graphics.cell_size(),
                    feed_id),
            name="article_images", group=f"images-{id(self)}", exclusive=True, thread=True,
            exit_on_error=False,
        )

    def _fetch(self, token: int, how: str, source: ImageSource,
               jobs: list[tuple[ImageSlot, str, tuple[int, int]]], cell: tuple[int, int],
               feed_id: int | None = None) -> None:
        """In a thread: each image, handed to the event loop as it comes."""
        try:
            image_class = graphics.widget_class(how)  # (imports Pillow and textual-image)
        except ImportError as exc:
            for slot, url, _ in jobs:
                failed = ImageResult(url, "error", error=f"cannot draw images: {exc}")
                self._call(self._fill, token, slot, failed, None, cell)
            return
        worker = get_current_worker()
        for slot, url, (cols, rows) in jobs:
            if worker.is_cancelled or token != self._token:
                return
            result = source.image(url, cols * cell[0], rows * cell[1], feed_id)
            if not self._call(self._fill, token, slot, result, image_class, cell):
                return

    def _call(self, callback, *args) -> bool:
        """callback(*args) on the event loop, waited for; False when the app is gone."""
        try:
            self.app.call_from_thread(callback, *args)
        except RuntimeError:
            return False
        return True

    async def _fill(self, token: int, slot: ImageSlot, result: ImageResult,
                    image_class: type | None, cell: tuple[int, int]) -> None:
        if token != self._token or not slot.is_attached:
            return
        self._place.hold(self.parent)
        try:
            await slot.fill(result, image_class, cell)
        finally:
            self._place.release(self)


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
