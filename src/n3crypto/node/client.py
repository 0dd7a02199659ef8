"""The client: sends messages over selected paths, gets acknowledgments and
replies back through single-use reply blocks, reroutes around failures.

A client is a :class:`~n3crypto.node.relay.Node` (it listens, so it can be
the last hop of its own SURB paths and of other clients' messages) plus:

* **messages** inside Sphinx payloads: ``DATA`` = ``0x01 ‖ msg id (16) ‖
  flags (1) ‖ [ack SURB] ‖ [reply SURB] ‖ data`` (each SURB as
  ``u16 length ‖ onion-surb``), ``ACK`` = ``0x02 ‖ msg id``, ``REPLY`` =
  ``0x03 ‖ msg id ‖ data``;
* **end-to-end acknowledgments**: every message carries a SURB for its ack;
  with no ack within ``ack_timeout`` the client resends over a new path
  that avoids the relays of the failed attempts (for this message only),
  at most ``max_attempts`` times;
* **exactly-once delivery** to the application: receivers remember message
  ids (bounded) and acknowledge duplicates without delivering them again;
* **suspicion** with expiry: the client counts, per relay, the attempts it
  was on that succeeded and that failed, with evidence fading by half every
  ``memory`` seconds; a relay with at least ``suspicion_threshold`` recent
  failures and a recent failure share of at least ``suspicion_ratio`` — or
  one the client itself cannot connect to — is avoided for ``failure_ttl``
  seconds, then starts afresh. An honest relay that shares
  paths with a dropping one still sees successes on other paths, so it is
  not suspected with it (docs/onion.md on why this stays bounded).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections import Counter, OrderedDict
from dataclasses import dataclass, field

from n3crypto import errors
from n3crypto._check import check_int, check_real, check_type
from n3crypto.node.directory import Directory, DirectoryEntry
from n3crypto.node.paths import PathSelector
from n3crypto.node.relay import Node
from n3crypto.onion import (
    Deliver,
    KeyTableCache,
    RelayDescriptor,
    Surb,
    SurbKeyring,
    SurbSecret,
    create_packet,
    create_surb,
    message_capacity,
    use_surb,
)
from n3crypto.onion._rand import random_bytes

__all__ = ["Client", "Received", "SendReport"]

log = logging.getLogger("n3crypto.node.client")

_DATA, _ACK, _REPLY = 1, 2, 3
_HAS_ACK, _HAS_REPLY = 1, 2
MSG_ID_BYTES = 16


@dataclass(frozen=True, slots=True)
class Received:
    """A message delivered to this client (once per message id)."""

    msg_id: bytes
    data: bytes
    reply_surb: Surb | None = None

    def __repr__(self) -> str:
        return f"Received(msg_id={self.msg_id.hex()}, data=<{len(self.data)} bytes>)"


@dataclass(slots=True)
class SendReport:
    """How a message got through."""

    msg_id: bytes
    attempts: int
    paths: list[list[str]] = field(default_factory=list)
    reply: bytes | None = None


class Client:
    """Send and receive over the onion network; see the module docstring.

    Example (the client's node listens and the relays are processes, so it
    is not run as a doctest)::

        tmp = tempfile.mkdtemp()
        relays = spawn_relays(3, tmp)  # r0, r1, r2 on 127.1.0.1 … 127.3.0.1
        now = time.time()
        directory = Directory(0, now - 60, now + 3600, tuple(r.entry() for r in relays))

        async def chat() -> None:
            a = Node(NodeConfig(host="127.10.0.1", key_dir=f"{tmp}/alice"))
            b = Node(NodeConfig(host="127.11.0.1", key_dir=f"{tmp}/bob"))
            await a.start()
            await b.start()
            alice, bob = Client(a, directory), Client(b, directory)

            async def answer() -> None:
                got = await bob.inbox.get()  # a Received, once per message id
                await bob.reply(got, b"hi alice")

            task = asyncio.create_task(answer())
            report = await alice.send(bob.descriptor(), b"hi bob", want_reply=True)
            await task
            print(report.attempts, report.paths, report.reply)
            # e.g. 1 [['r1', 'r0', 'r2']] b'hi alice'
            await a.stop()
            await b.stop()

        asyncio.run(chat())
        stop_relays(relays)
    """

    def __init__(
        self,
        node: Node,
        directory: Directory,
        *,
        hops: int = 3,
        ack_timeout: float = 2.0,
        max_attempts: int = 5,
        suspicion_threshold: int = 3,
        suspicion_ratio: float = 0.8,
        memory: float | None = None,
        failure_ttl: float = 60.0,
        rng: random.Random | None = None,
        cap: float = 0.1,
        max_seen: int = 100_000,
    ) -> None:
        check_type(node, Node, "node")
        for v, what in (
            (hops, "hops"),
            (max_attempts, "max_attempts"),
            (suspicion_threshold, "suspicion_threshold"),
            (max_seen, "max_seen"),
        ):
            check_int(v, what)
        for r, what in (
            (ack_timeout, "ack_timeout"),
            (suspicion_ratio, "suspicion_ratio"),
            (failure_ttl, "failure_ttl"),
        ):
            check_real(r, what, 0.0)
        if memory is not None:
            check_real(memory, "memory", 0.0)
        if hops < 1 or max_attempts < 1:
            raise errors.N3ValueError("hops and max_attempts must be positive")
        self.node = node
        self.hops = hops
        self.ack_timeout = ack_timeout
        self.max_attempts = max_attempts
        self.suspicion_threshold = suspicion_threshold
        self.suspicion_ratio = suspicion_ratio
        self.memory = memory if memory is not None else 10.0 * ack_timeout
        self.failure_ttl = failure_ttl
        self._rng = rng
        self._cap = cap
        self.selector = PathSelector(directory, rng=rng, cap=cap)
        self.directory = directory
        self.keyring = SurbKeyring()
        #: fixed-base tables of the relays this client routes through most
        self.key_tables = KeyTableCache(max_entries=64)
        self.inbox: asyncio.Queue[Received] = asyncio.Queue()
        self.stats: Counter[str] = Counter()
        self._evidence: dict[str, tuple[float, float, float]] = {}  # good, bad, when
        self._suspect_until: dict[str, float] = {}
        self._acks: dict[bytes, asyncio.Future[None]] = {}
        self._replies: dict[bytes, asyncio.Future[bytes]] = {}
        self._seen: OrderedDict[bytes, None] = OrderedDict()
        self._max_seen = max_seen
        node.on_deliver = self._on_deliver
        node.on_link_failure = self._on_link_failure

    def update_directory(self, directory: Directory) -> None:
        """Route by a newer (verified) directory from now on."""
        self.selector = PathSelector(directory, rng=self._rng, cap=self._cap)
        self.directory = directory

    # -- bookkeeping ------------------------------------------------------------
    @property
    def address(self) -> str:
        return self.node.address

    def descriptor(self, epoch: int | None = None) -> RelayDescriptor:
        """This client's receiving key (give it to whoever should message you)."""
        e = self.epoch() if epoch is None else check_int(epoch, "epoch", 0)
        key = self.node.keys.get(e)
        if key is None:
            raise errors.UnavailableError(f"no key for epoch {e}")
        return key.descriptor

    def epoch(self) -> int:
        return self.node.keys.schedule.epoch(self.node.clock())

    def suspected(self) -> set[str]:
        """Relays avoided right now (their expiry has not passed)."""
        now = self.node.monotonic()
        for rid in [r for r, t in self._suspect_until.items() if t <= now]:
            del self._suspect_until[rid]
            self._evidence.pop(rid, None)
        return set(self._suspect_until)

    def evidence(self, relay_id: str) -> tuple[float, float]:
        """(recent successes, recent failures) of attempts through ``relay_id``."""
        if not isinstance(relay_id, str):
            raise errors.N3TypeError(f"relay_id must be a str, not {type(relay_id).__name__}")
        good, bad, when = self._evidence.get(relay_id, (0.0, 0.0, self.node.monotonic()))
        fade = 0.5 ** (max(0.0, self.node.monotonic() - when) / self.memory)
        return good * fade, bad * fade

    def _record(self, relay_id: str, ok: bool) -> None:
        good, bad = self.evidence(relay_id)
        if ok:
            good += 1.0
        else:
            bad += 1.0
        self._evidence[relay_id] = (good, bad, self.node.monotonic())
        if (
            not ok
            and bad >= self.suspicion_threshold
            and bad >= self.suspicion_ratio * (good + bad)
        ):
            self._suspect_until[relay_id] = self.node.monotonic() + self.failure_ttl

    def _on_link_failure(self, address: str) -> None:
        entry = self.directory.by_address(address)
        if entry is not None:
            self.stats["link_failures"] += 1
            self._suspect_until[entry.relay_id] = self.node.monotonic() + self.failure_ttl

    # -- sending ------------------------------------------------------------------
    def _surb(
        self, epoch: int, suspects: set[str], avoid: set[str]
    ) -> tuple[Surb, SurbSecret, list[str]]:
        path = self.selector.select(
            self.hops, epoch=epoch, destination=self.address, avoid=suspects, also_avoid=avoid
        )
        descs = [_desc(e, epoch) for e in path] + [self.descriptor(epoch)]
        surb, secret = create_surb(
            descs, body_bytes=self.node.config.body_bytes, key_tables=self.key_tables
        )
        self.keyring.add(secret)
        return surb, secret, [e.relay_id for e in path]

    async def send(
        self,
        destination: RelayDescriptor,
        data: bytes,
        *,
        path: list[DirectoryEntry] | None = None,
        want_reply: bool = False,
        reply_timeout: float | None = None,
    ) -> SendReport:
        """Deliver ``data`` to ``destination`` (exactly once, acknowledged).

        With ``path`` the first attempt uses it; retries select new paths.
        With ``want_reply`` the call also waits for the receiver's
        :meth:`reply` and returns it in :attr:`SendReport.reply`. Raises
        UnavailableError when every attempt failed.
        """
        if not isinstance(destination, RelayDescriptor):
            raise errors.N3TypeError("destination must be a RelayDescriptor")
        msg_id = random_bytes(MSG_ID_BYTES)
        loop = asyncio.get_running_loop()
        ack: asyncio.Future[None] = loop.create_future()
        self._acks[msg_id] = ack
        reply_fut: asyncio.Future[bytes] | None = None
        secrets: list[SurbSecret] = []
        report = SendReport(msg_id, 0)
        avoid: set[str] = set()
        try:
            for attempt in range(self.max_attempts):
                epoch = self.epoch()
                suspects = self.suspected()
                if attempt == 0 and path is not None:
                    fwd = list(path)
                else:
                    fwd = self.selector.select(
                        self.hops,
                        epoch=epoch,
                        destination=destination.address,
                        avoid=suspects,
                        also_avoid=avoid,
                    )
                surb, secret, ack_ids = self._surb(epoch, suspects, avoid)
                secrets.append(secret)
                flags = _HAS_ACK
                parts = [_blob(surb)]
                if want_reply:
                    rsurb, rsecret, _ = self._surb(epoch, suspects, avoid)
                    secrets.append(rsecret)
                    flags |= _HAS_REPLY
                    parts.append(_blob(rsurb))
                    if reply_fut is None:
                        reply_fut = loop.create_future()
                        self._replies[msg_id] = reply_fut
                frame = bytes([_DATA]) + msg_id + bytes([flags]) + b"".join(parts) + data
                cap = message_capacity(self.node.config.body_bytes)
                if len(frame) > cap:
                    room = cap - len(frame) + len(data)
                    raise errors.N3ValueError(f"message of {len(data)} bytes; room for {room}")
                descs = [_desc(e, epoch) for e in fwd] + [destination]
                packet = create_packet(
                    descs, frame, body_bytes=self.node.config.body_bytes, key_tables=self.key_tables
                )
                ids = [e.relay_id for e in fwd]
                report.attempts = attempt + 1
                report.paths.append(ids)
                self.stats["attempts"] += 1
                if self.node.send(fwd[0].address, packet):
                    with contextlib.suppress(asyncio.TimeoutError):
                        await asyncio.wait_for(asyncio.shield(ack), self.ack_timeout)
                if ack.done():
                    for rid in ids + ack_ids:
                        self._record(rid, True)
                    self.stats["acked"] += 1
                    if reply_fut is not None:
                        report.reply = await asyncio.wait_for(
                            reply_fut, reply_timeout or self.ack_timeout * self.max_attempts
                        )
                    return report
                self.stats["retries"] += 1
                for rid in ids + ack_ids:
                    self._record(rid, False)
                avoid.update(ids + ack_ids)
            self.stats["failed"] += 1
            raise errors.UnavailableError(f"no acknowledgment after {self.max_attempts} attempts")
        finally:
            self._acks.pop(msg_id, None)
            self._replies.pop(msg_id, None)
            for s in secrets:
                self.keyring.discard(s.surb_id)

    async def reply(self, received: Received, data: bytes) -> None:
        """Answer a message sent with ``want_reply`` through its reply SURB."""
        if received.reply_surb is None:
            raise errors.N3ValueError("this message asked for no reply")
        hop, packet = use_surb(received.reply_surb, bytes([_REPLY]) + received.msg_id + data)
        self.node.send(hop, packet)

    # -- receiving ----------------------------------------------------------------
    def _on_deliver(self, delivered: Deliver) -> None:
        if delivered.is_reply:
            try:
                frame = self.keyring.open(delivered)
            except errors.PacketError:
                self.stats["reply_unopened"] += 1
                return
            kind, msg_id = frame[:1], frame[1 : 1 + MSG_ID_BYTES]
            if kind == bytes([_ACK]):
                fut = self._acks.get(msg_id)
                if fut is not None and not fut.done():
                    fut.set_result(None)
            elif kind == bytes([_REPLY]):
                rfut = self._replies.get(msg_id)
                if rfut is not None and not rfut.done():
                    rfut.set_result(frame[1 + MSG_ID_BYTES :])
            return
        try:
            msg = _parse_data(delivered.payload)
        except errors.N3CryptoError:
            self.stats["bad_message"] += 1
            return
        ack_surb, received = msg
        if received.msg_id in self._seen:
            self.stats["duplicates"] += 1
        else:
            self._seen[received.msg_id] = None
            if len(self._seen) > self._max_seen:
                self._seen.popitem(last=False)
            self.stats["received"] += 1
            self.inbox.put_nowait(received)
        if ack_surb is not None:
            hop, packet = use_surb(ack_surb, bytes([_ACK]) + received.msg_id)
            self.node.send(hop, packet)


def _desc(entry: DirectoryEntry, epoch: int) -> RelayDescriptor:
    d = entry.descriptor(epoch)
    if d is None:
        raise errors.UnavailableError(f"relay {entry.relay_id} has no key for epoch {epoch}")
    return d


def _blob(surb: Surb) -> bytes:
    raw = bytes(surb)
    return len(raw).to_bytes(2, "big") + raw


def _parse_data(payload: bytes) -> tuple[Surb | None, Received]:
    if len(payload) < 2 + MSG_ID_BYTES or payload[0] != _DATA:
        raise errors.InvalidEncoding("not a DATA message")
    msg_id = payload[1 : 1 + MSG_ID_BYTES]
    flags = payload[1 + MSG_ID_BYTES]
    off = 2 + MSG_ID_BYTES
    surbs: list[Surb | None] = []
    for bit in (_HAS_ACK, _HAS_REPLY):
        if flags & bit:
            if len(payload) < off + 2:
                raise errors.InvalidEncoding("truncated SURB")
            n = int.from_bytes(payload[off : off + 2], "big")
            surbs.append(Surb.from_bytes(payload[off + 2 : off + 2 + n]))
            off += 2 + n
        else:
            surbs.append(None)
    return surbs[0], Received(msg_id, payload[off:], surbs[1])
