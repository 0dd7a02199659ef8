"""Serialization entry points and passphrase-protected private keys.

Every Paillier object has two versioned wire forms: compact bytes in the
project envelope (:mod:`n3crypto.envelope`; kinds ``paillier-public-key``,
``paillier-private-key``, ``paillier-ciphertext``,
``paillier-membership-proof``, ``paillier-decryption-proof``,
``paillier-rating-round``, ``paillier-rating-ballot``,
``paillier-tally-state``) and JSON with ``"kind"``/``"version"`` fields and
big integers as decimal strings. Nothing is ever pickled. The layouts are in
docs/paillier.md.

A private key at rest should be encrypted: :func:`encrypt_private_key` uses
scrypt (N = 2^15, r = 8, p = 1) and ChaCha20-Poly1305 with the key's public
fingerprint as associated data.

>>> from n3crypto.paillier import generate_keypair
>>> from n3crypto.paillier.serialize import encrypt_private_key, decrypt_private_key
>>> pub, priv = generate_keypair(512, allow_insecure_size=True)
>>> blob = encrypt_private_key(priv, b"correct horse", scrypt_n=2**10)
>>> decrypt_private_key(blob, b"correct horse", allow_insecure_size=True) == priv
True
>>> decrypt_private_key(blob, b"wrong", allow_insecure_size=True)
Traceback (most recent call last):
...
n3crypto.errors.IntegrityError: wrong passphrase or corrupted key file
"""

from __future__ import annotations

import hashlib
import os
import struct

from n3crypto import envelope, errors
from n3crypto._check import check_int, check_path, check_type
from n3crypto.paillier import _codec
from n3crypto.paillier.keys import PaillierPrivateKey
from n3crypto.utils import atomic_write

__all__ = [
    "decrypt_private_key",
    "encrypt_private_key",
    "load_private_key",
    "save_private_key",
]

_KIND = "paillier-private-key-sealed"
_MIN_SCRYPT_N = 2**10
#: scrypt N = 2^16 with r = 8 needs 64 MiB; the KDF runs with maxmem = 128 MiB.
_MAX_SCRYPT_N = 2**16


def _kdf(passphrase: bytes, salt: bytes, n: int, r: int, p: int) -> bytes:
    if not isinstance(passphrase, bytes | bytearray) or not passphrase:
        raise errors.N3TypeError("passphrase must be non-empty bytes")
    return hashlib.scrypt(bytes(passphrase), salt=salt, n=n, r=r, p=p, maxmem=1 << 27, dklen=32)


def encrypt_private_key(
    key: PaillierPrivateKey, passphrase: bytes, *, scrypt_n: int = 2**15
) -> bytes:
    """Seal a private key under a passphrase (never store it in clear).

    ``scrypt_n`` is the scrypt cost, a power of two from 2^10 (tests only)
    to 2^16; the default is 2^15.

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.serialize import decrypt_private_key, encrypt_private_key
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> blob = encrypt_private_key(priv, b"correct horse", scrypt_n=2**10)
    >>> blob[:2], priv.to_bytes() in blob
    (b'N3', False)
    >>> decrypt_private_key(blob, b"correct horse", allow_insecure_size=True) == priv
    True
    >>> encrypt_private_key(priv, b"correct horse", scrypt_n=2**9)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: scrypt_n must be in [1024, 65536], got 512
    """
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    check_type(key, PaillierPrivateKey, "key")
    check_int(scrypt_n, "scrypt_n", _MIN_SCRYPT_N, _MAX_SCRYPT_N)
    if scrypt_n & (scrypt_n - 1):
        raise errors.N3ValueError("scrypt_n must be a power of two")
    salt, nonce = os.urandom(16), os.urandom(12)
    k = _kdf(passphrase, salt, scrypt_n, 8, 1)
    aad = key.public_key.fingerprint
    sealed = ChaCha20Poly1305(k).encrypt(nonce, key.to_bytes(), aad)
    params = struct.pack(">IBB", scrypt_n, 8, 1)
    body = _codec.fields(salt, params, nonce, aad, sealed)
    return envelope.pack(_KIND, 1, body)


def decrypt_private_key(
    blob: bytes, passphrase: bytes, *, allow_insecure_size: bool = False
) -> PaillierPrivateKey:
    """Open a sealed private key; a wrong passphrase raises IntegrityError.

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.serialize import decrypt_private_key, encrypt_private_key
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> blob = encrypt_private_key(priv, b"correct horse", scrypt_n=2**10)
    >>> key = decrypt_private_key(blob, b"correct horse", allow_insecure_size=True)
    >>> key.public_key == pub, key.decrypt(pub.encrypt(5))
    (True, 5)
    >>> decrypt_private_key(blob, b"wrong", allow_insecure_size=True)
    Traceback (most recent call last):
    ...
    n3crypto.errors.IntegrityError: wrong passphrase or corrupted key file
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    r = _codec.open_envelope(blob, _KIND)
    salt, params, nonce, aad, sealed = r.blob(), r.blob(), r.blob(), r.blob(), r.blob()
    r.done()
    if len(salt) != 16 or len(nonce) != 12 or len(params) != 6:
        raise errors.InvalidEncoding("bad sealed-key header")
    n, rr, p = struct.unpack(">IBB", params)
    if n < _MIN_SCRYPT_N or n > _MAX_SCRYPT_N or n & (n - 1) or rr != 8 or p != 1:
        raise errors.InvalidEncoding("unsupported scrypt parameters")
    k = _kdf(passphrase, salt, n, rr, p)
    try:
        raw = ChaCha20Poly1305(k).decrypt(nonce, sealed, aad)
    except InvalidTag:
        raise errors.IntegrityError("wrong passphrase or corrupted key file") from None
    key = PaillierPrivateKey.from_bytes(raw, allow_insecure_size=allow_insecure_size)
    if key.public_key.fingerprint != aad:
        raise errors.IntegrityError("sealed key does not match its fingerprint")
    return key


def save_private_key(
    path: str | os.PathLike[str],
    key: PaillierPrivateKey,
    passphrase: bytes,
    *,
    scrypt_n: int = 2**15,
) -> None:
    """Seal and write atomically with mode 0600.

    ``scrypt_n`` is the scrypt cost as in :func:`encrypt_private_key`
    (default 2^15, about 0.1 s; 2^10 for tests only).

    >>> import os, stat, tempfile
    >>> from n3crypto import envelope
    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.serialize import save_private_key
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "committee.key")
    >>> save_private_key(path, priv, b"correct horse", scrypt_n=2**10)   # tests only
    >>> oct(stat.S_IMODE(os.stat(path).st_mode))
    '0o600'
    >>> envelope.peek_kind(open(path, "rb").read())
    'paillier-private-key-sealed'
    >>> tmp.cleanup()
    """
    atomic_write(path, encrypt_private_key(key, passphrase, scrypt_n=scrypt_n), mode=0o600)


def load_private_key(
    path: str | os.PathLike[str], passphrase: bytes, *, allow_insecure_size: bool = False
) -> PaillierPrivateKey:
    """Read and open a key written by :func:`save_private_key`.

    >>> import os, tempfile
    >>> from n3crypto.utils import atomic_write
    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.serialize import encrypt_private_key, load_private_key
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "committee.key")
    >>> sealed = encrypt_private_key(priv, b"correct horse", scrypt_n=2**10)   # tests only
    >>> atomic_write(path, sealed, mode=0o600)
    >>> load_private_key(path, b"correct horse", allow_insecure_size=True) == priv
    True
    >>> load_private_key(path, b"correct horse")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidKey: modulus of 512 bits is insecure (< 2048); pass ...
    >>> tmp.cleanup()
    """
    with open(check_path(path), "rb") as fh:
        return decrypt_private_key(fh.read(), passphrase, allow_insecure_size=allow_insecure_size)
