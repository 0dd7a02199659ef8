"""Crémer–McLean payments: full extraction, interim IR/IC, conditions, loss method."""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.incentives import (
    CremerMcLeanConditionError,
    CremerMcLeanInfeasible,
    check_cremer_mclean_condition,
    check_identifiability,
    cremer_mclean_payments,
)

F = Fraction


def exact_prior(weights: list[int], shape: tuple[int, ...]) -> list:
    total = sum(weights)
    arr = np.array([F(w, total) for w in weights], dtype=object).reshape(shape)
    return arr.tolist()


def check_constraints(values: list[list[F]], prior: list, res, extraction: str) -> None:
    """Verify every constraint exactly on the returned Fractions."""
    arr = np.asarray(prior, dtype=object)
    shape = arr.shape
    m = len(shape)
    profiles = list(itertools.product(*(range(s) for s in shape)))
    if extraction == "profile":
        for th in profiles:
            assert -sum(res.payments[th]) == sum(values[j][th[j]] for j in range(m))
    for j in range(m):
        for k in range(shape[j]):
            cond = [th for th in profiles if th[j] == k]
            mass = sum(F(arr[th]) for th in cond)
            truthful = sum(F(arr[th]) * (values[j][k] + res.payments[th][j]) for th in cond)
            assert truthful / mass == 0  # interim IR binds: the full surplus is taken
            assert res.interim_utilities[j][k] == 0
            for k2 in range(shape[j]):
                lie = sum(
                    F(arr[th]) * (values[j][k] + res.payments[(*th[:j], k2, *th[j + 1 :])][j])
                    for th in cond
                )
                assert truthful >= lie


@st.composite
def correlated(draw: st.DrawFn, m: int, k: int) -> tuple[list[list[F]], list]:
    shape = (k,) * m
    size = k**m
    weights = [draw(st.integers(1, 12)) for _ in range(size)]
    # A strong diagonal keeps the prior correlated (an independent draw is measure zero
    # anyway, but the diagonal makes the beliefs well separated).
    for d in range(k):
        weights[sum(d * k**i for i in range(m))] += draw(st.integers(6, 20))
    values = [[F(draw(st.integers(0, 30))) for _ in range(k)] for _ in range(m)]
    return values, exact_prior(weights, shape)


@settings(max_examples=12)
@given(correlated(3, 2))
def test_three_users_full_extraction_every_profile_exact(vp: tuple) -> None:
    values, prior = vp
    res = cremer_mclean_payments(values, prior)
    assert res.exact
    check_constraints(values, prior, res, "profile")
    assert res.max_ic_violation == res.max_ir_violation == res.max_extraction_error == 0


@settings(max_examples=4)
@given(correlated(3, 3))
def test_three_users_three_types(vp: tuple) -> None:
    values, prior = vp
    res = cremer_mclean_payments(values, prior)
    if res.exact:
        check_constraints(values, prior, res, "profile")
    assert max(res.max_extraction_error, res.max_ir_violation, res.max_ic_violation) <= 1e-7


@settings(max_examples=12)
@given(correlated(2, 3))
def test_two_users_interim_extraction(vp: tuple) -> None:
    values, prior = vp
    res = cremer_mclean_payments(values, prior, extraction="interim")
    assert res.exact
    check_constraints(values, prior, res, "interim")


def test_two_users_profile_extraction_fails_identifiability() -> None:
    # By hand (2×2, symmetric): with t = w + p, user 1's IRs and IC force t(L,L) ≥ 2,
    # user 2's force t(L,L) ≤ −2; the uniform prior has beliefs inside both hulls.
    prior = [[F(3, 8), F(1, 8)], [F(1, 8), F(3, 8)]]
    with pytest.raises(CremerMcLeanConditionError, match="identifiability fails"):
        cremer_mclean_payments([[0, 4], [0, 4]], prior)
    with pytest.raises(CremerMcLeanInfeasible, match="interim"):
        cremer_mclean_payments([[0, 4], [0, 4]], prior, check_conditions=False)
    assert cremer_mclean_payments([[0, 4], [0, 4]], prior, extraction="interim").exact


@settings(max_examples=10)
@given(correlated(2, 3))
def test_two_users_random_priors_fail_identifiability(vp: tuple) -> None:
    _, prior = vp
    with pytest.raises(CremerMcLeanConditionError, match="identifiability"):
        check_identifiability(prior)


def test_identifiability_is_sufficient_not_necessary_for_given_values() -> None:
    # 3-user priors failing identifiability may still admit payments for given values.
    rng = np.random.default_rng(5)
    found = 0
    for _ in range(40):
        prior = rng.random((2, 2, 2)) + 0.05
        prior /= prior.sum()
        values = [[int(v) for v in rng.integers(0, 20, 2)] for _ in range(3)]
        try:
            check_identifiability(prior)
        except CremerMcLeanConditionError:
            try:
                res = cremer_mclean_payments(values, prior, check_conditions=False)
            except CremerMcLeanInfeasible:
                continue
            assert max(res.max_extraction_error, res.max_ir_violation, res.max_ic_violation) <= 1e-7
            found += 1
        else:  # identifiable (and CM holds generically): payments must exist
            cremer_mclean_payments(values, prior)
    assert found > 0


def test_float_prior_is_read_and_normalised() -> None:
    prior = np.array([[[0.2, 0.05], [0.05, 0.05]], [[0.05, 0.05], [0.05, 0.5]]])
    res = cremer_mclean_payments([[1, 2], [3, 4], [5, 6]], prior)
    assert res.max_ic_violation <= 1e-7


@pytest.mark.parametrize("m", [2, 3])
def test_independent_prior_is_refused(m: int) -> None:
    marg = [F(1, 3), F(2, 3)]
    prior = np.empty((2,) * m, dtype=object)
    for th in itertools.product(range(2), repeat=m):
        p = F(1)
        for t in th:
            p *= marg[t]
        prior[th] = p
    with pytest.raises(CremerMcLeanConditionError, match="Crémer–McLean condition fails"):
        cremer_mclean_payments([[1, 2]] * m, prior.tolist())


def test_convex_combination_of_beliefs_is_refused() -> None:
    # User 0's type 1 believes the average of types 0 and 2.
    prior = [[F(2, 9), F(0)], [F(1, 9), F(1, 9)], [F(0), F(2, 9)]]
    total = sum(sum(r) for r in prior)
    prior = [[v / total for v in r] for r in prior]
    with pytest.raises(CremerMcLeanConditionError, match=r"user 0: the belief of type 1"):
        check_cremer_mclean_condition(prior)


def test_unidentifiable_prior_is_refused() -> None:
    prior = [[F(1, 2), F(0)], [F(0), F(1, 2)]]
    check_cremer_mclean_condition(prior)  # beliefs are independent vectors…
    with pytest.raises(CremerMcLeanConditionError, match="identifiability"):
        check_identifiability(prior)  # …but the support splits in two
    with pytest.raises(CremerMcLeanConditionError, match="identifiability"):
        cremer_mclean_payments([[1, 2], [1, 2]], prior)
    # Interim extraction needs only the Crémer–McLean condition.
    assert cremer_mclean_payments([[1, 2], [1, 2]], prior, extraction="interim").exact


def test_loss_method_reports_its_distance_from_the_lp() -> None:
    prior = exact_prior([9, 1, 2, 1, 1, 2, 1, 7], (2, 2, 2))
    values = [[F(0), F(4)], [F(1), F(3)], [F(2), F(5)]]
    lp = cremer_mclean_payments(values, prior)
    loss = cremer_mclean_payments(values, prior, method="loss")
    assert loss.method == "loss" and not loss.exact
    assert loss.lp_distance is not None and loss.lp_distance >= 0
    assert max(loss.max_extraction_error, loss.max_ir_violation, loss.max_ic_violation) < 1e-6
    assert lp.lp_distance is None


@pytest.mark.parametrize(
    ("values", "prior", "match"),
    [
        ([[1, 2]], [F(1, 2), F(1, 2)], "at least two"),
        ([[1, 2], [1, 2]], [[F(1, 2), F(1, 2)]], "shape"),
        ([[1, 2], [1, 2]], [[F(1, 2), F(1, 2)], [F(1, 2), F(-1, 2)]], "negative"),
        ([[1, 2], [1, 2]], [[F(1, 4), F(1, 4)], [F(1, 4), F(1, 8)]], "sums to"),
        ([[1, 2], [1, 2]], [[F(1, 2), F(1, 2)], [F(0), F(0)]], "zero probability"),
        ([[1, 2], []], [[F(1)], [F(0)]], "no types"),
    ],
)
def test_bad_input(values: list, prior: list, match: str) -> None:
    with pytest.raises(errors.N3ValueError, match=match):
        cremer_mclean_payments(values, prior)


def test_bad_options() -> None:
    prior = exact_prior([3, 1, 1, 3], (2, 2))
    with pytest.raises(errors.N3ValueError):
        cremer_mclean_payments([[1, 2], [1, 2]], prior, method="magic")  # type: ignore[arg-type]
    with pytest.raises(errors.N3ValueError):
        cremer_mclean_payments([[1, 2], [1, 2]], prior, extraction="most")  # type: ignore[arg-type]
    with pytest.raises(errors.N3TypeError):
        cremer_mclean_payments([[1.5, 2], [1, 2]], prior, extraction="interim")


def test_four_users_three_types_exact() -> None:
    rng = np.random.default_rng(3)
    weights = [int(v) for v in rng.integers(1, 9, 81)]
    for d in range(3):
        weights[d * (1 + 3 + 9 + 27)] += 30
    prior = exact_prior(weights, (3, 3, 3, 3))
    values = [[F(int(v)) for v in rng.integers(0, 25, 3)] for _ in range(4)]
    res = cremer_mclean_payments(values, prior)
    assert res.exact
    check_constraints(values, prior, res, "profile")


def test_type_values_must_be_nested_sequences() -> None:
    with pytest.raises(errors.N3TypeError):
        cremer_mclean_payments(None, [[1]])  # type: ignore[arg-type]
    with pytest.raises(errors.N3TypeError):
        cremer_mclean_payments(["ab", "cd"], [[1]])  # type: ignore[list-item]
