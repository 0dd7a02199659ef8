"""Validation helpers shared by the public modules (internal)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from n3crypto import errors
from n3crypto._check import check_int
from n3crypto.bindings import U8_ARRAY, ffi

__all__ = ["as_bytes_view", "c_buffers", "check_int", "one_buffer"]


def as_bytes_view(obj: Any, what: str) -> memoryview:
    """A flat, C-contiguous byte view of a buffer, or a clear N3TypeError."""
    if isinstance(obj, str):
        raise errors.N3TypeError(f"{what} must be a bytes-like object, not str")
    try:
        mv = memoryview(obj)
    except TypeError:
        raise errors.N3TypeError(
            f"{what} must be a bytes-like object, not {type(obj).__name__}"
        ) from None
    if not mv.c_contiguous:
        raise errors.N3ValueError(f"{what} must be a C-contiguous buffer")
    if mv.format != "B" or mv.ndim != 1:
        mv = mv.cast("B")
    return mv


def c_buffers(objs: Sequence[Any], what: str, writable: bool = False) -> tuple[list[Any], int]:
    """cffi ``uint8_t[]`` views of equal-length buffers, and their length.

    Zero-copy; raises a clear exception for a non-buffer, a read-only buffer
    where one must be written, a non-contiguous buffer or unequal lengths.
    """
    frombuf = ffi.from_buffer
    try:
        out = [frombuf(U8_ARRAY, obj, writable) for obj in objs]
    except (TypeError, BufferError, ValueError):
        out = [one_buffer(obj, f"{what}[{i}]", writable) for i, obj in enumerate(objs)]
    if not out:
        return out, 0
    size = len(out[0])
    for i, b in enumerate(out):
        if len(b) != size:
            sizes = sorted({len(x) for x in out})
            raise errors.N3ValueError(f"{what} have unequal lengths {sizes} (first at index {i})")
    return out, size


def one_buffer(obj: Any, what: str, writable: bool) -> Any:
    """from_buffer for one object, with the error explained."""
    if isinstance(obj, str):
        raise errors.N3TypeError(f"{what} must be a bytes-like object, not str")
    try:
        return ffi.from_buffer(U8_ARRAY, obj, writable)
    except (TypeError, BufferError, ValueError) as exc:
        if writable and "writable" in str(exc):
            raise errors.N3TypeError(f"{what} must be a writable buffer") from None
        if isinstance(exc, TypeError):
            raise errors.N3TypeError(
                f"{what} must be a bytes-like object, not {type(obj).__name__}"
            ) from None
        raise errors.N3ValueError(f"{what}: {exc}") from None
