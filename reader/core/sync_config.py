"""[sync] in config.toml: which server, who, and how to get the password.

Read when sync is used (not at start-up: a bad [sync] must not stop reading offline).
The password is never stored: it comes from password_command (an argument list, or a
string split as a shell would split it, but never run by a shell) or from
$READER_SYNC_PASSWORD, each time a sync logs in, and is kept in memory only.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from dataclasses import dataclass

from .errors import ConfigError
from .sanitize import clean_line

SERVICES = ("greader", "miniflux", "ttrss")
PASSWORD_ENV = "READER_SYNC_PASSWORD"
COMMAND_TIMEOUT_S = 10.0
_KEYS = ("service", "url", "username", "password_command")


@dataclass(frozen=True)
class SyncSettings:
    service: str
    url: str
    username: str = ""
    password_command: tuple[str, ...] = ()


def sync_configured(raw: dict[str, object]) -> bool:
    return bool(raw.get("service"))


def sync_settings(raw: dict[str, object], where: str = "config.toml") -> SyncSettings:
    """The [sync] section checked; ConfigError (one line, naming the key) when it is bad."""
    for key in raw:
        if key not in _KEYS:
            raise ConfigError(f"{where}: [sync] {clean_line(key)[:60]}: unknown key"
                              f" (known: {', '.join(_KEYS)})")
    service = raw.get("service")
    if service not in SERVICES:
        raise ConfigError(f"{where}: [sync] service must be one of "
                          f"{', '.join(repr(s) for s in SERVICES)}, not {_shown(service)}")
    url = raw.get("url")
    if not isinstance(url, str) or not url.startswith(("http://", "https://")):
        raise ConfigError(f"{where}: [sync] url must be an http:// or https:// address, "
                          f"not {_shown(url)}")
    username = raw.get("username", "")
    if not isinstance(username, str):
        raise ConfigError(f"{where}: [sync] username must be a string")
    command = raw.get("password_command", ())
    if isinstance(command, str):
        try:
            command = shlex.split(command)
        except ValueError as exc:
            raise ConfigError(f"{where}: [sync] password_command: {exc}") from None
    if not isinstance(command, (list, tuple)) or not all(isinstance(a, str) for a in command):
        raise ConfigError(f"{where}: [sync] password_command must be a list of strings"
                          " or a string")
    return SyncSettings(service, url.rstrip("/"), username, tuple(command))


def _shown(value: object) -> str:
    return repr(clean_line(value)[:80]) if isinstance(value, str) else ("nothing" if value
                                                                        is None else "a " + type(value).__name__)


def password(settings: SyncSettings) -> str:
    """The secret: password_command's first line of output, else $READER_SYNC_PASSWORD
    (every service here needs one: a password or Miniflux's API key). Errors never show
    the command's arguments or output: either may hold the secret."""
    if not settings.password_command:
        secret = os.environ.get(PASSWORD_ENV, "")
        if not secret:  # (not sent: the server would only answer "login refused")
            raise ConfigError(f"[sync] no password: set password_command in config.toml "
                              f"or ${PASSWORD_ENV} (see README: Sync)")
        return secret
    program = settings.password_command[0]
    try:
        done = subprocess.run(list(settings.password_command), capture_output=True,
                              timeout=COMMAND_TIMEOUT_S, stdin=subprocess.DEVNULL, check=False)
    except subprocess.TimeoutExpired:
        raise ConfigError(f"[sync] password_command ({clean_line(program)[:60]}) took more "
                          f"than {COMMAND_TIMEOUT_S:.0f} s") from None
    except OSError as exc:
        raise ConfigError(f"[sync] password_command: cannot run {clean_line(program)[:60]}: "
                          f"{exc.strerror or type(exc).__name__}") from None
    if done.returncode != 0:
        raise ConfigError(f"[sync] password_command ({clean_line(program)[:60]}) failed "
                          f"(exit status {done.returncode})")
    lines = done.stdout.decode("utf-8", "replace").splitlines()
    if not lines or not lines[0]:
        raise ConfigError(f"[sync] password_command ({clean_line(program)[:60]}) printed "
                          "no password")
    return lines[0]
