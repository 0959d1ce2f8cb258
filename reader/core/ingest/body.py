"""A feed's body, read within its size cap: from an HTTP response, decompressed
incrementally and capped on its decompressed size (so a gzip bomb costs at most the
cap in memory), or from a local file that must be a regular one.

A refresh reads a feed's body as it came (read_encoded: capped on the wire's size) and
decompresses it where it is parsed (decode_then, in a parsing worker): the refreshing
process then holds the compressed bodies only, and spends no CPU inflating them.
Either way the same decoders, cap and error lines apply."""

from __future__ import annotations

import asyncio
import os
import stat
import zlib
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    import httpx  # imported by fetch.py, after its start-up set-up

try:
    import brotli
except ImportError:  # optional: without it we simply do not offer "br"
    brotli = None

T = TypeVar("T")

ACCEPT_ENCODING = "gzip, deflate" + (", br" if brotli is not None else "")

_STEP = 1024 * 1024  # no single decompression step may produce more than this
LARGE_BODY = 2 * 1024 * 1024  # bodies over this are read and parsed a few at a time
# Two: enough to keep two parsing workers busy with big feeds (with one, the last big
# feeds of a refresh waited for the parse of the one before, through the whole parse
# queue), few enough that their bodies and parse trees stay a bounded amount of memory.
LARGE_AT_ONCE = 2


class FetchFailure(Exception):
    """A one-line reason one fetch failed; becomes FetchResult.error."""


def _size(n: int) -> str:
    if n % (1024 * 1024) == 0:
        return f"{n // (1024 * 1024)} MiB"
    if n % 1024 == 0:
        return f"{n // 1024} KiB"
    return f"{n} bytes"


def too_large(max_bytes: int) -> FetchFailure:
    return FetchFailure(f"response larger than {_size(max_bytes)} limit")


# ---------------------------------------------------------------- decompression


class _Identity:
    def feed(self, data: bytes) -> Iterator[bytes]:
        yield data

    def flush(self) -> Iterator[bytes]:
        return iter(())


class _Zlib:
    """gzip or deflate, producing at most _STEP bytes per step."""

    def __init__(self, gzip: bool) -> None:
        self._gzip = gzip
        self._d: zlib._Decompress | None = zlib.decompressobj(16 + zlib.MAX_WBITS) if gzip else None
        self._head = b""

    def feed(self, data: bytes) -> Iterator[bytes]:
        if self._d is None:
            # "deflate" should be zlib-wrapped (RFC 9110) but some servers send raw
            # deflate: tell them apart by the zlib header check.
            self._head += data
            if len(self._head) < 2:
                return
            cmf, flg = self._head[0], self._head[1]
            wrapped = cmf & 0x0F == 8 and (cmf * 256 + flg) % 31 == 0
            self._d = zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)
            data, self._head = self._head, b""
        while data:
            try:
                piece = self._d.decompress(data, _STEP)
            except zlib.error as exc:
                raise FetchFailure(f"corrupt compressed response: {exc}") from None
            yield piece
            data = self._d.unconsumed_tail
            if not data and self._d.eof and self._gzip and self._d.unused_data.strip(b"\0"):
                # Concatenated gzip members are one valid body.
                data = self._d.unused_data
                self._d = zlib.decompressobj(16 + zlib.MAX_WBITS)

    def flush(self) -> Iterator[bytes]:
        if self._d is None:
            if self._head:
                raise FetchFailure("corrupt compressed response: truncated")
            return
        yield self._d.flush(_STEP)
        if not self._d.eof:
            # The stream stopped before its end: what came would parse as a shorter
            # feed, and its validators would keep the cut copy for good (304s).
            raise FetchFailure("corrupt compressed response: truncated")


class _Brotli:
    def __init__(self) -> None:
        assert brotli is not None
        self._d = brotli.Decompressor()

    def feed(self, data: bytes) -> Iterator[bytes]:
        try:
            yield self._d.process(data, output_buffer_limit=_STEP)
            while not self._d.can_accept_more_data():
                yield self._d.process(b"", output_buffer_limit=_STEP)
        except brotli.error as exc:
            raise FetchFailure(f"corrupt compressed response: {exc}") from None

    def flush(self) -> Iterator[bytes]:
        if not self._d.is_finished():  # (as _Zlib.flush: a cut stream is no feed)
            raise FetchFailure("corrupt compressed response: truncated")
        return iter(())


def _decoder(content_encoding: str) -> _Identity | _Zlib | _Brotli:
    codings = [c.strip().lower() for c in content_encoding.split(",") if c.strip()]
    codings = [c for c in codings if c != "identity"]
    if not codings:
        return _Identity()
    if len(codings) > 1:
        raise FetchFailure(f"unsupported content encoding: {content_encoding.strip()}")
    coding = codings[0]
    if coding in ("gzip", "x-gzip"):
        return _Zlib(gzip=True)
    if coding == "deflate":
        return _Zlib(gzip=False)
    if coding == "br" and brotli is not None:
        return _Brotli()
    raise FetchFailure(f"unsupported content encoding: {coding}")


# ---------------------------------------------------------------- reading


class LargeBody:
    """A feed's turn to hold a body over LARGE_BODY bytes, from reading it to parsing it.

    LARGE_AT_ONCE feeds at a time: sixteen feeds each sending max_bytes at once (and
    each parsed into a tree several times its size) would otherwise need gigabytes.
    Small bodies, nearly every real feed, never wait for it.
    """

    def __init__(self, gate: asyncio.Semaphore | None) -> None:
        self.gate = gate
        self.held = False

    async def acquire(self) -> None:
        if self.gate is not None and not self.held:
            await self.gate.acquire()
            self.held = True

    def release(self) -> None:
        if self.held and self.gate is not None:
            self.gate.release()
            self.held = False


class _Capped:
    """Bytes gathered up to max_bytes: one more and it is FetchFailure."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.data = bytearray()

    def add(self, piece: bytes) -> int:
        self.data += piece
        if len(self.data) > self.max_bytes:
            raise too_large(self.max_bytes)
        return len(self.data)


def _check_length(response: httpx.Response, max_bytes: int) -> None:
    length = response.headers.get("content-length", "")
    if length.strip().isdigit() and int(length) > max_bytes:
        raise too_large(max_bytes)


async def read_body(
    response: httpx.Response, max_bytes: int, large: LargeBody | None = None
) -> bytes:
    """The decompressed body, never holding more than max_bytes (+ one step) of it."""
    _check_length(response, max_bytes)
    decoder = _decoder(response.headers.get("content-encoding", ""))
    out = _Capped(max_bytes)
    # aiter_raw: httpx must not decode (its decoders have no output limit).
    async for chunk in response.aiter_raw():
        for piece in decoder.feed(chunk):
            if out.add(piece) > LARGE_BODY and large is not None and not large.held:
                await large.acquire()
    for piece in decoder.flush():
        out.add(piece)
    return bytes(out.data)


async def read_encoded(
    response: httpx.Response, max_bytes: int, large: LargeBody | None = None
) -> bytes:
    """The body as it came (compressed or not), at most max_bytes of it: decode() it
    where it is parsed. An encoding we cannot decode fails here, before the download."""
    _check_length(response, max_bytes)
    _decoder(response.headers.get("content-encoding", ""))
    out = _Capped(max_bytes)
    async for chunk in response.aiter_raw():
        if out.add(chunk) > LARGE_BODY and large is not None and not large.held:
            await large.acquire()
    return bytes(out.data)


def decode(data: bytes, content_encoding: str, max_bytes: int) -> bytes:
    """A body read by read_encoded, decompressed within the same cap as read_body."""
    decoder = _decoder(content_encoding)
    if isinstance(decoder, _Identity):
        return data
    out = _Capped(max_bytes)
    for start in range(0, len(data), _STEP):  # (a step's input: the output is capped anyway)
        for piece in decoder.feed(data[start:start + _STEP]):
            out.add(piece)
    for piece in decoder.flush():
        out.add(piece)
    return bytes(out.data)


def decode_then(parse: Callable[[bytes, str, str | None], T], data: bytes,
                content_encoding: str, max_bytes: int, url: str,
                content_type: str | None) -> T:
    """parse(decode(data), url, content_type): a body decompressed in the process that
    parses it (module-level, so a process pool can run it)."""
    return parse(decode(data, content_encoding, max_bytes), url, content_type)


def read_regular_file(path: str, max_bytes: int) -> bytes:
    """A local file's bytes (blocking: run it in an executor). OSError as open() raises
    it; FetchFailure for what is not a regular file or is over the cap."""
    # O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer
    # for ever. Only regular files are read: not FIFOs, devices (/dev/zero,
    # /dev/stdin) or directories.
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise FetchFailure(f"cannot read {path}: not a regular file")
        data = f.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise too_large(max_bytes)
    return data
