"""GF(2^8) arithmetic on bytes and byte vectors (polynomial 0x11D).

Element-wise operations over byte strings, for byte-wise secret sharing and
other codes built on the Reed–Solomon core. Functions here treat the byte
vectors as **secret**: they run in constant time with respect to their
contents (SIMD kernels, or a shift-and-add fallback; never a table indexed by
data). Field points (``x``) are public.

>>> from n3crypto import gf256
>>> gf256.mul(0x53, 0xCA), gf256.inv(0x53)
(143, 140)
>>> coeffs = [b"\\x05\\x06", b"\\x09\\x0a"]            # 5 + 9x, 6 + 10x (per byte)
>>> ys = {x: gf256.poly_eval(coeffs, x) for x in (1, 2)}
>>> gf256.interpolate(ys, at=0)
b'\\x05\\x06'
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from n3crypto import errors
from n3crypto._buffers import c_buffers, check_int
from n3crypto.bindings import default_kernel, ffi, lib
from n3crypto.bindings import rs as _rs

__all__ = ["dot", "interpolate", "inv", "mul", "mul_bytes", "poly_eval"]

_FLAGS = lib.N3_GF_CONSTTIME


def _sequence(obj: Any, what: str) -> Sequence[Any]:
    """A list, tuple or other non-buffer sequence (a bytes object is one
    vector, never a sequence of coefficients)."""
    if isinstance(obj, str | bytes | bytearray | memoryview) or not isinstance(obj, Sequence):
        raise errors.N3TypeError(f"{what} must be a sequence, not {type(obj).__name__}")
    return obj


def mul(a: int, b: int) -> int:
    """The product of two field elements (ints in 0..255).

    >>> mul(0x53, 0xCA), mul(2, 0x80), mul(7, 1)
    (143, 29, 7)
    """
    return _rs.gf256_mul(check_int(a, "a", 0, 255), check_int(b, "b", 0, 255))


def inv(a: int) -> int:
    """The inverse of a non-zero field element.

    >>> inv(0x53), mul(0x53, inv(0x53))
    (140, 1)
    >>> inv(0)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: 0 has no inverse in GF(2^8)
    """
    check_int(a, "a", 0, 255)
    if a == 0:
        raise errors.N3ValueError("0 has no inverse in GF(2^8)")
    return _rs.gf256_inv(a)


def dot(coeffs: Sequence[Sequence[int]], vectors: Sequence[Any]) -> list[bytes]:
    """Row ``i`` of the result is ``Σ_j coeffs[i][j] · vectors[j]`` (byte-wise).

    >>> dot([[1, 1], [2, 0]], [b"\\x01\\x02", b"\\x03\\x04"])
    [b'\\x02\\x06', b'\\x02\\x04']
    """
    vectors = _sequence(vectors, "vectors")
    coeffs = _sequence(coeffs, "coeffs")
    if not vectors:
        raise errors.N3ValueError("dot needs at least one vector")
    if len(vectors) > 255 or len(coeffs) > 255 or not coeffs:
        raise errors.N3ValueError("dot takes 1..255 vectors and 1..255 rows")
    srcs, size = c_buffers(vectors, "vectors")
    flat = bytearray()
    for i, row in enumerate(coeffs):
        if isinstance(row, str) or not isinstance(row, Sequence):
            raise errors.N3TypeError(f"coeffs[{i}] must be a sequence of ints")
        if len(row) != len(vectors):
            raise errors.N3ValueError(
                f"coeffs[{i}] has {len(row)} entries, expected {len(vectors)}"
            )
        flat.extend(check_int(c, f"coeffs[{i}]", 0, 255) for c in row)
    outs = [bytearray(size) for _ in coeffs]
    if size:
        dsts = [ffi.from_buffer("uint8_t[]", o) for o in outs]
        _rs.gf256_dot_prod(
            default_kernel(),
            _FLAGS,
            size,
            bytes(flat),
            _rs.ptr_array(srcs),
            len(srcs),
            _rs.ptr_array(dsts),
            len(dsts),
        )
    return [bytes(o) for o in outs]


def mul_bytes(c: int, data: Any) -> bytes:
    """Every byte of ``data`` multiplied by the constant ``c``.

    >>> mul_bytes(2, b"\\x01\\x80")
    b'\\x02\\x1d'
    """
    return dot([[check_int(c, "c", 0, 255)]], [data])[0]


def poly_eval(coeffs: Sequence[Any], x: int) -> bytes:
    """Evaluate, byte-wise, the polynomial ``Σ_j coeffs[j] · x^j`` whose
    coefficients are equal-length byte vectors (``coeffs[0]`` is the constant
    term).

    >>> coeffs = [b"\\x05\\x06", b"\\x09\\x0a"]   # 5 + 9x and 6 + 10x
    >>> poly_eval(coeffs, 0), poly_eval(coeffs, 1), poly_eval(coeffs, 2)
    (b'\\x05\\x06', b'\\x0c\\x0c', b'\\x17\\x12')
    """
    check_int(x, "x", 0, 255)
    coeffs = _sequence(coeffs, "coeffs")
    if not coeffs:
        raise errors.N3ValueError("poly_eval needs at least one coefficient")
    row = list(_rs.gf256_vandermonde(bytes([x]), len(coeffs)))
    return dot([row], coeffs)[0]


def interpolate(points: Mapping[int, Any], at: int = 0) -> bytes:
    """Lagrange interpolation, byte-wise: the value at ``at`` of the unique
    polynomial of degree < ``len(points)`` through ``{x: y}`` (distinct
    public ``x``, equal-length byte vectors ``y``).

    Two points fix a line, so any two evaluations of ``5 + 9x`` (per byte)
    give back its constant term:

    >>> points = {1: b"\\x0c\\x0c", 2: b"\\x17\\x12"}
    >>> interpolate(points, at=0)
    b'\\x05\\x06'
    >>> interpolate(points, at=3) == poly_eval([b"\\x05\\x06", b"\\x09\\x0a"], 3)
    True
    """
    check_int(at, "at", 0, 255)
    if not isinstance(points, Mapping):
        raise errors.N3TypeError(f"points must be a mapping {{x: y}}, not {type(points).__name__}")
    if not points:
        raise errors.N3ValueError("interpolate needs at least one point")
    xs = [check_int(x, "x", 0, 255) for x in points]
    coeffs = _rs.gf256_lagrange(bytes(xs), at)
    return dot([list(coeffs)], list(points.values()))[0]
