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


COMMANDS = (config_cmd,)
