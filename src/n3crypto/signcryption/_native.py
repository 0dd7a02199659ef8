"""The fused C operations of csrc/ec/clsc.c, with a pure-Python fallback.

Each function checks sizes, calls C once and returns bytes. When the native
module predates clsc.c (or is built without it), the same results come from
:mod:`n3crypto.group`; ``tests/test_signcryption.py`` checks both agree.

>>> k, u, z = encap(bytes(64), bytes(32), None)
Traceback (most recent call last):
...
n3crypto.errors.N3ValueError: zero nonce
"""

from __future__ import annotations

from typing import Any, Final

from n3crypto import errors
from n3crypto.group import Point, PrecomputedPoint, Scalar

__all__ = ["HAVE_NATIVE", "decap", "encap", "respond", "verify_point"]

try:
    from n3crypto.bindings import ffi, lib

    HAVE_NATIVE: Final[bool] = hasattr(lib, "n3_clsc_encap")
except ImportError:  # pragma: no cover - the package always ships _native
    HAVE_NATIVE = False  # type: ignore[misc]

_B: Final[Point] = Point.base()
_N3_EINVAL: Final[int] = -1


def _table_ptr(table: PrecomputedPoint | None) -> tuple[Any, int]:
    raw = getattr(table, "_table", None) if table is not None else None
    if raw is None:
        return ffi.NULL, 0
    return raw, ffi.sizeof(raw)


def encap(k_wide: bytes, q: bytes, table: PrecomputedPoint | None) -> tuple[bytes, bytes, bytes]:
    """``(k, U = k B, Z = k Q)`` with ``k = k_wide mod l``; raises N3ValueError for k = 0."""
    if len(k_wide) != 64 or len(q) != 32:
        raise errors.N3ValueError("encap: bad sizes")
    if HAVE_NATIVE:
        out = ffi.new("uint8_t[96]")
        ptr, n = _table_ptr(table)
        rc = lib.n3_clsc_encap(out, out + 32, out + 64, k_wide, q, ptr, n)
        if rc == _N3_EINVAL:  # tables always come from PrecomputedPoint: k was 0
            raise errors.N3ValueError("zero nonce")
        if rc != 0:
            raise errors.InvalidEncoding("encap: bad point")
        b = bytes(ffi.buffer(out, 96))
        return b[:32], b[32:64], b[64:]
    k = Scalar.from_bytes_wide(k_wide)
    if not k:
        raise errors.N3ValueError("zero nonce")
    qq = table if table is not None else Point.from_bytes(q)
    return bytes(k), bytes(k * _B), bytes(k * qq)


def respond(k: bytes, h_wide: bytes, a: bytes) -> bytes:
    """``s = k + (h_wide mod l) a``."""
    if HAVE_NATIVE:
        out = ffi.new("uint8_t[32]")
        if lib.n3_clsc_respond(out, k, h_wide, a) != 0:
            raise errors.N3ValueError("respond: non-canonical scalar")
        return bytes(ffi.buffer(out, 32))
    return bytes(Scalar.from_bytes(k) + Scalar.from_bytes_wide(h_wide) * Scalar.from_bytes(a))


def decap(a: bytes, u: bytes) -> bytes:
    """``Z = a U``; raises InvalidEncoding for a bad or identity ``U``."""
    if len(u) != 32:
        raise errors.InvalidEncoding("decap: bad size")
    if HAVE_NATIVE:
        out = ffi.new("uint8_t[32]")
        if lib.n3_clsc_decap(out, a, u) != 0:
            raise errors.InvalidEncoding("decap: bad point")
        return bytes(ffi.buffer(out, 32))
    up = Point.from_bytes(u)
    if up.is_identity():
        raise errors.InvalidEncoding("decap: identity")
    return bytes(Scalar.from_bytes(a) * up)


def verify_point(s: bytes, h_wide: bytes, q: bytes) -> bytes:
    """``s B - (h_wide mod l) Q`` (variable time); raises InvalidEncoding for a
    non-canonical ``s``. The caller compares it with the commitment."""
    if len(s) != 32:
        raise errors.InvalidEncoding("verify: bad size")
    if HAVE_NATIVE:
        out = ffi.new("uint8_t[32]")
        if lib.n3_clsc_verify_vartime(out, s, h_wide, q) != 0:
            raise errors.InvalidEncoding("verify: bad scalar or point")
        return bytes(ffi.buffer(out, 32))
    ss = Scalar.from_bytes(s)
    h = Scalar.from_bytes_wide(h_wide)
    return bytes(Point.vartime_double_mul_base(ss, -h, Point.from_bytes(q)))
