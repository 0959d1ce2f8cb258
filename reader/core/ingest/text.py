"""Article HTML -> plain text, for the full-text index and plain rendering.

It runs at ingest for every article, so it is a handful of regex passes, not a parser,
and this module imports nothing heavy: a refresh needs it, and BeautifulSoup (which
content.py needs to render one article) costs ~0.2 s to import.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from reader.core.ingest.inline import (
    abbreviation, deleted, formula, inserted, key_cap, subscript, superscript,
)
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
# One scan tells whether any element below or a <sup>/<sub> is there (a dozen `in` tests
# cost half the rest of the work; most articles have none).
_MEANING_TAG = re.compile("<" + _both_cases("math|abbr|kbd|ins|del|s|strike|sup|sub") + r"\b")
# Elements whose meaning the words alone lose, kept as content.py keeps them (inline.py's
# marks): MathML as its formula, <abbr> expanded once, <kbd> as "[Ctrl]", <ins>/<del>.
# An unclosed one runs to the end, as in a browser (and as _HIDDEN's): the scan stays
# linear on "<ins>" * 100_000.
_MATH = re.compile(r"<(math|MATH)\b([^<>]*)>(.*?)(?:</\1\s*>|\Z)", re.DOTALL)
_ANNOTATION = re.compile(r"<annotation\b[^<>]*>(.*?)(?:</annotation\s*>|\Z)", re.DOTALL)
_ALTTEXT = re.compile(r"""\balttext\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>]+)""")
_TITLE = re.compile(r"""\btitle\s*=\s*("[^"]*"|'[^']*'|[^\s"'<>]+)""")
_ABBR = re.compile(r"<(abbr|ABBR)\b([^<>]*)>(.*?)(?:</\1\s*>|\Z)", re.DOTALL)
_KBD = re.compile(r"<(kbd|KBD)\b[^<>]*>([^<>]*)</\1\s*>")
_INS = re.compile(r"<(ins|INS)\b[^<>]*>(.*?)(?:</\1\s*>|\Z)", re.DOTALL)
_DEL = re.compile(r"<(del|DEL|s|S|strike|STRIKE)\b[^<>]*>(.*?)(?:</\1\s*>|\Z)", re.DOTALL)
# Structure that only `paragraphs` keeps: code verbatim, a table as rows of cells. (An
# embedded player is not the article's words: its page is in `show --json`'s links.)
_STRUCTURE_TAG = re.compile("<" + _both_cases("pre|table") + r"\b")
_BLOCKS = re.compile(r"<(pre|PRE|table|TABLE)\b[^<>]*>(.*?)(?:</\1\s*>|\Z)", re.DOTALL)
_ROW = re.compile(r"</?(?:tr|TR)\b[^<>]*>")
_CELL = re.compile(r"<(?:td|th|TD|TH)\b[^<>]*>")
_LINE_BREAK = re.compile(r"<(?:br|BR)\b[^<>]*>")
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


def _attr_value(pattern: re.Pattern[str], attrs: str) -> str:
    m = pattern.search(attrs)
    return _unescape(m[1].strip("\"'")) if m else ""


def _plain(m: re.Match[str] | str) -> str:
    """The unescaped text of an HTML fragment, tags out (for an attribute-like use)."""
    return _unescape(_ANY_TAG.sub("", m if isinstance(m, str) else m[0]))


def _math(m: re.Match[str]) -> str:
    note = _ANNOTATION.search(m[3])
    shown = formula(_attr_value(_ALTTEXT, m[2]), _plain(note[1]) if note else None, _plain(m[3]))
    return f" {html.escape(shown, quote=False)} "


def _meaning(s: str, seen: set[str]) -> str:
    """Math, abbreviations (`seen`: those expanded already), keys, insertions and
    deletions as content.py shows them."""
    if "<math" in s or "<MATH" in s:
        s = _MATH.sub(_math, s)
    if "<abbr" in s or "<ABBR" in s:
        def expand(m: re.Match[str]) -> str:
            title = abbreviation(_plain(m[3]), _attr_value(_TITLE, m[2]), seen)
            return m[3] if title is None else f"{m[3]} ({html.escape(title, quote=False)})"

        s = _ABBR.sub(expand, s)
    if "<kbd" in s or "<KBD" in s:
        s = _KBD.sub(lambda m: key_cap(m[2]), s)
    if "<ins" in s or "<INS" in s:
        s = _INS.sub(lambda m: _marked(inserted, m[2]), s)
    if "<del" in s or "<DEL" in s or "<s>" in s or "<s " in s or "<strike" in s or "<S" in s:
        s = _DEL.sub(lambda m: _marked(deleted, m[2]), s)
    return s


def _marked(mark: Callable[[str], str], inner: str) -> str:
    return mark(inner) if _ANY_TAG.sub("", inner).strip() else inner  # no "{++}" for tags


def html_to_text(html_text: str, *, paragraphs: bool = False) -> str:
    """Plain text of article HTML: tags and script/style/iframe/object contents dropped,
    entities decoded, control characters and escape sequences removed; what inline.py
    marks (sup/sub, math, abbr, kbd, ins/del) as content.py shows it.

    One line with whitespace collapsed, unless `paragraphs`, when block elements
    become paragraph breaks, code stays as written and a table is a line per row (cells
    between " | ").
    """
    s = html_text or ""
    if paragraphs and "<" in s:
        return _structured(s)
    return _text(s, paragraphs, set())


def _structured(s: str) -> str:
    if not _STRUCTURE_TAG.search(s):
        return _text(s, True, set())
    s = _HIDDEN.sub(" ", s)
    parts = []
    seen: set[str] = set()
    start = 0
    for m in _BLOCKS.finditer(s):
        parts.append(_text(s[start:m.start()], True, seen))
        parts.append(_code(m[2]) if m[1].lower() == "pre" else _table(m[2], seen))
        start = m.end()
    parts.append(_text(s[start:], True, seen))
    return "\n\n".join(part for part in parts if part)


def _code(inner: str) -> str:
    """A <pre> block as written: its lines and their indentation, tags out."""
    text = clean_text(_plain(_LINE_BREAK.sub("\n", inner)))
    lines = [line.rstrip() for line in text.split("\n")]
    while lines and not lines[0].strip():
        lines.pop(0)
    return "\n".join(lines).rstrip()


def _table(inner: str, seen: set[str]) -> str:
    """A table as a line per row, its cells between " | " (a caption its own line)."""
    rows = []
    for chunk in _ROW.split(inner):
        cells = _CELL.split(chunk)
        if len(cells) == 1:
            line = _text(chunk, False, seen)  # a caption, or text outside any cell
        else:
            line = " | ".join(_text(cell, False, seen) for cell in cells[1:])
            if not line.replace("|", "").strip():
                continue
        if line:
            rows.append(line)
    return "\n".join(rows)


def _text(s: str, paragraphs: bool, seen: set[str]) -> str:
    if "<" in s:
        s = _HIDDEN.sub(" ", s)
        if _MEANING_TAG.search(s):
            if "<su" in s or "<SU" in s:
                s = _RAISED.sub(_raise, s)
            s = _meaning(s, seen)
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
