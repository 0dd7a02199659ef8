"""Keys of the certificateless scheme: the KGC, requests, partial keys, user keys.

>>> from n3crypto.signcryption import KGC, UserKey
>>> kgc = KGC.generate()
>>> alice = UserKey.generate("alice", kgc.public)
>>> partial = kgc.issue_partial_key("alice", alice.request())
>>> alice.accept_partial_key(partial).public.identity
'alice'
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Any, Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from n3crypto import envelope, errors
from n3crypto._check import check_bytes as _b
from n3crypto._check import check_real
from n3crypto.group import Point, PrecomputedPoint, Scalar
from n3crypto.signcryption import _common as c
from n3crypto.signcryption import _native

__all__ = [
    "DEFAULT_VALIDITY",
    "KGC",
    "KGCPublic",
    "KeyExpired",
    "KeyRequest",
    "PartialKey",
    "PublicKey",
    "UserKey",
]

#: Default lifetime of an issued partial key: 365 days.
DEFAULT_VALIDITY: Final[int] = 365 * 86400
_ZERO_NONCE: Final[bytes] = bytes(12)
_B: Final[Point] = Point.base()


class KeyExpired(errors.InvalidKey):
    """A key is past its expiry (revocation by expiry)."""


def checked_now(now: Any) -> int:
    """``now`` (Unix seconds, or None for the clock) as whole seconds, after
    checking it is a finite number in the range expiries use."""
    if now is not None:
        check_real(now, "now", 0, c.MAX_EXPIRY)
    return c.now_seconds(now)


def _point(data: bytes, what: str) -> Point:
    try:
        p = Point.from_bytes(data)
    except errors.InvalidEncoding:
        raise errors.InvalidKey(f"{what} is not a canonical ristretto255 encoding") from None
    if p.is_identity():
        raise errors.InvalidKey(f"{what} is the identity point")
    return p


def _scalar(data: bytes, what: str) -> Scalar:
    try:
        s = Scalar.from_bytes(data)
    except errors.InvalidEncoding:
        raise errors.InvalidKey(f"{what} is not a canonical scalar") from None
    if not s:
        raise errors.InvalidKey(f"{what} is zero")
    return s


def _fingerprint(data: bytes) -> str:
    d = hashlib.sha256(data).hexdigest()[:32]
    return ":".join(d[i : i + 4] for i in range(0, 32, 4))


class _Reader:
    """Sequential parser of a key body; every short read is InvalidEncoding."""

    def __init__(self, data: bytes, what: str) -> None:
        self.data, self.off, self.what = data, 0, what

    def take(self, n: int) -> bytes:
        if self.off + n > len(self.data):
            raise errors.InvalidEncoding(f"truncated {self.what}")
        out = self.data[self.off : self.off + n]
        self.off += n
        return out

    def u8(self) -> int:
        return self.take(1)[0]

    def u64(self) -> int:
        return int.from_bytes(self.take(8), "big")

    def identity(self) -> bytes:
        return c.canonical_identity(self.take(self.u8()))

    def end(self) -> None:
        if self.off != len(self.data):
            raise errors.InvalidEncoding(f"trailing bytes after {self.what}")


def _schnorr_sign(tag: bytes, secret: Scalar, public: bytes, *parts: bytes) -> bytes:
    """A hedged Schnorr signature (U || z) with ``e = H(tag, public, U, *parts)``."""
    k = c.hash_scalar(tag + b"-nonce", bytes(secret), c.random_bytes(32), public, *parts)
    u = bytes(k * _B)
    e = c.hash_scalar(tag, public, u, *parts)
    return u + bytes(k + e * secret)


def _schnorr_check(tag: bytes, public: Point, sig: bytes, *parts: bytes) -> bool:
    """Whether ``z B - e P == U`` for ``sig = U || z`` (variable time, public data)."""
    if len(sig) != 64:
        return False
    try:
        z = Scalar.from_bytes(sig[32:])
        Point.from_bytes(sig[:32])
    except errors.InvalidEncoding:
        return False
    e = c.hash_scalar(tag, bytes(public), sig[:32], *parts)
    return bytes(Point.vartime_double_mul_base(z, -e, public)) == sig[:32]


# -- the KGC's public key ---------------------------------------------------

_TABLES: c.LRU[bytes, PrecomputedPoint] = c.LRU(16)


def _table(p: Point) -> PrecomputedPoint:
    """The fixed-base table of a long-lived point (a KGC key), cached."""
    key = bytes(p)
    t = _TABLES.get(key)
    if t is None:
        t = p.precompute()
        _TABLES.put(key, t)
    return t


class KGCPublic:
    """The KGC's public key ``P_pub = s B`` (with a cached fixed-base table).

    >>> kgc = KGC.generate()
    >>> KGCPublic.from_bytes(bytes(kgc.public)) == kgc.public
    True
    """

    __slots__ = ("_lp", "_point")
    KIND: Final[str] = "clsc-kgc-public"

    def __init__(self, point: Point) -> None:
        if not isinstance(point, Point):
            raise errors.N3TypeError("KGCPublic takes a Point")
        if point.is_identity():
            raise errors.InvalidKey("the KGC public key is the identity point")
        self._point = point
        self._lp = c.lp(bytes(point))  # framed once for the hot path

    @property
    def point(self) -> Point:
        return self._point

    @property
    def table(self) -> PrecomputedPoint:
        return _table(self._point)

    @property
    def fingerprint(self) -> str:
        return _fingerprint(bytes(self._point))

    def __bytes__(self) -> bytes:
        return envelope.pack(self.KIND, 1, bytes(self._point))

    @classmethod
    def from_bytes(cls, data: bytes) -> KGCPublic:
        _, body = envelope.unpack(_b(data, "KGC public key"), cls.KIND)
        if len(body) != 32:
            raise errors.InvalidEncoding("a KGC public key body is 32 bytes")
        return cls(_point(body, "KGC public key"))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KGCPublic):
            return NotImplemented
        return self._point == other._point

    def __hash__(self) -> int:
        return hash((KGCPublic, bytes(self._point)))

    def __repr__(self) -> str:
        return f"KGCPublic({self.fingerprint})"


# -- user public keys -------------------------------------------------------

# Sender keys met by unsigncrypt/verify, by their wire parts and by their
# encrypted field bytes: two separate key spaces, so never two caches in one.
_BY_PARTS: c.LRU[bytes, PublicKey] = c.LRU(1024)
_BY_FIELD: c.LRU[bytes, PublicKey] = c.LRU(1024)


class PublicKey:
    """A user's certificateless public key: identity, ``V``, expiry, KGC.

    ``V = X + R`` is the one-point (ECQV-style) form; anyone derives the full
    public key ``Q = V + h1 P_pub`` with ``h1 = H("h1", P_pub, ID, V, expiry)``.
    ``Q`` equals ``a B`` for the owner's full secret ``a = x + d``; nobody can
    know a secret for a ``Q`` of an identity without the KGC's partial key.

    >>> kgc = KGC.generate()
    >>> u = UserKey.generate("alice", kgc.public)
    >>> partial = kgc.issue_partial_key("alice", u.request(), expiry=1900000000, now=1800000000)
    >>> pub = u.accept_partial_key(partial, now=1800000000).public
    >>> pub.identity, pub.expiry, pub.kgc == kgc.public
    ('alice', 1900000000, True)
    >>> PublicKey.from_bytes(bytes(pub)) == pub
    True
    >>> pub.is_expired(now=1800000000), pub.is_expired(now=1900000000)
    (False, True)
    >>> pub.check_current(now=1900000000)
    Traceback (most recent call last):
    ...
    n3crypto.signcryption.keys.KeyExpired: the key of 'alice' expired at 1900000000
    """

    __slots__ = (
        "_bytes",
        "_expiry",
        "_fields",
        "_id",
        "_kgc",
        "_lp",
        "_q",
        "_qb",
        "_qtable",
        "_uses",
        "_v",
    )
    KIND: Final[str] = "clsc-public-key"

    def __init__(self, identity: str | bytes, v: Point, expiry: int, kgc: KGCPublic) -> None:
        if not isinstance(v, Point) or not isinstance(kgc, KGCPublic):
            raise errors.N3TypeError("PublicKey(identity, Point, int, KGCPublic)")
        if not isinstance(expiry, int) or isinstance(expiry, bool):
            raise errors.N3TypeError("expiry must be int (Unix seconds)")
        if not 0 < expiry <= c.MAX_EXPIRY:
            raise errors.InvalidKey("expiry out of range")
        if v.is_identity():
            raise errors.InvalidKey("public value V is the identity point")
        self._id = c.canonical_identity(identity)
        self._v, self._expiry, self._kgc = v, expiry, kgc
        h1 = self.h1()
        self._q = v + h1 * kgc.table
        if self._q.is_identity():
            raise errors.InvalidKey("full public key Q is the identity point")
        self._qtable: PrecomputedPoint | None = None
        self._uses = 0
        self._qb = bytes(self._q)
        # lp(ID) || lp(u64(exp)) || lp(V): this key's part of every framed hash.
        self._lp = c.lp(self._id) + c.lp(c.u64(expiry)) + c.lp(bytes(v))
        self._fields: dict[int, bytes] = {}
        body = bytes(kgc.point) + bytes(v) + c.u64(expiry) + bytes([len(self._id)]) + self._id
        self._bytes = envelope.pack(self.KIND, 1, body)

    def h1(self) -> Scalar:
        """The binding hash ``h1 = H("h1", P_pub, ID, V, expiry)``."""
        return c.hash_scalar(
            b"h1", bytes(self._kgc.point), self._id, bytes(self._v), c.u64(self._expiry)
        )

    @property
    def identity(self) -> str:
        """The canonical identity."""
        return self._id.decode("utf-8")

    @property
    def identity_bytes(self) -> bytes:
        return self._id

    @property
    def public_value(self) -> Point:
        """``V`` (the one point of the public key)."""
        return self._v

    @property
    def full_point(self) -> Point:
        """``Q = V + h1 P_pub``, the point the owner's full secret multiplies B to."""
        return self._q

    @property
    def expiry(self) -> int:
        return self._expiry

    @property
    def kgc(self) -> KGCPublic:
        return self._kgc

    @property
    def fingerprint(self) -> str:
        """A short SHA-256 fingerprint of the serialized key, for humans."""
        return _fingerprint(self._bytes)

    def is_expired(self, now: float | None = None) -> bool:
        return checked_now(now) >= self._expiry

    def check_current(self, now: float | None = None) -> None:
        """Raise :class:`KeyExpired` if the key has expired at ``now``."""
        if self.is_expired(now):
            raise KeyExpired(f"the key of {self.identity!r} expired at {self._expiry}")

    def _q_mul(self, k: Scalar) -> Point:
        """``k Q`` in constant time; a fixed-base table is built on the second use."""
        table = self._table()
        return k * table if table is not None else k * self._q

    def _table(self) -> PrecomputedPoint | None:
        """Q's fixed-base table, built when the key is used a second time."""
        if self._qtable is None:
            self._uses += 1
            if self._uses >= 2:
                self._qtable = self._q.precompute()
        return self._qtable

    def _encap(self, k_wide: bytes) -> tuple[bytes, bytes, bytes]:
        """``(k, k B, k Q)`` for ``k = k_wide mod l`` in one native call."""
        return _native.encap(k_wide, self._qb, self._table())

    def _field(self, width: int) -> bytes:
        """The encrypted sender field of this key at ``width`` (cached)."""
        f = self._fields.get(width)
        if f is None:
            f = self._fields[width] = c.identity_field(self._id, self._expiry, width)
        return f

    def __bytes__(self) -> bytes:
        return self._bytes

    @classmethod
    def from_bytes(cls, data: bytes) -> PublicKey:
        """Parse and validate (canonical points, not the identity, canonical identity)."""
        data = _b(data, "public key")
        _, body = envelope.unpack(data, cls.KIND)
        r = _Reader(body, "public key")
        kgc = KGCPublic(_point(r.take(32), "KGC public key"))
        v = _point(r.take(32), "public value V")
        expiry = r.u64()
        ident = r.identity()
        r.end()
        pk = cls(ident, v, expiry, kgc)
        return pk

    @classmethod
    def _from_parts(cls, kgc: KGCPublic, ident: bytes, expiry: int, v_bytes: bytes) -> PublicKey:
        """Cached construction from wire parts (used by unsigncrypt and verify)."""
        key = bytes(kgc.point) + v_bytes + c.u64(expiry) + ident
        pk = _BY_PARTS.get(key)
        if pk is None:
            pk = cls(ident, _point(v_bytes, "public value V"), expiry, kgc)
            _BY_PARTS.put(key, pk)
        return pk

    @classmethod
    def _from_field(cls, kgc: KGCPublic, field_and_v: bytes) -> PublicKey:
        """The sender key from a decrypted ``field || V`` (cached by those bytes)."""
        key = bytes(kgc.point) + field_and_v
        pk = _BY_FIELD.get(key)
        if pk is None:
            ident, expiry = c.parse_identity_field(field_and_v[:-32])
            pk = cls._from_parts(kgc, ident, expiry, field_and_v[-32:])
            _BY_FIELD.put(key, pk)
        return pk

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PublicKey):
            return NotImplemented
        return hmac.compare_digest(self._bytes, other._bytes)

    def __hash__(self) -> int:
        return hash((PublicKey, self._bytes))

    def __repr__(self) -> str:
        return f"PublicKey({self.identity!r}, {self.fingerprint}, expiry={self._expiry})"


# -- requests and partial keys ------------------------------------------------


class KeyRequest:
    """A user's request for a partial key: identity, ``X`` and a proof of possession.

    The proof is a Schnorr signature under ``X`` on ``(P_pub, ID, X)``, so a
    request cannot be made for someone else's ``X`` nor replayed to another KGC.

    >>> kgc = KGC.generate()
    >>> request = UserKey.generate("Alice", kgc.public).request()
    >>> received = KeyRequest.from_bytes(bytes(request))      # as the KGC gets it
    >>> received.identity, len(received.digest)
    ('alice', 32)
    >>> received.verify()                                     # proof of possession
    >>> kgc.issue_partial_key("mallory", received)
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidKey: the request is for 'alice', not 'mallory'
    """

    __slots__ = ("identity_bytes", "kgc", "proof", "public_value")
    KIND: Final[str] = "clsc-key-request"

    def __init__(self, identity: bytes, public_value: Point, kgc: KGCPublic, proof: bytes) -> None:
        self.identity_bytes = c.canonical_identity(identity)
        self.public_value = public_value
        self.kgc = kgc
        self.proof = proof

    @property
    def identity(self) -> str:
        return self.identity_bytes.decode("utf-8")

    def verify(self) -> None:
        """Raise InvalidKey unless the proof of possession verifies."""
        if self.public_value.is_identity() or not _schnorr_check(
            b"pop", self.public_value, self.proof, bytes(self.kgc.point), self.identity_bytes
        ):
            raise errors.InvalidKey("the request's proof of possession does not verify")

    def __bytes__(self) -> bytes:
        body = (
            bytes(self.kgc.point)
            + bytes(self.public_value)
            + self.proof
            + bytes([len(self.identity_bytes)])
            + self.identity_bytes
        )
        return envelope.pack(self.KIND, 1, body)

    @classmethod
    def from_bytes(cls, data: bytes) -> KeyRequest:
        _, body = envelope.unpack(_b(data, "key request"), cls.KIND)
        r = _Reader(body, "key request")
        kgc = KGCPublic(_point(r.take(32), "KGC public key"))
        x = _point(r.take(32), "public value X")
        proof = r.take(64)
        ident = r.identity()
        r.end()
        return cls(ident, x, kgc, proof)

    @property
    def digest(self) -> bytes:
        """SHA-256 of the serialized request (recorded in the issuance log)."""
        return hashlib.sha256(bytes(self)).digest()

    def __repr__(self) -> str:
        return f"KeyRequest({self.identity!r}, X={bytes(self.public_value).hex()[:16]}…)"


class PartialKey:
    """The KGC's answer: ``V = X + R``, expiry, and ``d = r + h1 s`` encrypted to ``X``.

    ``d`` is wrapped with ChaCha20-Poly1305 under a key from an ephemeral
    Diffie–Hellman with ``X`` (``E = e B``), so a partial key may travel over
    any channel. ``log_index`` is the entry of the KGC's issuance log.

    >>> kgc = KGC.generate()
    >>> alice = UserKey.generate("alice", kgc.public)
    >>> t = 1800000000
    >>> partial = kgc.issue_partial_key("alice", alice.request(), expiry=t + 86400, now=t)
    >>> partial
    PartialKey('alice', expiry=1800086400, log_index=0)
    >>> received = PartialKey.from_bytes(bytes(partial))      # as the user gets it
    >>> alice.accept_partial_key(received, now=t).public.expiry
    1800086400
    >>> UserKey.generate("alice", kgc.public).accept_partial_key(received, now=t)  # other X
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidKey: the partial key does not verify for this key
    """

    __slots__ = ("ephemeral", "expiry", "identity_bytes", "kgc", "log_index", "v", "wrapped")
    KIND: Final[str] = "clsc-partial-key"

    def __init__(
        self,
        identity: bytes,
        v: Point,
        expiry: int,
        kgc: KGCPublic,
        ephemeral: Point,
        wrapped: bytes,
        log_index: int,
    ) -> None:
        self.identity_bytes = c.canonical_identity(identity)
        self.v, self.expiry, self.kgc = v, expiry, kgc
        self.ephemeral, self.wrapped, self.log_index = ephemeral, wrapped, log_index

    @property
    def identity(self) -> str:
        return self.identity_bytes.decode("utf-8")

    def _wrap_parts(self, x_point: Point) -> tuple[bytes, ...]:
        return (
            bytes(self.kgc.point),
            self.identity_bytes,
            bytes(x_point),
            bytes(self.v),
            c.u64(self.expiry),
            bytes(self.ephemeral),
        )

    def __bytes__(self) -> bytes:
        body = (
            bytes(self.kgc.point)
            + bytes(self.v)
            + c.u64(self.expiry)
            + bytes(self.ephemeral)
            + self.wrapped
            + c.u64(self.log_index)
            + bytes([len(self.identity_bytes)])
            + self.identity_bytes
        )
        return envelope.pack(self.KIND, 1, body)

    @classmethod
    def from_bytes(cls, data: bytes) -> PartialKey:
        _, body = envelope.unpack(_b(data, "partial key"), cls.KIND)
        r = _Reader(body, "partial key")
        kgc = KGCPublic(_point(r.take(32), "KGC public key"))
        v = _point(r.take(32), "public value V")
        expiry = r.u64()
        eph = _point(r.take(32), "ephemeral key")
        wrapped = r.take(48)
        log_index = r.u64()
        ident = r.identity()
        r.end()
        return cls(ident, v, expiry, kgc, eph, wrapped, log_index)

    def __repr__(self) -> str:
        return f"PartialKey({self.identity!r}, expiry={self.expiry}, log_index={self.log_index})"


# -- the KGC --------------------------------------------------------------------


class KGC:
    """The key generation centre: master secret ``s``, public ``P_pub = s B``.

    It vouches for identities but never learns a user's secret value, so it
    cannot unsigncrypt or signcrypt for anyone (docs/signcryption.md, Type II).

    >>> kgc = KGC.generate()
    >>> bob = UserKey.generate("bob", kgc.public)
    >>> partial = kgc.issue_partial_key("bob", bob.request(), validity=30 * 86400)
    >>> bob.accept_partial_key(partial).public.identity
    'bob'
    >>> KGC.from_bytes(kgc.to_bytes()).public == kgc.public    # to_bytes() is secret
    True
    >>> verify_kgc_signature(kgc.public, b"log head", kgc.sign(b"log head"))
    True
    """

    __slots__ = ("_public", "_s")
    KIND: Final[str] = "clsc-kgc-key"

    def __init__(self, secret: Scalar) -> None:
        if not isinstance(secret, Scalar):
            raise errors.N3TypeError("KGC takes a Scalar")
        if not secret:
            raise errors.InvalidKey("the KGC master secret is zero")
        self._s = secret
        self._public = KGCPublic(secret * _B)

    @classmethod
    def generate(cls) -> KGC:
        """A fresh KGC with a random master secret."""
        return cls(c.random_scalar())

    @property
    def public(self) -> KGCPublic:
        return self._public

    def issue_partial_key(
        self,
        identity: str | bytes,
        request: KeyRequest,
        *,
        expiry: int | None = None,
        validity: int = DEFAULT_VALIDITY,
        now: float | None = None,
        log: Any = None,
    ) -> PartialKey:
        """Issue the partial key of ``identity`` for a verified ``request``.

        ``identity`` is what the KGC has established out of band; the request
        must be for it and for this KGC, and its proof of possession must
        verify. The key expires at ``expiry`` (Unix seconds) or ``validity``
        seconds from ``now``. With ``log`` (an :class:`IssuanceLog`) the
        issuance is appended to the published log first.
        """
        if not isinstance(request, KeyRequest):
            raise errors.N3TypeError("request must be a KeyRequest")
        ident = c.canonical_identity(identity)
        if not hmac.compare_digest(ident, request.identity_bytes):
            raise errors.InvalidKey(
                f"the request is for {request.identity!r}, not {ident.decode()!r}"
            )
        if request.kgc != self._public:
            raise errors.InvalidKey("the request is addressed to another KGC")
        request.verify()
        t = checked_now(now)
        if expiry is None:
            if not isinstance(validity, int) or validity <= 0:
                raise errors.N3ValueError("validity must be a positive number of seconds")
            expiry = t + validity
        if not isinstance(expiry, int) or isinstance(expiry, bool):
            raise errors.N3TypeError("expiry must be int")
        if not t < expiry <= c.MAX_EXPIRY:
            raise errors.N3ValueError("expiry must be in the future")
        x_point = request.public_value
        pp = bytes(self._public.point)
        while True:
            r = c.hash_scalar(
                b"kgc-r", bytes(self._s), c.random_bytes(32), pp, ident, bytes(x_point)
            )
            v = x_point + r * _B
            if r and not v.is_identity():
                break
        h1 = c.hash_scalar(b"h1", pp, ident, bytes(v), c.u64(expiry))
        d = r + h1 * self._s
        e = c.random_scalar()
        eph = e * _B
        log_index = 0
        if log is not None:
            pk = PublicKey(ident, v, expiry, self._public)
            log_index = log.append(self, pk, request.digest, now=t).seq
        partial = PartialKey(ident, v, expiry, self._public, eph, b"", log_index)
        parts = partial._wrap_parts(x_point)
        key = c.kdf(b"wrap", bytes(e * x_point), *parts)
        partial.wrapped = ChaCha20Poly1305(key).encrypt(
            _ZERO_NONCE, bytes(d), c.frame(b"wrap-ad", *parts)
        )
        return partial

    def sign(self, message: bytes) -> bytes:
        """A 64-byte Schnorr signature by the KGC (used for its issuance log)."""
        return _schnorr_sign(b"kgc-sig", self._s, bytes(self._public.point), _b(message, "message"))

    def to_bytes(self) -> bytes:
        """The secret serialization (envelope ``clsc-kgc-key``). Keep it secret."""
        return envelope.pack(self.KIND, 1, bytes(self._s))

    @classmethod
    def from_bytes(cls, data: bytes) -> KGC:
        _, body = envelope.unpack(_b(data, "KGC key"), cls.KIND)
        if len(body) != 32:
            raise errors.InvalidEncoding("a KGC key body is 32 bytes")
        return cls(_scalar(body, "KGC master secret"))

    def __repr__(self) -> str:
        return f"KGC(public={self._public.fingerprint}, secret=<hidden>)"


def verify_kgc_signature(kgc: KGCPublic, message: bytes, signature: bytes) -> bool:
    """Whether ``signature`` is the KGC's signature on ``message``.

    >>> kgc = KGC.generate()
    >>> sig = kgc.sign(b"log head")
    >>> verify_kgc_signature(kgc.public, b"log head", sig)
    True
    >>> verify_kgc_signature(kgc.public, b"other", sig)
    False
    """
    if not isinstance(kgc, KGCPublic):
        raise errors.N3TypeError(f"kgc must be a KGCPublic, not {type(kgc).__name__}")
    msg = _b(message, "message")
    return _schnorr_check(b"kgc-sig", kgc.point, _b(signature, "signature"), msg)


# -- user keys ------------------------------------------------------------------


class UserKey:
    """A user's key pair: secret value ``x`` and, once accepted, the partial key.

    The full secret is ``a = x + d``; the KGC knows ``d`` but not ``x``.

    >>> kgc = KGC.generate()
    >>> alice = UserKey.generate("alice", kgc.public)
    >>> alice.is_complete
    False
    >>> partial = kgc.issue_partial_key("alice", alice.request())    # request goes to the KGC
    >>> alice.accept_partial_key(partial).is_complete
    True
    >>> restored = UserKey.from_bytes(alice.to_bytes())              # to_bytes() is secret
    >>> restored.identity, restored.public == alice.public
    ('alice', True)
    """

    __slots__ = ("_a", "_d", "_expiry", "_id", "_kgc", "_log_index", "_public", "_v", "_x", "_xp")
    KIND: Final[str] = "clsc-user-key"

    def __init__(self, identity: str | bytes, kgc: KGCPublic, x: Scalar) -> None:
        if not isinstance(kgc, KGCPublic) or not isinstance(x, Scalar):
            raise errors.N3TypeError("UserKey(identity, KGCPublic, Scalar)")
        if not x:
            raise errors.InvalidKey("secret value is zero")
        self._id = c.canonical_identity(identity)
        self._kgc, self._x = kgc, x
        self._xp = x * _B
        self._d: Scalar | None = None
        self._a: Scalar | None = None
        self._v: Point | None = None
        self._expiry = 0
        self._log_index = 0
        self._public: PublicKey | None = None

    @classmethod
    def generate(cls, identity: str | bytes, kgc_public: KGCPublic) -> UserKey:
        """SetSecretValue: a random ``x``; the key is incomplete until a partial key is accepted."""
        return cls(identity, kgc_public, c.random_scalar())

    @property
    def identity(self) -> str:
        return self._id.decode("utf-8")

    @property
    def kgc(self) -> KGCPublic:
        return self._kgc

    @property
    def public_value(self) -> Point:
        """``X = x B``."""
        return self._xp

    @property
    def is_complete(self) -> bool:
        """Whether a partial key has been accepted."""
        return self._a is not None

    def request(self) -> KeyRequest:
        """The request for the KGC: identity, ``X`` and a proof of possession of ``x``."""
        pp = bytes(self._kgc.point)
        proof = _schnorr_sign(b"pop", self._x, bytes(self._xp), pp, self._id)
        return KeyRequest(self._id, self._xp, self._kgc, proof)

    def accept_partial_key(self, partial: PartialKey, *, now: float | None = None) -> UserKey:
        """SetPrivateKey/SetPublicKey: unwrap ``d`` and check ``d B == V - X + h1 P_pub``.

        Raises InvalidKey if the partial key is for another identity, KGC or
        ``X``, does not verify, or has expired. Returns ``self``.
        """
        if not isinstance(partial, PartialKey):
            raise errors.N3TypeError("partial must be a PartialKey")
        if partial.kgc != self._kgc:
            raise errors.InvalidKey("the partial key comes from another KGC")
        if not hmac.compare_digest(partial.identity_bytes, self._id):
            raise errors.InvalidKey(f"the partial key is for {partial.identity!r}")
        parts = partial._wrap_parts(self._xp)
        key = c.kdf(b"wrap", bytes(self._x * partial.ephemeral), *parts)
        try:
            d_bytes = ChaCha20Poly1305(key).decrypt(
                _ZERO_NONCE, partial.wrapped, c.frame(b"wrap-ad", *parts)
            )
            d = Scalar.from_bytes(d_bytes)
        except (InvalidTag, errors.InvalidEncoding):
            raise errors.InvalidKey("the partial key does not verify for this key") from None
        pp = bytes(self._kgc.point)
        h1 = c.hash_scalar(b"h1", pp, self._id, bytes(partial.v), c.u64(partial.expiry))
        r_point = partial.v - self._xp
        if d * _B != r_point + h1 * self._kgc.table or r_point.is_identity():
            raise errors.InvalidKey("the partial key does not verify for this key")
        public = PublicKey(self._id, partial.v, partial.expiry, self._kgc)
        public.check_current(now)
        self._d, self._v, self._expiry = d, partial.v, partial.expiry
        self._a = self._x + d
        self._log_index = partial.log_index
        self._public = public
        return self

    @property
    def public(self) -> PublicKey:
        """The public key (raises InvalidKey before a partial key is accepted)."""
        if self._public is None:
            raise errors.InvalidKey("this key has no partial key yet (accept_partial_key)")
        return self._public

    def _full(self) -> tuple[Scalar, PublicKey]:
        if self._a is None or self._public is None:
            raise errors.InvalidKey("this key has no partial key yet (accept_partial_key)")
        return self._a, self._public

    def to_bytes(self) -> bytes:
        """The secret serialization (envelope ``clsc-user-key``). Keep it secret."""
        body = bytes(self._kgc.point) + bytes(self._x) + bytes([len(self._id)]) + self._id
        if self._d is not None and self._v is not None:
            body += (
                b"\x01"
                + bytes(self._v)
                + c.u64(self._expiry)
                + bytes(self._d)
                + c.u64(self._log_index)
            )
        else:
            body += b"\x00"
        return envelope.pack(self.KIND, 1, body)

    @classmethod
    def from_bytes(cls, data: bytes) -> UserKey:
        """Parse a secret key; a stored partial key is re-verified."""
        _, body = envelope.unpack(_b(data, "user key"), cls.KIND)
        r = _Reader(body, "user key")
        kgc = KGCPublic(_point(r.take(32), "KGC public key"))
        x = _scalar(r.take(32), "secret value")
        ident = r.identity()
        key = cls(ident, kgc, x)
        flag = r.u8()
        if flag == 1:
            v = _point(r.take(32), "public value V")
            expiry = r.u64()
            d = _scalar(r.take(32), "partial key")
            log_index = r.u64()
            h1 = c.hash_scalar(b"h1", bytes(kgc.point), ident, bytes(v), c.u64(expiry))
            if d * _B != v - key._xp + h1 * kgc.table:
                raise errors.InvalidKey("the stored partial key does not match the secret value")
            key._d, key._v, key._expiry, key._log_index = d, v, expiry, log_index
            key._a = x + d
            key._public = PublicKey(ident, v, expiry, kgc)
        elif flag != 0:
            raise errors.InvalidEncoding("bad user key flag")
        r.end()
        return key

    def __repr__(self) -> str:
        state = self._public.fingerprint if self._public is not None else "no partial key"
        return f"UserKey({self.identity!r}, {state}, secret=<hidden>)"
