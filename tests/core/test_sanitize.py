"""clean_line / clean_text / needs_cleaning: the fast paths agree with the plain definitions."""

from __future__ import annotations

import random
import re

from reader.core.sanitize import clean_line, clean_text, needs_cleaning

_WHITESPACE = re.compile(r"\s+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# Every kind of whitespace str.split() and \s know, controls, escape sequences,
# non-printable but harmless characters, and a lone surrogate.
ALPHABET = (
    [c for c in map(chr, range(0x3100)) if c.isspace()]
    + [chr(c) for c in range(0xA0)]
    + ["é", "€", "\u200b", "\xad", "\ud800", "\U0001f600", "\x1b[31m", "\x1b]8;;http://x\x07"]
    + ["a", "b", " ", " ", "  "]
)


def _random_strings(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return ["".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 10))) for _ in range(n)]


def test_clean_line_is_clean_text_with_whitespace_runs_collapsed():
    for s in _random_strings(30_000, 1) + ["", " ", "a", " a", "a ", "a  b", "a\xa0b", "a\nb"]:
        want = _WHITESPACE.sub(" ", clean_text(s)).strip()
        got = clean_line(s)
        assert got == want, repr(s)
        assert type(got) is str


def test_clean_line_of_a_str_subclass_or_other_values_is_a_plain_str():
    class Sub(str):
        pass

    for value in (Sub("ab"), Sub(" a  b "), Sub("a\x1bb")):
        got = clean_line(value)
        assert type(got) is str
        assert got == _WHITESPACE.sub(" ", clean_text(str(value))).strip()
    assert clean_line(None) == ""
    assert clean_line(12) == "12"


def test_needs_cleaning_finds_every_control_character():
    for s in _random_strings(30_000, 2):
        assert needs_cleaning(s) == bool(_CONTROLS.search(s)), repr(s)
    for c in [*range(0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)]:
        assert needs_cleaning(f"text {chr(c)} more\n")
        assert needs_cleaning(f"t\xe9xt {chr(c)} m\u20acre")
        assert chr(c) not in clean_text(f"a{chr(c)}b")
