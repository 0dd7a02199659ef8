"""What the ``n3crypto`` subcommand modules share: one-line errors on stderr,
the passphrase options and their sources, and private (0600) files.

Failures print ``error: <message>`` on stderr and exit 1 (crypto, decoding
and I/O failures) or 2 (usage); secrets are never echoed.
"""

from __future__ import annotations

import contextlib
import os
import stat
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, NoReturn

import click
from rich.console import Console

from n3crypto import errors
from n3crypto.utils import atomic_write

__all__ = [
    "err",
    "fail",
    "given_passphrase",
    "passphrase_options",
    "reported_errors",
    "write_private",
]

#: The console for messages and progress on stderr.
err = Console(stderr=True, highlight=False, soft_wrap=True)


def fail(message: str, code: int = 1) -> NoReturn:
    """Print ``error: message`` on stderr and exit with ``code``."""
    err.print(f"[bold red]error:[/] {message}", markup=True)
    sys.exit(code)


@contextlib.contextmanager
def reported_errors() -> Iterator[None]:
    """Turn library and I/O errors into one line on stderr and exit 1."""
    try:
        yield
    except errors.N3CryptoError as exc:
        fail(str(exc) or type(exc).__name__)
    except OSError as exc:
        name = getattr(exc, "filename", None)
        fail(f"{exc.strerror or exc}: {name}" if name else f"{exc.strerror or exc}")


def passphrase_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Add ``--passphrase-file`` and ``--passphrase-env`` (never the passphrase itself)."""
    fn = click.option(
        "--passphrase-env", metavar="VAR", help="Read the passphrase from environment variable VAR."
    )(fn)
    fn = click.option(
        "--passphrase-file",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        help="Read the passphrase from the first line of this file.",
    )(fn)
    return fn


def given_passphrase(pfile: Path | None, penv: str | None) -> bytes | None:
    """The passphrase from ``--passphrase-file`` or ``--passphrase-env``;
    None if neither was given (the caller may then prompt)."""
    if pfile is not None and penv is not None:
        fail("give --passphrase-file or --passphrase-env, not both", 2)
    if pfile is not None:
        lines = pfile.read_bytes().splitlines()
        if not lines or not lines[0]:
            fail(f"{pfile}: empty passphrase file")
        return lines[0]
    if penv is not None:
        value = os.environ.get(penv)
        if not value:
            fail(f"environment variable {penv} is not set or empty")
        return value.encode("utf-8")
    return None


def write_private(path: Path, data: bytes, *, force: bool) -> None:
    """Write a secret to ``path`` atomically with mode 0600.

    Without ``force`` an existing file is kept and the write fails
    (``FileExistsError``, as ``O_EXCL``). With ``force`` a symlink is written
    through (its target replaced, the link kept), and a pipe, terminal or
    device (``/dev/stdout``, ``>(gpg -e ...)``) is written as the stream it
    is: there is no file to replace. I/O errors name ``path``, not the
    temporary file it is written through.
    """
    target = path
    if force:
        try:
            st = os.stat(path)
        except FileNotFoundError:
            pass
        else:
            if not stat.S_ISREG(st.st_mode):
                with open(path, "wb") as stream:
                    stream.write(data)
                return
            target = Path(os.path.realpath(path))
    try:
        atomic_write(target, data, mode=0o600, overwrite=force)
    except OSError as exc:
        if exc.filename is not None:
            exc.filename = path
        raise
