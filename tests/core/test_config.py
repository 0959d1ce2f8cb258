from __future__ import annotations

from pathlib import Path

import pytest

from reader.core.config import EXAMPLE, load_config
from reader.core.errors import ConfigError


def write(tmp_path, text):
    p = tmp_path / "config.toml"
    p.write_text(text)
    return p


def test_defaults_when_missing(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    monkeypatch.delenv("READER_CONFIG", raising=False)
    cfg = load_config()
    assert cfg.refresh_interval == 30 and cfg.max_per_feed == 0 and cfg.warnings == []
    assert str(cfg.path).startswith(str(tmp_path))


def test_example_is_valid(tmp_path):
    cfg = load_config(write(tmp_path, EXAMPLE))
    assert cfg.warnings == []
    assert cfg.concurrency == 16


def test_values_and_sections(tmp_path):
    cfg = load_config(write(tmp_path, """
refresh_interval = 5
[fetch]
concurrency = 4
timeout = 2.5
max_body_mb = 1
[retention]
max_per_feed = 100
max_age_days = 30
[ui]
theme = "nord"
mark_read_on_open = false
[keys]
next_unread = "n,ctrl+n"
"""))
    assert (cfg.refresh_interval, cfg.concurrency, cfg.timeout, cfg.max_body_mb) == (5, 4, 2.5, 1)
    assert (cfg.max_per_feed, cfg.max_age_days, cfg.theme) == (100, 30, "nord")
    assert cfg.mark_read_on_open is False
    assert cfg.keys == {"next_unread": "n,ctrl+n"}


def test_unknown_key_warns_and_names_it(tmp_path):
    cfg = load_config(write(tmp_path, "colour = 'red'\n[fetch]\nspeed = 3\n[bogus]\nx = 1\n"))
    text = " | ".join(cfg.warnings)
    assert "colour" in text and "[fetch] speed" in text and "[bogus]" in text


@pytest.mark.parametrize("text,named", [
    ("concurrency = 'lots'", "concurrency"),
    ("[fetch]\ntimeout = -1", "timeout"),
    ("[fetch]\nconcurrency = 0", "concurrency"),
    ("[ui]\nmark_read_on_open = 'yes'", "mark_read_on_open"),
    ("[retention]\nmax_per_feed = 1.5", "max_per_feed"),
    ("refresh_interval = ", "not valid TOML"),
])
def test_bad_values_are_clear_errors(tmp_path, text, named):
    with pytest.raises(ConfigError, match=named):
        load_config(write(tmp_path, text))


def test_explicit_missing_file_is_an_error(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("home", ["/home/u", "/home/u/", "relative", "", None])
@pytest.mark.parametrize("xdg", [None, "", "/x/cfg", "rel/cfg"])
def test_default_paths_match_platformdirs(monkeypatch, home, xdg):
    # config.py computes the XDG paths itself on Linux (platformdirs is slow to import).
    import platformdirs

    from reader.core.config import default_config_path, default_db_path

    for var in ("HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.delenv(var, raising=False)
    if home is not None:
        monkeypatch.setenv("HOME", home)
    if xdg is not None:
        monkeypatch.setenv("XDG_CONFIG_HOME", xdg)
        monkeypatch.setenv("XDG_DATA_HOME", xdg.replace("cfg", "data"))
    expected_cfg = platformdirs.user_config_dir("reader", appauthor=False)
    expected_db = platformdirs.user_data_dir("reader", appauthor=False)
    assert default_config_path() == Path(expected_cfg) / "config.toml"
    assert default_db_path() == Path(expected_db) / "reader.db"


def test_one_schema_makes_the_example_and_the_settings(tmp_path):
    from reader.core.config import SETTINGS, Config

    # Every setting is in the example, where its section is, at its default.
    cfg = load_config(write(tmp_path, EXAMPLE))
    assert [s.name for s in SETTINGS] == [
        "refresh_interval", "concurrency", "per_host", "connect_timeout", "timeout",
        "max_body_mb", "max_per_feed", "max_age_days", "theme", "mark_read_on_open", "measure",
        "images", "player", "download_dir", "max_download_mb",
    ]
    for s in SETTINGS:
        assert getattr(cfg, s.name) == s.default == getattr(Config(), s.name)
        assert f"\n{s.name} = " in EXAMPLE
        assert type(getattr(cfg, s.name)) is s.type
    # What a refresh's child process is given makes the same settings.
    set_ = load_config(write(tmp_path, "[fetch]\ntimeout = 2.5\n[keys]\nquit = 'x'\n"))
    again = Config(**set_.settings())
    assert again.settings() == set_.settings() and again.timeout == 2.5
    assert again.keys == {"quit": "x"}
