"""The network half of the "onion" demo chapter: real relay processes."""

from __future__ import annotations

import asyncio
import random
import tempfile
import time
from pathlib import Path

from rich.console import Console
from rich.table import Table

from n3crypto.node.client import Client
from n3crypto.node.directory import ClscSigner, ClscVerifier, Directory
from n3crypto.node.relay import Node, NodeConfig, query_status
from n3crypto.node.spawn import RelayProcess, spawn_relays, stop_relays

__all__ = ["network_demo"]


def network_demo(console: Console, rng: random.Random, *, messages: int = 60) -> None:
    """Start three relay processes on loopback, send ``messages`` acknowledged
    messages between two clients through them, and show what each relay did.

    Example (it starts relay processes and listens, so it is not run as a
    doctest; ``n3crypto demo --chapter onion`` runs it too)::

        network_demo(Console(), random.Random(1), messages=20)
    """
    first = rng.randrange(100, 240)
    with tempfile.TemporaryDirectory(prefix="n3onion-") as tmp:
        console.print(
            f"Starting three relay processes on 127.{first}.0.1 … 127.{first + 2}.0.1 (port 0)."
        )
        relays = spawn_relays(3, tmp, first_octet=first)
        try:
            relay_stats, received, seconds, signed = asyncio.run(
                _exchange(relays, Path(tmp), messages, first + 3)
            )
            table = Table(title=f"{messages} messages, alice → 3 relays → bob, each acknowledged")
            for col in ("relay", "pid", "address", "received", "forwarded", "dropped"):
                table.add_column(col)
            for r, stats in zip(relays, relay_stats, strict=True):
                dropped = sum(v for k, v in stats.items() if k.startswith("dropped_"))
                table.add_row(
                    r.relay_id,
                    str(r.info.get("pid", "?")),
                    r.address,
                    str(stats.get("received", 0)),
                    str(stats.get("forwarded", 0)),
                    str(dropped),
                )
            console.print(table)
            console.print(
                (
                    "The directory was signed by the authority's certificateless key and "
                    "verified by the clients. "
                    if signed
                    else "The directory was not signed (no signcryption layer here). "
                )
                + f"Bob received {received} distinct messages "
                f"in {seconds:.2f} s; every packet was 2366 bytes on every link, "
                "and no relay saw both alice and bob."
            )
        finally:
            stop_relays(relays)


async def _exchange(
    relays: list[RelayProcess], tmp: Path, messages: int, octet: int
) -> tuple[list[dict[str, int]], int, float, bool]:
    now = time.time()
    unsigned = Directory(0, now - 60, now + 3600, tuple(r.entry() for r in relays))
    try:
        from n3crypto.signcryption import KGC, UserKey
    except ImportError:  # pragma: no cover - the signcryption layer is not installed
        directory = unsigned
    else:
        # the directory authority signs the relay list with its certificateless key
        kgc = KGC.generate()
        auth = UserKey.generate("directory-authority", kgc.public)
        auth = auth.accept_partial_key(kgc.issue_partial_key("directory-authority", auth.request()))
        directory = Directory.from_bytes(
            unsigned.sign(ClscSigner(auth)), ClscVerifier(auth.public), now=now
        )
    a = Node(NodeConfig(host=f"127.{octet}.0.1", key_dir=tmp / "alice"))
    b = Node(NodeConfig(host=f"127.{octet + 1}.0.1", key_dir=tmp / "bob"))
    await a.start()
    await b.start()
    try:
        alice = Client(a, directory, hops=3, ack_timeout=3.0)
        bob = Client(b, directory, hops=3)
        t0 = time.perf_counter()
        await asyncio.gather(
            *(alice.send(bob.descriptor(), b"hello %d" % i) for i in range(messages))
        )
        seconds = time.perf_counter() - t0
        stats = [await query_status(r.address) for r in relays]
        return stats, bob.inbox.qsize(), seconds, directory is not unsigned
    finally:
        await a.stop(drain=0.5)
        await b.stop(drain=0.5)
