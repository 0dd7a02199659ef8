"""Fixed-point encoding of signed integers and floats, compatible with phe.

A real number ``x`` is stored as an integer *mantissa* and a public
*exponent*: ``x ≈ mantissa * BASE**exponent`` with ``BASE = 16`` — the same
rule as python-paillier's ``EncodedNumber``, so an encoding made by either
library decodes identically with the other. Negative mantissas live at the
top of ``Z_n`` (``mantissa mod n``); only ``|mantissa| <= max_int = ⌊n/3⌋ - 1``
is representable, the rest of ``Z_n`` is never reached because ciphertexts
carry a bound (see :mod:`n3crypto.paillier.keys`).

>>> from n3crypto.paillier.encoding import EncodedNumber
>>> e = EncodedNumber.encode(10**40, -1.5, precision=1 / 16)
>>> (e.mantissa, e.exponent, e.decode())
(-24, -1, -1.5)
>>> EncodedNumber.encode(10**40, 7).decode()
7
"""

from __future__ import annotations

import math
import sys
from fractions import Fraction

from n3crypto import errors
from n3crypto.paillier._arith import is_int

__all__ = ["BASE", "MAX_EXPONENT", "EncodedNumber", "max_int_for"]

BASE = 16
"""Radix of the exponent (phe's default ``EncodedNumber.BASE``)."""

MAX_EXPONENT = 1 << 14
"""Largest ``|exponent|`` accepted. Floats need ``|exponent| <= 270`` and no key
holds a mantissa past ``16**3840``; the cap keeps ``16**exponent`` cheap when
the exponent comes from hostile input (a wire format, an argument)."""

_LOG2_BASE = 4


def check_exponent(exponent: object, what: str = "exponent") -> int:
    """``exponent`` as an int with ``|exponent| <= MAX_EXPONENT``."""
    if isinstance(exponent, bool) or not isinstance(exponent, int):
        raise errors.N3TypeError(f"{what} must be an int, not {type(exponent).__name__}")
    if not -MAX_EXPONENT <= exponent <= MAX_EXPONENT:
        raise errors.N3ValueError(f"{what} must lie in [-{MAX_EXPONENT}, {MAX_EXPONENT}]")
    return exponent


def _check_modulus(n: object) -> int:
    if not is_int(n):
        raise errors.N3TypeError(f"n must be an int, not {type(n).__name__}")
    if n < 3:  # type: ignore[operator]
        raise errors.N3ValueError("n must be at least 3")
    return int(n)  # type: ignore[call-overload, no-any-return]


_FLOAT_MANTISSA_BITS = sys.float_info.mant_dig


def max_int_for(n: int) -> int:
    """Largest representable ``|mantissa|`` under modulus ``n`` (phe's ``max_int``).

    >>> max_int_for(3233)                         # 3233 // 3 - 1
    1076
    >>> EncodedNumber.encode(3233, 1077)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: |value| too large for this key (max 1076)
    """
    return _check_modulus(n) // 3 - 1


class EncodedNumber:
    """A number encoded for a Paillier modulus ``n``: ``mantissa * 16**exponent``.

    ``encoding`` is ``mantissa mod n`` (what gets encrypted). Construct with
    :meth:`encode`; ``EncodedNumber(n, encoding, exponent)`` re-wraps a
    decrypted value.

    >>> from n3crypto.paillier.encoding import EncodedNumber
    >>> n = 3233                                  # a toy modulus; real ones come from keys
    >>> e = EncodedNumber.encode(n, 2.75, precision=1 / 16)
    >>> e.mantissa, e.exponent, e.decode()        # 44 * 16**-1
    (44, -1, 2.75)
    >>> neg = EncodedNumber.encode(n, -5)
    >>> neg.encoding, neg.mantissa, neg.decrease_exponent_to(-1).mantissa
    (3228, -5, -80)
    >>> EncodedNumber(n, 3228, 0).decode()        # re-wrap a decrypted residue
    -5
    >>> EncodedNumber(n, 1500, 0).mantissa        # between max_int and n - max_int
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidEncoding: value lies in the overflow band: it wrapped or was forged
    """

    __slots__ = ("encoding", "exponent", "n")

    def __init__(self, n: int, encoding: int, exponent: int) -> None:
        if isinstance(encoding, bool) or not isinstance(encoding, int):
            raise errors.N3TypeError("encoding must be an int")
        check_exponent(exponent)
        n = _check_modulus(n)
        if not 0 <= encoding < n:
            raise errors.InvalidEncoding("encoding must lie in [0, n)")
        self.n = int(n)
        self.encoding = int(encoding)
        self.exponent = int(exponent)

    def __repr__(self) -> str:
        return f"EncodedNumber(exponent={self.exponent})"

    @property
    def max_int(self) -> int:
        return max_int_for(self.n)

    @property
    def mantissa(self) -> int:
        """The signed integer this encoding stands for.

        Raises :class:`~n3crypto.errors.InvalidEncoding` when the encoding
        falls in the overflow band ``(max_int, n - max_int)``.
        """
        e, mx = self.encoding, self.max_int
        if e <= mx:
            return e
        if e >= self.n - mx:
            return e - self.n
        raise errors.InvalidEncoding("value lies in the overflow band: it wrapped or was forged")

    @classmethod
    def encode(
        cls,
        n: int,
        scalar: int | float | Fraction,
        precision: float | None = None,
        max_exponent: int | None = None,
    ) -> EncodedNumber:
        """Encode ``scalar`` for modulus ``n`` exactly as phe does.

        Integers get exponent 0; a float gets the exponent that keeps all 53
        bits of its mantissa; ``precision`` instead fixes the exponent to
        ``⌊log16(precision)⌋``; ``max_exponent`` caps it.
        """
        if isinstance(scalar, bool):
            raise errors.N3TypeError("booleans are not numbers here; pass 0 or 1")
        n = _check_modulus(n)
        if precision is None:
            if isinstance(scalar, int):
                exp = 0
            elif isinstance(scalar, float):
                if not math.isfinite(scalar):
                    raise errors.N3ValueError("cannot encode NaN or infinity")
                lsb = math.frexp(scalar)[1] - _FLOAT_MANTISSA_BITS
                exp = math.floor(lsb / _LOG2_BASE)
            else:
                raise errors.N3TypeError(
                    f"cannot infer the precision of {type(scalar).__name__}; pass precision="
                )
        else:
            if isinstance(precision, bool) or not isinstance(precision, int | float | Fraction):
                raise errors.N3TypeError(
                    f"precision must be a number, not {type(precision).__name__}"
                )
            if not precision > 0 or (isinstance(precision, float) and not math.isfinite(precision)):
                raise errors.N3ValueError("precision must be positive and finite")
            exp = math.floor(math.log(precision, BASE))
        if max_exponent is not None:
            exp = min(exp, check_exponent(max_exponent, "max_exponent"))
        check_exponent(exp)
        if not isinstance(scalar, int | float | Fraction):
            raise errors.N3TypeError(f"cannot encode {type(scalar).__name__}")
        if isinstance(scalar, float) and not math.isfinite(scalar):
            raise errors.N3ValueError("cannot encode NaN or infinity")
        mant = round(Fraction(scalar) * Fraction(BASE) ** -exp)
        if abs(mant) > max_int_for(n):
            raise errors.N3ValueError(f"|value| too large for this key (max {max_int_for(n)})")
        return cls(n, mant % n, exp)

    def decode(self) -> int | float:
        """The number: an ``int`` when the exponent is >= 0, else a ``float``."""
        m = self.mantissa
        if self.exponent >= 0:
            return int(m * BASE**self.exponent)
        try:
            return float(m / BASE**-self.exponent)
        except OverflowError:
            raise errors.N3ValueError("decoded value does not fit a float") from None

    def decrease_exponent_to(self, new_exp: int) -> EncodedNumber:
        """The same number with a smaller exponent (mantissa times 16**d)."""
        check_exponent(new_exp, "new_exp")
        if new_exp > self.exponent:
            raise errors.N3ValueError("an exponent can only be decreased")
        mant = self.mantissa * BASE ** (self.exponent - new_exp)
        if abs(mant) > self.max_int:
            raise errors.N3ValueError("decreasing the exponent would overflow")
        return EncodedNumber(self.n, mant % self.n, new_exp)
