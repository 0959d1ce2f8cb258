"""The HTTP client every sync backend uses: one base URL, capped answers, plain errors.

Errors name the server and what went wrong, never a password, token or header: the
caller's message is the whole text the user sees. Redirects are not followed (a sync
API that redirects is misconfigured, and a redirect could carry credentials elsewhere).
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from ...ingest.fetch import USER_AGENT
from .base import SyncError

MAX_ANSWER = 64 * 1024 * 1024   # a sync answer larger than this is refused
TIMEOUT = httpx.Timeout(30.0, connect=10.0)


class NotJSON(SyncError):
    """A 2xx answer that is not JSON: most often a web page, not the service's API (a
    backend words it for its service)."""


class SyncClient:
    def __init__(self, base_url: str, *, headers: dict[str, str] | None = None,
                 auth: tuple[str, str] | None = None, timeout: httpx.Timeout = TIMEOUT):
        if not base_url.startswith(("http://", "https://")):
            raise SyncError(f"sync url must be http:// or https://: {base_url[:200]}", "protocol")
        self.base_url = base_url.rstrip("/")
        self._http = httpx.Client(
            base_url=self.base_url, timeout=timeout, follow_redirects=False, trust_env=False,
            headers={"User-Agent": USER_AGENT, **(headers or {})}, auth=auth)

    def request(self, method: str, path: str, *, accept: tuple[int, ...] = (),
                **kwargs: Any) -> httpx.Response:
        """Send and read the answer (capped); a 2xx comes back, anything else raises,
        except the statuses in accept (e.g. 404 for "already gone"), which come back."""
        try:
            with self._http.stream(method, path, **kwargs) as response:
                body = bytearray()
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > MAX_ANSWER:
                        raise SyncError(f"{self.base_url}: answer larger than "
                                        f"{MAX_ANSWER // 2**20} MB", "protocol")
                # The body is decoded already: its encoding headers must not apply twice.
                headers = [(k, v) for k, v in response.headers.multi_items()
                           if k.lower() not in ("content-encoding", "content-length")]
                response = httpx.Response(response.status_code, headers=headers,
                                          content=bytes(body), request=response.request)
        except httpx.TimeoutException:
            raise SyncError(f"{self.base_url}: timed out", "unreachable") from None
        except httpx.TransportError as exc:
            raise SyncError(f"{self.base_url}: cannot connect ({type(exc).__name__})",
                            "unreachable") from None
        status = response.status_code
        if status in accept:
            return response
        if status in (401, 403):
            raise SyncError(f"{self.base_url}: login refused (HTTP {status}): check the "
                            "username and password", "auth")
        if status >= 500:
            raise SyncError(f"{self.base_url}: server error (HTTP {status})", "server")
        if not 200 <= status < 300:
            raise SyncError(f"{self.base_url}{path}: HTTP {status}", "protocol")
        return response

    def json(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.request(method, path, **kwargs)
        if not 200 <= response.status_code < 300:
            return None   # an accepted non-2xx: the caller reads the status
        if not response.content:
            return None
        try:
            return json.loads(response.content)
        except ValueError:
            raise NotJSON(f"{self.base_url}{path}: not JSON", "protocol") from None

    def close(self) -> None:
        self._http.close()
