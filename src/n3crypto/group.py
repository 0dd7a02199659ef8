"""The ristretto255 prime-order group (RFC 9496) and its scalars mod l.

Every public-key operation in n3crypto runs here. :class:`Point` and
:class:`Scalar` are immutable and hashable; equality is constant time.
Multiplications by a scalar are constant time (the scalar may be secret);
:meth:`Point.multiscalar` and :meth:`Point.vartime_double_mul_base` are
variable time and must only see public scalars (signature verification,
batch checks).

>>> from n3crypto.group import Point, Scalar
>>> a, b = Scalar.from_int(3), Scalar.from_int(5)
>>> (a * Point.base()) + (b * Point.base()) == Scalar.from_int(8) * Point.base()
True
>>> bytes(Point.identity()).hex()
'0000000000000000000000000000000000000000000000000000000000000000'
>>> Point.from_bytes(bytes(Point.base())) == Point.base()
True
>>> int(a / b * b)
3
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import Any, Final, overload

from n3crypto import errors
from n3crypto._check import check_bytes as _as_bytes
from n3crypto._check import check_iterable
from n3crypto.bindings import ec as _ec

__all__ = [
    "H2G_SUITE",
    "ORDER",
    "POINT_BYTES",
    "SCALAR_BYTES",
    "Point",
    "PrecomputedPoint",
    "Scalar",
    "expand_message_xmd",
]

#: The prime order l of ristretto255.
ORDER: Final[int] = 2**252 + 27742317777372353535851937790883648493
POINT_BYTES: Final[int] = _ec.POINT_BYTES
SCALAR_BYTES: Final[int] = _ec.SCALAR_BYTES

#: The RFC 9380 suite that :meth:`Point.hash_to_group` implements (RFC 9380
#: suggests applications name it in their DST).
H2G_SUITE: Final[bytes] = b"ristretto255_XMD:SHA-512_R255MAP_RO_"


def expand_message_xmd(msg: bytes, dst: bytes, length: int) -> bytes:
    """RFC 9380 section 5.3.1 ``expand_message_xmd`` with SHA-512.

    A DST longer than 255 bytes is first hashed as section 5.3.3 says.

    >>> expand_message_xmd(b"abc", b"QUUX-V01-CS02-with-expander-SHA512-256", 32).hex()[:16]
    '0da749f12fbe5483'
    """
    msg = _as_bytes(msg, "msg")
    dst = _as_bytes(dst, "dst")
    if not isinstance(length, int) or isinstance(length, bool):
        raise errors.N3TypeError("length must be int")
    if len(dst) > 255:
        dst = hashlib.sha512(b"H2C-OVERSIZE-DST-" + dst).digest()
    b_in_bytes, r_in_bytes = 64, 128
    ell = -(-length // b_in_bytes)
    if length <= 0 or ell > 255 or length > 65535:
        raise errors.N3ValueError("expand_message_xmd: length out of range")
    dst_prime = dst + bytes([len(dst)])
    msg_prime = bytes(r_in_bytes) + msg + length.to_bytes(2, "big") + b"\x00" + dst_prime
    b0 = hashlib.sha512(msg_prime).digest()
    bi = hashlib.sha512(b0 + b"\x01" + dst_prime).digest()
    out = [bi]
    for i in range(2, ell + 1):
        mixed = bytes(x ^ y for x, y in zip(b0, bi, strict=True))
        bi = hashlib.sha512(mixed + bytes([i]) + dst_prime).digest()
        out.append(bi)
    return b"".join(out)[:length]


class Scalar:
    """An integer mod l, stored as its canonical 32-byte little-endian encoding.

    Arithmetic runs in constant time in C. ``==`` is constant time;
    ``hash()`` and ``int()`` are not meant for secrets.

    >>> s = Scalar.from_int(7)
    >>> int(s ** -1 * s), int(-s + s), Scalar.from_bytes(bytes(s)) == s
    (1, 0, True)
    """

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self, value: int = 0) -> None:
        if not isinstance(value, int) or isinstance(value, bool):
            raise errors.N3TypeError(f"Scalar() takes an int, not {type(value).__name__}")
        object.__setattr__(self, "_b", (value % ORDER).to_bytes(32, "little"))

    @classmethod
    def _wrap(cls, b: bytes) -> Scalar:
        s = object.__new__(cls)
        object.__setattr__(s, "_b", b)
        return s

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Scalar is immutable")

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return (Scalar.from_bytes, (self._b,))

    # -- constructors --------------------------------------------------
    @classmethod
    def from_bytes(cls, data: bytes) -> Scalar:
        """The scalar with canonical encoding ``data``; raises InvalidEncoding."""
        data = _as_bytes(data, "scalar encoding")
        if len(data) != SCALAR_BYTES:
            raise errors.InvalidEncoding(f"a scalar is {SCALAR_BYTES} bytes, got {len(data)}")
        if not _ec.scalar_is_canonical(data):
            raise errors.InvalidEncoding("scalar encoding is not canonical (>= l)")
        return cls._wrap(data)

    @classmethod
    def from_bytes_wide(cls, data: bytes) -> Scalar:
        """64 bytes (little-endian) reduced mod l: uniform from uniform input."""
        data = _as_bytes(data, "wide scalar")
        if len(data) != _ec.SCALAR_WIDE_BYTES:
            raise errors.N3ValueError(f"wide scalar must be 64 bytes, got {len(data)}")
        return cls._wrap(_ec.scalar_reduce_wide(data))

    @classmethod
    def from_int(cls, value: int) -> Scalar:
        """``value mod l`` (Python big-int arithmetic: not for secret values)."""
        return cls(value)

    @classmethod
    def random(cls) -> Scalar:
        """A uniformly random scalar (64 bytes from ``secrets``, reduced)."""
        return cls.from_bytes_wide(secrets.token_bytes(64))

    @classmethod
    def hash(cls, msg: bytes, dst: bytes) -> Scalar:
        """Hash to a scalar: 64 bytes of ``expand_message_xmd`` (SHA-512) reduced mod l.

        ``dst`` is a non-empty domain-separation tag.
        """
        dst = _as_bytes(dst, "dst")
        if not dst:
            raise errors.N3ValueError("dst must not be empty")
        return cls.from_bytes_wide(expand_message_xmd(msg, dst, 64))

    # -- conversions ---------------------------------------------------
    def __bytes__(self) -> bytes:
        return self._b

    def __int__(self) -> int:
        return int.from_bytes(self._b, "little")

    def __repr__(self) -> str:
        return "Scalar(<hidden>)"

    def __bool__(self) -> bool:
        return self._b != bytes(32)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Scalar):
            return hmac.compare_digest(self._b, other._b)
        if isinstance(other, int) and not isinstance(other, bool):
            return hmac.compare_digest(self._b, Scalar(other)._b)
        return NotImplemented

    def __hash__(self) -> int:
        return hash((Scalar, self._b))

    # -- arithmetic ----------------------------------------------------
    @staticmethod
    def _coerce(other: Any) -> Scalar | None:
        if isinstance(other, Scalar):
            return other
        if isinstance(other, int) and not isinstance(other, bool):
            return Scalar(other)
        return None

    def __add__(self, other: Scalar | int) -> Scalar:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return Scalar._wrap(_ec.scalar_add(self._b, o._b))

    __radd__ = __add__

    def __sub__(self, other: Scalar | int) -> Scalar:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return Scalar._wrap(_ec.scalar_sub(self._b, o._b))

    def __rsub__(self, other: Scalar | int) -> Scalar:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return Scalar._wrap(_ec.scalar_sub(o._b, self._b))

    def __neg__(self) -> Scalar:
        return Scalar._wrap(_ec.scalar_neg(self._b))

    @overload
    def __mul__(self, other: Scalar | int) -> Scalar: ...
    @overload
    def __mul__(self, other: Point) -> Point: ...
    @overload
    def __mul__(self, other: PrecomputedPoint) -> Point: ...

    def __mul__(self, other: Any) -> Any:
        if isinstance(other, Point | PrecomputedPoint):
            return other.__rmul__(self)
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return Scalar._wrap(_ec.scalar_mul(self._b, o._b))

    def __rmul__(self, other: Scalar | int) -> Scalar:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return Scalar._wrap(_ec.scalar_mul(o._b, self._b))

    def invert(self) -> Scalar:
        """The inverse mod l (constant time); raises ZeroDivisionError for 0."""
        if not self:
            raise ZeroDivisionError("0 has no inverse mod l")
        return Scalar._wrap(_ec.scalar_invert(self._b))

    def __truediv__(self, other: Scalar | int) -> Scalar:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return self * o.invert()

    def __rtruediv__(self, other: Scalar | int) -> Scalar:
        o = self._coerce(other)
        if o is None:
            return NotImplemented
        return o * self.invert()

    def __pow__(self, exponent: int) -> Scalar:
        """``s ** e`` for any int e (negative means a power of the inverse).

        The exponent is public: the ladder branches on its bits.
        """
        if not isinstance(exponent, int) or isinstance(exponent, bool):
            return NotImplemented
        base = self
        if exponent < 0:
            base, exponent = self.invert(), -exponent
        if exponent == 1:
            return base
        exponent %= ORDER - 1
        result = Scalar._wrap((1).to_bytes(32, "little"))
        for bit in bin(exponent)[2:]:
            result = result * result
            if bit == "1":
                result = result * base
        return result


class Point:
    """An element of ristretto255, stored as its canonical 32-byte encoding.

    >>> p = Point.hash_to_group(b"hello", b"n3crypto-doc")
    >>> q = Scalar.from_int(2) * p
    >>> q == p + p and q - p == p and -p + p == Point.identity()
    True
    """

    __slots__ = ("_b",)
    _b: bytes

    def __init__(self) -> None:
        raise errors.N3TypeError("use Point.from_bytes(), Point.base() or Point.identity()")

    @classmethod
    def _wrap(cls, b: bytes) -> Point:
        p = object.__new__(cls)
        object.__setattr__(p, "_b", b)
        return p

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("Point is immutable")

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        return (Point.from_bytes, (self._b,))

    # -- constructors --------------------------------------------------
    @classmethod
    def base(cls) -> Point:
        """The generator B of RFC 9496."""
        return _BASE

    @classmethod
    def identity(cls) -> Point:
        """The neutral element (encoded as 32 zero bytes)."""
        return _IDENTITY

    @classmethod
    def from_bytes(cls, data: bytes) -> Point:
        """Decode a canonical encoding; raises InvalidEncoding otherwise.

        The identity is accepted: protocols that must refuse it check
        :meth:`is_identity`.
        """
        # Inlined checks and construction: this is on every protocol's hot
        # path, and each Python-level call here costs ~0.1 us.
        if type(data) is not bytes:
            data = _as_bytes(data, "point encoding")
        if len(data) != POINT_BYTES:
            raise errors.InvalidEncoding(f"a point is {POINT_BYTES} bytes, got {len(data)}")
        if _IS_INVALID(data):
            raise errors.InvalidEncoding("not a canonical ristretto255 encoding")
        p = _new_object(cls)
        _set_point_bytes(p, data)
        return p

    @classmethod
    def from_bytes_batch(cls, encodings: Iterable[bytes]) -> list[Point]:
        """Decode many encodings at once; raises InvalidEncoding naming the first bad one.

        The square roots run eight at a time (in IFMA lanes where the CPU has
        them), so a batch costs a fraction of one :meth:`from_bytes` per point.

        >>> pts = [Point.hash_to_group(bytes([i]), b"n3crypto-doc") for i in range(3)]
        >>> Point.from_bytes_batch([bytes(p) for p in pts]) == pts
        True
        """
        items: list[bytes] = []
        for i, data in enumerate(check_iterable(encodings, "encodings")):
            if type(data) is not bytes:
                data = _as_bytes(data, f"point encoding {i}")
            if len(data) != POINT_BYTES:
                raise errors.InvalidEncoding(
                    f"point encoding {i} is {len(data)} bytes, expected {POINT_BYTES}"
                )
            items.append(data)
        bad = _ec.first_invalid(b"".join(items), len(items))
        if bad != len(items):
            raise errors.InvalidEncoding(
                f"point encoding {bad} is not a canonical ristretto255 encoding"
            )
        out = []
        for data in items:
            p = _new_object(cls)
            _set_point_bytes(p, data)
            out.append(p)
        return out

    @classmethod
    def from_uniform_bytes(cls, data: bytes) -> Point:
        """RFC 9496 FROM_UNIFORM_BYTES: the one-way map of 64 uniform bytes."""
        data = _as_bytes(data, "uniform bytes")
        if len(data) != _ec.HASH_BYTES:
            raise errors.N3ValueError(f"uniform bytes must be 64 bytes, got {len(data)}")
        return cls._wrap(_ec.from_uniform(data))

    @classmethod
    def hash_to_group(cls, msg: bytes, dst: bytes) -> Point:
        """RFC 9380 ``ristretto255_XMD:SHA-512_R255MAP_RO_``.

        ``from_uniform_bytes(expand_message_xmd(msg, dst, 64))``; ``dst`` must
        be a non-empty application tag.
        """
        dst = _as_bytes(dst, "dst")
        if not dst:
            raise errors.N3ValueError("dst must not be empty")
        return cls._wrap(_ec.from_uniform(expand_message_xmd(msg, dst, 64)))

    @classmethod
    def random(cls) -> Point:
        """A uniformly random element."""
        return cls._wrap(_ec.from_uniform(secrets.token_bytes(64)))

    @classmethod
    def multiscalar(cls, scalars: Iterable[Scalar], points: Iterable[Point]) -> Point:
        """``sum(s_i * P_i)`` in VARIABLE TIME (Straus / Pippenger): public scalars only."""
        ss = check_iterable(scalars, "scalars")
        ps = check_iterable(points, "points")
        if len(ss) != len(ps):
            raise errors.N3ValueError("multiscalar: as many scalars as points are needed")
        for s in ss:
            if not isinstance(s, Scalar):
                raise errors.N3TypeError("multiscalar: scalars must be Scalar")
        for p in ps:
            if not isinstance(p, Point):
                raise errors.N3TypeError("multiscalar: points must be Point")
        if not ss:
            return _IDENTITY
        return cls._wrap(
            _ec.multiscalar_vartime(b"".join(s._b for s in ss), b"".join(p._b for p in ps), len(ss))
        )

    @classmethod
    def vartime_double_mul_base(cls, a: Scalar, b: Scalar, p: Point) -> Point:
        """``a * B + b * p`` in VARIABLE TIME (signature verification)."""
        if not (isinstance(a, Scalar) and isinstance(b, Scalar) and isinstance(p, Point)):
            raise errors.N3TypeError("vartime_double_mul_base(Scalar, Scalar, Point)")
        return cls._wrap(_ec.double_scalarmult_vartime(a._b, b._b, p._b))

    # -- conversions ---------------------------------------------------
    def __bytes__(self) -> bytes:
        return self._b

    def __repr__(self) -> str:
        return f"Point({self._b.hex()})"

    def is_identity(self) -> bool:
        return hmac.compare_digest(self._b, bytes(32))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Point):
            return NotImplemented
        return hmac.compare_digest(self._b, other._b)

    def __hash__(self) -> int:
        return hash((Point, self._b))

    # -- group law -----------------------------------------------------
    def __add__(self, other: Point) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return Point._wrap(_ec.add(self._b, other._b))

    def __sub__(self, other: Point) -> Point:
        if not isinstance(other, Point):
            return NotImplemented
        return Point._wrap(_ec.sub(self._b, other._b))

    def __neg__(self) -> Point:
        return Point._wrap(_ec.neg(self._b))

    def __rmul__(self, scalar: Scalar) -> Point:
        """``scalar * point`` in constant time (fixed-base tables for B)."""
        if not isinstance(scalar, Scalar):
            return NotImplemented
        if self._b == _BASE_BYTES:
            return Point._wrap(_ec.scalarmult_base(scalar._b))
        return Point._wrap(_ec.scalarmult(scalar._b, self._b))

    __mul__ = __rmul__

    def mul2(self, a: Scalar, b: Scalar) -> tuple[Point, Point]:
        """``(a * self, b * self)``, constant time, sharing one decode and table."""
        if not (isinstance(a, Scalar) and isinstance(b, Scalar)):
            raise errors.N3TypeError("mul2 takes two Scalars")
        x, y = _ec.scalarmult2(a._b, b._b, self._b)
        return Point._wrap(x), Point._wrap(y)

    def precompute(self) -> PrecomputedPoint:
        """A fixed-base table (80 KiB) for a long-lived point such as a KGC key."""
        return PrecomputedPoint(self)


class PrecomputedPoint:
    """A point with its fixed-base table: ``scalar * table`` is constant time
    and several times faster than ``scalar * point``.

    >>> t = Point.base().precompute()
    >>> Scalar.from_int(9) * t == Scalar.from_int(9) * Point.base()
    True
    """

    __slots__ = ("_point", "_table")

    def __init__(self, point: Point) -> None:
        if not isinstance(point, Point):
            raise errors.N3TypeError("PrecomputedPoint takes a Point")
        self._point = point
        self._table = _ec.table_build(point._b)

    @property
    def point(self) -> Point:
        return self._point

    def __rmul__(self, scalar: Scalar) -> Point:
        if not isinstance(scalar, Scalar):
            return NotImplemented
        return Point._wrap(_ec.table_scalarmult(self._table, scalar._b))

    __mul__ = __rmul__

    def __repr__(self) -> str:
        return f"PrecomputedPoint({self._point._b.hex()})"


_IS_INVALID: Final = _ec.is_invalid_raw
_new_object: Final = object.__new__
# The slot's own setter: Point.__setattr__ refuses every assignment.
_set_point_bytes: Final = Point.__dict__["_b"].__set__

_BASE_BYTES: Final[bytes] = bytes.fromhex(
    "e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"
)
_BASE: Final[Point] = Point._wrap(_BASE_BYTES)
_IDENTITY: Final[Point] = Point._wrap(bytes(32))
