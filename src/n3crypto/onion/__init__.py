"""Onion routing: Sphinx packets on ristretto255 (docs/onion.md).

A sender wraps a message for a path of up to five relays; each relay peels
one layer and learns only the previous and the next hop. Packets have one
size whatever the path or message, α is re-blinded at every hop so two
relays cannot tell they carried the same packet, a tampered body turns to
noise and is dropped at the exit, replays are refused, and single-use reply
blocks (SURBs) let a receiver answer without learning who asked.

>>> from n3crypto.onion import RelayKey, create_packet, process
>>> a, b = RelayKey.generate("127.1.0.1:9000"), RelayKey.generate("127.2.0.1:9000")
>>> hop = process(a, create_packet([a.descriptor, b.descriptor], b"hi"))
>>> hop.next_hop, process(b, hop.packet).payload
('127.2.0.1:9000', b'hi')
"""

from __future__ import annotations

from n3crypto.onion._demo import demo_chapter
from n3crypto.onion.packet import (
    ADDRESS_BYTES,
    BLOCK_BYTES,
    DEFAULT_BODY_BYTES,
    HEADER_BYTES,
    MAX_BODY_BYTES,
    MAX_HOPS,
    MIN_BODY_BYTES,
    REASONS,
    SURB_ID_BYTES,
    VERSION,
    Deliver,
    Forward,
    KeyTableCache,
    MemoryReplayCache,
    Packet,
    PacketRejected,
    RelayDescriptor,
    RelayKey,
    ReplayCache,
    Surb,
    SurbKeyring,
    SurbSecret,
    create_packet,
    create_surb,
    message_capacity,
    open_reply,
    packet_bytes,
    process,
    use_surb,
)

__all__ = [
    "ADDRESS_BYTES",
    "BLOCK_BYTES",
    "DEFAULT_BODY_BYTES",
    "HEADER_BYTES",
    "MAX_BODY_BYTES",
    "MAX_HOPS",
    "MIN_BODY_BYTES",
    "REASONS",
    "SURB_ID_BYTES",
    "VERSION",
    "Deliver",
    "Forward",
    "KeyTableCache",
    "MemoryReplayCache",
    "Packet",
    "PacketRejected",
    "RelayDescriptor",
    "RelayKey",
    "ReplayCache",
    "Surb",
    "SurbKeyring",
    "SurbSecret",
    "create_packet",
    "create_surb",
    "demo_chapter",
    "message_capacity",
    "open_reply",
    "packet_bytes",
    "process",
    "use_surb",
]
