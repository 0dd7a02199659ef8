"""1:1 wrappers over the Reed-Solomon codeword codec (csrc/include/n3_rscodec.h).

Each function allocates its outputs, calls C once and turns a negative
return code into an :mod:`n3crypto.errors` exception. Arguments are
validated by :mod:`n3crypto.rscodec`; C validates them again.
"""

from __future__ import annotations

from typing import Any

from n3crypto.bindings import check, ffi, lib

__all__ = [
    "CTX_SIZE",
    "MAX_N",
    "ONLY_ERASURES",
    "RSCodecContext",
    "check_chunks",
    "ctx_kernel",
    "decode",
    "encode",
    "generator_poly",
    "lincomb",
    "syndromes",
]

CTX_SIZE: int = lib.n3_rscodec_ctx_size()
MAX_N: int = lib.N3_RSCODEC_MAX_N
ONLY_ERASURES: int = lib.N3_RSCODEC_ONLY_ERASURES


class RSCodecContext:
    """A caller-owned ``n3_rscodec_ctx``: the buffer and a typed pointer to it."""

    __slots__ = ("_buf", "ptr")

    def __init__(
        self, nsym: int, nsize: int, fcr: int, prim: int, generator: int, kernel: int
    ) -> None:
        self._buf = ffi.new("uint8_t[]", CTX_SIZE)
        self.ptr = ffi.cast("n3_rscodec_ctx *", self._buf)
        check(
            lib.n3_rscodec_ctx_init(self.ptr, CTX_SIZE, nsym, nsize, fcr, prim, generator, kernel),
            "Reed-Solomon codec parameters",
        )


def ctx_kernel(ctx: RSCodecContext) -> int:
    return check(lib.n3_rscodec_ctx_kernel(ctx.ptr), "Reed-Solomon codec kernel")


def generator_poly(ctx: RSCodecContext, nsym: int) -> bytes:
    out = ffi.new("uint8_t[]", nsym + 1)
    check(lib.n3_rscodec_generator_poly(ctx.ptr, out, nsym + 1), "generator polynomial")
    return bytes(ffi.buffer(out))


def encode(ctx: RSCodecContext, data: Any, length: int, k: int, nsym: int) -> bytearray:
    """Chunks of ``k`` message bytes of ``data`` (a cffi buffer), each plus parity."""
    out_len = length + -(-length // k) * nsym
    out = bytearray(out_len)
    check(
        lib.n3_rscodec_encode(ctx.ptr, ffi.from_buffer(out), out_len, data, length, k),
        "Reed-Solomon encode",
    )
    return out


def check_chunks(ctx: RSCodecContext, data: Any, length: int, n: int, nsym: int) -> bytearray:
    """One flag per chunk of ``n`` bytes: 1 if its syndromes are all zero."""
    out = bytearray(-(-length // n))
    check(
        lib.n3_rscodec_check(ctx.ptr, ffi.from_buffer(out), data, length, n, nsym),
        "Reed-Solomon check",
    )
    return out


def syndromes(ctx: RSCodecContext, data: Any, n: int, nsym: int) -> bytes:
    out = ffi.new("uint8_t[]", nsym)
    check(lib.n3_rscodec_syndromes(ctx.ptr, out, nsym, data, n), "Reed-Solomon syndromes")
    return bytes(ffi.buffer(out))


def decode(
    ctx: RSCodecContext,
    data: Any,
    length: int,
    n: int,
    nsym: int,
    erase_pos: bytes | None,
    erase_cnt: bytes | None,
    flags: int,
) -> tuple[bytearray, bytearray, Any, Any, int]:
    """Decode chunks of ``n`` bytes.

    Returns ``(full, msg, nerrata, errata, failed)``: the corrected chunks,
    their messages, the cffi ``int16_t[count]`` errata counts (-1: failed),
    the cffi ``uint8_t[count * nsym]`` chunk-relative errata positions and
    the number of chunks that could not be corrected.
    """
    count = -(-length // n)
    full = bytearray(length)
    msg = bytearray(length - count * nsym)
    nerrata = ffi.new("int16_t[]", count)
    errata = ffi.new("uint8_t[]", count * nsym)
    failed = check(
        lib.n3_rscodec_decode(
            ctx.ptr,
            ffi.from_buffer(full),
            ffi.from_buffer(msg),
            nerrata,
            errata,
            data,
            length,
            n,
            nsym,
            ffi.NULL if erase_pos is None else erase_pos,
            ffi.NULL if erase_cnt is None else erase_cnt,
            flags,
        ),
        "Reed-Solomon decode",
    )
    return full, msg, nerrata, errata, failed


def lincomb(ctx: RSCodecContext, kernel: int, w: int, c: Any, table: Any, stride: int) -> bytes:
    """Kernel test hook: ``sum_i c[i] * table[i*stride : i*stride + w]``."""
    out = ffi.new("uint8_t[]", w)
    check(
        lib.n3_rscodec_lincomb(ctx.ptr, kernel, out, w, c, len(c), table, stride),
        "Reed-Solomon kernel",
    )
    return bytes(ffi.buffer(out))
