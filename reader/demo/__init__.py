"""Bundled demo data: `reader --demo` opens the app on a throw-away library of sample feeds.

The feeds in ``feeds/`` were written for this project (every place, person, product and
address in them is fictional; links point at the reserved ``.example`` domain). They cover
every format the reader understands: RSS 2.0, RSS 1.0 (RDF), Atom, JSON Feed, a podcast
feed, one feed entirely in Japanese and one in Ukrainian. They are fetched through the real
fetcher as ``file://`` URLs, so the demo works offline and exercises the same code as real
feeds.
"""

from __future__ import annotations

import shutil
import tempfile
import weakref
from pathlib import Path

from reader.core.config import Config
from reader.core.library import Library

FEEDS_DIR = Path(__file__).resolve().parent / "feeds"

# (file in FEEDS_DIR, tags to subscribe it with), in the order the demo subscribes them.
DEMO_FEEDS: list[tuple[str, list[str]]] = [
    ("harbor-town-gazette.xml", ["news", "world"]),  # RSS 2.0, local news
    ("kernel-compiler-notes.atom", ["tech"]),  # Atom (html and xhtml content)
    ("field-notes-ecology.rdf", ["science"]),  # RSS 1.0 / RDF
    ("pixel-kitchen.json", ["lifestyle", "food"]),  # JSON Feed 1.1
    ("tokyo-tech.xml", ["tech", "japanese"]),  # RSS 2.0, all in Japanese
    ("orbital-mechanics-weekly.atom", ["science", "space"]),  # Atom (escaped html content)
    ("the-slow-commute.xml", ["podcasts", "lifestyle"]),  # RSS 2.0 podcast, enclosures
    # RSS 2.0, all in Ukrainian, each story with a row of <category> tags, some several
    # words long ("Війна в Україні"): the news this project was first drawn from
    ("dnipro-visnyk.xml", ["news", "ukrainian"]),
]

# Articles (by link) the demo marks as already read: the older ones, as if the user had
# been reading for a while.
DEMO_READ_LINKS: tuple[str, ...] = (
    "https://gazette.harbortown.example/2026/10/19/regatta-results",
    "https://gazette.harbortown.example/2026/10/07/lantern-fair",
    "https://gazette.harbortown.example/2026/10/28/after-the-storm",
    "https://kcnotes.example/2026/10/scheduler-patch",
    "https://kcnotes.example/2026/10/constant-folding",
    "https://kcnotes.example/2026/11/register-allocation",
    "https://fieldnotes.example/2026/10/pine-marten",
    "https://fieldnotes.example/2026/10/reading-a-transect-sheet",
    "https://pixelkitchen.example/notes/slow-sunday-playlist",
    "https://tokyo-tech.example/2026/10/06/feed-fix",
    "https://orbitalweekly.example/issues/42",
    "https://orbitalweekly.example/issues/43",
    "https://slowcommute.example/episodes/21",
    "https://visnyk.example/news/2026/11/19/justice-programme",
)

# Articles (by link) the demo stars.
DEMO_STARRED_LINKS: tuple[str, ...] = (
    "https://kcnotes.example/2026/11/register-allocation",
    "https://pixelkitchen.example/recipes/miso-butter-noodles",
)


_DB_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def feed_path(filename: str) -> Path:
    """The bundled feed file `filename` (one of DEMO_FEEDS)."""
    return FEEDS_DIR / filename


def feed_uri(filename: str) -> str:
    """The file:// URL the demo subscribes to for `filename`."""
    return feed_path(filename).resolve().as_uri()


def make_demo_library(config: Config | None = None, path: str | Path | None = None) -> Library:
    """A Library on a fresh database holding the bundled demo feeds.

    `path` is a folder for the database (``demo.db`` inside it), or the database file itself
    when it ends in .db, .sqlite or .sqlite3; without it a new temporary folder
    (``reader-demo-*``) is made, which `close_demo_library` removes again. Every feed
    is subscribed through `Library.add_feed`, so it is fetched and parsed for real. A few
    articles are then marked read and starred so the demo shows every state. Given the
    `path` of an earlier demo, feeds already there are left as they are.
    """
    created = path is None
    if created:
        folder = Path(tempfile.mkdtemp(prefix="reader-demo-"))
        db_path = folder / "demo.db"
    elif Path(path).suffix.lower() in _DB_SUFFIXES:
        db_path = Path(path)
        folder = db_path.parent
    else:
        folder = Path(path)
        db_path = folder / "demo.db"
    library: Library | None = None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        library = Library(db_path, config)
        added: set[int] = set()
        for filename, tags in DEMO_FEEDS:
            uri = feed_uri(filename)
            if library.feed_by_url(uri) is None:  # an earlier demo in the same place
                feed, _ = library.add_feed(uri, tags=tags)
                added.add(feed.id)
        # Only articles fetched just now: a reopened demo keeps what the user changed.
        by_link = {a.link: a.id for a in library.articles("") if a.feed_id in added}
        read = [by_link[link] for link in DEMO_READ_LINKS if link in by_link]
        starred = [by_link[link] for link in DEMO_STARRED_LINKS if link in by_link]
        if read:
            library.set_read(read, True)
        if starred:
            library.set_starred(starred, True)
        from .pictures import demo_pictures  # Pillow: only when a demo is made

        library.keep_images(folder / "images", demo_pictures())
    except BaseException:
        if library is not None:
            library.close()
        if created:
            shutil.rmtree(folder, ignore_errors=True)
        raise
    if created:
        _TEMP_DIRS[library] = folder
    return library


# Temporary folders make_demo_library created, for close_demo_library.
_TEMP_DIRS: weakref.WeakKeyDictionary[Library, Path] = weakref.WeakKeyDictionary()


def close_demo_library(library: Library) -> None:
    """Close a demo library and delete its temporary folder (if make_demo_library made one)."""
    library.close()
    folder = _TEMP_DIRS.pop(library, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


__all__ = [
    "DEMO_FEEDS",
    "FEEDS_DIR",
    "close_demo_library",
    "feed_path",
    "feed_uri",
    "make_demo_library",
]
