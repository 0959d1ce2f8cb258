"""reader.cli.main: a bare `reader` opens the TUI without click; the rest is click's."""

from __future__ import annotations

import os
import subprocess
import sys
import warnings

import click
import click.testing
import pytest

from reader.cli import main, tui_options
from reader.cli.group import main as group

ARGS = [
    [],
    ["--demo"],
    ["--db", "x.db"],
    ["--db=x.db"],
    ["--db="],
    ["--db", ""],
    ["--config", "c.toml", "--db", "x.db"],
    ["--config=c.toml", "--demo", "--db=a", "--db", "b"],
    ["--db", "a", "--db", "b"],
    ["--demo", "--demo"],
    ["--db"],
    ["--db", "--demo"],
    ["--db", "-"],
    ["--demo=1"],
    ["--dem"],
    ["--database", "x"],
    ["-h"],
    ["--help"],
    ["-V"],
    ["--version"],
    ["feeds"],
    ["--db", "x.db", "feeds"],
    ["--", "feeds"],
    ["x.db"],
    ["--db", "x.db", "--bogus"],
]


def click_reading(args: list[str]):
    """(db, config, demo) if click would open the TUI for `args`, else None."""
    try:
        ctx = group.make_context("reader", list(args))
    except (click.exceptions.Exit, click.UsageError):
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # protected_args, in click 8.2+
        if ctx.protected_args or ctx.args:  # a command follows
            return None
    if ctx.obj is None:  # no --db/--config: their callbacks made no State
        return None, None, ctx.params["demo"]
    return ctx.obj.db, ctx.obj.config_path, ctx.params["demo"]


@pytest.mark.parametrize("args", ARGS, ids=lambda a: " ".join(a) or "(none)")
def test_the_fast_path_reads_args_as_click_does(args, monkeypatch):
    for name in [k for k in os.environ if k.endswith("_COMPLETE")]:
        monkeypatch.delenv(name)
    fast = tui_options(args)
    if fast is not None:  # when it does not decide, click does: nothing to compare
        assert fast == click_reading(args)


def test_shell_completion_is_left_to_click(monkeypatch):
    monkeypatch.setenv("_READER_COMPLETE", "bash_source")
    assert tui_options([]) is None


def test_the_entry_point_does_not_import_click():
    code = "import sys, reader.cli; print('click' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_bare_reader_without_a_terminal_is_one_line(tmp_path):
    r = subprocess.run(
        [sys.executable, "-m", "reader.cli", "--db", str(tmp_path / "r.db")],
        capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False,
        env={k: v for k, v in os.environ.items() if k != "READER_FORCE_TUI"},
    )
    assert r.returncode == 2
    assert r.stderr == (
        "reader: error: the reader needs a terminal; see `reader --help` for the commands\n"
    )


def test_main_still_behaves_as_the_click_group():
    assert main.name == group.name and "refresh" in main.commands
    r = click.testing.CliRunner().invoke(main, ["--version"])
    assert r.exit_code == 0 and r.output.startswith("reader, version ")


@pytest.mark.parametrize("args,option", [
    (["--db", ""], "--db"), (["--db="], "--db"), (["--config", ""], "--config"),
    (["--demo", "--config="], "--config"),
])
def test_an_empty_path_is_refused_not_the_default(args, option, tmp_path):
    assert tui_options(args) is None  # click reads it, and refuses it
    r = subprocess.run(
        [sys.executable, "-m", "reader.cli", *args], capture_output=True, text=True,
        stdin=subprocess.DEVNULL, check=False, cwd=tmp_path,
        env={**os.environ, "XDG_DATA_HOME": str(tmp_path / "data")},
    )
    assert (r.returncode, r.stderr) == (2, f"reader: error: {option}: empty path\n")
    assert list(tmp_path.iterdir()) == []
