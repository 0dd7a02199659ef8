"""Randomness for the protocols, with one test-only deterministic hook.

Every draw goes through :func:`random_bytes`: :mod:`secrets` normally, or
SHAKE-256 of a seed inside :func:`deterministic_randomness`. There is one
hook for the whole library, so a seed entered through any module that
re-exports it (``n3crypto.onion._rand``, ``n3crypto.signcryption._common``)
makes every draw deterministic.
"""

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


def random_scalar(draw: Callable[[int], bytes] | None = None) -> Scalar:
    """A uniformly random non-zero scalar (64 bytes reduced mod l).

    ``draw`` is where the bytes come from (default: :func:`random_bytes`).
    """
    draw = random_bytes if draw is None else draw
    while True:
        s = Scalar.from_bytes_wide(draw(64))
        if s:
            return s


@contextlib.contextmanager
def deterministic_randomness(seed: bytes) -> Iterator[None]:
    """TEST ONLY: draw all randomness from SHAKE-256(seed) inside the block.

    Draw ``i`` (from 1) is ``SHAKE-256(seed || u64be(i))``. Refuses to run
    unless pytest is running a test (``PYTEST_CURRENT_TEST`` is set), so
    production code can never be made deterministic by accident.
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
