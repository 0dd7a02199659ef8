"""Verifiable secret sharing on ristretto255: Feldman and Pedersen.

The dealer shares a scalar with a polynomial ``f(x) = a_0 + … + a_{t−1}x^{t−1}``
mod ``ℓ`` and publishes commitments to its coefficients; every holder checks
its share against them, so a dealer cannot hand out inconsistent shares and
a holder cannot later present a forged one.

* **Feldman**: ``C_j = a_j·B``. ``C_0 = secret·B`` is public, so use it when
  the secret's public key may be known (a group key).
* **Pedersen**: ``C_j = a_j·B + b_j·H`` with a second polynomial ``g`` and
  ``H = hash_to_group("n3crypto sharing pedersen H v1")`` (nobody knows
  ``log_B H``); the commitments hide the secret perfectly. Each share carries
  ``g(i)`` as its ``blinding``.

A check computes the left side ``s·B (+ r·H)`` in constant time (fixed-base
tables) and compares encodings in constant time; the right side
``Σ i^j·C_j`` involves public data only (variable-time multi-scalar).

>>> from n3crypto.group import Scalar
>>> shares, comm = feldman_deal(Scalar.from_int(42), 5, 3)
>>> comm.verify(shares[0])
>>> from n3crypto.sharing import combine
>>> int(combine(shares[2:]))
42
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from n3crypto import envelope, errors
from n3crypto._check import check_iterable, check_type
from n3crypto.group import ORDER, Point, Scalar
from n3crypto.paillier import _codec
from n3crypto.sharing.shamir import (
    ID_BYTES,
    MAX_PRIME_SHARES,
    SCHEME_SCALAR,
    Share,
    _check_nt,
    _poly_eval,
)

__all__ = [
    "PEDERSEN_H",
    "Commitments",
    "feldman_deal",
    "pedersen_deal",
    "refresh_apply",
    "refresh_deal",
    "refresh_verifiable",
]

PEDERSEN_H_TAG = b"n3crypto sharing pedersen H v1"
PEDERSEN_H = Point.hash_to_group(PEDERSEN_H_TAG, b"n3crypto-sharing-v1")
_B_TABLE = Point.base().precompute()
_H_TABLE = PEDERSEN_H.precompute()


@dataclass(frozen=True, slots=True)
class Commitments:
    """Public commitments to a dealing's polynomial(s): ``scheme`` is
    ``"feldman"`` or ``"pedersen"``; ``points[j]`` commits to coefficient j.

    The dealer broadcasts them; each holder checks its own share.

    >>> import dataclasses
    >>> from n3crypto.group import Point, Scalar
    >>> from n3crypto.sharing.vss import Commitments, feldman_deal
    >>> shares, comm = feldman_deal(42, 4, 2)
    >>> comm.scheme, comm.threshold, comm.public_key == Scalar.from_int(42) * Point.base()
    ('feldman', 2, True)
    >>> received = Commitments.from_bytes(comm.to_bytes())
    >>> received.verify(shares[1])                            # returns None
    >>> s = shares[1]
    >>> forged = dataclasses.replace(s, value=(int(s.value) + 1) % s.modulus)
    >>> received.verify(forged)
    Traceback (most recent call last):
    ...
    n3crypto.errors.ProofError: share 2 does not match the commitments
    >>> received.verify_all([shares[0], forged, shares[2]])   # indices of bad shares
    [2]
    """

    scheme: str
    secret_id: bytes
    points: tuple[Point, ...]

    def __post_init__(self) -> None:
        if self.scheme not in ("feldman", "pedersen"):
            raise errors.N3ValueError(f"unknown commitment scheme {self.scheme!r}")
        if not isinstance(self.secret_id, bytes) or len(self.secret_id) != ID_BYTES:
            raise errors.N3ValueError(f"secret_id must be {ID_BYTES} bytes")
        if (
            not isinstance(self.points, tuple | list)
            or not self.points
            or not all(isinstance(p, Point) for p in self.points)
        ):
            raise errors.N3TypeError("points must be a non-empty tuple of Point")

    @property
    def threshold(self) -> int:
        return len(self.points)

    @property
    def public_key(self) -> Point:
        """``C_0``: ``secret·B`` (Feldman) or a hiding commitment (Pedersen)."""
        return self.points[0]

    def expected(self, index: int) -> Point:
        """``Σ_j index^j·C_j`` (public data; variable time)."""
        if isinstance(index, bool) or not isinstance(index, int) or not 0 < index < ORDER:
            raise errors.N3ValueError("index must be a positive int below ℓ")
        powers, p = [], 1
        for _ in self.points:
            powers.append(Scalar.from_int(p))
            p = p * index % ORDER
        return Point.multiscalar(powers, self.points)

    def verify(self, share: Share) -> None:
        """Raise :class:`~n3crypto.errors.ProofError` unless ``share`` is a
        correct share of this dealing (constant time in the share's value)."""
        if not isinstance(share, Share):
            raise errors.N3TypeError("expected a Share")
        if (
            share.scheme != SCHEME_SCALAR
            or share.secret_id != self.secret_id
            or share.threshold != self.threshold
        ):
            raise errors.ProofError("share does not belong to this dealing")
        want = self.expected(share.index)
        got = Scalar.from_int(int(share.value)) * _B_TABLE
        if self.scheme == "pedersen":
            if share.blinding is None:
                raise errors.ProofError("a Pedersen share needs its blinding value")
            got = got + Scalar.from_int(share.blinding) * _H_TABLE
        elif share.blinding is not None:
            raise errors.ProofError("a Feldman share carries no blinding value")
        if not got == want:
            raise errors.ProofError(f"share {share.index} does not match the commitments")

    def verify_all(self, shares: Iterable[Share]) -> list[int]:
        """Indices of the shares that fail :meth:`verify` (empty if all pass)."""
        bad = []
        for s in check_iterable(shares, "shares"):
            try:
                self.verify(s)
            except errors.ProofError:
                bad.append(s.index)
        return bad

    def to_bytes(self) -> bytes:
        body = _codec.fields(
            self.scheme.encode("ascii"), self.secret_id, b"".join(bytes(p) for p in self.points)
        )
        return envelope.pack("sharing-commitments", 1, body)

    __bytes__ = to_bytes

    def to_json(self) -> str:
        """JSON ``sharing-commitments`` v1 (points as hex encodings)."""
        return _commitments_json(self)

    @classmethod
    def from_json(cls, text: str | bytes) -> Commitments:
        return _commitments_from_json(text)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Commitments:
        r = _codec.open_envelope(blob, "sharing-commitments")
        scheme, sid, raw = r.text(), r.blob(), r.blob()
        r.done()
        if not raw or len(raw) % 32:
            raise errors.InvalidEncoding("commitment points must be 32-byte encodings")
        pts = tuple(Point.from_bytes(raw[i : i + 32]) for i in range(0, len(raw), 32))
        try:
            return cls(scheme, sid, pts)
        except (errors.N3ValueError, errors.N3TypeError) as exc:
            raise errors.InvalidEncoding(str(exc)) from None


def _commitments_json(self: Commitments) -> str:
    return _codec.dump_json(
        "sharing-commitments",
        1,
        {
            "scheme": self.scheme,
            "secret_id": self.secret_id.hex(),
            "points": [bytes(p).hex() for p in self.points],
        },
    )


def _commitments_from_json(text: str | bytes) -> Commitments:
    obj = _codec.load_json(text, "sharing-commitments", ("scheme", "secret_id", "points"))
    try:
        if not isinstance(obj["points"], list) or not isinstance(obj["scheme"], str):
            raise TypeError("bad field types")
        pts = tuple(Point.from_bytes(bytes.fromhex(p)) for p in obj["points"])
        return Commitments(obj["scheme"], bytes.fromhex(obj["secret_id"]), pts)
    except errors.InvalidEncoding:
        raise
    except (TypeError, ValueError) as exc:
        raise errors.InvalidEncoding(f"invalid commitments JSON: {exc}") from None


def _scalar_int(secret: Scalar | int) -> int:
    if isinstance(secret, Scalar):
        return int(secret)
    if isinstance(secret, bool) or not isinstance(secret, int):
        raise errors.N3TypeError("secret must be a Scalar or int")
    if not 0 <= secret < ORDER:
        raise errors.N3ValueError("secret must lie in [0, ℓ)")
    return secret


def _commit(coeffs: Sequence[int], blind: Sequence[int] | None) -> tuple[Point, ...]:
    if blind is None:
        return tuple(Scalar.from_int(a) * _B_TABLE for a in coeffs)
    return tuple(
        Scalar.from_int(a) * _B_TABLE + Scalar.from_int(b) * _H_TABLE
        for a, b in zip(coeffs, blind, strict=True)
    )


def _deal(secret: int, n: int, t: int, pedersen: bool) -> tuple[list[Share], Commitments]:
    _check_nt(n, t, MAX_PRIME_SHARES)
    a = [secret] + [secrets.randbelow(ORDER) for _ in range(t - 1)]
    b = [secrets.randbelow(ORDER) for _ in range(t)] if pedersen else None
    sid = secrets.token_bytes(ID_BYTES)
    shares = [
        Share(
            SCHEME_SCALAR,
            i,
            t,
            sid,
            _poly_eval(a, i, ORDER),
            ORDER,
            None if b is None else _poly_eval(b, i, ORDER),
        )
        for i in range(1, n + 1)
    ]
    return shares, Commitments("pedersen" if pedersen else "feldman", sid, _commit(a, b))


def feldman_deal(secret: Scalar | int, n: int, t: int) -> tuple[list[Share], Commitments]:
    """Feldman VSS: ``n`` shares (any ``t`` rebuild) and commitments ``a_j·B``.

    >>> from n3crypto.group import Point, Scalar
    >>> s = Scalar.random()
    >>> shares, comm = feldman_deal(s, 3, 2)
    >>> comm.public_key == s * Point.base()
    True
    """
    return _deal(_scalar_int(secret), n, t, pedersen=False)


def pedersen_deal(secret: Scalar | int, n: int, t: int) -> tuple[list[Share], Commitments]:
    """Pedersen VSS: shares carry a blinding value; commitments hide the secret.

    >>> shares, comm = pedersen_deal(7, 4, 2)
    >>> comm.verify_all(shares)
    []
    """
    return _deal(_scalar_int(secret), n, t, pedersen=True)


def refresh_verifiable(
    shares: Iterable[Share], commitments: Commitments
) -> tuple[list[Share], Commitments]:
    """Proactive refresh of Feldman/Pedersen shares with updated commitments.

    Adds a random zero-constant polynomial (and, for Pedersen, a random
    blinding polynomial); the new commitments are the old ones plus the
    commitments to the update, so ``C_0`` (Feldman) stays ``secret·B``.

    >>> shares, comm = feldman_deal(5, 4, 2)
    >>> new, comm2 = refresh_verifiable(shares, comm)
    >>> comm2.verify_all(new), comm2.public_key == comm.public_key
    ([], True)
    """
    got = check_iterable(shares, "shares")
    check_type(commitments, Commitments, "commitments")
    if not got:
        raise errors.N3ValueError("nothing to refresh")
    for s in got:
        commitments.verify(s)
    if len({s.index for s in got}) != len(got):
        raise errors.N3ValueError("duplicate share indices")
    t = commitments.threshold
    ped = commitments.scheme == "pedersen"
    za = [0] + [secrets.randbelow(ORDER) for _ in range(t - 1)]
    zb = [secrets.randbelow(ORDER) for _ in range(t)] if ped else None
    upd = _commit(za, zb)
    sid = secrets.token_bytes(ID_BYTES)
    new_points = tuple(c + u for c, u in zip(commitments.points, upd, strict=True))
    out = []
    for s in got:
        blind = None
        if zb is not None:
            blind = (int(s.blinding or 0) + _poly_eval(zb, s.index, ORDER)) % ORDER
        out.append(
            Share(
                SCHEME_SCALAR,
                s.index,
                t,
                sid,
                (int(s.value) + _poly_eval(za, s.index, ORDER)) % ORDER,
                ORDER,
                blind,
            )
        )
    return out, Commitments(commitments.scheme, sid, new_points)


# ------------------------------------------------------------------ dealer-free refresh


def refresh_deal(
    commitments: Commitments, indices: Sequence[int]
) -> tuple[list[Share], Commitments]:
    """One holder's contribution to a dealer-free proactive refresh.

    Deals a random sharing of **zero** (both polynomials, for Pedersen, have
    constant term 0, so the update's ``C_0`` is the identity and anyone can
    see that it is a sharing of zero) to the holders at ``indices``. Send
    update share ``i`` privately to holder ``i`` and broadcast the update
    commitments; every holder then calls :func:`refresh_apply`.

    >>> shares, comm = feldman_deal(11, 3, 2)
    >>> contribs = [refresh_deal(comm, [1, 2, 3]) for _ in range(3)]  # by each holder
    >>> new = [refresh_apply(s, comm, [(u[s.index - 1], c) for u, c in contribs]) for s in shares]
    >>> from n3crypto.sharing import combine
    >>> int(combine([new[0][0], new[2][0]])), new[0][1] == new[2][1]
    (11, True)
    """
    if not isinstance(commitments, Commitments):
        raise errors.N3TypeError("expected Commitments")
    idx = check_iterable(indices, "indices")
    if not idx or len(set(idx)) != len(idx):
        raise errors.N3ValueError("indices must be distinct and non-empty")
    for i in idx:
        if isinstance(i, bool) or not isinstance(i, int) or not 0 < i < MAX_PRIME_SHARES:
            raise errors.N3ValueError("indices must be positive ints")
    t = commitments.threshold
    ped = commitments.scheme == "pedersen"
    za = [0] + [secrets.randbelow(ORDER) for _ in range(t - 1)]
    zb = [0] + [secrets.randbelow(ORDER) for _ in range(t - 1)] if ped else None
    sid = secrets.token_bytes(ID_BYTES)
    shares = [
        Share(
            SCHEME_SCALAR,
            i,
            t,
            sid,
            _poly_eval(za, i, ORDER),
            ORDER,
            None if zb is None else _poly_eval(zb, i, ORDER),
        )
        for i in idx
    ]
    return shares, Commitments(commitments.scheme, sid, _commit(za, zb))


def refresh_apply(
    share: Share, commitments: Commitments, updates: Sequence[tuple[Share, Commitments]]
) -> tuple[Share, Commitments]:
    """A holder's new share and the new public commitments after a refresh.

    Checks the holder's current share, that every update commits to a sharing
    of zero (``C_0`` is the identity) and that the update share received
    matches its commitments; raises :class:`~n3crypto.errors.ProofError`
    naming the first bad contribution (by position). The new dealing id is
    derived from the old one and all update commitments, so every holder who
    saw the same broadcast gets the same id and commitments; old shares no
    longer combine with new ones.

    >>> from n3crypto.sharing.vss import feldman_deal, refresh_apply, refresh_deal
    >>> shares, comm = feldman_deal(42, 3, 2)
    >>> contribs = [refresh_deal(comm, [1, 2, 3]) for _ in range(2)]   # by two holders
    >>> mine = [(updates[0], c) for updates, c in contribs]              # holder 1's part
    >>> new_share, new_comm = refresh_apply(shares[0], comm, mine)
    >>> new_comm.verify(new_share), new_comm.public_key == comm.public_key
    (None, True)
    >>> wrong = [mine[0], (contribs[1][0][1], contribs[1][1])]          # holder 2's share
    >>> refresh_apply(shares[0], comm, wrong)
    Traceback (most recent call last):
    ...
    n3crypto.errors.ProofError: contribution 1 is for holder 2
    """
    check_type(commitments, Commitments, "commitments")
    commitments.verify(share)
    updates = check_iterable(updates, "updates")
    if not updates:
        raise errors.N3ValueError("a refresh needs at least one contribution")
    for k, item in enumerate(updates):
        if not isinstance(item, tuple | list) or len(item) != 2:
            raise errors.N3TypeError(f"updates[{k}] must be a (Share, Commitments) pair")
    t = commitments.threshold
    value, blind = int(share.value), share.blinding
    points = list(commitments.points)
    h = hashlib.sha256(b"n3crypto/sharing/refresh/v1" + commitments.secret_id)
    for k, (upd, comm) in enumerate(updates):
        if not isinstance(comm, Commitments) or comm.scheme != commitments.scheme:
            raise errors.ProofError(f"contribution {k}: commitments of the wrong scheme")
        if comm.threshold != t or not comm.points[0].is_identity():
            raise errors.ProofError(f"contribution {k} is not a degree-{t - 1} sharing of zero")
        if upd.index != share.index:
            raise errors.ProofError(f"contribution {k} is for holder {upd.index}")
        try:
            comm.verify(upd)
        except errors.ProofError:
            raise errors.ProofError(f"contribution {k}: update share does not match") from None
        value = (value + int(upd.value)) % ORDER
        if blind is not None:
            blind = (blind + int(upd.blinding or 0)) % ORDER
        points = [p + q for p, q in zip(points, comm.points, strict=True)]
    for blob in sorted(bytes(comm) for _, comm in updates):  # order-independent id
        h.update(blob)
    sid = h.digest()[:ID_BYTES]
    return (
        Share(SCHEME_SCALAR, share.index, t, sid, value, ORDER, blind),
        Commitments(commitments.scheme, sid, tuple(points)),
    )
