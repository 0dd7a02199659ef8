"""Rating rounds: ballots, aggregation, rejections, persistence, tally."""

from __future__ import annotations

import dataclasses
import json
import pathlib
import random
from fractions import Fraction

import pytest

from n3crypto import errors
from n3crypto.paillier import PaillierPrivateKey, generate_keypair
from n3crypto.paillier import keys as keys_mod
from n3crypto.paillier import proofs as proofs_mod
from n3crypto.paillier.ratings import (
    Aggregator,
    AllowAll,
    AllowList,
    BallotRejected,
    KeyDecryptor,
    RatingBallot,
    RatingRound,
    TransferTokens,
)

VECTORS = pathlib.Path(__file__).parent / "vectors"
PRIV = PaillierPrivateKey.from_json(
    (VECTORS / "paillier_512_INSECURE_test_key.json").read_text(), allow_insecure_size=True
)
PUB = PRIV.public_key
RELAYS = [f"relay-{i:02d}" for i in range(20)]


def test_round_parameters() -> None:
    rnd = RatingRound(PUB, RELAYS, 5, "round-1", 1000)
    assert rnd.M == 1001 and rnd.mode == "fast"
    assert rnd.allowed == (0, 1, 1002, 2003, 3004, 4005, 5006)
    back = RatingRound.from_bytes(rnd.to_bytes(), allow_insecure_size=True)
    assert back.digest == rnd.digest and back.relays == rnd.relays
    assert RatingRound.from_json(rnd.to_json(), allow_insecure_size=True).digest == rnd.digest
    bad = json.loads(rnd.to_json())
    bad["scale"] = "5"
    with pytest.raises(errors.InvalidEncoding):
        RatingRound.from_json(json.dumps(bad), allow_insecure_size=True)
    assert RatingRound(PUB, RELAYS, 5, "round-1", 1000, mode="standard").digest != rnd.digest
    with pytest.raises(errors.N3ValueError, match="distinct"):
        RatingRound(PUB, ["a", "a"], 5, "r", 10)
    with pytest.raises(errors.N3ValueError):
        RatingRound(PUB, RELAYS, 0, "r", 10)
    with pytest.raises(errors.N3ValueError):
        RatingRound(PUB, RELAYS, 1000, "r", 2**41)
    with pytest.raises(errors.N3TypeError):
        RatingRound(PUB, "relays", 5, "r", 10)
    with pytest.raises(errors.N3ValueError):
        rnd.cast({"relay-99": 3}, "alice")
    with pytest.raises(errors.N3ValueError):
        rnd.cast({"relay-00": 6}, "alice")


def test_thousand_raters_twenty_relays_exact() -> None:
    """1,000 raters × 20 relays: exact per-relay counts, totals and averages."""
    rnd = RatingRound(PUB, RELAYS, 5, "round-1000", 1000)
    rng = random.Random(2026)
    agg = Aggregator(rnd, AllowAll())
    truth: dict[str, list[int]] = {r: [] for r in RELAYS}
    batch = []
    for k in range(1000):
        used = rng.sample(RELAYS, rng.randint(1, 4))
        ratings = {r: rng.randint(0, 5) for r in used}
        for r, v in ratings.items():
            truth[r].append(v)
        batch.append(rnd.cast(ratings, f"rater-{k:04d}"))
        if len(batch) == 100:
            assert agg.submit_many(batch) == [None] * 100
            batch = []
    assert agg.accepted == 1000
    result = agg.tally(KeyDecryptor(PRIV))
    result.verify(rnd, agg.sums)
    for t in result.relays:
        want = truth[t.relay]
        assert t.count == len(want) and t.total == sum(want)
        assert t.average == (Fraction(sum(want), len(want)) if want else None)
    assert json.loads(result.to_json())["ballots"] == 1000


def test_ballot_does_not_depend_on_which_relays_were_used(monkeypatch: pytest.MonkeyPatch) -> None:
    rnd = RatingRound(PUB, RELAYS[:5], 5, "shape", 10)

    def cast_with_stream(ratings: dict[str, int]) -> RatingBallot:
        stream = random.Random(99)
        fake = lambda bits: stream.getrandbits(bits) if bits > 0 else 0  # noqa: E731
        monkeypatch.setattr(keys_mod, "random_bits", fake)
        monkeypatch.setattr(proofs_mod, "random_bits", fake)
        return rnd.cast(ratings, "rater-x")

    a = cast_with_stream({"relay-00": 5})
    b = cast_with_stream({"relay-03": 1, "relay-04": 2})
    monkeypatch.undo()
    assert len(a.to_bytes()) == len(b.to_bytes())
    assert [len(p.commitments) for _, p in a.entries] == [7] * 5
    n2 = PUB.nsquare
    va = [rnd.value_for(r) for r in (5, None, None, None, None)]
    vb = [rnd.value_for(r) for r in (None, None, None, 1, 2)]
    for (ca, _), (cb, _), x, y in zip(a.entries, b.entries, va, vb, strict=True):
        # Same randomness whatever the plaintext: c / (1+n)^v is the same obfuscator.
        assert ca * PUB.raw_gm(-x) % n2 == cb * PUB.raw_gm(-y) % n2
    agg = Aggregator(rnd, AllowAll())
    agg.submit(RatingBallot.from_bytes(a.to_bytes()))


def _rejection(agg: Aggregator, ballot: object) -> str:
    with pytest.raises(BallotRejected) as info:
        agg.submit(ballot)  # type: ignore[arg-type]
    return info.value.reason


def test_rejections_with_reasons() -> None:
    rnd = RatingRound(PUB, RELAYS[:4], 5, "rejects", 3)
    agg = Aggregator(rnd, AllowList(["alice", "bob", "carol", "dave"]))
    alice = rnd.cast({"relay-00": 4}, "alice")
    agg.submit(alice)
    assert _rejection(agg, alice) == "duplicate-rater"
    assert _rejection(agg, rnd.cast({}, "eve")) == "ineligible"
    other = RatingRound(PUB, RELAYS[:4], 5, "another", 3)
    assert _rejection(agg, other.cast({}, "bob")) == "wrong-round"
    bob = rnd.cast({"relay-01": 2}, "bob")
    assert _rejection(agg, dataclasses.replace(bob, entries=bob.entries[:3])) == "malformed"
    assert _rejection(agg, "not a ballot") == "malformed"
    stolen = dataclasses.replace(alice, rater_id="bob")
    assert _rejection(agg, stolen) == "replayed-ciphertext"
    c0, p0 = bob.entries[0]
    bumped = c0 * PUB.raw_gm(rnd.M) % PUB.nsquare
    tampered = dataclasses.replace(bob, entries=((int(bumped), p0), *bob.entries[1:]))
    assert _rejection(agg, tampered) == "invalid-proof"
    swapped = dataclasses.replace(bob, entries=(bob.entries[1], bob.entries[0], *bob.entries[2:]))
    assert _rejection(agg, swapped) == "invalid-proof"  # proofs are bound to their relay
    nonunit = dataclasses.replace(bob, entries=((int(PRIV.p), p0), *bob.entries[1:]))
    assert _rejection(agg, nonunit) == "malformed"
    std = RatingRound(PUB, RELAYS[:4], 5, "rejects", 3, mode="standard")
    assert _rejection(Aggregator(std, AllowAll()), bob) == "wrong-round"
    agg.submit(bob)
    agg.submit(rnd.cast({}, "carol"))
    assert _rejection(agg, rnd.cast({}, "dave")) == "round-full"
    assert ("eve", "ineligible") in agg.rejections
    result = agg.tally(KeyDecryptor(PRIV))
    assert [(t.count, t.total) for t in result.relays] == [(1, 4), (1, 2), (0, 0), (0, 0)]


def test_submit_many_reports_each_ballot() -> None:
    rnd = RatingRound(PUB, RELAYS[:3], 5, "many", 10)
    agg = Aggregator(rnd, AllowAll())
    good = [rnd.cast({"relay-00": k % 6}, f"r{k}") for k in range(5)]
    c0, p0 = good[3].entries[0]
    bad = dataclasses.replace(
        good[3], entries=((int(c0 * PUB.raw_gm(1) % PUB.nsquare), p0), *good[3].entries[1:])
    )
    copy = dataclasses.replace(good[0], rater_id="copycat")
    res = agg.submit_many([good[0], good[1], good[1], bad, good[4], copy])
    assert [r.reason if r else None for r in res] == [
        None,
        None,
        "duplicate-rater",
        "invalid-proof",
        None,
        "replayed-ciphertext",
    ]
    assert agg.accepted == 3


def test_transfer_tokens() -> None:
    rnd = RatingRound(PUB, RELAYS[:2], 5, "tokens", 5)
    issuer = TransferTokens(b"k" * 32)
    agg = Aggregator(rnd, TransferTokens(b"k" * 32))
    token = issuer.issue(rnd, "alice", b"transfer-1")
    agg.submit(rnd.cast({"relay-00": 3}, "alice", token))
    assert _rejection(agg, rnd.cast({}, "bob", token)) == "ineligible"  # alice's token
    forged = TransferTokens(b"x" * 32).issue(rnd, "bob", b"transfer-2")
    assert _rejection(agg, rnd.cast({}, "bob", forged)) == "ineligible"
    assert _rejection(agg, rnd.cast({}, "bob", b"")) == "ineligible"
    assert "k" * 8 not in repr(issuer)
    with pytest.raises(errors.N3ValueError):
        TransferTokens(b"short")


def test_save_and_resume(tmp_path: pathlib.Path) -> None:
    rnd = RatingRound(PUB, RELAYS[:3], 5, "resume", 10)
    ballots = [rnd.cast({"relay-01": k % 6, "relay-02": 5}, f"r{k}") for k in range(6)]
    full = Aggregator(rnd, AllowAll())
    for b in ballots:
        full.submit(b)
    part = Aggregator(rnd, AllowAll())
    for b in ballots[:3]:
        part.submit(b)
    with pytest.raises(BallotRejected):
        part.submit(ballots[0])
    path = tmp_path / "state.bin"
    part.save(path)
    resumed = Aggregator.load(rnd, AllowAll(), path)
    assert resumed.accepted == 3 and resumed.rejections == part.rejections
    assert _rejection(resumed, ballots[1]) == "duplicate-rater"  # remembered
    for b in ballots[3:]:
        resumed.submit(b)
    a = full.tally(KeyDecryptor(PRIV))
    b = resumed.tally(KeyDecryptor(PRIV))
    assert [(t.count, t.total) for t in a.relays] == [(t.count, t.total) for t in b.relays]
    other = RatingRound(PUB, RELAYS[:3], 5, "other", 10)
    with pytest.raises(errors.InvalidEncoding, match="another round"):
        Aggregator.load(other, AllowAll(), path)
    blob = path.read_bytes()
    with pytest.raises(errors.InvalidEncoding):
        Aggregator.from_bytes(rnd, AllowAll(), blob[:-5])


def test_tally_verification_catches_lies() -> None:
    rnd = RatingRound(PUB, RELAYS[:2], 5, "verify", 4)
    agg = Aggregator(rnd, AllowAll())
    agg.submit(rnd.cast({"relay-00": 5}, "a"))
    agg.submit(rnd.cast({"relay-00": 1, "relay-01": 3}, "b"))
    result = agg.tally(KeyDecryptor(PRIV))
    result.verify(rnd, agg.sums)
    t0 = result.relays[0]
    lie = dataclasses.replace(t0, total=t0.total + 1, sum=t0.sum + rnd.M)
    with pytest.raises(errors.ProofError):
        dataclasses.replace(result, relays=(lie, result.relays[1])).verify(rnd, agg.sums)
    with pytest.raises(errors.ProofError):
        result.verify(rnd, list(reversed(agg.sums)))
    _pub2, priv2 = generate_keypair(512, allow_insecure_size=True)
    with pytest.raises(errors.InvalidKey):
        agg.tally(KeyDecryptor(priv2))


def test_ballot_wire_formats() -> None:
    rnd = RatingRound(PUB, RELAYS[:3], 5, "wire", 5, mode="standard")
    ballot = rnd.cast({"relay-02": 1}, "alice", b"cred")
    for back in (
        RatingBallot.from_bytes(ballot.to_bytes()),
        RatingBallot.from_json(ballot.to_json()),
    ):
        assert back == ballot
    agg = Aggregator(rnd, AllowAll())
    agg.submit(RatingBallot.from_json(ballot.to_json()))
    obj = json.loads(ballot.to_json())
    obj["entries"][0]["ciphertext"] = 5
    with pytest.raises(errors.InvalidEncoding):
        RatingBallot.from_json(json.dumps(obj))
    with pytest.raises(errors.InvalidEncoding):
        RatingBallot.from_json('{"kind": "paillier-rating-ballot", "version": 1}')
    with pytest.raises(errors.InvalidEncoding):
        RatingBallot.from_bytes(ballot.to_bytes()[:-1])


def test_mutated_wire_data_raises_only_n3_errors() -> None:
    """Random corruption of every wire format: parsing either succeeds or
    raises an n3crypto error — never IndexError, UnicodeDecodeError, …"""
    from n3crypto.paillier import DecryptionProof, EncryptedNumber, MembershipProof
    from n3crypto.paillier import PaillierPublicKey as Pub
    from n3crypto.paillier.ratings import TallyResult

    rnd = RatingRound(PUB, ["a", "b"], 5, "fuzz", 10)
    ballot = rnd.cast({"a": 3}, "r1")
    agg = Aggregator(rnd, AllowAll())
    agg.submit(ballot)
    c, proof = PUB.encrypt_with_proof(1, [0, 1, 2], b"x")
    _, dproof = PRIV.decrypt_with_proof(c)
    tally = agg.tally(KeyDecryptor(PRIV))
    blobs = [
        (PUB.to_bytes(), lambda b: Pub.from_bytes(b, allow_insecure_size=True)),
        (PRIV.to_bytes(), lambda b: PaillierPrivateKey.from_bytes(b, allow_insecure_size=True)),
        (c.to_bytes(), lambda b: EncryptedNumber.from_bytes(PUB, b)),
        (proof.to_bytes(128), MembershipProof.from_bytes),
        (dproof.to_bytes(), DecryptionProof.from_bytes),
        (ballot.to_bytes(), RatingBallot.from_bytes),
        (rnd.to_bytes(), lambda b: RatingRound.from_bytes(b, allow_insecure_size=True)),
        (agg.to_bytes(), lambda b: Aggregator.from_bytes(rnd, AllowAll(), b)),
    ]
    rng = random.Random(7)
    for blob, parse in blobs:
        for _ in range(120):
            b = bytearray(blob)
            op = rng.randrange(3)
            if op == 0:
                for _ in range(rng.randint(1, 4)):
                    b[rng.randrange(len(b))] = rng.randrange(256)
            elif op == 1:
                del b[rng.randrange(len(b)) :]
            else:
                pos = rng.randrange(len(b))
                b[pos:pos] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
            try:
                parse(bytes(b))
            except errors.N3CryptoError:
                pass
    texts = [
        (ballot.to_json(), RatingBallot.from_json),
        (rnd.to_json(), lambda t: RatingRound.from_json(t, allow_insecure_size=True)),
        (tally.to_json(), TallyResult.from_json),
        (proof.to_json(), MembershipProof.from_json),
    ]
    junk = [None, 1, -1, "x", "-0", "00", [], {}, True, 1.5, "9" * 30]
    for text, parse in texts:
        for _ in range(120):
            obj = json.loads(text)
            node = obj
            while isinstance(node, dict | list) and node:
                key = rng.choice(list(node)) if isinstance(node, dict) else rng.randrange(len(node))
                if rng.random() < 0.4 or not isinstance(node[key], dict | list) or not node[key]:
                    node[key] = rng.choice(junk)
                    break
                node = node[key]
            try:
                parse(json.dumps(obj))
            except errors.N3CryptoError:
                pass
