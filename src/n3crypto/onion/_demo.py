"""The "onion" chapter of ``n3crypto demo``."""

from __future__ import annotations

import importlib.util
import random

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from n3crypto import errors

__all__ = ["demo_chapter", "packet_story"]


def demo_chapter(console: Console, rng: random.Random) -> None:
    """A 3-hop Sphinx packet, what each relay sees, a tampered packet and a
    replay dropped, a reply through a SURB, then three relay processes on
    loopback carrying packets.

    ``rng`` only chooses the demo's addresses and which byte to tamper with;
    keys and packets always come from :mod:`secrets`.
    """
    packet_story(console, rng)
    if importlib.util.find_spec("n3crypto.node") is not None:
        from n3crypto.node.demo import network_demo

        network_demo(console, rng)


def packet_story(console: Console, rng: random.Random) -> None:
    """The in-process half of the chapter (no sockets, no processes).

    >>> import io, random
    >>> from rich.console import Console
    >>> out = io.StringIO()
    >>> packet_story(Console(file=out, width=120), random.Random(1))
    >>> "dropped" in out.getvalue()
    True
    """
    from n3crypto.onion import (
        Deliver,
        Forward,
        PacketRejected,
        RelayKey,
        create_packet,
        create_surb,
        open_reply,
        process,
        use_surb,
    )

    console.print(
        Panel.fit(
            "A sender wraps a message in three layers, one per relay. Each relay peels "
            "one layer and learns only where the packet came from and where it goes next; "
            "the packet keeps its size and changes every byte at every hop, so two relays "
            "cannot tell they carried the same packet.",
            title="Chapter: onion",
        )
    )
    octets = rng.sample(range(1, 250), 3)
    names = ["guard", "middle", "exit"]
    keys = [RelayKey.generate(f"127.{o}.0.1:{9000 + i}") for i, o in enumerate(octets)]
    path = [k.descriptor for k in keys]
    message = b"meet at the usual place"
    packet = create_packet(path, message)

    table = Table(title="One 3-hop packet, as each relay sees it")
    for col in ("relay", "previous hop", "next hop", "α (first bytes)", "packet bytes", "result"):
        table.add_column(col)
    previous = "sender"
    current = packet
    seen = []
    for name, key in zip(names, keys, strict=True):
        seen.append(current)
        result = process(key, current)
        if isinstance(result, Forward):
            table.add_row(
                f"{name} {key.address}",
                previous,
                result.next_hop,
                current.alpha.hex()[:16],
                str(len(current)),
                "forward",
            )
            previous = key.address
            current = result.packet
        else:
            table.add_row(
                f"{name} {key.address}",
                previous,
                "—",
                current.alpha.hex()[:16],
                str(len(current)),
                f"deliver {result.payload.decode()!r}",
            )
    console.print(table)

    checks = Table(title="What the relays refuse")
    checks.add_column("attempt")
    checks.add_column("outcome")
    # a replayed packet
    try:
        process(keys[0], seen[0])
        checks.add_row("replay the guard's packet", "[red]accepted[/]")
    except PacketRejected as exc:
        checks.add_row("replay the guard's packet", f"dropped at the guard ({exc.reason})")
    # a flipped header bit
    fresh = create_packet(path, message)
    pos = rng.randrange(53, 318)
    bad = bytearray(fresh)
    bad[pos] ^= 0x01
    try:
        process(keys[0], bytes(bad))
        checks.add_row(f"flip header byte {pos}", "[red]accepted[/]")
    except PacketRejected as exc:
        checks.add_row(f"flip header byte {pos}", f"dropped at the guard ({exc.reason})")
    # a flipped body bit: relays cannot see it, the exit drops noise
    pos = rng.randrange(318, len(fresh))
    bad = bytearray(fresh)
    bad[pos] ^= 0x80
    outcome = "[red]delivered[/]"
    current_bytes = bytes(bad)
    where = names[0]
    try:
        for name, key in zip(names, keys, strict=True):
            where = name
            r = process(key, current_bytes)
            if isinstance(r, Forward):
                current_bytes = r.packet
    except PacketRejected as exc:
        outcome = f"forwarded blindly, then dropped at the {where} ({exc.reason})"
    checks.add_row(f"flip body byte {pos} (tagging)", outcome)
    console.print(checks)

    # a reply through a single-use reply block ending at the sender
    me = RelayKey.generate("127.254.0.1:9100")
    surb, secret = create_surb([*path[:2], me.descriptor])
    _, reply = use_surb(surb, b"ok, see you there")
    for key in keys[:2]:
        r = process(key, reply)
        assert isinstance(r, Forward)
        reply = r.packet
    delivered = process(me, reply)
    assert isinstance(delivered, Deliver)
    try:
        text = open_reply(secret, delivered).decode()
    except errors.PacketError as exc:  # pragma: no cover - would be a bug
        text = f"failed: {exc}"
    console.print(
        f"Reply through a SURB (guard → middle → sender): [bold]{text!r}[/]; "
        "the replier never learned the path."
    )
