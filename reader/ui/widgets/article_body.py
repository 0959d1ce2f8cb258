"""The article's body: its Markdown parsed into a Document (markdown_lines.py), drawn by
one ArticleText (article_text.py), or by several with the pictures placed between them
(article_images.py asks where; place_after).

f shows a page made ready: the open article's full page is parsed in the thread that
opened it (parse_ahead) and laid out, hidden, while the reader reads the lead
(make_ready), so the key only swaps which text is shown: one widget to lay out and the
lines on screen to draw, where Textual's Markdown mounted, styled, laid out and painted
a widget per paragraph (20-60 ms of the event loop; benchmarks/bench_full_open.py).

Code that names no language is shown plain, then coloured by the language Textual's
Markdown would guess, guessed in a thread (every Pygments lexer is tried: 3-60 ms a
block, a second to import them the first time).
"""

from __future__ import annotations

import asyncio
import re
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial

from textual.await_complete import AwaitComplete
from textual.containers import Vertical
from textual.css.scalar import Unit
from textual.content import Content
from textual.geometry import Region
from textual.widget import Widget
from textual.worker import get_current_worker

from .article_text import ArticleText
from .markdown_lines import MAX_CELL, MIN_COLUMN, WRAP_MARK, Block, Document, Piece, highlighted

__all__ = ["MAX_CELL", "MIN_COLUMN", "WRAP_MARK", "ArticleBody", "parse_ahead"]

PARSED_KEPT = 4  # documents parsed ahead (parse_ahead) and not shown yet
PARSE_INLINE = 1_500  # characters of Markdown parsed and laid out on the event loop
# (~1 ms a thousand characters each); longer: in a thread
PLACED_FRAMES = 5  # frames waited at most for the pictures' runs to be laid out (place_after)
GUESSES_KEPT = 200  # code blocks whose guessed language is remembered (f back and forth)
_guesses: OrderedDict[str, str] = OrderedDict()
_parsed: OrderedDict[str, Document] = OrderedDict()


def parse_ahead(markdown: str) -> None:
    """In a thread: parse `markdown`, for a body that is given it later."""
    _parsed[markdown] = Document.parse(markdown)
    while len(_parsed) > PARSED_KEPT:
        _parsed.popitem(last=False)


async def _document(markdown: str) -> Document:
    document = _parsed.pop(markdown, None)
    if document is not None:
        return document
    if len(markdown) <= PARSE_INLINE:
        return Document.parse(markdown)
    return await asyncio.get_running_loop().run_in_executor(None, Document.parse, markdown)


def guessed_language(code: str) -> str:
    """The language Textual's Markdown would guess for `code` (run it in a thread),
    remembered."""
    from textual.highlight import guess_language

    language = _guesses.get(code)
    if language is None:
        language = _guesses[code] = guess_language(code, None)
        while len(_guesses) > GUESSES_KEPT:
            _guesses.popitem(last=False)
    return language


@dataclass(eq=False)
class PieceView:
    """A piece of the text (a table's cell) as a search sees it (article_search's
    TextWidget): its Content as drawn, where it is, and a way to draw it highlighted."""

    piece: Piece
    run: ArticleText
    cell: tuple[int, int] | None = None

    @property
    def content(self) -> Content:
        if self.cell is not None:
            row, column = self.cell
            return self.piece.shown_cells.get(self.cell, self.piece.rows[row][column])
        return self.piece.drawn

    @property
    def is_attached(self) -> bool:
        return self.run.is_attached

    @property
    def region(self) -> Region:
        area = self.run.content_region
        line = self.run.line_of_piece(self.piece) or 0
        if self.cell is not None:  # (its row, near enough: a cell's folds are not counted)
            line += self.cell[0] + (self.cell[0] > 0)
        prefix = self.piece.first.cell_length + (2 if self.piece.kind == "code" else 0)
        return Region(area.x + prefix, area.y + line + (self.piece.kind == "code"),
                      max(1, area.width - prefix - (4 if self.piece.kind == "code" else 0)), 1)

    content_region = region

    def update(self, content: Content, *, layout: bool = True) -> None:
        if self.cell is not None:
            row, column = self.cell
            if content is self.piece.rows[row][column]:
                self.piece.shown_cells.pop(self.cell, None)
            else:
                self.piece.shown_cells[self.cell] = content
        else:
            self.piece.shown = None if content is self.piece.content else content
        self.run.piece_changed(self.piece)


class ArticleBody(Vertical):
    """The body: runs of text (ArticleText) and the pictures' slots between them."""

    DEFAULT_CSS = """
    ArticleBody { height: auto; width: 1fr; }
    ArticleBody > ArticleText { margin: 0; }
    """
    # Nothing of its own to draw (its runs and slots cover it): Textual's blank fast path,
    # not its styled lines under the text on every repaint (~1.5 ms a frame at 160x48).
    BLANK = True

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.document: Document | None = None
        self.offsets: dict[int, int] = {}  # a wide table's number -> how far it is scrolled
        self.whole = asyncio.Event()  # the latest document is shown (images wait for it)
        self._when_whole: list[Callable[[], object]] = []
        self._generation = 0
        self._ready: tuple[str, ArticleText] | None = None  # make_ready's, hidden
        self._ready_token = 0  # each make_ready's number: a later one drops an earlier one

    # -- showing a document --------------------------------------------------------------------

    def when_whole(self, callback: Callable[[], object]) -> None:
        """Call `callback` once the latest document is shown (now if it is)."""
        if self.whole.is_set():
            callback()
        else:
            self._when_whole.append(callback)

    def update(self, markdown: str) -> AwaitComplete:
        self._generation += 1
        self._ready_token += 1  # (a page being made ready for the old document: dropped)
        self.whole.clear()
        self._when_whole.clear()
        return AwaitComplete(self._update(markdown, self._generation))

    async def _update(self, markdown: str, generation: int) -> None:
        ready = self._take_ready(markdown)
        if ready is not None:
            text = ready
        else:
            document = await _document(markdown)
            if generation != self._generation:
                return  # a newer document came meanwhile; it does the work
            text = ArticleText(document, document.blocks, {})
            if len(markdown) > PARSE_INLINE:
                await self._lay_out(text, ahead=False)
                if generation != self._generation:
                    return
            made = self._take_ready(markdown)  # (one made ready meanwhile: not wanted now)
            if made is not None:
                made.remove()
        old = [child for child in self.children if child is not text]
        kept = self._keepable(old)
        self.document = text.document
        self.offsets = text.offsets
        with self.app.batch_update():
            for child in old:  # (removed after the frame: not the key's work)
                child.display = False
            if text.is_attached:
                text.display = True
            else:
                await self.mount(text)
        if kept is not None:  # f back and forth: the text left is ready to come back
            self._ready = (kept.document.markdown, kept)
            old.remove(kept)
        self.call_after_refresh(self._drop, old)
        self._colour_code(text)
        self.whole.set()
        callbacks, self._when_whole = self._when_whole, []
        for callback in callbacks:
            callback()

    def _keepable(self, old: list[Widget]) -> ArticleText | None:
        """The text shown before, if it was one run of all its document (no pictures
        placed in it) and nothing else is kept: made ready again as it is."""
        if self._ready is not None or self.document is None:
            return None
        runs = [child for child in old if isinstance(child, ArticleText) and child.display]
        if len(runs) == 1 and runs[0].document is self.document and (
                len(runs[0].blocks) == len(self.document.blocks)):
            return runs[0]
        return None

    def _take_ready(self, markdown: str) -> ArticleText | None:
        """The text made ready, if it is `markdown`'s; any other is dropped."""
        ready, self._ready = self._ready, None
        if ready is None:
            return None
        if ready[0] == markdown and ready[1].parent is self:
            return ready[1]
        if ready[1].parent is self:
            ready[1].remove()
        return None

    def _drop(self, old: list[Widget]) -> None:
        for child in old:
            if child.is_attached and child.parent is self:
                child.remove()

    def make_ready(self, markdown: str) -> AwaitComplete:
        """Lay `markdown` out now, hidden, for a later update with it: that update then
        only shows it (the full page of the open article, made ready while the reader
        reads the lead). An update with another document drops it."""
        return AwaitComplete(self._make_ready(markdown))

    async def _make_ready(self, markdown: str) -> None:
        if self.document is not None and self.document.markdown == markdown:
            return
        if self._ready is not None and self._ready[0] == markdown:
            return
        self._ready_token += 1  # (the latest asked for wins: a page stored meanwhile)
        token, generation = self._ready_token, self._generation
        document = await _document(markdown)
        text = ArticleText(document, document.blocks, {})
        text.display = False
        await self._lay_out(text, ahead=True)
        if token != self._ready_token or generation != self._generation or (
                self.document is not None and self.document.markdown == markdown):
            return  # a newer page asked for, or another document (or this one) shown
        stale, self._ready = self._ready, None
        if stale is not None and stale[1].parent is self:
            await stale[1].remove()
        await self.mount(text)
        if token != self._ready_token or generation != self._generation:
            await text.remove()  # (shown or dropped while it was being mounted)
            return
        self._ready = (markdown, text)

    async def _lay_out(self, text: ArticleText, *, ahead: bool) -> None:
        """`text`'s lines made in a thread at the width the body will have: with the
        pane's scroll bar (a long text scrolls) and, for a page made ahead, without."""
        widths = self._widths()
        if widths:
            widths = widths if ahead else widths[:1]
            await asyncio.get_running_loop().run_in_executor(
                None, lambda: [text.lines_at(w) for w in widths])

    def _widths(self) -> list[int]:
        """The body's width with the pane's scroll bar shown, then without it: the pane's
        room less its bar, at most the reading measure (max-width)."""
        pane = self.parent
        if not isinstance(pane, Widget) or not self.size.width:
            return []
        bar = pane.styles.scrollbar_size_vertical
        room = pane.scrollable_content_region.width + (bar if pane.show_vertical_scrollbar else 0)
        room -= self.styles.margin.width
        limit = self.styles.max_width
        cap = int(limit.value) if limit is not None and limit.unit == Unit.CELLS else None
        out = [room - bar, room] if bar else [room]
        return list(dict.fromkeys(min(w, cap) if cap else w for w in out if w > 0))

    def runs(self) -> list[ArticleText]:
        """The text shown, in order (not a document made ready)."""
        ready = self._ready[1] if self._ready is not None else None
        return [child for child in self.children
                if isinstance(child, ArticleText) and child is not ready and child.display]

    # -- code colours --------------------------------------------------------------------------

    def _colour_code(self, text: ArticleText) -> None:
        plain = [piece for block in text.document.blocks for piece in block.pieces
                 if piece.kind == "code" and not piece.language and piece.code.strip()]
        if plain:
            self.run_worker(
                partial(self._colour, text.document, plain), name="code_colours",
                group="code-colours", thread=True, exit_on_error=False)

    def _colour(self, document: Document, pieces: list[Piece]) -> None:
        """In a thread: each block's language guessed, its text coloured by it."""
        worker = get_current_worker()
        for piece in pieces:
            language = guessed_language(piece.code)
            if language in ("text", "default") or worker.is_cancelled:
                continue
            coloured = highlighted(piece.code, language)
            try:
                self.app.call_from_thread(self._coloured, document, piece, language, coloured)
            except RuntimeError:
                return

    def _coloured(self, document: Document, piece: Piece, language: str,
                  coloured: Content) -> None:
        piece.language = language
        piece.content = coloured
        piece.shown = None
        if document is self.document:
            for run in self.runs():
                run.piece_changed(piece)

    # -- pictures among the blocks (article_images.py) -----------------------------------------

    def block_at(self, line: int) -> Block | None:
        """The top-level block (paragraph, list, table...) made of Markdown line `line`."""
        return self.document.block_at(line) if self.document is not None else None

    def place_after(self, after: dict[Block, list[Widget]]) -> list[Awaitable]:
        """The slots mounted after the blocks named; the text cut into runs around them."""
        document = self.document
        if document is None or not after:
            return []
        children: list[Widget] = []
        run: list[Block] = []
        for block in document.blocks:
            run.append(block)
            if block in after:
                children.append(ArticleText(document, run, self.offsets))
                children += after[block]
                run = []
        if run:
            children.append(ArticleText(document, run, self.offsets))
        waits = self._replace(children)
        # (article_images.py) Not whole again until the new runs and slots are in: the
        # place an article was left at (ArticleView.show, on when_whole) was otherwise
        # restored, now and then, before they were laid out, on a body of no height,
        # and cut to the top.
        self.whole.clear()
        generation = self._generation

        async def placed() -> None:
            for wait in waits:
                await wait
            # laid out: Textual may run after-refresh callbacks before a layout pass
            for _ in range(PLACED_FRAMES):
                if all(child.region.width for child in self.children if child.display):
                    break
                await self.wait_for_refresh()
            if generation == self._generation and not self.whole.is_set():
                self.whole.set()
                callbacks, self._when_whole = self._when_whole, []
                for callback in callbacks:
                    callback()

        self.run_worker(placed(), name="place_pictures", group="place-pictures",
                        exclusive=True, exit_on_error=False)
        return waits

    def unplace(self) -> list[Awaitable]:
        """The pictures' slots out (their widget removes them), the text one run again."""
        if self.document is None:
            return []
        hidden = [block for block in self.document.blocks if block.hidden]
        for block in hidden:
            block.hidden = False
        runs = self.runs()
        if len(runs) == 1 and len(runs[0].blocks) == len(self.document.blocks):
            if hidden:
                runs[0].changed()
            return []
        return self._replace([ArticleText(self.document, self.document.blocks, self.offsets)])

    def _replace(self, children: list[Widget]) -> list[Awaitable]:
        ready = self._ready[1] if self._ready is not None else None
        old = [child for child in self.children if child is not ready]
        return [self.remove_children(old), self.mount_all(children, before=ready)]

    # -- searching and sideways ----------------------------------------------------------------

    def search_targets(self) -> list[PieceView]:
        """The text a search of the article reads, in order."""
        out = []
        for run in self.runs():
            for line in _first_lines(run):
                piece = line.piece
                if piece.kind == "table":
                    out += [PieceView(piece, run, (r, c)) for r, row in enumerate(piece.rows)
                            for c in range(len(row))]
                else:
                    out.append(PieceView(piece, run))
        return out

    def scroll_tables(self, step: int, seen: Region) -> None:
        """> and <: the wide tables on screen scrolled sideways, a third of `seen`."""
        for run in self.runs():
            for number, most in run.wide_tables().items():
                rows = run.table_rows(number)
                area = run.content_region
                if not rows or not Region(area.x, area.y + rows.start, area.width,
                                          len(rows)).overlaps(seen):
                    continue
                x = max(0, min(most, self.offsets.get(number, 0) + step * max(4, seen.width // 3)))
                run.scroll_table(number, x)

    def reveal(self, target: PieceView) -> None:
        """A cell of a table that scrolls sideways (a search's match) brought into view."""
        if target.cell is None or self.document is None:
            return
        run, piece = target.run, target.piece
        number = self.document.table_number(piece)
        most = run.wide_tables().get(number)
        if not most:
            return
        header = next(line for line in run.lines_at(run.content_region.width)
                      if line.piece is piece)
        plain = header.text.plain[header.indent:]
        starts = [0] + [found.end() for found in re.finditer(" │ ", plain)]
        x = starts[target.cell[1]] if target.cell[1] < len(starts) else 0
        seen = run.content_region.width - header.indent
        offset = self.offsets.get(number, 0)
        if not offset <= x < offset + seen - MIN_COLUMN:
            run.scroll_table(number, max(0, min(most, x - 2)))

    def scrolls(self, number: int) -> int:
        """How far table `number` can scroll sideways (0: it fits)."""
        for run in self.runs():
            most = run.wide_tables().get(number)
            if most is not None:
                return most
        return 0


def _first_lines(run: ArticleText):
    """Each piece's first line in `run`, once (the searchable pieces)."""
    seen: set[int] = set()
    for line in run.lines_at(run.content_region.width or run.size.width):
        piece = line.piece
        if piece is not None and id(piece) not in seen:
            seen.add(id(piece))
            yield line
