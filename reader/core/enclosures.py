"""Playing and downloading an article's enclosures (podcast episodes, videos).

A feed's enclosure URL is untrusted: it is only ever one argument of the player's
argument list (never a shell command line), and only an http(s) URL gets that far.
Downloads use the fetcher's settings (user agent, timeouts, redirects), a size cap,
a file name made safe from the URL, and never replace a file that is there.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import unquote, urlsplit

from .errors import ConfigError, FetchError, ReaderError
from .sanitize import clean_line
from .urls import is_web_url

if TYPE_CHECKING:
    from .ingest.fetch import FetchSettings

MAX_NAME_BYTES = 200  # under every file system's 255, with room for " (99)"
_UNSAFE_IN_NAME = re.compile(r'[/\\:*?"<>|\x00-\x1f\x7f]')
_CHUNK = 256 * 1024


def _checked(url: str) -> str:
    if not is_web_url(url):
        raise ReaderError(f"not an http(s) URL: '{clean_line(url)[:200]}'")
    return url


def player_argv(command: str, url: str) -> list[str]:
    """The player command (config `[enclosures] player`, e.g. "mpv %s") as an argument
    list: split as a shell would split words, but never run by one; each "%s" becomes
    the URL inside its word, or the URL comes last when there is none."""
    _checked(url)
    try:
        words = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"[enclosures] player could not be read: {exc}") from None
    if not words:
        raise ConfigError("[enclosures] player is empty: set it in config.toml (e.g. \"mpv %s\")")
    if any("%s" in w for w in words[1:]):
        return [words[0], *(w.replace("%s", url) for w in words[1:])]
    return [*words, url]


def require_player(argv: list[str]) -> list[str]:
    """argv, when its program is there to run (checked before a TUI hands over the terminal)."""
    if shutil.which(argv[0]) is None:
        raise ReaderError(f"player '{clean_line(argv[0])}' not found: set [enclosures] player"
                          " in config.toml")
    return argv


def run_player(argv: list[str]) -> int:
    """Run the player on this terminal and wait for it; its exit status."""
    require_player(argv)
    try:
        return subprocess.run(argv, check=False).returncode
    except OSError as exc:
        raise ReaderError(f"player '{clean_line(argv[0])}' could not start: "
                          f"{exc.strerror or exc}") from None


def safe_file_name(url: str, content_type: str = "") -> str:
    """A file name from the URL's last path segment: no directories, no control
    characters, no leading dot, at most MAX_NAME_BYTES; "enclosure" plus an extension
    for the type when the URL names no file."""
    try:
        segment = urlsplit(url).path.rsplit("/", 1)[-1]
    except ValueError:
        segment = ""
    name = clean_line(_UNSAFE_IN_NAME.sub("_", unquote(segment))).strip(" .")
    if not name:
        import mimetypes

        name = "enclosure" + (mimetypes.guess_extension(content_type.split(";")[0].strip())
                              or "")
    stem, dot, ext = name.rpartition(".")
    if not dot or len(ext) > 10:
        stem, ext = name, ""
    ext = f".{ext}" if ext else ""
    while len((stem + ext).encode("utf-8")) > MAX_NAME_BYTES:
        stem = stem[:-1]
    return (stem.rstrip(" .") or "enclosure") + ext


def _claim(directory: Path, name: str) -> Path:
    """A new empty file named `name` in `directory`, or "stem (2).ext", "stem (3).ext"...:
    created exclusively, so nothing there is ever replaced."""
    stem, ext = os.path.splitext(name)
    for n in range(1, 1000):
        path = directory / (name if n == 1 else f"{stem} ({n}){ext}")
        try:
            with open(path, "xb"):
                return path
        except FileExistsError:
            continue
    raise ReaderError(f"too many files named like {name} in {directory}")


def download(url: str, directory: str | Path, settings: FetchSettings, max_bytes: int,
             progress: Callable[[int, int | None], None] | None = None) -> Path:
    """Download `url` into `directory` (made when missing); returns the new file's path.
    `progress(bytes so far, total or None)` after each chunk. Refuses bodies over
    `max_bytes`; a failed download leaves no file behind."""
    import httpx  # only when downloading

    _checked(url)
    folder = Path(directory).expanduser()
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReaderError(f"cannot create {folder}: {exc.strerror or exc}") from None
    timeout = httpx.Timeout(settings.timeout, connect=settings.connect_timeout)
    headers = {"User-Agent": settings.user_agent, "Accept-Encoding": "identity"}
    target: Path | None = None
    partial: Path | None = None
    try:
        with httpx.Client(follow_redirects=True, max_redirects=settings.max_redirects,
                          timeout=timeout, headers=headers) as client, \
                client.stream("GET", url) as response:
            if response.status_code >= 400:
                raise FetchError(f"download failed: HTTP {response.status_code} from {url}")
            total = _content_length(response.headers.get("content-length"))
            if total is not None and total > max_bytes:
                raise FetchError(f"download refused: {total:,} bytes is over the"
                                 f" {max_bytes:,}-byte limit ([enclosures] max_download_mb)")
            final_url = str(response.url)
            name = safe_file_name(final_url if is_web_url(final_url) else url,
                                  response.headers.get("content-type", ""))
            target = _claim(folder, name)
            partial = target.with_name(f".{target.name}.part")
            done = 0
            with open(partial, "wb") as out:
                for chunk in response.iter_bytes(_CHUNK):
                    done += len(chunk)
                    if done > max_bytes:
                        raise FetchError(f"download stopped: over the {max_bytes:,}-byte limit"
                                         " ([enclosures] max_download_mb)")
                    out.write(chunk)
                    if progress is not None:
                        progress(done, total)
            os.replace(partial, target)
            partial = None
            return target
    except httpx.HTTPError as exc:
        raise FetchError(f"download failed: {clean_line(str(exc)) or type(exc).__name__}"
                         ) from None
    except OSError as exc:
        raise ReaderError(f"download failed: {exc.strerror or exc}") from None
    finally:
        if partial is not None:
            for leftover in (partial, target):
                if leftover is not None:
                    leftover.unlink(missing_ok=True)


def _content_length(value: str | None) -> int | None:
    return int(value) if value and value.isdecimal() and value.isascii() else None
