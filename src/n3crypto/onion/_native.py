"""1:1 wrappers over the Sphinx fast path in C (csrc/include/n3_sphinx.h).

Each wrapper allocates outputs, calls C and turns a negative return code
into an :mod:`n3crypto.errors` exception. Callers (packet.py) have already
checked types and sizes. :data:`AVAILABLE` is False on a build without the
ec module; packet.py then uses the :mod:`n3crypto.group` path.

>>> from n3crypto.group import Point, Scalar
>>> if AVAILABLE:
...     y = Scalar.from_int(5)
...     alpha = bytes(Scalar.from_int(7) * Point.base())
...     shared, ctx = hop_shared(bytes(y), alpha)
...     shared == bytes(Scalar.from_int(35) * Point.base())
... else:
...     True
True
"""

from __future__ import annotations

from typing import Any

from n3crypto import errors
from n3crypto.bindings import check, ffi, lib

__all__ = [
    "AVAILABLE",
    "KeyTable",
    "blind_scalar",
    "create_hop",
    "hop_blind",
    "hop_shared",
]

AVAILABLE: bool = hasattr(lib, "n3_sphinx_hop_shared")

if AVAILABLE:
    CTX_WORDS = int(lib.n3_sphinx_ctx_bytes()) // 8
    assert CTX_WORDS * 8 == lib.N3_SPHINX_CTX_BYTES
    TABLE_BYTES = int(lib.n3_ristretto255_table_bytes())
    _U8_32 = ffi.typeof("uint8_t[32]")
    _CTX = ffi.typeof("uint64_t[]")


def hop_shared(y: bytes, alpha: bytes) -> tuple[bytes, Any]:
    """``(y·α, ctx)``; InvalidEncoding if α is not a non-identity element."""
    shared = ffi.new(_U8_32)
    ctx = ffi.new(_CTX, CTX_WORDS)
    rc = lib.n3_sphinx_hop_shared(shared, ctx, CTX_WORDS * 8, y, alpha)
    if rc != 0:
        check(rc, "sphinx hop")
    return ffi.buffer(shared, 32)[:], ctx


def hop_blind(ctx: Any, b_wide: bytes) -> bytes:
    """``(b mod l)·α`` for the α that :func:`hop_shared` decoded into ``ctx``."""
    out = ffi.new(_U8_32)
    rc = lib.n3_sphinx_hop_blind(out, ctx, CTX_WORDS * 8, b_wide)
    if rc != 0:
        check(rc, "sphinx blind")
    return ffi.buffer(out, 32)[:]  # type: ignore[no-any-return]


class KeyTable:
    """A fixed-base table (80 KiB) of a relay key: makes ``c·Y`` at packet
    creation about twice as fast; worth it for relays used many times."""

    __slots__ = ("public", "table")

    def __init__(self, public: bytes) -> None:
        if not AVAILABLE:
            raise errors.UnavailableError("the Sphinx fast path is not in this build")
        self.public = public
        self.table = ffi.new("uint64_t[]", TABLE_BYTES // 8)
        check(lib.n3_ristretto255_table_build(self.table, TABLE_BYTES, public), "key table")


def create_hop(
    c: bytes, y_pub: bytes, table: KeyTable | None = None, *, want_alpha: bool = True
) -> tuple[bytes, bytes]:
    """``(c·B, c·Y)`` (``c·B`` is ``b""`` unless ``want_alpha``);
    InvalidEncoding if Y is not a non-identity element."""
    alpha = ffi.new(_U8_32) if want_alpha else ffi.NULL
    shared = ffi.new(_U8_32)
    if table is None:
        rc = lib.n3_sphinx_create_hop(alpha, shared, c, y_pub, ffi.NULL, 0)
    else:
        rc = lib.n3_sphinx_create_hop(alpha, shared, c, y_pub, table.table, TABLE_BYTES)
    if rc != 0:
        check(rc, "sphinx create")
    return (ffi.buffer(alpha, 32)[:] if want_alpha else b""), ffi.buffer(shared, 32)[:]


def blind_scalar(c: bytes, b_wide: bytes) -> bytes:
    """``c·(b mod l)`` as a scalar."""
    out = ffi.new(_U8_32)
    check(lib.n3_sphinx_blind_scalar(out, c, b_wide), "sphinx blind scalar")
    return ffi.buffer(out, 32)[:]  # type: ignore[no-any-return]
