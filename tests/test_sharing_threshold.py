"""Threshold Paillier: dealing, partial decryptions with proofs, combining,
cheaters named, key-rebuild mode, rating-round Decryptor, member processes."""

from __future__ import annotations

import pathlib
import pickle
import random
import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.paillier import PaillierPrivateKey
from n3crypto.paillier.ratings import Aggregator, AllowList, KeyDecryptor, RatingRound
from n3crypto.sharing import (
    CheatingMembers,
    Committee,
    KeyRebuildWarning,
    KeyShare,
    PartialDecryption,
    ThresholdDecryptor,
    ThresholdPaillier,
    VerificationKeys,
    combine_partials,
    rebuild_private_key,
    verify_partial,
)
from n3crypto.sharing.committee import _tamper, make_request, parse_response

VECTORS = pathlib.Path(__file__).parent / "vectors"


def _key(bits: int) -> PaillierPrivateKey:
    text = (VECTORS / f"paillier_{bits}_INSECURE_test_key.json").read_text()
    return PaillierPrivateKey.from_json(text, allow_insecure_size=True)


PRIV = _key(512)
PUB, SHARES, VER = ThresholdPaillier.deal_from_key(PRIV, members=5, threshold=3)


def test_deal_shapes() -> None:
    assert PUB == PRIV.public_key
    assert [s.member for s in SHARES] == [1, 2, 3, 4, 5]
    assert VER.threshold == 3 and VER.members == 5 and VER.delta == 120
    for s in SHARES:
        s.check()
    assert "KeyShare member=1" in repr(SHARES[0])


@settings(max_examples=15)
@given(st.integers(0, 2**200), st.data())
def test_threshold_equals_ordinary_decryption(m: int, data: st.DataObject) -> None:
    c = PUB.encrypt(m)
    subset = data.draw(st.permutations(SHARES))[:3]
    ctx = data.draw(st.binary(max_size=8))
    got = combine_partials(PUB, VER, c, [s.partial_decrypt(c, ctx) for s in subset], ctx)
    assert got == m == PRIV.decrypt(c)
    assert got.invalid_members == ()
    again = pickle.loads(pickle.dumps(got))
    assert again == m and again.used_members == got.used_members
    assert sorted(got.used_members) == sorted(s.member for s in subset)


def test_raw_int_ciphertext_and_negative_values() -> None:
    c = PUB.encrypt(-77)
    parts = [s.partial_decrypt(c) for s in SHARES[:3]]
    assert combine_partials(PUB, VER, c, parts) == -77
    raw = c.ciphertext(be_secure=False)
    assert (
        combine_partials(PUB, VER, raw, [s.partial_decrypt(raw) for s in SHARES[2:]])
        == int(PUB.n) - 77
    )


def test_homomorphic_sum_decrypts() -> None:
    vals = [random.Random(i).randrange(10**6) for i in range(20)]
    total = PUB.sum(PUB.encrypt(v) for v in vals)
    assert combine_partials(
        PUB, VER, total, [s.partial_decrypt(total) for s in SHARES[1:4]]
    ) == sum(vals)


def test_other_dealings_of_same_key_do_not_mix() -> None:
    _, shares2, ver2 = ThresholdPaillier.deal_from_key(PRIV, 5, 3)
    c = PUB.encrypt(5)
    mixed = [
        SHARES[0].partial_decrypt(c),
        shares2[1].partial_decrypt(c),
        shares2[2].partial_decrypt(c),
    ]
    with pytest.raises(CheatingMembers):
        combine_partials(PUB, VER, c, mixed)
    assert combine_partials(PUB, ver2, c, [*mixed[1:], shares2[4].partial_decrypt(c)]) == 5


@pytest.mark.parametrize("fault", ["bad-partial", "bad-proof", "wrong-ciphertext", "wrong-context"])
def test_cheater_caught_and_named(fault: str) -> None:
    c = PUB.encrypt(31337)
    parts = [s.partial_decrypt(c, b"round-1") for s in SHARES]
    honest = parts[1]
    a, b, z = honest.proof
    if fault == "bad-partial":
        bad = PartialDecryption(2, honest.value * 4 % PUB.nsquare, honest.proof)
    elif fault == "bad-proof":
        bad = PartialDecryption(2, honest.value, (a, b, z + 1))
    elif fault == "wrong-ciphertext":
        bad = SHARES[1].partial_decrypt(PUB.encrypt(1), b"round-1")
    else:
        bad = SHARES[1].partial_decrypt(c, b"round-2")
    parts[1] = bad
    with pytest.raises(errors.ProofError):
        bad.verify(VER, c, b"round-1")
    got = combine_partials(PUB, VER, c, parts, b"round-1")
    assert got == 31337 and got.invalid_members == (2,)
    assert 2 not in got.used_members
    # with only t partials including the cheater: an exception naming it
    with pytest.raises(CheatingMembers) as info:
        combine_partials(PUB, VER, c, parts[:3], b"round-1")
    assert info.value.invalid_members == (2,)
    assert isinstance(info.value, errors.InsufficientShares)


def test_two_cheaters_and_duplicates() -> None:
    c = PUB.encrypt(8)
    parts = [s.partial_decrypt(c) for s in SHARES]
    parts[0] = PartialDecryption(1, parts[0].value, (parts[0].proof[0], parts[0].proof[1], 0))
    parts[4] = PartialDecryption(5, 1, parts[4].proof)
    got = combine_partials(PUB, VER, c, parts)
    assert got == 8 and got.invalid_members == (1, 5)
    # a member sending two different partials is named; an exact repeat is ignored
    honest = [s.partial_decrypt(c) for s in SHARES]
    again = SHARES[2].partial_decrypt(c)
    got = combine_partials(PUB, VER, c, [*honest, honest[1], again])
    assert got == 8 and got.invalid_members == (3,)
    with pytest.raises(CheatingMembers):
        combine_partials(PUB, VER, c, [parts[1], parts[2]])
    with pytest.raises(errors.N3ValueError):
        combine_partials(PUB, VER, c, [PartialDecryption(9, 1, (1, 1, 1))])


def test_partial_serialization_and_verify_function() -> None:
    c = PUB.encrypt(3)
    p = SHARES[0].partial_decrypt(c, b"x", witness=True)
    q = PartialDecryption.from_bytes(bytes(p))
    assert q == p and q.witness is not None
    verify_partial(VER, c, q, b"x")
    with pytest.raises(errors.InvalidEncoding):
        PartialDecryption.from_bytes(bytes(p)[:-2])
    assert repr(p) == "<PartialDecryption member=1 +witness>"


def test_key_share_and_verification_serialization() -> None:
    blob = SHARES[3].to_bytes()
    with pytest.raises(errors.InvalidKey):
        KeyShare.from_bytes(blob)  # 512-bit key refused without the flag
    ks = KeyShare.from_bytes(blob, allow_insecure_size=True)
    assert ks.member == 4 and ks.verification == VER
    ks.check()
    ver = VerificationKeys.from_bytes(bytes(VER), allow_insecure_size=True)
    assert ver == VER and ver.public_key.same_modulus(PUB)
    with pytest.raises(errors.N3TypeError):
        pickle.dumps(SHARES[0])
    with pytest.raises(errors.InvalidEncoding):
        VerificationKeys.from_bytes(bytes(VER)[:-3], allow_insecure_size=True)


def test_sealed_key_share_round_trip_and_tampering() -> None:
    from n3crypto import envelope

    blob = SHARES[2].seal(b"member three", scrypt_n=2**10)
    s_bytes = int(SHARES[2]._s).to_bytes((int(SHARES[2]._s).bit_length() + 7) // 8, "big")
    assert SHARES[2].to_bytes() not in blob and s_bytes not in blob
    ks = KeyShare.unseal(blob, b"member three", allow_insecure_size=True)
    assert ks.member == 3 and ks.verification == VER
    assert int(ks._s) == int(SHARES[2]._s) and int(ks._k) == int(SHARES[2]._k)
    ks.check()
    with pytest.raises(errors.InvalidKey):
        KeyShare.unseal(blob, b"member three")  # 512-bit key refused without the flag
    with pytest.raises(errors.IntegrityError):
        KeyShare.unseal(blob, b"member 3", allow_insecure_size=True)
    # Any flipped byte: refused (integrity, or a header/KDF check before it).
    for i in range(0, len(blob), max(1, len(blob) // 60)):
        bad = bytearray(blob)
        bad[i] ^= 0x40
        with pytest.raises((errors.IntegrityError, errors.InvalidEncoding, errors.N3ValueError)):
            KeyShare.unseal(bytes(bad), b"member three", allow_insecure_size=True)
    # Not interchangeable with a sealed Paillier private key, and vice versa.
    assert envelope.peek_kind(blob) == "threshold-paillier-key-share-sealed"
    from n3crypto.paillier.serialize import decrypt_private_key, encrypt_private_key

    with pytest.raises(errors.InvalidEncoding):
        decrypt_private_key(blob, b"member three", allow_insecure_size=True)
    with pytest.raises(errors.InvalidEncoding):
        KeyShare.unseal(encrypt_private_key(PRIV, b"pw", scrypt_n=2**10), b"pw")
    with pytest.raises(errors.N3ValueError):
        SHARES[2].seal(b"pw", scrypt_n=2**20)  # above the accepted cost
    with pytest.raises(errors.N3TypeError):
        SHARES[2].seal("a str passphrase", scrypt_n=2**10)  # type: ignore[arg-type]


def test_forged_key_share_detected() -> None:
    forged = KeyShare(VER, 2, int(SHARES[1]._s) + 1, int(SHARES[1]._k))
    with pytest.raises(errors.ProofError):
        forged.check()
    c = PUB.encrypt(4)
    with pytest.raises(errors.ProofError):
        forged.partial_decrypt(c).verify(VER, c)


def test_key_rebuild_mode_warns_and_decrypts() -> None:
    c = PUB.encrypt(2024)
    with pytest.warns(KeyRebuildWarning):
        priv = rebuild_private_key([SHARES[4], SHARES[0], SHARES[2]])
    assert priv == PRIV and priv.decrypt(c) == 2024
    forged = KeyShare(VER, 2, int(SHARES[1]._s) ^ 1, int(SHARES[1]._k))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", KeyRebuildWarning)
        assert rebuild_private_key([forged, *SHARES[2:5]]) == PRIV
    with pytest.raises(CheatingMembers) as info:
        rebuild_private_key([forged, *SHARES[3:5]])
    assert info.value.invalid_members == (2,)
    with pytest.raises(errors.N3ValueError):
        rebuild_private_key([SHARES[0], SHARES[0], SHARES[1]])


def test_bad_dealing_parameters() -> None:
    with pytest.raises(errors.N3ValueError):
        ThresholdPaillier.deal_from_key(PRIV, 3, 4)
    with pytest.raises(errors.N3ValueError):
        ThresholdPaillier.deal_from_key(PRIV, 3, 0)
    with pytest.raises(errors.InvalidKey):
        ThresholdPaillier.deal(1024, 3, 2)
    import gmpy2  # type: ignore[import-untyped]

    p = int(gmpy2.next_prime(3 << 254))
    q = int(gmpy2.next_prime(p))
    with pytest.raises(errors.InvalidKey, match="safe primes"):
        ThresholdPaillier.deal_from_primes(p, q, 3, 2, allow_insecure_size=True)


def test_fresh_deal_small_key() -> None:
    pub, shares, ver = ThresholdPaillier.deal(512, 4, 2, allow_insecure_size=True)
    c = pub.encrypt(99)
    assert combine_partials(pub, ver, c, [s.partial_decrypt(c) for s in shares[2:]]) == 99


def test_threshold_one_of_one() -> None:
    pub, shares, ver = ThresholdPaillier.deal_from_key(PRIV, 1, 1)
    c = pub.encrypt(6)
    assert combine_partials(pub, ver, c, [shares[0].partial_decrypt(c)]) == 6


# ------------------------------------------------------------------ rating rounds


def _round_with_ballots(rng: random.Random) -> tuple[RatingRound, Aggregator, dict[str, list[int]]]:
    relays = ["r1", "r2", "r3"]
    raters = [f"u{i}" for i in range(5)]
    rnd = RatingRound(PUB, relays, scale=5, round_id=b"thr-test", n_raters=len(raters))
    agg = Aggregator(rnd, AllowList(raters))
    truth: dict[str, list[int]] = {r: [] for r in relays}
    for rater in raters:
        ratings = {r: rng.randint(0, 5) for r in rng.sample(relays, 2)}
        for r, v in ratings.items():
            truth[r].append(v)
        agg.submit(rnd.cast(ratings, rater, b""))
    return rnd, agg, truth


def test_threshold_decryptor_tally_matches_key_decryptor() -> None:
    rnd, agg, truth = _round_with_ballots(random.Random(7))
    dec = ThresholdDecryptor(VER, SHARES[1:4])
    result = agg.tally(dec)
    result.verify(rnd, agg.sums)
    ref = agg.tally(KeyDecryptor(PRIV))
    assert [(t.count, t.total) for t in result.relays] == [(t.count, t.total) for t in ref.relays]
    assert [(t.count, t.total) for t in result.relays] == [
        (len(truth[r]), sum(truth[r])) for r in rnd.relays
    ]
    assert dec.invalid_members == ()
    # the published tally verifies after a JSON round trip
    type(result).from_json(result.to_json()).verify(rnd, agg.sums)


class _Faulty:
    def __init__(self, share: KeyShare, fault: str) -> None:
        self.share, self.fault = share, fault

    @property
    def member(self) -> int:
        return self.share.member

    def respond(self, request: bytes) -> bytes:
        return _tamper(self.share.respond(request), self.fault)


@pytest.mark.parametrize("fault", ["bad-partial", "bad-proof", "garbage"])
def test_threshold_decryptor_names_cheater(fault: str) -> None:
    rnd, agg, _ = _round_with_ballots(random.Random(3))
    members = [_Faulty(s, fault) if s.member == 4 else s for s in SHARES]
    dec = ThresholdDecryptor(VER, members, parallel=False)
    agg.tally(dec).verify(rnd, agg.sums)
    assert dec.invalid_members == (4,)
    too_few = ThresholdDecryptor(VER, [members[3], SHARES[0], SHARES[1]])
    with pytest.raises(CheatingMembers) as info:
        agg.tally(too_few)
    assert 4 in info.value.invalid_members and too_few.invalid_members == (4,)


def test_decryptor_error_message_names_every_invalid_member() -> None:
    # An unreadable answer never reaches combine_partials; the error must still
    # name its member in the message, as in invalid_members.
    dec = ThresholdDecryptor(VER, [_Faulty(SHARES[3], "garbage"), SHARES[0], SHARES[1]])
    with pytest.raises(CheatingMembers) as info:
        dec.decrypt_with_proofs([PUB.encrypt(5)], [b""])
    assert info.value.invalid_members == (4,) and dec.invalid_members == (4,)
    assert str(info.value) == (
        "decryption failed: only 2 valid partial decryptions, 3 needed; invalid: [4]"
    )


def test_witness_cheater_named() -> None:
    c = PUB.encrypt(12)
    parts = [s.partial_decrypt(c, b"", witness=True) for s in SHARES]
    w = parts[0].witness
    assert w is not None
    parts[0] = PartialDecryption(1, parts[0].value, parts[0].proof, (w[0] * 4 % PUB.n, *w[1:]))
    from n3crypto.sharing.threshold_paillier import combine_witness

    rho, bad = combine_witness(VER, c, parts, 12)
    assert bad == (1,)
    assert pow(rho, int(PUB.n), int(PUB.nsquare)) == c.ciphertext(False) * pow(
        1 + int(PUB.n), -12, int(PUB.nsquare)
    ) % int(PUB.nsquare)
    with pytest.raises(errors.IntegrityError):
        combine_witness(VER, c, parts, 13)


def test_request_response_messages() -> None:
    c = int(PUB.encrypt(1).ciphertext(False))
    req = make_request(VER, [c], [b"ctx"])
    member, parts = parse_response(SHARES[0].respond(req))
    assert member == 1 and len(parts) == 1 and parts[0].witness is not None
    _, _, ver2 = ThresholdPaillier.deal_from_key(PRIV, 5, 3)
    with pytest.raises(errors.InvalidKey):
        SHARES[0].respond(make_request(ver2, [c], [b"ctx"]))
    with pytest.raises(errors.N3ValueError):
        make_request(VER, [c], [])


def test_decryptor_rejects_bad_construction() -> None:
    with pytest.raises(errors.InsufficientShares):
        ThresholdDecryptor(VER, SHARES[:2])
    with pytest.raises(errors.N3ValueError):
        ThresholdDecryptor(VER, [SHARES[0], SHARES[0], SHARES[1]])


@pytest.mark.slow
def test_committee_processes_exchange_only_bytes() -> None:
    rnd, agg, truth = _round_with_ballots(random.Random(11))
    blobs = [s.to_bytes() for s in SHARES]
    with Committee(
        blobs, faults={2: "bad-proof", 5: "silent"}, allow_insecure_size=True, timeout=5
    ) as com:
        assert [m.member for m in com.members] == [1, 2, 3, 4, 5]
        dec = ThresholdDecryptor(VER, com.members)
        result = agg.tally(dec)
        result.verify(rnd, agg.sums)
        assert dec.invalid_members == (2, 5)
        assert [(t.count, t.total) for t in result.relays] == [
            (len(truth[r]), sum(truth[r])) for r in rnd.relays
        ]


@pytest.mark.slow
def test_2048_bit_threshold_decryption() -> None:
    priv = _key(2048)
    pub, shares, ver = ThresholdPaillier.deal_from_key(priv, 5, 3)
    c = pub.encrypt(123456789)
    parts = [s.partial_decrypt(c) for s in shares]
    parts[0] = PartialDecryption(1, parts[0].value, (parts[0].proof[0], parts[0].proof[1], 7))
    got = combine_partials(pub, ver, c, parts)
    assert got == 123456789 and got.invalid_members == (1,)


def test_json_round_trips() -> None:
    c = PUB.encrypt(3)
    for wit in (False, True):
        p = SHARES[0].partial_decrypt(c, witness=wit)
        q = PartialDecryption.from_json(p.to_json())
        assert q == p
        q.verify(VER, c)
    ver = VerificationKeys.from_json(VER.to_json(), allow_insecure_size=True)
    assert ver == VER
    with pytest.raises(errors.InvalidKey):
        VerificationKeys.from_json(VER.to_json())
    with pytest.raises(errors.InvalidEncoding):
        PartialDecryption.from_json(
            SHARES[0].partial_decrypt(c).to_json().replace('"member":1', '"member":0')
        )
