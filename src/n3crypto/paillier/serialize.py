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

import os

from n3crypto import _sealing, errors
from n3crypto._check import check_path, check_type
from n3crypto.paillier.keys import PaillierPrivateKey
from n3crypto.utils import atomic_write

__all__ = [
    "decrypt_private_key",
    "encrypt_private_key",
    "load_private_key",
    "save_private_key",
]

_KIND = "paillier-private-key-sealed"


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
    check_type(key, PaillierPrivateKey, "key")
    return _sealing.seal(_KIND, key.to_bytes(), key.public_key.fingerprint, passphrase, scrypt_n)


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
    raw, aad = _sealing.open_sealed(blob, _KIND, passphrase)
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
