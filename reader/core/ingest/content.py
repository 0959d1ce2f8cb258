"""Article HTML -> plain text (for the index and snippets) and -> Markdown (for reading).

`html_to_text` (in text.py) runs at ingest for every article, so it is a handful of
regex passes, not a parser. `render_article` runs when one article is opened, so it can afford
BeautifulSoup and markdownify; it still caps its input and its tree size so that a
hostile feed cannot stall the reader.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Declaration, ProcessingInstruction, Tag
from markdownify import ATX, BACKSLASH, MarkdownConverter, chomp

from reader.core.sanitize import clean_line, clean_text
from reader.core.ingest.inline import (
    abbreviation, deleted, embed_label, formula, inserted, key_cap, subscript, superscript,
    watch_url,
)
from reader.core.ingest.text import html_to_text  # in text.py so that ingest never imports bs4

MAX_RENDER_CHARS = 2_000_000
TRUNCATED_NOTE = "[article truncated]"
# BeautifulSoup + markdownify cost ~50 us a tag and markdownify recurses once per level
# (three frames each); past these limits the article is shown as plain paragraphs.
MAX_TAGS = 10_000
MAX_DEPTH = 120
MAX_URL_CHARS = 8192
MAX_LINKS = 5_000  # past this, link text stays but gets no number

# ---------------------------------------------------------------- Markdown


@dataclass
class RenderedArticle:
    markdown: str
    links: list[str] = field(default_factory=list)


_REMOVE_TAGS = frozenset({
    "script", "style", "frame", "frameset", "applet",
    "form", "noscript", "template", "head", "svg", "canvas", "input", "button",
    "select", "textarea", "link", "meta", "base",
})  # fmt: skip
# Embedded players and pages: a placeholder with their link (convert_iframe), their
# contents (fallback markup, <param>s) dropped.
_EMBED_TAGS = frozenset({"iframe", "embed", "object"})
_INLINE_PARENTS = frozenset({"p", "span", "a", "li", "td", "th", "em", "strong", "b", "i"})
_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
_MEDIA_SCHEMES = frozenset({"http", "https"})

# Hosts whose images are only ever tracking pixels, ad beacons or share badges.
_TRACKER_HOSTS = frozenset({
    "pixel.wp.com", "stats.wp.com", "pixel.quantserve.com", "google-analytics.com",
    "www.google-analytics.com", "ssl.google-analytics.com", "stats.g.doubleclick.net",
    "ad.doubleclick.net", "pubads.g.doubleclick.net", "feedads.g.doubleclick.net",
    "b.scorecardresearch.com", "sb.scorecardresearch.com", "pixel.mathtag.com",
    "bat.bing.com", "px.ads.linkedin.com", "ct.pinterest.com", "analytics.twitter.com",
    "pixel.facebook.com", "mc.yandex.ru", "counter.yadro.ru", "pi.feedsportal.com",
    "da.feedsportal.com", "eotrx.substackcdn.com", "track.hubspot.com",
    "www.assoc-amazon.com", "ir-na.amazon-adsystem.com", "feeds.feedblitz.com",
})  # fmt: skip
# Matched against "host/path".
_TRACKER_PREFIXES = (
    "feeds.feedburner.com/~r/",
    "feeds.feedburner.com/~ff/",
    "feeds.feedburner.com/~a/",
    "feedproxy.google.com/~r/",
    "feeds.wordpress.com/1.0/",
    "www.facebook.com/tr",
    "medium.com/_/stat",
)
# FeedFlare and feed ads: links that are only share or ad buttons.
_AD_LINK_PREFIXES = ("feeds.feedburner.com/~ff/", "feeds.feedburner.com/~a/")
_PIXEL_SIZE = re.compile(r"\s*[01](?:\.0*)?\s*(?:px)?\s*$", re.IGNORECASE)
_PIXEL_STYLE = re.compile(
    r"(?:^|;)\s*(?:(?:width|height)\s*:\s*[01](?:px)?\s*(?:;|$)|display\s*:\s*none)",
    re.IGNORECASE,
)
_URL_JUNK = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_HAS_TAG = re.compile(r"<[a-zA-Z!/?]")
_LINK_ATTR = re.compile(
    r"""<(a|img)\s[^<>]*?\b(href|src)\s*=\s*("[^"<>]*"|'[^'<>]*'|[^\s"'<>]+)""",
    re.IGNORECASE,
)
_INNER_SPACES = re.compile(r"(?<=\S) {2,}")
_PLAIN_BLOCK_START = re.compile(r"^([ \t]*)([#>+-]|=+\s*$)", re.MULTILINE)
_PLAIN_NUMBERED = re.compile(r"^([ \t]*\d{1,9})([.)])(?=\s|$)", re.MULTILINE)


def _attr(el: Tag, name: str) -> str:
    value = el.get(name)
    if isinstance(value, list):
        value = " ".join(value)
    return value or ""


def _host_path(url: str) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return ""
    return (parts.hostname or "") + parts.path


def _is_tracker_url(url: str) -> bool:
    host_path = _host_path(url.strip())
    labels = host_path.split("/", 1)[0].split(".")
    if any(".".join(labels[i:]) in _TRACKER_HOSTS for i in range(len(labels) - 1)):
        return True  # the host or one of its parent domains
    return host_path.startswith(_TRACKER_PREFIXES)


def _is_tracking_pixel(img: Tag) -> bool:
    for attr in ("width", "height"):
        if _PIXEL_SIZE.match(_attr(img, attr) or "x"):
            return True
    if _PIXEL_STYLE.search(_attr(img, "style")):
        return True
    src = _attr(img, "src")
    return bool(src) and _is_tracker_url(src)


def _unwanted(el: Tag) -> bool:
    name = el.name
    if name in _REMOVE_TAGS:
        return True
    if name == "img":
        return _is_tracking_pixel(el)
    if name == "a":
        return _host_path(_attr(el, "href").strip()).startswith(_AD_LINK_PREFIXES)
    return "feedflare" in (el.get("class") or ())


def _strip_unwanted(soup: BeautifulSoup) -> None:
    """Remove scripts, embeds, forms, tracking pixels and feed ad buttons, in one walk."""
    doomed: list[Tag] = []
    embeds: list[Tag] = []
    strays = []
    for node in soup.descendants:
        if isinstance(node, Tag):
            if _unwanted(node):
                doomed.append(node)
            elif node.name in _EMBED_TAGS:
                embeds.append(node)
        elif isinstance(node, (ProcessingInstruction, Declaration)):
            strays.append(node)  # markdownify would print these as text
    for node in strays:
        node.extract()
    for el in doomed:
        if not el.decomposed:  # may sit inside one already removed
            el.decompose()
    for el in embeds:
        if not el.decomposed:
            el.clear(decompose=True)


def _too_deep(soup: BeautifulSoup) -> bool:
    depth: dict[int, int] = {id(soup): 0}
    for el in soup.descendants:
        if isinstance(el, Tag):
            d = depth[id(el.parent)] + 1
            if d > MAX_DEPTH:
                return True
            depth[id(el)] = d
    return False


class _FastTag(Tag):
    """markdownify calls find_parent("pre") for every element; bs4's generic search
    costs ~50 us a call, this walk well under one."""

    def find_parent(self, name=None, attrs=None, **kwargs):  # type: ignore[no-untyped-def]
        if not isinstance(name, str) or attrs or kwargs:
            return super().find_parent(name, attrs, **kwargs)
        parent = self.parent
        while parent is not None and parent.name != name:
            parent = parent.parent
        return parent


class _LinkList:
    """URLs numbered in order of first appearance; only allowed schemes get a number."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.urls: list[str] = []
        self._numbers: dict[str, int] = {}
        self._seen: dict[tuple[str, frozenset[str]], int | None] = {}

    def resolve(self, raw: str, schemes: frozenset[str]) -> str | None:
        """An absolute URL with an allowed scheme, or None."""
        url = _URL_JUNK.sub("", raw.strip(" \t\n\r\f\x00")).replace(" ", "%20")
        if not url or url.startswith("#") or len(url) > MAX_URL_CHARS:
            return None  # in-page anchors point back into the article itself
        try:
            if self.base_url and not url.startswith(("https://", "http://")):
                url = urljoin(self.base_url, url)
            elif url.startswith("//"):
                url = "https:" + url
            parts = urlsplit(url)
        except ValueError:
            return None
        scheme = parts.scheme.lower()
        if scheme not in schemes or (scheme != "mailto" and not parts.netloc):
            return None
        return url

    def number(self, raw: str, schemes: frozenset[str]) -> int | None:
        """The URL's number (given on first sight), or None for a URL not to list."""
        key = (raw, schemes)
        if key in self._seen:
            return self._seen[key]
        url = self.resolve(raw, schemes) if raw else None
        n = self._numbers.get(url) if url else None
        if url and n is None and len(self.urls) < MAX_LINKS:
            self.urls.append(url)
            n = self._numbers[url] = len(self.urls)
        self._seen[key] = n
        return n


class _Converter(MarkdownConverter):
    """markdownify with links and images turned into numbered references."""

    def __init__(self, links: _LinkList) -> None:
        super().__init__(
            heading_style=ATX,
            bullets="-",
            newline_style=BACKSLASH,  # two trailing spaces would be stripped
            escape_underscores=False,  # intraword "_" is not emphasis; keeps snake_case readable
            autolinks=False,
        )
        self.links = links
        self._ol_counters: dict[int, int] = {}
        self._abbrs: set[str] = set()  # abbreviations already expanded

    def convert_a(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        if "_noformat" in parent_tags:
            return text
        prefix, suffix, text = chomp(text)
        if not text:
            return ""
        n = self.links.number(_attr(el, "href"), _LINK_SCHEMES)
        if n is None or text.endswith(f"[{n}]"):  # dropped, or an image linking to itself
            return prefix + text + suffix
        return f"{prefix}{text}[{n}]{suffix}"

    def _media(self, label: str, src: str) -> str:
        n = self.links.number(src, _MEDIA_SCHEMES)
        return label if n is None else f"{label}[{n}]"

    def convert_img(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        alt = _bracket_safe(clean_line(_attr(el, "alt") or _attr(el, "title")))
        src = _attr(el, "src")
        if not src or src.lstrip().lower().startswith("data:"):
            src = _attr(el, "data-src") or src  # lazy-loading placeholders
        return self._media(f"[image: {alt}]" if alt else "[image]", src)

    def convert_video(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        src = _attr(el, "src")
        if not src:
            source = el.find("source", src=True)
            src = _attr(source, "src") if isinstance(source, Tag) else ""
        return self._media(f"[{el.name}]", src)

    convert_audio = convert_video

    def convert_iframe(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """A player (YouTube, Vimeo) or embedded page: a numbered placeholder that says
        what it is, instead of nothing."""
        if "_noformat" in parent_tags:
            return ""
        src = _attr(el, "src") or _attr(el, "data-src") or _attr(el, "data")
        url = self.links.resolve(src, _MEDIA_SCHEMES) if src else None
        if url is None:
            return ""
        url = watch_url(url)
        placeholder = self._media(f"[{embed_label(url, _attr(el, 'title'))}]", url)
        if el.parent is not None and el.parent.name in _INLINE_PARENTS:
            return f" {placeholder} "
        return f"\n\n{placeholder}\n\n"

    convert_embed = convert_object = convert_iframe

    def convert_sup(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return superscript(text)

    def convert_sub(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return subscript(text)

    def convert_math(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """MathML: its alttext, else its TeX (or other) annotation, else the text of its
        parts; as inline code, where no character is Markdown."""
        note = el.find("annotation")
        shown = formula(_attr(el, "alttext"), note.get_text() if isinstance(note, Tag) else None,
                        el.get_text()).replace("`", "'")
        if not shown:
            return ""
        return f"`{shown}`" if "_noformat" not in parent_tags else shown

    def convert_abbr(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """The expansion once, after the abbreviation's first use: "WHO (World Health
        Organization)"."""
        title = abbreviation(text, _attr(el, "title"), self._abbrs)
        if title is None:
            return text
        return f"{text} ({self.escape(_bracket_safe(title), parent_tags)})"

    def convert_kbd(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """A key as "[Ctrl]"; "<kbd><kbd>Ctrl</kbd>+<kbd>C</kbd></kbd>" as "[Ctrl]+[C]"."""
        if "_noformat" in parent_tags and "kbd" not in parent_tags:
            return text  # inside code: as written
        if el.find("kbd") is not None:
            return text
        return key_cap(text)

    def convert_ins(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        """Inserted text marked as such ({+...+}), as <del> is struck (~~...~~)."""
        return text if "_noformat" in parent_tags else inserted(text)

    def convert_del(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        return text if "_noformat" in parent_tags else deleted(text)

    convert_s = convert_del

    def convert_li(self, el: Tag, text: str, parent_tags: set[str]) -> str:
        # markdownify numbers ordered items by counting earlier siblings (quadratic);
        # siblings convert in document order, so a counter per list gives the same.
        parent = el.parent
        bullet = "-"
        if parent is not None and parent.name == "ol":
            start = _attr(parent, "start")
            first = int(start) if start.isdigit() and len(start) < 10 else 1
            index = self._ol_counters.get(id(parent), 0)
            self._ol_counters[id(parent)] = index + 1
            bullet = f"{first + index}."
        text = (text or "").strip()
        if not text:
            return "\n"
        indent = " " * (len(bullet) + 1)
        first_line, *rest = text.split("\n")
        body = "\n".join([first_line, *(indent + line if line else "" for line in rest)])
        return f"{bullet} {body}\n"


def _bracket_safe(text: str) -> str:
    """Text as written inside a "[...]" of the Markdown (an image's alt, an abbreviation's
    expansion): its brackets and backslashes escaped, so that none of it can close the
    bracket or start a link ("[image: [x](http://…)]"), and the pane still shows them."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]")


def _escape_plain(text: str) -> str:
    """Keep plain text from turning into Markdown emphasis, headings, quotes or lists."""
    text = text.replace("\\", "\\\\").replace("*", "\\*").replace("`", "\\`")
    text = _PLAIN_BLOCK_START.sub(r"\1\\\2", text)
    return _PLAIN_NUMBERED.sub(r"\1\\\2", text)


def _render_plain(source: str, links: _LinkList) -> str:
    """Plain paragraphs for HTML too big or too deep to convert; its links still listed."""
    for m in _LINK_ATTR.finditer(source):
        tag, attr, value = m.group(1).lower(), m.group(2).lower(), m.group(3)
        if (tag, attr) not in (("a", "href"), ("img", "src")):
            continue
        url = html.unescape(value.strip("\"'"))
        if tag == "a":
            links.number(url, _LINK_SCHEMES)
        elif not _is_tracker_url(url):
            links.number(url, _MEDIA_SCHEMES)
    return _escape_plain(html_to_text(source, paragraphs=True))


def _tidy(markdown: str) -> str:
    """Control characters out, no trailing whitespace, no hard break that ends a
    paragraph, at most one blank line in a row."""
    lines = [line.rstrip() for line in clean_text(markdown).split("\n")]
    in_code = False
    for i, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            in_code = not in_code
            continue
        if in_code:
            continue
        if "  " in line:  # left where removed elements stood; indentation kept
            line = lines[i] = _INNER_SPACES.sub(" ", line)
        # a <br> that ends a paragraph (or stands alone) breaks nothing
        ends_paragraph = i + 1 == len(lines) or not lines[i + 1] or line == "\\"
        if ends_paragraph and line.endswith("\\") and not line.endswith("\\\\"):
            lines[i] = line[:-1].rstrip()
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


def render_article(html_or_text: str, base_url: str = "") -> RenderedArticle:
    """Article HTML (or plain text) as Markdown with numbered link references.

    Each link's text is followed by "[n]" and each image becomes "[image: alt][n]";
    `links[n - 1]` is the URL. Only http(s) and mailto links (http(s) for images) get
    a number; others keep their text. Scripts, embeds, forms and tracking pixels go.
    """
    source = html_or_text or ""
    truncated = len(source) > MAX_RENDER_CHARS
    if truncated:
        source = source[:MAX_RENDER_CHARS]
    links = _LinkList(clean_line(base_url))

    if not _HAS_TAG.search(source):
        if "&" in source:
            source = html.unescape(source)
        markdown = _escape_plain(clean_text(source))
    elif source.count("<") > MAX_TAGS:
        markdown = _render_plain(source, links)
    else:
        soup = BeautifulSoup(source, "html.parser", element_classes={Tag: _FastTag})
        _strip_unwanted(soup)
        markdown = None
        if not _too_deep(soup):
            try:
                markdown = _Converter(links).convert_soup(soup)
            except RecursionError:  # a caller deep in its own stack
                markdown = None
        if markdown is None:
            links = _LinkList(links.base_url)
            markdown = _render_plain(str(soup), links)

    markdown = _tidy(markdown)
    if truncated:
        markdown += "\n\n" + TRUNCATED_NOTE
    return RenderedArticle(markdown=markdown, links=links.urls)


def format_links(links: list[str]) -> str:
    """The link list as "[1]: https://..." lines, for printing after the article."""
    return "\n".join(f"[{n}]: {clean_line(url)}" for n, url in enumerate(links, 1))
