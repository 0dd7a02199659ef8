"""Paillier encryption with proofs, for pooling relay ratings.

``generate_keypair`` → :class:`PaillierPublicKey` / :class:`PaillierPrivateKey`;
``public.encrypt(v, mode="standard"|"fast")`` → :class:`EncryptedNumber`
(``+``, ``-`` with ciphertexts and plaintexts, ``*``/``/`` by plaintexts);
``public.encrypt_with_proof(v, allowed, context)`` → ciphertext and
:class:`MembershipProof`; rating rounds live in :mod:`n3crypto.paillier.ratings`.
Interchange with python-paillier (phe): ``from_phe`` / ``to_phe`` on keys and
ciphertexts. Arithmetic is variable time (gmpy2); see docs/paillier.md.

>>> from n3crypto import paillier
>>> pub, priv = paillier.generate_keypair(512, allow_insecure_size=True)
>>> priv.decrypt(sum([pub.encrypt(i, bound=10) for i in range(5)]))
10
"""

from __future__ import annotations

from n3crypto.paillier._demo import demo_chapter
from n3crypto.paillier.encoding import EncodedNumber
from n3crypto.paillier.keys import (
    EncryptedNumber,
    PaillierOverflowError,
    PaillierPrivateKey,
    PaillierPublicKey,
    generate_keypair,
    security_bits,
)
from n3crypto.paillier.pool import RandomnessPool
from n3crypto.paillier.proofs import (
    BatchProofError,
    DecryptionProof,
    MembershipProof,
    encrypt_with_proof,
    verify_batch,
)

__all__ = [
    "BatchProofError",
    "DecryptionProof",
    "EncodedNumber",
    "EncryptedNumber",
    "MembershipProof",
    "PaillierOverflowError",
    "PaillierPrivateKey",
    "PaillierPublicKey",
    "RandomnessPool",
    "demo_chapter",
    "encrypt_with_proof",
    "generate_keypair",
    "security_bits",
    "verify_batch",
]
