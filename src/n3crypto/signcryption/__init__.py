"""Anonymous certificateless signcryption (CLSC) and Schnorr signatures on ristretto255.

A key generation centre (KGC) vouches for identities without being able to
decrypt for them; an outsider watching ciphertexts learns neither the
sender nor the recipient. The scheme, its wire format and its security
argument are in docs/signcryption.md.

>>> from n3crypto.signcryption import KGC, UserKey, signcrypt, unsigncrypt
>>> kgc = KGC.generate()
>>> alice = UserKey.generate("alice", kgc.public)
>>> _ = alice.accept_partial_key(kgc.issue_partial_key("alice", alice.request()))
>>> bob = UserKey.generate("bob", kgc.public)
>>> _ = bob.accept_partial_key(kgc.issue_partial_key("bob", bob.request()))
>>> unsigncrypt(bob, signcrypt(alice, bob.public, b"hello")).message
b'hello'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from n3crypto.signcryption._common import (
    DEFAULT_IDENTITY_WIDTH,
    canonical_identity,
    message_digest,
    message_hasher,
)
from n3crypto.signcryption._demo import demo_chapter
from n3crypto.signcryption.keys import (
    DEFAULT_VALIDITY,
    KGC,
    KeyExpired,
    KeyRequest,
    KGCPublic,
    PartialKey,
    PublicKey,
    UserKey,
    verify_kgc_signature,
)
from n3crypto.signcryption.scheme import (
    FAIL_MESSAGE,
    InvalidSignature,
    KeyChanged,
    Unsigncrypted,
    overhead,
    sign,
    sign_digest,
    signcrypt,
    signcrypt_batch,
    unsigncrypt,
    unsigncrypt_batch,
    verify,
    verify_batch,
    verify_digest,
)
from n3crypto.signcryption.stream import (
    StreamResult,
    StreamSigncryptor,
    StreamUnsigncryptor,
    signcrypt_stream,
    unsigncrypt_stream,
)

__all__ = [
    "DEFAULT_IDENTITY_WIDTH",
    "DEFAULT_VALIDITY",
    "FAIL_MESSAGE",
    "KGC",
    "AuditReport",
    "InvalidSignature",
    "IssuanceLog",
    "KGCPublic",
    "KeyChanged",
    "KeyExpired",
    "KeyRequest",
    "LogEntry",
    "PartialKey",
    "PinStore",
    "PublicKey",
    "StreamResult",
    "StreamSigncryptor",
    "StreamUnsigncryptor",
    "Unsigncrypted",
    "UserKey",
    "audit",
    "canonical_identity",
    "demo_chapter",
    "message_digest",
    "message_hasher",
    "overhead",
    "sign",
    "sign_digest",
    "signcrypt",
    "signcrypt_batch",
    "signcrypt_stream",
    "unsigncrypt",
    "unsigncrypt_batch",
    "unsigncrypt_stream",
    "verify",
    "verify_batch",
    "verify_digest",
    "verify_kgc_signature",
]

if TYPE_CHECKING:
    from n3crypto.signcryption.log import AuditReport, IssuanceLog, LogEntry, audit
    from n3crypto.signcryption.pins import PinStore

# The issuance log and the pin store load on first use (a CLI run that needs
# neither skips their imports).
_LAZY = {
    "AuditReport": "log",
    "IssuanceLog": "log",
    "LogEntry": "log",
    "audit": "log",
    "PinStore": "pins",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value
