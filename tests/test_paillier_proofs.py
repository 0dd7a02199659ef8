"""Membership (CDS OR) and decryption proofs: completeness, soundness checks,
tampering, replay, batch verification and wire formats."""

from __future__ import annotations

import dataclasses
import json
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.paillier import (
    BatchProofError,
    DecryptionProof,
    MembershipProof,
    PaillierPrivateKey,
    PaillierPublicKey,
    verify_batch,
)
from n3crypto.paillier.proofs import CHALLENGE_BITS, prove_membership

VECTORS = pathlib.Path(__file__).parent / "vectors"
PRIV = PaillierPrivateKey.from_json(
    (VECTORS / "paillier_512_INSECURE_test_key.json").read_text(), allow_insecure_size=True
)
PUB = PRIV.public_key
M = 11
ALLOWED = [0, *(1 + j * M for j in range(6))]  # R = 5: the 7-branch ballot entry
CTX = b"round-7|relay-3|rater-12"
MODES = ["standard", "fast"]


@pytest.mark.parametrize("mode", MODES)
def test_every_valid_value_is_accepted(mode: str) -> None:
    for v in ALLOWED:
        c, proof = PUB.encrypt_with_proof(v, ALLOWED, CTX, mode=mode)  # type: ignore[arg-type]
        assert len(proof.commitments) == 7 and proof.mode == mode
        proof.verify(PUB, c, ALLOWED, CTX)
        proof.verify(PUB, c, list(reversed(ALLOWED)), CTX)  # a set: order is irrelevant
        assert PRIV.decrypt(c) == v


def test_short_exponent_and_negative_sets() -> None:
    c, proof = PUB.encrypt_with_proof(-3, [-3, 0, 3], b"", mode="fast", short_exponent=True)
    proof.verify(PUB, c, [-3, 0, 3], b"")
    c, proof = PUB.encrypt_with_proof(1, [1], b"x")  # singleton set
    proof.verify(PUB, c, [1], b"x")


def test_out_of_set_values_are_refused_and_cannot_be_proven() -> None:
    with pytest.raises(errors.N3ValueError, match="not in the allowed set"):
        PUB.encrypt_with_proof(2, ALLOWED, CTX)
    for mode in MODES:
        # A cheating prover encrypts 2 but runs the prover as if it were 1.
        c, w = PUB._encrypt_mantissa(2, mode, False)
        bits = PUB.fast_exponent_bits if mode == "fast" else 0
        proof = prove_membership(PUB, c, 1, w, tuple(ALLOWED), CTX, mode, bits)
        with pytest.raises(errors.ProofError):
            proof.verify(PUB, int(c), ALLOWED, CTX)


@pytest.mark.parametrize("mode", MODES)
def test_proof_does_not_transfer(mode: str) -> None:
    c, proof = PUB.encrypt_with_proof(1 + 2 * M, ALLOWED, CTX, mode=mode)  # type: ignore[arg-type]
    other, _ = PUB.encrypt_with_proof(1 + 2 * M, ALLOWED, CTX, mode=mode)  # type: ignore[arg-type]
    with pytest.raises(errors.ProofError):
        proof.verify(PUB, other, ALLOWED, CTX)  # another ciphertext
    with pytest.raises(errors.ProofError):
        proof.verify(PUB, c, ALLOWED, b"round-7|relay-3|rater-13")  # another context
    with pytest.raises(errors.ProofError):
        proof.verify(PUB, c, [*ALLOWED[:-1], 1 + 9 * M], CTX)  # another set
    with pytest.raises(errors.ProofError):
        proof.verify(PUB, c.rerandomize(), ALLOWED, CTX)
    with pytest.raises(errors.ProofError):
        proof.verify(PUB, c + 1, ALLOWED, CTX)  # now encrypts a non-member


@pytest.mark.parametrize("mode", MODES)
def test_tampered_proofs_fail(mode: str) -> None:
    c, proof = PUB.encrypt_with_proof(ALLOWED[3], ALLOWED, CTX, mode=mode)  # type: ignore[arg-type]
    n2 = int(PUB.nsquare)
    for field in ("commitments", "challenges", "responses"):
        for j in (0, 3, 6):
            vals = list(getattr(proof, field))
            vals[j] = vals[j] + 1 if field != "commitments" else vals[j] * 4 % n2
            bad = dataclasses.replace(proof, **{field: tuple(vals)})
            with pytest.raises(errors.ProofError):
                bad.verify(PUB, c, ALLOWED, CTX)
    # shifting challenge mass between branches keeps the sum but breaks equations
    e = list(proof.challenges)
    e[0], e[1] = e[0] + 1, e[1] - 1
    if min(e) >= 0:
        with pytest.raises(errors.ProofError):
            dataclasses.replace(proof, challenges=tuple(e)).verify(PUB, c, ALLOWED, CTX)
    with pytest.raises(errors.ProofError, match="branches"):
        dataclasses.replace(proof, commitments=proof.commitments[:-1]).verify(PUB, c, ALLOWED, CTX)


def test_non_units_and_ranges_are_rejected() -> None:
    p = int(PRIV.p)
    c, proof = PUB.encrypt_with_proof(0, ALLOWED, CTX, mode="fast")
    cases = {
        "commitment": dataclasses.replace(proof, commitments=(p, *proof.commitments[1:])),
        "zero": dataclasses.replace(proof, commitments=(0, *proof.commitments[1:])),
        "challenge": dataclasses.replace(
            proof, challenges=(1 << CHALLENGE_BITS, *proof.challenges[1:])
        ),
        "response": dataclasses.replace(proof, responses=(-1, *proof.responses[1:])),
        "huge": dataclasses.replace(proof, responses=(1 << 4000, *proof.responses[1:])),
    }
    for bad in cases.values():
        with pytest.raises(errors.ProofError):
            bad.verify(PUB, c, ALLOWED, CTX)
        # The group equation alone (past the hash): odd random weights keep a
        # factor -1 visible every time, not with probability 1/2.
        from n3crypto.paillier.proofs import _batch_equation

        item = (c.ciphertext(), bad, tuple(ALLOWED))
        good = (c.ciphertext(), proof, tuple(ALLOWED))
        assert all(not _batch_equation(PUB, [good, item]) for _ in range(8))
        assert _batch_equation(PUB, [good, good])
    with pytest.raises(errors.ProofError, match="unit"):
        proof.verify(PUB, p * p, ALLOWED, CTX)
    with pytest.raises(errors.ProofError, match="unit"):
        proof.verify(PUB, 0, ALLOWED, CTX)
    sc, sproof = PUB.encrypt_with_proof(0, ALLOWED, CTX)
    with pytest.raises(errors.ProofError, match="unit"):
        dataclasses.replace(sproof, responses=(p, *sproof.responses[1:])).verify(
            PUB, sc, ALLOWED, CTX
        )


def test_proof_is_bound_to_the_key() -> None:
    from n3crypto.paillier import generate_keypair

    other, _ = generate_keypair(512, allow_insecure_size=True)
    c, proof = PUB.encrypt_with_proof(1, ALLOWED, CTX)
    with pytest.raises(errors.ProofError):
        proof.verify(other, c.ciphertext(), ALLOWED, CTX)
    with pytest.raises(errors.ProofError, match="different public key"):
        proof.verify(other, c, ALLOWED, CTX)


def test_fast_proof_needs_key_with_h() -> None:
    c, proof = PUB.encrypt_with_proof(0, ALLOWED, CTX, mode="fast")
    plain = PaillierPublicKey(int(PUB.n), allow_insecure_size=True)
    with pytest.raises(errors.ProofError, match="without h"):
        proof.verify(plain, c.ciphertext(), ALLOWED, CTX)


def test_bad_arguments() -> None:
    with pytest.raises(errors.N3ValueError, match="distinct"):
        PUB.encrypt_with_proof(0, [0, 0, 1], CTX)
    with pytest.raises(errors.N3TypeError):
        PUB.encrypt_with_proof(0, [0, 1], "ctx")  # type: ignore[arg-type]
    with pytest.raises(errors.N3TypeError):
        PUB.encrypt_with_proof(0, "01", CTX)  # type: ignore[arg-type]
    with pytest.raises(errors.N3TypeError):
        PUB.encrypt_with_proof(0.0, [0, 1], CTX)  # type: ignore[arg-type]
    with pytest.raises(errors.N3ValueError):
        PUB.encrypt_with_proof(0, [], CTX)


@pytest.mark.parametrize("mode", MODES)
def test_batch_verification_names_the_bad_ones(mode: str) -> None:
    items = []
    for k in range(6):
        v = ALLOWED[k % 7]
        c, proof = PUB.encrypt_with_proof(v, ALLOWED, CTX + bytes([k]), mode=mode)  # type: ignore[arg-type]
        items.append((c, proof, ALLOWED, CTX + bytes([k])))
    verify_batch(PUB, items)
    c1, p1, a1, _x1 = items[1]
    items[1] = (c1, p1, a1, b"wrong")  # fails its hash
    c4, p4, a4, x4 = items[4]
    e = list(p4.challenges)
    e[0], e[1] = (e[0] + 1) % (1 << CHALLENGE_BITS), (e[1] - 1) % (1 << CHALLENGE_BITS)
    items[4] = (c4, dataclasses.replace(p4, challenges=tuple(e)), a4, x4)  # fails its equation
    with pytest.raises(BatchProofError) as info:
        verify_batch(PUB, items)
    assert info.value.failed == (1, 4)
    assert isinstance(info.value, errors.ProofError)


@pytest.mark.parametrize("mode", MODES)
def test_membership_proof_wire_formats(mode: str) -> None:
    c, proof = PUB.encrypt_with_proof(ALLOWED[2], ALLOWED, CTX, mode=mode)  # type: ignore[arg-type]
    for back in (
        MembershipProof.from_bytes(proof.to_bytes()),
        MembershipProof.from_json(proof.to_json()),
    ):
        assert back == proof
        back.verify(PUB, c, ALLOWED, CTX)
    obj = json.loads(proof.to_json())
    assert obj["kind"] == "paillier-membership-proof" and isinstance(obj["responses"][0], str)
    obj["responses"] = obj["responses"][:-1]
    with pytest.raises(errors.InvalidEncoding):
        MembershipProof.from_json(json.dumps(obj))
    blob = proof.to_bytes()
    for bad in (blob[:-3], blob + b"\x00"):
        with pytest.raises(errors.InvalidEncoding):
            MembershipProof.from_bytes(bad)


def test_decryption_proof() -> None:
    c = PUB.encrypt(-1234, mode="fast")
    value, proof = PRIV.decrypt_with_proof(c, b"tally")
    assert value == -1234
    proof.verify(PUB, c, -1234, b"tally")
    proof.verify(PUB, c.ciphertext(), int(PUB.n) - 1234, b"tally")  # residue form
    with pytest.raises(errors.ProofError):
        proof.verify(PUB, c, -1233, b"tally")
    with pytest.raises(errors.ProofError):
        proof.verify(PUB, c, -1234, b"other")
    with pytest.raises(errors.ProofError):
        proof.verify(PUB, PUB.encrypt(-1234), -1234, b"tally")
    with pytest.raises(errors.ProofError):
        DecryptionProof(proof.commitment, proof.response + 1).verify(PUB, c, -1234, b"tally")
    with pytest.raises(errors.ProofError):
        DecryptionProof(0, proof.response).verify(PUB, c, -1234, b"tally")
    for back in (
        DecryptionProof.from_bytes(proof.to_bytes()),
        DecryptionProof.from_json(proof.to_json()),
    ):
        back.verify(PUB, c, -1234, b"tally")
    with pytest.raises(errors.N3TypeError):
        proof.verify(PUB, c, 1.5, b"tally")  # type: ignore[arg-type]


@settings(max_examples=12)
@given(
    values=st.sets(st.integers(min_value=-(2**100), max_value=2**100), min_size=1, max_size=6),
    pick=st.integers(min_value=0, max_value=5),
    mode=st.sampled_from(MODES),
    context=st.binary(max_size=40),
)
def test_membership_property(values: set[int], pick: int, mode: str, context: bytes) -> None:
    allowed = sorted(values)
    v = allowed[pick % len(allowed)]
    c, proof = PUB.encrypt_with_proof(v, allowed, context, mode=mode)  # type: ignore[arg-type]
    proof.verify(PUB, c, allowed, context)
    assert PRIV.decrypt(c) == v
    others = [x for x in range(-3, 4) if x not in values]
    with pytest.raises(errors.ProofError):
        proof.verify(
            PUB, c, sorted({*allowed[:-1], others[0]}) if len(allowed) > 1 else [others[0]], context
        )


def _reference_check(
    pub: PaillierPublicKey, c: int, proof: MembershipProof, allowed: list[int], ctx: bytes
) -> bool:
    """Independent check in plain ints: every branch equation one by one and
    the challenge sum (recomputing the transcript from docs/paillier.md)."""
    import hashlib
    import struct

    n, n2 = int(pub.n), int(pub.nsquare)

    def u(x: int) -> bytes:
        return x.to_bytes((x.bit_length() + 7) // 8, "big")

    def s(x: int) -> bytes:
        return (b"\x01" if x < 0 else b"\x00") + u(abs(x))

    def f(*items: bytes) -> bytes:
        return b"".join(struct.pack(">I", len(i)) + i for i in items)

    vals = sorted(allowed)
    hs = int(pub.hs or 0)
    t = (
        b"n3crypto/paillier/membership/v1\x00"
        + f(proof.mode.encode(), u(n), u(hs), u(128), u(128), u(c), u(len(vals)))
        + f(*(s(v) for v in vals))
        + f(ctx)
        + f(*(u(a) for a in proof.commitments))
    )
    e_total = int.from_bytes(hashlib.sha512(t).digest()[:16], "big")
    if sum(proof.challenges) % 2**128 != e_total:
        return False
    for a, e, z, v in zip(proof.commitments, proof.challenges, proof.responses, vals, strict=True):
        cj = c * pow(1 + n, -v, n2) % n2
        lhs = pow(hs, z, n2) if proof.mode == "fast" else pow(z, n, n2)
        if lhs != a * pow(cj, e, n2) % n2:
            return False
    return True


@pytest.mark.parametrize("mode", MODES)
def test_batch_verifier_agrees_with_reference(mode: str) -> None:
    for v in (ALLOWED[0], ALLOWED[4]):
        c, proof = PUB.encrypt_with_proof(v, ALLOWED, CTX, mode=mode)  # type: ignore[arg-type]
        assert _reference_check(PUB, c.ciphertext(), proof, ALLOWED, CTX)
        # A commitment off by -1 (an element of order 2) fails both checks.
        n2 = int(PUB.nsquare)
        bad = dataclasses.replace(
            proof, commitments=(n2 - proof.commitments[0], *proof.commitments[1:])
        )
        assert not _reference_check(PUB, c.ciphertext(), bad, ALLOWED, CTX)
        with pytest.raises(errors.ProofError):
            bad.verify(PUB, c, ALLOWED, CTX)
        # The group equation alone (past the hash): odd random weights keep a
        # factor -1 visible every time, not with probability 1/2.
        from n3crypto.paillier.proofs import _batch_equation

        item = (c.ciphertext(), bad, tuple(ALLOWED))
        good = (c.ciphertext(), proof, tuple(ALLOWED))
        assert all(not _batch_equation(PUB, [good, item]) for _ in range(8))
        assert _batch_equation(PUB, [good, good])
