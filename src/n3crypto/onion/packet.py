"""Sphinx packets on ristretto255: creation, per-hop processing, reply blocks.

The wire format, key schedule and threat model are in docs/onion.md; this
module follows it section by section. A packet is a fixed-size header
(version, key epoch, α, γ, β) for paths of up to :data:`MAX_HOPS` relays,
followed by a body of a size fixed per network (default 2048 bytes).

>>> from n3crypto.onion import RelayKey, create_packet, process, Forward, Deliver
>>> relays = [RelayKey.generate(f"127.{i}.0.1:9000") for i in (1, 2, 3)]
>>> packet = create_packet([r.descriptor for r in relays], b"hello")
>>> for relay in relays:
...     result = process(relay, packet)
...     if isinstance(result, Forward):
...         packet = result.packet
>>> result
Deliver(payload=<5 bytes>, surb_id=None)
>>> result.payload
b'hello'
"""

from __future__ import annotations

import functools
import hmac
import os
import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final, Protocol, runtime_checkable

from n3crypto import envelope, errors
from n3crypto._check import check_bytes as _bytes_arg
from n3crypto._check import check_path
from n3crypto._forksafe import new_lock
from n3crypto.group import Point, Scalar
from n3crypto.onion import _native, _rand
from n3crypto.onion._sym import Hkdf64, chacha20, lioness_decrypt, lioness_encrypt, mac, xor
from n3crypto.utils import atomic_write

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
    "message_capacity",
    "open_reply",
    "packet_bytes",
    "process",
    "use_surb",
]

# -- format constants (docs/onion.md, "Wire format") ---------------------
VERSION: Final[int] = 1
MAX_HOPS: Final[int] = 5
EPOCH_BYTES: Final[int] = 4
MAC_BYTES: Final[int] = 16
ADDRESS_BYTES: Final[int] = 32  # length byte + up to 31 bytes of UTF-8 + zero padding
SURB_ID_BYTES: Final[int] = 16
BLOCK_BYTES: Final[int] = 1 + EPOCH_BYTES + ADDRESS_BYTES + MAC_BYTES  # 53
BETA_BYTES: Final[int] = MAX_HOPS * BLOCK_BYTES  # 265
HEADER_BYTES: Final[int] = 1 + EPOCH_BYTES + 32 + MAC_BYTES + BETA_BYTES  # 318
DEFAULT_BODY_BYTES: Final[int] = 2048
MIN_BODY_BYTES: Final[int] = 64
MAX_BODY_BYTES: Final[int] = 65536
FRAME_ZEROS: Final[int] = 16  # κ: the integrity prefix of a plaintext body
FRAME_OVERHEAD: Final[int] = FRAME_ZEROS + 2

# routing-block flags
_FORWARD: Final[int] = 1
_DELIVER: Final[int] = 2
_REPLY: Final[int] = 3

# header offsets
_O_EPOCH, _O_ALPHA, _O_GAMMA, _O_BETA = 1, 5, 37, 53

# per-hop key material: HKDF gives (μ, k); ChaCha20(k) gives, in order:
_RHO: Final[int] = BETA_BYTES + BLOCK_BYTES  # 318 bytes to decrypt β || 0^BLOCK
_BLIND: Final[int] = _RHO  # 64 bytes -> blinding factor (wide reduction)
_LION: Final[int] = _BLIND + 64  # 128 bytes of LIONESS keys
_TAG: Final[int] = _LION + 128  # 16-byte replay tag
_STREAM: Final[int] = _TAG + 16  # 526
_STREAM_PAD: Final[bytes] = bytes(_STREAM - BETA_BYTES)
_ZEROS: Final[bytes] = bytes(_STREAM)
_SALT: Final[bytes] = b"n3crypto/sphinx/v1"
#: Use the fused C calls of n3_sphinx.h (tests switch it off to check the
#: n3crypto.group path gives the same packets).
_FAST: bool = _native.AVAILABLE
_INFO: Final[bytes] = b"hop keys"
_KDF: Final[Hkdf64] = Hkdf64(_SALT, _INFO)
_VERSION_BYTE: Final[bytes] = bytes([VERSION])

#: Why :func:`process` dropped a packet (:attr:`PacketRejected.reason`).
REASONS: Final[tuple[str, ...]] = (
    "type",
    "length",
    "version",
    "epoch",
    "alpha",
    "mac",
    "replay",
    "routing",
    "payload",
)


class PacketRejected(errors.PacketError):
    """A packet was dropped; :attr:`reason` (one of :data:`REASONS`) says at
    which step, for counters. Relays never send it back to anyone.

    See :func:`process` for an example.
    """

    def __init__(self, reason: str, message: str) -> None:
        super().__init__(message)
        self.reason = reason


def _reject(reason: str, message: str) -> PacketRejected:
    return PacketRejected(reason, message)


def packet_bytes(body_bytes: int = DEFAULT_BODY_BYTES) -> int:
    """The size of every packet of a network whose bodies are ``body_bytes``.

    >>> packet_bytes()
    2366
    """
    _check_body_bytes(body_bytes)
    return HEADER_BYTES + body_bytes


def message_capacity(body_bytes: int = DEFAULT_BODY_BYTES) -> int:
    """The longest message a body of ``body_bytes`` carries.

    >>> message_capacity()
    2030
    """
    _check_body_bytes(body_bytes)
    return body_bytes - FRAME_OVERHEAD


def _check_body_bytes(body_bytes: int) -> None:
    if not isinstance(body_bytes, int) or isinstance(body_bytes, bool):
        raise errors.N3TypeError("body_bytes must be an int")
    if not MIN_BODY_BYTES <= body_bytes <= MAX_BODY_BYTES:
        raise errors.N3ValueError(
            f"body_bytes must be in {MIN_BODY_BYTES}..{MAX_BODY_BYTES}, got {body_bytes}"
        )


def _check_epoch(epoch: int) -> int:
    if not isinstance(epoch, int) or isinstance(epoch, bool):
        raise errors.N3TypeError("epoch must be an int")
    if not 0 <= epoch < 1 << 32:
        raise errors.N3ValueError("epoch must fit in 32 bits")
    return epoch


# -- addresses -----------------------------------------------------------
_CONTROL = re.compile(rb"[\x00-\x20\x7f]")


def _encode_address(address: str) -> bytes:
    if not isinstance(address, str):
        raise errors.N3TypeError(f"address must be str, not {type(address).__name__}")
    try:
        raw = address.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.N3ValueError("address is not valid Unicode (lone surrogate)") from None
    if not 1 <= len(raw) < ADDRESS_BYTES:
        raise errors.N3ValueError(f"address must be 1..{ADDRESS_BYTES - 1} bytes of UTF-8")
    if _CONTROL.search(raw):
        raise errors.N3ValueError("address must not contain spaces or control characters")
    return bytes([len(raw)]) + raw + bytes(ADDRESS_BYTES - 1 - len(raw))


@functools.lru_cache(maxsize=4096)
def _decode_address(field: bytes) -> str:
    """The address in a 32-byte field (cached: relays see few distinct next hops)."""
    n = field[0]
    if not 1 <= n < ADDRESS_BYTES or field[1 + n :].strip(b"\x00"):
        raise errors.InvalidEncoding("bad address field")
    raw = field[1 : 1 + n]
    if _CONTROL.search(raw):
        raise errors.InvalidEncoding("bad address field")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise errors.InvalidEncoding("bad address field") from None


def _check_replay_cache(cache: Any) -> None:
    if cache is not None and not callable(getattr(cache, "check_and_insert", None)):
        raise errors.N3TypeError(
            f"replay_cache must be a ReplayCache (check_and_insert), not {type(cache).__name__}"
        )


# -- descriptors and keys -------------------------------------------------
@dataclass(frozen=True, slots=True)
class RelayDescriptor:
    """The public part of a relay's Sphinx key: where it listens, its public
    point ``Y = y·B`` and the key epoch the point belongs to.

    >>> d = RelayKey.generate("127.1.0.1:9000", epoch=7).descriptor
    >>> RelayDescriptor.from_bytes(bytes(d)) == d, d.epoch
    (True, 7)
    """

    address: str
    public_key: Point
    epoch: int = 0

    def __post_init__(self) -> None:
        _encode_address(self.address)
        if not isinstance(self.public_key, Point):
            raise errors.N3TypeError("public_key must be a Point")
        if self.public_key.is_identity():
            raise errors.InvalidKey("a relay key must not be the identity point")
        _check_epoch(self.epoch)

    def __bytes__(self) -> bytes:
        body = (
            self.epoch.to_bytes(4, "big") + bytes(self.public_key) + _encode_address(self.address)
        )
        return envelope.pack("onion-descriptor", 1, body)

    @classmethod
    def from_bytes(cls, data: bytes) -> RelayDescriptor:
        """Parse :meth:`__bytes__` output; raises InvalidEncoding or InvalidKey."""
        _, body = envelope.unpack(_bytes_arg(data, "descriptor"), "onion-descriptor")
        if len(body) != 4 + 32 + ADDRESS_BYTES:
            raise errors.InvalidEncoding("onion-descriptor has the wrong length")
        return cls(
            address=_decode_address(body[36:]),
            public_key=Point.from_bytes(body[4:36]),
            epoch=int.from_bytes(body[:4], "big"),
        )

    def __repr__(self) -> str:
        return (
            f"RelayDescriptor(address={self.address!r}, "
            f"public_key={bytes(self.public_key).hex()[:16]}…, epoch={self.epoch})"
        )


@runtime_checkable
class ReplayCache(Protocol):
    """Where a relay remembers the replay tags of one key epoch.

    :class:`MemoryReplayCache` is one; anything with ``check_and_insert``
    will do (checked structurally), e.g. one that persists tags.

    >>> class Counting:
    ...     def __init__(self):
    ...         self.tags, self.refused = set(), 0
    ...     def check_and_insert(self, tag):
    ...         if tag in self.tags:
    ...             self.refused += 1
    ...             return False
    ...         self.tags.add(tag)
    ...         return True
    >>> cache = Counting()
    >>> isinstance(cache, ReplayCache)
    True
    >>> relay = RelayKey.generate("127.1.0.1:9000", replay_cache=cache)
    >>> packet = create_packet([relay.descriptor], b"once", body_bytes=64)
    >>> process(relay, packet).payload
    b'once'
    >>> process(relay, packet)
    Traceback (most recent call last):
    ...
    n3crypto.onion.packet.PacketRejected: replayed packet
    >>> len(cache.tags), cache.refused
    (1, 1)
    """

    def check_and_insert(self, tag: bytes) -> bool:
        """Atomically: True and remember ``tag`` if it is new, else False."""
        ...


class MemoryReplayCache:
    """An in-memory :class:`ReplayCache` (lost on restart; the node keeps
    one per epoch in SQLite instead).

    >>> c = MemoryReplayCache()
    >>> c.check_and_insert(b"t" * 16), c.check_and_insert(b"t" * 16), len(c)
    (True, False, 1)
    """

    def __init__(self) -> None:
        self._seen: set[bytes] = set()
        self._lock = new_lock(self)

    def check_and_insert(self, tag: bytes) -> bool:
        tag = _bytes_arg(tag, "tag")
        with self._lock:
            if tag in self._seen:
                return False
            self._seen.add(tag)
            return True

    def __len__(self) -> int:
        return len(self._seen)


class RelayKey:
    """A relay's Sphinx private key for one key epoch.

    Holds the secret scalar ``y``, the relay's address and epoch, and the
    replay cache of that epoch (in memory unless one is given). The secret
    never appears in ``repr``.

    >>> k = RelayKey.generate("127.1.0.1:9000")
    >>> k
    RelayKey(address='127.1.0.1:9000', epoch=0, <secret>)
    >>> RelayKey.from_private_bytes(k.private_bytes()).descriptor == k.descriptor
    True
    """

    __slots__ = ("_address", "_epoch", "_public", "_y", "_yb", "replay_cache")

    def __init__(
        self,
        secret: Scalar,
        address: str,
        *,
        epoch: int = 0,
        replay_cache: ReplayCache | None = None,
    ) -> None:
        if not isinstance(secret, Scalar):
            raise errors.N3TypeError("secret must be a Scalar")
        if not secret:
            raise errors.InvalidKey("a relay secret must not be zero")
        _encode_address(address)
        _check_replay_cache(replay_cache)
        self._y = secret
        self._yb = bytes(secret)
        self._public = secret * Point.base()
        self._address = address
        self._epoch = _check_epoch(epoch)
        self.replay_cache: ReplayCache = (
            replay_cache if replay_cache is not None else MemoryReplayCache()
        )

    @classmethod
    def generate(
        cls, address: str, *, epoch: int = 0, replay_cache: ReplayCache | None = None
    ) -> RelayKey:
        """A fresh key for ``address`` (``"host:port"``, 1..31 bytes)."""
        return cls(_rand.random_scalar(), address, epoch=epoch, replay_cache=replay_cache)

    @property
    def address(self) -> str:
        return self._address

    @property
    def epoch(self) -> int:
        return self._epoch

    @property
    def public_key(self) -> Point:
        return self._public

    @property
    def descriptor(self) -> RelayDescriptor:
        """What clients need to route through this relay."""
        return RelayDescriptor(self._address, self._public, self._epoch)

    def with_address(self, address: str) -> RelayKey:
        """The same secret announced at another address (e.g. after binding
        port 0); the replay cache is shared."""
        return RelayKey(self._y, address, epoch=self._epoch, replay_cache=self.replay_cache)

    def private_bytes(self) -> bytes:
        """The secret key in the ``onion-relay-key`` envelope. Keep it secret."""
        body = self._epoch.to_bytes(4, "big") + bytes(self._y) + _encode_address(self._address)
        return envelope.pack("onion-relay-key", 1, body)

    @classmethod
    def from_private_bytes(
        cls, data: bytes, *, replay_cache: ReplayCache | None = None
    ) -> RelayKey:
        """Parse :meth:`private_bytes`; raises InvalidEncoding or InvalidKey."""
        _, body = envelope.unpack(_bytes_arg(data, "relay key"), "onion-relay-key")
        if len(body) != 4 + 32 + ADDRESS_BYTES:
            raise errors.InvalidEncoding("onion-relay-key has the wrong length")
        return cls(
            Scalar.from_bytes(body[4:36]),
            _decode_address(body[36:]),
            epoch=int.from_bytes(body[:4], "big"),
            replay_cache=replay_cache,
        )

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the private key atomically, readable by the owner only."""
        atomic_write(path, self.private_bytes(), mode=0o600)

    @classmethod
    def load(
        cls, path: str | os.PathLike[str], *, replay_cache: ReplayCache | None = None
    ) -> RelayKey:
        with open(check_path(path), "rb") as fh:
            return cls.from_private_bytes(fh.read(), replay_cache=replay_cache)

    def __repr__(self) -> str:
        return f"RelayKey(address={self._address!r}, epoch={self._epoch}, <secret>)"

    def __reduce__(self) -> Any:
        raise TypeError("RelayKey is not picklable; use private_bytes()")


# -- packets and results --------------------------------------------------
class Packet(bytes):
    """A Sphinx packet: ``bytes`` with named views of its fields.

    >>> k = RelayKey.generate("127.1.0.1:1")
    >>> p = create_packet([k.descriptor], b"x", body_bytes=64)
    >>> len(p), p.version, p.epoch, len(p.body)
    (382, 1, 0, 64)
    """

    @classmethod
    def from_bytes(cls, data: bytes) -> Packet:
        """Check the framing (length, version); raise PacketRejected otherwise."""
        if not isinstance(data, bytes | bytearray | memoryview):
            raise _reject("type", "a packet must be bytes")
        n = len(data)
        if not HEADER_BYTES + MIN_BODY_BYTES <= n <= HEADER_BYTES + MAX_BODY_BYTES:
            raise _reject("length", f"a packet cannot be {n} bytes long")
        if data[0] != VERSION:
            raise _reject("version", f"unsupported packet version {data[0]}")
        return cls(data)

    @property
    def version(self) -> int:
        return self[0]

    @property
    def epoch(self) -> int:
        """The key epoch of the relay this packet is addressed to."""
        return int.from_bytes(self[_O_EPOCH:_O_ALPHA], "big")

    @property
    def alpha(self) -> bytes:
        return bytes(self[_O_ALPHA:_O_GAMMA])

    @property
    def gamma(self) -> bytes:
        return bytes(self[_O_GAMMA:_O_BETA])

    @property
    def beta(self) -> bytes:
        return bytes(self[_O_BETA:HEADER_BYTES])

    @property
    def header(self) -> bytes:
        return bytes(self[:HEADER_BYTES])

    @property
    def body(self) -> bytes:
        return bytes(self[HEADER_BYTES:])

    def __repr__(self) -> str:
        return f"Packet(<{len(self)} bytes>, epoch={self.epoch})"


@dataclass(frozen=True, slots=True)
class Forward:
    """Send ``packet`` to the relay at ``next_hop``."""

    next_hop: str
    packet: Packet

    def __repr__(self) -> str:
        return f"Forward(next_hop={self.next_hop!r}, packet=<{len(self.packet)} bytes>)"


@dataclass(frozen=True, slots=True)
class Deliver:
    """This relay is the last hop. For a forward packet ``payload`` is the
    message; for a reply (``surb_id`` set) it is still encrypted for the
    SURB's creator, who opens it with :func:`open_reply`."""

    payload: bytes
    surb_id: bytes | None = None

    @property
    def is_reply(self) -> bool:
        return self.surb_id is not None

    def __repr__(self) -> str:
        sid = "None" if self.surb_id is None else self.surb_id.hex()
        return f"Deliver(payload=<{len(self.payload)} bytes>, surb_id={sid})"


# -- the key schedule ------------------------------------------------------
def _hop_keys(shared: bytes) -> tuple[bytes, bytes]:
    """(μ, k): the MAC key and the stream key of one hop."""
    okm = _KDF(shared)
    return okm[:32], okm[32:]


def _frame(message: bytes, body_bytes: int) -> bytes:
    n = len(message)
    if n > body_bytes - FRAME_OVERHEAD:
        raise errors.N3ValueError(
            f"message of {n} bytes exceeds the capacity {body_bytes - FRAME_OVERHEAD} "
            f"of a {body_bytes}-byte body"
        )
    return (
        bytes(FRAME_ZEROS) + n.to_bytes(2, "big") + message + bytes(body_bytes - FRAME_OVERHEAD - n)
    )


def _unframe(body: bytes) -> bytes:
    ok = hmac.compare_digest(body[:FRAME_ZEROS], bytes(FRAME_ZEROS))
    n = int.from_bytes(body[FRAME_ZEROS:FRAME_OVERHEAD], "big")
    if not ok or n > len(body) - FRAME_OVERHEAD or any(body[FRAME_OVERHEAD + n :]):
        raise _reject("payload", "the payload failed its integrity check")
    return body[FRAME_OVERHEAD : FRAME_OVERHEAD + n]


def _check_path(path: Sequence[RelayDescriptor]) -> list[RelayDescriptor]:
    if isinstance(path, str | bytes) or not isinstance(path, Sequence):
        raise errors.N3TypeError("path must be a list of RelayDescriptor")
    hops = list(path)
    if not 1 <= len(hops) <= MAX_HOPS:
        raise errors.N3ValueError(f"a path has 1..{MAX_HOPS} hops, got {len(hops)}")
    for d in hops:
        if not isinstance(d, RelayDescriptor):
            raise errors.N3TypeError("path must be a list of RelayDescriptor")
    return hops


def _build_header(
    hops: list[RelayDescriptor], final_block: bytes, tables: KeyTableCache | None = None
) -> tuple[bytes, list[bytes]]:
    """The header for ``hops`` and each hop's LIONESS keys.

    O(n) scalar multiplications: the running blinding product ``c`` is a
    scalar, so hop i costs one ``c·Y_i``; only ``α_0 = c·B`` goes into the
    header, and since the keys depend on the shared secret alone the
    creator never needs the later α (n + 1 multiplications in all).
    """
    if tables is not None and not isinstance(tables, KeyTableCache):
        raise errors.N3TypeError(
            f"key_tables must be a KeyTableCache or None, not {type(tables).__name__}"
        )
    n = len(hops)
    macs: list[bytes] = []
    streams: list[bytes] = []
    if _FAST:
        cb = bytes(_rand.random_scalar())
        alpha0 = b""
        for i, hop in enumerate(hops):
            table = tables.get(hop) if tables is not None else None
            alpha, shared = _native.create_hop(cb, bytes(hop.public_key), table, want_alpha=i == 0)
            if i == 0:
                alpha0 = alpha
            mu, k = _hop_keys(shared)
            stream = chacha20(k, _ZEROS)
            macs.append(mu)
            streams.append(stream)
            cb = _native.blind_scalar(cb, stream[_BLIND:_LION])
    else:
        c = _rand.random_scalar()
        alpha0 = bytes(c * Point.base())
        for hop in hops:
            mu, k = _hop_keys(bytes(c * hop.public_key))
            stream = chacha20(k, _ZEROS)
            macs.append(mu)
            streams.append(stream)
            c = c * Scalar.from_bytes_wide(stream[_BLIND:_LION])
    # filler: what the tail of β looks like after hops 0..n-2 appended zeros
    filler = b""
    for i in range(n - 1):
        rho = streams[i][:_RHO]
        filler = xor(filler + bytes(BLOCK_BYTES), rho[(MAX_HOPS - i) * BLOCK_BYTES :])
    # innermost β: final routing block, random padding, then the filler
    head = final_block + _rand.random_bytes((MAX_HOPS - n) * BLOCK_BYTES)
    beta = xor(head, streams[n - 1][: len(head)]) + filler
    epochs = [h.epoch.to_bytes(4, "big") for h in hops]
    gamma = mac(macs[n - 1], bytes([VERSION]) + epochs[n - 1] + beta)
    for i in range(n - 2, -1, -1):
        nxt = hops[i + 1]
        block = bytes([_FORWARD]) + epochs[i + 1] + _encode_address(nxt.address) + gamma
        beta = xor(block + beta[: BETA_BYTES - BLOCK_BYTES], streams[i][:BETA_BYTES])
        gamma = mac(macs[i], bytes([VERSION]) + epochs[i] + beta)
    header = bytes([VERSION]) + epochs[0] + alpha0 + gamma + beta
    assert len(header) == HEADER_BYTES
    return header, [s[_LION : _LION + 128] for s in streams]


class KeyTableCache:
    """Fixed-base tables of relay keys, least recently used first out.

    A table costs about as much to build as 20–30 packet creations save and
    takes 80 KiB, so a sender that routes many packets over the same
    relays keeps a few dozen (``max_entries``).

    >>> cache = KeyTableCache(max_entries=2)
    >>> k = RelayKey.generate("127.1.0.1:1")
    >>> p = create_packet([k.descriptor], b"t", body_bytes=64, key_tables=cache)
    >>> process(k, p).payload, len(cache)
    (b't', 1)
    """

    def __init__(self, max_entries: int = 64) -> None:
        if not isinstance(max_entries, int) or max_entries < 1:
            raise errors.N3ValueError("max_entries must be a positive int")
        self.max_entries = max_entries
        self._tables: OrderedDict[bytes, _native.KeyTable] = OrderedDict()
        self._lock = new_lock(self)

    def get(self, descriptor: RelayDescriptor) -> _native.KeyTable | None:
        """The table for ``descriptor``'s key (built on first use); None
        without the C fast path."""
        if not isinstance(descriptor, RelayDescriptor):
            raise errors.N3TypeError(
                f"descriptor must be a RelayDescriptor, not {type(descriptor).__name__}"
            )
        if not _FAST:
            return None
        pub = bytes(descriptor.public_key)
        with self._lock:
            table = self._tables.get(pub)
            if table is not None:
                self._tables.move_to_end(pub)
                return table
        table = _native.KeyTable(pub)
        with self._lock:
            self._tables[pub] = table
            while len(self._tables) > self.max_entries:
                self._tables.popitem(last=False)
        return table

    def __len__(self) -> int:
        return len(self._tables)


def create_packet(
    path: Sequence[RelayDescriptor],
    message: bytes,
    *,
    body_bytes: int = DEFAULT_BODY_BYTES,
    key_tables: KeyTableCache | None = None,
) -> Packet:
    """A packet carrying ``message`` through ``path``; the last hop delivers it.

    Send the packet to ``path[0].address``. Every packet of a network has
    the same size, :func:`packet_bytes` ``(body_bytes)``, whatever the
    path length (at most :data:`MAX_HOPS`) or message length (at most
    :func:`message_capacity` ``(body_bytes)``). A :class:`KeyTableCache`
    makes creation faster for a sender that uses the same relays often.

    >>> relays = [RelayKey.generate(f"127.{i}.0.1:9000") for i in (1, 2, 3)]
    >>> path = [r.descriptor for r in relays]
    >>> p = create_packet(path, b"hello", body_bytes=256)
    >>> p, len(p) == packet_bytes(256) == len(create_packet(path[:1], b"", body_bytes=256))
    (Packet(<574 bytes>, epoch=0), True)
    >>> create_packet(path, b"x" * 300, body_bytes=256)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: message of 300 bytes exceeds the capacity 238 of a 256-byte body
    """
    hops = _check_path(path)
    message = _bytes_arg(message, "message")
    _check_body_bytes(body_bytes)
    body = _frame(message, body_bytes)
    final = bytes([_DELIVER]) + bytes(BLOCK_BYTES - 1)
    header, keys = _build_header(hops, final, key_tables)
    for k in reversed(keys):
        body = lioness_encrypt(k, body)
    return Packet(header + body)


def process(
    relay_key: RelayKey, packet: bytes, *, replay_cache: ReplayCache | None = None
) -> Forward | Deliver:
    """One relay's step: peel one layer of ``packet``.

    In order (docs/onion.md, "Processing"): framing → epoch → decode α and
    refuse the identity → ``s = y·α`` → keys → constant-time MAC check →
    atomic replay check-and-insert (only packets whose MAC verified reach
    the cache, so a garbled copy cannot get the genuine packet refused) →
    decrypt β → blind α → peel the body. Raises :class:`PacketRejected`
    (a :class:`~n3crypto.errors.PacketError`) naming the failed step.
    ``replay_cache`` defaults to the key's own.

    Returns :class:`Forward` (``next_hop``, ``packet``) at a middle hop and
    :class:`Deliver` (``payload``, ``surb_id``, ``is_reply``) at the last.

    >>> first, last = RelayKey.generate("127.1.0.1:9000"), RelayKey.generate("127.2.0.1:9000")
    >>> packet = create_packet([first.descriptor, last.descriptor], b"hello", body_bytes=256)
    >>> hop = process(first, packet)
    >>> hop, hop.next_hop
    (Forward(next_hop='127.2.0.1:9000', packet=<574 bytes>), '127.2.0.1:9000')
    >>> done = process(last, hop.packet)
    >>> done, done.payload, done.is_reply
    (Deliver(payload=<5 bytes>, surb_id=None), b'hello', False)
    >>> try:
    ...     process(first, packet)                 # the same packet again
    ... except PacketRejected as exc:
    ...     print(exc.reason, "-", exc)
    replay - replayed packet
    >>> try:
    ...     process(last, packet)                  # not addressed to this relay
    ... except PacketRejected as exc:
    ...     print(exc.reason, "-", exc)
    mac - header MAC check failed
    """
    if not isinstance(relay_key, RelayKey):
        raise errors.N3TypeError("relay_key must be a RelayKey")
    _check_replay_cache(replay_cache)
    data = packet if type(packet) is bytes or type(packet) is Packet else None
    if data is None:
        data = Packet.from_bytes(packet)
    n = len(data)
    if not HEADER_BYTES + MIN_BODY_BYTES <= n <= HEADER_BYTES + MAX_BODY_BYTES:
        raise _reject("length", f"a packet cannot be {n} bytes long")
    if data[0] != VERSION:
        raise _reject("version", f"unsupported packet version {data[0]}")
    if int.from_bytes(data[_O_EPOCH:_O_ALPHA], "big") != relay_key._epoch:
        raise _reject("epoch", "the packet is for another key epoch")
    alpha_b = data[_O_ALPHA:_O_GAMMA]
    ctx: Any = None
    alpha: Point | None = None
    if _FAST:
        try:
            shared, ctx = _native.hop_shared(relay_key._yb, alpha_b)
        except errors.InvalidEncoding:
            raise _reject("alpha", "α is not a valid non-identity group element") from None
    else:
        try:
            alpha = Point.from_bytes(alpha_b)
        except errors.InvalidEncoding:
            raise _reject("alpha", "α is not a valid group element") from None
        if alpha.is_identity():
            raise _reject("alpha", "α is the identity")
        shared = bytes(relay_key._y * alpha)
    mu, k = _hop_keys(shared)
    beta = data[_O_BETA:HEADER_BYTES]
    if not hmac.compare_digest(mac(mu, data[:_O_ALPHA] + beta), data[_O_GAMMA:_O_BETA]):
        raise _reject("mac", "header MAC check failed")
    stream = chacha20(k, beta + _STREAM_PAD)
    cache = relay_key.replay_cache if replay_cache is None else replay_cache
    if not cache.check_and_insert(stream[_TAG:_STREAM]):
        raise _reject("replay", "replayed packet")
    body = lioness_decrypt(stream[_LION:_TAG], data[HEADER_BYTES:])
    flag = stream[0]
    if flag == _FORWARD:
        try:
            next_hop = _decode_address(stream[5 : 5 + ADDRESS_BYTES])
        except errors.InvalidEncoding:
            raise _reject("routing", "bad next-hop address") from None
        if alpha is None:
            alpha_next = _native.hop_blind(ctx, stream[_BLIND:_LION])
        else:
            alpha_next = bytes(Scalar.from_bytes_wide(stream[_BLIND:_LION]) * alpha)
        out = b"".join(
            (
                _VERSION_BYTE,
                stream[1:5],
                alpha_next,
                stream[5 + ADDRESS_BYTES : BLOCK_BYTES],
                stream[BLOCK_BYTES:_RHO],
                body,
            )
        )
        return Forward(next_hop, Packet(out))
    if flag == _DELIVER:
        return Deliver(_unframe(body))
    if flag == _REPLY:
        return Deliver(body, bytes(stream[1 : 1 + SURB_ID_BYTES]))
    raise _reject("routing", "unknown routing flag")


# -- single-use reply blocks -------------------------------------------------
def _lioness_keys(seed: bytes) -> bytes:
    return chacha20(seed, bytes(128))


@dataclass(frozen=True, slots=True)
class Surb:
    """A single-use reply block: what a receiver needs to answer anonymously.

    It names the first hop and carries a ready header plus the key that
    encrypts the reply body; it reveals nothing else about the path.

    >>> relay, me = RelayKey.generate("127.1.0.1:9000"), RelayKey.generate("127.9.0.1:9000")
    >>> surb, secret = create_surb([relay.descriptor, me.descriptor], body_bytes=256)
    >>> surb
    Surb(first_hop='127.1.0.1:9000', <secret>)
    >>> sent = bytes(surb)                              # travels inside a message
    >>> Surb.from_bytes(sent) == surb, surb.body_bytes
    (True, 256)
    """

    first_hop: str
    header: bytes
    key: bytes
    body_bytes: int = DEFAULT_BODY_BYTES

    def __post_init__(self) -> None:
        _encode_address(self.first_hop)
        if not isinstance(self.header, bytes) or len(self.header) != HEADER_BYTES:
            raise errors.N3ValueError(f"a SURB header is {HEADER_BYTES} bytes")
        if not isinstance(self.key, bytes) or len(self.key) != 32:
            raise errors.N3ValueError("a SURB key is 32 bytes")
        _check_body_bytes(self.body_bytes)

    def __bytes__(self) -> bytes:
        body = (
            self.body_bytes.to_bytes(4, "big")
            + self.key
            + _encode_address(self.first_hop)
            + self.header
        )
        return envelope.pack("onion-surb", 1, body)

    @classmethod
    def from_bytes(cls, data: bytes) -> Surb:
        """Parse :meth:`__bytes__` output; raises InvalidEncoding."""
        _, body = envelope.unpack(_bytes_arg(data, "SURB"), "onion-surb")
        if len(body) != 4 + 32 + ADDRESS_BYTES + HEADER_BYTES:
            raise errors.InvalidEncoding("onion-surb has the wrong length")
        try:
            return cls(
                first_hop=_decode_address(body[36 : 36 + ADDRESS_BYTES]),
                header=body[36 + ADDRESS_BYTES :],
                key=body[4:36],
                body_bytes=int.from_bytes(body[:4], "big"),
            )
        except errors.N3ValueError as exc:
            raise errors.InvalidEncoding(f"onion-surb: {exc}") from None

    def __repr__(self) -> str:
        return f"Surb(first_hop={self.first_hop!r}, <secret>)"


@dataclass(frozen=True, slots=True)
class SurbSecret:
    """What the creator of a SURB keeps to open the reply (secret).

    >>> me = RelayKey.generate("127.9.0.1:9000")
    >>> surb, secret = create_surb([me.descriptor], body_bytes=256)
    >>> secret  # doctest: +ELLIPSIS
    SurbSecret(surb_id=..., hops=1, <secret>)
    >>> kept = SurbSecret.from_private_bytes(secret.private_bytes())   # store it privately
    >>> open_reply(kept, process(me, use_surb(surb, b"ok")[1]))
    b'ok'
    """

    surb_id: bytes
    key: bytes
    hop_keys: tuple[bytes, ...]
    body_bytes: int = DEFAULT_BODY_BYTES

    def __post_init__(self) -> None:
        if not isinstance(self.surb_id, bytes) or len(self.surb_id) != SURB_ID_BYTES:
            raise errors.N3ValueError(f"a SURB id is {SURB_ID_BYTES} bytes")
        if not isinstance(self.key, bytes) or len(self.key) != 32:
            raise errors.N3ValueError("a SURB key is 32 bytes")
        if not isinstance(self.hop_keys, tuple | list):
            raise errors.N3TypeError("hop_keys must be a tuple of 128-byte keys")
        if not 1 <= len(self.hop_keys) <= MAX_HOPS or any(
            not isinstance(k, bytes) or len(k) != 128 for k in self.hop_keys
        ):
            raise errors.N3ValueError("hop_keys must be 1..MAX_HOPS keys of 128 bytes")
        _check_body_bytes(self.body_bytes)

    def private_bytes(self) -> bytes:
        body = (
            self.surb_id
            + self.key
            + self.body_bytes.to_bytes(4, "big")
            + bytes([len(self.hop_keys)])
            + b"".join(self.hop_keys)
        )
        return envelope.pack("onion-surb-secret", 1, body)

    @classmethod
    def from_private_bytes(cls, data: bytes) -> SurbSecret:
        _, body = envelope.unpack(_bytes_arg(data, "SURB secret"), "onion-surb-secret")
        if len(body) < 53 or len(body) != 53 + 128 * body[52]:
            raise errors.InvalidEncoding("onion-surb-secret has the wrong length")
        try:
            return cls(
                surb_id=body[:16],
                key=body[16:48],
                hop_keys=tuple(body[53 + 128 * i : 181 + 128 * i] for i in range(body[52])),
                body_bytes=int.from_bytes(body[48:52], "big"),
            )
        except errors.N3ValueError as exc:
            raise errors.InvalidEncoding(f"onion-surb-secret: {exc}") from None

    def __repr__(self) -> str:
        return f"SurbSecret(surb_id={self.surb_id.hex()}, hops={len(self.hop_keys)}, <secret>)"


def create_surb(
    path: Sequence[RelayDescriptor],
    *,
    body_bytes: int = DEFAULT_BODY_BYTES,
    key_tables: KeyTableCache | None = None,
) -> tuple[Surb, SurbSecret]:
    """A reply block routed through ``path`` whose last hop (usually the
    creator itself) receives the reply as ``Deliver(payload, surb_id)``.

    Give the :class:`Surb` away (inside a message); keep the
    :class:`SurbSecret` (or a :class:`SurbKeyring`) to open the reply.

    >>> relays = [RelayKey.generate(f"127.{i}.0.1:9000") for i in (1, 2)]
    >>> me = RelayKey.generate("127.9.0.1:9000")
    >>> surb, secret = create_surb([r.descriptor for r in relays] + [me.descriptor])
    >>> hop, packet = use_surb(surb, b"re: hello")
    >>> for relay in relays:
    ...     packet = process(relay, packet).packet
    >>> open_reply(secret, process(me, packet))
    b're: hello'
    """
    hops = _check_path(path)
    _check_body_bytes(body_bytes)
    surb_id = _rand.random_bytes(SURB_ID_BYTES)
    key = _rand.random_bytes(32)
    final = bytes([_REPLY]) + surb_id + bytes(BLOCK_BYTES - 1 - SURB_ID_BYTES)
    header, keys = _build_header(hops, final, key_tables)
    surb = Surb(hops[0].address, header, key, body_bytes)
    return surb, SurbSecret(surb_id, key, tuple(keys), body_bytes)


def use_surb(surb: Surb, message: bytes) -> tuple[str, Packet]:
    """``(first hop, packet)`` carrying ``message`` back to the SURB's creator.

    A SURB works once: the relays' replay caches drop a second packet
    built on the same header.

    >>> relay, me = RelayKey.generate("127.1.0.1:9000"), RelayKey.generate("127.9.0.1:9000")
    >>> surb, secret = create_surb([relay.descriptor, me.descriptor], body_bytes=256)
    >>> first_hop, packet = use_surb(surb, b"re: hello")        # by whoever got the SURB
    >>> first_hop, packet
    ('127.1.0.1:9000', Packet(<574 bytes>, epoch=0))
    >>> delivered = process(me, process(relay, packet).packet)
    >>> delivered.is_reply, open_reply(secret, delivered)
    (True, b're: hello')
    >>> process(relay, use_surb(surb, b"again")[1])
    Traceback (most recent call last):
    ...
    n3crypto.onion.packet.PacketRejected: replayed packet
    """
    if not isinstance(surb, Surb):
        raise errors.N3TypeError("surb must be a Surb")
    message = _bytes_arg(message, "message")
    body = lioness_encrypt(_lioness_keys(surb.key), _frame(message, surb.body_bytes))
    return surb.first_hop, Packet(surb.header + body)


def open_reply(secret: SurbSecret, delivered: Deliver | bytes) -> bytes:
    """The reply message inside what the last hop delivered; raises
    PacketRejected if it was altered or belongs to another SURB.

    >>> me = RelayKey.generate("127.9.0.1:9000")
    >>> surb, secret = create_surb([me.descriptor], body_bytes=256)
    >>> delivered = process(me, use_surb(surb, b"re: hello")[1])
    >>> open_reply(secret, delivered)
    b're: hello'
    >>> other_surb, other_secret = create_surb([me.descriptor], body_bytes=256)
    >>> open_reply(other_secret, delivered)
    Traceback (most recent call last):
    ...
    n3crypto.onion.packet.PacketRejected: this delivery is not a reply to this SURB
    """
    if not isinstance(secret, SurbSecret):
        raise errors.N3TypeError("secret must be a SurbSecret")
    if isinstance(delivered, Deliver):
        if delivered.surb_id is None or not hmac.compare_digest(delivered.surb_id, secret.surb_id):
            raise _reject("payload", "this delivery is not a reply to this SURB")
        body = delivered.payload
    else:
        body = _bytes_arg(delivered, "delivered")
    if len(body) != secret.body_bytes:
        raise _reject("length", "the reply body has the wrong length")
    for k in reversed(secret.hop_keys):
        body = lioness_encrypt(k, body)
    return _unframe(lioness_decrypt(_lioness_keys(secret.key), body))


class SurbKeyring:
    """The SURB secrets a client is waiting on; each opens one reply only.

    >>> ring = SurbKeyring()
    >>> me = RelayKey.generate("127.9.0.1:9000")
    >>> surb, secret = create_surb([me.descriptor])
    >>> ring.add(secret)
    >>> ring.open(process(me, use_surb(surb, b"ok")[1])), len(ring)
    (b'ok', 0)
    """

    def __init__(self) -> None:
        self._secrets: dict[bytes, SurbSecret] = {}
        self._lock = new_lock(self)

    def add(self, secret: SurbSecret) -> None:
        if not isinstance(secret, SurbSecret):
            raise errors.N3TypeError("secret must be a SurbSecret")
        with self._lock:
            self._secrets[secret.surb_id] = secret

    def discard(self, surb_id: bytes) -> None:
        with self._lock:
            self._secrets.pop(surb_id, None)

    def open(self, delivered: Deliver) -> bytes:
        """Open a reply and forget its SURB; PacketRejected if unknown or used."""
        if not isinstance(delivered, Deliver) or delivered.surb_id is None:
            raise _reject("payload", "not a reply")
        with self._lock:
            secret = self._secrets.pop(delivered.surb_id, None)
        if secret is None:
            raise _reject("replay", "unknown or already used SURB")
        return open_reply(secret, delivered)

    def __len__(self) -> int:
        return len(self._secrets)

    def __contains__(self, surb_id: object) -> bool:
        return surb_id in self._secrets
