"""Exact numbers of the form ``r + c·√d`` (r, c, d rational, d ≥ 0).

The PVCG ready model's income ``α·√Q`` is irrational in general; keeping it
as a :class:`Surd` lets budget checks such as ``sum(payments) <= income`` be
decided exactly instead of in floating point.

>>> s = Surd(0, 1, 2)           # √2
>>> Fraction(141, 100) < s < Fraction(142, 100)
True
>>> (s - 1).floor(1000)
Fraction(207, 500)
"""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from n3crypto.errors import N3TypeError, N3ValueError

__all__ = ["Surd", "floor_surd_sum", "sign_of_surd_sum"]


def _frac(x: object) -> Fraction:
    if isinstance(x, bool):
        raise N3TypeError("bool is not a number here")
    if isinstance(x, int | Fraction):
        return Fraction(x)
    raise N3TypeError(f"expected int or Fraction, got {type(x).__name__}")


@functools.lru_cache(maxsize=4096)
def _rational_sqrt(x: Fraction) -> Fraction | None:
    """√x when it is rational, else None (x ≥ 0)."""
    num, den = x.numerator, x.denominator
    a, b = math.isqrt(num), math.isqrt(den)
    if a * a == num and b * b == den:  # lowest terms: both must be squares
        return Fraction(a, b)
    return None


def _normalise(
    rational: Fraction, terms: list[tuple[Fraction, Fraction]]
) -> tuple[Fraction, list[tuple[Fraction, Fraction]]]:
    """Fold rational roots into the rational part; merge roots with a square ratio.

    Afterwards the radicands have pairwise distinct square-free parts, so the
    roots are linearly independent over ℚ and the sum is irrational unless no
    root is left.
    """
    r = _frac(rational)
    if isinstance(terms, str | bytes) or not isinstance(terms, list | tuple):
        raise N3TypeError(
            f"terms must be a list of (coefficient, radicand), not {type(terms).__name__}"
        )
    pairs = []
    for t in terms:
        if not isinstance(t, tuple | list) or len(t) != 2:
            raise N3TypeError("each term must be a (coefficient, radicand) pair")
        pairs.append((_frac(t[0]), _frac(t[1])))
    merged: list[tuple[Fraction, Fraction]] = []  # (coefficient, radicand)
    for c, d in pairs:
        if d < 0:
            raise N3ValueError("negative radicand")
        if c == 0 or d == 0:
            continue
        root = _rational_sqrt(d)
        if root is not None:
            r += c * root
            continue
        for idx, (c2, d2) in enumerate(merged):
            q = _rational_sqrt(d / d2)
            if q is not None:  # √d = q·√d2
                merged[idx] = (c2 + c * q, d2)
                break
        else:
            merged.append((c, d))
    return r, [(c, d) for c, d in merged if c != 0]


def _bounds(
    r: Fraction, merged: list[tuple[Fraction, Fraction]], prec: int
) -> tuple[Fraction, Fraction]:
    """``lo ≤ r + Σ c·√d ≤ hi`` from integer square roots at 2^prec."""
    scale = 1 << prec
    lo = hi = r
    for c, d in merged:
        s = math.isqrt(d.numerator * scale * scale // d.denominator)  # ⌊√d·2^prec⌋
        a1, a2 = c * Fraction(s, scale), c * Fraction(s + 1, scale)
        lo += min(a1, a2)
        hi += max(a1, a2)
    return lo, hi


def sign_of_surd_sum(rational: Fraction, terms: list[tuple[Fraction, Fraction]]) -> int:
    """Exact sign of ``rational + Σ cₖ·√dₖ``.

    Rational roots are folded into the rational part and roots whose ratio is
    a square merged; what is left is irrational (roots of distinct square-free
    numbers are independent over ℚ) unless no root remains, so refining an
    interval with growing precision always ends.

    >>> sign_of_surd_sum(Fraction(-3), [(Fraction(1), Fraction(2)), (Fraction(1), Fraction(3))])
    1
    >>> sign_of_surd_sum(Fraction(0), [(Fraction(1), Fraction(8)), (Fraction(-2), Fraction(2))])
    0
    """
    r, merged = _normalise(rational, terms)
    if not merged:
        return (r > 0) - (r < 0)
    prec = 64
    while True:
        lo, hi = _bounds(r, merged, prec)
        if lo > 0:
            return 1
        if hi < 0:
            return -1
        prec *= 2


def floor_surd_sum(
    rational: Fraction, terms: list[tuple[Fraction, Fraction]], resolution: int
) -> Fraction:
    """``floor((rational + Σ cₖ√dₖ)·resolution)/resolution`` exactly.

    >>> floor_surd_sum(Fraction(0), [(Fraction(1), Fraction(2))], 100)
    Fraction(141, 100)
    """
    if isinstance(resolution, bool) or not isinstance(resolution, int):
        raise N3TypeError(f"resolution must be an int, not {type(resolution).__name__}")
    if resolution < 1:
        raise N3ValueError("resolution must be a positive int")
    r, merged = _normalise(rational, terms)
    if not merged:
        return Fraction(math.floor(r * resolution), resolution)
    # The value is irrational, so it is never exactly on the grid: refine until the
    # interval falls between two grid points.
    prec = 64
    while True:
        lo, hi = _bounds(r, merged, prec)
        fl, fh = math.floor(lo * resolution), math.floor(hi * resolution)
        if fl == fh:
            return Fraction(fl, resolution)
        prec *= 2


class Surd:
    """The exact real ``r + c·√d``; compares exactly with ints, Fractions and Surds.

    >>> x = Surd(1, 2, 3)              # 1 + 2√3 ≈ 4.464
    >>> x > 4, x == Surd(1, 1, 12), round(float(x), 3)
    (True, True, 4.464)
    """

    __slots__ = ("c", "d", "r")

    def __init__(self, r: object = 0, c: object = 0, d: object = 0) -> None:
        self.r = _frac(r)
        self.c = _frac(c)
        self.d = _frac(d)
        if self.d < 0:
            raise N3ValueError("negative radicand")
        root = _rational_sqrt(self.d)
        if root is not None:  # rational after all
            self.r += self.c * root
            self.c, self.d = Fraction(0), Fraction(0)

    @property
    def is_rational(self) -> bool:
        """True when the value is a Fraction."""
        return self.c == 0

    def as_fraction(self) -> Fraction:
        """The value as a Fraction (only when rational)."""
        if not self.is_rational:
            raise N3ValueError(f"{self} is irrational")
        return self.r

    def _terms(self) -> list[tuple[Fraction, Fraction]]:
        return [(self.c, self.d)] if self.c else []

    def _diff_sign(self, other: object) -> int:
        if isinstance(other, Surd):
            return sign_of_surd_sum(
                self.r - other.r, [*self._terms(), *[(-c, d) for c, d in other._terms()]]
            )
        return sign_of_surd_sum(self.r - _frac(other), self._terms())

    def __lt__(self, other: object) -> bool:
        return self._diff_sign(other) < 0

    def __le__(self, other: object) -> bool:
        return self._diff_sign(other) <= 0

    def __gt__(self, other: object) -> bool:
        return self._diff_sign(other) > 0

    def __ge__(self, other: object) -> bool:
        return self._diff_sign(other) >= 0

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Surd | int | Fraction) or isinstance(other, bool):
            return NotImplemented
        return self._diff_sign(other) == 0

    def __hash__(self) -> int:
        return hash(self.r) if self.is_rational else hash((self.r, self.c, self.d))

    def __add__(self, other: object) -> Surd:
        return Surd(self.r + _frac(other), self.c, self.d)

    __radd__ = __add__

    def __sub__(self, other: object) -> Surd:
        return Surd(self.r - _frac(other), self.c, self.d)

    def __rsub__(self, other: object) -> Surd:
        return Surd(_frac(other) - self.r, -self.c, self.d)

    def __mul__(self, other: object) -> Surd:
        k = _frac(other)
        return Surd(self.r * k, self.c * k, self.d)

    __rmul__ = __mul__

    def __float__(self) -> float:
        return float(self.r) + float(self.c) * math.sqrt(self.d)

    def floor(self, resolution: int = 1) -> Fraction:
        """Round down to a multiple of ``1/resolution``, exactly."""
        return floor_surd_sum(self.r, self._terms(), resolution)

    def __repr__(self) -> str:
        if self.is_rational:
            return f"Surd({self.r!s})"
        return f"Surd({self.r!s} + {self.c!s}·√{self.d!s})"

    __str__ = __repr__
