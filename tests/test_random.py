"""The library's one randomness source and its test-only deterministic hook."""

from __future__ import annotations

import hashlib

from n3crypto import _random
from n3crypto.group import Scalar
from n3crypto.onion import _rand
from n3crypto.signcryption import _common


def _shake(seed: bytes, i: int, n: int) -> bytes:
    return hashlib.shake_256(seed + i.to_bytes(8, "big")).digest(n)


def _wide(b: bytes) -> bytes:
    return bytes(Scalar.from_bytes_wide(b))


def test_old_paths_are_the_one_hook() -> None:
    for name in ("deterministic_randomness", "random_bytes"):
        assert getattr(_rand, name) is getattr(_random, name)
        assert getattr(_common, name) is getattr(_random, name)
    assert _rand.random_scalar is _random.random_scalar


def test_either_path_seeds_every_user() -> None:
    for hook in (_rand.deterministic_randomness, _common.deterministic_randomness):
        with hook(b"one"):
            assert _rand.random_bytes(5) == _shake(b"one", 1, 5)
            assert _common.random_bytes(7) == _shake(b"one", 2, 7)
            assert bytes(_common.random_scalar()) == _wide(_shake(b"one", 3, 64))
            assert bytes(_rand.random_scalar()) == _wide(_shake(b"one", 4, 64))
    assert _random._drbg is None
