"""Key files: PEM-like armour around the versioned envelope, optional passphrase.

::

    -----BEGIN N3CRYPTO USER KEY-----
    <base64 of envelope.pack("clsc-user-key", 1, body), 64 columns>
    -----END N3CRYPTO USER KEY-----

The label names the object and must agree with the envelope's kind. A
passphrase-protected private key is the envelope ``clsc-encrypted-key``::

    inner kind length (1) || inner kind || log2 N (1) || r (1) || p (1)
      || salt (16) || nonce (24) || XChaCha20-Poly1305(key, nonce, inner envelope)

with ``key = scrypt(passphrase, salt, N, r, p)`` and everything before the
ciphertext as associated data; the armour label stays the inner object's,
with ``ENCRYPTED`` in front. Private keys are written atomically with mode
0600.

>>> from n3crypto.signcryption import KGC
>>> from n3crypto.signcryption import keyfiles
>>> kgc = KGC.generate()
>>> text = keyfiles.armor(kgc.to_bytes(), passphrase=b"pw", kdf_log2_n=10)
>>> text.splitlines()[0]
'-----BEGIN N3CRYPTO ENCRYPTED KGC PRIVATE KEY-----'
>>> keyfiles.load_bytes(text.encode(), passphrase=b"pw").public == kgc.public
True
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import re
from typing import Any, Final

from n3crypto import envelope, errors
from n3crypto._check import check_bytes, check_path
from n3crypto.signcryption import _common as c
from n3crypto.signcryption.keys import KGC, KeyRequest, KGCPublic, PartialKey, PublicKey, UserKey
from n3crypto.utils import atomic_write

__all__ = [
    "DEFAULT_KDF_LOG2_N",
    "KeyObject",
    "armor",
    "dearmor",
    "describe",
    "is_encrypted",
    "kdf_cost_of",
    "load",
    "load_bytes",
    "save",
]

KeyObject = KGC | KGCPublic | KeyRequest | PartialKey | UserKey | PublicKey

#: scrypt cost: N = 2^15, r = 8, p = 4: the work of N = 2^17 (a fraction of a
#: second) in 32 MiB, so a CLI run stays well under 100 MiB of memory.
DEFAULT_KDF_LOG2_N: Final[int] = 15
KDF_R: Final[int] = 8
KDF_P: Final[int] = 4
#: The cost range accepted: writing takes log2(N) in 10..20 (at 20, 1 GiB);
#: reading refuses parameters asking for more than 1 GiB of memory or 2^26
#: units of work, so a hostile file cannot make a loader exhaust the machine.
KDF_LOG2_N_MIN: Final[int] = 10
KDF_LOG2_N_MAX: Final[int] = 20
_KDF_MAX_MEMORY: Final[int] = 1 << 30
_KDF_MAX_WORK: Final[int] = 1 << 26
ENCRYPTED_KIND: Final[str] = "clsc-encrypted-key"
LABELS: Final[dict[str, str]] = {
    KGC.KIND: "KGC PRIVATE KEY",
    KGCPublic.KIND: "KGC PUBLIC KEY",
    KeyRequest.KIND: "KEY REQUEST",
    PartialKey.KIND: "PARTIAL KEY",
    UserKey.KIND: "USER KEY",
    PublicKey.KIND: "PUBLIC KEY",
    "clsc-signature": "SIGNATURE",
}
SECRET_KINDS: Final[frozenset[str]] = frozenset({KGC.KIND, UserKey.KIND})
_PARSERS: Final[dict[str, Any]] = {
    KGC.KIND: KGC.from_bytes,
    KGCPublic.KIND: KGCPublic.from_bytes,
    KeyRequest.KIND: KeyRequest.from_bytes,
    PartialKey.KIND: PartialKey.from_bytes,
    UserKey.KIND: UserKey.from_bytes,
    PublicKey.KIND: PublicKey.from_bytes,
}
_ARMOR = re.compile(
    rb"-----BEGIN N3CRYPTO ([A-Z ]+)-----\r?\n([A-Za-z0-9+/=\r\n]*)-----END N3CRYPTO \1-----"
)


def _encrypt(blob: bytes, passphrase: bytes, log2_n: int) -> bytes:
    kind = envelope.peek_kind(blob)
    if isinstance(log2_n, bool) or not isinstance(log2_n, int):
        raise errors.N3TypeError(f"kdf_log2_n must be an int, not {type(log2_n).__name__}")
    if not KDF_LOG2_N_MIN <= log2_n <= KDF_LOG2_N_MAX:
        raise errors.N3ValueError(f"kdf_log2_n must be in {KDF_LOG2_N_MIN}..{KDF_LOG2_N_MAX}")
    salt, nonce = c.random_bytes(16), c.random_bytes(24)
    raw_kind = kind.encode("ascii")
    head = bytes([len(raw_kind)]) + raw_kind + bytes([log2_n, KDF_R, KDF_P]) + salt + nonce
    key = _scrypt(passphrase, salt, log2_n, KDF_R, KDF_P)
    from Crypto.Cipher import ChaCha20_Poly1305  # XChaCha20 with a 24-byte nonce

    cipher = ChaCha20_Poly1305.new(key=key, nonce=nonce)
    cipher.update(head)
    ct, tag = cipher.encrypt_and_digest(blob)
    return envelope.pack(ENCRYPTED_KIND, 1, head + ct + tag)


def _scrypt(passphrase: bytes, salt: bytes, log2_n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(
        passphrase,
        salt=salt,
        n=1 << log2_n,
        r=r,
        p=p,
        maxmem=(1 << log2_n) * r * 129 + p * r * 128 + (1 << 20),
        dklen=32,
    )


def _decrypt(blob: bytes, passphrase: bytes | None) -> bytes:
    _, body = envelope.unpack(blob, ENCRYPTED_KIND)
    if not body or len(body) < 1 + body[0] + 3 + 16 + 24 + 16:
        raise errors.InvalidEncoding("truncated encrypted key")
    n = body[0]
    off = 1 + n
    log2_n, r, p = body[off], body[off + 1], body[off + 2]
    if not (
        KDF_LOG2_N_MIN <= log2_n <= KDF_LOG2_N_MAX
        and 1 <= r <= 16
        and 1 <= p <= 16
        and 128 * r << log2_n <= _KDF_MAX_MEMORY
        and r * p << log2_n <= _KDF_MAX_WORK
    ):
        hint = ""
        if (r, p) == (KDF_R, KDF_P) and log2_n > KDF_LOG2_N_MAX:
            hint = (
                f"; this version reads scrypt costs up to log2 N = {KDF_LOG2_N_MAX}"
                " (a key sealed at a higher cost by a development build must be re-sealed)"
            )
        raise errors.InvalidEncoding(
            f"encrypted key: KDF parameters out of range (log2 N = {log2_n}, r = {r}, p = {p})"
            + hint
        )
    salt = body[off + 3 : off + 19]
    nonce = body[off + 19 : off + 43]
    head = body[: off + 43]
    ct, tag = body[off + 43 : -16], body[-16:]
    if passphrase is None:
        raise errors.InvalidKey("the key file is passphrase-protected; a passphrase is needed")
    passphrase = check_bytes(passphrase, "passphrase")
    key = _scrypt(passphrase, salt, log2_n, r, p)
    from Crypto.Cipher import ChaCha20_Poly1305  # XChaCha20 with a 24-byte nonce

    cipher = ChaCha20_Poly1305.new(key=key, nonce=nonce)
    cipher.update(head)
    try:
        inner = cipher.decrypt_and_verify(ct, tag)
    except ValueError:
        raise errors.InvalidKey("wrong passphrase or corrupted key file") from None
    if envelope.peek_kind(inner) != body[1 : 1 + n].decode("ascii", "replace"):
        raise errors.InvalidEncoding("encrypted key: inner kind mismatch")
    return inner


def _label_of(blob: bytes) -> str:
    kind = envelope.peek_kind(blob)
    if kind == ENCRYPTED_KIND:
        _, body = envelope.unpack(blob, ENCRYPTED_KIND)
        inner = body[1 : 1 + body[0]].decode("ascii", "replace") if body else ""
        if inner not in SECRET_KINDS:
            raise errors.InvalidEncoding("encrypted key of an unknown kind")
        return "ENCRYPTED " + LABELS[inner]
    if kind not in LABELS:
        raise errors.InvalidEncoding(f"unknown object kind {kind!r}")
    return LABELS[kind]


def armor(
    blob: bytes, *, passphrase: bytes | None = None, kdf_log2_n: int = DEFAULT_KDF_LOG2_N
) -> str:
    """The armoured text of an envelope (encrypted first if a passphrase is given).

    ``kdf_log2_n`` is the scrypt cost log2 N (10..20); 10 is for tests only.

    >>> from n3crypto.signcryption import KGC
    >>> kgc = KGC.generate()
    >>> text = armor(bytes(kgc.public))
    >>> text.splitlines()[0], text.splitlines()[-1]
    ('-----BEGIN N3CRYPTO KGC PUBLIC KEY-----', '-----END N3CRYPTO KGC PUBLIC KEY-----')
    >>> armor(kgc.to_bytes(), passphrase=b"pw", kdf_log2_n=10).splitlines()[0]
    '-----BEGIN N3CRYPTO ENCRYPTED KGC PRIVATE KEY-----'
    >>> armor(bytes(kgc.public), passphrase=b"pw")
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: only private keys are passphrase-protected
    """
    if passphrase is not None:
        if envelope.peek_kind(blob) not in SECRET_KINDS:
            raise errors.N3ValueError("only private keys are passphrase-protected")
        if not isinstance(passphrase, bytes) or not passphrase:
            raise errors.N3ValueError("passphrase must be non-empty bytes")
        blob = _encrypt(blob, passphrase, kdf_log2_n)
    label = _label_of(blob)
    b64 = base64.b64encode(blob).decode("ascii")
    lines = [b64[i : i + 64] for i in range(0, len(b64), 64)]
    return "\n".join(
        [f"-----BEGIN N3CRYPTO {label}-----", *lines, f"-----END N3CRYPTO {label}-----", ""]
    )


def dearmor(data: bytes) -> bytes:
    """The envelope inside armoured text (raw envelopes pass through).

    >>> from n3crypto.signcryption import KGC
    >>> blob = bytes(KGC.generate().public)
    >>> dearmor(armor(blob).encode()) == blob, dearmor(blob) == blob
    (True, True)
    >>> dearmor(b"hello")
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidEncoding: not an n3crypto key file (no armour found)
    """
    data = check_bytes(data, "key file data")
    if data[:2] == envelope.MAGIC:
        return data
    m = _ARMOR.search(data)
    if m is None:
        raise errors.InvalidEncoding("not an n3crypto key file (no armour found)")
    try:
        blob = base64.b64decode(re.sub(rb"\s", b"", m.group(2)), validate=True)
    except (binascii.Error, ValueError):
        raise errors.InvalidEncoding("key file: bad base64") from None
    if _label_of(blob) != m.group(1).decode("ascii"):
        raise errors.InvalidEncoding("key file: armour label does not match its content")
    return blob


def is_encrypted(data: bytes) -> bool:
    """Whether armoured or raw ``data`` holds a passphrase-protected key.

    >>> from n3crypto.signcryption import KGC
    >>> kgc = KGC.generate()
    >>> is_encrypted(armor(kgc.to_bytes(), passphrase=b"pw", kdf_log2_n=10).encode())
    True
    >>> is_encrypted(armor(kgc.to_bytes()).encode()), is_encrypted(kgc.to_bytes())
    (False, False)
    """
    return envelope.peek_kind(dearmor(data)) == ENCRYPTED_KIND


def load_bytes(data: bytes, *, passphrase: bytes | None = None) -> Any:
    """Parse a key file's bytes into its object (decrypting if needed).

    >>> from n3crypto.signcryption import KGC, UserKey
    >>> kgc = KGC.generate()
    >>> request = UserKey.generate("alice", kgc.public).request()
    >>> load_bytes(armor(bytes(request)).encode())  # doctest: +ELLIPSIS
    KeyRequest('alice', X=...)
    >>> protected = armor(kgc.to_bytes(), passphrase=b"pw", kdf_log2_n=10).encode()
    >>> load_bytes(protected, passphrase=b"pw").public == kgc.public
    True
    >>> load_bytes(protected, passphrase=b"wrong")
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidKey: wrong passphrase or corrupted key file
    """
    blob = dearmor(data)
    if envelope.peek_kind(blob) == ENCRYPTED_KIND:
        blob = _decrypt(blob, passphrase)
    kind = envelope.peek_kind(blob)
    parser = _PARSERS.get(kind)
    if parser is None:
        raise errors.InvalidEncoding(f"{kind!r} is not a key object")
    return parser(blob)


def load(path: str | os.PathLike[str], *, passphrase: bytes | None = None) -> Any:
    """Read a key file.

    >>> import os, tempfile
    >>> from n3crypto.signcryption import KGC
    >>> kgc = KGC.generate()
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "kgc.pub")
    >>> save(path, kgc.public)
    >>> load(path) == kgc.public
    True
    >>> tmp.cleanup()
    """
    return load_bytes(check_path(path).read_bytes(), passphrase=passphrase)


def _blob(obj: Any) -> bytes:
    if isinstance(obj, KGC | UserKey):
        return obj.to_bytes()
    if isinstance(obj, KGCPublic | KeyRequest | PartialKey | PublicKey):
        return bytes(obj)
    raise errors.N3TypeError(f"cannot save a {type(obj).__name__}")


def save(
    path: str | os.PathLike[str],
    obj: Any,
    *,
    passphrase: bytes | None = None,
    kdf_log2_n: int = DEFAULT_KDF_LOG2_N,
) -> None:
    """Write ``obj`` armoured, atomically; private keys get mode 0600.

    A passphrase applies to private keys only (public objects are written
    in the clear whatever is passed).

    >>> import os, stat, tempfile
    >>> from n3crypto.signcryption import KGC, UserKey
    >>> kgc = KGC.generate()
    >>> alice = UserKey.generate("alice", kgc.public)
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "alice.key")
    >>> save(path, alice, passphrase=b"pw", kdf_log2_n=10)
    >>> oct(stat.S_IMODE(os.stat(path).st_mode))
    '0o600'
    >>> open(path).readline()
    '-----BEGIN N3CRYPTO ENCRYPTED USER KEY-----\\n'
    >>> load(path, passphrase=b"pw").identity
    'alice'
    >>> tmp.cleanup()
    """
    blob = _blob(obj)
    secret = envelope.peek_kind(blob) in SECRET_KINDS
    text = armor(blob, passphrase=passphrase if secret else None, kdf_log2_n=kdf_log2_n)
    atomic_write(path, text.encode("ascii"), mode=0o600 if secret else 0o644)


def kdf_cost_of(data: bytes) -> int:
    """The scrypt log2 N of a protected key file (the default if unprotected).

    >>> from n3crypto.signcryption import KGC
    >>> kgc = KGC.generate()
    >>> kdf_cost_of(armor(kgc.to_bytes(), passphrase=b"pw", kdf_log2_n=10).encode())
    10
    >>> kdf_cost_of(armor(kgc.to_bytes()).encode()) == DEFAULT_KDF_LOG2_N
    True
    """
    blob = dearmor(data)
    if envelope.peek_kind(blob) != ENCRYPTED_KIND:
        return DEFAULT_KDF_LOG2_N
    _, body = envelope.unpack(blob, ENCRYPTED_KIND)
    return body[1 + body[0]] if body else DEFAULT_KDF_LOG2_N


def describe(data: bytes) -> list[tuple[str, str]]:
    """Human-readable fields of a key file, without any secret (for ``inspect``).

    >>> from n3crypto.signcryption import KGC, UserKey
    >>> kgc = KGC.generate()
    >>> alice = UserKey.generate("alice", kgc.public)
    >>> for name, value in describe(armor(alice.to_bytes()).encode()):
    ...     print(f"{name}: {value}")  # doctest: +ELLIPSIS
    kind: clsc-user-key
    identity: alice
    KGC: ...:...:...:...:...:...:...:...
    complete: no (awaiting partial key)
    secret: present (not shown)
    >>> describe(armor(alice.to_bytes(), passphrase=b"pw", kdf_log2_n=10).encode())[1:]
    [('contains', 'clsc-user-key'), ('protection', 'scrypt N=2^10 r=8 p=4, XChaCha20-Poly1305')]
    """
    blob = dearmor(data)
    kind = envelope.peek_kind(blob)
    rows: list[tuple[str, str]] = [("kind", kind)]
    if kind == ENCRYPTED_KIND:
        _, body = envelope.unpack(blob, ENCRYPTED_KIND)
        n = body[0]
        rows += [
            ("contains", body[1 : 1 + n].decode("ascii", "replace")),
            (
                "protection",
                f"scrypt N=2^{body[1 + n]} r={body[2 + n]} p={body[3 + n]}, XChaCha20-Poly1305",
            ),
        ]
        return rows
    obj = load_bytes(blob)
    if isinstance(obj, KGC):
        rows += [("KGC public key", obj.public.fingerprint), ("secret", "present (not shown)")]
    elif isinstance(obj, KGCPublic):
        rows += [("KGC public key", obj.fingerprint), ("P_pub", bytes(obj.point).hex())]
    elif isinstance(obj, KeyRequest):
        obj.verify()
        rows += [
            ("identity", obj.identity),
            ("KGC", obj.kgc.fingerprint),
            ("X", bytes(obj.public_value).hex()),
            ("proof of possession", "valid"),
        ]
    elif isinstance(obj, PartialKey):
        rows += [
            ("identity", obj.identity),
            ("KGC", obj.kgc.fingerprint),
            ("V", bytes(obj.v).hex()),
            ("expiry", _when(obj.expiry)),
            ("log index", str(obj.log_index)),
        ]
    elif isinstance(obj, UserKey):
        rows += [
            ("identity", obj.identity),
            ("KGC", obj.kgc.fingerprint),
            ("complete", "yes" if obj.is_complete else "no (awaiting partial key)"),
        ]
        if obj.is_complete:
            rows += [("public key", obj.public.fingerprint), ("expiry", _when(obj.public.expiry))]
        rows.append(("secret", "present (not shown)"))
    elif isinstance(obj, PublicKey):
        rows += [
            ("identity", obj.identity),
            ("fingerprint", obj.fingerprint),
            ("KGC", obj.kgc.fingerprint),
            ("V", bytes(obj.public_value).hex()),
            ("expiry", _when(obj.expiry) + (" (EXPIRED)" if obj.is_expired() else "")),
        ]
    return rows


def _when(t: int) -> str:
    import datetime

    try:
        return datetime.datetime.fromtimestamp(t, datetime.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    except (OverflowError, ValueError, OSError):
        return str(t)
