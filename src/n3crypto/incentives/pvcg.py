"""The procurement-VCG (PVCG) auction for data providers (whitepaper eq. 11).

Producer i reports a capacity ``q_i`` (how much data it can contribute) and a
cost type ``γ_i``; the coordinator accepts a fraction ``η_i ∈ [0, 1]`` of it.

Ready model (Cong et al.): income ``I = α·√(Σ q_i·η_i)``, costs
``c_i = γ_i·q_i·η_i``. The accepted quantities maximise the surplus
``S = I − Σ c_i``; since I is concave in the total and costs are linear, the
optimum fills producers in order of cost type until the marginal income
``α / (2√X)`` falls to the next cost type – i.e. up to ``X = (α / 2γ)²`` – with
the marginal producer (or group of producers tied at one cost type, pro rata
to capacity) accepted partially, and nobody accepted when even the cheapest
is too dear. This is solved exactly in rationals.

Payments: ``τ_i = τ̃_i + h_i`` with the VCG part
``τ̃_i = c_i + (S* − S*₋ᵢ)`` (cost plus marginal contribution to the surplus)
and an adjustment ``h_i`` computed from the *other* producers' reports only.

* Truthfulness: τ̃ is a VCG payment, so reporting the true cost type and
  capacity is a dominant strategy (up to the payment resolution, below).
* Individual rationality: ``S* ≥ S*₋ᵢ`` (the optimum without i is feasible
  with i), so ``u_i = τ_i − c_i ≥ h_i ≥ 0``.
* Weak budget balance: ``Σ τ̃_i ≤ I`` holds when producers are substitutes
  (``Σ_i (S* − S*₋ᵢ) ≤ S*``), as in the ready model; adjustments are paid
  only out of what is left.

Exactness: the income is irrational in general and is kept as a
:class:`~n3crypto.incentives.surd.Surd` (``α·√X``), so ``Σ payments ≤ income``
is decided exactly. Costs are exact Fractions. The marginal contribution
``S* − S*₋ᵢ`` (a difference of square roots) is rounded *down* to a multiple
of ``1/resolution`` base units (default: whole base units), which keeps IR
and budget balance exact; a misreport can gain at most less than one
resolution step from this rounding.

>>> r = pvcg_auction([4, 4, 4], [1, 2, 3], alpha=8)
>>> r.acceptance
(Fraction(1, 1), Fraction(0, 1), Fraction(0, 1))
>>> r.income, r.costs[0], r.payments[0], r.utilities[0]
(Surd(16), Fraction(4, 1), Fraction(8, 1), Fraction(4, 1))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from n3crypto._check import check_iterable
from n3crypto.errors import N3TypeError, N3ValueError
from n3crypto.incentives.money import to_fraction
from n3crypto.incentives.surd import Surd, floor_surd_sum

__all__ = [
    "AdjustmentRule",
    "PVCGPropertyError",
    "PVCGResult",
    "pvcg_auction",
    "ready_model_allocation",
]


def _optimize() -> Any:
    """``scipy.optimize``, imported on first use (it costs ~0.4 s at start-up)."""
    from scipy import optimize  # type: ignore[import-untyped]

    return optimize


IncomeFn = Callable[[npt.NDArray[np.float64]], float]
CostFn = Callable[[float, float], float]
#: ``h(i, others)`` where ``others`` is ((q_j, γ_j) for j ≠ i, in order).
AdjustmentFn = Callable[[int, tuple[tuple[Fraction, Fraction], ...]], object]
AdjustmentRule = Literal["none", "redistribute"] | AdjustmentFn


class PVCGPropertyError(N3ValueError):
    """``strict=True`` and individual rationality or budget balance gave way."""


@dataclass(frozen=True)
class PVCGResult:
    """Outcome of :func:`pvcg_auction`; every money value is exact.

    ``acceptance[i]`` is η_i, ``accepted[i]`` = q_i·η_i. ``utilities[i]`` is
    τ_i − c_i at the reported cost type. ``failed`` names the properties that
    gave way (empty for the ready model).
    """

    acceptance: tuple[Fraction, ...]
    accepted: tuple[Fraction, ...]
    surplus: Surd
    income: Surd
    costs: tuple[Fraction, ...]
    vcg_payments: tuple[Fraction, ...]
    adjustments: tuple[Fraction, ...]
    payments: tuple[Fraction, ...]
    utilities: tuple[Fraction, ...]
    budget_surplus: Surd
    individually_rational: bool
    weakly_budget_balanced: bool
    exact: bool
    resolution: int
    failed: tuple[str, ...]


def _read_inputs(
    capacities: Sequence[object], cost_types: Sequence[object]
) -> tuple[list[Fraction], list[Fraction]]:
    for seq in (capacities, cost_types):
        if isinstance(seq, str | bytes) or not hasattr(seq, "__iter__"):
            raise N3TypeError("capacities and cost_types must be sequences of numbers")
    q = [to_fraction(v, f"capacities[{i}]") for i, v in enumerate(capacities)]
    g = [to_fraction(v, f"cost_types[{i}]") for i, v in enumerate(cost_types)]
    if len(q) != len(g):
        raise N3ValueError(f"{len(q)} capacities but {len(g)} cost types")
    if not q:
        raise N3ValueError("no producers")
    for i, (qi, gi) in enumerate(zip(q, g, strict=True)):
        if qi < 0:
            raise N3ValueError(f"capacity of producer {i} is negative ({qi})")
        if gi < 0:
            raise N3ValueError(f"cost type of producer {i} is negative ({gi})")
    return q, g


def ready_model_allocation(
    capacities: Sequence[Fraction], cost_types: Sequence[Fraction], alpha: Fraction
) -> list[Fraction]:
    """Surplus-maximising accepted quantities ``x_i = q_i·η_i`` of the ready model.

    Cost types are filled in increasing order up to ``X = (α/2γ)²``; producers
    tied at the marginal cost type share the remaining demand pro rata to
    capacity (so the outcome does not depend on the order of the input).
    Producers with γ = 0 are always accepted in full.

    >>> F = Fraction
    >>> ready_model_allocation([F(4), F(4)], [F(1), F(1)], F(4))  # demand 4 shared
    [Fraction(2, 1), Fraction(2, 1)]
    >>> ready_model_allocation([Fraction(10)], [Fraction(1)], Fraction(4))
    [Fraction(4, 1)]
    """
    capacities = [to_fraction(c, "capacity") for c in check_iterable(capacities, "capacities")]
    cost_types = [to_fraction(c, "cost type") for c in check_iterable(cost_types, "cost_types")]
    alpha = to_fraction(alpha, "alpha")
    if len(capacities) != len(cost_types):
        raise N3ValueError("one cost type per capacity is needed")
    if any(c < 0 for c in capacities) or any(g < 0 for g in cost_types):
        raise N3ValueError("capacities and cost types must be ≥ 0")
    n = len(capacities)
    x = [Fraction(0)] * n
    total = Fraction(0)
    for gamma in sorted({cost_types[i] for i in range(n) if capacities[i] > 0}):
        group = [i for i in range(n) if cost_types[i] == gamma and capacities[i] > 0]
        cap = sum((capacities[i] for i in group), Fraction(0))
        if gamma == 0:
            take = cap
        else:
            target = (alpha / (2 * gamma)) ** 2
            if total >= target:
                break
            take = min(cap, target - total)
        for i in group:
            x[i] = capacities[i] * take / cap
        total += take
        if take < cap:
            break
    return x


class _ReadyModel:
    """The ready model's optimum for the full set or with one or two producers removed.

    Producers are grouped by cost type and sorted once; with prefix sums of
    capacity and cost, the optimum without a set R of producers is found by a
    binary search for the first group g with ``P'_g ≥ (α/2γ_g)²`` (P' the
    remaining capacity up to g): O(|R|·log n) per query instead of a fresh
    O(n log n) fill. Then ``X = max(P'_{g−1}, (α/2γ_g)²)``.
    """

    def __init__(self, q: list[Fraction], g: list[Fraction], a: Fraction) -> None:
        self.q, self.g, self.a = q, g, a
        gammas = sorted({g[i] for i in range(len(q)) if q[i] > 0})
        index = {gam: k for k, gam in enumerate(gammas)}
        self.gammas = gammas
        self.group = [index[g[i]] if q[i] > 0 else -1 for i in range(len(q))]
        cap = [Fraction(0)] * len(gammas)
        for i, k in enumerate(self.group):
            if k >= 0:
                cap[k] += q[i]
        self.cap = cap
        self.pcap: list[Fraction] = []
        self.pcost: list[Fraction] = []
        run_c, run_k = Fraction(0), Fraction(0)
        for k, gam in enumerate(gammas):
            run_c += cap[k]
            run_k += gam * cap[k]
            self.pcap.append(run_c)
            self.pcost.append(run_k)
        self.target: list[Fraction | None] = [
            None if gam == 0 else (a / (2 * gam)) ** 2 for gam in gammas
        ]

    def solve(self, removed: tuple[int, ...] = ()) -> tuple[Fraction, Fraction, int, Fraction]:
        """``(X, C, g*, take)``: total accepted, total cost, marginal group, its take."""
        rem = [(self.group[r], self.q[r]) for r in removed if self.group[r] >= 0]

        def pcap(k: int) -> Fraction:
            if k < 0:
                return Fraction(0)
            return self.pcap[k] - sum((qr for kr, qr in rem if kr <= k), Fraction(0))

        def pcost(k: int) -> Fraction:
            if k < 0:
                return Fraction(0)
            return self.pcost[k] - sum(
                (qr * self.gammas[kr] for kr, qr in rem if kr <= k), Fraction(0)
            )

        def reached(k: int) -> bool:
            t = self.target[k]
            return t is not None and pcap(k) >= t

        lo, hi = 0, len(self.gammas)
        while lo < hi:  # first group whose demand is reached (monotone in k)
            mid = (lo + hi) // 2
            if reached(mid):
                hi = mid
            else:
                lo = mid + 1
        if lo == len(self.gammas):
            last = len(self.gammas) - 1
            return pcap(last), pcost(last), lo, Fraction(0)
        prev = pcap(lo - 1)
        t = self.target[lo]
        assert t is not None
        total = max(prev, t)
        return total, pcost(lo - 1) + self.gammas[lo] * (total - prev), lo, total - prev

    def accepted(self, removed: tuple[int, ...] = ()) -> list[Fraction]:
        """Accepted quantities x_i (0 for removed producers)."""
        _, _, gstar, take = self.solve(removed)
        gone = set(removed)
        marginal_cap = (
            self.cap[gstar] - sum((self.q[r] for r in gone if self.group[r] == gstar), Fraction(0))
            if gstar < len(self.gammas)
            else Fraction(0)
        )
        x = []
        for i, k in enumerate(self.group):
            if i in gone or k < 0 or k > gstar:
                x.append(Fraction(0))
            elif k < gstar:
                x.append(self.q[i])
            else:
                x.append(self.q[i] * take / marginal_cap if marginal_cap else Fraction(0))
        return x

    def vcg(
        self, resolution: int, removed: tuple[int, ...] = ()
    ) -> tuple[list[Fraction], list[Fraction], Fraction, list[Fraction]]:
        """VCG payments, allocation, X and costs with ``removed`` producers absent."""
        x = self.accepted(removed)
        total, cost_all, _, _ = self.solve(removed)
        costs = [gi * xi for gi, xi in zip(self.g, x, strict=True)]
        vcg: list[Fraction] = []
        for i in range(len(x)):
            if x[i] == 0:
                vcg.append(Fraction(0))  # not accepted: S*₋ᵢ = S*, so τ̃_i = 0 exactly
                continue
            total_wo, cost_wo, _, _ = self.solve((*removed, i))
            # S* − S*₋ᵢ = α√X − α√X₋ᵢ − (C − C₋ᵢ) ≥ 0, rounded down to the resolution.
            marginal = floor_surd_sum(
                cost_wo - cost_all, [(self.a, total), (-self.a, total_wo)], resolution
            )
            vcg.append(costs[i] + max(Fraction(0), marginal))
        return vcg, x, total, costs


def _finite(v: object, name: str) -> float:
    """A callable's result as a finite float, or a clear error."""
    try:
        f = float(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise N3TypeError(f"the {name} function must return a number") from None
    if not math.isfinite(f):
        raise N3ValueError(f"the {name} function returned {f}")
    return f


def _floor_res(v: float | Fraction, resolution: int) -> Fraction:
    return Fraction(math.floor(Fraction(v) * resolution), resolution)


def _general_optimum(
    q: list[Fraction],
    g: list[Fraction],
    income: IncomeFn,
    cost: CostFn,
    excluded: int | None,
) -> npt.NDArray[np.float64]:
    """Maximise income(x) − Σ cost(x_i, γ_i) over 0 ≤ x ≤ q numerically."""
    n = len(q)
    upper = np.array([0.0 if i == excluded else float(q[i]) for i in range(n)])
    gf = [float(v) for v in g]

    def neg_surplus(x: npt.NDArray[np.float64]) -> float:
        return -(
            _finite(income(x), "income")
            - sum(_finite(cost(float(x[i]), gf[i]), "cost") for i in range(n))
        )

    bounds = [(0.0, float(u)) for u in upper]
    best: npt.NDArray[np.float64] | None = None
    best_val = math.inf
    for start in (upper * 0.5, upper, upper * 1e-3):
        res = _optimize().minimize(neg_surplus, start, method="L-BFGS-B", bounds=bounds)
        cand = np.clip(np.asarray(res.x, dtype=np.float64), 0.0, upper)
        val = neg_surplus(cand)
        if val < best_val:
            best, best_val = cand, val
    zero = np.zeros(n)
    if neg_surplus(zero) <= best_val:
        best = zero
    assert best is not None
    return best


def pvcg_auction(
    capacities: Sequence[object],
    cost_types: Sequence[object],
    alpha: object = 1,
    income: IncomeFn | None = None,
    cost: CostFn | None = None,
    *,
    adjustment: AdjustmentRule = "none",
    resolution: int = 1,
    strict: bool = False,
) -> PVCGResult:
    """Run the PVCG procurement auction.

    ``capacities[i]`` (q_i ≥ 0) and ``cost_types[i]`` (γ_i ≥ 0) are the
    producers' reports, ``alpha`` ≥ 0 the income scale, all exact numbers in
    base units. With ``income`` and ``cost`` left out the ready model is
    solved exactly. Otherwise ``income(x)`` (concave, x the array of accepted
    quantities) and ``cost(x_i, γ_i)`` (convex in x_i) go to a numerical
    solver (L-BFGS-B, several starts); its floats are converted with a stated
    rule: accepted quantities become the closest fractions with denominator
    ≤ 10⁹, clipped to [0, q_i]; the income and cost values the callables
    return there are taken exactly (a binary float is a dyadic rational), and
    marginal contributions are rounded down to the resolution.

    ``adjustment`` chooses h_i, which never sees producer i's own report:

    * ``"none"`` – h_i = 0 (the plain PVCG of the paper);
    * ``"redistribute"`` – h_i = B₋ᵢ / n rounded down to the resolution, B₋ᵢ
      the budget left over by the same auction run without producer i
      (Bailey–Cavallo); weak budget
      balance is re-checked and, if the leftover budget could not cover the
      rebates, every h_i is dropped to 0 and ``"redistribution"`` is listed
      in ``failed``;
    * a callable ``h(i, others)`` with ``others`` = ((q_j, γ_j) for j ≠ i).

    ``failed`` lists ``"individual_rationality"`` / ``"weak_budget_balance"``
    when a property gives way (possible only for general income/cost
    functions whose producers are not substitutes, or a custom adjustment);
    with ``strict=True`` that raises :class:`PVCGPropertyError` instead.

    >>> r = pvcg_auction([1, 1], [1, 1], alpha=4)
    >>> r.acceptance, r.payments, r.income
    ((Fraction(1, 1), Fraction(1, 1)), (Fraction(1, 1), Fraction(1, 1)), Surd(0 + 4·√2))
    >>> r.weakly_budget_balanced and r.individually_rational
    True
    >>> r.surplus, r.budget_surplus, r.utilities, r.failed
    (Surd(-2 + 4·√2), Surd(-2 + 4·√2), (Fraction(0, 1), Fraction(0, 1)), ())
    """
    q, g = _read_inputs(capacities, cost_types)
    a = to_fraction(alpha, "alpha")
    if a < 0:
        raise N3ValueError(f"alpha must be ≥ 0 (got {a})")
    if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 1:
        raise N3ValueError("resolution must be a positive int (sub-units per base unit)")
    n = len(q)
    model: _ReadyModel | None = None
    if income is None and cost is None:
        model = _ReadyModel(q, g, a)
        vcg, x, total, costs = model.vcg(resolution)
        inc = Surd(0, a, total)
        exact = True
    else:
        vcg, x, inc, costs = _general_vcg(q, g, a, income, cost, resolution)
        exact = False
    failed: list[str] = []

    # Adjustments h_i: computed from the others' reports only.
    if adjustment == "none":
        adj = [Fraction(0)] * n
    elif adjustment == "redistribute":
        adj = []
        for i in range(n):
            rest = [j for j in range(n) if j != i]
            if not rest:
                adj.append(Fraction(0))
                continue
            qo, go = [q[j] for j in rest], [g[j] for j in rest]
            if model is not None:
                v_o, _, total_o, _ = model.vcg(resolution, removed=(i,))
                inc_o = Surd(0, a, total_o)
            else:
                v_o, _, inc_o, _ = _general_vcg(qo, go, a, income, cost, resolution)
            left = inc_o - sum(v_o, Fraction(0))
            adj.append(max(Fraction(0), (left * Fraction(1, n)).floor(resolution)))
    elif callable(adjustment):
        adj = []
        for i in range(n):
            others = tuple((q[j], g[j]) for j in range(n) if j != i)
            adj.append(to_fraction(adjustment(i, others), f"adjustment h_{i}"))
    else:
        raise N3ValueError(f"unknown adjustment rule {adjustment!r}")

    def totals(h: list[Fraction]) -> tuple[list[Fraction], list[Fraction]]:
        pay = [v + hi for v, hi in zip(vcg, h, strict=True)]
        return pay, [p - c for p, c in zip(pay, costs, strict=True)]

    payments, utilities = totals(adj)
    if adjustment == "redistribute" and not inc >= sum(payments, Fraction(0)):
        failed.append("redistribution")
        adj = [Fraction(0)] * n
        payments, utilities = totals(adj)
    ir = all(u >= 0 for u in utilities)
    wbb = inc >= sum(payments, Fraction(0))
    if not ir:
        failed.append("individual_rationality")
    if not wbb:
        failed.append("weak_budget_balance")
    if strict and failed:
        raise PVCGPropertyError("PVCG properties gave way: " + ", ".join(failed))
    total_cost = sum(costs, Fraction(0))
    return PVCGResult(
        acceptance=tuple((xi / qi if qi else Fraction(0)) for xi, qi in zip(x, q, strict=True)),
        accepted=tuple(x),
        surplus=inc - total_cost,
        income=inc,
        costs=tuple(costs),
        vcg_payments=tuple(vcg),
        adjustments=tuple(adj),
        payments=tuple(payments),
        utilities=tuple(utilities),
        budget_surplus=inc - sum(payments, Fraction(0)),
        individually_rational=ir,
        weakly_budget_balanced=wbb,
        exact=exact,
        resolution=resolution,
        failed=tuple(failed),
    )


def _general_vcg(
    q: list[Fraction],
    g: list[Fraction],
    a: Fraction,
    income: IncomeFn | None,
    cost: CostFn | None,
    resolution: int,
) -> tuple[list[Fraction], list[Fraction], Surd, list[Fraction]]:
    af = float(a)

    def default_income(x: npt.NDArray[np.float64]) -> float:
        return af * math.sqrt(max(0.0, float(np.sum(x))))

    def default_cost(xi: float, gi: float) -> float:
        return gi * xi

    inc_fn = income if income is not None else default_income
    cost_fn = cost if cost is not None else default_cost
    n = len(q)

    def evaluate(
        xs: npt.NDArray[np.float64],
    ) -> tuple[list[Fraction], Fraction, list[Fraction]]:
        xr = [
            min(q[i], max(Fraction(0), Fraction(float(xs[i])).limit_denominator(10**9)))
            for i in range(n)
        ]
        arr = np.array([float(v) for v in xr])
        # A binary float is a dyadic rational: take the callables' values exactly.
        inc = Fraction(_finite(inc_fn(arr), "income"))
        cs = [Fraction(_finite(cost_fn(float(xr[i]), float(g[i])), "cost")) for i in range(n)]
        return xr, inc, cs

    x, inc, costs = evaluate(_general_optimum(q, g, inc_fn, cost_fn, None))
    s_all = inc - sum(costs, Fraction(0))
    vcg: list[Fraction] = []
    for i in range(n):
        if x[i] == 0:
            vcg.append(Fraction(0))
            continue
        _, inc_o, costs_o = evaluate(_general_optimum(q, g, inc_fn, cost_fn, i))
        s_wo = inc_o - sum(costs_o, Fraction(0))
        # Numerical optima: clip a marginal contribution below 0 (solver noise) to 0;
        # round it down to the resolution as in the ready model.
        vcg.append(costs[i] + max(Fraction(0), _floor_res(s_all - s_wo, resolution)))
    return vcg, x, Surd(inc), costs
