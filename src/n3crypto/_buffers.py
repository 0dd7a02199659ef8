"""Validation helpers shared by the public modules (internal)."""

from __future__ import annotations

from typing import Any

from n3crypto import errors


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


def check_int(value: Any, what: str, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi], or a clear exception."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.N3TypeError(f"{what} must be an int, not {type(value).__name__}")
    if not lo <= value <= hi:
        raise errors.N3ValueError(f"{what} must be in [{lo}, {hi}], got {value}")
    return value
