"""Robust reconstruction: find and exclude wrong shares by Reed–Solomon decoding.

The share values of one dealing, at points ``1..n``, form a Reed–Solomon
code word of a polynomial of degree ``< t``. From ``N ≥ t`` shares,
Berlekamp–Welch decoding corrects up to ``⌊(N − t)/2⌋`` wrong values and
names them. Byte-string (GF(2^8)) shares are decoded position by position,
first through one random linear combination of all byte positions (one
decode finds, with probability ≥ 1 − 1/255 per bad share, every share that is
wrong anywhere), then confirmed: the remaining shares must agree on every
byte; otherwise every byte position is decoded and the error sets merged.

Decoding is **variable time** in the share values (table look-ups, Python
integers): a combiner that holds the shares learns the secret anyway, but do
not run it where timing is observable by a party that must not learn it.

>>> from n3crypto.sharing import split
>>> shares = split(b"robust!", 7, 3)
>>> bad = shares[4]
>>> shares[4] = type(bad)(bad.scheme, bad.index, 3, bad.secret_id, b"garbage")
>>> robust_combine(shares)
(b'robust!', [5])
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Iterable, Sequence
from typing import Any

from n3crypto import errors
from n3crypto.paillier import _codec
from n3crypto.sharing._field import GF256, Field, PrimeField, berlekamp_welch, evaluate
from n3crypto.sharing.shamir import SCHEME_BYTES, Share, _interp, _wrap, check_shares

__all__ = ["robust_combine"]


def _decode_column(f: Field, xs: Sequence[int], ys: Sequence[int], k: int) -> set[int] | None:
    """Positions (into ``xs``) of wrong values in one column, or None if undecodable."""
    coeffs = berlekamp_welch(f, xs, ys, k)
    if coeffs is None:
        return None
    return {i for i, (x, y) in enumerate(zip(xs, ys, strict=True)) if evaluate(f, coeffs, x) != y}


def _consistent(good: Sequence[Share]) -> bool:
    t = good[0].threshold
    base = good[:t]
    for s in good[t:]:
        want = _interp(base, s.index)
        a = want if isinstance(want, bytes) else _codec.uint(want)
        b = s.value if isinstance(s.value, bytes) else _codec.uint(s.value)
        if not hmac.compare_digest(a, b):
            return False
    return True


def robust_combine(shares: Iterable[Share]) -> tuple[Any, list[int]]:
    """``(secret, bad_indices)`` from ``N ≥ t`` shares of one dealing.

    Up to ``⌊(N − t)/2⌋`` wrong shares are located, excluded and named (by
    share index, ascending). More than that raises
    :class:`~n3crypto.errors.DecodeError`; fewer than ``t`` shares raise
    :class:`~n3crypto.errors.InsufficientShares`; mixed dealings and
    duplicate indices raise :class:`~n3crypto.errors.N3ValueError`.

    >>> from n3crypto.sharing import split
    >>> robust_combine(split(12345, 5, 3, modulus=2**127 - 1))
    (12345, [])
    """
    got = check_shares(shares)
    first = got[0]
    t = first.threshold
    xs = [s.index for s in got]
    bad: set[int] | None
    if first.scheme == SCHEME_BYTES:
        cols = [bytes(s.value) for s in got if isinstance(s.value, bytes)]
        size = len(cols[0])
        if size == 0:
            return b"", []
        # One random combination of the byte positions.
        alphas = [1 + secrets.randbelow(255) for _ in range(size)]
        mixed = []
        for c in cols:
            acc = 0
            for a, b in zip(alphas, c, strict=True):
                acc ^= GF256.mul(a, b)
            mixed.append(acc)
        bad = _decode_column(GF256, xs, mixed, t)
        if bad is None or not _consistent([s for i, s in enumerate(got) if i not in bad]):
            bad = set()
            for j in range(size):
                col = _decode_column(GF256, xs, [c[j] for c in cols], t)
                if col is None:
                    bad = None
                    break
                bad |= col
    else:
        bad = _decode_column(PrimeField(first.modulus), xs, [int(s.value) for s in got], t)
    limit = (len(got) - t) // 2
    if bad is None or len(bad) > limit:
        raise errors.DecodeError(
            f"more than {limit} wrong shares among {len(got)} (threshold {t}): cannot correct"
        )
    good = [s for i, s in enumerate(got) if i not in bad]
    if not _consistent(good):
        raise errors.DecodeError("shares are inconsistent beyond the correction bound")
    return _wrap(first, _interp(good[:t], 0)), sorted(got[i].index for i in bad)
