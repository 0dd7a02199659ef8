"""Exact money: integer base units and :class:`~fractions.Fraction`.

Every amount the incentive model pays or charges is an ``int`` number of
base units (the token's smallest unit) or an exact ``Fraction`` of one.
Floats are refused as inputs: ``0.1`` is not one tenth, and a payment
computed from it would differ from node to node. Decimal strings
(``"0.1"``, ``"3/4"``) are accepted and read exactly.

The rounding rules used across the package live here, so each is written
once:

* :func:`floor_units` / :func:`ceil_units` – a Fraction to whole base units;
* :func:`floor_sqrt` – ``floor(sqrt(x) * resolution) / resolution`` exactly,
  for the square roots in the PVCG income function;
* :func:`split_pro_rata` – an integer pool split by weights with the
  largest-remainder rule, so the parts always add up to the pool.

>>> split_pro_rata(10, [1, 1, 1])
[4, 3, 3]
>>> to_fraction("0.25")
Fraction(1, 4)
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from numbers import Rational
from typing import Union

from n3crypto.errors import N3TypeError, N3ValueError

__all__ = [
    "Amount",
    "ceil_units",
    "floor_sqrt",
    "floor_units",
    "split_pro_rata",
    "sqrt_lower_upper",
    "to_fraction",
    "to_units",
]

#: What the package accepts wherever an exact number is expected.
Amount = Union[int, Fraction, Decimal, str]  # noqa: UP007 (runtime alias)


def to_fraction(value: object, name: str = "value") -> Fraction:
    """Read an exact number: ``int``, ``Fraction``, ``Decimal`` or a string.

    Strings may be integers, decimals (``"1.25"``) or fractions (``"5/4"``).
    ``bool`` and ``float`` are refused with :class:`N3TypeError`; NaN and
    infinities with :class:`N3ValueError`.

    >>> to_fraction(3), to_fraction("1.5"), to_fraction("7/2")
    (Fraction(3, 1), Fraction(3, 2), Fraction(7, 2))
    >>> to_fraction(0.5)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3TypeError: value must be an int, Fraction, Decimal or string, not float
    """
    if isinstance(value, bool):
        raise N3TypeError(f"{name} must be a number, not bool")
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, Fraction):
        return value
    if isinstance(value, Rational):
        return Fraction(int(value.numerator), int(value.denominator))
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise N3ValueError(f"{name} must be finite, got {value}")
        return Fraction(value)
    if isinstance(value, str):
        text = value.strip()
        try:
            if "/" in text:
                return Fraction(text)
            dec = Decimal(text)
        except (ValueError, ZeroDivisionError, InvalidOperation):
            raise N3ValueError(f"{name}: {value!r} is not an exact number") from None
        if not dec.is_finite():
            raise N3ValueError(f"{name} must be finite, got {value!r}")
        return Fraction(dec)
    raise N3TypeError(
        f"{name} must be an int, Fraction, Decimal or string, not {type(value).__name__}"
    )


def to_units(value: object, name: str = "amount") -> int:
    """Read a whole number of base units (an ``int``, or an integral exact number).

    >>> to_units(5), to_units("12")
    (5, 12)
    >>> to_units("1.5")
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: amount must be a whole number of base units, got 3/2
    """
    frac = to_fraction(value, name)
    if frac.denominator != 1:
        raise N3ValueError(f"{name} must be a whole number of base units, got {frac}")
    return int(frac.numerator)


def floor_units(x: Fraction) -> int:
    """Round down to whole base units (toward −∞).

    >>> floor_units(Fraction(7, 2)), floor_units(Fraction(-7, 2))
    (3, -4)
    """
    return math.floor(to_fraction(x, "x"))


def ceil_units(x: Fraction) -> int:
    """Round up to whole base units (toward +∞).

    >>> ceil_units(Fraction(7, 2))
    4
    """
    return math.ceil(to_fraction(x, "x"))


def floor_sqrt(x: Fraction, resolution: int = 1) -> Fraction:
    """``floor(√x · resolution) / resolution``, exactly (no floating point).

    Uses ``floor(√y) = isqrt(floor(y))`` for ``y ≥ 0``.

    >>> floor_sqrt(Fraction(2), 1000)
    Fraction(707, 500)
    >>> floor_sqrt(Fraction(9, 4))
    Fraction(1, 1)
    """
    x = to_fraction(x, "x")
    if isinstance(resolution, bool) or not isinstance(resolution, int):
        raise N3TypeError(f"resolution must be an int, not {type(resolution).__name__}")
    if x < 0:
        raise N3ValueError(f"square root of a negative number {x}")
    if resolution < 1:
        raise N3ValueError("resolution must be a positive integer")
    y = x * resolution * resolution
    return Fraction(math.isqrt(y.numerator // y.denominator), resolution)


def sqrt_lower_upper(x: Fraction, resolution: int) -> tuple[Fraction, Fraction]:
    """Bounds ``lo ≤ √x ≤ hi`` with ``hi − lo ≤ 1/resolution`` (``lo == hi`` when exact).

    >>> sqrt_lower_upper(Fraction(4), 10)
    (Fraction(2, 1), Fraction(2, 1))
    >>> lo, hi = sqrt_lower_upper(Fraction(2), 100)
    >>> lo * lo <= 2 <= hi * hi
    True
    """
    lo = floor_sqrt(x, resolution)
    x = to_fraction(x, "x")
    if lo * lo == x:
        return lo, lo
    return lo, lo + Fraction(1, resolution)


def split_pro_rata(total: int, weights: Sequence[object]) -> list[int]:
    """Split ``total`` base units in proportion to ``weights`` (largest remainder).

    Each part first gets ``floor(total · wᵢ / Σw)``; the units left over (fewer
    than the number of parts) go one each to the parts with the largest
    fractional remainders, ties to the earlier index. The parts always sum to
    ``total``, every part is within one unit of its exact share, and a zero
    weight gets zero. All weights zero (or no weights) is an error when
    ``total > 0``.

    >>> split_pro_rata(100, [1, 2])
    [33, 67]
    >>> split_pro_rata(7, ["0.5", "0.25", "0.25"])
    [3, 2, 2]
    >>> sum(split_pro_rata(10**18 + 1, [3, 5, 7]))
    1000000000000000001
    """
    if isinstance(total, bool) or not isinstance(total, int):
        raise N3TypeError("total must be an int number of base units")
    if total < 0:
        raise N3ValueError(f"total must be non-negative, got {total}")
    if isinstance(weights, str | bytes) or not isinstance(weights, Iterable):
        raise N3TypeError(f"weights must be a sequence of numbers, not {type(weights).__name__}")
    ws = [to_fraction(w, "weight") for w in weights]
    if any(w < 0 for w in ws):
        raise N3ValueError("weights must be non-negative")
    s = sum(ws, Fraction(0))
    if s == 0:
        if total == 0:
            return [0] * len(ws)
        raise N3ValueError("cannot split a positive amount over zero total weight")
    exact = [total * w / s for w in ws]
    parts = [math.floor(e) for e in exact]
    left = total - sum(parts)
    order = sorted(range(len(ws)), key=lambda i: (-(exact[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts
