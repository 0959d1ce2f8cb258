"""Matching an article the search index does not hold yet (storage/indexer.py): the
fallback search.py uses until the indexer has caught up, as the SQL function
reader_words_match.

It gives filters.matches' answer for full-text words (the same tokens as
filters.index_tokens, the same phrases and prefixes), several times faster: it runs for
every article not indexed yet, thousands right after a big refresh. Accents go by one
str.translate of the marks the text holds instead of a test per character; an article
lacking one of a phrase's words anywhere is turned away by substring tests before it is
split into words; a phrase is found by a substring search in the words joined by
spaces instead of a comparison per position.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata

from ..filters import Words, index_tokens
from .full_articles import FULL_SEP

_TOKEN = re.compile(r"[^\W_]+")  # (filters.index_tokens' own)


def words_json(words: Words) -> str:
    """The words as reader_words_match takes them (an SQL parameter)."""
    return json.dumps([[w, prefix] for w, prefix in words.words], ensure_ascii=False)


def _folded(s: str) -> str:
    """Lower-cased, accents dropped (as index_tokens does), not split yet."""
    bare = unicodedata.normalize("NFD", s.lower())
    if not bare.isascii():
        marks = {ord(c): None for c in set(bare) if unicodedata.combining(c)}
        if marks:
            bare = bare.translate(marks)
    return bare


def tokens(s: str) -> list[str]:
    """filters.index_tokens(s), faster on long text."""
    return _TOKEN.findall(_folded(s))


@functools.lru_cache(maxsize=64)
def _needles(words_json: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each phrase of the words as a substring of " token token ... " (a prefix word's
    last token open-ended), with its words; a phrase with no word in it is left out,
    as FTS5 does."""
    out = []
    for word, prefix in json.loads(words_json):
        phrase = index_tokens(word)
        if phrase:
            out.append((" " + " ".join(phrase) + ("" if prefix else " "), tuple(phrase)))
    return tuple(out)


def plain_text(html: str | None) -> str:
    from ..ingest.text import html_to_text

    return html_to_text(html or "")


def words_match(words_json: str, title: str | None, html: str | None,
                full: str | None) -> bool:
    """Whether an article has every phrase of the words in its title or in its text
    (the text the indexer would index: the feed's, then the page's); a phrase does not
    run from one into the other. No phrase at all: no match."""
    needles = _needles(words_json)
    if not needles:
        return False
    text = plain_text(html) + (FULL_SEP + full if full else "")
    folded = [_folded(title or ""), _folded(text)]
    if not all(any(all(w in col for w in words) for col in folded) for _, words in needles):
        return False  # (a word missing even as a substring: no need to split)
    columns = [" " + " ".join(_TOKEN.findall(col)) + " " for col in folded]
    return all(any(n in col for col in columns) for n, _ in needles)
