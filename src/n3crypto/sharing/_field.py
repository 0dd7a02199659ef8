"""Field arithmetic for secret sharing: GF(2^8) (tables) and prime fields.

Used by Shamir reconstruction over prime fields and by the robust decoder
(Berlekamp–Welch), which work on *public* evaluation points and, in the
decoder, on share values of shares already handed to the combiner. The
GF(2^8) tables here are indexed by data and so are **not** constant time;
secret-dependent byte-wise work (splitting, plain combining) goes through
:mod:`n3crypto.gf256`, which is.

>>> F = GF256
>>> F.mul(0x53, 0xCA), F.inv(0x53)
(143, 140)
>>> P = PrimeField(101)
>>> P.mul(P.inv(7), 7)
1
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from n3crypto import errors

__all__ = ["GF256", "Field", "PrimeField", "berlekamp_welch", "lagrange_at"]


class Field(Protocol):
    """The few operations the decoder needs."""

    def add(self, a: int, b: int) -> int: ...
    def sub(self, a: int, b: int) -> int: ...
    def mul(self, a: int, b: int) -> int: ...
    def inv(self, a: int) -> int: ...


class _GF256:
    """GF(2^8) with the Reed–Solomon core's polynomial 0x11D (tables)."""

    __slots__ = ("_exp", "_log")

    def __init__(self) -> None:
        exp = [0] * 512
        log = [0] * 256
        x = 1
        for i in range(255):
            exp[i] = x
            log[x] = i
            x <<= 1
            if x & 0x100:
                x ^= 0x11D
        for i in range(255, 512):
            exp[i] = exp[i - 255]
        self._exp, self._log = exp, log

    def add(self, a: int, b: int) -> int:
        return a ^ b

    sub = add

    def mul(self, a: int, b: int) -> int:
        if a == 0 or b == 0:
            return 0
        return self._exp[self._log[a] + self._log[b]]

    def inv(self, a: int) -> int:
        if a == 0:
            raise errors.N3ValueError("0 has no inverse")
        return self._exp[255 - self._log[a]]


GF256 = _GF256()


class PrimeField:
    """Integers mod a prime ``p`` (variable time: Python integers)."""

    __slots__ = ("p",)

    def __init__(self, p: int) -> None:
        self.p = p

    def add(self, a: int, b: int) -> int:
        return (a + b) % self.p

    def sub(self, a: int, b: int) -> int:
        return (a - b) % self.p

    def mul(self, a: int, b: int) -> int:
        return a * b % self.p

    def inv(self, a: int) -> int:
        if a % self.p == 0:
            raise errors.N3ValueError("0 has no inverse")
        return pow(a, -1, self.p)


def _eval(f: Field, coeffs: Sequence[int], x: int) -> int:
    acc = 0
    for c in reversed(coeffs):
        acc = f.add(f.mul(acc, x), c)
    return acc


def lagrange_at(f: Field, xs: Sequence[int], at: int) -> list[int]:
    """Coefficients ``λ_i`` with ``P(at) = Σ λ_i·P(xs[i])`` for ``deg P < len(xs)``."""
    out = []
    for i, xi in enumerate(xs):
        num, den = 1, 1
        for j, xj in enumerate(xs):
            if j != i:
                num = f.mul(num, f.sub(at, xj))
                den = f.mul(den, f.sub(xi, xj))
        out.append(f.mul(num, f.inv(den)))
    return out


def _solve(f: Field, rows: list[list[int]], ncols: int) -> list[int] | None:
    """One solution of the augmented system ``rows`` (free variables 0), or None."""
    pivots: list[int] = []
    r = 0
    for c in range(ncols):
        piv = next((i for i in range(r, len(rows)) if rows[i][c]), None)
        if piv is None:
            continue
        rows[r], rows[piv] = rows[piv], rows[r]
        iv = f.inv(rows[r][c])
        rows[r] = [f.mul(iv, v) for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c]:
                k = rows[i][c]
                rows[i] = [f.sub(a, f.mul(k, b)) for a, b in zip(rows[i], rows[r], strict=True)]
        pivots.append(c)
        r += 1
        if r == len(rows):
            break
    if any(row[ncols] for row in rows[r:]):
        return None
    sol = [0] * ncols
    for i, c in enumerate(pivots):
        sol[c] = rows[i][ncols]
    return sol


def _polydiv(f: Field, num: list[int], den: list[int]) -> tuple[list[int], bool]:
    """Quotient of ``num / den`` (``den`` monic) and whether it is exact."""
    num = list(num)
    dd = len(den) - 1
    if len(num) - 1 < dd:
        return [0], not any(num)
    q = [0] * (len(num) - dd)
    for i in range(len(num) - 1, dd - 1, -1):
        coef = num[i]
        if coef:
            q[i - dd] = coef
            for j in range(dd + 1):
                num[i - dd + j] = f.sub(num[i - dd + j], f.mul(coef, den[j]))
    return q, not any(num[:dd])


def berlekamp_welch(f: Field, xs: Sequence[int], ys: Sequence[int], k: int) -> list[int] | None:
    """Coefficients of the polynomial of degree < ``k`` agreeing with all but
    at most ``⌊(len(xs) − k)/2⌋`` of the points, or None when there is none.

    Solves ``Q(x_i) = y_i·E(x_i)`` for monic ``E`` of degree ``e`` and
    ``deg Q < e + k``, then ``P = Q / E``.

    >>> xs = [1, 2, 3, 4, 5]
    >>> ys = [GF256.add(3, GF256.mul(5, x)) for x in xs]
    >>> ys[1] ^= 0x40
    >>> berlekamp_welch(GF256, xs, ys, 2)
    [3, 5]
    """
    n = len(xs)
    e = (n - k) // 2
    while e >= 0:
        rows = []
        for x, y in zip(xs, ys, strict=True):
            row = []
            p = 1
            powers = []
            for _ in range(e + k):
                powers.append(p)
                p = f.mul(p, x)
            row.extend(powers)  # Q_0..Q_{e+k-1}
            row.extend(f.sub(0, f.mul(y, powers[j])) for j in range(e))  # -y·E_j
            xe = powers[e] if e < len(powers) else _pow(f, x, e)
            row.append(f.mul(y, xe))
            rows.append(row)
        sol = _solve(f, rows, 2 * e + k)
        if sol is not None:
            qpoly = sol[: e + k]
            epoly = [*sol[e + k :], 1]
            p_coeffs, exact = _polydiv(f, qpoly, epoly)
            if exact:
                p_coeffs = (p_coeffs + [0] * k)[:k]
                bad = sum(1 for x, y in zip(xs, ys, strict=True) if _eval(f, p_coeffs, x) != y)
                if bad <= (n - k) // 2:
                    return p_coeffs
        e -= 1
    return None


def _pow(f: Field, x: int, e: int) -> int:
    acc = 1
    for _ in range(e):
        acc = f.mul(acc, x)
    return acc


def evaluate(f: Field, coeffs: Sequence[int], x: int) -> int:
    """``Σ coeffs[j]·x^j`` in ``f``."""
    return _eval(f, coeffs, x)
