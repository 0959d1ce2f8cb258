"""How the command line fails: one line on stderr and an exit status, never a traceback."""

from __future__ import annotations

import functools
import os
import sys

from ..core.errors import ReaderError


def echo_err(message: str) -> None:
    import click  # errors and warnings only: by then its import costs nothing that matters

    click.echo(message, err=True)


def fail(message: str, code: int = 1) -> None:
    from ..core.sanitize import clean_line

    echo_err(f"reader: error: {clean_line(message)}")
    sys.exit(code)


def handle_errors(fn):
    """One line on stderr and a non-zero exit for every error; never a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except ReaderError as exc:
            fail(str(exc))
        except KeyboardInterrupt:
            echo_err("reader: interrupted")
            sys.exit(130)
        except BrokenPipeError:
            sys.stderr.close()  # `reader list | head`: the reader went away; not an error
            sys.exit(0)
        except OSError as exc:  # the text, without Python's "[Errno 28]"
            text = exc.strerror or str(exc)
            fail(f"{text}: {exc.filename}" if exc.filename else text)
        except Exception as exc:  # a bug: still one line, with a way to see more
            if os.environ.get("READER_DEBUG"):
                raise
            fail(f"internal error: {type(exc).__name__}: {exc} (set READER_DEBUG=1 for details)", 70)

    return wrapper
