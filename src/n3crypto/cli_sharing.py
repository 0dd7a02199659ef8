"""``n3crypto sharing``: split a secret file into shares and rebuild it.

Commands: ``split``, ``combine``, ``robust-combine``, ``inspect``. The secret
is read from a file or stdin (never an argument) and written to a file or
stdout; shares are JSON files (``sharing-share`` v1) created with mode 0600.
Shares are secrets: store each with its holder only. One-line errors on
stderr; exit 1 for crypto/decoding failures, 2 for usage.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from n3crypto._cli import err as _err
from n3crypto._cli import fail as _fail
from n3crypto._cli import reported_errors as _errors
from n3crypto._cli import write_private as _write_private
from n3crypto.sharing.shamir import Share

__all__ = ["sharing"]

MAX_SECRET = 1 << 24


def _load(paths: tuple[Path, ...]) -> list[Share]:
    return [Share.from_json(p.read_bytes()) for p in paths]


@click.group()
def sharing() -> None:
    """Shamir secret sharing of files (GF(2^8), any length)."""


@sharing.command("split")
@click.option("-n", "n", type=int, required=True, help="Number of shares.")
@click.option("-t", "t", type=int, required=True, help="Shares needed to rebuild.")
@click.option(
    "--in",
    "infile",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("-"),
    show_default=True,
    help="Secret file ('-' = stdin).",
)
@click.option(
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for share-<i>.json files.",
)
@click.option("--force", is_flag=True, help="Overwrite existing share files.")
def split_cmd(n: int, t: int, infile: Path, out_dir: Path, force: bool) -> None:
    """Split a secret into N shares, any T of which rebuild it."""
    from n3crypto.sharing import split

    with _errors():
        data = sys.stdin.buffer.read() if str(infile) == "-" else infile.read_bytes()
        if not data:
            _fail("the secret is empty")
        if len(data) > MAX_SECRET:
            _fail(f"secret larger than {MAX_SECRET} bytes")
        shares = split(data, n, t)
        out_dir.mkdir(parents=True, exist_ok=True)
        targets = [(out_dir / f"share-{s.index}.json", s) for s in shares]
        if not force:
            # Refuse before writing anything: a split must not leave new
            # shares mixed with an older dealing's.
            present = [str(path) for path, _ in targets if os.path.lexists(path)]
            if present:
                more = f" and {len(present) - 1} more" if len(present) > 1 else ""
                _fail(f"File exists: {present[0]}{more} (use --force to replace)")
        written: list[Path] = []
        try:
            for path, s in targets:
                _write_private(path, s.to_json().encode(), force=force)
                written.append(path)
        except BaseException:
            if not force:  # only files this run created
                for path in written:
                    path.unlink(missing_ok=True)
            raise
    _err.print(f"wrote {n} shares ({t} needed) to {out_dir}")


def _emit(secret: bytes, out: Path) -> None:
    if str(out) == "-":
        sys.stdout.buffer.write(secret)
        sys.stdout.buffer.flush()
    else:
        _write_private(out, secret, force=True)


_OUT = click.option(
    "--out",
    type=click.Path(dir_okay=False, allow_dash=True, path_type=Path),
    default=Path("-"),
    show_default=True,
    help="Where to write the secret ('-' = stdout).",
)
_SHARES = click.argument(
    "shares", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path)
)


@sharing.command("combine")
@_SHARES
@_OUT
def combine_cmd(shares: tuple[Path, ...], out: Path) -> None:
    """Rebuild the secret from share files (fails if any extra share disagrees)."""
    from n3crypto.sharing import combine

    with _errors():
        secret = combine(_load(shares))
        if not isinstance(secret, bytes):
            _fail("these shares hold a number, not a file")
        _emit(secret, out)


@sharing.command("robust-combine")
@_SHARES
@_OUT
def robust_cmd(shares: tuple[Path, ...], out: Path) -> None:
    """Rebuild the secret, locating and excluding wrong shares (named on stderr)."""
    from n3crypto.sharing import robust_combine

    with _errors():
        secret, bad = robust_combine(_load(shares))
        if not isinstance(secret, bytes):
            _fail("these shares hold a number, not a file")
        if bad:
            _err.print(f"excluded wrong share(s) with index {', '.join(map(str, bad))}")
        _emit(secret, out)


@sharing.command("inspect")
@_SHARES
def inspect_cmd(shares: tuple[Path, ...]) -> None:
    """Show what share files belong to (never their values)."""
    table = Table()
    for col in ("file", "scheme", "index", "threshold", "dealing id", "size"):
        table.add_column(col)
    with _errors():
        for p in shares:
            s = Share.from_json(p.read_bytes())
            size = (
                f"{len(s.value)} B"
                if isinstance(s.value, bytes)
                else f"{s.modulus.bit_length()}-bit"
            )
            table.add_row(
                str(p), s.scheme, str(s.index), str(s.threshold), s.secret_id.hex()[:16], size
            )
    Console().print(table)
