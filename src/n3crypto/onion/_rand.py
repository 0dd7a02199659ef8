"""Randomness for packet creation: the library's one source (:mod:`n3crypto._random`).

Re-exported here for ``packet.py``, ``node.client`` and the tests; the
deterministic hook entered through this module is the same one
``n3crypto.signcryption._common`` re-exports.
"""

from __future__ import annotations

from n3crypto._random import deterministic_randomness, random_bytes, random_scalar

__all__ = ["deterministic_randomness", "random_bytes", "random_scalar"]
