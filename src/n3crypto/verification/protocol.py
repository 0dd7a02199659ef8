"""Wire formats and the pure (transport-free) halves of a verified transfer.

Sender: :func:`seal` signcrypts ``K_t ‖ data`` to the recipient with the
transfer id, k and m as associated data, Reed–Solomon-codes the ciphertext
into k + m shards, and cuts each shard into fragments (one onion packet
each) tagged with a per-transfer MAC under ``K_t``.

Receiver: a :class:`ReceiveSession` collects fragments of one transfer id,
rebuilds shards, locates corrupt ones, repairs, unsigncrypts, then checks
every received fragment's tag, and says what it found in a
:class:`TransferReport`; :func:`encode_ack` / :func:`decode_ack` carry the
report back through a reply block.

>>> from n3crypto.signcryption import KGC, UserKey
>>> kgc = KGC.generate()
>>> def user(name: str) -> UserKey:
...     u = UserKey.generate(name, kgc.public)
...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
>>> alice, bob = user("alice"), user("bob")
>>> sealed = seal(alice, bob.public, b"hello bob" * 50, 4, 2)
>>> frags = sealed.fragments()
>>> session = ReceiveSession(bob)
>>> for shard in frags[1:]:  # shard 0 lost on its path
...     for f in shard:
...         _ = session.add(f)
>>> data, report = session.finish()
>>> data == b"hello bob" * 50, report.missing, report.corrupted, report.intact
(True, (0,), (), True)
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from collections.abc import Sequence
from dataclasses import dataclass, field

from n3crypto import errors
from n3crypto._check import check_bytes, check_int, check_iterable, check_type
from n3crypto.rs import ErasureCoder
from n3crypto.signcryption import PublicKey, UserKey, signcrypt, unsigncrypt

__all__ = [
    "ACK_MAGIC",
    "SHARD_MAGIC",
    "TRANSFER_ID_BYTES",
    "Ack",
    "Fragment",
    "ReceiveSession",
    "Sealed",
    "TransferFailed",
    "TransferReport",
    "decode_ack",
    "encode_ack",
    "parse_fragment",
    "seal",
]

SHARD_MAGIC = b"N3VS"
ACK_MAGIC = b"N3VA"
VERSION = 1
TRANSFER_ID_BYTES = 16
TAG_BYTES = 16
KEY_BYTES = 32
_AD_DST = b"n3crypto/verification/transfer/v1\x00"
_TAG_DST = b"n3crypto/verification/shard-tag/v1\x00"
_RCPT_DST = b"n3crypto/verification/receipt/v1\x00"
# magic, version, transfer id, k, m, index, frag, nfrag, shard_len, surb_len
_HDR = struct.Struct(">4sB16sBBBHHIH")
#: bytes of a fragment message besides its data and reply block
FRAGMENT_OVERHEAD = _HDR.size + TAG_BYTES
_STATUS_INTACT, _STATUS_FAILED = 0, 1


class TransferFailed(errors.DecodeError):
    """A transfer could not be repaired (more damage than ``f + 2e ≤ m``
    allows, or end-to-end authentication failed); ``report`` says what was
    seen, and on the sender side ``outcome`` holds every attempt."""

    def __init__(self, message: str, report: TransferReport | None = None) -> None:
        super().__init__(message)
        self.report = report
        self.outcome: object = None


@dataclass(frozen=True, slots=True)
class TransferReport:
    """What the receiver found: shard indices lost on the way (``missing``)
    and altered (``corrupted``); ``intact`` when the data was repaired and
    authenticated. ``sender`` is the authenticated sender identity."""

    transfer_id: bytes
    k: int
    m: int
    missing: tuple[int, ...]
    corrupted: tuple[int, ...]
    intact: bool
    sender: str | None = None
    size: int = 0

    @property
    def n(self) -> int:
        return self.k + self.m

    @property
    def repaired(self) -> tuple[int, ...]:
        """Every shard that had to be rebuilt (missing or corrupted)."""
        return tuple(sorted(self.missing + self.corrupted))

    @property
    def repairable(self) -> bool:
        """The code's bound: ``f + 2e ≤ m``."""
        return len(self.missing) + 2 * len(self.corrupted) <= self.m


@dataclass(frozen=True, slots=True)
class Fragment:
    """One parsed fragment message (what one onion packet carries)."""

    transfer_id: bytes
    k: int
    m: int
    index: int
    frag: int
    nfrag: int
    shard_len: int
    surb: bytes
    tag: bytes
    data: bytes
    signed_part: bytes  # header ‖ surb, what the tag covers besides data


def _tag(key: bytes, signed_part: bytes, data: bytes) -> bytes:
    h = hashlib.blake2b(digest_size=TAG_BYTES, key=key, person=b"n3-verif-tag")
    h.update(_TAG_DST)
    h.update(signed_part)
    h.update(data)
    return h.digest()


def _ad(transfer_id: bytes, k: int, m: int) -> bytes:
    return _AD_DST + transfer_id + bytes([k, m])


def _check_km(k: int, m: int) -> None:
    for v, what in ((k, "k"), (m, "m")):
        if isinstance(v, bool) or not isinstance(v, int):
            raise errors.N3TypeError(f"{what} must be an int")
    if not k >= 1 or m < 0 or k + m > 255:
        raise errors.N3ValueError("need 1 ≤ k, 0 ≤ m and k + m ≤ 255")


@dataclass
class Sealed:
    """A transfer ready to go: its id, key, and the ``k + m`` shards."""

    transfer_id: bytes
    key: bytes
    k: int
    m: int
    shards: list[bytes]
    fragment_bytes: int
    size: int

    @property
    def n(self) -> int:
        return self.k + self.m

    def nfrag(self) -> int:
        size = len(self.shards[0])
        return max(1, -(-size // self.fragment_bytes))

    def shard_fragments(self, index: int, surb: bytes = b"") -> list[bytes]:
        """The fragment messages of shard ``index``; ``surb`` rides in the first."""
        check_int(index, "index")
        surb = check_bytes(surb, "surb")
        if not 0 <= index < self.n:
            raise errors.N3ValueError("shard index out of range")
        if len(surb) > 0xFFFF:
            raise errors.N3ValueError("reply block too long")
        shard = self.shards[index]
        nfrag = self.nfrag()
        out = []
        for f in range(nfrag):
            part = shard[f * self.fragment_bytes : (f + 1) * self.fragment_bytes]
            blk = surb if f == 0 else b""
            hdr = _HDR.pack(
                SHARD_MAGIC,
                VERSION,
                self.transfer_id,
                self.k,
                self.m,
                index,
                f,
                nfrag,
                len(shard),
                len(blk),
            )
            signed = hdr + blk
            out.append(signed + _tag(self.key, signed, part) + part)
        return out

    def fragments(self, surbs: Sequence[bytes] = ()) -> list[list[bytes]]:
        """Every shard's fragments (``surbs[i]`` rides with shard ``i``)."""
        surbs = check_iterable(surbs, "surbs")
        return [self.shard_fragments(i, surbs[i] if i < len(surbs) else b"") for i in range(self.n)]


def seal(
    sender: UserKey,
    recipient: PublicKey,
    data: bytes,
    k: int,
    m: int,
    *,
    fragment_bytes: int = 1 << 20,
    transfer_id: bytes | None = None,
) -> Sealed:
    """Signcrypt ``data`` for ``recipient`` and code it into ``k + m`` shards.

    The signcryption binds the transfer id, k and m (associated data), and
    carries a fresh 32-byte transfer key ``K_t`` that tags every fragment:
    a fragment moved from another transfer, or altered, fails its tag once
    the receiver has opened the transfer.

    >>> from n3crypto.verification.sim import make_users
    >>> keys = make_users(["alice", "bob"])
    >>> sealed = seal(keys["alice"], keys["bob"].public, b"x" * 1000, 4, 2, fragment_bytes=200)
    >>> sealed.n, len(sealed.shards), sealed.size, len(sealed.key)
    (6, 6, 1000, 32)
    >>> frags = sealed.fragments()  # frags[i]: shard i as messages of <= 200 data bytes
    >>> [len(f) for f in frags] == [sealed.nfrag()] * 6
    True
    """
    _check_km(k, m)
    if not isinstance(data, bytes | bytearray | memoryview):
        raise errors.N3TypeError("data must be bytes")
    if isinstance(fragment_bytes, bool) or not isinstance(fragment_bytes, int):
        raise errors.N3TypeError("fragment_bytes must be an int")
    if fragment_bytes < 1:
        raise errors.N3ValueError("fragment_bytes must be positive")
    tid = (
        secrets.token_bytes(TRANSFER_ID_BYTES)
        if transfer_id is None
        else check_bytes(transfer_id, "transfer_id")
    )
    if len(tid) != TRANSFER_ID_BYTES:
        raise errors.N3ValueError(f"transfer id must be {TRANSFER_ID_BYTES} bytes")
    key = secrets.token_bytes(KEY_BYTES)
    ct = signcrypt(sender, recipient, key + bytes(data), _ad(tid, k, m))
    shards = ErasureCoder(k, m).encode(ct)
    return Sealed(tid, key, k, m, shards, fragment_bytes, len(data))


def parse_fragment(message: bytes) -> Fragment:
    """Parse a fragment message; PacketError if it is not one.

    >>> from n3crypto.verification.sim import make_users
    >>> keys = make_users(["alice", "bob"])
    >>> sealed = seal(keys["alice"], keys["bob"].public, b"x" * 1000, 4, 2, fragment_bytes=200)
    >>> f = parse_fragment(sealed.shard_fragments(2, surb=b"reply block")[0])
    >>> f.transfer_id == sealed.transfer_id, (f.k, f.m, f.index, f.frag), f.surb
    (True, (4, 2, 2, 0), b'reply block')
    >>> parse_fragment(b"hello")
    Traceback (most recent call last):
    ...
    n3crypto.errors.PacketError: not a verified-transfer fragment
    """
    message = check_bytes(message, "message")
    if len(message) < FRAGMENT_OVERHEAD or message[:4] != SHARD_MAGIC:
        raise errors.PacketError("not a verified-transfer fragment")
    _magic, ver, tid, k, m, index, frag, nfrag, shard_len, surb_len = _HDR.unpack_from(message)
    if ver != VERSION:
        raise errors.PacketError(f"unknown fragment version {ver}")
    off = _HDR.size + surb_len
    if len(message) < off + TAG_BYTES or k < 1 or k + m > 255 or index >= k + m:
        raise errors.PacketError("malformed fragment header")
    if nfrag < 1 or frag >= nfrag:
        raise errors.PacketError("malformed fragment numbering")
    return Fragment(
        tid,
        k,
        m,
        index,
        frag,
        nfrag,
        shard_len,
        message[_HDR.size : off],
        message[off : off + TAG_BYTES],
        message[off + TAG_BYTES :],
        message[:off],
    )


@dataclass
class _Shard:
    frags: dict[int, Fragment] = field(default_factory=dict)
    inconsistent: bool = False


_Shape = tuple[int, int, int, int]  # k, m, shard length, fragment count


class ReceiveSession:
    """Collects the fragments of one transfer and opens it.

    The first fragment fixes the transfer id; the shape (k, m, shard length,
    fragment count) is the one most fragments agree on, so one fragment with
    an altered header cannot derail the transfer: fragments that disagree
    with it mark their shard corrupted (a shard that arrived but cannot be
    assembled is corrupted, not missing). :meth:`finish` repairs,
    authenticates and reports; it raises :class:`TransferFailed` (with the
    report) when the damage is beyond ``f + 2e ≤ m`` or authentication fails.

    >>> from n3crypto.verification.sim import make_users
    >>> keys = make_users(["alice", "bob"])
    >>> sealed = seal(keys["alice"], keys["bob"].public, b"data" * 250, 4, 2)
    >>> shards = [shard[0] for shard in sealed.fragments()]  # one fragment each here
    >>> shards[1] = shards[1][:-1] + bytes([shards[1][-1] ^ 1])  # altered on its path
    >>> session = ReceiveSession(keys["bob"])
    >>> all(session.add(f) for f in shards), session.complete
    (True, True)
    >>> data, report = session.finish()
    >>> data == b"data" * 250, report.corrupted, report.intact, report.sender
    (True, (1,), True, 'alice')

    Three of six shards are too few for ``k = 4``:

    >>> session = ReceiveSession(keys["bob"])
    >>> for f in shards[3:]:
    ...     _ = session.add(f)
    >>> session.finish()  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.verification.protocol.TransferFailed: transfer cannot be repaired: need at least 4 ...
    >>> session.report.missing, session.report.intact
    ((0, 1, 2), False)
    """

    #: fragments kept per transfer at most (a flood is ignored beyond it)
    MAX_FRAGMENTS = 1 << 16

    def __init__(self, recipient: UserKey, *, expected_sender: PublicKey | str | None = None):
        if not isinstance(recipient, UserKey):
            raise errors.N3TypeError("recipient must be a UserKey")
        self.recipient = recipient
        self.expected_sender = expected_sender
        self.transfer_id: bytes | None = None
        self.k = self.m = self.shard_len = self.nfrag = 0
        self._frags: list[Fragment] = []
        self._seen: set[tuple[_Shape, int, int]] = set()
        self._shapes: dict[_Shape, int] = {}
        self._shards: dict[int, _Shard] = {}
        self.surbs: dict[int, bytes] = {}
        self.duplicates = 0
        self.report: TransferReport | None = None
        #: the transfer key, once :meth:`finish` opened the transfer
        self.key: bytes | None = None

    @property
    def n(self) -> int:
        return self.k + self.m

    def add(self, message: bytes | Fragment) -> bool:
        """Add one fragment; False if it belongs to another transfer (or is a
        duplicate). Raises PacketError for bytes that are not a fragment."""
        f = message if isinstance(message, Fragment) else parse_fragment(message)
        if self.transfer_id is None:
            self.transfer_id = f.transfer_id
        elif f.transfer_id != self.transfer_id:
            return False
        shape = (f.k, f.m, f.shard_len, f.nfrag)
        key = (shape, f.index, f.frag)
        if key in self._seen or len(self._frags) >= self.MAX_FRAGMENTS:
            self.duplicates += 1
            return False
        self._seen.add(key)
        self._frags.append(f)
        self._shapes[shape] = self._shapes.get(shape, 0) + 1
        best = max(self._shapes, key=lambda s: self._shapes[s])  # ties: first seen
        if best != (self.k, self.m, self.shard_len, self.nfrag):
            self.k, self.m, self.shard_len, self.nfrag = best
            self._shards, self.surbs = {}, {}
            for g in self._frags:  # the majority changed: file everything again
                self._file(g)
        else:
            self._file(f)
        return True

    def _file(self, f: Fragment) -> None:
        """Put a fragment in its shard under the current (majority) shape."""
        if f.index >= self.n:
            return
        sh = self._shards.setdefault(f.index, _Shard())
        if (f.k, f.m, f.shard_len, f.nfrag) != (self.k, self.m, self.shard_len, self.nfrag):
            sh.inconsistent = True
            return
        sh.frags.setdefault(f.frag, f)
        if f.surb:
            self.surbs.setdefault(f.index, f.surb)

    @property
    def complete(self) -> bool:
        """Every fragment of every shard arrived (nothing more to wait for)."""
        return (
            self.transfer_id is not None
            and len(self._shards) == self.n
            and all(len(s.frags) == self.nfrag or s.inconsistent for s in self._shards.values())
        )

    def _assemble(self, i: int) -> bytes | None:
        sh = self._shards.get(i)
        if sh is None or sh.inconsistent or len(sh.frags) != self.nfrag:
            return None
        data = b"".join(sh.frags[j].data for j in range(self.nfrag))
        return data if len(data) == self.shard_len else None

    def finish(self) -> tuple[bytes, TransferReport]:
        """Repair, authenticate and report (see the class docstring)."""
        if self.transfer_id is None:
            raise errors.N3ValueError("no fragment received")
        tid, k, m = self.transfer_id, self.k, self.m
        shards = [self._assemble(i) for i in range(self.n)]
        # a shard that arrived but cannot be assembled was altered on the way
        bad_shape = {
            i
            for i, s in self._shards.items()
            if shards[i] is None and (s.inconsistent or len(s.frags) == self.nfrag)
        }
        missing = tuple(i for i in range(self.n) if shards[i] is None and i not in bad_shape)
        try:
            coder = ErasureCoder(k, m)
            decoded = coder.decode(shards)
        except errors.DecodeError as exc:
            located = self._try_locate(shards)
            self.report = TransferReport(
                tid, k, m, missing, tuple(sorted(bad_shape | located)), False
            )
            raise TransferFailed(f"transfer cannot be repaired: {exc}", self.report) from None
        try:
            opened = unsigncrypt(
                self.recipient, bytes(decoded), _ad(tid, k, m), self.expected_sender
            )
        except errors.UnsigncryptError:
            corrupt = tuple(sorted(bad_shape | set(decoded.corrupted)))
            self.report = TransferReport(tid, k, m, missing, corrupt, False)
            raise TransferFailed("transfer failed end-to-end authentication", self.report) from None
        key, data = opened.message[:KEY_BYTES], opened.message[KEY_BYTES:]
        bad = bad_shape | set(decoded.corrupted)
        for i, sh in self._shards.items():  # the binding: every fragment's tag
            if i in bad:
                continue
            if any(
                not hmac.compare_digest(f.tag, _tag(key, f.signed_part, f.data))
                for f in sh.frags.values()
            ):
                bad.add(i)
        self.report = TransferReport(
            tid, k, m, missing, tuple(sorted(bad)), True, opened.sender_public.identity, len(data)
        )
        self.key = key
        return data, self.report

    def _try_locate(self, shards: list[bytes | None]) -> set[int]:
        try:
            return set(ErasureCoder(self.k, self.m).locate_corrupt(shards))
        except errors.N3CryptoError:
            return set()


# ------------------------------------------------------------------ acknowledgements


@dataclass(frozen=True, slots=True)
class Ack:
    """An acknowledgement as the sender reads it. ``copies`` lists the shard
    indices whose reply blocks the receiver used for this acknowledgement."""

    transfer_id: bytes
    intact: bool
    n: int
    missing: tuple[int, ...]
    corrupted: tuple[int, ...]
    copies: tuple[int, ...]
    receipt: bytes
    #: an eligibility token for the sender's next rating ballot (may be empty)
    token: bytes = b""


def _bitmap(n: int, idx: Sequence[int]) -> bytes:
    b = bytearray((n + 7) // 8)
    for i in idx:
        b[i >> 3] |= 1 << (i & 7)
    return bytes(b)


def _unbitmap(n: int, b: bytes) -> tuple[int, ...]:
    return tuple(i for i in range(n) if b[i >> 3] >> (i & 7) & 1)


def _receipt(key: bytes, body: bytes) -> bytes:
    return hmac.new(key, _RCPT_DST + body, "sha256").digest()[:TAG_BYTES]


def encode_ack(
    report: TransferReport, copies: Sequence[int], key: bytes | None = None, token: bytes = b""
) -> bytes:
    """The acknowledgement of ``report``; an intact one carries a receipt
    (a MAC under the transfer key, which only the recipient could open) and
    may carry a rating ``token`` (at most 255 bytes).

    >>> report = TransferReport(bytes(16), k=4, m=2, missing=(5,), corrupted=(1,), intact=True)
    >>> key = bytes(range(32))  # the transfer key, which only the recipient recovered
    >>> ack = decode_ack(encode_ack(report, copies=[0, 2], key=key), key)
    >>> ack.intact, ack.n, ack.missing, ack.corrupted, ack.copies
    (True, 6, (5,), (1,), (0, 2))
    """
    check_type(report, TransferReport, "report")
    token = check_bytes(token, "token")
    if key is not None:
        key = check_bytes(key, "key")
    if len(token) > 255:
        raise errors.N3ValueError("token too long")
    n = report.n
    copies = check_iterable(copies, "copies")
    for i in copies:
        check_int(i, "a copy index", 0, n - 1)
    body = (
        ACK_MAGIC
        + bytes([VERSION])
        + report.transfer_id
        + bytes([_STATUS_INTACT if report.intact else _STATUS_FAILED, n])
        + _bitmap(n, report.missing)
        + _bitmap(n, report.corrupted)
        + _bitmap(n, copies)
        + bytes([len(token)])
        + token
    )
    rcpt = _receipt(key, body) if (report.intact and key is not None) else bytes(TAG_BYTES)
    return body + rcpt


def decode_ack(message: bytes, key: bytes) -> Ack:
    """Parse an acknowledgement for a transfer whose key is ``key``; an
    'intact' claim without a valid receipt raises IntegrityError.

    >>> report = TransferReport(bytes(16), k=4, m=2, missing=(), corrupted=(), intact=True)
    >>> message = encode_ack(report, [0], key=b"k" * 32, token=b"ballot token")
    >>> decode_ack(message, b"k" * 32).token
    b'ballot token'
    >>> decode_ack(message, b"x" * 32)  # not made with this transfer's key
    Traceback (most recent call last):
    ...
    n3crypto.errors.IntegrityError: acknowledgement receipt does not verify

    A failure report carries no receipt (a receiver that could not open the
    transfer never learned its key), so it decodes under any key:

    >>> failed = TransferReport(bytes(16), k=4, m=2, missing=(0, 1, 2), corrupted=(),
    ...                         intact=False)
    >>> decode_ack(encode_ack(failed, [3]), b"k" * 32).missing
    (0, 1, 2)
    """
    message = check_bytes(message, "message")
    key = check_bytes(key, "key")
    if len(message) < 4 + 1 + TRANSFER_ID_BYTES + 2 or message[:4] != ACK_MAGIC:
        raise errors.PacketError("not an acknowledgement")
    if message[4] != VERSION:
        raise errors.PacketError("unknown acknowledgement version")
    off = 5 + TRANSFER_ID_BYTES
    tid = message[5:off]
    status, n = message[off], message[off + 1]
    w = (n + 7) // 8
    body_len = off + 2 + 3 * w
    maps = [message[off + 2 + j * w : off + 2 + (j + 1) * w] for j in range(3)]
    if len(message) < body_len + 1:
        raise errors.PacketError("malformed acknowledgement")
    tlen = message[body_len]
    token = message[body_len + 1 : body_len + 1 + tlen]
    body_len += 1 + tlen
    if len(message) != body_len + TAG_BYTES:
        raise errors.PacketError("malformed acknowledgement")
    rcpt = message[body_len:]
    intact = status == _STATUS_INTACT
    if intact and not hmac.compare_digest(rcpt, _receipt(key, message[:body_len])):
        raise errors.IntegrityError("acknowledgement receipt does not verify")
    return Ack(
        tid,
        intact,
        n,
        _unbitmap(n, maps[0]),
        _unbitmap(n, maps[1]),
        _unbitmap(n, maps[2]),
        rcpt,
        token,
    )
