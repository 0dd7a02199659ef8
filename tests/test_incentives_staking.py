"""Staking, fee settlement, pledges and supply tables: exact and conserving."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.incentives import (
    NodeTier,
    TokenAllocation,
    allocate_supply,
    lock,
    pledge_required,
    settle_week,
    split_pro_rata,
    split_release,
    tier_for_pledge,
)
from n3crypto.incentives.staking import MAX_BOOST

F = Fraction

amounts = st.integers(1, 10**24)
days = st.integers(7, 365)


@settings(max_examples=60)
@given(amounts, days, days)
def test_boost_monotone_and_capped(amount: int, d1: int, d2: int) -> None:
    a, b = sorted((d1, d2))
    la, lb = lock(amount, a), lock(amount, b)
    assert 1 < la.boost <= lb.boost <= MAX_BOOST
    assert la.ve <= lb.ve
    assert la.ve == F(amount * a, 365)


def test_full_year_values() -> None:
    lk = lock(10**18, 365)
    assert lk.boost == F(7, 4) and lk.ve == 10**18
    assert lk.apr("0.08") == F(14, 100)


@pytest.mark.parametrize("d", [0, 6, 366, 1000, -7])
def test_lock_time_out_of_range(d: int) -> None:
    with pytest.raises(errors.N3ValueError, match="7–365"):
        lock(100, d)


@pytest.mark.parametrize(
    ("amount", "d", "exc"),
    [
        (0, 30, errors.N3ValueError),
        (-5, 30, errors.N3ValueError),
        (1.5, 30, errors.N3TypeError),
        (True, 30, errors.N3TypeError),
        (10, 30.0, errors.N3TypeError),
    ],
)
def test_lock_bad_input(amount: object, d: object, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        lock(amount, d)  # type: ignore[arg-type]


@settings(max_examples=60)
@given(amounts, days, st.integers(0, 400), st.integers(0, 400))
def test_penalty_bounds_and_monotone(amount: int, d: int, e1: int, e2: int) -> None:
    lk = lock(amount, d)
    a, b = sorted((e1, e2))
    ua, ub = lk.unstake(a), lk.unstake(b)
    for u in (ua, ub):
        assert 0 <= u.penalty <= amount
        assert u.returned + u.penalty == amount
    assert ua.penalty >= ub.penalty  # leaving later never costs more
    assert lk.unstake(d).penalty == 0
    assert lk.unstake(0, penalty_rate=1).penalty == -(-amount * d // 365)  # ⌈amount·d/365⌉


def test_penalty_rate_validated() -> None:
    with pytest.raises(errors.N3ValueError):
        lock(10, 30).unstake(1, penalty_rate=2)
    with pytest.raises(errors.N3ValueError):
        lock(10, 30).unstake(-1)


@settings(max_examples=80)
@given(
    st.integers(0, 10**20),
    st.integers(0, 10**20),
    st.dictionaries(st.text("abcdef", min_size=1, max_size=4), st.integers(0, 10**9), max_size=6),
    st.lists(st.text("xyz", min_size=1, max_size=3), unique=True, max_size=4),
)
def test_settlement_conserves_every_unit(
    fees: int, costs: int, ve: dict[str, int], devs: list[str]
) -> None:
    s = settle_week(fees, costs, ve, developers=devs)
    total = s.costs_paid + sum(s.stakers.values()) + sum(s.developers.values()) + s.retained
    assert total == fees
    assert all(v >= 0 for v in (*s.stakers.values(), *s.developers.values()))
    if costs >= fees:
        assert sum(s.stakers.values()) == sum(s.developers.values()) == s.retained == 0
        assert s.shortfall == costs - fees
    else:
        net = fees - costs
        assert s.staker_pool == net * 3 // 4 and s.staker_pool + s.developer_pool == net
        wsum = sum(ve.values())
        for k, v in s.stakers.items():
            if wsum:
                assert abs(v - F(s.staker_pool * ve[k], wsum)) < 1  # within a unit of pro rata
        if devs:
            assert max(s.developers.values()) - min(s.developers.values()) <= 1


def test_settlement_example() -> None:
    s = settle_week(1000, 200, {"alice": 3, "bob": 1}, developers=["dev"])
    assert s.stakers == {"alice": 450, "bob": 150} and s.developers == {"dev": 200}
    nobody = settle_week(1000, 200, {"alice": 0})
    assert nobody.retained == 800


def test_settlement_bad_input() -> None:
    with pytest.raises(errors.N3ValueError):
        settle_week(10, 0, {"a": -1})
    with pytest.raises(errors.N3ValueError):
        settle_week(10, 0, {"a": 1}, developers=["d", "d"])
    with pytest.raises(errors.N3TypeError):
        settle_week(10.0, 0, {"a": 1})  # type: ignore[arg-type]


def test_pledges() -> None:
    supply = 123_456_789
    sup = pledge_required(NodeTier.SUPER, supply)
    t1 = pledge_required(NodeTier.TIER1, supply)
    ordinary = pledge_required(NodeTier.ORDINARY, supply)
    assert sup == -(-supply * 5 // 1000)
    assert t1 == -(-supply // 400) and ordinary == -(-supply // 800)
    assert sup >= 2 * t1 - 1 and t1 >= 2 * ordinary - 1
    assert tier_for_pledge(sup, supply) is NodeTier.SUPER
    assert tier_for_pledge(sup - 1, supply) is NodeTier.TIER1
    assert tier_for_pledge(ordinary - 1, supply) is None


def test_supply_tables() -> None:
    table = [TokenAllocation("a", "0.5"), TokenAllocation("b", "0.3"), TokenAllocation("c", "0.2")]
    out = allocate_supply(10**9 + 7, table)
    assert sum(out.values()) == 10**9 + 7
    with pytest.raises(errors.N3ValueError, match="sum to exactly 1"):
        allocate_supply(100, table[:2])
    assert split_release(1001) == (900, 101)
    assert sum(split_release(10**18 + 3)) == 10**18 + 3


@settings(max_examples=60)
@given(st.integers(0, 10**30), st.lists(st.integers(0, 10**6), min_size=1, max_size=8))
def test_split_pro_rata(total: int, weights: list[int]) -> None:
    if sum(weights) == 0:
        if total:
            with pytest.raises(errors.N3ValueError):
                split_pro_rata(total, weights)
        return
    parts = split_pro_rata(total, weights)
    assert sum(parts) == total
    for p, w in zip(parts, weights, strict=True):
        assert abs(p - F(total * w, sum(weights))) < 1
        if w == 0:
            assert p == 0
