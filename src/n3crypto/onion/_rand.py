"""Randomness for packet creation, with a test-only deterministic hook."""

from __future__ import annotations

import contextlib
import hashlib
import os
import secrets
from collections.abc import Callable, Iterator

from n3crypto import errors
from n3crypto.group import Scalar

__all__ = ["deterministic_randomness", "random_bytes", "random_scalar"]

_drbg: Callable[[int], bytes] | None = None


def random_bytes(n: int) -> bytes:
    """``n`` bytes from :mod:`secrets` (or from the test DRBG inside
    :func:`deterministic_randomness`)."""
    if _drbg is not None:
        return _drbg(n)
    return secrets.token_bytes(n)


def random_scalar() -> Scalar:
    """A uniformly random non-zero scalar (64 bytes reduced mod l)."""
    while True:
        s = Scalar.from_bytes_wide(random_bytes(64))
        if s:
            return s


@contextlib.contextmanager
def deterministic_randomness(seed: bytes) -> Iterator[None]:
    """TEST ONLY: draw packet randomness from SHAKE-256(seed) inside the block.

    Refuses to run unless pytest is running a test (``PYTEST_CURRENT_TEST``
    is set), so production code cannot be made deterministic by accident.
    """
    global _drbg
    if "PYTEST_CURRENT_TEST" not in os.environ:
        raise RuntimeError("deterministic_randomness is for tests only")
    if not isinstance(seed, bytes):
        raise errors.N3TypeError("seed must be bytes")
    counter = [0]

    def draw(n: int) -> bytes:
        counter[0] += 1
        return hashlib.shake_256(seed + counter[0].to_bytes(8, "big")).digest(n)

    prev = _drbg
    _drbg = draw
    try:
        yield
    finally:
        _drbg = prev
