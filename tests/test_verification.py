"""Verified transfers over the in-process transport (fast)."""

from __future__ import annotations

import asyncio
import random

import pytest

from n3crypto import errors
from n3crypto.verification import (
    Behaviour,
    BlameLedger,
    LocalNetwork,
    LocalTransport,
    Receiver,
    ReceiveSession,
    Recipient,
    Sender,
    TransferFailed,
    decode_ack,
    encode_ack,
    hypergeom_sf,
    parse_fragment,
    seal,
    send_verified,
    spread_paths,
)
from n3crypto.verification.protocol import _HDR
from n3crypto.verification.sim import make_users, simulate


@pytest.fixture(scope="module")
def users() -> dict[str, object]:
    return make_users(["alice", "bob", "carol", "u0", "u1", "u2", "u3", "u4", "u5"])


def _corrupt(frag: bytes, rng: random.Random) -> bytes:
    f = parse_fragment(frag)
    buf = bytearray(frag)
    start = len(buf) - len(f.data)
    pos = rng.randrange(start, len(buf))
    buf[pos] ^= 1 + rng.randrange(255)
    return bytes(buf)


@pytest.mark.parametrize(("k", "m"), [(4, 4), (8, 4), (3, 2)])
def test_intact_iff_f_plus_2e_within_m(users, k: int, m: int) -> None:
    rng = random.Random(k * 100 + m)
    alice, bob = users["alice"], users["bob"]
    data = rng.randbytes(3000)
    n = k + m
    for f in range(m + 2):
        for e in range(m + 2):
            if f + e > n:
                continue
            sealed = seal(alice, bob.public, data, k, m, fragment_bytes=100)
            frags = sealed.fragments()
            order = rng.sample(range(n), n)
            lost, bad = set(order[:f]), set(order[f : f + e])
            s = ReceiveSession(bob)
            for i in range(n):
                if i in lost:
                    continue
                shard = frags[i]
                if i in bad:
                    j = rng.randrange(len(shard))
                    shard = [*shard[:j], _corrupt(shard[j], rng), *shard[j + 1 :]]
                for fr in rng.sample(shard, len(shard)):
                    s.add(fr)
            if f + 2 * e <= m:
                got, report = s.finish()
                assert got == data
                assert report.intact and report.sender == "alice"
                assert set(report.missing) == lost
                assert set(report.corrupted) == bad
                assert report.repairable
            else:
                with pytest.raises(TransferFailed) as info:
                    s.finish()
                assert info.value.report is not None
                assert not info.value.report.intact


def test_shard_moved_between_transfers_is_caught(users) -> None:
    alice, bob = users["alice"], users["bob"]
    a = seal(alice, bob.public, b"A" * 2000, 4, 4)
    b = seal(alice, bob.public, b"B" * 2000, 4, 4)
    fa, fb = a.fragments(), b.fragments()
    # a relay rewrites shard 2 of transfer A to claim it belongs to transfer B
    moved = bytearray(fa[2][0])
    moved[5:21] = b.transfer_id
    s = ReceiveSession(bob)
    for i in range(8):
        s.add(bytes(moved) if i == 2 else fb[i][0])
    data, report = s.finish()
    assert data == b"B" * 2000
    assert report.corrupted == (2,)
    # a fragment left with its own header simply belongs elsewhere
    s2 = ReceiveSession(bob)
    assert s2.add(fb[0][0])
    assert not s2.add(fa[1][0])


def test_same_shard_bytes_wrong_tag_is_corrupt_even_if_code_agrees(users) -> None:
    """The per-transfer tag catches what RS alone cannot: a shard whose data
    is right but whose header was altered (here: the reply block)."""
    alice, bob = users["alice"], users["bob"]
    sealed = seal(alice, bob.public, b"x" * 500, 2, 2)
    frags = sealed.fragments([b"surb0"])
    f0 = bytearray(frags[0][0])
    f0[_HDR.size] ^= 1  # flip a byte of the carried reply block
    s = ReceiveSession(bob)
    s.add(bytes(f0))
    for i in range(1, 4):
        s.add(frags[i][0])
    _, report = s.finish()
    assert report.corrupted == (0,)


def test_wrong_recipient_fails_loudly(users) -> None:
    sealed = seal(users["alice"], users["bob"].public, b"secret", 2, 1)
    s = ReceiveSession(users["carol"])
    for shard in sealed.fragments():
        for f in shard:
            s.add(f)
    with pytest.raises(TransferFailed, match="authentication"):
        s.finish()


def test_ack_roundtrip_and_forged_intact_ack(users) -> None:
    sealed = seal(users["alice"], users["bob"].public, b"hi" * 100, 4, 2)
    s = ReceiveSession(users["bob"])
    for shard in sealed.fragments()[1:]:
        for f in shard:
            s.add(f)
    _, report = s.finish()
    assert s.key == sealed.key
    ack = decode_ack(encode_ack(report, [1, 3], s.key), sealed.key)
    assert ack.intact and ack.missing == (0,) and ack.copies == (1, 3)
    forged = encode_ack(report, [1], b"\x00" * 32)
    with pytest.raises(errors.IntegrityError):
        decode_ack(forged, sealed.key)
    with pytest.raises(errors.PacketError):
        decode_ack(b"junk", sealed.key)


def test_parse_rejects_garbage() -> None:
    with pytest.raises(errors.PacketError):
        parse_fragment(b"N3VS" + bytes(10))
    with pytest.raises(errors.PacketError):
        parse_fragment(b"XXXX" + bytes(100))


def test_bad_parameters(users) -> None:
    with pytest.raises(errors.N3ValueError):
        seal(users["alice"], users["bob"].public, b"x", 0, 1)
    with pytest.raises(errors.N3ValueError):
        seal(users["alice"], users["bob"].public, b"x", 200, 100)
    with pytest.raises(errors.N3TypeError):
        seal(users["alice"], users["bob"].public, "text", 2, 1)  # type: ignore[arg-type]


def test_spread_paths_distinct_and_even() -> None:
    relays = [f"r{i}" for i in range(12)]
    paths = spread_paths(relays, 12, 3, random.Random(5))
    assert all(len(set(p)) == 3 for p in paths)
    counts = {r: sum(r in p for p in paths) for r in relays}
    assert set(counts.values()) == {3}
    disjoint = spread_paths(relays, 4, 3, random.Random(5))
    assert len({r for p in disjoint for r in p}) == 12
    with pytest.raises(errors.UnavailableError):
        spread_paths(relays, 1, 3, random.Random(1), avoid=relays[:10])


def _net(users, behaviours, sphinx=True, seed=1):
    net = LocalNetwork(behaviours, rng=random.Random(seed), sphinx=sphinx, payload=600)
    ta, tb = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    sender = Sender(ta, users["alice"])
    Receiver(ta, users["alice"])
    rx = Receiver(tb, users["bob"])
    Sender(tb, users["bob"])
    return net, sender, rx, Recipient("bob", users["bob"].public)


def test_send_verified_over_local_network(users) -> None:
    relays = {f"r{i}": Behaviour() for i in range(12)}
    relays["r1"] = Behaviour(drop=1.0)
    _, sender, rx, bob = _net(users, relays)
    ledger = BlameLedger()
    data = random.Random(2).randbytes(5000)
    seen: list[object] = []
    out = asyncio.run(
        send_verified(
            data,
            bob,
            8,
            4,
            sender=sender,
            ledger=ledger,
            rng=random.Random(3),
            on_attempt=seen.append,
        )
    )
    assert out.intact and rx.delivered[-1][0] == data and seen == out.attempts
    assert out.receipt is not None
    assert all("r1" in p for p in out.implicated)
    assert out.implicated  # r1 sat on three paths
    assert len(out.attempts[0].paths[0]) == 3
    assert ledger.observations >= 12


def test_retry_then_fail_loudly(users) -> None:
    relays = {f"r{i}": Behaviour(drop=1.0) for i in range(6)}
    _, sender, _rx, bob = _net(users, relays)
    with pytest.raises(TransferFailed) as info:
        asyncio.run(sender.send(b"x" * 100, bob, 2, 2, max_attempts=3, rng=random.Random(1)))
    outcome = info.value.outcome
    assert outcome is not None and len(outcome.attempts) == 3
    assert all(a.ack is None for a in outcome.attempts)


def test_retry_over_fresh_paths_succeeds(users) -> None:
    # half the relays drop everything: the first attempt cannot be repaired
    relays = {f"r{i}": Behaviour(drop=1.0 if i < 3 else 0.0) for i in range(12)}
    _, sender, _rx, bob = _net(users, relays, seed=4)
    out = asyncio.run(
        sender.send(b"y" * 3000, bob, 4, 2, hops=2, rng=random.Random(6), max_attempts=4)
    )
    assert out.intact and out.retries >= 1
    assert not out.attempts[0].ack or not out.attempts[0].ack.intact


def test_corruption_without_sphinx_is_located_and_blamed(users) -> None:
    relays = {f"r{i}": Behaviour() for i in range(12)}
    relays["r5"] = Behaviour(corrupt=1.0)
    _, sender, _rx, bob = _net(users, relays, sphinx=False, seed=8)
    out = asyncio.run(sender.send(b"z" * 4000, bob, 8, 4, rng=random.Random(9), hops=1))
    assert out.intact
    assert out.corrupted and not out.missing
    assert all(p == ["r5"] for p in out.implicated)


def test_blame_finds_corrupting_relay_no_honest_blacklisted() -> None:
    for seed in range(3):
        r = simulate(bad={"r3": Behaviour(corrupt=0.5)}, transfers=120, seed=seed)
        assert "r3" in r.blacklisted
        assert r.blacklisted == {"r3"}
        assert r.intact == r.transfers


def test_honest_network_blacklists_nobody() -> None:
    r = simulate(transfers=150, seed=11, bad={"r0": Behaviour(drop=0.05)})
    assert r.blacklisted == set()  # 5 % loss is unreliability, not misbehaviour


def test_ledger_persists_across_restart(tmp_path) -> None:
    path = tmp_path / "ledger.sqlite"
    rng = random.Random(1)
    relays = ["bad"] + [f"r{i}" for i in range(7)]
    with BlameLedger(path) as led:
        for t in range(25):
            paths = [rng.sample(relays, 2) for _ in range(4)]
            led.record(f"t{t}", paths, [i for i, p in enumerate(paths) if "bad" in p], f"x{t % 4}")
        before = (led.observations, led.blacklisted(), [s.failed for s in led.scores()])
    with BlameLedger(path) as led:
        assert (led.observations, led.blacklisted(), [s.failed for s in led.scores()]) == before
        assert led.record("t0", [["r1", "r2"]], [0], "x") == []  # replay ignored
        assert led.observations == before[0]


def test_ledger_reporter_cap_limits_framing() -> None:
    led = BlameLedger(reporter_cap=5, min_observations=10)
    rng = random.Random(2)
    relays = [f"r{i}" for i in range(8)]
    for t in range(200):
        paths = [rng.sample(relays, 2) for _ in range(4)]
        # one lying receiver blames every path through r0
        failed = [i for i, p in enumerate(paths) if "r0" in p]
        led.record(f"t{t}", paths, failed, "liar")
    assert led.blacklisted() == []
    assert led.framing_budget() >= 1


def test_ledger_estimates_explain_away() -> None:
    rng = random.Random(3)
    led = BlameLedger()
    relays = ["bad"] + [f"r{i}" for i in range(9)]
    for t in range(150):
        paths = [rng.sample(relays, 3) for _ in range(6)]
        failed = [i for i, p in enumerate(paths) if "bad" in p and rng.random() < 0.6]
        led.record(f"t{t}", paths, failed, f"x{t % 5}")
    est = led.estimates()
    assert est["bad"] > 0.4
    assert max(v for r, v in est.items() if r != "bad") < 0.1


def test_hypergeom_sf_exact() -> None:
    assert hypergeom_sf(0, 10, 3, 4) == 1.0
    assert hypergeom_sf(5, 10, 3, 4) == 0.0
    assert abs(hypergeom_sf(3, 10, 3, 4) - 4 / 120) < 1e-12


@pytest.fixture(scope="module")
def committee():
    from n3crypto.paillier import generate_keypair

    return generate_keypair(512, allow_insecure_size=True)[1]


def _demo_sim(seed: int, committee):
    rng = random.Random(seed)
    bad = rng.sample([f"r{i}" for i in range(12)], 2)
    r = simulate(
        bad={bad[0]: Behaviour(corrupt=0.5), bad[1]: Behaviour(drop=0.5)},
        transfers=200,
        seed=seed,
        users=8,
        size=4096,
        committee=committee,
    )
    return set(bad), r


def test_whole_pipeline_one_seed(committee) -> None:
    """Ledgers → token-gated ballots → tallies → board, in-process."""
    bad, r = _demo_sim(0, committee)
    assert r.board_blacklisted == bad
    assert max(r.board_first.values()) <= 200


@pytest.mark.slow
def test_twenty_seeds_demo_defaults(committee) -> None:
    """Demo defaults over 20 seeds (in-process transport, the whole rating
    pipeline): both misbehaving relays blacklisted by the board within 200
    transfers, no honest relay ever — by the board or by any sender's ledger."""
    for seed in range(20):
        bad, r = _demo_sim(seed, committee)
        assert r.board_blacklisted == bad, (seed, r.board_blacklisted, bad)
        assert max(r.board_first.values()) <= 200
        assert r.blacklisted <= bad, (seed, r.blacklisted)


def test_altered_header_first_does_not_derail(users) -> None:
    """The shape is the majority's: a first fragment with a rewritten k is
    just a corrupted shard."""
    sealed = seal(users["alice"], users["bob"].public, b"q" * 900, 4, 2)
    frags = sealed.fragments()
    bad = bytearray(frags[3][0])
    bad[21] = 5  # k
    s = ReceiveSession(users["bob"])
    s.add(bytes(bad))
    for i in (0, 1, 2, 4, 5):
        s.add(frags[i][0])
    assert s.complete
    data, report = s.finish()
    assert data == b"q" * 900 and report.corrupted == (3,) and report.missing == ()


def _one_failed_attempt(users, bad: dict[str, Behaviour], reply_blocks: int):
    """One k = 2, m = 2 transfer over one-hop paths among r0..r5 (r4, r5
    avoided; altered bytes delivered, no onion layer) that fails: its attempt
    and the sender's ledger."""
    relays = {f"r{i}": bad.get(f"r{i}", Behaviour()) for i in range(6)}
    net = LocalNetwork(relays, random.Random(5), False, 4000)
    ta, tb = LocalTransport(net, "alice"), LocalTransport(net, "bob")
    sender = Sender(ta, users["alice"])
    Receiver(tb, users["bob"])
    ledger = BlameLedger()
    attempts = []
    with pytest.raises(TransferFailed):
        asyncio.run(
            send_verified(
                bytes(range(256)) * 8,
                Recipient("bob", users["bob"].public),
                2,
                2,
                sender=sender,
                hops=1,
                ledger=ledger,
                rng=random.Random(2),
                max_attempts=1,
                reply_blocks=reply_blocks,
                avoid=["r4", "r5"],
                on_attempt=attempts.append,
            )
        )
    (attempt,) = attempts
    return attempt, ledger


def test_unlocated_failure_is_no_clean_evidence(users) -> None:
    # Two of four shards altered with k = 2, m = 2: the receiver can neither
    # repair nor say which shards were altered (2e > m). Its acknowledgement
    # names nothing; the sender must not book the data paths as clean (that
    # would whitewash the corrupting relays) and must not clear their relays.
    bad = {"r0": Behaviour(corrupt=1.0), "r1": Behaviour(corrupt=1.0)}
    attempt, ledger = _one_failed_attempt(users, bad, reply_blocks=2)
    assert attempt.ack is not None and not attempt.ack.intact
    assert attempt.failed_paths == []  # nothing located
    assert sorted(r for p in attempt.paths for r in p) == ["r0", "r1", "r2", "r3"]
    booked = {s.relay: (s.paths, s.failed) for s in ledger.scores()}
    assert "r0" not in booked and "r1" not in booked
    # What is booked comes from the acknowledgement copies (their return paths).
    assert all(failed == 0 for _, failed in booked.values())


def test_failure_not_explained_by_named_damage_books_no_clean_paths(users) -> None:
    # k = 2, m = 2: r0 drops its shard (named missing), r1 and r2 alter theirs
    # (not locatable beside the loss). f + 2e = 1 ≤ m for the named damage, so
    # the failure has unnamed causes: r0 is booked failed, nobody is booked clean.
    bad = {
        "r0": Behaviour(drop=1.0),
        "r1": Behaviour(corrupt=1.0),
        "r2": Behaviour(corrupt=1.0),
    }
    attempt, ledger = _one_failed_attempt(users, bad, reply_blocks=1)
    data_relays = sorted(r for p in attempt.paths for r in p)
    assert data_relays == ["r0", "r1", "r2", "r3"]
    assert attempt.ack is not None and not attempt.ack.intact
    named = [attempt.paths[i][0] for i in attempt.failed_paths]
    assert named == ["r0"]
    booked = {s.relay: (s.paths, s.failed) for s in ledger.scores()}
    assert booked["r0"][1] >= 1
    assert "r1" not in booked and "r2" not in booked  # no clean evidence for them
