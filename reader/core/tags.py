"""What a tag may be: one rule for every way a tag comes in (the CLI, an OPML import,
the TUI, a sync server).

The filter language names a tag as +TAG or -TAG and groups words with double quotes
(+"two words"), with no escape for a quote inside: a tag holding a double quote could
never be selected. So a tag is stored without double quotes and without a leading "+";
where the user types a tag (`clean_tag` would silently change it), `tag_problem` says
why it is refused instead.
"""

from __future__ import annotations

import unicodedata

from .sanitize import clean_line

MAX_TAG_CHARS = 1_000  # what ingest's parse.MAX_LINE_CHARS cuts a feed's categories to


def fold(name: str) -> str:
    """The one rule by which names match whatever their case, in any script: tags,
    `feed:`, feed prefixes, saved filter names, the pickers. Unicode case folding of the
    NFC form, so "ВІЙНА", "війна" and "Війна" are one name, as are "Straße" and "STRASSE".
    Storage keeps this form in the `folded` columns (SQLite's NOCASE folds ASCII only)."""
    return unicodedata.normalize("NFC", name).casefold()


def clean_tag(text: str) -> str:
    """`text` as a tag is stored: one clean line, without double quotes (an OPML folder
    `My "best"` becomes `My best`) and without the "+" of a filter's +TAG; "" for none."""
    tag = clean_line(text)
    if '"' in tag:
        tag = clean_line(tag.replace('"', ""))
    return tag.lstrip("+")


def tag_problem(text: str) -> str | None:
    """Why `text`, typed as a tag, is refused (a message naming it), or None when
    clean_line(text) is a tag as it is."""
    name = clean_line(text)
    if not name:
        return "empty tag: a tag needs a name"
    if name[0] in "+-":
        return (f"tag '{name}' cannot start with '{name[0]}' (a filter writes +TAG and -TAG:"
                f" with and without the tag); give {name.lstrip('+-') or 'a name'}")
    if '"' in name:
        return f"tag '{name}' cannot contain '\"': a filter could not name it"
    if len(name) > MAX_TAG_CHARS:
        return (f"tag '{name[:40]}…' is {len(name):,} characters long; at most"
                f" {MAX_TAG_CHARS:,}")
    return None
