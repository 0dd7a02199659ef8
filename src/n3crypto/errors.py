"""The exceptions n3crypto raises.

Every error is an :class:`N3CryptoError`; bad arguments are also the
matching builtin (``TypeError``/``ValueError``) so generic code that
catches those keeps working.

>>> from n3crypto import errors
>>> issubclass(errors.InvalidEncoding, ValueError)
True
"""

from __future__ import annotations

__all__ = [
    "DecodeError",
    "InsufficientShares",
    "IntegrityError",
    "InvalidEncoding",
    "InvalidKey",
    "N3CryptoError",
    "N3TypeError",
    "N3ValueError",
    "PacketError",
    "ProofError",
    "UnavailableError",
    "UnsigncryptError",
]


class N3CryptoError(Exception):
    """Base class of every n3crypto error."""


class N3TypeError(N3CryptoError, TypeError):
    """An argument has the wrong type."""


class N3ValueError(N3CryptoError, ValueError):
    """An argument has the right type but a bad value (size, range, ...)."""


class InvalidEncoding(N3ValueError):
    """Bytes are not a canonical encoding of the expected object."""


class InvalidKey(N3ValueError):
    """A key is malformed, weak (e.g. the identity point) or of the wrong kind."""


class UnsigncryptError(N3CryptoError):
    """A ciphertext failed to authenticate or decrypt (one message for all causes)."""


class DecodeError(N3CryptoError):
    """A code word or set of shards cannot be decoded or corrected."""


class InsufficientShares(DecodeError):
    """Fewer shares or shards than the threshold were supplied."""


class IntegrityError(N3CryptoError):
    """Data failed an integrity check."""


class ProofError(N3CryptoError):
    """A zero-knowledge proof or share commitment did not verify."""


class PacketError(N3CryptoError):
    """An onion packet is malformed, replayed or failed its MAC."""


class UnavailableError(N3CryptoError):
    """A requested kernel or backend is not available on this CPU or build."""
