"""Commands for OPML files: import and export."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ..core.sanitize import clean_line
from .arguments import command
from .errors import fail
from .output import plural
from .state import State


@command("import", creates=True)
@click.argument("file")  # (not click.Path: its "is a directory" is a usage error, exit 2)
def import_cmd(state: State, file: str) -> None:
    """Subscribe to the feeds of an OPML file or a newsboat `urls` file (- reads stdin).

    They are fetched on refresh. A newsboat query feed becomes a saved filter when its
    filter can be said in this reader's filter language; the rest are listed as skipped.
    """
    if file == "-":
        data = sys.stdin.buffer.read()
    else:
        try:
            data = Path(file).read_bytes()
        except OSError as exc:
            fail(f"cannot read {file}: {exc.strerror}")
    report = state.library.import_subscriptions(data)
    for problem in report.problems:
        click.echo(f"reader: warning: {clean_line(problem)}", err=True)
    click.echo(
        f"imported {plural(len(report.added), 'new feed')}, {len(report.updated)} already"
        f" subscribed{f', {report.skipped} skipped' if report.skipped else ''}"
        + (f", {plural(len(report.saved_filters), 'saved filter')}" if report.saved_filters
           else "")
        + ("; run `reader refresh` to fetch them" if report.added else "")
    )


@command("export")
@click.argument("file", required=False)
def export_cmd(state: State, file: str | None) -> None:
    """Write subscriptions as OPML 2.0 to FILE (default: stdout)."""
    if file and file != "-":
        count = state.library.export_opml_file(file)
        click.echo(f"exported {plural(count, 'feed')} to {file}", err=True)
    else:
        text = state.library.export_opml()
        click.echo(text, nl=not text.endswith("\n"))


COMMANDS = (import_cmd, export_cmd)
