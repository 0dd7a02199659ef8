"""Sending and receiving verified transfers over a transport.

:func:`send_verified` seals, sends shard ``i`` over path ``i`` with a reply
block riding along, waits for the receiver's acknowledgement, turns it into
blame (only the sender knows the paths) and retries over fresh paths when
the transfer could not be repaired. A :class:`Receiver` collects fragments
into :class:`~n3crypto.verification.protocol.ReceiveSession` s, repairs and
opens transfers, and acknowledges each through up to ``ack_copies`` of the
reply blocks it was given (each on its own return path).
"""

from __future__ import annotations

import asyncio
import dataclasses
import random
import time
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from n3crypto import errors
from n3crypto._check import (
    check_bytes,
    check_callable,
    check_int,
    check_iterable,
    check_real,
    check_str,
    check_type,
)
from n3crypto.signcryption import PublicKey, UserKey
from n3crypto.verification.blame import BlameLedger
from n3crypto.verification.protocol import (
    FRAGMENT_OVERHEAD,
    Ack,
    ReceiveSession,
    TransferFailed,
    TransferReport,
    _check_km,
    decode_ack,
    encode_ack,
    parse_fragment,
    seal,
)
from n3crypto.verification.transport import LocalTransport, Transport, spread_paths

__all__ = ["Attempt", "Receiver", "Recipient", "Sender", "TransferOutcome", "send_verified"]


@dataclass(frozen=True, slots=True)
class Recipient:
    """Where a transfer goes: the transport endpoint name and the CLSC key.

    >>> from n3crypto.verification.sim import make_users
    >>> bob = make_users(["bob"])["bob"]
    >>> Recipient("bob", bob.public).address
    'bob'
    >>> Recipient("bob", bob)  # the public key, not the user's secret key
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3TypeError: recipient public key must be a PublicKey, not UserKey
    """

    address: str
    public: PublicKey

    def __post_init__(self) -> None:
        check_str(self.address, "recipient address")
        if not self.address:
            raise errors.N3ValueError("recipient address must not be empty")
        check_type(self.public, PublicKey, "recipient public key")


_TRANSPORT_METHODS = (
    "relays",
    "payload_bytes",
    "reply_block",
    "send",
    "reply",
    "discard_block",
    "settle",
)


def _check_transport(transport: object) -> Transport:
    missing = [m for m in _TRANSPORT_METHODS if not callable(getattr(transport, m, None))]
    if missing:
        raise errors.N3TypeError(
            f"transport must provide {', '.join(_TRANSPORT_METHODS)} "
            f"({type(transport).__name__} lacks {', '.join(missing)})"
        )
    return transport  # type: ignore[return-value]


def _check_key(key: object) -> UserKey:
    return check_type(key, UserKey, "key")


@dataclass
class Attempt:
    """One try: its transfer id, the shard paths, the reply-block paths and
    what came back (``ack`` is None when no acknowledgement arrived)."""

    transfer_id: bytes
    paths: list[list[str]]
    reply_paths: list[list[str]]
    ack: Ack | None = None
    copies_arrived: tuple[int, ...] = ()
    seconds: float = 0.0

    @property
    def failed_paths(self) -> list[int]:
        """Indices of shard paths named missing or corrupted by the receiver."""
        if self.ack is None:
            return []
        return sorted(set(self.ack.missing) | set(self.ack.corrupted))


@dataclass
class TransferOutcome:
    """The sender's view of a verified transfer."""

    size: int
    k: int
    m: int
    attempts: list[Attempt] = field(default_factory=list)
    intact: bool = False

    @property
    def retries(self) -> int:
        return max(0, len(self.attempts) - 1)

    @property
    def transfer_id(self) -> bytes:
        return self.attempts[-1].transfer_id

    @property
    def receipt(self) -> bytes | None:
        """The receiver's receipt (a MAC only it could make) if intact."""
        last = self.attempts[-1].ack if self.attempts else None
        return last.receipt if (last is not None and last.intact) else None

    @property
    def implicated(self) -> list[list[str]]:
        """Every path (over all attempts) that lost or altered its shard, or
        whose reply block did not bring the acknowledgement back."""
        out: list[list[str]] = []
        for a in self.attempts:
            out.extend(a.paths[i] for i in a.failed_paths)
            if a.ack is not None:
                out.extend(a.reply_paths[c] for c in a.ack.copies if c not in a.copies_arrived)
        return out

    @property
    def missing(self) -> tuple[int, ...]:
        ack = self.attempts[-1].ack if self.attempts else None
        return ack.missing if ack else ()

    @property
    def corrupted(self) -> tuple[int, ...]:
        ack = self.attempts[-1].ack if self.attempts else None
        return ack.corrupted if ack else ()


@dataclass
class _Pending:
    key: bytes
    blocks: dict[bytes, int]
    acks: dict[int, Ack] = field(default_factory=dict)
    event: asyncio.Event = field(default_factory=asyncio.Event)
    bad: int = 0


class Sender:
    """A user's sending side on one transport: owns ``transport.on_reply``.

    Each :meth:`send` returns a :class:`TransferOutcome` or raises
    :class:`~n3crypto.verification.protocol.TransferFailed` (whose
    ``outcome`` holds every attempt); ``on_attempt`` sees each attempt as it
    ends. Here every relay loses everything:

    >>> import asyncio, random
    >>> from n3crypto.verification import Behaviour, LocalNetwork, LocalTransport
    >>> from n3crypto.verification.sim import make_users
    >>> keys = make_users(["alice", "bob"])
    >>> net = LocalNetwork({f"r{i}": Behaviour(drop=1.0) for i in range(3)})
    >>> alice, bob = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    >>> _ = Receiver(bob, keys["bob"])
    >>> sender = Sender(alice, keys["alice"])
    >>> attempts: list[Attempt] = []
    >>> asyncio.run(sender.send(b"hi", Recipient("bob", keys["bob"].public), 2, 1, hops=1,
    ...                         max_attempts=2, on_attempt=attempts.append))
    Traceback (most recent call last):
    ...
    n3crypto.verification.protocol.TransferFailed: transfer not delivered intact after 2 attempts
    >>> len(attempts), [a.ack for a in attempts]  # no acknowledgement came back
    (2, [None, None])
    """

    def __init__(self, transport: Transport, key: UserKey) -> None:
        self.transport = _check_transport(transport)
        self.key = _check_key(key)
        self._pending: dict[bytes, _Pending] = {}
        self._by_block: dict[bytes, bytes] = {}
        transport.on_reply = self._on_reply

    def _on_reply(self, block: bytes, message: bytes) -> None:
        tid = self._by_block.pop(block, None)
        p = self._pending.get(tid) if tid is not None else None
        if p is None:
            return
        try:
            ack = decode_ack(message, p.key)
        except errors.N3CryptoError:
            p.bad += 1
            return
        if ack.transfer_id != tid:
            p.bad += 1
            return
        p.acks[p.blocks[block]] = ack
        p.event.set()

    async def send(
        self,
        data: bytes,
        recipient: Recipient,
        k: int,
        m: int,
        *,
        hops: int = 3,
        ledger: BlameLedger | None = None,
        rng: random.Random | None = None,
        max_attempts: int = 3,
        ack_timeout: float = 5.0,
        ack_grace: float = 0.2,
        reply_blocks: int = 4,
        avoid: Sequence[str] = (),
        weights: dict[str, float] | None = None,
        on_attempt: Callable[[Attempt], None] | None = None,
    ) -> TransferOutcome:
        """See :func:`send_verified`."""
        data = check_bytes(data, "data")
        check_type(recipient, Recipient, "recipient")
        _check_km(k, m)
        check_int(hops, "hops", 1, 64)
        check_int(max_attempts, "max_attempts", 1, 1000)
        check_int(reply_blocks, "reply_blocks", 1, 255)
        check_real(ack_timeout, "ack_timeout", 0.0, 86400.0)
        check_real(ack_grace, "ack_grace", 0.0, 86400.0)
        if ledger is not None:
            check_type(ledger, BlameLedger, "ledger")
        if rng is not None:
            check_type(rng, random.Random, "rng")
        avoid = [check_str(r, "avoid entry") for r in check_iterable(avoid, "avoid")]
        if weights is not None and not isinstance(weights, dict):
            raise errors.N3TypeError(f"weights must be a dict, not {type(weights).__name__}")
        if on_attempt is not None:
            check_callable(on_attempt, "on_attempt")
        rng = rng if rng is not None else random.SystemRandom()
        t = self.transport
        instant = isinstance(t, LocalTransport)
        outcome = TransferOutcome(len(data), k, m)
        shun = set(avoid)
        suspect: set[str] = set()
        cleared: set[str] = set()
        reporter = recipient.address
        for _ in range(max_attempts):
            t0 = time.perf_counter()
            black = set(ledger.blacklisted() if ledger is not None else ())
            relays_now = t.relays()
            # Too much avoided for one path: give up this transfer's suspects
            # first, then the caller's avoid list; the blacklist always holds.
            for banned in (shun | black, set(avoid) | black, black):
                if sum(r not in banned for r in relays_now) >= hops:
                    break
            n = k + m
            paths = spread_paths(t.relays(), n, hops, rng, avoid=banned, weights=weights)
            nblocks = min(reply_blocks, n)
            rpaths = spread_paths(t.relays(), nblocks, hops, rng, avoid=banned, weights=weights)
            blocks = [t.reply_block(p) for p in rpaths]
            room = t.payload_bytes() - FRAGMENT_OVERHEAD - max(len(b) for b, _ in blocks)
            if room < 1:
                raise errors.N3ValueError("transport payload too small for a fragment")
            sealed = seal(self.key, recipient.public, data, k, m, fragment_bytes=room)
            tid = sealed.transfer_id
            pend = _Pending(sealed.key, {bid: j for j, (_, bid) in enumerate(blocks)})
            self._pending[tid] = pend
            for _, bid in blocks:
                self._by_block[bid] = tid
            # reply block j rides with shard j·n/nblocks: spread over the shards
            carriers = {(j * n) // nblocks: blocks[j][0] for j in range(nblocks)}
            attempt = Attempt(tid, paths, rpaths)
            try:
                for i in range(n):
                    for frag in sealed.shard_fragments(i, carriers.get(i, b"")):
                        t.send(paths[i], recipient.address, frag)
                await t.settle(0.0)
                if not pend.event.is_set() and not instant:
                    try:
                        await asyncio.wait_for(pend.event.wait(), ack_timeout)
                    except TimeoutError:
                        pass
                if pend.acks:
                    first = _with_copy_blocks(next(iter(pend.acks.values())), nblocks, n)
                    want = set(first.copies)
                    if not instant and not want <= set(pend.acks):
                        deadline = time.monotonic() + ack_grace
                        while not want <= set(pend.acks) and time.monotonic() < deadline:
                            pend.event.clear()
                            try:
                                await asyncio.wait_for(
                                    pend.event.wait(), max(0.0, deadline - time.monotonic())
                                )
                            except TimeoutError:
                                break
                    attempt.ack = first
                    attempt.copies_arrived = tuple(sorted(pend.acks))
            finally:
                self._pending.pop(tid, None)
                for _, bid in blocks:
                    self._by_block.pop(bid, None)
                    t.discard_block(bid)
            attempt.seconds = time.perf_counter() - t0
            outcome.attempts.append(attempt)
            # A failure the named damage cannot explain (intact ⟺ f + 2e ≤ m,
            # so f + 2e ≤ m with a failure means unnamed damage: altered bytes
            # the receiver could not locate, possible without the onion
            # layer's integrity) says nothing about the unnamed data paths:
            # only the named ones are booked (failed), no other is clean
            # evidence, and none of their relays is cleared for the retry.
            unlocated = False
            if attempt.ack is not None and not attempt.ack.intact:
                named = len(attempt.ack.missing) + 2 * len(attempt.ack.corrupted)
                unlocated = named <= m
            if ledger is not None and attempt.ack is not None:
                if unlocated:
                    obs_paths = [paths[i] for i in attempt.failed_paths]
                    obs_failed = list(range(len(obs_paths)))
                else:
                    obs_paths = list(paths)
                    obs_failed = list(attempt.failed_paths)
                for c in attempt.ack.copies:
                    if c not in attempt.copies_arrived:
                        obs_failed.append(len(obs_paths))
                    obs_paths.append(rpaths[c])
                if obs_paths:
                    ledger.record(tid, obs_paths, obs_failed, reporter)
            if on_attempt is not None:
                on_attempt(attempt)
            if attempt.ack is not None and attempt.ack.intact:
                outcome.intact = True
                return outcome
            # fresh paths: avoid relays seen only on failed paths of this transfer
            if attempt.ack is not None:
                bad_idx = set(range(len(paths))) if unlocated else set(attempt.failed_paths)
                for i, p in enumerate(paths):
                    (suspect if i in bad_idx else cleared).update(p)
                for c in attempt.ack.copies:
                    if c in attempt.copies_arrived:
                        cleared.update(rpaths[c])
            else:  # nothing came back: the data or every reply path was lost
                for p in rpaths:
                    suspect.update(p)
            shun = set(avoid) | (suspect - cleared)
        exc = TransferFailed(
            f"transfer not delivered intact after {max_attempts} attempts",
            None,
        )
        exc.outcome = outcome
        raise exc


def _with_copy_blocks(ack: Ack, nblocks: int, n: int) -> Ack:
    """The receiver names the *shards* whose reply blocks it used; map them
    to reply-block numbers (block j rode with shard j·n/nblocks)."""
    shard_to_block = {(j * n) // nblocks: j for j in range(nblocks)}
    copies = tuple(sorted(shard_to_block[s] for s in ack.copies if s in shard_to_block))
    return dataclasses.replace(ack, copies=copies)


async def send_verified(
    data: bytes,
    recipient: Recipient,
    k: int,
    m: int,
    *,
    sender: Sender,
    hops: int = 3,
    ledger: BlameLedger | None = None,
    rng: random.Random | None = None,
    max_attempts: int = 3,
    ack_timeout: float = 5.0,
    ack_grace: float = 0.2,
    reply_blocks: int = 4,
    avoid: Sequence[str] = (),
    weights: dict[str, float] | None = None,
    on_attempt: Callable[[Attempt], None] | None = None,
) -> TransferOutcome:
    """Send ``data`` to ``recipient`` as ``k + m`` shards over ``k + m`` paths
    of ``hops`` relays, through ``sender`` (a :class:`Sender` on a transport).

    Returns the :class:`TransferOutcome` once the receiver acknowledged an
    intact transfer (``retries`` counts the extra attempts); raises
    :class:`~n3crypto.verification.protocol.TransferFailed` (its ``outcome``
    holds every attempt) when ``max_attempts`` attempts could not be
    repaired or were not acknowledged within ``ack_timeout`` seconds.
    ``ledger`` records the blame; ``avoid`` names relays not to use (e.g. the
    board's blacklist); ``weights`` bias the choice among equally used
    relays; ``reply_blocks`` SURBs ride along, and acknowledgement copies
    arriving within ``ack_grace`` of the first clear their return paths;
    ``on_attempt`` sees every attempt. ``rng`` chooses paths (default: the
    OS's randomness).

    Over an in-process network where relay ``r0`` loses everything it
    carries; six shards, any four of which rebuild the data:

    >>> import asyncio, random
    >>> from n3crypto.verification import BlameLedger, Behaviour, LocalNetwork, LocalTransport
    >>> from n3crypto.verification.sim import make_users
    >>> keys = make_users(["alice", "bob"])
    >>> relays = {f"r{i}": Behaviour() for i in range(6)}
    >>> relays["r0"] = Behaviour(drop=1.0)
    >>> net = LocalNetwork(relays, rng=random.Random(1))
    >>> alice, bob = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    >>> receiver = Receiver(bob, keys["bob"])
    >>> ledger = BlameLedger()
    >>> out = asyncio.run(send_verified(
    ...     b"hello bob" * 100, Recipient("bob", keys["bob"].public), 4, 2,
    ...     sender=Sender(alice, keys["alice"]), hops=2, ledger=ledger, rng=random.Random(2)))
    >>> out.intact, out.retries, out.receipt is not None
    (True, 0, True)
    >>> all("r0" in path for path in out.implicated)  # blame lands on r0's paths
    True
    >>> data, report = receiver.delivered[0]
    >>> data == b"hello bob" * 100, report.sender, report.missing == out.missing
    (True, 'alice', True)
    >>> ledger.observations  # six shard paths and two return paths, for the ledger
    8
    """
    check_type(sender, Sender, "sender")
    return await sender.send(
        data,
        recipient,
        k,
        m,
        hops=hops,
        ledger=ledger,
        rng=rng,
        max_attempts=max_attempts,
        ack_timeout=ack_timeout,
        ack_grace=ack_grace,
        reply_blocks=reply_blocks,
        avoid=avoid,
        weights=weights,
        on_attempt=on_attempt,
    )


class Receiver:
    """A user's receiving side on one transport: owns ``transport.on_message``.

    Transfers complete when every fragment arrived, or ``linger`` seconds
    after the first one (real networks), or when an in-process network goes
    idle. Each is acknowledged through up to ``ack_copies`` reply blocks;
    ``on_transfer(data_or_None, report)`` is called for every transfer,
    repaired or not, and intact ones are kept in :attr:`delivered`.

    Here relay ``r3`` alters what it forwards (``sphinx=False`` lets the
    altered bytes arrive); the receiver locates the corrupt shard, repairs
    it and says so:

    >>> import asyncio, random
    >>> from n3crypto.verification import Behaviour, LocalNetwork, LocalTransport
    >>> from n3crypto.verification.sim import make_users
    >>> keys = make_users(["alice", "bob"])
    >>> relays = {"r0": Behaviour(), "r1": Behaviour(), "r2": Behaviour(),
    ...           "r3": Behaviour(corrupt=1.0)}
    >>> net = LocalNetwork(relays, rng=random.Random(4), sphinx=False)
    >>> alice, bob = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    >>> seen = []
    >>> receiver = Receiver(bob, keys["bob"], on_transfer=lambda data, report:
    ...                     seen.append((data, report.corrupted, report.missing)))
    >>> out = asyncio.run(Sender(alice, keys["alice"]).send(
    ...     b"abc" * 300, Recipient("bob", keys["bob"].public), 4, 2, hops=1,
    ...     rng=random.Random(1)))
    >>> seen == [(b"abc" * 300, out.corrupted, ())], ["r3"] in out.implicated
    (True, True)
    >>> receiver.stats
    {'late': 0, 'bad': 0, 'failed': 0, 'intact': 1}
    """

    def __init__(
        self,
        transport: Transport,
        key: UserKey,
        *,
        linger: float = 1.0,
        ack_copies: int = 2,
        on_transfer: Callable[[bytes | None, TransferReport], None] | None = None,
        issuer: Callable[[TransferReport], bytes] | None = None,
        keep: int = 1000,
        max_open: int = 4096,
    ) -> None:
        self.transport = _check_transport(transport)
        self.key = _check_key(key)
        self.linger = check_real(linger, "linger", 0.0, 86400.0)
        self.ack_copies = check_int(ack_copies, "ack_copies", 0, 255)
        if on_transfer is not None:
            check_callable(on_transfer, "on_transfer")
        if issuer is not None:
            check_callable(issuer, "issuer")
        check_int(keep, "keep", 1, 1 << 24)
        check_int(max_open, "max_open", 1, 1 << 24)
        self.on_transfer = on_transfer
        self.issuer = issuer
        self.delivered: list[tuple[bytes, TransferReport]] = []
        self.reports: list[TransferReport] = []
        self._open: dict[bytes, ReceiveSession] = {}
        self._done: OrderedDict[bytes, None] = OrderedDict()
        self._keep = keep
        self._max_open = max_open
        self.stats: dict[str, int] = {"late": 0, "bad": 0, "failed": 0, "intact": 0}
        transport.on_message = self._on_message
        if isinstance(transport, LocalTransport):
            transport.network.idle_hooks.append(self.flush)

    def _on_message(self, message: bytes) -> None:
        try:
            f = parse_fragment(message)
        except errors.PacketError:
            self.stats["bad"] += 1
            return
        if f.transfer_id in self._done:
            self.stats["late"] += 1
            return
        s = self._open.get(f.transfer_id)
        if s is None:
            if len(self._open) >= self._max_open:
                self.stats["bad"] += 1
                return
            s = self._open[f.transfer_id] = ReceiveSession(self.key)
            if not isinstance(self.transport, LocalTransport):
                loop = asyncio.get_running_loop()
                loop.call_later(self.linger, self._finish, f.transfer_id)
        s.add(f)
        if s.complete:
            self._finish(f.transfer_id)

    def flush(self) -> None:
        """Finish every open transfer now (nothing more will arrive)."""
        for tid in list(self._open):
            self._finish(tid)

    def _finish(self, tid: bytes) -> None:
        s = self._open.pop(tid, None)
        if s is None:
            return
        self._done[tid] = None
        while len(self._done) > self._keep:
            self._done.popitem(last=False)
        data: bytes | None
        try:
            data, report = s.finish()
            self.stats["intact"] += 1
        except TransferFailed as exc:
            data = None
            if exc.report is None:  # pragma: no cover - finish() always attaches one
                raise
            report = exc.report
            self.stats["failed"] += 1
        bad = set(report.repaired)
        usable = [i for i in sorted(s.surbs) if i not in bad]
        usable += [i for i in sorted(s.surbs) if i in bad]  # last resort
        copies = usable[: self.ack_copies]
        token = self.issuer(report) if (self.issuer is not None and report.intact) else b""
        ack = encode_ack(report, copies, s.key if report.intact else None, token)
        for i in copies:
            self.transport.reply(s.surbs[i], ack)
        self.reports.append(report)
        if data is not None:
            self.delivered.append((data, report))
        if self.on_transfer is not None:
            self.on_transfer(data, report)
