"""``n3crypto relay ...``: run relays, make keys and directories, send and receive.

The lead registers :data:`relay` in the main CLI; ``python -m n3crypto.node``
runs it on its own. Exit status 1 for cryptographic or network failures,
2 for usage errors; secrets are read from files, never from arguments.

>>> import os, tempfile
>>> from click.testing import CliRunner
>>> out = os.path.join(tempfile.mkdtemp(), "relay.key")
>>> res = CliRunner().invoke(relay, ["keygen", "--address", "127.1.0.1:9000", "--out", out])
>>> res.exit_code, oct(os.stat(out).st_mode & 0o777)
(0, '0o600')
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import click

from n3crypto import errors
from n3crypto._cli import fail as _fail

__all__ = ["relay"]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def relay() -> None:
    """Onion relays: Sphinx packets over TCP (docs/onion.md)."""


@relay.command()
@click.option("--config", "config_path", required=True, type=click.Path(dir_okay=False))
def run(config_path: str) -> None:
    """Run one relay until SIGTERM/SIGINT."""
    from n3crypto.node.daemon import load_config, load_directory_settings
    from n3crypto.node.daemon import run as run_daemon

    try:
        config = load_config(config_path)
        directory = load_directory_settings(config_path)
    except errors.N3ValueError as exc:
        _fail(str(exc), 2)
        return
    try:
        run_daemon(config, directory)
    except (OSError, errors.N3CryptoError) as exc:
        _fail(f"cannot run the relay: {exc}")


@relay.command()
@click.argument("address")
@click.option("--timeout", type=float, default=5.0, show_default=True)
def status(address: str, timeout: float) -> None:
    """Print the counters of the relay at ADDRESS (host:port; it answers
    loopback peers only)."""
    from n3crypto.node import query_status

    try:
        counters = asyncio.run(query_status(address, timeout=timeout))
    except (OSError, TimeoutError, errors.N3CryptoError) as exc:
        _fail(f"no status from {address}: {exc}")
        return
    click.echo(json.dumps(counters, sort_keys=True, indent=1))


@relay.command()
@click.option("--address", required=True, help="host:port the relay is reached at")
@click.option("--epoch", type=int, default=0, show_default=True)
@click.option("--out", required=True, type=click.Path(dir_okay=False), help="private key file")
def keygen(address: str, epoch: int, out: str) -> None:
    """Make a Sphinx key (written 0600) and print its public descriptor (hex)."""
    from n3crypto.onion import RelayKey

    if Path(out).exists():
        _fail(f"{out} exists; refusing to overwrite a key", 2)
    try:
        key = RelayKey.generate(address, epoch=epoch)
    except errors.N3ValueError as exc:
        _fail(str(exc), 2)
        return
    key.save(out)
    click.echo(bytes(key.descriptor).hex())


def _load_authority_public(path: str) -> object:
    from n3crypto.signcryption import PublicKey

    try:
        raw = Path(path).read_bytes()
        return PublicKey.from_bytes(raw)
    except (OSError, errors.N3CryptoError) as exc:
        _fail(f"cannot read the authority's public key: {exc}")
        raise AssertionError from None  # unreachable


@relay.command()
@click.option("--signer", "signer_path", required=True, type=click.Path(exists=True))
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--valid", type=float, default=3600.0, show_default=True, help="seconds")
@click.option("--epoch", type=int, default=0, show_default=True)
@click.argument("descriptors", nargs=-1, required=True, type=click.Path(exists=True))
def directory(
    signer_path: str, out: str, valid: float, epoch: int, descriptors: tuple[str]
) -> None:
    """Sign a directory of the relays whose descriptor files are given.

    SIGNER is the authority's signcryption UserKey file.
    """
    from n3crypto.node.directory import ClscSigner, Directory, DirectoryEntry
    from n3crypto.signcryption import UserKey
    from n3crypto.utils import atomic_write

    try:
        signer = ClscSigner(UserKey.from_bytes(Path(signer_path).read_bytes()))
        entries = []
        for p in descriptors:
            doc = json.loads(Path(p).read_text())
            doc.setdefault("identity", "")
            doc.setdefault("reputation", 1.0)
            entries.append(DirectoryEntry.from_json(doc))
        now = time.time()
        blob = Directory(epoch, now, now + valid, tuple(entries)).sign(signer)
    except (OSError, ValueError, errors.N3CryptoError) as exc:
        _fail(str(exc))
        return
    atomic_write(out, blob)
    click.echo(f"signed a directory of {len(entries)} relays, valid {valid:.0f} s")


@relay.command()
@click.option("--directory", "dir_path", required=True, type=click.Path(exists=True))
@click.option("--authority", required=True, type=click.Path(exists=True))
@click.option(
    "--to",
    "to_path",
    required=True,
    type=click.Path(exists=True),
    help="the receiver's descriptor file (hex or binary)",
)
@click.option("--host", required=True, help="local address to listen on for acks")
@click.option("--key-dir", required=True, type=click.Path(file_okay=False))
@click.option("--hops", type=int, default=3, show_default=True)
@click.argument("message")
def send(
    dir_path: str, authority: str, to_path: str, host: str, key_dir: str, hops: int, message: str
) -> None:
    """Send MESSAGE to a receiver and wait for its acknowledgment."""
    from n3crypto.node import Client, ClscVerifier, Directory, Node, NodeConfig
    from n3crypto.onion import RelayDescriptor

    verifier = ClscVerifier(_load_authority_public(authority))
    try:
        d = Directory.from_bytes(Path(dir_path).read_bytes(), verifier, now=time.time())
        raw = Path(to_path).read_bytes().strip()
        dest = RelayDescriptor.from_bytes(bytes.fromhex(raw.decode()) if raw[:2] != b"N3" else raw)
    except (OSError, ValueError, errors.N3CryptoError) as exc:
        _fail(str(exc))
        return

    async def go() -> None:
        node = Node(NodeConfig(host=host, key_dir=Path(key_dir)))
        client = Client(node, d, hops=hops)
        await node.start()
        try:
            report = await client.send(dest, message.encode())
            click.echo(f"acknowledged after {report.attempts} attempt(s)")
        finally:
            await node.stop()

    try:
        asyncio.run(go())
    except (OSError, errors.N3CryptoError) as exc:
        _fail(str(exc))


@relay.command()
@click.option("--directory", "dir_path", required=True, type=click.Path(exists=True))
@click.option("--authority", required=True, type=click.Path(exists=True))
@click.option("--host", required=True)
@click.option("--port", type=int, default=0, show_default=True)
@click.option("--key-dir", required=True, type=click.Path(file_okay=False))
@click.option("--descriptor-out", type=click.Path(dir_okay=False), default=None)
@click.option("--count", type=int, default=1, show_default=True, help="messages to wait for")
def receive(
    dir_path: str,
    authority: str,
    host: str,
    port: int,
    key_dir: str,
    descriptor_out: str | None,
    count: int,
) -> None:
    """Listen, acknowledge and print COUNT messages (one per line, hex-safe)."""
    from n3crypto.node import Client, ClscVerifier, Directory, Node, NodeConfig
    from n3crypto.utils import atomic_write

    verifier = ClscVerifier(_load_authority_public(authority))
    try:
        d = Directory.from_bytes(Path(dir_path).read_bytes(), verifier, now=time.time())
    except (OSError, errors.N3CryptoError) as exc:
        _fail(str(exc))
        return

    async def go() -> None:
        node = Node(NodeConfig(host=host, port=port, key_dir=Path(key_dir)))
        client = Client(node, d)
        await node.start()
        desc = bytes(client.descriptor()).hex()
        if descriptor_out:
            atomic_write(descriptor_out, desc.encode() + b"\n", mode=0o644)
        click.echo(f"listening on {node.address}; descriptor {desc}", err=True)
        try:
            for _ in range(count):
                msg = await client.inbox.get()
                click.echo(msg.data.decode("utf-8", errors="backslashreplace"))
        finally:
            await node.stop()

    asyncio.run(go())
