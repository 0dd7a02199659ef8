"""``n3crypto paillier``: keys, encryption, sums and decryption from the shell.

Commands: ``keygen``, ``pubkey``, ``encrypt``, ``sum``, ``decrypt``,
``inspect``. Plaintexts are read from stdin or a file, one number per line
(a rating is a secret too, so never an argument); ciphertexts travel as JSON
lines. Private keys are always stored sealed (scrypt + ChaCha20-Poly1305)
unless ``--no-passphrase`` is given; passphrases come from a prompt, a file
(``--passphrase-file``) or an environment variable (``--passphrase-env``).
One-line errors on stderr; exit 1 for crypto/decoding failures, 2 for usage.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from rich.console import Console
from rich.table import Table

from n3crypto import envelope
from n3crypto._cli import err as _err
from n3crypto._cli import fail as _fail
from n3crypto._cli import given_passphrase as _given_passphrase
from n3crypto._cli import passphrase_options as _passphrase_options
from n3crypto._cli import reported_errors as _errors

__all__ = ["paillier"]


def _passphrase(pfile: Path | None, penv: str | None, *, confirm: bool) -> bytes:
    given = _given_passphrase(pfile, penv)
    if given is not None:
        return given
    if not sys.stdin.isatty():
        _fail("no terminal for a passphrase prompt: use --passphrase-file or --passphrase-env")
    value = click.prompt(
        "Passphrase", hide_input=True, confirmation_prompt=confirm, err=True, default=""
    )
    if not value:
        _fail("empty passphrase")
    return str(value).encode()


def _insecure_opt(fn: Callable[..., Any]) -> Callable[..., Any]:
    return click.option(
        "--insecure-size", is_flag=True, help="Accept keys below 2048 bits (tests and demos only)."
    )(fn)


def _load_public(path: Path, insecure: bool) -> Any:
    from n3crypto.paillier import PaillierPrivateKey, PaillierPublicKey

    data = path.read_bytes()
    kind = envelope.peek_kind(data) if data[:2] == envelope.MAGIC else ""
    if kind == "paillier-public-key":
        return PaillierPublicKey.from_bytes(data, allow_insecure_size=insecure)
    if kind == "paillier-private-key":
        return PaillierPrivateKey.from_bytes(data, allow_insecure_size=insecure).public_key
    if data.lstrip().startswith(b"{"):
        return PaillierPublicKey.from_json(data, allow_insecure_size=insecure)
    _fail(f"{path}: not a Paillier public key (use 'paillier pubkey' on a private key)")


def _load_private(path: Path, pfile: Path | None, penv: str | None, insecure: bool) -> Any:
    from n3crypto.paillier import PaillierPrivateKey
    from n3crypto.paillier.serialize import decrypt_private_key

    data = path.read_bytes()
    kind = envelope.peek_kind(data)
    if kind == "paillier-private-key":
        return PaillierPrivateKey.from_bytes(data, allow_insecure_size=insecure)
    if kind != "paillier-private-key-sealed":
        _fail(f"{path}: not a Paillier private key")
    return decrypt_private_key(
        data, _passphrase(pfile, penv, confirm=False), allow_insecure_size=insecure
    )


def _numbers(source: Any) -> Iterator[int | float]:
    for lineno, line in enumerate(source, 1):
        text = line.strip()
        if not text or text.startswith("#"):
            continue
        try:
            yield int(text)
        except ValueError:
            try:
                value = float(text)
            except ValueError:
                _fail(f"line {lineno}: not a number", 2)
            yield value


@click.group()
def paillier() -> None:
    """Paillier encryption (phe-compatible) with overflow-proof bounds."""


@paillier.command()
@click.option("--bits", default=3072, show_default=True, help="Modulus length.")
@click.option("--out", "out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--public-out", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--blum", is_flag=True, help="Primes ≡ 3 mod 4 instead of safe primes (faster).")
@click.option("--no-passphrase", is_flag=True, help="Store the private key unsealed (0600).")
@_insecure_opt
@_passphrase_options
def keygen(
    bits: int,
    out: Path,
    public_out: Path | None,
    blum: bool,
    no_passphrase: bool,
    insecure_size: bool,
    passphrase_file: Path | None,
    passphrase_env: str | None,
) -> None:
    """Generate a key pair; the private key is sealed under a passphrase."""
    from n3crypto.paillier import generate_keypair
    from n3crypto.paillier.serialize import save_private_key
    from n3crypto.utils import atomic_write

    if no_passphrase and (passphrase_file or passphrase_env):
        _fail("--no-passphrase contradicts a given passphrase", 2)
    pw = None if no_passphrase else _passphrase(passphrase_file, passphrase_env, confirm=True)
    tried: dict[str, int] = {}

    def progress(stage: str, count: int) -> None:
        tried[stage] = count

    with _errors():
        with _err.status(f"searching for {bits // 2}-bit primes…"):
            pub, priv = generate_keypair(
                bits, allow_insecure_size=insecure_size, safe_primes=not blum, progress=progress
            )
        if pw is None:
            atomic_write(out, priv.to_bytes(), mode=0o600)
        else:
            save_private_key(out, priv, pw)
        if public_out is not None:
            atomic_write(public_out, pub.to_bytes())
    _err.print(
        f"{bits}-bit key {pub.fingerprint[:8].hex()} "
        f"(candidates tried: p {tried.get('p', 0)}, q {tried.get('q', 0)})"
    )


@paillier.command()
@click.argument("key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--json", "as_json", is_flag=True, help="Write JSON instead of bytes.")
@_insecure_opt
@_passphrase_options
def pubkey(
    key: Path,
    out: Path,
    as_json: bool,
    insecure_size: bool,
    passphrase_file: Path | None,
    passphrase_env: str | None,
) -> None:
    """Extract the public key from a private key file."""
    from n3crypto.utils import atomic_write

    with _errors():
        priv = _load_private(key, passphrase_file, passphrase_env, insecure_size)
        pub = priv.public_key
        atomic_write(out, pub.to_json().encode() + b"\n" if as_json else pub.to_bytes())


@paillier.command()
@click.argument("public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input", "input_", type=click.File("r"), default="-", help="Numbers, one a line.")
@click.option("--mode", type=click.Choice(["standard", "fast"]), default="standard")
@click.option(
    "--bound", type=int, default=None, help="Public bound on |value| (default: size class)."
)
@_insecure_opt
def encrypt(
    public_key: Path, input_: Any, mode: str, bound: int | None, insecure_size: bool
) -> None:
    """Encrypt numbers read from stdin (or --input) to JSON lines on stdout."""
    with _errors():
        pub = _load_public(public_key, insecure_size)
        for value in _numbers(input_):
            click.echo(pub.encrypt(value, mode=mode, bound=bound).to_json())


def _ciphertexts(pub: Any, source: Any) -> Iterator[Any]:
    from n3crypto.paillier import EncryptedNumber

    for line in source:
        if line.strip():
            yield EncryptedNumber.from_json(pub, line)


@paillier.command("sum")
@click.argument("public_key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input", "input_", type=click.File("r"), default="-", help="JSON lines.")
@_insecure_opt
def sum_(public_key: Path, input_: Any, insecure_size: bool) -> None:
    """Add JSON-line ciphertexts homomorphically; prints one ciphertext."""
    with _errors():
        pub = _load_public(public_key, insecure_size)
        click.echo(pub.sum(list(_ciphertexts(pub, input_))).to_json())


@paillier.command()
@click.argument("key", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--input", "input_", type=click.File("r"), default="-", help="JSON lines.")
@_insecure_opt
@_passphrase_options
def decrypt(
    key: Path,
    input_: Any,
    insecure_size: bool,
    passphrase_file: Path | None,
    passphrase_env: str | None,
) -> None:
    """Decrypt JSON-line ciphertexts (checking their claimed bounds)."""
    with _errors():
        priv = _load_private(key, passphrase_file, passphrase_env, insecure_size)
        for c in _ciphertexts(priv.public_key, input_):
            click.echo(str(priv.decrypt(c)))


@paillier.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def inspect(file: Path) -> None:
    """Describe a Paillier file without any secret."""
    data = file.read_bytes()
    table = Table(title=str(file))
    table.add_column("field")
    table.add_column("value")
    with _errors():
        if data[:2] == envelope.MAGIC:
            kind = envelope.peek_kind(data)
        else:
            try:
                kind = str(json.loads(data)["kind"])
            except (ValueError, KeyError, TypeError):
                _fail(f"{file}: not an n3crypto object")
        table.add_row("kind", kind)
        if kind == "paillier-public-key":
            from n3crypto.paillier import PaillierPublicKey

            pub = (
                PaillierPublicKey.from_bytes(data, allow_insecure_size=True)
                if data[:2] == envelope.MAGIC
                else PaillierPublicKey.from_json(data, allow_insecure_size=True)
            )
            table.add_row("modulus", f"{pub.bits} bits")
            table.add_row("fingerprint", pub.fingerprint.hex())
            table.add_row("modes", "standard, fast" if pub.supports_fast else "standard")
        elif kind == "paillier-private-key-sealed":
            table.add_row("contents", "sealed private key (scrypt + ChaCha20-Poly1305)")
        elif kind == "paillier-private-key":
            table.add_row("contents", "[red]UNSEALED private key[/]")
    Console().print(table)
