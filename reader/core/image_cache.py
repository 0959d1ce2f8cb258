"""Images fetched for the article pane, kept on disk so an article opened again (or
offline) shows them without the network: one file per URL (named by its hash, never by
anything the server sent), within a size budget, the least recently used evicted first.

Failures are remembered in memory for a while, so a broken image is not fetched again
each time its article is opened.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from pathlib import Path

BUDGET_BYTES = 200 * 1024 * 1024
RETRY_FAILED_AFTER = 600.0  # seconds
_MAX_FAILURES = 1000


class ImageCache:
    def __init__(self, directory: str | Path, budget: int = BUDGET_BYTES) -> None:
        self.directory = Path(directory)
        self.budget = budget
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[str, float]] = {}

    def _path(self, url: str) -> Path:
        return self.directory / hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()

    def get(self, url: str) -> bytes | None:
        path = self._path(url)
        try:
            data = path.read_bytes()
            os.utime(path)  # used now: the last to be evicted
        except OSError:
            return None
        return data

    def put(self, url: str, data: bytes) -> None:
        """Keep `data` for `url` (an image over the whole budget is not kept). A cache
        that cannot be written is no error: the image is simply fetched next time."""
        if len(data) > self.budget:
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            # Written beside its place, then renamed: a reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=".part-")
            try:
                with os.fdopen(fd, "wb") as f:
                    f.write(data)
                os.replace(tmp, self._path(url))
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
        except OSError:
            return
        self._evict()

    def _evict(self) -> None:
        with self._lock:
            entries = []
            try:
                with os.scandir(self.directory) as it:
                    for entry in it:
                        if entry.is_file(follow_symlinks=False) and not entry.name.startswith("."):
                            st = entry.stat(follow_symlinks=False)
                            entries.append((st.st_mtime, st.st_size, entry.path))
            except OSError:
                return
            total = sum(size for _, size, _ in entries)
            for _, size, path in sorted(entries):  # oldest use first
                if total <= self.budget:
                    break
                try:
                    os.unlink(path)
                except OSError:
                    continue
                total -= size

    # -- failures (memory only) -------------------------------------------------------------

    def failed(self, url: str) -> str | None:
        """Why `url` failed a little while ago, or None."""
        with self._lock:
            found = self._failures.get(url)
        if found is None or time.monotonic() - found[1] > RETRY_FAILED_AFTER:
            return None
        return found[0]

    def remember_failure(self, url: str, reason: str) -> None:
        with self._lock:
            if len(self._failures) >= _MAX_FAILURES:
                self._failures.pop(next(iter(self._failures)))
            self._failures[url] = (reason, time.monotonic())

    @classmethod
    def default(cls) -> ImageCache:
        """The cache in the user's cache directory (config.default_cache_dir)."""
        from .config import default_cache_dir

        return cls(default_cache_dir() / "images")


def load_image(cache: ImageCache, url: str, settings, max_width: int, max_height: int):
    """ImageResult for `url`: from `cache`, else fetched with the feeds' FetchSettings
    (only http(s), its own size cap), then decoded and scaled to fit max_width x
    max_height pixels. Blocking. A failure is a result with a one-line error."""
    from .ingest.images import ImageFailure, decode_image
    from .models import ImageResult
    from .sanitize import clean_line

    why = cache.failed(url)
    if why is not None:
        return ImageResult(url, "error", error=why)
    data = cache.get(url)
    fresh = data is None
    try:
        if data is None:
            from .sources.images import fetch_image

            data = fetch_image(url, settings)
        image = decode_image(data, max_width, max_height)
    except ImageFailure as exc:
        why = clean_line(str(exc))
        cache.remember_failure(url, why)
        return ImageResult(url, "error", error=why)
    if fresh:
        cache.put(url, data)  # only an image that decoded is worth keeping
    return ImageResult(url, "ok", image=image)
