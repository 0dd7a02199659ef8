"""PVCG procurement auction: efficiency, payments, IR, budget balance, truthfulness."""

from __future__ import annotations

import math
from decimal import Decimal, getcontext
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize

from n3crypto import errors
from n3crypto.incentives import PVCGPropertyError, Surd, pvcg_auction, ready_model_allocation
from n3crypto.incentives.surd import floor_surd_sum, sign_of_surd_sum

F = Fraction

caps = st.fractions(min_value=0, max_value=50, max_denominator=4)
gammas = st.fractions(min_value=0, max_value=8, max_denominator=4)
alphas = st.fractions(min_value=0, max_value=80, max_denominator=3)


@st.composite
def instances(draw: st.DrawFn, min_n: int = 1, max_n: int = 5) -> tuple[list[F], list[F], F]:
    n = draw(st.integers(min_n, max_n))
    q = [draw(caps) for _ in range(n)]
    g = [draw(gammas) for _ in range(n)]
    return q, g, draw(alphas)


def surplus(x: list[F] | np.ndarray, g: list[F], a: F) -> float:
    total = float(sum(float(v) for v in x))
    return float(a) * math.sqrt(max(total, 0.0)) - sum(
        float(gi) * float(xi) for gi, xi in zip(g, x, strict=True)
    )


def generic_optimum(q: list[F], g: list[F], a: F) -> float:
    """An independent numerical optimum of the ready model (SLSQP, several starts)."""
    ub = np.array([float(v) for v in q])
    best = surplus(np.zeros(len(q)), g, a)
    for start in (ub, ub / 2, ub / 10):
        res = optimize.minimize(
            lambda x: -surplus(x, g, a),
            start,
            bounds=[(0, u) for u in ub],
            method="SLSQP",
        )
        best = max(best, surplus(np.clip(res.x, 0, ub), g, a))
    return best


# --- worked examples ---------------------------------------------------------------


def test_worked_example_by_hand() -> None:
    # γ = 1 fills up to (8/2)² = 16 > 4; γ = 2 would need X < (8/4)² = 4: stop.
    r = pvcg_auction([4, 4, 4], [1, 2, 3], alpha=8)
    assert r.acceptance == (1, 0, 0)
    assert r.income == 16 and r.costs == (4, 0, 0)
    # Without producer 0 the γ = 2 producer supplies 4: S₋₀ = 16 − 8 = 8; S* = 12.
    assert r.vcg_payments == (4 + (12 - 8), 0, 0)
    assert r.budget_surplus == 8


def test_partial_acceptance_instead_of_a_negative_surplus() -> None:
    # Accepting all 100 units would give 4·10 − 100 < 0; the optimum takes (4/2)² = 4.
    r = pvcg_auction([100], [1], alpha=4)
    assert r.accepted == (4,) and r.acceptance == (F(1, 25),)
    assert r.surplus == 4 and r.surplus > 0


def test_nobody_accepted_when_that_is_best() -> None:
    r = pvcg_auction([5, 7], [1, 2], alpha=0)
    assert r.acceptance == (0, 0) and r.payments == (0, 0) and r.income == 0
    r = pvcg_auction([0, 0], [1, 2], alpha=9)
    assert r.acceptance == (0, 0) and r.payments == (0, 0)


def test_ties_share_the_marginal_demand_pro_rata() -> None:
    x = ready_model_allocation([F(2), F(6)], [F(1), F(1)], F(4))  # demand (4/2)² = 4
    assert x == [1, 3]


def test_free_producers_always_accepted_in_full() -> None:
    r = pvcg_auction([3, 5], [0, 100], alpha=1)
    assert r.acceptance[0] == 1


def test_income_is_exact_surd() -> None:
    r = pvcg_auction([2], [F(1, 100)], alpha=1)
    assert r.income == Surd(0, 1, 2)
    assert not r.income.is_rational
    assert F(141, 100) < r.income < F(142, 100)


# --- properties --------------------------------------------------------------------


@settings(max_examples=40)
@given(instances())
def test_efficient_against_a_generic_solver(inst: tuple[list[F], list[F], F]) -> None:
    q, g, a = inst
    r = pvcg_auction(q, g, alpha=a)
    exact = float(r.surplus)
    assert exact == pytest.approx(surplus(list(r.accepted), g, a), abs=1e-9)
    generic = generic_optimum(q, g, a)
    assert exact >= generic - 1e-7 * max(1.0, abs(generic))
    assert exact <= generic + 1e-3 * max(1.0, abs(generic))  # the solver gets close
    for xi, qi in zip(r.accepted, q, strict=True):
        assert 0 <= xi <= qi


@settings(max_examples=40)
@given(instances(), st.sampled_from(["none", "redistribute"]))
def test_ir_and_weak_budget_balance_exact(inst: tuple[list[F], list[F], F], rule: str) -> None:
    q, g, a = inst
    r = pvcg_auction(q, g, alpha=a, adjustment=rule, strict=True)  # type: ignore[arg-type]
    assert r.failed == ()
    assert all(u >= 0 for u in r.utilities)
    assert sum(r.payments) <= r.income
    assert r.budget_surplus >= 0
    assert all(h >= 0 for h in r.adjustments)
    for acc, v in zip(r.accepted, r.vcg_payments, strict=True):
        if acc == 0:
            assert v == 0  # τ̃ = 0 when not accepted
    for p, c, u in zip(r.payments, r.costs, r.utilities, strict=True):
        assert p - c == u


@settings(max_examples=25)
@given(instances(min_n=2, max_n=4), st.integers(0, 3), st.sampled_from(["none", "redistribute"]))
def test_no_profitable_misreport_on_a_grid(
    inst: tuple[list[F], list[F], F], who: int, rule: str
) -> None:
    q, g, a = inst
    i = who % len(q)
    resolution = 1000
    truth = pvcg_auction(q, g, alpha=a, adjustment=rule, resolution=resolution)  # type: ignore[arg-type]
    u_truth = truth.utilities[i]
    for cost_scale in (F(0), F(1, 4), F(1, 2), F(3, 4), F(1), F(5, 4), F(3, 2), F(2), F(4)):
        for cap_scale in (F(0), F(1, 4), F(1, 2), F(3, 4), F(1)):
            g2, q2 = list(g), list(q)
            g2[i] = g[i] * cost_scale if g[i] else cost_scale
            q2[i] = q[i] * cap_scale
            r = pvcg_auction(q2, g2, alpha=a, adjustment=rule, resolution=resolution)  # type: ignore[arg-type]
            u_lie = r.payments[i] - g[i] * r.accepted[i]  # paid minus the TRUE cost
            assert u_lie <= u_truth + F(1, resolution), (cost_scale, cap_scale)


@settings(max_examples=30)
@given(instances(min_n=2), st.randoms(use_true_random=False))
def test_permutation_invariance(inst: tuple[list[F], list[F], F], rnd: object) -> None:
    q, g, a = inst
    perm = list(range(len(q)))
    rnd.shuffle(perm)  # type: ignore[attr-defined]
    r = pvcg_auction(q, g, alpha=a, adjustment="redistribute")
    rp = pvcg_auction(
        [q[k] for k in perm], [g[k] for k in perm], alpha=a, adjustment="redistribute"
    )
    for pos, k in enumerate(perm):
        assert rp.acceptance[pos] == r.acceptance[k]
        assert rp.payments[pos] == r.payments[k]
        assert rp.utilities[pos] == r.utilities[k]
    assert rp.income == r.income


@settings(max_examples=30)
@given(instances(), st.integers(2, 9))
def test_scaling_money(inst: tuple[list[F], list[F], F], k: int) -> None:
    q, g, a = inst
    res = 10**6
    r = pvcg_auction(q, g, alpha=a, resolution=res)
    rk = pvcg_auction(q, [k * v for v in g], alpha=k * a, resolution=res)
    assert rk.acceptance == r.acceptance
    assert rk.costs == tuple(k * c for c in r.costs)
    assert rk.income == r.income * k
    for p, pk in zip(r.payments, rk.payments, strict=True):
        assert abs(pk - k * p) <= F(k, res)  # only the rounding of S* − S*₋ᵢ differs


def test_redistribution_pays_out_some_of_the_leftover() -> None:
    plain = pvcg_auction([3, 5, 2, 7], [1, "1.5", 2, "0.5"], alpha=10)
    redis = pvcg_auction([3, 5, 2, 7], [1, "1.5", 2, "0.5"], alpha=10, adjustment="redistribute")
    assert sum(redis.adjustments) > 0
    assert redis.budget_surplus < plain.budget_surplus
    assert redis.budget_surplus >= 0


def test_custom_adjustment_sees_only_the_others() -> None:
    seen: list[tuple[int, tuple[tuple[F, F], ...]]] = []

    def h(i: int, others: tuple[tuple[F, F], ...]) -> int:
        seen.append((i, others))
        return 1

    r = pvcg_auction([1, 2, 3], [1, 2, 3], alpha=20, adjustment=h)
    assert [i for i, _ in seen] == [0, 1, 2]
    assert seen[1][1] == ((F(1), F(1)), (F(3), F(3)))
    assert r.adjustments == (1, 1, 1)


def test_custom_negative_adjustment_breaks_ir_and_is_reported() -> None:
    r = pvcg_auction([1, 2], [5, 6], alpha=1, adjustment=lambda i, o: -100)
    assert "individual_rationality" in r.failed and not r.individually_rational
    with pytest.raises(PVCGPropertyError, match="individual_rationality"):
        pvcg_auction([1, 2], [5, 6], alpha=1, adjustment=lambda i, o: -100, strict=True)


# --- the general solver ------------------------------------------------------------


def test_general_solver_matches_the_ready_model() -> None:
    q, g, a = [3, 5, 2, 7], [1, F(3, 2), 2, F(1, 2)], 10
    exact = pvcg_auction(q, g, alpha=a)
    approx = pvcg_auction(q, g, alpha=a, income=lambda x: 10 * math.sqrt(max(0.0, x.sum())))
    assert not approx.exact
    for e, p in zip(exact.acceptance, approx.acceptance, strict=True):
        assert abs(float(e) - float(p)) < 1e-3
    for e, p in zip(exact.payments, approx.payments, strict=True):
        assert abs(float(e) - float(p)) <= 1.01
    assert approx.individually_rational and approx.weakly_budget_balanced


def test_general_convex_cost() -> None:
    r = pvcg_auction([10, 10], [1, 1], alpha=20, cost=lambda x, gam: gam * x * x)
    assert r.acceptance[0] == r.acceptance[1]
    assert r.individually_rational and r.weakly_budget_balanced


def test_complements_break_budget_balance_and_say_so() -> None:
    # income (√x₀ + √x₁)²: each producer makes the other more valuable.
    def income(x: np.ndarray) -> float:
        return float((math.sqrt(max(x[0], 0)) + math.sqrt(max(x[1], 0))) ** 2)

    # S* = 4 − 2 = 2 and S*₋ᵢ = 0, so Σ τ ≈ 2·(1 + 2) = 6 > I = 4.
    r = pvcg_auction([1, 1], [1, 1], income=income, resolution=1000)
    assert r.individually_rational
    assert sum(r.payments) > 5
    assert not r.weakly_budget_balanced and "weak_budget_balance" in r.failed
    with pytest.raises(PVCGPropertyError, match="weak_budget_balance"):
        pvcg_auction([1, 1], [1, 1], income=income, resolution=1000, strict=True)


# --- bad input ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc"),
    [
        ({"capacities": [1, 2], "cost_types": [1]}, errors.N3ValueError),
        ({"capacities": [-1], "cost_types": [1]}, errors.N3ValueError),
        ({"capacities": [1], "cost_types": [-1]}, errors.N3ValueError),
        ({"capacities": [], "cost_types": []}, errors.N3ValueError),
        ({"capacities": [0.5], "cost_types": [1]}, errors.N3TypeError),
        ({"capacities": [1], "cost_types": [1], "alpha": -1}, errors.N3ValueError),
        ({"capacities": [1], "cost_types": [1], "resolution": 0}, errors.N3ValueError),
        ({"capacities": [1], "cost_types": [1], "adjustment": "bogus"}, errors.N3ValueError),
        ({"capacities": "12", "cost_types": "12"}, errors.N3TypeError),
    ],
)
def test_bad_input(kwargs: dict[str, object], exc: type[Exception]) -> None:
    with pytest.raises(exc):
        pvcg_auction(**kwargs)  # type: ignore[arg-type]


# --- exact surds -------------------------------------------------------------------


@settings(max_examples=60)
@given(
    st.fractions(min_value=-50, max_value=50, max_denominator=7),
    st.lists(
        st.tuples(
            st.fractions(min_value=-9, max_value=9, max_denominator=5),
            st.fractions(min_value=0, max_value=60, max_denominator=5),
        ),
        max_size=3,
    ),
)
def test_surd_sum_sign_and_floor_against_decimal(r: F, terms: list[tuple[F, F]]) -> None:
    getcontext().prec = 80
    val = Decimal(r.numerator) / Decimal(r.denominator)
    for c, d in terms:
        val += (Decimal(c.numerator) / Decimal(c.denominator)) * (
            Decimal(d.numerator) / Decimal(d.denominator)
        ).sqrt()
    s = sign_of_surd_sum(r, terms)
    if abs(val) > Decimal(10) ** -40:
        assert s == (1 if val > 0 else -1)
    fl = floor_surd_sum(r, terms, 1000)
    assert Decimal(fl.numerator) / Decimal(fl.denominator) <= val + Decimal(10) ** -40
    upper = fl + F(1, 1000)
    assert val < Decimal(upper.numerator) / Decimal(upper.denominator) + Decimal(10) ** -40


def test_surd_exact_zero_and_comparisons() -> None:
    assert sign_of_surd_sum(F(0), [(F(1), F(8)), (F(-2), F(2))]) == 0
    assert sign_of_surd_sum(F(-1), [(F(1), F(1, 4)), (F(1), F(1, 4))]) == 0
    s = Surd(1, 2, 3)
    assert s > 4 and s < 5 and s == Surd(1, 1, 12)
    assert (s - 1) * 2 == Surd(0, 4, 3)
    assert float(s) == pytest.approx(1 + 2 * math.sqrt(3))
    with pytest.raises(errors.N3ValueError):
        Surd(0, 1, -1)


@settings(max_examples=60)
@given(instances(min_n=1, max_n=7), st.lists(st.integers(0, 6), max_size=2, unique=True))
def test_fast_solver_matches_the_reference_fill(
    inst: tuple[list[F], list[F], F], removed: list[int]
) -> None:
    from n3crypto.incentives.pvcg import _ReadyModel

    q, g, a = inst
    gone = tuple(i for i in removed if i < len(q))
    model = _ReadyModel(q, g, a)
    q_ref = [F(0) if i in gone else q[i] for i in range(len(q))]
    x_ref = ready_model_allocation(q_ref, g, a)
    assert model.accepted(gone) == x_ref
    total, cost, _, _ = model.solve(gone)
    assert total == sum(x_ref)
    assert cost == sum(gi * xi for gi, xi in zip(g, x_ref, strict=True))


def test_callables_must_return_finite_numbers() -> None:
    with pytest.raises(errors.N3ValueError, match="income function returned nan"):
        pvcg_auction([1, 2], [1, 1], income=lambda x: float("nan"))
    with pytest.raises(errors.N3TypeError, match="cost function must return a number"):
        pvcg_auction([1, 2], [1, 1], cost=lambda x, gam: "free")  # type: ignore[arg-type,return-value]
    with pytest.raises(errors.N3TypeError):
        pvcg_auction(None, None)  # type: ignore[arg-type]


def test_surd_hash_agrees_with_equality() -> None:
    assert hash(Surd(0, 2, 4)) == hash(4) == hash(F(4))
    assert {Surd(0, 1, 2), Surd(0, 1, 2)} == {Surd(0, 1, 2)}


@pytest.mark.slow
def test_redistribution_scales_to_a_hundred_producers() -> None:
    import random

    rng = random.Random(7)
    q = [rng.randint(1, 1000) for _ in range(100)]
    g = [F(rng.randint(1, 1000), 100) for _ in range(100)]
    r = pvcg_auction(q, g, alpha=2000, adjustment="redistribute", strict=True)
    assert r.failed == () and sum(r.payments) <= r.income


@settings(max_examples=30)
@given(instances(min_n=2, max_n=5), st.integers(0, 4), caps, gammas)
def test_redistribution_ignores_own_report(
    inst: tuple[list[F], list[F], F], who: int, q_new: F, g_new: F
) -> None:
    q, g, a = inst
    i = who % len(q)
    r = pvcg_auction(q, g, alpha=a, adjustment="redistribute")
    q2, g2 = list(q), list(g)
    q2[i], g2[i] = q_new, g_new
    r2 = pvcg_auction(q2, g2, alpha=a, adjustment="redistribute")
    if "redistribution" not in r.failed + r2.failed:
        assert r2.adjustments[i] == r.adjustments[i]
