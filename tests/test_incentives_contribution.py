"""Contribution scores, the points ledger, reputation events and FL role rewards."""

from __future__ import annotations

import random
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.incentives import (
    NEG_INF,
    BlameReport,
    Contribution,
    DeliveryReport,
    LinearPointMapping,
    PointsLedger,
    PoolPointMapping,
    ProvenMisbehaviour,
    Reputation,
    UnverifiedProof,
    Weights,
    aggregator_reward,
    bandwidth_contribution,
    global_validator_rewards,
    local_validator_rewards,
    trainer_reward,
)
from n3crypto.incentives.reputation import binomial_tail, fisher_tail

F = Fraction

nonneg = st.fractions(min_value=0, max_value=100, max_denominator=8)
rep = st.fractions(min_value=-5, max_value=0, max_denominator=8)
weights = st.builds(Weights, nonneg, nonneg, nonneg)


@settings(max_examples=80)
@given(weights, nonneg, nonneg, nonneg, rep, nonneg, st.sampled_from(range(4)))
def test_monotone_in_each_input(
    w: Weights, t: F, d: F, delay: F, delta: F, bump: F, which: int
) -> None:
    base = bandwidth_contribution(t, d, delay, delta, w)
    args = [t, d, delay, delta]
    if which == 0:
        args[0] = t + bump  # more online time: not less
    elif which == 1:
        args[1] = d + bump  # more data: not less
    elif which == 2:
        args[2] = delay + bump  # more delay: not more
    else:
        args[3] = min(F(0), delta + bump)  # better reputation: not less
    more = bandwidth_contribution(*args, w)
    if which == 2:
        assert more.rho <= base.rho
    else:
        assert more.rho >= base.rho
    assert base.rho >= 0 and more.rho >= 0


@settings(max_examples=60)
@given(weights, nonneg, nonneg, nonneg, rep, st.integers(0, 50))
def test_linear_in_data_volume(w: Weights, t: F, d: F, delay: F, delta: F, k: int) -> None:
    one = bandwidth_contribution(t, d, delay, delta, w)
    scaled = bandwidth_contribution(t, k * d, delay, delta, w)
    assert scaled.rho == k * one.rho
    assert scaled.blacklisted == one.blacklisted


def test_formula_and_edges() -> None:
    w = Weights(2, 1, 4)
    assert bandwidth_contribution(24, 100, 3, "-0.5", w).rho == (48 - 3 - 2) * 100
    neg = bandwidth_contribution(1, 100, 5, 0, w)
    assert neg == Contribution(F(0), True)
    zero = bandwidth_contribution(1, 100, 2, 0, w)  # bracket exactly 0
    assert zero == Contribution(F(0), False)
    assert bandwidth_contribution(24, 100, 0, NEG_INF, w) == Contribution(F(0), True)
    assert bandwidth_contribution(24, 100, 0, "-inf", w).blacklisted


@pytest.mark.parametrize(
    ("args", "exc"),
    [
        ((1, 1, 1, "0.1"), errors.N3ValueError),  # δ > 0
        ((-1, 1, 1, 0), errors.N3ValueError),
        ((1, -1, 1, 0), errors.N3ValueError),
        ((1, 1, -1, 0), errors.N3ValueError),
        ((1.0, 1, 1, 0), errors.N3TypeError),
        ((1, 1, 1, float("inf")), errors.N3TypeError),
    ],
)
def test_contribution_bad_input(args: tuple, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        bandwidth_contribution(*args, Weights(1, 1, 1))


def test_weights_validated() -> None:
    with pytest.raises(errors.N3ValueError):
        Weights(-1, 0, 0)
    with pytest.raises(errors.N3TypeError):
        bandwidth_contribution(1, 1, 1, 0, (1, 1, 1))  # type: ignore[arg-type]


def test_points_ledger() -> None:
    w = Weights(1, 0, 1)
    ledger = PointsLedger()
    ledger.record(3, "a", bandwidth_contribution(10, 2, 0, 0, w))
    ledger.record(3, "a", bandwidth_contribution(10, 1, 0, 0, w))
    ledger.record(3, "b", bandwidth_contribution(5, 2, 0, 0, w))
    ledger.record(3, "c", bandwidth_contribution(5, 2, 0, 0, w))
    ledger.record(3, "c", bandwidth_contribution(1, 2, 0, -2, w))  # blacklisted later
    assert ledger.points(3) == {"a": 30, "b": 10, "c": 0}
    assert ledger.blacklisted(3) == {"c"}
    assert ledger.close(3, PoolPointMapping(1001)) == {"a": 751, "b": 250, "c": 0}
    with pytest.raises(errors.N3ValueError, match="closed"):
        ledger.record(3, "a", bandwidth_contribution(1, 1, 0, 0, w))
    with pytest.raises(errors.N3ValueError, match="closed"):
        ledger.close(3, PoolPointMapping(1))
    ledger.record(4, "a", bandwidth_contribution(1, 3, 0, 0, w))
    assert ledger.close(4, LinearPointMapping("0.5")) == {"a": 1}
    ledger.record(5, "a", bandwidth_contribution(1, 3, 0, 0, w))
    assert ledger.close(5, lambda pts: {n: 7 for n in pts}) == {"a": 7}
    ledger.record(6, "a", bandwidth_contribution(1, 3, 0, 0, w))
    with pytest.raises(errors.N3ValueError, match="mapping"):
        ledger.close(6, lambda pts: {"zz": 1})
    assert list(ledger.epochs()) == [3, 4, 5, 6]


# --- reputation --------------------------------------------------------------------


def test_honest_node_keeps_zero_and_failures_accumulate() -> None:
    r = Reputation(recovery=F(1, 200))
    for _ in range(50):
        r.apply(DeliveryReport("good", delivered=True))
    assert r.delta("good") == 0 and not r.is_blacklisted("good")
    for _ in range(3):
        r.apply(DeliveryReport("flaky", delivered=False))
    assert r.delta("flaky") == F(-3, 100)
    r.apply(DeliveryReport("flaky", delivered=True))
    assert r.delta("flaky") == F(-5, 200)
    for _ in range(20):
        r.apply(DeliveryReport("flaky", delivered=True))
    assert r.delta("flaky") == 0  # recovery never goes above 0
    assert not r.is_blacklisted("flaky")  # unreliability alone never blacklists


def simulate(seed: int, relays: int = 8, transfers: int = 150) -> tuple[Reputation, str]:
    rng = random.Random(seed)
    rep = Reputation(alpha=F(1, 10**4))
    names = [f"r{i}" for i in range(relays)]
    corrupt = rng.choice(names)
    for t in range(transfers):
        path = rng.sample(names, 3)
        # a corrupting relay spoils 70 % of its transfers; everyone sees 3 % noise
        blamed = (corrupt in path and rng.random() < 0.7) or rng.random() < 0.03
        for r in path:
            rep.apply(BlameReport(r, f"t{t}", f"rx{t % 11}", blamed=blamed))
    rep.review()
    return rep, corrupt


@pytest.mark.parametrize("seed", range(5))
def test_blame_finds_the_corrupting_relay_and_spares_its_neighbours(seed: int) -> None:
    rep, corrupt = simulate(seed)
    assert rep.is_blacklisted(corrupt)
    assert [n for n in rep.nodes() if rep.is_blacklisted(n)] == [corrupt]
    assert rep.delta(corrupt) == 0  # statistical blame never sets −∞


def test_one_reporter_cannot_frame_a_relay() -> None:
    rep = Reputation(alpha=F(1, 1000), reporter_cap=3)
    for t in range(100):
        rep.apply(BlameReport("victim", f"t{t}", "liar", blamed=True))
    assert rep.status("victim").blames == 3
    assert not rep.is_blacklisted("victim")


def test_a_transfer_counts_once() -> None:
    rep = Reputation()
    for who in ("a", "b", "c"):
        rep.apply(BlameReport("x", "t1", who, blamed=True))
    assert rep.status("x").observations == 1 and rep.status("x").blames == 1


def test_proven_misbehaviour() -> None:
    def verifier(node: str, statement: bytes, signature: bytes) -> None:
        if signature != b"sig:" + node.encode() + statement:
            raise errors.InvalidKey("bad signature")

    rep = Reputation(verifier=verifier)
    with pytest.raises(UnverifiedProof):
        rep.apply(ProvenMisbehaviour("r1", b"two routes", b"forged"))
    assert rep.delta("r1") == 0 and not rep.is_blacklisted("r1")
    rep.apply(ProvenMisbehaviour("r1", b"two routes", b"sig:r1two routes"))
    assert rep.delta("r1") == NEG_INF and rep.is_blacklisted("r1")
    assert "proven" in rep.status("r1").reason
    assert bandwidth_contribution(24, 100, 0, rep.delta("r1"), Weights(1, 1, 1)).blacklisted
    with pytest.raises(UnverifiedProof, match="no signature verifier"):
        Reputation().apply(ProvenMisbehaviour("r1", b"s", b"t"))


def test_reputation_bad_input() -> None:
    with pytest.raises(errors.N3ValueError):
        Reputation(background_rate=1)
    with pytest.raises(errors.N3ValueError):
        Reputation(alpha=0)
    with pytest.raises(errors.N3ValueError):
        Reputation(reporter_cap=0)
    with pytest.raises(errors.N3TypeError):
        Reputation().apply("event")  # type: ignore[arg-type]
    with pytest.raises(errors.N3ValueError):
        Reputation().apply(DeliveryReport("", delivered=True))


def test_exact_tails() -> None:
    assert binomial_tail(4, 2, F(1, 2)) == F(11, 16)
    assert binomial_tail(4, 5, F(1, 2)) == 0
    assert fisher_tail(2, 1, 4, 2) == F(5, 6)
    with pytest.raises(errors.N3ValueError):
        fisher_tail(5, 1, 4, 2)


# --- federated-learning roles ------------------------------------------------------


def test_trainer_reward() -> None:
    assert trainer_reward(100, 3, 2, "0.5") == 600
    assert trainer_reward(100, 3, 2, "0.4999") == 0
    assert trainer_reward(7, 1, "1/3", 1) == 2  # floored
    with pytest.raises(errors.N3ValueError):
        trainer_reward(1, 1, 1, "1.5")
    with pytest.raises(errors.N3TypeError):
        trainer_reward(1.0, 1, 1, 1)  # type: ignore[arg-type]


@settings(max_examples=40)
@given(st.integers(1, 12), st.integers(0, 10**9))
def test_local_validators_by_vote_order(n: int, r: int) -> None:
    q = [f"v{i}" for i in range(n)]
    out = local_validator_rewards(q, r)
    vals = [out[v] for v in q]
    assert vals == sorted(vals, reverse=True)
    assert vals[0] == r and vals[-1] == r // n
    with pytest.raises(errors.N3ValueError):
        local_validator_rewards([*q, q[0]], r)


def test_aggregator_and_global_validators() -> None:
    assert aggregator_reward(4, 3, "0.5") == 6
    out = global_validator_rewards(["a", "b", "c"], 10)
    assert out == {"a": 4, "b": 3, "c": 3} and sum(out.values()) == 10
    with pytest.raises(errors.N3ValueError):
        global_validator_rewards([], 10)
    with pytest.raises(errors.N3ValueError):
        aggregator_reward(-1, 3, 1)


@settings(max_examples=40)
@given(st.integers(0, 10**20), st.integers(1, 30))
def test_global_validators_conserve(total: int, m: int) -> None:
    out = global_validator_rewards([f"g{i}" for i in range(m)], total)
    assert sum(out.values()) == total
    assert max(out.values()) - min(out.values()) <= 1


def test_score_uses_reputation() -> None:
    w = Weights(1, 1, 100)
    rep, corrupt = simulate(1)
    assert rep.score(corrupt, 24, 100, 0, w) == Contribution(F(0), True)
    honest = next(n for n in rep.nodes() if n != corrupt)
    assert rep.score(honest, 24, 100, 0, w) == bandwidth_contribution(24, 100, 0, 0, w)
    rep.apply(DeliveryReport(honest, delivered=False))
    assert rep.score(honest, 24, 100, 0, w).rho == (24 - 1) * 100


def test_honest_network_blacklists_nobody() -> None:
    for seed in range(4):
        rng = random.Random(100 + seed)
        rep = Reputation(alpha=F(1, 10**4))
        names = [f"r{i}" for i in range(8)]
        for t in range(200):
            blamed = rng.random() < 0.05  # background noise only
            for r in rng.sample(names, 3):
                rep.apply(BlameReport(r, f"t{t}", f"rx{t % 9}", blamed=blamed))
        rep.review()
        assert not any(rep.is_blacklisted(n) for n in names)


def test_state_round_trips_through_json() -> None:
    import json

    rep, corrupt = simulate(2)
    rep.apply(DeliveryReport("r1", delivered=False))
    again = Reputation.from_dict(json.loads(json.dumps(rep.to_dict())))
    for n in rep.nodes():
        assert again.status(n) == rep.status(n)
    assert again.is_blacklisted(corrupt)
    w = Weights(1, 1, 1)
    ledger = PointsLedger()
    ledger.record(1, "a", bandwidth_contribution(3, 2, 1, 0, w))
    ledger.record(1, "b", bandwidth_contribution(1, 2, 5, 0, w))
    ledger.close(1, PoolPointMapping(10))
    ledger.record(2, "a", bandwidth_contribution(3, F(7, 3), 1, 0, w))
    copy = PointsLedger.from_dict(json.loads(json.dumps(ledger.to_dict())))
    assert copy.to_dict() == ledger.to_dict()
    assert copy.points(2) == {"a": F(14, 3)}
    with pytest.raises(errors.N3ValueError, match="closed"):
        copy.record(1, "c", bandwidth_contribution(1, 1, 0, 0, w))


@pytest.mark.parametrize(
    "bad",
    [
        {},
        {"epochs": {"x": {}}},
        {"epochs": {"1": {"points": {"a": "-1"}, "blacklisted": [], "closed": None}}},
        {"epochs": {"1": {"points": {"a": 1.5}, "blacklisted": [], "closed": None}}},
    ],
)
def test_bad_ledger_records(bad: dict) -> None:
    with pytest.raises(errors.N3CryptoError):
        PointsLedger.from_dict(bad)


def test_bad_reputation_records() -> None:
    good = Reputation().to_dict()
    with pytest.raises(errors.N3ValueError):
        Reputation.from_dict({})
    broken = dict(good, nodes={"x": {"delta": "1/2"}})
    with pytest.raises(errors.N3ValueError):
        Reputation.from_dict(broken)
    rep = Reputation()
    rep.apply(BlameReport("x", "t", "r", blamed=True))
    d = rep.to_dict()
    d["nodes"]["x"]["blames"] = 5
    with pytest.raises(errors.N3ValueError, match="inconsistent"):
        Reputation.from_dict(d)
    d["nodes"]["x"]["blames"] = "many"
    with pytest.raises(errors.N3ValueError):
        Reputation.from_dict(d)
