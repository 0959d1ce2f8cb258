"""config.toml: read with tomllib; unknown keys warn, bad values are a clear error."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field, fields
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


def default_cache_dir() -> Path:
    """Where fetched images are kept (they can all be deleted at any time)."""
    path = _xdg_dir("XDG_CACHE_HOME", "~/.cache")
    if path is None:
        import platformdirs

        path = platformdirs.user_cache_dir(APP_NAME, appauthor=False)
    return Path(path)


def default_config_path() -> Path:
    path = _xdg_dir("XDG_CONFIG_HOME", "~/.config")
    if path is None:
        import platformdirs

        path = platformdirs.user_config_dir(APP_NAME, appauthor=False)
    return Path(path) / "config.toml"


def _setting(default, section: str, help: str = "", *, positive: bool = False,
             also: tuple[str, ...] = ()):
    """A Config field that config.toml sets: `section` is where the file (and the
    example) writes it, "" for the top level; `also`, other sections where it is read
    too (files written before it moved); `help`, the example's comment; `positive`: 0
    is refused too. Its type is its default's."""
    return field(default=default, metadata={
        "section": section, "help": help, "positive": positive, "also": also,
    })


@dataclass
class Config:
    """The settings, one field each: this class is config.toml's schema (SETTINGS)."""

    refresh_interval: float = _setting(
        30.0, "", "minutes between background refreshes in the TUI; 0 = off", also=("fetch",))
    concurrency: int = _setting(16, "fetch", "feeds fetched at once", positive=True, also=("",))
    per_host: int = _setting(4, "fetch", "connections to one host at once", positive=True)
    connect_timeout: float = _setting(10.0, "fetch", "seconds", positive=True)
    # (a whole fetch: the body included)
    timeout: float = _setting(30.0, "fetch", "seconds for a whole fetch", positive=True)
    max_body_mb: float = _setting(
        16.0, "fetch", "responses larger than this (decompressed) are refused", positive=True)
    max_per_feed: int = _setting(
        0, "retention", "keep this many newest articles per feed (0 = all)")
    max_age_days: float = _setting(
        0.0, "retention", "delete articles older than this (0 = never)")
    theme: str = _setting("textual-dark", "ui", also=("",))
    mark_read_on_open: bool = _setting(True, "ui")
    measure: int = _setting(100, "ui", "the article's widest line, in columns", positive=True)
    images: str = _setting(
        "auto", "ui", '"auto": pictures in the article pane; "off": alt text (key i)')
    player: str = _setting(
        "mpv %s", "enclosures", "plays an enclosure (e); %s is its URL; never run by a shell")
    download_dir: str = _setting("~/Downloads", "enclosures", "where downloads go")
    max_download_mb: float = _setting(
        2048.0, "enclosures", "larger downloads are refused", positive=True)
    keys: dict[str, str] = field(default_factory=dict)  # action -> key(s), for the TUI
    # [sync] as the file has it; sync_config.py reads it when sync is used (a bad one
    # must not stop reading offline)
    sync: dict[str, object] = field(default_factory=dict)
    path: Path | None = None
    warnings: list[str] = field(default_factory=list)

    def settings(self) -> dict[str, object]:
        """What the file set (the defaults for the rest), keys included: Config(**this)
        makes the same settings (a refresh's child process is given them so)."""
        return {s.name: getattr(self, s.name) for s in SETTINGS} | {
            "keys": dict(self.keys), "sync": dict(self.sync)}


@dataclass(frozen=True)
class Setting:
    name: str
    type: type
    default: object
    section: str
    help: str
    positive: bool
    also: tuple[str, ...]


SETTINGS = tuple(
    Setting(f.name, type(f.default), f.default, **f.metadata)
    for f in fields(Config) if "section" in f.metadata
)
# (section, key in the file) -> the setting
_BY_KEY = {(section, s.name): s for s in SETTINGS for section in (s.section, *s.also)}
_SECTIONS = {s.section for s in SETTINGS if s.section} | {"keys", "sync"}
_CHOICES = {"images": ("auto", "off")}  # string settings with a fixed set of values
_SECTION_NOTES = {
    "retention": "off by default, as in newsboat; starred articles are never deleted",
    "keys": 'action = "key" (or "key1,key2"); see ? in the app',
}


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    return str(int(value)) if value == int(value) else str(value)


def _noted(line: str, note: str) -> str:
    return f"{line:<26} # {note}" if note else line


def _example() -> str:
    """config.toml with every key at its default and what it means."""
    lines = ["# reader configuration (every key is optional)"]
    section = ""
    for s in SETTINGS:
        if s.section != section:
            section = s.section
            lines += ["", _noted(f"[{section}]", _SECTION_NOTES.get(section, ""))]
        lines.append(_noted(f"{s.name} = {_toml(s.default)}", s.help))
    lines += ["", _noted("[keys]", _SECTION_NOTES["keys"]), '# next_unread = "n"']
    lines += ["", "# [sync]                   # a server to sync with (see README: Sync)",
              '# service = "miniflux"      # or "greader", "ttrss"',
              '# url = "https://rss.example.org"', '# username = "me"',
              '# password_command = ["pass", "show", "rss"]   # or $READER_SYNC_PASSWORD']
    return "\n".join(lines) + "\n"


EXAMPLE = _example()


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
            if key == "sync":
                cfg.sync = dict(value)
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
    setting = _BY_KEY.get((section, key))
    if setting is None:
        cfg.warnings.append(f"{p}: unknown key {where} ignored")
        return
    typ = setting.type
    if typ is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{p}: {where} must be true or false, not {value!r}")
    elif typ in (int, float):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
            typ is int and not isinstance(value, int)
        ):
            raise ConfigError(f"{p}: {where} must be a {'whole ' if typ is int else ''}number, not {value!r}")
        if value < 0 or (setting.positive and value == 0):
            raise ConfigError(f"{p}: {where} must be {'positive' if setting.positive else '0 or more'}, not {value!r}")
        value = typ(value)
    elif not isinstance(value, typ):
        raise ConfigError(f"{p}: {where} must be a string, not {value!r}")
    elif setting.name in _CHOICES and value not in _CHOICES[setting.name]:
        allowed = " or ".join(f'"{c}"' for c in _CHOICES[setting.name])
        raise ConfigError(f"{p}: {where} must be {allowed}, not {value!r}")
    setattr(cfg, setting.name, value)
