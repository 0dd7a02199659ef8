"""1:1 wrappers over the GF(2^8) and erasure-code C API (csrc/include/n3_rs.h)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from n3crypto.bindings import U8_PTR_ARRAY, check, ffi, lib

MAX_SHARDS: int = lib.N3_RS_MAX_SHARDS


def gf256_mul(a: int, b: int) -> int:
    return int(lib.n3_gf256_mul(a, b))


def gf256_inv(a: int) -> int:
    return int(lib.n3_gf256_inv(a))


def ptr_array(bufs: Sequence[Any]) -> Any:
    """A C array of ``uint8_t *`` over cffi buffers (kept alive by the caller)."""
    return ffi.new(U8_PTR_ARRAY, list(bufs))


def gf256_dot_prod(
    kernel: int, flags: int, length: int, coeffs: bytes, srcs: Any, nsrc: int, dsts: Any, ndst: int
) -> None:
    check(
        lib.n3_gf256_dot_prod(kernel, flags, length, nsrc, ndst, coeffs, srcs, dsts),
        "GF(2^8) dot product",
    )


def gf256_vandermonde(xs: bytes, ncols: int) -> bytes:
    out = ffi.new("uint8_t[]", len(xs) * ncols)
    check(lib.n3_gf256_vandermonde(out, xs, len(xs), ncols), "Vandermonde matrix")
    return bytes(ffi.buffer(out))


def gf256_lagrange(xs: bytes, at: int) -> bytes:
    out = ffi.new("uint8_t[]", len(xs))
    check(lib.n3_gf256_lagrange(out, xs, len(xs), at), "Lagrange coefficients")
    return bytes(ffi.buffer(out))


def gf256_invert_matrix(a: bytes, n: int) -> bytes:
    if len(a) != n * n:
        raise ValueError("matrix size mismatch")
    out = ffi.new("uint8_t[]", n * n)
    work = ffi.new("uint8_t[]", a)
    check(lib.n3_gf256_invert_matrix(out, work, n), "matrix inversion")
    return bytes(ffi.buffer(out))


def rs_ctx_new(k: int, m: int, kernel: int) -> Any:
    size = lib.n3_rs_ctx_size(k, m)
    ctx = ffi.new("uint8_t[]", size)
    c = ffi.cast("n3_rs_ctx *", ctx)
    check(lib.n3_rs_ctx_init(c, size, k, m, kernel), "erasure coder")
    return ctx, c


def rs_parity_matrix(ctx: Any, k: int, m: int) -> bytes:
    out = ffi.new("uint8_t[]", max(1, k * m))
    check(lib.n3_rs_parity_matrix(ctx, out), "parity matrix")
    return bytes(ffi.buffer(out, k * m))


def rs_encode(ctx: Any, length: int, data: Any, parity: Any) -> None:
    check(lib.n3_rs_encode(ctx, length, data, parity), "erasure encode")


def rs_decode_rows(
    ctx: Any, present: bytes, want: bytes, k: int, nwant: int
) -> tuple[bytes, bytes]:
    src_idx = ffi.new("uint8_t[]", k)
    rows = ffi.new("uint8_t[]", max(1, nwant * k))
    check(lib.n3_rs_decode_rows(ctx, present, want, src_idx, rows), "decode matrix")
    return bytes(ffi.buffer(src_idx)), bytes(ffi.buffer(rows, nwant * k))


def rs_check_rows(ctx: Any, present: bytes, nrows: int, npresent: int) -> bytes:
    rows = ffi.new("uint8_t[]", max(1, nrows * npresent))
    check(lib.n3_rs_check_rows(ctx, present, rows), "parity-check rows")
    return bytes(ffi.buffer(rows, nrows * npresent))


def rs_locate(ctx: Any, length: int, shards: Any, present: bytes, n: int) -> bytes:
    """Flags of the corrupted shards; raises DecodeError beyond the bound."""
    size = lib.n3_rs_locate_scratch_size(ctx)
    scratch = ffi.new("uint8_t[]", size)
    bad = ffi.new("uint8_t[]", n)
    check(
        lib.n3_rs_locate(ctx, length, shards, present, scratch, size, bad), "locate corrupt shards"
    )
    return bytes(ffi.buffer(bad))
