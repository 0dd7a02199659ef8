"""Shamir secret sharing over GF(2^8) (byte strings) and prime fields.

``split(secret, n, t)`` deals ``n`` shares of which any ``t`` rebuild the
secret and any ``t − 1`` reveal nothing about it:

* ``bytes`` secrets of any length are shared **byte-wise over GF(2^8)**
  (the Reed–Solomon core's field, polynomial 0x11D) at points ``1..n``
  (``n ≤ 255``); splitting and combining run in the C kernels, constant time
  in the secret bytes;
* :class:`~n3crypto.group.Scalar` secrets are shared over the ristretto255
  scalar field (so shares plug into Feldman/Pedersen commitments);
* ``int`` secrets over a prime field of the caller's choice (default the
  ristretto255 scalar field ``ℓ``; any prime for big secrets). Prime-field
  arithmetic is Python integers: **variable time**.

Every :class:`Share` carries its scheme, index, threshold and the random
identifier of the dealing, so shares of different secrets (or of one secret
before and after :func:`refresh`) are never mixed silently.

>>> shares = split(b"attack at dawn", 5, 3)
>>> combine(shares[1:4])
b'attack at dawn'
>>> combine([Share.from_bytes(bytes(s)) for s in shares[::2]])
b'attack at dawn'
>>> combine(split(2**200 + 7, 4, 2, modulus=2**521 - 1)[2:])
1606938044258990275541962092341162602522202993782792835301383
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import gmpy2  # type: ignore[import-untyped]

from n3crypto import errors, gf256
from n3crypto._check import check_iterable
from n3crypto.bindings import rs as _rs
from n3crypto.group import ORDER, Scalar
from n3crypto.paillier import _codec
from n3crypto.sharing._field import PrimeField, lagrange_at

__all__ = [
    "SCHEME_BYTES",
    "SCHEME_PRIME",
    "SCHEME_SCALAR",
    "Share",
    "check_shares",
    "combine",
    "refresh",
    "split",
]

SCHEME_BYTES = "gf256"
SCHEME_SCALAR = "ristretto255-scalar"
SCHEME_PRIME = "prime"
_SCHEMES = (SCHEME_BYTES, SCHEME_SCALAR, SCHEME_PRIME)
ID_BYTES = 16
MAX_PRIME_SHARES = 1 << 16


@dataclass(frozen=True, slots=True, eq=False)
class Share:
    """One share: ``(index, value)`` plus what it belongs to.

    ``scheme`` is ``"gf256"`` (``value`` is bytes), ``"ristretto255-scalar"``
    or ``"prime"`` (``value`` is an int mod ``modulus``). ``secret_id`` names
    the dealing; ``blinding`` is the second value of a Pedersen share.
    ``==`` compares encodings in constant time; ``repr`` hides the value.

    >>> from n3crypto.sharing.shamir import Share, split
    >>> shares = split(b"key", 3, 2)
    >>> shares[0]  # doctest: +ELLIPSIS
    Share(gf256, index=1, threshold=2, id=...…, value=<redacted>)
    >>> s = shares[2]
    >>> s.scheme, s.index, s.threshold, len(s.value), s.secret_id == shares[0].secret_id
    ('gf256', 3, 2, 3, True)
    >>> Share.from_bytes(s.to_bytes()) == s, Share.from_json(s.to_json()) == s
    (True, True)
    >>> split(123, 3, 2, modulus=2**127 - 1)[0].modulus == 2**127 - 1   # prime field
    True
    """

    scheme: str
    index: int
    threshold: int
    secret_id: bytes
    value: bytes | int
    modulus: int = 0
    blinding: int | None = None

    def __post_init__(self) -> None:
        if self.scheme not in _SCHEMES:
            raise errors.N3ValueError(f"unknown sharing scheme {self.scheme!r}")
        for name in ("index", "threshold", "modulus"):
            v = getattr(self, name)
            if isinstance(v, bool) or not isinstance(v, int):
                raise errors.N3TypeError(f"share {name} must be an int")
        if not isinstance(self.secret_id, bytes) or len(self.secret_id) != ID_BYTES:
            raise errors.N3ValueError(f"secret_id must be {ID_BYTES} bytes")
        if self.threshold < 1 or self.index < 1:
            raise errors.N3ValueError("share index and threshold must be ≥ 1")
        if self.scheme == SCHEME_BYTES:
            if not isinstance(self.value, bytes) or self.modulus != 0:
                raise errors.N3TypeError("a gf256 share holds bytes and no modulus")
            if self.index > 255 or self.threshold > 255:
                raise errors.N3ValueError("gf256 shares have indices 1..255")
            if self.blinding is not None:
                raise errors.N3ValueError("gf256 shares carry no blinding")
        else:
            if isinstance(self.value, bool) or not isinstance(self.value, int):
                raise errors.N3TypeError("a prime-field share holds an int")
            if self.scheme == SCHEME_SCALAR and self.modulus != ORDER:
                raise errors.N3ValueError("scalar shares live mod the ristretto255 order")
            if self.modulus < 3 or not 0 <= self.value < self.modulus:
                raise errors.N3ValueError("share value out of range for its modulus")
            if self.index >= self.modulus:
                raise errors.N3ValueError("share index must be below the modulus")
            if self.blinding is not None and (
                isinstance(self.blinding, bool) or not isinstance(self.blinding, int)
            ):
                raise errors.N3TypeError("blinding must be an int or None")
            if self.blinding is not None and not 0 <= self.blinding < self.modulus:
                raise errors.N3ValueError("blinding out of range")

    def __repr__(self) -> str:
        return (
            f"Share({self.scheme}, index={self.index}, threshold={self.threshold}, "
            f"id={self.secret_id[:4].hex()}…, value=<redacted>)"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Share):
            return NotImplemented
        return hmac.compare_digest(self.to_bytes(), other.to_bytes())

    def __hash__(self) -> int:
        return hash((self.scheme, self.index, self.secret_id))

    @property
    def dealing(self) -> tuple[str, int, bytes, int]:
        """What shares must agree on to be combined."""
        return (self.scheme, self.threshold, self.secret_id, self.modulus)

    # -- serialization -------------------------------------------------------
    def to_bytes(self) -> bytes:
        """Envelope ``sharing-share`` v1 (holds the secret share: keep it private)."""
        value = self.value if isinstance(self.value, bytes) else _codec.uint(self.value)
        blinding = b"" if self.blinding is None else b"\x01" + _codec.uint(self.blinding)
        body = _codec.fields(
            self.scheme.encode("ascii"),
            _codec.uint(self.index),
            _codec.uint(self.threshold),
            self.secret_id,
            _codec.uint(self.modulus),
            value,
            blinding,
        )
        from n3crypto import envelope

        return envelope.pack("sharing-share", 1, body)

    __bytes__ = to_bytes

    @classmethod
    def from_bytes(cls, blob: bytes) -> Share:
        """Parse :meth:`to_bytes`; raises :class:`~n3crypto.errors.InvalidEncoding`."""
        r = _codec.open_envelope(blob, "sharing-share")
        scheme = r.text()
        index, threshold, sid, modulus = r.uint(), r.uint(), r.blob(), r.uint()
        raw, blind = r.blob(), r.blob()
        r.done()
        if blind and (blind[0] != 1 or blind[1:2] == b"\x00"):
            raise errors.InvalidEncoding("bad blinding field")
        try:
            value: bytes | int = raw if scheme == SCHEME_BYTES else _codec.parse_uint(raw)
            return cls(
                scheme,
                index,
                threshold,
                sid,
                value,
                modulus,
                int.from_bytes(blind[1:], "big") if blind else None,
            )
        except errors.InvalidEncoding:
            raise
        except (errors.N3ValueError, errors.N3TypeError) as exc:
            raise errors.InvalidEncoding(f"invalid share: {exc}") from None

    def to_json(self) -> str:
        """JSON ``sharing-share`` v1 (big integers as decimal strings, bytes as hex)."""
        value = (
            self.value.hex() if isinstance(self.value, bytes) else _codec.int_to_json(self.value)
        )
        return _codec.dump_json(
            "sharing-share",
            1,
            {
                "scheme": self.scheme,
                "index": self.index,
                "threshold": self.threshold,
                "secret_id": self.secret_id.hex(),
                "modulus": _codec.int_to_json(self.modulus),
                "value": value,
                "blinding": None if self.blinding is None else _codec.int_to_json(self.blinding),
            },
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> Share:
        """Parse :meth:`to_json`; raises :class:`~n3crypto.errors.InvalidEncoding`."""
        keys = ("scheme", "index", "threshold", "secret_id", "modulus", "value", "blinding")
        obj = _codec.load_json(text, "sharing-share", keys)
        try:
            scheme = obj["scheme"]
            if not isinstance(scheme, str):
                raise TypeError
            sid = bytes.fromhex(obj["secret_id"])
            value: bytes | int = (
                bytes.fromhex(obj["value"])
                if scheme == SCHEME_BYTES
                else _codec.int_from_json(obj["value"], "value")
            )
            blinding = obj["blinding"]
            for k in ("index", "threshold"):
                if isinstance(obj[k], bool) or not isinstance(obj[k], int):
                    raise TypeError
            return cls(
                scheme,
                obj["index"],
                obj["threshold"],
                sid,
                value,
                _codec.int_from_json(obj["modulus"], "modulus"),
                None if blinding is None else _codec.int_from_json(blinding, "blinding"),
            )
        except errors.InvalidEncoding:
            raise
        except (TypeError, ValueError) as exc:
            raise errors.InvalidEncoding(f"invalid share JSON: {exc}") from None


# ------------------------------------------------------------------ helpers


def _check_nt(n: int, t: int, limit: int) -> None:
    for name, v in (("n", n), ("t", t)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise errors.N3TypeError(f"{name} must be an int")
    if t < 1:
        raise errors.N3ValueError(f"threshold t must be ≥ 1, got {t}")
    if t > n:
        raise errors.N3ValueError(f"threshold t = {t} exceeds the number of shares n = {n}")
    if n > limit:
        raise errors.N3ValueError(f"at most {limit} shares in this field, got {n}")


def _check_prime(modulus: int) -> None:
    if isinstance(modulus, bool) or not isinstance(modulus, int):
        raise errors.N3TypeError("modulus must be an int")
    if modulus < 3 or not gmpy2.is_prime(modulus, 40):
        raise errors.N3ValueError("modulus must be an odd prime")


def _poly_eval(coeffs: Sequence[int], x: int, p: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = (acc * x + c) % p
    return acc


def _deal_prime(
    secret: int, n: int, t: int, p: int, scheme: str, sid: bytes | None = None
) -> tuple[list[Share], list[int]]:
    coeffs = [secret % p] + [secrets.randbelow(p) for _ in range(t - 1)]
    sid = sid or secrets.token_bytes(ID_BYTES)
    return [Share(scheme, i, t, sid, _poly_eval(coeffs, i, p), p) for i in range(1, n + 1)], coeffs


def _deal_bytes(secret: bytes, n: int, t: int, sid: bytes | None = None) -> list[Share]:
    coeffs = [secret] + [secrets.token_bytes(len(secret)) for _ in range(t - 1)]
    flat = _rs.gf256_vandermonde(bytes(range(1, n + 1)), t)
    rows = [list(flat[i * t : (i + 1) * t]) for i in range(n)]
    values = gf256.dot(rows, coeffs) if secret else [b""] * n
    sid = sid or secrets.token_bytes(ID_BYTES)
    return [Share(SCHEME_BYTES, i + 1, t, sid, v) for i, v in enumerate(values)]


def split(
    secret: bytes | int | Scalar, n: int, t: int, *, modulus: int | None = None
) -> list[Share]:
    """Deal ``n`` shares of ``secret``, any ``t`` of which rebuild it.

    ``bytes`` → GF(2^8) byte-wise (``n ≤ 255``); ``Scalar`` → mod ``ℓ``;
    ``int`` → mod ``modulus`` (a prime, default ``ℓ``; ``0 ≤ secret <
    modulus``). Randomness comes from :mod:`secrets`.

    >>> [s.index for s in split(b"k", 3, 2)]
    [1, 2, 3]
    >>> split(b"k", 2, 3)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: threshold t = 3 exceeds the number of shares n = 2
    """
    if isinstance(secret, bytes | bytearray | memoryview):
        if modulus is not None:
            raise errors.N3ValueError("byte secrets are shared over GF(2^8); no modulus")
        _check_nt(n, t, 255)
        return _deal_bytes(bytes(secret), n, t)
    if isinstance(secret, Scalar):
        if modulus not in (None, ORDER):
            raise errors.N3ValueError("Scalar secrets are shared mod the ristretto255 order")
        _check_nt(n, t, MAX_PRIME_SHARES)
        return _deal_prime(int(secret), n, t, ORDER, SCHEME_SCALAR)[0]
    if isinstance(secret, bool) or not isinstance(secret, int):
        raise errors.N3TypeError("secret must be bytes, int or Scalar")
    p = ORDER if modulus is None else modulus
    if modulus is not None:
        _check_prime(p)
    _check_nt(n, t, min(MAX_PRIME_SHARES, p - 1))
    if not 0 <= secret < p:
        raise errors.N3ValueError("secret must lie in [0, modulus)")
    return _deal_prime(secret, n, t, p, SCHEME_PRIME)[0]


def check_shares(shares: Iterable[Share]) -> list[Share]:
    """Validate a set of shares of one dealing; return them sorted by index.

    Raises :class:`~n3crypto.errors.N3ValueError` for mixed dealings or
    duplicate indices, :class:`~n3crypto.errors.InsufficientShares` for fewer
    than the threshold.

    >>> from n3crypto.sharing.shamir import check_shares, split
    >>> shares = split(b"key", 3, 2)
    >>> [s.index for s in check_shares([shares[2], shares[0]])]
    [1, 3]
    >>> check_shares([shares[0], split(b"key", 3, 2)[1]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: shares belong to different secrets (...)
    >>> check_shares(shares[:1])
    Traceback (most recent call last):
    ...
    n3crypto.errors.InsufficientShares: need 2 shares of this secret, got 1
    """
    out: list[Share] = check_iterable(shares, "shares")
    if not out:
        raise errors.InsufficientShares("no shares given")
    for s in out:
        if not isinstance(s, Share):
            raise errors.N3TypeError(f"expected Share objects, got {type(s).__name__}")
    first = out[0]
    for s in out[1:]:
        if s.dealing != first.dealing:
            raise errors.N3ValueError(
                "shares belong to different secrets (scheme, threshold, id or modulus differ)"
            )
    idx = [s.index for s in out]
    if len(set(idx)) != len(idx):
        dup = sorted({i for i in idx if idx.count(i) > 1})
        raise errors.N3ValueError(f"duplicate share indices {dup}")
    if first.scheme == SCHEME_BYTES and len({len(s.value) for s in out}) != 1:  # type: ignore[arg-type]
        raise errors.N3ValueError("gf256 shares of one secret differ in length")
    if len(out) < first.threshold:
        raise errors.InsufficientShares(
            f"need {first.threshold} shares of this secret, got {len(out)}"
        )
    return sorted(out, key=lambda s: s.index)


def _interp(shares: Sequence[Share], at: int) -> bytes | int:
    first = shares[0]
    if first.scheme == SCHEME_BYTES:
        if not first.value:
            return b""
        return gf256.interpolate({s.index: s.value for s in shares}, at=at)
    f = PrimeField(first.modulus)
    lam = lagrange_at(f, [s.index for s in shares], at)
    return sum(c * int(s.value) for c, s in zip(lam, shares, strict=True)) % first.modulus


def _wrap(first: Share, value: bytes | int) -> bytes | int | Scalar:
    if first.scheme == SCHEME_SCALAR:
        return Scalar.from_int(int(value))
    return value


def combine(shares: Iterable[Share]) -> Any:
    """The secret from at least ``threshold`` shares of one dealing.

    Returns ``bytes``, ``Scalar`` or ``int`` as dealt. Shares beyond the
    threshold are checked against the others: if they disagree,
    :class:`~n3crypto.errors.IntegrityError` is raised (use
    :func:`~n3crypto.sharing.robust_combine` to locate bad shares).

    >>> combine(split(b"x", 3, 3)[:2])
    Traceback (most recent call last):
    ...
    n3crypto.errors.InsufficientShares: need 3 shares of this secret, got 2
    """
    got = check_shares(shares)
    t = got[0].threshold
    base = got[:t]
    secret = _interp(base, 0)
    for extra in got[t:]:
        want = _interp(base, extra.index)
        a = want if isinstance(want, bytes) else _codec.uint(want)
        b = extra.value if isinstance(extra.value, bytes) else _codec.uint(extra.value)
        if not hmac.compare_digest(a, b):
            raise errors.IntegrityError(
                "shares are inconsistent (some share is wrong); robust_combine locates it"
            )
    return _wrap(got[0], secret)


def refresh(shares: Iterable[Share]) -> list[Share]:
    """Proactive refresh: new shares of the same secret at the same indices.

    Adds a fresh random polynomial with zero constant term to every share and
    gives the result a new dealing identifier, so old and new shares cannot
    be combined together (and, combined by hand, give garbage). Pass the
    shares of every holder that should keep one; old shares should then be
    erased. (For a committee, each holder can deal such a zero-sharing
    itself: see docs/sharing.md.)

    >>> old = split(b"s3cret", 4, 2)
    >>> new = refresh(old)
    >>> combine(new[:2]), new[0].value != old[0].value
    (b's3cret', True)
    """
    got: list[Share] = check_iterable(shares, "shares")
    if not got:
        raise errors.N3ValueError("nothing to refresh")
    for s in got:
        if not isinstance(s, Share):
            raise errors.N3TypeError("expected Share objects")
    first = got[0]
    for s in got[1:]:
        if s.dealing != first.dealing:
            raise errors.N3ValueError("shares belong to different secrets")
    if len({s.index for s in got}) != len(got):
        raise errors.N3ValueError("duplicate share indices")
    if first.blinding is not None or any(s.blinding is not None for s in got):
        raise errors.N3ValueError(
            "Pedersen shares are refreshed with their commitments: use refresh_verifiable"
        )
    sid = secrets.token_bytes(ID_BYTES)
    t = first.threshold
    if first.scheme == SCHEME_BYTES:
        size = len(first.value)  # type: ignore[arg-type]
        if len({len(s.value) for s in got}) != 1:  # type: ignore[arg-type]
            raise errors.N3ValueError("gf256 shares of one secret differ in length")
        zero = [bytes(size)] + [secrets.token_bytes(size) for _ in range(t - 1)]
        if size == 0:
            return [Share(SCHEME_BYTES, s.index, t, sid, b"") for s in got]
        flat = _rs.gf256_vandermonde(bytes(s.index for s in got), t)
        rows = [list(flat[i * t : (i + 1) * t]) for i in range(len(got))]
        deltas = gf256.dot(rows, zero)
        return [
            Share(
                SCHEME_BYTES,
                s.index,
                t,
                sid,
                gf256.dot([[1, 1]], [s.value, d])[0],
            )
            for s, d in zip(got, deltas, strict=True)
        ]
    p = first.modulus
    zc = [0] + [secrets.randbelow(p) for _ in range(t - 1)]
    return [
        Share(first.scheme, s.index, t, sid, (int(s.value) + _poly_eval(zc, s.index, p)) % p, p)
        for s in got
    ]
