"""Transports for verified transfers: in-process (tests, simulations) and
the onion network's real relays (:class:`NodeTransport`).

A transport sends a message over a given path of relay ids to a named
endpoint, makes single-use reply blocks over a path back to itself, sends a
reply through somebody else's block, and hands arriving messages and
replies to its owner. Path choice (:func:`spread_paths`) is shared: every
shard of a transfer gets its own path, relays distinct within a path and
spread as evenly as the relay set allows across paths.
"""

from __future__ import annotations

import asyncio
import random
import secrets
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from n3crypto import errors
from n3crypto._check import (
    check_bytes,
    check_int,
    check_iterable,
    check_real,
    check_str,
    check_type,
)
from n3crypto.node import Directory, Node
from n3crypto.onion import (
    Deliver,
    KeyTableCache,
    RelayDescriptor,
    Surb,
    SurbKeyring,
    create_packet,
    create_surb,
    message_capacity,
    use_surb,
)

__all__ = [
    "Behaviour",
    "LocalNetwork",
    "LocalTransport",
    "NodeTransport",
    "Transport",
    "spread_paths",
]

#: Most paths (and hops per path) :func:`spread_paths` makes in one call.
MAX_PATHS = 1 << 16

MessageHandler = Callable[[bytes], None]
ReplyHandler = Callable[[bytes, bytes], None]  # (block id, message)


class Transport(Protocol):
    """What :func:`~n3crypto.verification.send_verified` and
    :class:`~n3crypto.verification.Receiver` need from a network.

    Code written against it runs on :class:`LocalTransport` and
    :class:`NodeTransport` alike; here a ping that sends a reply block to a
    peer and waits for the answer through it:

    >>> import asyncio
    >>> async def ping(t: Transport, peer: str) -> list[bytes]:
    ...     answers: list[bytes] = []
    ...     t.on_reply = lambda block_id, message: answers.append(message)
    ...     block, _ = t.reply_block(t.relays()[:1])  # back through the first relay
    ...     t.send(t.relays()[1:2], peer, block)  # out through the second
    ...     await t.settle(1.0)
    ...     return answers
    >>> net = LocalNetwork({"r1": Behaviour(), "r2": Behaviour()})
    >>> alice, bob = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    >>> bob.on_message = lambda block: bob.reply(block, b"pong")
    >>> asyncio.run(ping(alice, "bob"))
    [b'pong']
    """

    name: str
    on_message: MessageHandler | None
    on_reply: ReplyHandler | None

    def relays(self) -> list[str]: ...

    def payload_bytes(self) -> int: ...

    def reply_block(self, path: Sequence[str]) -> tuple[bytes, bytes]: ...

    def send(self, path: Sequence[str], destination: str, message: bytes) -> None: ...

    def reply(self, block: bytes, message: bytes) -> None: ...

    def discard_block(self, block_id: bytes) -> None: ...

    async def settle(self, timeout: float) -> None: ...


def spread_paths(
    relays: Sequence[str],
    count: int,
    hops: int,
    rng: random.Random,
    *,
    avoid: Iterable[str] = (),
    weights: dict[str, float] | None = None,
) -> list[list[str]]:
    """``count`` paths of ``hops`` distinct relays: each hop takes a least
    used relay not yet on the path (ties broken at random, weighted), so
    paths are relay-disjoint when ``count·hops ≤ len(relays)`` and load is
    even otherwise.

    >>> paths = spread_paths([f"r{i}" for i in range(6)], 3, 2, random.Random(1))
    >>> sorted(r for p in paths for r in p) == [f"r{i}" for i in range(6)]
    True
    """
    names = _names(relays, "relays")
    check_int(count, "count", 0, MAX_PATHS)
    check_int(hops, "hops", 1, MAX_PATHS)
    check_type(rng, random.Random, "rng")
    if weights is not None:
        if not isinstance(weights, dict):
            raise errors.N3TypeError(f"weights must be a dict, not {type(weights).__name__}")
        for r, wr in weights.items():
            check_real(wr, f"weights[{r!r}]", 0.0)
    pool = sorted(set(names) - set(_names(avoid, "avoid")))
    if len(pool) < hops:
        raise errors.UnavailableError(f"need {hops} usable relays, have {len(pool)}")
    used = dict.fromkeys(pool, 0)
    out = []
    for _ in range(count):
        path: list[str] = []
        for _ in range(hops):
            cand = [r for r in pool if r not in path]
            low = min(used[r] for r in cand)
            cand = [r for r in cand if used[r] == low]
            w = [max(1e-9, (weights or {}).get(r, 1.0)) for r in cand]
            pick = rng.choices(cand, weights=w)[0]
            path.append(pick)
            used[pick] += 1
        out.append(path)
    return out


def _names(items: object, what: str) -> list[str]:
    out = check_iterable(items, what)
    for r in out:
        check_str(r, f"a relay id in {what}")
    return out


# ------------------------------------------------------------------ in-process


@dataclass
class Behaviour:
    """How a simulated relay treats what it forwards: ``drop`` and
    ``corrupt`` are per-message probabilities.

    >>> net = LocalNetwork({"r1": Behaviour(corrupt=1.0)}, rng=random.Random(1), sphinx=False)
    >>> alice, bob = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    >>> inbox: list[bytes] = []
    >>> bob.on_message = inbox.append
    >>> alice.send(["r1"], "bob", b"hello world")
    >>> net.run_until_idle()
    >>> inbox[0] != b"hello world", len(inbox[0])  # one byte flipped on the way
    (True, 11)

    Under Sphinx (``sphinx=True``, the default) the altered message is noise
    at the exit, i.e. dropped:

    >>> net = LocalNetwork({"r1": Behaviour(corrupt=1.0)}, rng=random.Random(1))
    >>> alice, bob = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    >>> alice.send(["r1"], "bob", b"hello world")
    >>> net.delivered, net.dropped
    (0, 1)
    >>> Behaviour(drop=1.5)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: drop must be in [0.0, 1.0], got 1.5
    """

    drop: float = 0.0
    corrupt: float = 0.0

    def __post_init__(self) -> None:
        check_real(self.drop, "drop", 0.0, 1.0)
        check_real(self.corrupt, "corrupt", 0.0, 1.0)


@dataclass
class _Block:
    owner: str
    path: tuple[str, ...]


@dataclass
class LocalNetwork:
    """An in-process network of named relays with behaviours.

    ``sphinx=True`` (the default) models the onion layer: a message altered
    by any relay arrives as noise and is dropped at the receiver, exactly
    like a tampered Sphinx body; ``sphinx=False`` lets altered bytes arrive
    (to exercise corruption repair). Delivery is by a queue drained in
    :meth:`run_until_idle`; nothing depends on wall-clock time.

    >>> net = LocalNetwork({"r1": Behaviour(), "r2": Behaviour(drop=1.0)},
    ...                    rng=random.Random(1))
    >>> alice, bob = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    >>> inbox: list[bytes] = []
    >>> bob.on_message = inbox.append
    >>> alice.send(["r1"], "bob", b"via r1")
    >>> alice.send(["r1", "r2"], "bob", b"via r1 and r2")  # r2 drops everything
    >>> inbox  # nothing is delivered before the queue is run
    []
    >>> net.run_until_idle()
    >>> inbox, net.delivered, net.dropped
    ([b'via r1'], 1, 1)
    """

    relays: dict[str, Behaviour]
    rng: random.Random = field(default_factory=random.Random)
    sphinx: bool = True
    payload: int = 1 << 20
    endpoints: dict[str, LocalTransport] = field(default_factory=dict)
    _queue: list[Callable[[], None]] = field(default_factory=list)
    _blocks: dict[bytes, _Block] = field(default_factory=dict)
    idle_hooks: list[Callable[[], None]] = field(default_factory=list)
    delivered: int = 0
    dropped: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.relays, dict):
            raise errors.N3TypeError("relays must be a dict of relay id -> Behaviour")
        for r, b in self.relays.items():
            check_str(r, "a relay id")
            check_type(b, Behaviour, f"relays[{r!r}]")
        check_type(self.rng, random.Random, "rng")
        check_int(self.payload, "payload", 1, 1 << 30)

    def _travel(self, path: Sequence[str], message: bytes) -> bytes | None:
        msg = message
        for r in path:
            b = self.relays.get(r)
            if b is None:
                return None
            if b.drop and self.rng.random() < b.drop:
                return None
            if b.corrupt and self.rng.random() < b.corrupt:
                if self.sphinx:
                    return None  # a tampered onion body is noise at the exit
                buf = bytearray(msg)
                pos = self.rng.randrange(len(buf) // 2, len(buf)) if len(buf) > 1 else 0
                buf[pos] ^= 1 + self.rng.randrange(255)
                msg = bytes(buf)
        return msg

    def _post(self, fn: Callable[[], None]) -> None:
        self._queue.append(fn)

    def run_until_idle(self, limit: int = 10_000_000) -> None:
        """Deliver everything queued, then call idle hooks until quiet."""
        check_int(limit, "limit", 0)
        steps = 0
        while True:
            while self._queue:
                steps += 1
                if steps > limit:
                    raise errors.N3ValueError("local network did not settle")
                self._queue.pop(0)()
            for hook in list(self.idle_hooks):
                hook()
            if not self._queue:
                return


class LocalTransport:
    """An endpoint of a :class:`LocalNetwork`.

    Reply blocks are single use and travel their own path back:

    >>> import asyncio
    >>> net = LocalNetwork({"r1": Behaviour(), "r2": Behaviour()})
    >>> alice, bob = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    >>> replies: list[bytes] = []
    >>> alice.on_reply = lambda block_id, message: replies.append(message)
    >>> block, block_id = alice.reply_block(["r2"])
    >>> bob.on_message = lambda message: bob.reply(block, b"re: " + message)
    >>> alice.send(["r1"], "bob", b"hello")
    >>> asyncio.run(alice.settle(0.0))  # runs the network until idle
    >>> replies
    [b're: hello']
    >>> alice.send(["r1"], "bob", b"again")  # the block is used up
    >>> net.run_until_idle()
    >>> replies
    [b're: hello']
    """

    def __init__(self, network: LocalNetwork, name: str) -> None:
        check_type(network, LocalNetwork, "network")
        check_str(name, "name")
        if name in network.endpoints:
            raise errors.N3ValueError(f"endpoint {name!r} exists")
        self.network = network
        self.name = name
        self.on_message: MessageHandler | None = None
        self.on_reply: ReplyHandler | None = None
        network.endpoints[name] = self

    def relays(self) -> list[str]:
        return sorted(self.network.relays)

    def payload_bytes(self) -> int:
        return self.network.payload

    def reply_block(self, path: Sequence[str]) -> tuple[bytes, bytes]:
        hops = tuple(_names(path, "path"))
        bid = secrets.token_bytes(16)
        self.network._blocks[bid] = _Block(self.name, hops)
        return bid, bid

    def discard_block(self, block_id: bytes) -> None:
        """Forget an unused reply block (it can no longer be answered through)."""
        self.network._blocks.pop(check_bytes(block_id, "block_id"), None)

    def send(self, path: Sequence[str], destination: str, message: bytes) -> None:
        path = _names(path, "path")
        message = check_bytes(message, "message")
        net = self.network
        dest = net.endpoints.get(check_str(destination, "destination"))
        msg = net._travel(path, message)
        if msg is None or dest is None:
            net.dropped += 1
            return
        net.delivered += 1

        def deliver() -> None:
            if dest.on_message is not None:
                dest.on_message(msg)

        net._post(deliver)

    def reply(self, block: bytes, message: bytes) -> None:
        block, message = check_bytes(block, "block"), check_bytes(message, "message")
        net = self.network
        blk = net._blocks.pop(block, None)  # single use
        if blk is None:
            return
        msg = net._travel(blk.path, message)
        owner = net.endpoints.get(blk.owner)
        if msg is None or owner is None:
            net.dropped += 1
            return

        def deliver() -> None:
            if owner.on_reply is not None:
                owner.on_reply(block, msg)

        net._post(deliver)

    async def settle(self, timeout: float) -> None:
        check_real(timeout, "timeout", 0.0)
        self.network.run_until_idle()


# ------------------------------------------------------------------ onion network


class NodeTransport:
    """Verified transfers over real relays: a :class:`~n3crypto.node.Node`
    (this user's listening endpoint, which also receives its own reply
    blocks) and a :class:`~n3crypto.node.Directory`.

    Messages travel as Sphinx packets (``relays… → destination``), replies
    through SURBs (``relays… → this node``). ``peers`` maps endpoint names to
    their receiving descriptors.

    The receiving half, in-process: the node (not started here) hands what
    it delivers to :attr:`on_message`, and replies through this endpoint's
    SURBs to :attr:`on_reply`:

    >>> import asyncio, tempfile
    >>> from n3crypto.node import DirectoryEntry, NodeConfig
    >>> from n3crypto.onion import RelayKey, create_packet, process
    >>> relays = [RelayKey.generate(f"127.{i}.0.1:9000", epoch=0) for i in (1, 2)]
    >>> directory = Directory(0, 0, 3600, tuple(
    ...     DirectoryEntry(f"r{i}", k.address, (k.descriptor,)) for i, k in enumerate(relays)))
    >>> node = Node(NodeConfig(host="127.9.0.1", key_dir=tempfile.mkdtemp()),
    ...             clock=lambda: 60.0)
    >>> _ = node.refresh_keys()  # node.start() does this in real use
    >>> bob = NodeTransport(node, directory, "bob")
    >>> bob.relays(), bob.payload_bytes()
    (['r0', 'r1'], 2030)
    >>> inbox: list[bytes] = []
    >>> bob.on_message = inbox.append
    >>> asyncio.run(node.handle_packet(create_packet([bob.descriptor()], b"a fragment")))
    >>> inbox
    [b'a fragment']
    >>> replies: list[tuple[bytes, bytes]] = []
    >>> bob.on_reply = lambda block_id, message: replies.append((block_id, message))
    >>> surb, surb_id = bob.reply_block(["r0", "r1"])  # rides along with a fragment
    >>> hop, packet = use_surb(Surb.from_bytes(surb), b"ack")  # at the other end
    >>> for key in relays:  # what relays r0 and r1 do
    ...     packet = process(key, packet).packet
    >>> asyncio.run(node.handle_packet(packet))
    >>> replies == [(surb_id, b"ack")]
    True
    >>> node.keys.close()

    Example over running relays (not run as a doctest: nodes listen); the
    directory lists the relays, ``keys`` holds both users' ``UserKey`` s::

        alice_node = Node(NodeConfig(host="127.10.0.1", key_dir="alice"))
        bob_node = Node(NodeConfig(host="127.11.0.1", key_dir="bob"))
        await alice_node.start()
        await bob_node.start()
        ta = NodeTransport(alice_node, directory, "alice")
        tb = NodeTransport(bob_node, directory, "bob")
        ta.peers["bob"] = tb.descriptor()
        Receiver(tb, keys["bob"])
        out = await send_verified(
            data, Recipient("bob", keys["bob"].public), 8, 4, sender=Sender(ta, keys["alice"])
        )
    """

    def __init__(self, node: Node, directory: Directory, name: str) -> None:
        if not isinstance(node, Node) or not isinstance(directory, Directory):
            raise errors.N3TypeError("need a Node and a Directory")
        self.node = node
        self.directory = directory
        self.name = check_str(name, "name")
        self.peers: dict[str, RelayDescriptor] = {}
        self.on_message: MessageHandler | None = None
        self.on_reply: ReplyHandler | None = None
        self.keyring = SurbKeyring()
        self.key_tables = KeyTableCache(max_entries=64)
        node.on_deliver = self._deliver

    def _epoch(self) -> int:
        return self.node.keys.schedule.epoch(self.node.clock())

    def descriptor(self) -> RelayDescriptor:
        """This endpoint's receiving descriptor for the current epoch."""
        e = self._epoch()
        key = self.node.keys.get(e)
        if key is None:
            raise errors.UnavailableError(f"no key for epoch {e}")
        return key.descriptor

    def relays(self) -> list[str]:
        return sorted(e.relay_id for e in self.directory.entries)

    def payload_bytes(self) -> int:
        return message_capacity(self.node.config.body_bytes)

    def _descs(self, path: Sequence[str]) -> list[RelayDescriptor]:
        epoch = self._epoch()
        out: list[RelayDescriptor] = []
        for rid in _names(path, "path"):
            entry = self.directory.get(rid)
            d = None if entry is None else entry.descriptor(epoch)
            if d is None:
                raise errors.UnavailableError(f"relay {rid} has no key for epoch {epoch}")
            out.append(d)
        return out

    def reply_block(self, path: Sequence[str]) -> tuple[bytes, bytes]:
        descs = [*self._descs(path), self.descriptor()]
        surb, secret = create_surb(
            descs, body_bytes=self.node.config.body_bytes, key_tables=self.key_tables
        )
        self.keyring.add(secret)
        return bytes(surb), secret.surb_id

    def discard_block(self, block_id: bytes) -> None:
        """Forget the secret of a SURB no reply is expected through any more."""
        self.keyring.discard(block_id)

    def send(self, path: Sequence[str], destination: str, message: bytes) -> None:
        dest = self.peers.get(check_str(destination, "destination"))
        if dest is None:
            raise errors.N3ValueError(f"unknown destination {destination!r}")
        descs = [*self._descs(path), dest]
        packet = create_packet(
            descs, message, body_bytes=self.node.config.body_bytes, key_tables=self.key_tables
        )
        self.node.send(descs[0].address, packet)

    def reply(self, block: bytes, message: bytes) -> None:
        try:
            surb = Surb.from_bytes(block)
            hop, packet = use_surb(surb, message)
        except errors.N3CryptoError:
            return  # a malformed block from the sender: nothing to answer through
        self.node.send(hop, packet)

    def _deliver(self, delivered: Deliver) -> None:
        if delivered.is_reply:
            try:
                msg = self.keyring.open(delivered)  # opens once, then forgets the SURB
            except errors.PacketError:
                self.node.stats["reply_unopened"] += 1
                return
            if self.on_reply is not None and delivered.surb_id is not None:
                self.on_reply(delivered.surb_id, msg)
            return
        if self.on_message is not None:
            self.on_message(delivered.payload)

    async def settle(self, timeout: float) -> None:
        await asyncio.sleep(check_real(timeout, "timeout", 0.0))
