"""A Markdown document shown in stages: the blocks that fill the first screen are
mounted in the frame of the key, the rest in the frames after it, a batch at a time.

Textual's Markdown.update mounts every block of a document (a widget per paragraph,
list item, quote, heading) before the frame that shows any of it. A long article, a
full page especially, is 100-160 blocks: 100-300 ms of mounting, styling and layout
on the event loop between the key and the first frame (measured by
benchmarks/bench_full_open.py). A reader sees one screenful first; so only the blocks
that fill it (estimated from their source lines at the pane's width) are mounted with
the key, and the rest follow, REST_BATCH blocks a frame, while the text is already
on screen and keys are still read between batches.

`whole` is set once every block of the latest document is mounted: a place in the
article to scroll back to (ArticleView) waits for it. parse_ahead parses a document
in a thread before it is shown (the open article's full page: screens/full_article.py),
and make_ready mounts its first screen, hidden, while the reader reads the feed's text:
mounting and styling those blocks was half the work between f and its frame (up to
130 ms for a page of lists); f then only shows them (inline display, no stylesheet pass)
and hides the old blocks, removed after the frame. What is left with the key is
Textual laying out and painting the pane.
"""

from __future__ import annotations

import asyncio
import itertools
from collections import OrderedDict
from collections.abc import Callable, Iterator

from rich.cells import cell_len
from textual.await_complete import AwaitComplete
from textual.widgets import Markdown
from textual.widgets import _markdown as textual_markdown  # its parser, as update uses it
from textual.widgets.markdown import MarkdownBlock

REST_BATCH = 25  # blocks mounted per frame after the first screen
FIRST_SLACK_ROWS = 4  # more than the pane's rows: a short estimate must not leave a gap
PARSED_KEPT = 4  # documents parsed ahead (parse_ahead) and not shown yet
READY_BATCH = 3  # blocks of a document made ready (hidden) mounted per frame

# A document's tokens, parsed ahead in a thread: showing it then skips the parse
# (5-30 ms for a long page, waited for between the key and the frame).
_parsed: OrderedDict[str, list] = OrderedDict()


def parse_ahead(markdown: str) -> None:
    """In a thread: parse `markdown` (as the default parser does), for a StagedMarkdown
    that is given it later."""
    tokens = textual_markdown.MarkdownIt("gfm-like").parse(markdown)
    _parsed[markdown] = tokens
    while len(_parsed) > PARSED_KEPT:
        _parsed.popitem(last=False)


def first_screen(blocks: Iterator[MarkdownBlock], source: str, width: int,
                 rows: int) -> list[MarkdownBlock]:
    """The first of `blocks` (taken from the iterator, which keeps the rest) that fill
    `rows` rows `width` cells wide: each block's source lines folded at `width`, plus
    its margin line."""
    lines = source.splitlines()
    width = max(20, width)
    used = 0
    out = []
    for block in blocks:
        out.append(block)
        start, end = block.source_range
        used += 1 + sum(max(1, -(-cell_len(line) // width)) for line in lines[start:end])
        if used >= rows + FIRST_SLACK_ROWS:
            break
    return out


class StagedMarkdown(Markdown):
    """Markdown whose update shows the first screen first (see the module's doc)."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._generation = 0  # each update's number: a later one drops an earlier one's rest
        self.whole = asyncio.Event()
        self._when_whole: list[Callable[[], object]] = []
        # make_ready's document: (markdown, its first-screen blocks mounted hidden so far,
        # those not yet, the rest)
        self._ready: tuple[str, list[MarkdownBlock], Iterator[MarkdownBlock],
                           Iterator[MarkdownBlock]] | None = None
        self._removing: list[MarkdownBlock] = []  # blocks hidden, to be removed

    def when_whole(self, callback: Callable[[], object]) -> None:
        """Call `callback` once the latest document is mounted whole (now if it is)."""
        if self.whole.is_set():
            callback()
        else:
            self._when_whole.append(callback)

    def update(self, markdown: str) -> AwaitComplete:
        self._generation += 1
        self.whole.clear()
        self._when_whole.clear()
        return AwaitComplete(self._update_first(markdown, self._generation))

    def _parser(self):
        if self._parser_factory is not None:
            return self._parser_factory()
        return textual_markdown.MarkdownIt("gfm-like")

    def shown_blocks(self) -> list[MarkdownBlock]:
        """The top-level blocks of the document shown (not a ready one's, nor those
        on their way out)."""
        ready = self._ready[1] if self._ready is not None else []
        return [block for block in self.query_children(MarkdownBlock)
                if block not in ready and block not in self._removing]

    def make_ready(self, markdown: str) -> AwaitComplete:
        """Mount the first screen of `markdown` now, hidden, for a later update with it:
        that update then only shows it (the full page of the open article, made ready
        while the reader reads the lead: f has nothing left to mount but the rest). Each
        update with another document drops it."""
        return AwaitComplete(self._make_ready(markdown))

    async def _make_ready(self, markdown: str) -> None:
        async with self.lock:
            if markdown == self._markdown or (self._ready and self._ready[0] == markdown):
                return
            stale, self._ready = self._ready, None
            if stale is not None:
                await self.remove_children(stale[1])
            blocks, first = await self._first_blocks(markdown)
            mounted: list[MarkdownBlock] = []
            pending = iter(first)  # (mounted with the key if it comes before they are in)
            self._ready = (markdown, mounted, pending, blocks)
        loop = asyncio.get_running_loop()
        while True:  # READY_BATCH blocks a frame: a key is never held for a whole screen's
            frame = loop.create_future()
            self.call_after_refresh(lambda f=frame: f.done() or f.set_result(None))
            await frame
            async with self.lock:
                if self._ready is None or self._ready[1] is not mounted:
                    return  # shown meanwhile (the rest mounts it), or dropped
                batch = list(itertools.islice(pending, READY_BATCH))
                if not batch:
                    return
                for block in batch:
                    block.display = False  # (inline: no stylesheet pass to show it later)
                await self.mount_all(batch)
                mounted.extend(batch)

    async def _first_blocks(self, markdown: str) -> tuple[Iterator[MarkdownBlock],
                                                          list[MarkdownBlock]]:
        """A document's blocks (a generator: a widget is made when it is taken) and the
        first of them, taken, that fill the pane's first screen."""
        tokens = _parsed.pop(markdown, None) if self._parser_factory is None else None
        if tokens is None:
            tokens = await asyncio.get_running_loop().run_in_executor(
                None, self._parser().parse, markdown)
        blocks = self._parse_markdown(tokens)
        # (the pane's height, not the screen's: the header above the body is slack too)
        pane = self.parent.size if self.parent is not None else self.app.size
        first = first_screen(blocks, markdown, pane.width or self.app.size.width,
                             pane.height or self.app.size.height)
        return blocks, first

    async def _update_first(self, markdown: str, generation: int) -> None:
        # As Markdown.update (textual 8: its lock, _parse_markdown and fields), but
        # mounting only the first screen's blocks.
        self._theme = self.app.theme
        self._markdown = markdown
        self._table_of_contents = None
        async with self.lock:
            if generation != self._generation:
                return  # a newer document came while the lock was held; it does the work
            ready, self._ready = self._ready, None
            # (top-level blocks: nested ones go with them; the pictures' slots are
            # removed by their own widget, article_images.py)
            old = [child for child in self.children if isinstance(child, MarkdownBlock)]
            if ready is not None and ready[0] == markdown:
                _, shown, pending, blocks = ready
                old = [block for block in old if block not in shown]
                with self.app.batch_update():
                    for block in old:  # (removed after the frame: not the key's work)
                        block.display = False
                    for block in shown:
                        block.styles.display = None  # (back to the stylesheet's)
                    if first := list(pending):  # (f came before they were all in)
                        await self.mount_all(first)
                self._removing = old
            else:
                self._removing = []
                blocks, first = await self._first_blocks(markdown)
                if generation != self._generation:
                    return  # a newer document came meanwhile; it does the work
                with self.app.batch_update():
                    await self.remove_children(old)
                    if first:
                        await self.mount_all(first)
        lines = markdown.splitlines()
        self._last_parsed_line = len(lines) - (1 if lines and lines[-1] else 0)
        self.run_worker(self._mount_rest(blocks, generation), group="markdown-rest",
                        exclusive=True, exit_on_error=False)

    async def _mount_rest(self, blocks: Iterator[MarkdownBlock], generation: int) -> None:
        loop = asyncio.get_running_loop()
        if self._removing:  # the document shown before a ready one: out after its frame
            frame = loop.create_future()
            self.call_after_refresh(lambda f=frame: f.done() or f.set_result(None))
            await frame
            async with self.lock:
                removing, self._removing = self._removing, []
                await self.remove_children([w for w in removing if w.parent is self])
        while batch := list(itertools.islice(blocks, REST_BATCH)):
            frame = loop.create_future()
            self.call_after_refresh(lambda f=frame: f.done() or f.set_result(None))
            await frame  # (the frame before this batch is drawn: keys are read meanwhile)
            async with self.lock:
                if generation != self._generation:
                    return
                await self.mount_all(batch)
        if generation == self._generation:
            self._mounted_whole()

    def _mounted_whole(self) -> None:
        self.whole.set()
        callbacks, self._when_whole = self._when_whole, []
        for callback in callbacks:
            callback()
        self.post_message(Markdown.TableOfContentsUpdated(self, self.table_of_contents)
                          .set_sender(self))
