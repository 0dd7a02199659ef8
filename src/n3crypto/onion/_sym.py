"""Symmetric building blocks of the Sphinx format (docs/onion.md, "Keys").

Nothing here is a new primitive: HKDF (RFC 5869) is a few lines on
:mod:`hmac`, the stream cipher is ChaCha20 (RFC 8439 block function) from
pyca ``cryptography``, the MAC and the LIONESS round hash are keyed
BLAKE2b from :mod:`hashlib`, and LIONESS (Anderson and Biham 1996) is the
four-round composition of those two.

>>> from n3crypto.onion._sym import lioness_encrypt, lioness_decrypt
>>> keys = bytes(range(128))
>>> block = b"attack at dawn, " * 8
>>> c = lioness_encrypt(keys, block)
>>> c != block and lioness_decrypt(keys, c) == block
True
"""

from __future__ import annotations

import hashlib
import hmac
from typing import Final

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms

__all__ = [
    "LIONESS_KEY_BYTES",
    "LIONESS_MIN_BYTES",
    "Hkdf64",
    "chacha20",
    "hkdf_sha512",
    "lioness_decrypt",
    "lioness_encrypt",
    "mac",
    "xor",
]

#: Four 32-byte round keys K1..K4.
LIONESS_KEY_BYTES: Final[int] = 128
#: LIONESS splits a block into L (32 bytes, a ChaCha20 key) and R (the rest).
LIONESS_MIN_BYTES: Final[int] = 33
_ZERO_NONCE: Final[bytes] = bytes(16)  # 32-bit block counter 0 || 96-bit nonce 0


def hkdf_sha512(ikm: bytes, salt: bytes, info: bytes, length: int) -> bytes:
    """RFC 5869 HKDF with HMAC-SHA-512 (extract, then expand to ``length``).

    >>> hkdf_sha512(b"\\x0b" * 22, bytes(range(13)), bytes(range(0xF0, 0xFA)), 42).hex()[:16]
    '832390086cda71fb'
    """
    prk = hmac.digest(salt, ikm, "sha512")
    out = b""
    block = b""
    counter = 1
    while len(out) < length:
        block = hmac.digest(prk, block + info + bytes([counter]), "sha512")
        out += block
        counter += 1
    return out[:length]


class Hkdf64:
    """HKDF-SHA-512 with a fixed salt and info and a 64-byte output (one
    expand block), with the salt's HMAC state computed once: the same bytes
    as :func:`hkdf_sha512` for a third less time per call.

    >>> kdf = Hkdf64(b"salt", b"info")
    >>> kdf(b"ikm") == hkdf_sha512(b"ikm", b"salt", b"info", 64)
    True
    """

    __slots__ = ("_extract", "_info1")

    def __init__(self, salt: bytes, info: bytes) -> None:
        self._extract = hmac.new(salt, digestmod="sha512")
        self._info1 = info + b"\x01"

    def __call__(self, ikm: bytes) -> bytes:
        h = self._extract.copy()
        h.update(ikm)
        return hmac.digest(h.digest(), self._info1, "sha512")


def chacha20(key: bytes, data: bytes) -> bytes:
    """``data`` XOR the ChaCha20 keystream of ``key`` (nonce 0, counter 0).

    Every key this module feeds it is used for one message only, so the
    fixed nonce is safe. ``chacha20(key, bytes(n))`` is the raw keystream.
    """
    enc = Cipher(algorithms.ChaCha20(key, _ZERO_NONCE), None).encryptor()
    return enc.update(data)


def mac(key: bytes, data: bytes) -> bytes:
    """The 16-byte header MAC: keyed BLAKE2b-128."""
    return hashlib.blake2b(data, key=key, digest_size=16).digest()


def xor(a: bytes, b: bytes) -> bytes:
    """Bytewise XOR of two equal-length strings."""
    n = len(a)
    return (int.from_bytes(a, "little") ^ int.from_bytes(b, "little")).to_bytes(n, "little")


def _h(key: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(data, key=key, digest_size=32).digest()


def lioness_encrypt(keys: bytes, block: bytes) -> bytes:
    """LIONESS encryption of ``block`` (at least 33 bytes) under 128 bytes of keys.

    With L = block[:32], R = block[32:]::

        R ^= S(L ^ K1);  L ^= H(K2, R);  R ^= S(L ^ K3);  L ^= H(K4, R)

    where S is the ChaCha20 keystream and H keyed BLAKE2b-256. Changing any
    bit of the ciphertext turns the whole decryption into noise.
    """
    k1, k2, k3, k4 = keys[:32], keys[32:64], keys[64:96], keys[96:128]
    left, right = block[:32], block[32:]
    right = chacha20(xor(left, k1), right)
    left = xor(left, _h(k2, right))
    right = chacha20(xor(left, k3), right)
    left = xor(left, _h(k4, right))
    return left + right


def lioness_decrypt(keys: bytes, block: bytes) -> bytes:
    """The inverse of :func:`lioness_encrypt`."""
    k1, k2, k3, k4 = keys[:32], keys[32:64], keys[64:96], keys[96:128]
    left, right = block[:32], block[32:]
    left = xor(left, _h(k4, right))
    right = chacha20(xor(left, k3), right)
    left = xor(left, _h(k2, right))
    right = chacha20(xor(left, k1), right)
    return left + right
