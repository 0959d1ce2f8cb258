"""Inline elements whose meaning plain text would lose: superscripts and subscripts,
MathML, and embedded players (iframes), rendered as characters a terminal shows.

Pure functions on strings; content.py's converter calls them.
"""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from reader.core.sanitize import clean_line

_SUPERSCRIPT = str.maketrans(
    "0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW−",
    "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᶜᵈᵉᶠᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ⁻",
)
_SUBSCRIPT = str.maketrans(
    "0123456789+-=()aehijklmnoprstuvx−",
    "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ₋",
)
_SUPER_CHARS = frozenset("0123456789+-=()abcdefghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW−")
_SUB_CHARS = frozenset("0123456789+-=()aehijklmnoprstuvx−")

# Hosts whose embeds are video players: shown as "[video: ...]", others as "[embed: ...]".
_VIDEO_HOSTS = (
    "youtube.com", "youtube-nocookie.com", "youtu.be", "vimeo.com", "dailymotion.com",
    "rutube.ru", "vk.com", "twitch.tv", "tiktok.com", "ted.com", "nicovideo.jp",
)  # fmt: skip
MAX_LABEL = 60  # cells of a placeholder's address before it is cut with "…"


def _raised(text: str, table: dict[int, int], chars: frozenset[str], mark: str) -> str:
    stripped = text.strip()
    if not stripped:
        return text
    if all(c in chars for c in stripped):
        return stripped.translate(table)
    return f"{mark}({stripped})"


def superscript(text: str) -> str:
    """`<sup>` text as superscript characters when Unicode has them all ("2" -> "²"),
    else "^(text)": never glued to the number before it ("17" + "2" read as 172)."""
    return _raised(text, _SUPERSCRIPT, _SUPER_CHARS, "^")


def subscript(text: str) -> str:
    """`<sub>` text as subscript characters when Unicode has them all, else "_(text)"."""
    return _raised(text, _SUBSCRIPT, _SUB_CHARS, "_")


def _host(url: str) -> str:
    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return ""
    return host.removeprefix("www.").removeprefix("m.")


def watch_url(url: str) -> str:
    """An embedded player's address as the page a browser opens: YouTube's /embed/ID
    (which plays bare, without its page) becomes /watch?v=ID."""
    host = _host(url)
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if host in ("youtube.com", "youtube-nocookie.com") and parts.path.startswith("/embed/"):
        video = parts.path.removeprefix("/embed/").split("/")[0]
        if video and video.replace("-", "").replace("_", "").isalnum():
            start = parse_qs(parts.query).get("start", [""])[0]
            tail = f"&t={start}" if start.isdigit() else ""
            return f"https://www.youtube.com/watch?v={video}{tail}"
    return url


def is_player(url: str) -> bool:
    """Whether an embed's http(s) address is a video player's (_VIDEO_HOSTS)."""
    if not url.lower().startswith(("http://", "https://", "//")):
        return False
    host = _host(url if not url.startswith("//") else "https:" + url)
    return any(host == h or host.endswith("." + h) for h in _VIDEO_HOSTS)


def embed_label(url: str, title: str = "") -> str:
    """The placeholder's text for an embedded player or page: "video: youtube.com/watch?v=…",
    "video: <its title>" or "embed: maps.example.com/…". Brackets are kept out: the text
    sits inside the "[...]" of a reference."""
    kind = "video" if is_player(url) else "embed"
    shown = clean_line(title).strip()
    if not shown:
        shown = url.split("://", 1)[-1].removeprefix("www.")
        if len(shown) > MAX_LABEL:
            shown = shown[: MAX_LABEL - 1] + "…"
    shown = shown.replace("[", "(").replace("]", ")")
    return f"{kind}: {shown}"


# -- marks that keep an element's meaning in text: content.py (Markdown) and text.py
# (plain text, `show --json`, the search index) both write them with these.


def _marked(text: str, left: str, right: str) -> str:
    """`text` between the marks, its outer spaces outside them ("{+ a +}" is "{+a+}")."""
    core = text.strip()
    if not core:
        return text
    lead = text[: len(text) - len(text.lstrip())]
    trail = text[len(text.rstrip()):]
    return f"{lead}{left}{core}{right}{trail}"


def inserted(text: str) -> str:
    """`<ins>` text: "{+text+}", as a diff marks it (its counterpart, `<del>`, is struck)."""
    return _marked(text, "{+", "+}")


def deleted(text: str) -> str:
    """`<del>`/`<s>` text: "~~text~~", Markdown's strike-through."""
    return _marked(text, "~~", "~~")


def key_cap(text: str) -> str:
    """A `<kbd>` key: "[Ctrl]" (a combination's outer <kbd> adds nothing: "[Ctrl]+[C]")."""
    return f"[{text.strip()}]" if text.strip() else text


def abbreviation(text: str, title: str, seen: set[str]) -> str | None:
    """An `<abbr>`'s expansion, once per abbreviation (`seen` holds those given):
    the title to write after it ("WHO (World Health Organization)"), else None."""
    title = " ".join(clean_line(title).split())
    key = text.strip()
    if not title or not key or title == key or key in seen:
        return None
    seen.add(key)
    return title


def formula(alttext: str, annotation: str | None, text: str) -> str:
    """MathML as one line: its alttext, else its (TeX) annotation, else its parts' text."""
    chosen = alttext or (annotation if annotation is not None else text)
    return " ".join(clean_line(chosen).split())
