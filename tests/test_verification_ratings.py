"""Ratings, the persisted round book and the reputation board."""

from __future__ import annotations

import random

import pytest

from n3crypto import errors
from n3crypto.paillier import generate_keypair
from n3crypto.paillier.ratings import BallotRejected, KeyDecryptor, RatingRound, TransferTokens
from n3crypto.verification import BlameLedger
from n3crypto.verification.ratings import Rater, ReputationBoard, RoundBook, relay_volumes

RELAYS = [f"r{i}" for i in range(6)]


@pytest.fixture(scope="module")
def keypair():
    return generate_keypair(512, allow_insecure_size=True, safe_primes=False)


def _ledger_with_bad(bad: str, seed: int) -> BlameLedger:
    rng = random.Random(seed)
    led = BlameLedger()
    for t in range(60):
        paths = [rng.sample(RELAYS, 2) for _ in range(4)]
        led.record(f"t{t}", paths, [i for i, p in enumerate(paths) if bad in p], f"x{t % 4}")
    return led


def test_ballot_covers_every_relay_and_hides_usage(keypair) -> None:
    pub, _ = keypair
    rnd = RatingRound(pub, RELAYS, scale=1, round_id="r1", n_raters=5)
    tokens = TransferTokens(b"k" * 32)
    rater = Rater("alice", _ledger_with_bad("r2", 1))
    rater.note(["r0", "r2"], tokens.issue(rnd, "alice", b"t1"))
    assert rater.ratings(rnd) == {"r0": 1, "r2": 0}
    ballot = rater.ballot(rnd)
    # the aggregator sees one ciphertext per relay, used or not
    assert len(ballot.entries) == len(RELAYS)
    assert len({len(str(c)) // 10 for c, _ in ballot.entries}) <= 2
    with pytest.raises(errors.N3ValueError):
        rater.ballot(rnd)  # its token is spent


def test_round_book_survives_restart_and_tallies(tmp_path, keypair) -> None:
    pub, priv = keypair
    rnd = RatingRound(pub, RELAYS, scale=1, round_id="r2", n_raters=8)
    tokens = TransferTokens(b"t" * 32)
    path = tmp_path / "round.sqlite"
    book = RoundBook(path, rnd, tokens)
    for i in range(3):
        r = Rater(f"u{i}", _ledger_with_bad("r3", i))
        r.note(["r3", "r1"], tokens.issue(rnd, f"u{i}", b"tid%d" % i))
        book.submit(r.ballot(rnd))
    book.close()  # the process dies mid-round
    book = RoundBook(path, rnd, tokens)
    assert book.accepted == 3 and book.ballots() == ["u0", "u1", "u2"]
    r = Rater("u0", _ledger_with_bad("r3", 9))
    r.note(["r1"], tokens.issue(rnd, "u0", b"again"))
    with pytest.raises(BallotRejected, match="duplicate"):
        book.submit(r.ballot(rnd))
    sybil = Rater("sybil", BlameLedger())
    sybil.note(["r1"], b"\x04fake" + bytes(32))
    with pytest.raises(BallotRejected, match="ineligible"):
        book.submit(sybil.ballot(rnd))
    r = Rater("u3", BlameLedger())
    r.note(["r1", "r3"], tokens.issue(rnd, "u3", b"t3"))
    book.submit(r.ballot(rnd))
    result = book.tally(KeyDecryptor(priv))
    by = {t.relay: (t.count, t.total) for t in result.relays}
    assert by["r3"] == (4, 1) and by["r1"] == (4, 4) and by["r0"] == (0, 0)
    result.verify(rnd, book.aggregator.sums)
    assert book.tally(KeyDecryptor(priv)).to_json() == result.to_json()


def test_board_blacklists_on_pooled_blame_and_persists(tmp_path, keypair) -> None:
    pub, priv = keypair
    tokens = TransferTokens(b"b" * 32)
    path = tmp_path / "board.sqlite"
    board = ReputationBoard(path)
    fresh: list[str] = []
    for rnd_no in range(3):
        rnd = RatingRound(pub, RELAYS, scale=1, round_id=f"round-{rnd_no}", n_raters=8)
        book = RoundBook(None, rnd, tokens)
        for i in range(6):
            r = Rater(f"u{i}", _ledger_with_bad("r5", i))
            r.note(RELAYS, tokens.issue(rnd, f"u{i}", b"x"))
            book.submit(r.ballot(rnd))
        fresh += board.apply_tally(rnd, book.tally(KeyDecryptor(priv)))
        assert board.apply_tally(rnd, book.tally(KeyDecryptor(priv))) == []  # once
    assert fresh == ["r5"]
    assert board.blacklisted() == ["r5"]
    assert board.reputation.delta("r5") < 0 and board.reputation.delta("r0") == 0
    for rid in RELAYS:
        board.record_contribution(1, rid, 24, 100, 1)
    pay = board.close_epoch(1, 1000)
    assert pay["r5"] == 0 and sum(pay.values()) == 1000
    hist = board.history()
    board.close()
    again = ReputationBoard(path)
    assert again.blacklisted() == ["r5"] and again.history() == hist
    assert again.rounds() == 3
    assert relay_volumes([["a", "b"], ["b"]], 10) == {"a": 10, "b": 20}


def test_rater_notes_survive_restart(tmp_path, keypair) -> None:
    pub, _ = keypair
    rnd = RatingRound(pub, RELAYS, scale=1, round_id="r9", n_raters=2)
    tokens = TransferTokens(b"r" * 32)
    led = _ledger_with_bad("r4", 3)
    r = Rater("alice", led, path=tmp_path / "rater.sqlite")
    r.note(["r0", "r4"], tokens.issue(rnd, "alice", b"t1"))
    r.note(["r1"])
    r.close()  # the sender restarts mid-round
    r = Rater("alice", led, path=tmp_path / "rater.sqlite")
    assert r.eligible and r.used == {"r0", "r1", "r4"}
    assert r.ratings(rnd) == {"r0": 1, "r1": 1, "r4": 0}
    book = RoundBook(None, rnd, tokens)
    book.submit(r.ballot(rnd))
    r.close()
    r = Rater("alice", led, path=tmp_path / "rater.sqlite")
    assert not r.eligible and r.used == set()
