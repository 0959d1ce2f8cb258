"""config.toml: read with tomllib; unknown keys warn, bad values are a clear error."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

APP_NAME = "reader"


def _xdg_dir(variable: str, default: str) -> str | None:
    """platformdirs' user directory on an ordinary Linux, without importing it.

    platformdirs costs ~5 ms to import and every command needs the config's path. On
    Linux with an absolute $HOME its answer is $VAR when that is absolute, else
    ~/DEFAULT, plus the app's name. None elsewhere (macOS, Windows, Android, an odd
    $HOME): platformdirs decides there.
    """
    home = os.environ.get("HOME", "")
    android = os.environ.get("ANDROID_DATA") == "/data" and os.environ.get("ANDROID_ROOT") == "/system"
    if sys.platform != "linux" or hasattr(sys, "getandroidapilevel") or android or not home.startswith("/"):
        return None
    base = os.environ.get(variable, "")
    if not base.startswith("/"):
        base = os.path.expanduser(default)
    return os.path.join(base, APP_NAME)


def default_db_path() -> Path:
    path = _xdg_dir("XDG_DATA_HOME", "~/.local/share")
    if path is None:
        import platformdirs

        path = platformdirs.user_data_dir(APP_NAME, appauthor=False)
    return Path(path) / "reader.db"


def default_config_path() -> Path:
    path = _xdg_dir("XDG_CONFIG_HOME", "~/.config")
    if path is None:
        import platformdirs

        path = platformdirs.user_config_dir(APP_NAME, appauthor=False)
    return Path(path) / "config.toml"


@dataclass
class Config:
    refresh_interval: float = 30.0  # minutes between background refreshes; 0 turns them off
    concurrency: int = 16  # feeds fetched at once
    per_host: int = 4  # at once from one host
    connect_timeout: float = 10.0  # seconds
    timeout: float = 30.0  # seconds for a whole fetch, body included
    max_body_mb: float = 16.0  # cap on a decompressed response
    max_per_feed: int = 0  # retention: keep this many newest articles per feed; 0 = all
    max_age_days: float = 0.0  # retention: delete articles older than this; 0 = never
    theme: str = "textual-dark"
    mark_read_on_open: bool = True
    keys: dict[str, str] = field(default_factory=dict)  # action -> key(s), for the TUI
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)


# key in the file -> (attribute, type, section)
_SCHEMA: dict[tuple[str, str], tuple[str, type]] = {
    ("", "refresh_interval"): ("refresh_interval", float),
    ("", "concurrency"): ("concurrency", int),
    ("", "theme"): ("theme", str),
    ("fetch", "concurrency"): ("concurrency", int),
    ("fetch", "per_host"): ("per_host", int),
    ("fetch", "connect_timeout"): ("connect_timeout", float),
    ("fetch", "timeout"): ("timeout", float),
    ("fetch", "max_body_mb"): ("max_body_mb", float),
    ("fetch", "refresh_interval"): ("refresh_interval", float),
    ("retention", "max_per_feed"): ("max_per_feed", int),
    ("retention", "max_age_days"): ("max_age_days", float),
    ("ui", "theme"): ("theme", str),
    ("ui", "mark_read_on_open"): ("mark_read_on_open", bool),
}
_SECTIONS = {"fetch", "retention", "ui", "keys"}
_POSITIVE = {"concurrency", "per_host", "connect_timeout", "timeout", "max_body_mb"}

EXAMPLE = """\
# reader configuration (every key is optional)
refresh_interval = 30      # minutes between background refreshes in the TUI; 0 = off

[fetch]
concurrency = 16           # feeds fetched at once
per_host = 4               # connections to one host at once
connect_timeout = 10       # seconds
timeout = 30               # seconds for a whole fetch
max_body_mb = 16           # responses larger than this (decompressed) are refused

[retention]                # off by default, as in newsboat; starred articles are never deleted
max_per_feed = 0           # keep this many newest articles per feed (0 = all)
max_age_days = 0           # delete articles older than this (0 = never)

[ui]
theme = "textual-dark"
mark_read_on_open = true

[keys]                     # action = "key" (or "key1,key2"); see ? in the app
# next_unread = "n"
"""


def load_config(path: str | Path | None = None) -> Config:
    """Load config.toml. A missing file (at the default place) gives the defaults."""
    explicit = path is not None or "READER_CONFIG" in os.environ
    p = Path(path or os.environ.get("READER_CONFIG") or default_config_path())
    cfg = Config(path=p)
    if not p.exists():
        if explicit:
            raise ConfigError(f"config file {p} does not exist")
        return cfg
    import tomllib  # only when there is a file to read

    try:
        data = tomllib.loads(p.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{p}: not valid TOML: {exc}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file {p}: {exc.strerror or exc}") from None
    for key, value in data.items():
        if isinstance(value, dict):
            if key not in _SECTIONS:
                cfg.warnings.append(f"{p}: unknown section [{key}] ignored")
                continue
            if key == "keys":
                for action, keys in value.items():
                    if not isinstance(keys, str) or not keys.strip():
                        raise ConfigError(f"{p}: [keys] {action} must be a key name string")
                    cfg.keys[action] = keys
                continue
            for sub, subval in value.items():
                _set(cfg, p, key, sub, subval)
        else:
            _set(cfg, p, "", key, value)
    return cfg


def _set(cfg: Config, p: Path, section: str, key: str, value: object) -> None:
    where = f"[{section}] {key}" if section else key
    spec = _SCHEMA.get((section, key))
    if spec is None:
        cfg.warnings.append(f"{p}: unknown key {where} ignored")
        return
    attr, typ = spec
    if typ is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{p}: {where} must be true or false, not {value!r}")
    elif typ in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            typ is int and not isinstance(value, int)
        ):
            raise ConfigError(f"{p}: {where} must be a {'whole ' if typ is int else ''}number, not {value!r}")
        if value < 0 or (attr in _POSITIVE and value == 0):
            raise ConfigError(f"{p}: {where} must be {'positive' if attr in _POSITIVE else '0 or more'}, not {value!r}")
        value = typ(value)
    elif not isinstance(value, typ):
        raise ConfigError(f"{p}: {where} must be a string, not {value!r}")
    setattr(cfg, attr, value)
