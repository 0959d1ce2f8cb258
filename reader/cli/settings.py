"""The config command: where the config and database live, and the settings in effect."""

from __future__ import annotations

import os

import click

from .arguments import command
from .state import State


@command("config")
@click.option("--example", is_flag=True, help="Print an example config.toml with every key.")
def config_cmd(state: State, example: bool) -> None:
    """Show where the config and database live (and the effective settings)."""
    from ..core.config import EXAMPLE, SETTINGS, default_db_path

    if example:
        click.echo(EXAMPLE, nl=False)
        return
    cfg = state.config
    db = state.db or os.environ.get("READER_DB") or default_db_path()
    click.echo(f"config:   {cfg.path}{'' if cfg.path and cfg.path.exists() else ' (not present: defaults)'}")
    click.echo(f"database: {db}")
    for setting in SETTINGS:
        click.echo(f"  {setting.name} = {getattr(cfg, setting.name)!r}")
    if cfg.sync:
        _echo_sync(cfg.sync)


def _echo_sync(sync: dict) -> None:
    """[sync] without its secret: password_command's arguments may hold one, so only
    whether it is set (and the program's name) is shown."""
    from ..core.sanitize import clean_line

    click.echo("[sync]")
    for key in ("service", "url", "username"):
        if key in sync:
            click.echo(f"  {key} = {clean_line(str(sync[key]))!r}")
    command = sync.get("password_command")
    if command:
        program = clean_line(str(command[0] if isinstance(command, list) else command))
        click.echo(f"  password_command = set (runs {os.path.basename(program)!r})")
    else:
        given = "set" if os.environ.get("READER_SYNC_PASSWORD") else "not set"
        click.echo(f"  password_command = not set; $READER_SYNC_PASSWORD {given}")


COMMANDS = (config_cmd,)
