"""1:1 wrappers over the ristretto255 and scalar C API (csrc/include/n3_ec.h).

Each wrapper checks types and sizes, allocates the output, calls C, turns a
negative return code into an :mod:`n3crypto.errors` exception and returns
``bytes``. No group logic lives here.
"""

from __future__ import annotations

import os
from typing import Any

from n3crypto import errors
from n3crypto.bindings import check, ffi, lib, raise_for

POINT_BYTES: int = int(lib.n3_ristretto255_bytes())
HASH_BYTES: int = int(lib.n3_ristretto255_hashbytes())
SCALAR_BYTES: int = int(lib.n3_scalar_bytes())
SCALAR_WIDE_BYTES: int = int(lib.n3_scalar_wide_bytes())
TABLE_BYTES: int = int(lib.n3_ristretto255_table_bytes())

assert POINT_BYTES == lib.N3_RISTRETTO255_BYTES == 32
assert HASH_BYTES == lib.N3_RISTRETTO255_HASHBYTES == 64
assert SCALAR_BYTES == lib.N3_SCALAR_BYTES == 32
assert SCALAR_WIDE_BYTES == lib.N3_SCALAR_WIDE_BYTES == 64
assert TABLE_BYTES == lib.N3_RISTRETTO255_TABLE_BYTES

#: Field/group backends: portable C and AVX-512 IFMA (4-way point formulas).
FIELD_BACKENDS: dict[str, int] = {"ref": lib.N3_EC_FIELD_REF, "ifma": lib.N3_EC_FIELD_IFMA}
_FIELD_NAMES = {v: k for k, v in FIELD_BACKENDS.items()}


def field_backend() -> str:
    """The backend the C core chose at n3_init() (``N3_FORCE_FIELD`` overrides)."""
    return _FIELD_NAMES[int(lib.n3_ec_field_backend())]


def available_field_backends() -> list[str]:
    """Backends this CPU and build can run, slowest first."""
    return [n for n, b in FIELD_BACKENDS.items() if lib.n3_ec_field_available(b) == 0]


_forced = os.environ.get("N3_FORCE_FIELD")
if _forced:
    if _forced not in FIELD_BACKENDS:
        raise errors.N3ValueError(
            f"N3_FORCE_FIELD={_forced!r}: expected one of {', '.join(FIELD_BACKENDS)}"
        )
    if field_backend() != _forced:
        raise errors.UnavailableError(
            f"N3_FORCE_FIELD={_forced!r} is not available on this CPU or build "
            f"(available: {', '.join(available_field_backends())})"
        )


def _need(value: Any, size: int, what: str) -> bytes:
    """``value`` as bytes of exactly ``size`` bytes, or raise."""
    if type(value) is bytes and len(value) == size:  # the fast path
        return value
    if not isinstance(value, bytes | bytearray | memoryview):
        raise errors.N3TypeError(f"{what} must be bytes, not {type(value).__name__}")
    if len(value) != size:
        raise errors.N3ValueError(f"{what} must be {size} bytes, got {len(value)}")
    return bytes(value)


_U8_32 = ffi.typeof("uint8_t[32]")


def _out(n: int = 32) -> Any:
    return ffi.new(_U8_32) if n == 32 else ffi.new("uint8_t[]", n)


def _bytes(buf: Any, n: int = 32) -> bytes:
    return ffi.buffer(buf, n)[:]  # type: ignore[no-any-return]


# The hot wrappers below inline the size check, allocation and return-code
# check (each helper call costs ~0.1 us, comparable to the work of a scalar
# operation); the slow paths go through _need / raise_for.


def is_valid(p: bytes) -> bool:
    if type(p) is not bytes or len(p) != 32:
        p = _need(p, POINT_BYTES, "point")
    return lib.n3_ristretto255_is_valid(p) == 0  # type: ignore[no-any-return]


#: The raw C check for callers that already hold 32 ``bytes``: 0 if valid.
is_invalid_raw = lib.n3_ristretto255_is_valid


def first_invalid(points: bytes, n: int) -> int:
    """Index of the first invalid encoding among ``n`` concatenated ones, or ``n``."""
    if not isinstance(n, int) or n < 0 or n > 1 << 24:
        raise errors.N3ValueError(f"n (number of points) must be an int in [0, 2^24], not {n!r}")
    points = _need(points, POINT_BYTES * n, "points")
    index = ffi.new("size_t *")
    rc = lib.n3_ristretto255_is_valid_batch(index, points, n)
    if rc and rc != lib.N3_EENCODING:
        raise_for(rc, "ristretto255 batch validation")
    return int(index[0])


def add(p: bytes, q: bytes) -> bytes:
    if type(p) is not bytes or len(p) != 32:
        p = _need(p, POINT_BYTES, "point")
    if type(q) is not bytes or len(q) != 32:
        q = _need(q, POINT_BYTES, "point")
    out = ffi.new(_U8_32)
    rc = lib.n3_ristretto255_add(out, p, q)
    if rc:
        raise_for(rc, "ristretto255 add")
    return ffi.buffer(out)[:]  # type: ignore[no-any-return]


def sub(p: bytes, q: bytes) -> bytes:
    p = _need(p, POINT_BYTES, "point")
    q = _need(q, POINT_BYTES, "point")
    out = _out()
    check(lib.n3_ristretto255_sub(out, p, q), "ristretto255 sub")
    return _bytes(out)


def neg(p: bytes) -> bytes:
    p = _need(p, POINT_BYTES, "point")
    out = _out()
    check(lib.n3_ristretto255_neg(out, p), "ristretto255 neg")
    return _bytes(out)


def from_uniform(r: bytes) -> bytes:
    r = _need(r, HASH_BYTES, "uniform bytes")
    out = _out()
    check(lib.n3_ristretto255_from_uniform(out, r), "ristretto255 from_uniform")
    return _bytes(out)


def scalarmult(n: bytes, p: bytes) -> bytes:
    if type(n) is not bytes or len(n) != 32:
        n = _need(n, SCALAR_BYTES, "scalar")
    if type(p) is not bytes or len(p) != 32:
        p = _need(p, POINT_BYTES, "point")
    out = ffi.new(_U8_32)
    rc = lib.n3_ristretto255_scalarmult(out, n, p)
    if rc:
        raise_for(rc, "ristretto255 scalarmult")
    return ffi.buffer(out)[:]  # type: ignore[no-any-return]


def scalarmult2(n1: bytes, n2: bytes, p: bytes) -> tuple[bytes, bytes]:
    n1 = _need(n1, SCALAR_BYTES, "scalar")
    n2 = _need(n2, SCALAR_BYTES, "scalar")
    p = _need(p, POINT_BYTES, "point")
    o1, o2 = _out(), _out()
    check(
        lib.n3_ristretto255_scalarmult2(o1, o2, n1, n2, p),
        "ristretto255 scalarmult2",
    )
    return _bytes(o1), _bytes(o2)


def scalarmult_base(n: bytes) -> bytes:
    if type(n) is not bytes or len(n) != 32:
        n = _need(n, SCALAR_BYTES, "scalar")
    out = ffi.new(_U8_32)
    rc = lib.n3_ristretto255_scalarmult_base(out, n)
    if rc:
        raise_for(rc, "ristretto255 scalarmult_base")
    return ffi.buffer(out)[:]  # type: ignore[no-any-return]


def table_build(p: bytes) -> Any:
    """A fixed-base table for ``p``: an opaque cffi buffer owned by Python."""
    p = _need(p, POINT_BYTES, "point")
    table = ffi.new("uint64_t[]", TABLE_BYTES // 8)
    check(lib.n3_ristretto255_table_build(table, TABLE_BYTES, p), "fixed-base table")
    return table


def table_scalarmult(table: Any, n: bytes) -> bytes:
    n = _need(n, SCALAR_BYTES, "scalar")
    if ffi.typeof(table) is not ffi.typeof("uint64_t[]") or ffi.sizeof(table) != TABLE_BYTES:
        raise errors.N3TypeError("table must come from table_build()")
    out = _out()
    check(
        lib.n3_ristretto255_table_scalarmult(out, table, TABLE_BYTES, n),
        "fixed-base scalarmult",
    )
    return _bytes(out)


def double_scalarmult_vartime(a: bytes, b: bytes, p: bytes) -> bytes:
    a = _need(a, SCALAR_BYTES, "scalar")
    b = _need(b, SCALAR_BYTES, "scalar")
    p = _need(p, POINT_BYTES, "point")
    out = _out()
    check(
        lib.n3_ristretto255_double_scalarmult_vartime(out, a, b, p),
        "ristretto255 double_scalarmult",
    )
    return _bytes(out)


def multiscalar_vartime(scalars: bytes, points: bytes, n: int) -> bytes:
    """``scalars`` and ``points``: ``n`` concatenated 32-byte strings each."""
    if not isinstance(n, int) or n < 0 or n > 1 << 24:
        raise errors.N3ValueError(f"n (number of points) must be an int in [0, 2^24], not {n!r}")
    scalars = _need(scalars, SCALAR_BYTES * n, "scalars")
    points = _need(points, POINT_BYTES * n, "points")
    out = _out()
    size = int(lib.n3_ristretto255_multiscalar_scratch_bytes(n))
    scratch = ffi.new("uint64_t[]", max(size // 8, 1))
    check(
        lib.n3_ristretto255_multiscalar_vartime(out, scalars, points, n, scratch, size),
        "ristretto255 multiscalar",
    )
    return _bytes(out)


def scalar_is_canonical(s: bytes) -> bool:
    s = _need(s, SCALAR_BYTES, "scalar")
    return bool(lib.n3_scalar_is_canonical(s) == 0)


def scalar_reduce_wide(s: bytes) -> bytes:
    s = _need(s, SCALAR_WIDE_BYTES, "wide scalar")
    out = _out()
    check(lib.n3_scalar_reduce_wide(out, s), "scalar reduction")
    return _bytes(out)


def _scalar_op(fn: Any, a: bytes, b: bytes, what: str) -> bytes:
    if type(a) is not bytes or len(a) != 32:
        a = _need(a, SCALAR_BYTES, "scalar")
    if type(b) is not bytes or len(b) != 32:
        b = _need(b, SCALAR_BYTES, "scalar")
    out = ffi.new(_U8_32)
    rc = fn(out, a, b)
    if rc:
        raise_for(rc, what)
    return ffi.buffer(out)[:]  # type: ignore[no-any-return]


def scalar_add(a: bytes, b: bytes) -> bytes:
    return _scalar_op(lib.n3_scalar_add, a, b, "scalar add")


def scalar_sub(a: bytes, b: bytes) -> bytes:
    return _scalar_op(lib.n3_scalar_sub, a, b, "scalar sub")


def scalar_mul(a: bytes, b: bytes) -> bytes:
    return _scalar_op(lib.n3_scalar_mul, a, b, "scalar mul")


def scalar_neg(a: bytes) -> bytes:
    a = _need(a, SCALAR_BYTES, "scalar")
    out = _out()
    check(lib.n3_scalar_neg(out, a), "scalar neg")
    return _bytes(out)


def scalar_invert(a: bytes) -> bytes:
    if type(a) is not bytes or len(a) != 32:
        a = _need(a, SCALAR_BYTES, "scalar")
    out = ffi.new(_U8_32)
    rc = lib.n3_scalar_invert(out, a)
    if rc:
        raise_for(rc, "scalar invert")
    return ffi.buffer(out)[:]  # type: ignore[no-any-return]
