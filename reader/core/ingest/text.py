"""Article HTML -> plain text, for the full-text index and plain rendering.

It runs at ingest for every article, so it is a handful of regex passes, not a parser,
and this module imports nothing heavy: a refresh needs it, and BeautifulSoup (which
content.py needs to render one article) costs ~0.2 s to import.
"""

from __future__ import annotations

import html
import re

from reader.core.ingest.inline import subscript, superscript
from reader.core.sanitize import clean_line, clean_text


# Regexes here avoid re.IGNORECASE, which halves the speed of sre's scan; tag names are
# matched in lower and upper case (mixed case is rare enough to miss).
def _both_cases(names: str) -> str:
    """An alternation of the names in lower and upper case, as a trie: sre tries the
    branches of an alternation one by one at every "<", and a trie fails in one or two
    steps where a flat list of 70 names took 70 (the block-tag pass ~20% faster).
    Every use is followed by \\b, so the order of the branches does not matter."""
    words = sorted({w for n in names.split("|") for w in (n, n.upper())})
    first = "".join(sorted({w[0] for w in words}))
    # The look-ahead turns most "<" away in one step (one set test).
    return f"(?=[{first}])" + _trie(sorted(words, key=lambda w: (w != w.lower(), w)))


def _trie(words: list[str]) -> str:
    """The words as one pattern that can be followed by more (a group when it branches)."""
    if words == [""]:
        return ""
    optional = "" in words
    rests: dict[str, list[str]] = {}
    for w in words:
        if w:
            rests.setdefault(w[0], []).append(w[1:])
    branches = [re.escape(c) + _trie(rest) for c, rest in rests.items()]
    if len(branches) == 1 and not optional:
        return branches[0]
    return "(?:" + "|".join(branches) + (")?" if optional else ")")


_HIDDEN_TAGS = _both_cases(
    "script|style|iframe|object|noscript|template|svg|head|title|textarea|select"
)
# An unclosed hidden element runs to the end, as in a browser; this also keeps the scan
# linear on input like "<script" * 100_000. A self-closed one ("<iframe .../>") is just a tag.
_HIDDEN = re.compile(
    rf"<(?:!--.*?(?:-->|\Z)|({_HIDDEN_TAGS})\b(?:[^<>]*/>|.*?(?:</\1\s*>|\Z)))",
    re.DOTALL,
)
_BLOCK_TAG = re.compile(
    r"</?(?:"
    + _both_cases(
        "p|div|br|hr|li|ul|ol|dl|dt|dd|h1|h2|h3|h4|h5|h6|table|tr|td|th|blockquote|pre"
        "|section|article|aside|header|footer|nav|main|figure|figcaption|img|address"
        "|details|summary"
    )
    + r")\b[^<>]*>"
)
# A short plain <sup>/<sub> (an exponent, a footnote mark, a chemical formula): its meaning
# kept as content.py keeps it ("17<sup>2</sup>" is "17²", not "172").
_RAISED = re.compile(r"<(su[pb]|SU[PB])\b[^<>]*>([^<>]{1,40})</\1\s*>")
# "[^<>]*" rather than "[^>]*" keeps a stray "<" from scanning to the end of the input.
_ANY_TAG = re.compile(r"<[a-zA-Z/!?][^<>]*>")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# html.unescape's own pattern: each reference it matches is decoded by html.unescape
# itself, once per distinct reference (&amp; &#8217; &nbsp; ... recur all the time).
_CHARREF = re.compile(r"&(#[0-9]+;?|#[xX][0-9a-fA-F]+;?|[^\t\n\f <&#;]{1,32};?)")


class _Unescaped(dict[str, str]):
    def __missing__(self, ref: str) -> str:
        text = html.unescape(ref)
        if len(self) < 4096:  # a bounded memo: a hostile article could hold millions
            self[ref] = text
        return text


_UNESCAPED = _Unescaped()


def _unescape(s: str) -> str:
    """html.unescape(s), ~40% cheaper: a lookup instead of html's decoding per reference."""
    return _CHARREF.sub(lambda m: _UNESCAPED[m[0]], s)


def _raise(m: re.Match[str]) -> str:
    text = _unescape(m[2]) if "&" in m[2] else m[2]
    raised = superscript(text) if m[1].lower() == "sup" else subscript(text)
    return html.escape(raised, quote=False)  # (unescaped again with the rest)


def html_to_text(html_text: str, *, paragraphs: bool = False) -> str:
    """Plain text of article HTML: tags and script/style/iframe/object contents dropped,
    entities decoded, control characters and escape sequences removed.

    One line with whitespace collapsed, unless `paragraphs`, when block elements
    become paragraph breaks.
    """
    s = html_text or ""
    if "<" in s:
        s = _HIDDEN.sub(" ", s)
        if "<su" in s or "<SU" in s:
            s = _RAISED.sub(_raise, s)
        s = _BLOCK_TAG.sub("\n" if paragraphs else " ", s)
        s = _ANY_TAG.sub("", s)
    if "&" in s:
        s = _unescape(s)
    if paragraphs:
        lines = (" ".join(line.split()) for line in clean_text(s).split("\n"))
        return "\n\n".join(line for line in lines if line)
    s = " ".join(s.split())
    # clean_line's regexes are slow; only run them when there is something to remove.
    if not s.isprintable() and _CONTROL.search(s):
        s = clean_line(s)
    return s
