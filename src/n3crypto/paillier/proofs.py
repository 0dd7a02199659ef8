"""Zero-knowledge proofs about Paillier ciphertexts (Fiat–Shamir, SHA-512).

**Membership** — :class:`MembershipProof` shows that ``c`` encrypts one value
of a public set ``{v_1 < … < v_k}`` without saying which: a Cramer–Damgård–
Schoenmakers OR of k sigma protocols, one per branch ``c_j = c·(1+n)^(-v_j)``.
The prover runs the real branch honestly and simulates the others; the branch
challenges must add up (mod 2^t, t = 128) to the hash of the transcript, so at
most one branch can be simulated after seeing it.

* ``standard`` mode (ρ = r^n): each branch proves ``c_j`` is an n-th residue —
  commitment ``a_j``, response ``z_j ∈ Z_n^*``, check ``z_j^n = a_j·c_j^(e_j)``.
* ``fast`` mode (ρ = h_s^r): each branch proves ``c_j = h_s^x`` for an integer
  x — commitment ``a_j = h_s^s``, integer response ``z_j = s + e_j·x`` with s of
  ``|r| + t + 128`` bits (statistical zero knowledge), check
  ``h_s^(z_j) = a_j·c_j^(e_j)``. Every exponentiation is a fixed-base table
  look-up, so a 7-branch proof costs about seven ⌈k/2⌉-bit table walks.

Soundness in both modes: two accepting answers to one commitment with
challenges ``e ≠ e'`` give ``c_j^(e-e')`` as an n-th residue; since
``0 < |e-e'| < 2^t`` is below the smallest prime factor of n it is coprime to
n, so ``c_j`` is an n-th residue itself, i.e. ``c`` encrypts ``v_j``. This needs
a correctly generated key (n's prime factors longer than t bits, h_s an n-th
residue — we recompute h_s = h^n). Whoever knows φ(n) can take n-th roots and
so produce proofs for ciphertexts they did not make; see docs/paillier.md.

Verification batches all branch equations with random 64-bit weights
(small-exponent test): one fixed-base (fast) or one full n-th power (standard)
for any number of proofs, plus a short multi-exponentiation per proof.
Verification raises :class:`~n3crypto.errors.ProofError`; it never returns False.

**Decryption** — :class:`DecryptionProof` shows that ``c`` decrypts to ``m``:
``c·(1+n)^(-m)`` is an n-th residue, by a Guillou–Quisquater proof of an n-th root.

>>> from n3crypto.paillier import generate_keypair
>>> pub, priv = generate_keypair(512, allow_insecure_size=True)
>>> c, proof = pub.encrypt_with_proof(3, [0, 1, 3, 5], b"ctx", mode="fast")
>>> proof.verify(pub, c, [0, 1, 3, 5], b"ctx")
>>> proof.verify(pub, c, [0, 1, 5], b"ctx")
Traceback (most recent call last):
...
n3crypto.errors.ProofError: proof has 4 branches, the set has 3
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from n3crypto import envelope, errors
from n3crypto._check import check_bytes, check_int, check_iterable
from n3crypto.paillier import _codec
from n3crypto.paillier._arith import (
    gcd,
    is_int,
    mpz,
    multi_exp,
    powmod,
    random_bits,
    random_unit,
)

if TYPE_CHECKING:
    from n3crypto.paillier.keys import EncryptedNumber, PaillierPrivateKey, PaillierPublicKey

__all__ = [
    "BATCH_BITS",
    "CHALLENGE_BITS",
    "MAX_BRANCHES",
    "STAT_BITS",
    "BatchProofError",
    "DecryptionProof",
    "MembershipProof",
    "canonical_set",
    "encrypt_with_proof",
    "prove_decryption",
    "verify_batch",
]

CHALLENGE_BITS = 128
"""t: challenge length; must stay below the bit length of n's smallest prime."""
STAT_BITS = 128
"""Statistical zero-knowledge slack of integer responses in fast mode."""
BATCH_BITS = 64
"""Length of the random weights in batch verification (error ≤ 2^-64)."""
MAX_BRANCHES = 1024

_DST_MEMBER = b"n3crypto/paillier/membership/v1\x00"
_DST_DECRYPT = b"n3crypto/paillier/decryption/v1\x00"
_TMASK = (1 << CHALLENGE_BITS) - 1


class BatchProofError(errors.ProofError):
    """Some proofs of a batch failed; ``failed`` lists their indices.

    See :func:`verify_batch` for an example.
    """

    def __init__(self, message: str, failed: Sequence[int]) -> None:
        super().__init__(message)
        self.failed: tuple[int, ...] = tuple(failed)


def canonical_set(public_key: PaillierPublicKey, allowed: Iterable[int]) -> tuple[int, ...]:
    """The allowed set as a sorted tuple of distinct signed ints (checked).

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> canonical_set(pub, [5, 0, -3, 1])
    (-3, 0, 1, 5)
    >>> canonical_set(pub, [1, 1])
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: allowed values must be distinct
    """
    _public_key(public_key)
    vals = check_iterable(allowed, "allowed")
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, int):
            raise errors.N3TypeError("allowed values must be ints")
        if abs(v) > public_key.max_int:
            raise errors.N3ValueError("an allowed value exceeds max_int")
    out = tuple(sorted(set(vals)))
    if len(out) != len(vals):
        raise errors.N3ValueError("allowed values must be distinct")
    if not 1 <= len(out) <= MAX_BRANCHES:
        raise errors.N3ValueError(f"allowed set must have 1..{MAX_BRANCHES} values")
    return out


def _public_key(public_key: Any) -> PaillierPublicKey:
    from n3crypto.paillier.keys import PaillierPublicKey

    if not isinstance(public_key, PaillierPublicKey):
        raise errors.N3TypeError(
            f"public_key must be a PaillierPublicKey, not {type(public_key).__name__}"
        )
    return public_key


def _context_bytes(context: bytes) -> bytes:
    return check_bytes(context, "context")


def _member_challenge(
    pk: PaillierPublicKey,
    mode: str,
    c: int,
    allowed: Sequence[int],
    context: bytes,
    commitments: Sequence[int],
) -> int:
    h = hashlib.sha512(_DST_MEMBER)
    h.update(
        _codec.fields(
            mode.encode(),
            _codec.uint(pk.n),
            _codec.uint(pk.hs or 0),
            _codec.uint(CHALLENGE_BITS),
            _codec.uint(STAT_BITS),
            _codec.uint(c),
            _codec.uint(len(allowed)),
        )
    )
    h.update(_codec.fields(*(_codec.sint(v) for v in allowed)))
    h.update(_codec.fields(context))
    h.update(_codec.fields(*(_codec.uint(a) for a in commitments)))
    return int.from_bytes(h.digest()[: CHALLENGE_BITS // 8], "big")


@dataclass(frozen=True, slots=True)
class MembershipProof:
    """CDS OR-proof that a ciphertext encrypts a member of a public set.

    One (commitment, challenge, response) triple per value of the sorted set.

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.proofs import MembershipProof, encrypt_with_proof
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> c, proof = encrypt_with_proof(pub, 1, [0, 1], b"poll 3", mode="fast")
    >>> received = MembershipProof.from_bytes(proof.to_bytes())
    >>> received, received == proof
    (<MembershipProof fast branches=2>, True)
    >>> received.verify(pub, c, [0, 1], b"poll 3")          # returns None
    >>> received.verify(pub, c, [0, 1], b"poll 4")
    Traceback (most recent call last):
    ...
    n3crypto.errors.ProofError: challenges do not add up to the transcript hash
    """

    mode: str
    commitments: tuple[int, ...]
    challenges: tuple[int, ...]
    responses: tuple[int, ...]

    def __repr__(self) -> str:
        return f"<MembershipProof {self.mode} branches={len(self.commitments)}>"

    def verify(
        self,
        public_key: PaillierPublicKey,
        ciphertext: EncryptedNumber | int,
        allowed: Iterable[int],
        context: bytes,
    ) -> None:
        """Raise :class:`~n3crypto.errors.ProofError` unless the proof holds."""
        verify_batch(public_key, [(ciphertext, self, allowed, context)])

    # -- wire formats ----------------------------------------------------------
    def to_bytes(self, width: int = 0) -> bytes:
        """Compact form. With ``width`` (bytes of n², as ballots use) every
        integer has a fixed length, so the size never depends on the values."""
        w = check_int(width, "width", 0, 1 << 16)

        def enc(x: int) -> bytes:
            return _codec.uint_fixed(x, w) if w else _codec.uint(x)

        def ech(x: int) -> bytes:
            return _codec.uint_fixed(x, CHALLENGE_BITS // 8) if w else _codec.uint(x)

        body = _codec.fields(
            self.mode.encode(),
            _codec.uint(w),
            _codec.seq(enc(a) for a in self.commitments),
            _codec.seq(ech(e) for e in self.challenges),
            _codec.seq(enc(z) for z in self.responses),
        )
        return envelope.pack("paillier-membership-proof", 1, body)

    __bytes__ = to_bytes

    @classmethod
    def from_bytes(cls, blob: bytes) -> MembershipProof:
        r = _codec.open_envelope(blob, "paillier-membership-proof")
        mode = r.text()
        w = r.uint()
        if w > 1 << 16:
            raise errors.InvalidEncoding("absurd integer width")
        lists = []
        for k in range(3):
            width = (CHALLENGE_BITS // 8 if k == 1 else w) if w else 0
            lists.append(tuple(_codec.parse_uint(x, width) for x in r.seq()))
        r.done()
        return cls._checked(mode, *lists)

    @classmethod
    def _checked(
        cls, mode: str, a: tuple[int, ...], e: tuple[int, ...], z: tuple[int, ...]
    ) -> MembershipProof:
        if mode not in ("standard", "fast"):
            raise errors.InvalidEncoding("unknown proof mode")
        if not (len(a) == len(e) == len(z)) or not 1 <= len(a) <= MAX_BRANCHES:
            raise errors.InvalidEncoding("proof lists have inconsistent lengths")
        return cls(mode, a, e, z)

    def to_json(self) -> str:
        body = {
            "mode": self.mode,
            "commitments": [_codec.int_to_json(a) for a in self.commitments],
            "challenges": [_codec.int_to_json(e) for e in self.challenges],
            "responses": [_codec.int_to_json(z) for z in self.responses],
        }
        return _codec.dump_json("paillier-membership-proof", 1, body)

    @classmethod
    def from_json(cls, text: str | bytes) -> MembershipProof:
        keys = ("mode", "commitments", "challenges", "responses")
        obj = _codec.load_json(text, "paillier-membership-proof", keys)
        return cls._from_obj(obj)

    @classmethod
    def _from_obj(cls, obj: dict[str, Any]) -> MembershipProof:
        lists = []
        for k in ("commitments", "challenges", "responses"):
            v = obj[k]
            if not isinstance(v, list) or len(v) > MAX_BRANCHES:
                raise errors.InvalidEncoding(f"{k} must be a list")
            lists.append(tuple(_codec.int_from_json(x, k) for x in v))
        if not isinstance(obj["mode"], str):
            raise errors.InvalidEncoding("mode must be a string")
        return cls._checked(obj["mode"], *lists)

    def _as_obj(self) -> dict[str, Any]:
        import json

        d: dict[str, Any] = json.loads(self.to_json())
        del d["kind"], d["version"]
        return d


def prove_membership(
    pk: PaillierPublicKey,
    c: int,
    value: int,
    witness: int,
    allowed: Sequence[int],
    context: bytes,
    mode: str,
    exponent_bits: int = 0,
) -> MembershipProof:
    """Prove that ``c`` (made with obfuscator witness ``witness``) encrypts
    ``value ∈ allowed`` (``allowed`` already canonical)."""
    n, n2 = pk.n, pk.nsquare
    k = len(allowed)
    try:
        i = allowed.index(value)
    except ValueError:
        raise errors.N3ValueError("value is not in the allowed set") from None
    commits: list[int] = [0] * k
    chals: list[int] = [0] * k
    resps: list[int] = [0] * k
    if mode == "fast":
        table = pk.table()
        slen = exponent_bits + CHALLENGE_BITS + STAT_BITS
        for j, vj in enumerate(allowed):
            if j == i:
                continue
            e = random_bits(CHALLENGE_BITS)
            x = random_bits(slen)
            # a_j = h_s^x · (1+n)^(-(v - v_j)·e)  ⇒  h_s^(x + e·r) = a_j · c_j^e
            commits[j] = table.pow(x) * pk.raw_gm(-(value - vj) * e) % n2
            chals[j] = e
            resps[j] = x + e * witness
        s = random_bits(slen)
        commits[i] = table.pow(s)
    elif mode == "standard":
        for j, vj in enumerate(allowed):
            if j == i:
                continue
            e = random_bits(CHALLENGE_BITS)
            wn, w = pk._obfuscator("standard")
            # a_j = w^n · (1+n)^(-(v - v_j)·e), z_j = w·r^e  ⇒  z_j^n = a_j · c_j^e
            commits[j] = wn * pk.raw_gm(-(value - vj) * e) % n2
            chals[j] = e
            resps[j] = w * powmod(witness, e, n) % n
        sn, s = pk._obfuscator("standard")
        commits[i] = sn
    else:
        raise errors.N3ValueError("mode must be 'standard' or 'fast'")
    total = _member_challenge(pk, mode, c, allowed, context, commits)
    chals[i] = (total - sum(chals)) & _TMASK
    if mode == "fast":
        resps[i] = s + chals[i] * witness
    else:
        resps[i] = s * powmod(witness, chals[i], n) % n
    return MembershipProof(
        mode,
        tuple(int(a) for a in commits),
        tuple(int(e) for e in chals),
        tuple(int(z) for z in resps),
    )


def encrypt_with_proof(
    public_key: PaillierPublicKey,
    value: int,
    allowed: Iterable[int],
    context: bytes,
    mode: str = "standard",
    *,
    short_exponent: bool = False,
) -> tuple[EncryptedNumber, MembershipProof]:
    """Encrypt ``value`` and prove it is in ``allowed``, bound to ``context``
    (round id, relay, rater, …). The ciphertext's public bound is
    ``max |allowed|``, which reveals nothing about the value.

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.proofs import encrypt_with_proof
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> c, proof = encrypt_with_proof(pub, 3, [0, 1, 3, 5], b"round 7/relay-a")
    >>> c.bound, proof, priv.decrypt(c)
    (5, <MembershipProof standard branches=4>, 3)
    >>> proof.verify(pub, c, [0, 1, 3, 5], b"round 7/relay-a")
    >>> encrypt_with_proof(pub, 2, [0, 1, 3, 5], b"round 7/relay-a")
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: value is not in the allowed set
    """
    from n3crypto.paillier.keys import EncryptedNumber

    if isinstance(value, bool) or not isinstance(value, int):
        raise errors.N3TypeError("value must be an int")
    vals = canonical_set(public_key, allowed)
    ctx = _context_bytes(context)
    if value not in vals:
        raise errors.N3ValueError("value is not in the allowed set")
    c, w = public_key._encrypt_mantissa(value, mode, short_exponent)
    bits = public_key.exponent_bits(short_exponent) if mode == "fast" else 0
    proof = prove_membership(public_key, c, value, w, vals, ctx, mode, bits)
    bound = max(abs(v) for v in vals)
    ct = EncryptedNumber(public_key, c, 0, bound=bound, mode=mode, _trusted=True)
    return ct, proof


def _ct_int(public_key: PaillierPublicKey, ciphertext: Any) -> int:
    from n3crypto.paillier.keys import EncryptedNumber

    if isinstance(ciphertext, EncryptedNumber):
        if not public_key.same_modulus(ciphertext.public_key):
            raise errors.ProofError("ciphertext is under a different public key")
        if ciphertext.exponent != 0:
            raise errors.ProofError("membership proofs cover integer ciphertexts (exponent 0)")
        return mpz(ciphertext._c)
    if not is_int(ciphertext):
        raise errors.N3TypeError("ciphertext must be an EncryptedNumber or int")
    return mpz(ciphertext)


def _unit(x: int, mod: int, n: int) -> bool:
    return 0 < x < mod and gcd(x, n) == 1


def _structural(
    pk: PaillierPublicKey, c: int, proof: MembershipProof, vals: Sequence[int], ctx: bytes
) -> str | None:
    """Everything but the group equation; returns the reason on failure."""
    if not isinstance(proof, MembershipProof):
        return "not a MembershipProof"
    n, n2 = pk.n, pk.nsquare
    k = len(vals)
    if not (len(proof.commitments) == len(proof.challenges) == len(proof.responses) == k):
        return f"proof has {len(proof.commitments)} branches, the set has {k}"
    if proof.mode == "fast":
        if pk.hs is None:
            return "fast-mode proof under a key without h"
        zmax = 1 << (pk.fast_exponent_bits + CHALLENGE_BITS + STAT_BITS + 1)
        if not all(is_int(z) and 0 <= z < zmax for z in proof.responses):
            return "response out of range"
    elif proof.mode == "standard":
        if not all(is_int(z) and _unit(z, n, n) for z in proof.responses):
            return "response is not a unit mod n"
    else:
        return "unknown proof mode"
    if not _unit(c, n2, n):
        return "ciphertext is not a unit mod n²"
    if not all(is_int(a) and _unit(a, n2, n) for a in proof.commitments):
        return "commitment is not a unit mod n²"
    if not all(is_int(e) and 0 <= e <= _TMASK for e in proof.challenges):
        return "challenge out of range"
    total = _member_challenge(pk, proof.mode, c, vals, ctx, proof.commitments)
    if sum(proof.challenges) & _TMASK != total:
        return "challenges do not add up to the transcript hash"
    return None


def _batch_equation(
    pk: PaillierPublicKey, items: Sequence[tuple[int, MembershipProof, Sequence[int]]]
) -> bool:
    """Check every branch equation at once with random 64-bit weights."""
    n, n2 = pk.n, pk.nsquare
    rng = secrets.SystemRandom()
    pairs: list[tuple[int, int]] = []
    zpairs: list[tuple[int, int]] = []
    zsum = 0
    gm_exp = 0
    for c, proof, vals in items:
        ce = 0
        for a, e, z, v in zip(
            proof.commitments, proof.challenges, proof.responses, vals, strict=True
        ):
            w = rng.getrandbits(BATCH_BITS) | 1
            pairs.append((a, w))
            ce += w * e
            gm_exp += w * e * v
            if proof.mode == "fast":
                zsum += w * z
            else:
                zpairs.append((z, w))
        pairs.append((c, ce))
    rhs = multi_exp(pairs, n2) * pk.raw_gm(-gm_exp) % n2
    if items[0][1].mode == "fast":
        lhs = pk.table().pow(zsum)
    else:
        lhs = powmod(multi_exp(zpairs, n), n, n2)
    return bool(lhs == rhs)


def verify_batch(
    public_key: PaillierPublicKey,
    items: Iterable[tuple[EncryptedNumber | int, MembershipProof, Iterable[int], bytes]],
) -> None:
    """Verify many ``(ciphertext, proof, allowed, context)`` at once.

    Raises :class:`BatchProofError` (a :class:`~n3crypto.errors.ProofError`)
    naming every failing index; all proofs must share one mode.

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.proofs import encrypt_with_proof, verify_batch
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> votes = [encrypt_with_proof(pub, v, [0, 1], b"voter %d" % i, mode="fast")
    ...          for i, v in enumerate([0, 1, 1])]
    >>> items = [(c, p, [0, 1], b"voter %d" % i) for i, (c, p) in enumerate(votes)]
    >>> verify_batch(pub, items)                              # returns None
    >>> items[2] = (votes[2][0], votes[2][1], [0, 1], b"voter 0")   # wrong context
    >>> try:
    ...     verify_batch(pub, items)
    ... except Exception as exc:
    ...     print(type(exc).__name__, exc.failed)
    BatchProofError (2,)
    """
    _public_key(public_key)
    batch = check_iterable(items, "items")
    for i, item in enumerate(batch):
        if not isinstance(item, tuple | list) or len(item) != 4:
            raise errors.N3TypeError(
                f"items[{i}] must be a (ciphertext, proof, allowed, context) tuple"
            )
        if not isinstance(item[1], MembershipProof):
            raise errors.N3TypeError(f"items[{i}]: the proof must be a MembershipProof")
    prepared: list[tuple[int, MembershipProof, tuple[int, ...]]] = []
    failed: list[int] = []
    reasons: list[str] = []
    for idx, (ct, proof, allowed, ctx) in enumerate(batch):
        try:
            c = _ct_int(public_key, ct)
            vals = canonical_set(public_key, allowed)
            reason = _structural(public_key, c, proof, vals, _context_bytes(ctx))
        except errors.ProofError as exc:
            reason = str(exc)
        if reason is not None:
            failed.append(idx)
            reasons.append(reason)
            continue
        prepared.append((c, proof, vals))
        if proof.mode != prepared[0][1].mode:
            raise errors.N3ValueError("a batch must not mix proof modes")
    total = len(prepared) + len(failed)
    bad = set(failed)
    ok_idx = [i for i in range(total) if i not in bad]
    if prepared and not _batch_equation(public_key, prepared):
        # Find the culprits one by one (only on failure).
        for idx, item in zip(ok_idx, prepared, strict=True):
            if not _batch_equation(public_key, [item]):
                failed.append(idx)
                reasons.append("branch equation does not hold")
    if failed:
        order = sorted(range(len(failed)), key=lambda j: failed[j])
        failed = [failed[j] for j in order]
        reasons = [reasons[j] for j in order]
        if total == 1:
            raise errors.ProofError(reasons[0])
        raise BatchProofError(
            f"{len(failed)} of {total} proofs failed; first #{failed[0]}: {reasons[0]}", failed
        )


# ------------------------------------------------------------------ decryption


@dataclass(frozen=True, slots=True)
class DecryptionProof:
    """Proof that a ciphertext decrypts to a stated plaintext (single key).

    Statement: ``u = c·(1+n)^(-m) mod n²`` is an n-th residue. Commitment
    ``a = s^n``, challenge ``e = H(n, c, m, context, a)`` (128 bits), response
    ``z = s·ρ^e mod n`` with ``ρ^n = u``; check ``z^n = a·u^e (mod n²)``.

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.proofs import DecryptionProof
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> c = pub.encrypt(-7)
    >>> value, proof = priv.decrypt_with_proof(c, b"tally 1")
    >>> published = DecryptionProof.from_json(proof.to_json())
    >>> published.verify(pub, c, value, b"tally 1")        # anyone can check it
    >>> published.verify(pub, c, -6, b"tally 1")
    Traceback (most recent call last):
    ...
    n3crypto.errors.ProofError: decryption proof does not verify
    """

    commitment: int
    response: int

    def __repr__(self) -> str:
        return "<DecryptionProof>"

    def verify(
        self,
        public_key: PaillierPublicKey,
        ciphertext: EncryptedNumber | int,
        plaintext: int,
        context: bytes = b"",
    ) -> None:
        """Raise :class:`~n3crypto.errors.ProofError` unless ``ciphertext``
        decrypts to the integer ``plaintext`` (signed, or its residue mod n)."""
        from n3crypto.paillier.keys import EncryptedNumber

        _public_key(public_key)
        if isinstance(ciphertext, EncryptedNumber):
            if not public_key.same_modulus(ciphertext.public_key):
                raise errors.ProofError("ciphertext is under a different public key")
            c = mpz(ciphertext._c)
        elif is_int(ciphertext):
            c = mpz(ciphertext)
        else:
            raise errors.N3TypeError("ciphertext must be an EncryptedNumber or int")
        if not is_int(plaintext):
            raise errors.N3TypeError("plaintext must be an int")
        n, n2 = public_key.n, public_key.nsquare
        m = mpz(plaintext) % n
        a, z = self.commitment, self.response
        if not _unit(c, n2, n):
            raise errors.ProofError("ciphertext is not a unit mod n²")
        if not (is_int(a) and _unit(a, n2, n)):
            raise errors.ProofError("commitment is not a unit mod n²")
        if not (is_int(z) and _unit(z, n, n)):
            raise errors.ProofError("response is not a unit mod n")
        u = c * public_key.raw_gm(-m) % n2
        e = _decrypt_challenge(public_key, c, m, _context_bytes(context), a)
        if powmod(z, n, n2) != a * powmod(u, e, n2) % n2:
            raise errors.ProofError("decryption proof does not verify")

    def to_bytes(self) -> bytes:
        body = _codec.fields(_codec.uint(self.commitment), _codec.uint(self.response))
        return envelope.pack("paillier-decryption-proof", 1, body)

    __bytes__ = to_bytes

    @classmethod
    def from_bytes(cls, blob: bytes) -> DecryptionProof:
        r = _codec.open_envelope(blob, "paillier-decryption-proof")
        a, z = r.uint(), r.uint()
        r.done()
        return cls(a, z)

    def to_json(self) -> str:
        body = {
            "commitment": _codec.int_to_json(self.commitment),
            "response": _codec.int_to_json(self.response),
        }
        return _codec.dump_json("paillier-decryption-proof", 1, body)

    @classmethod
    def from_json(cls, text: str | bytes) -> DecryptionProof:
        obj = _codec.load_json(text, "paillier-decryption-proof", ("commitment", "response"))
        return cls(
            _codec.int_from_json(obj["commitment"], "commitment"),
            _codec.int_from_json(obj["response"], "response"),
        )


def _decrypt_challenge(pk: PaillierPublicKey, c: int, m: int, context: bytes, a: int) -> int:
    h = hashlib.sha512(_DST_DECRYPT)
    h.update(
        _codec.fields(_codec.uint(pk.n), _codec.uint(c), _codec.uint(m), context, _codec.uint(a))
    )
    return int.from_bytes(h.digest()[: CHALLENGE_BITS // 8], "big")


def prove_decryption(
    priv: PaillierPrivateKey, c: int, m: int, context: bytes = b""
) -> DecryptionProof:
    """Key holder: prove ``c`` decrypts to the residue ``m``.

    Works on raw integers; :meth:`PaillierPrivateKey.decrypt_with_proof`
    is the usual entry point.

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.proofs import prove_decryption
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> c = pub.encrypt(42)
    >>> m = priv.raw_decrypt(c.ciphertext())
    >>> prove_decryption(priv, c.ciphertext(), m, b"tally").verify(pub, c, 42, b"tally")
    >>> prove_decryption(priv, c.ciphertext(), 41)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: the ciphertext does not decrypt to this plaintext
    """
    from n3crypto.paillier.keys import PaillierPrivateKey

    if not isinstance(priv, PaillierPrivateKey):
        raise errors.N3TypeError(f"priv must be a PaillierPrivateKey, not {type(priv).__name__}")
    if not (is_int(c) and is_int(m)):
        raise errors.N3TypeError("c and m must be ints")
    pk = priv.public_key
    n, n2 = pk.n, pk.nsquare
    ctx = _context_bytes(context)
    c = mpz(c)
    m = mpz(m) % n
    u = c * pk.raw_gm(-m) % n2
    rho = priv.nth_root(u)
    if powmod(rho, n, n2) != u:
        raise errors.N3ValueError("the ciphertext does not decrypt to this plaintext")
    s = random_unit(n)
    p, q = priv.p, priv.q
    a = priv.crt_pow_n2(s, n % (p * (p - 1)), s, n % (q * (q - 1)))
    e = _decrypt_challenge(pk, c, m, ctx, a)
    z = s * powmod(rho, e, n) % n
    return DecryptionProof(int(a), int(z))
