"""Passphrase sealing of secret blobs at rest (internal).

``scrypt(passphrase, salt, N, r = 8, p = 1)`` → ChaCha20-Poly1305 over the
inner envelope, with ``aad`` (a public fingerprint of what is sealed) bound
as associated data and stored beside it. Body: ``fields(salt, u32 N ‖ u8 r ‖
u8 p, nonce, aad, ciphertext)`` in the outer envelope of ``kind``. Used by
sealed Paillier private keys and threshold key shares.
"""

from __future__ import annotations

import hashlib
import os
import struct

from n3crypto import envelope, errors
from n3crypto._check import check_int
from n3crypto.paillier import _codec

__all__ = ["DEFAULT_SCRYPT_N", "MAX_SCRYPT_N", "MIN_SCRYPT_N", "open_sealed", "seal"]

MIN_SCRYPT_N = 2**10
#: scrypt N = 2^16 with r = 8 needs 64 MiB; the KDF runs with maxmem = 128 MiB.
MAX_SCRYPT_N = 2**16
DEFAULT_SCRYPT_N = 2**15


def _kdf(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    if not isinstance(passphrase, bytes | bytearray):
        raise errors.N3TypeError(f"passphrase must be bytes, not {type(passphrase).__name__}")
    if not passphrase:
        raise errors.N3ValueError("passphrase must not be empty")
    return hashlib.scrypt(bytes(passphrase), salt=salt, n=n, r=r, p=p, maxmem=1 << 27, dklen=32)


def seal(kind: str, inner: bytes, aad: bytes, passphrase: bytes, scrypt_n: int) -> bytes:
    """``inner`` encrypted under ``passphrase`` in an envelope of ``kind``."""
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    check_int(scrypt_n, "scrypt_n", MIN_SCRYPT_N, MAX_SCRYPT_N)
    if scrypt_n & (scrypt_n - 1):
        raise errors.N3ValueError("scrypt_n must be a power of two")
    salt, nonce = os.urandom(16), os.urandom(12)
    k = _kdf(passphrase, salt, scrypt_n, 8, 1)
    sealed = ChaCha20Poly1305(k).encrypt(nonce, inner, aad)
    params = struct.pack(">IBB", scrypt_n, 8, 1)
    return envelope.pack(kind, 1, _codec.fields(salt, params, nonce, aad, sealed))


def open_sealed(blob: bytes, kind: str, passphrase: bytes) -> tuple[bytes, bytes]:
    """``(inner, aad)`` of a blob made by :func:`seal`; a wrong passphrase or
    any alteration raises IntegrityError. The stored cost is checked before
    the KDF runs."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    r = _codec.open_envelope(blob, kind)
    salt, params, nonce, aad, sealed = r.blob(), r.blob(), r.blob(), r.blob(), r.blob()
    r.done()
    if len(salt) != 16 or len(nonce) != 12 or len(params) != 6:
        raise errors.InvalidEncoding("bad sealed-key header")
    n, rr, p = struct.unpack(">IBB", params)
    if n < MIN_SCRYPT_N or n > MAX_SCRYPT_N or n & (n - 1) or rr != 8 or p != 1:
        raise errors.InvalidEncoding("unsupported scrypt parameters")
    k = _kdf(passphrase, salt, n, rr, p)
    try:
        inner = ChaCha20Poly1305(k).decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise errors.IntegrityError("wrong passphrase or corrupted key file") from None
    return inner, aad
