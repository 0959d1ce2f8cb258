"""What a feed URL may be, and its one spelling: shared by subscribing, OPML import and
sync, so that a feed is subscribed once however its URL was written."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin, urlsplit, urlunsplit

from .errors import InvalidURL
from .sanitize import clean_line

_DEFAULT_PORTS = {"http": ":80", "https": ":443"}


def normalize_url(url: str) -> str:
    """Check a feed URL the user typed; a local path becomes a file:// URL."""
    url = clean_line(url)
    if not url:
        raise InvalidURL("malformed URL '': give an http://, https:// or file:// address")
    if "://" not in url:
        p = Path(url).expanduser()
        if p.exists():
            return p.resolve().as_uri()
        if url.startswith((".", "/", "~")):  # a path, by its look: say what is wrong with it
            raise InvalidURL(f"no such file: {url}")
        raise InvalidURL(
            f"malformed URL '{url}': no such file either; give a full http://, https:// or"
            " file:// address"
        )
    try:
        parts = urlsplit(url)
        parts.port
    except ValueError as exc:
        raise InvalidURL(f"malformed URL '{url}': {exc}") from None
    scheme = parts.scheme.lower()
    if not scheme:
        raise InvalidURL(
            f"malformed URL '{url}': give a full http://, https:// or file:// address"
        )
    if scheme not in ("http", "https", "file"):
        raise InvalidURL(f"malformed URL '{url}': unsupported scheme '{parts.scheme}'")
    if scheme in ("http", "https") and " " in url:
        raise InvalidURL(f"malformed URL '{url}': spaces must be written %20")
    if scheme in ("http", "https") and not parts.hostname:
        raise InvalidURL(f"malformed URL '{url}': no host name")
    if scheme == "file" and not parts.path:
        raise InvalidURL(f"malformed URL '{url}': no file path")
    return _canonical(scheme, parts)


def _canonical(scheme: str, parts) -> str:
    """One spelling for the URLs that name the same feed, so that it is subscribed once:
    scheme and host in lower case, no default port, no "." or ".." segments, no
    fragment, no empty "?", file://localhost/ as file:///. The path and query are kept
    as they are otherwise (servers may tell case and escapes apart)."""
    userinfo, at, hostport = parts.netloc.rpartition("@")
    hostport = hostport.lower()
    if hostport.endswith(_DEFAULT_PORTS.get(scheme, "\0")):
        hostport = hostport[: -len(_DEFAULT_PORTS[scheme])]
    if scheme == "file" and hostport == "localhost":
        hostport = ""
    netloc = userinfo + at + hostport
    path = parts.path or ("/" if scheme != "file" else "")
    if "/." in path:  # (urljoin resolves dot segments as a browser does)
        path = urlsplit(urljoin(f"{scheme}://x/", path)).path
    return urlunsplit((scheme, netloc, path, parts.query, ""))


def is_web_url(url: str) -> bool:
    """An http(s) URL with a host and nothing a terminal or an argument list could misread
    (no spaces, no control or invisible characters): what the reader hands to a browser or
    a player. One rule for the TUI's links and the enclosures."""
    if not url or len(url) > 8192 or any(c.isspace() or not c.isprintable() for c in url):
        return False
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(parts.hostname)
