"""html_to_text's tag regexes: the tries match exactly what the flat lists of names did."""

from __future__ import annotations

import itertools
import re

from reader.core.ingest import text
from reader.core.ingest.text import html_to_text

BLOCK = (
    "p|div|br|hr|li|ul|ol|dl|dt|dd|h1|h2|h3|h4|h5|h6|table|tr|td|th|blockquote|pre"
    "|section|article|aside|header|footer|nav|main|figure|figcaption|img|address"
    "|details|summary"
)
HIDDEN = "script|style|iframe|object|noscript|template|svg|head|title|textarea|select"


def _flat(names: str) -> str:
    return "|".join(f"{n}|{n.upper()}" for n in names.split("|"))


FLAT_BLOCK = re.compile(r"</?(?:" + _flat(BLOCK) + r")\b[^<>]*>")
FLAT_HIDDEN = re.compile(
    rf"<(?:!--.*?(?:-->|\Z)|({_flat(HIDDEN)})\b(?:[^<>]*/>|.*?(?:</\1\s*>|\Z)))", re.DOTALL
)


def _tag_soup() -> list[str]:
    """Every name, in three cases, cut short, run on, and with odd endings."""
    names = BLOCK.split("|") + HIDDEN.split("|") + ["a", "b", "span", "h", "h7", "fig", "d"]
    words = set()
    for n in names:
        for w in (n, n.upper(), n.capitalize(), n[:-1], n + "x", n + "1", n + "-x", n + ":x"):
            words.add(w)
    tails = [">", " class='x'>", "/>", " />", "", " <", "\n>", ">text</" + "p>"]
    soup = []
    for w, tail in itertools.product(sorted(words), tails):
        for start in ("<", "</"):
            soup.append(f"x{start}{w}{tail}y")
    return soup


def test_block_tag_trie_matches_the_flat_list():
    for s in _tag_soup():
        assert text._BLOCK_TAG.sub("|", s) == FLAT_BLOCK.sub("|", s), s


def test_hidden_trie_matches_the_flat_list():
    soup = _tag_soup()
    for s in soup + ["".join(soup[i : i + 7]) for i in range(0, len(soup), 7)]:
        assert text._HIDDEN.sub("|", s) == FLAT_HIDDEN.sub("|", s), s


def test_prefixes_and_case():
    # <pref> is no <p>, and mixed case is not matched (an inline tag: joined, not split).
    assert html_to_text("a<pre>b</pre>c<p>d<pref>e<P>f<Div>g") == "a b c de fg"
    assert html_to_text("x<SCRIPT>gone</SCRIPT>y<Script>kept") == "x ykept"
    assert html_to_text("1<h1>2</h1>3<h7>4<hr/>5", paragraphs=True) == "1\n\n2\n\n34\n\n5"


def test_unescape_is_html_unescape():
    import html
    import random

    refs = [
        "&amp;",
        "&amp",
        "&ampfoo;",
        "&notit;",
        "&notin;",
        "&nbsp",
        "&#0;",
        "&#9;",
        "&#27;",
        "&#128;",
        "&#x81;",
        "&#x9F;",
        "&#xD800;",
        "&#x110000;",
        "&#1114111;",
        "&#65;x",
        "&#x41",
        "&;",
        "& ",
        "&&lt;",
        "&#;",
        "&#x;",
        "&" + "a" * 40 + ";",
        "&lt;&gt;",
        "&LT",
        "&Aacute;",
        "&aacute",
        "&bogus;",
        "&#00000065;",
        "&#x0000041;",
    ]
    rng = random.Random(7)
    for _ in range(5000):
        s = "".join(rng.choice(refs + ["x", " ", "é", "\n"]) for _ in range(rng.randint(1, 8)))
        assert text._unescape(s) == html.unescape(s), s
    # The memo stays bounded whatever an article holds.
    text._unescape("".join(f"&#{i};" for i in range(10_000)))
    assert len(text._UNESCAPED) <= 4096
