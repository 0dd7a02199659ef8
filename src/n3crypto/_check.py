"""Argument checks shared by the public modules (internal, pure Python).

Each helper returns the value in the form the caller works with, or raises
an :class:`~n3crypto.errors.N3TypeError` / :class:`~n3crypto.errors.N3ValueError`
whose message names the argument and says what was wrong, so bad input
never reaches deeper code (or C) to fail there with a builtin error.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from n3crypto import errors

T = TypeVar("T")


def type_name(obj: object) -> str:
    return type(obj).__name__


def check_int(value: Any, what: str, lo: int | None = None, hi: int | None = None) -> int:
    """``value`` as an int in [lo, hi] (either bound optional), or a clear exception."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.N3TypeError(f"{what} must be an int, not {type_name(value)}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        lo_s = "-inf" if lo is None else str(lo)
        hi_s = "inf" if hi is None else str(hi)
        raise errors.N3ValueError(f"{what} must be in [{lo_s}, {hi_s}], got {value}")
    return value


def check_real(value: Any, what: str, lo: float | None = None, hi: float | None = None) -> float:
    """``value`` (an int, float or Fraction, not a bool) as a finite float in
    [lo, hi] (either bound optional)."""
    if isinstance(value, bool) or not isinstance(value, int | float | Fraction):
        raise errors.N3TypeError(f"{what} must be a number, not {type_name(value)}")
    try:
        f = float(value)
    except OverflowError:
        raise errors.N3ValueError(f"{what} is out of range") from None
    if not math.isfinite(f):
        raise errors.N3ValueError(f"{what} must be finite, got {value!r}")
    if (lo is not None and f < lo) or (hi is not None and f > hi):
        lo_s = "-inf" if lo is None else repr(lo)
        hi_s = "inf" if hi is None else repr(hi)
        raise errors.N3ValueError(f"{what} must be in [{lo_s}, {hi_s}], got {value!r}")
    return f


def check_bytes(data: Any, what: str) -> bytes:
    """``data`` (bytes, bytearray or a memoryview, copied in order) as bytes."""
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    raise errors.N3TypeError(f"{what} must be bytes, not {type_name(data)}")


def check_str(value: Any, what: str) -> str:
    """``value`` as a str that encodes to UTF-8 (no lone surrogates)."""
    if not isinstance(value, str):
        raise errors.N3TypeError(f"{what} must be a str, not {type_name(value)}")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise errors.N3ValueError(f"{what} is not valid Unicode (lone surrogate)") from None
    return value


def check_type(value: Any, cls: type[T], what: str) -> T:
    """``value`` if it is a ``cls``, else an N3TypeError naming both types."""
    if not isinstance(value, cls):
        raise errors.N3TypeError(f"{what} must be a {cls.__name__}, not {type_name(value)}")
    return value


def check_iterable(value: Any, what: str) -> list[Any]:
    """The items of an iterable as a list (a str or bytes is refused: it is
    almost always a mistake for a collection of objects)."""
    if isinstance(value, str | bytes | bytearray | memoryview):
        raise errors.N3TypeError(f"{what} must be a collection, not {type_name(value)}")
    try:
        return list(value)
    except TypeError:
        raise errors.N3TypeError(f"{what} must be iterable, not {type_name(value)}") from None


def check_callable(value: Any, what: str) -> Callable[..., Any]:
    if not callable(value):
        raise errors.N3TypeError(f"{what} must be callable, not {type_name(value)}")
    return value  # type: ignore[no-any-return]


def check_path(value: Any, what: str = "path") -> Path:
    """``value`` (a str or os.PathLike, not a file descriptor) as a Path."""
    if not isinstance(value, str | os.PathLike):
        raise errors.N3TypeError(f"{what} must be a str or os.PathLike, not {type_name(value)}")
    try:
        path = Path(value)
    except TypeError:
        raise errors.N3TypeError(f"{what} must be a str or os.PathLike") from None
    if "\x00" in str(path):
        raise errors.N3ValueError(f"{what} contains a NUL byte")
    return path
