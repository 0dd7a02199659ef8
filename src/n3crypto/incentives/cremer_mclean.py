"""Crémer–McLean payments for model users (whitepaper eq. 9, 12, 13).

Model user j has a private type θ_j from a finite set; ``type_values[j][k]``
is its valuation w(Q, θ_j = k) of the trained model Q, and ``prior`` the
common joint distribution of type profiles θ = (θ_1, …, θ_m). Every user
gets the model; what depends on the reports is the payment
``p_j(θ̂)`` (sign convention: p_j ≤ 0 when j pays). We look for payments with

1. **full surplus extraction for every profile** (the whitepaper's first
   constraint): ``−Σ_j p_j(θ) = Σ_j w(Q, θ_j)`` for every θ
   (``extraction="profile"``, the default). This is ex-post budget balance
   among the users once each pays its reported value, which with two model
   users is generically impossible (identifiability fails);
   ``extraction="interim"`` replaces it by classic Crémer–McLean extraction –
   each type's expected surplus is taken exactly, so the expected revenue is
   the expected total value;
2. **interim individual rationality**:
   ``Σ_{θ₋ⱼ} P(θ₋ⱼ | θ_j)·(w(θ_j) + p_j(θ_j, θ₋ⱼ)) ≥ 0``;
3. **interim incentive compatibility**: reporting θ_j beats any θ'_j:
   ``Σ_{θ₋ⱼ} P(θ₋ⱼ | θ_j)·(p_j(θ_j, θ₋ⱼ) − p_j(θ'_j, θ₋ⱼ)) ≥ 0``.

Summing 2 over types with 1 shows the IR constraints all bind: every user
is left with zero expected surplus. Such payments exist when the prior
satisfies the Crémer–McLean condition (for each user, no type's belief about
the others is a convex combination of its other types' beliefs) and the
identifiability condition of Kosenok & Severinov (2008) (no distribution
other than the prior gives every type a belief inside the convex hull of its
user's beliefs under the prior; generic with three or more users, generically
false with two). Together they guarantee payments for every choice of
valuations. Both are checked first (identifiability only for profile
extraction) and a failure raises :class:`CremerMcLeanConditionError` naming
it; ``check_conditions=False`` lets the LP decide instead.

The payments come from a linear program (HiGHS) that also minimises the
expected absolute payment; the optimal vertex is then recomputed in exact
rationals from its active constraints and verified exactly. The whitepaper's
loss-minimisation alternative (eq. 13: squared violations of the three
constraint families, minimised by L-BFGS-B) is available as
``method="loss"`` and reports its distance from the LP solution.

>>> F = Fraction
>>> prior = [[F(3, 8), F(1, 8)], [F(1, 8), F(3, 8)]]
>>> r = cremer_mclean_payments([[0, 4], [0, 4]], prior, extraction="interim")
>>> r.exact, r.interim_utilities
(True, ((Fraction(0, 1), Fraction(0, 1)), (Fraction(0, 1), Fraction(0, 1))))
>>> cremer_mclean_payments([[0, 4], [0, 4]], prior)  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
n3crypto...CremerMcLeanConditionError: identifiability fails: ...
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from n3crypto.errors import N3CryptoError, N3TypeError, N3ValueError
from n3crypto.incentives.money import to_fraction

__all__ = [
    "CMResult",
    "CremerMcLeanConditionError",
    "CremerMcLeanInfeasible",
    "check_cremer_mclean_condition",
    "check_identifiability",
    "cremer_mclean_payments",
]


def _optimize() -> Any:
    """``scipy.optimize``, imported on first use (it costs ~0.4 s at start-up)."""
    from scipy import optimize  # type: ignore[import-untyped]

    return optimize


Profile = tuple[int, ...]


class CremerMcLeanConditionError(N3ValueError):
    """The prior fails the Crémer–McLean or the identifiability condition."""


class CremerMcLeanInfeasible(N3ValueError):
    """No payments meet every constraint for these values and this prior."""


@dataclass(frozen=True)
class CMResult:
    """Payments per type profile and how well they meet the constraints.

    ``payments[θ][j]`` is p_j(θ) (≤ 0 when j pays). ``interim_utilities[j][k]``
    is user j's expected w + p when of type k and truthful (0 under full
    extraction). Violations are the largest amounts by which a constraint is
    broken (0 when ``exact``). ``lp_distance`` (method ``"loss"`` only) is the
    largest |difference| between the loss-minimising and the LP payments.
    """

    payments: dict[Profile, tuple[Fraction, ...]]
    interim_utilities: tuple[tuple[Fraction, ...], ...]
    exact: bool
    method: str
    max_extraction_error: float
    max_ir_violation: float
    max_ic_violation: float
    lp_distance: float | None


def _read_values(type_values: Sequence[Sequence[object]]) -> list[list[Fraction]]:
    if (
        isinstance(type_values, str | bytes)
        or not hasattr(type_values, "__iter__")
        or any(isinstance(r, str | bytes) or not hasattr(r, "__iter__") for r in type_values)
    ):
        raise N3TypeError("type_values must be a sequence of sequences of numbers")
    vals = [
        [to_fraction(v, f"type_values[{j}][{k}]") for k, v in enumerate(row)]
        for j, row in enumerate(type_values)
    ]
    if len(vals) < 2:
        raise N3ValueError("Crémer–McLean needs at least two model users")
    for j, row in enumerate(vals):
        if not row:
            raise N3ValueError(f"model user {j} has no types")
    return vals


def _read_prior(prior: Any, shape: tuple[int, ...]) -> dict[Profile, Fraction]:
    arr = np.asarray(prior, dtype=object)
    if arr.shape != shape:
        raise N3ValueError(f"prior has shape {arr.shape}, expected {shape} (one axis per user)")
    out: dict[Profile, Fraction] = {}
    any_float = False
    for idx in itertools.product(*(range(s) for s in shape)):
        v = arr[idx]
        if isinstance(v, float | np.floating):
            if not math.isfinite(float(v)):
                raise N3ValueError(f"prior{list(idx)} is not finite")
            any_float = True
            f = Fraction(float(v)).limit_denominator(10**12)
        else:
            f = to_fraction(v.item() if isinstance(v, np.integer) else v, f"prior{list(idx)}")
        if f < 0:
            raise N3ValueError(f"prior{list(idx)} is negative")
        out[idx] = f
    total = sum(out.values(), Fraction(0))
    if total == 0:
        raise N3ValueError("prior sums to 0")
    if any_float:
        if abs(total - 1) > Fraction(1, 10**9):
            raise N3ValueError(f"prior sums to {float(total)}, not 1")
        out = {k: v / total for k, v in out.items()}  # floats: normalise exactly
    elif total != 1:
        raise N3ValueError(f"prior sums to {total}, not 1")
    for j, size in enumerate(shape):
        for k in range(size):
            if sum(p for th, p in out.items() if th[j] == k) == 0:
                raise N3ValueError(f"type {k} of model user {j} has zero probability")
    return out


def _beliefs(
    prior: dict[Profile, Fraction], shape: tuple[int, ...], j: int
) -> list[list[Fraction]]:
    """Row k: P(θ₋ⱼ | θ_j = k) over the others' profiles in product order."""
    others = [range(s) for i, s in enumerate(shape) if i != j]
    rows = []
    for k in range(shape[j]):
        joint = [prior[(*o[:j], k, *o[j:])] for o in itertools.product(*others)]
        marg = sum(joint, Fraction(0))
        rows.append([v / marg for v in joint])
    return rows


def _shape(prior: Any, shape: Sequence[int] | None) -> tuple[int, ...]:
    if shape is None:
        return tuple(np.asarray(prior, dtype=object).shape)
    if isinstance(shape, str | bytes) or not isinstance(shape, Sequence):
        raise N3TypeError(f"shape must be a sequence of ints, not {type(shape).__name__}")
    if any(isinstance(k, bool) or not isinstance(k, int) or k < 1 for k in shape):
        raise N3ValueError("shape must hold positive ints")
    return tuple(shape)


def check_cremer_mclean_condition(prior: Any, shape: Sequence[int] | None = None) -> None:
    """Raise unless every user's beliefs about the others are convexly independent.

    >>> check_cremer_mclean_condition([[0.25, 0.25], [0.25, 0.25]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto...CremerMcLeanConditionError: Crémer–McLean condition fails for model user 0: ...
    """
    shp = _shape(prior, shape)
    p = _read_prior(prior, shp) if not isinstance(prior, dict) else prior
    for j in range(len(shp)):
        rows = _beliefs(p, shp, j)
        for k, row in enumerate(rows):
            rest = [ln for ln in range(len(rows)) if ln != k]
            if not rest:
                continue
            same = [ln for ln in rest if rows[ln] == row]
            if same:
                _fail_cm(j, k, same)
            a_eq = np.array(
                [[float(rows[ln][t]) for ln in rest] for t in range(len(row))] + [[1.0] * len(rest)]
            )
            b_eq = np.array([float(v) for v in row] + [1.0])
            res = _optimize().linprog(
                np.zeros(len(rest)),
                A_eq=a_eq,
                b_eq=b_eq,
                bounds=[(0, None)] * len(rest),
                method="highs",
            )
            if res.status == 0 and np.max(np.abs(a_eq @ res.x - b_eq)) < 1e-9:
                _fail_cm(j, k, [ln for ln, lam in zip(rest, res.x, strict=True) if lam > 1e-12])


def _fail_cm(j: int, k: int, combo: list[int]) -> None:
    raise CremerMcLeanConditionError(
        f"Crémer–McLean condition fails for model user {j}: the belief of type {k} "
        f"is a convex combination of types {combo} (e.g. an independent prior)"
    )


def check_identifiability(prior: Any, shape: Sequence[int] | None = None) -> None:
    """Raise unless the prior satisfies Kosenok–Severinov identifiability.

    The condition: no distribution π ≠ prior gives every type of every user a
    belief π(·|θ_j) inside the convex hull of that user's beliefs under the
    prior. Two cheap sufficient reasons for failure are reported by name (a
    support that splits into groups of profiles sharing no user's type);
    otherwise the set of such π is a polytope containing the prior, and the
    condition holds iff it is the single point: a generic linear functional
    is maximised and minimised over it by two LPs.

    >>> check_identifiability([[0.5, 0], [0, 0.5]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto...CremerMcLeanConditionError: identifiability fails: ... into 2 groups ...
    >>> check_identifiability([[0.375, 0.125], [0.125, 0.375]])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto...CremerMcLeanConditionError: identifiability fails: the distribution ...
    """
    shp = _shape(prior, shape)
    p = _read_prior(prior, shp) if not isinstance(prior, dict) else prior
    support = [th for th, v in p.items() if v > 0]
    parent = {th: th for th in support}

    def find(a: Profile) -> Profile:
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for j in range(len(shp)):
        first: dict[int, Profile] = {}
        for th in support:
            if th[j] in first:
                parent[find(th)] = find(first[th[j]])
            else:
                first[th[j]] = th
    groups: dict[Profile, list[Profile]] = {}
    for th in support:
        groups.setdefault(find(th), []).append(th)
    if len(groups) > 1:
        g = sorted(sorted(v) for v in groups.values())
        raise CremerMcLeanConditionError(
            f"identifiability fails: the prior's support splits into {len(g)} groups of type "
            f"profiles that share no user's type, e.g. {g[0][:3]} and {g[1][:3]}; a prior on "
            "one group alone has the same conditional beliefs"
        )
    _identifiability_lp(p, shp)


def _identifiability_lp(p: dict[Profile, Fraction], shape: tuple[int, ...]) -> None:
    profiles = list(itertools.product(*(range(s) for s in shape)))
    index = {th: t for t, th in enumerate(profiles)}
    npi = len(profiles)
    # μ_j(k, k') ≥ 0: weight of belief k' in type k's belief under π.
    offsets, nvar = [], npi
    for size in shape:
        offsets.append(nvar)
        nvar += size * size
    rows, rhs = [], []
    for j, size in enumerate(shape):
        marg = [sum((p[th] for th in profiles if th[j] == k), Fraction(0)) for k in range(size)]
        for th in profiles:
            row = np.zeros(nvar)
            row[index[th]] = 1.0
            for k2 in range(size):
                other = (*th[:j], k2, *th[j + 1 :])
                # p(θ₋ⱼ | θ_j = k2)
                row[offsets[j] + th[j] * size + k2] = -float(p[other] / marg[k2])
            rows.append(row)
            rhs.append(0.0)
    total = np.zeros(nvar)
    total[:npi] = 1.0
    rows.append(total)
    rhs.append(1.0)
    a_eq, b_eq = np.array(rows), np.array(rhs)
    c = np.zeros(nvar)
    c[:npi] = np.random.default_rng(20080101).random(npi)  # a fixed generic direction
    lo = _optimize().linprog(c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    hi = _optimize().linprog(-c, A_eq=a_eq, b_eq=b_eq, bounds=(0, None), method="highs")
    if lo.status != 0 or hi.status != 0:
        raise N3CryptoError("identifiability LP failed")
    if -hi.fun - lo.fun > 1e-9:
        far = (
            hi.x[:npi]
            if abs(-hi.fun - float(c[:npi] @ [float(p[t]) for t in profiles]))
            > abs(lo.fun - float(c[:npi] @ [float(p[t]) for t in profiles]))
            else lo.x[:npi]
        )
        example = ", ".join(f"{th}: {far[index[th]]:.3f}" for th in profiles[:4])
        raise CremerMcLeanConditionError(
            "identifiability fails: the distribution {"
            + example
            + (", …" if npi > 4 else "")
            + "} differs from the prior, yet every type's belief under it lies in the convex "
            "hull of that user's beliefs under the prior (Kosenok–Severinov), so payments that "
            "extract the surplus at every profile are not guaranteed; this is the typical case "
            "with two model users — extraction='interim' needs only the Crémer–McLean "
            "condition, and check_conditions=False lets the LP try these values"
        )


class _Problem:
    """The constraint matrices over the variables p_j(θ) (index: θ-major, then j)."""

    def __init__(
        self, values: list[list[Fraction]], prior: dict[Profile, Fraction], extraction: str
    ) -> None:
        self.values = values
        self.m = len(values)
        self.shape = tuple(len(r) for r in values)
        self.profiles = list(itertools.product(*(range(s) for s in self.shape)))
        self.index = {th: t for t, th in enumerate(self.profiles)}
        self.prior = prior
        nvar = self.m * len(self.profiles)
        # Equalities: Σ_j p_j(θ) = −Σ_j w_j(θ_j) for every θ ("profile"), or every
        # type's interim surplus extracted exactly ("interim", classic Crémer–McLean).
        self.eq: list[tuple[dict[int, Fraction], Fraction]] = []
        if extraction == "profile":
            for th in self.profiles:
                t = self.index[th]
                row = {t * self.m + j: Fraction(1) for j in range(self.m)}
                self.eq.append((row, -sum((values[j][th[j]] for j in range(self.m)), Fraction(0))))
        # Inequalities row·p ≥ rhs (joint-probability weighted).
        self.ineq: list[tuple[dict[int, Fraction], Fraction, str]] = []
        for j in range(self.m):
            for k in range(self.shape[j]):
                cond = [th for th in self.profiles if th[j] == k]
                row = {self.index[th] * self.m + j: prior[th] for th in cond if prior[th]}
                mass = sum((prior[th] for th in cond), Fraction(0))
                if extraction == "profile":
                    self.ineq.append((row, -mass * values[j][k], f"IR user {j} type {k}"))
                else:
                    self.eq.append((row, -mass * values[j][k]))
                for k2 in range(self.shape[j]):
                    if k2 == k:
                        continue
                    r2: dict[int, Fraction] = {}
                    for th in cond:
                        if not prior[th]:
                            continue
                        lie = (*th[:j], k2, *th[j + 1 :])
                        r2[self.index[th] * self.m + j] = (
                            r2.get(self.index[th] * self.m + j, Fraction(0)) + prior[th]
                        )
                        r2[self.index[lie] * self.m + j] = (
                            r2.get(self.index[lie] * self.m + j, Fraction(0)) - prior[th]
                        )
                    self.ineq.append((r2, Fraction(0), f"IC user {j} type {k} as {k2}"))
        self.nvar = nvar

    def dense(self) -> tuple[npt.NDArray[np.float64], ...]:
        a_eq = np.zeros((len(self.eq), self.nvar))
        b_eq = np.zeros(len(self.eq))
        for r, (row, rhs) in enumerate(self.eq):
            for c, v in row.items():
                a_eq[r, c] = float(v)
            b_eq[r] = float(rhs)
        g = np.zeros((len(self.ineq), self.nvar))
        h = np.zeros(len(self.ineq))
        for r, (row, rhs, _) in enumerate(self.ineq):
            for c, v in row.items():
                g[r, c] = float(v)
            h[r] = float(rhs)
        return a_eq, b_eq, g, h

    def violations(
        self, p: Sequence[Fraction] | npt.NDArray[np.float64]
    ) -> tuple[float, float, float]:
        ext = max(abs(float(sum(v * p[c] for c, v in row.items()) - rhs)) for row, rhs in self.eq)
        ir = ic = 0.0
        for row, rhs, name in self.ineq:
            short = float(rhs - sum(v * p[c] for c, v in row.items()))
            if name.startswith("IR"):
                ir = max(ir, short)
            else:
                ic = max(ic, short)
        return ext, max(ir, 0.0), max(ic, 0.0)

    def exact_ok(self, p: Sequence[Fraction]) -> bool:
        return all(sum(v * p[c] for c, v in row.items()) == rhs for row, rhs in self.eq) and all(
            sum((v * p[c] for c, v in row.items()), Fraction(0)) >= rhs for row, rhs, _ in self.ineq
        )


def _solve_exact(
    rows: list[tuple[dict[int, Fraction], Fraction]], nvar: int, guess: Sequence[Fraction]
) -> list[Fraction] | None:
    """Solve the linear system exactly (sparse Gauss–Jordan over ℚ).

    Columns left free by the system take their ``guess`` value. Returns None
    when the rows are inconsistent (the active set was guessed wrong).
    """
    pivots: dict[int, tuple[dict[int, Fraction], Fraction]] = {}  # col -> reduced row
    for row0, rhs0 in rows:
        row, rhs = dict(row0), Fraction(rhs0)
        for col in [c for c in row if c in pivots]:  # substitute known pivots
            f = row.pop(col, Fraction(0))
            if f == 0:
                continue
            prow, prhs = pivots[col]
            for c2, v2 in prow.items():
                if c2 == col:
                    continue
                nv = row.get(c2, Fraction(0)) - f * v2
                if nv:
                    row[c2] = nv
                else:
                    row.pop(c2, None)
            rhs -= f * prhs
        row = {c: v for c, v in row.items() if v}
        if not row:
            if rhs != 0:
                return None
            continue
        col = min(row, key=lambda c: (c in pivots, c))
        inv = 1 / row[col]
        row = {c: v * inv for c, v in row.items()}
        rhs *= inv
        # keep the earlier pivot rows reduced: remove `col` from them
        for pc, (prow, prhs) in pivots.items():
            fp = prow.get(col, Fraction(0))
            if not fp:
                continue
            for c2, v2 in row.items():
                nv = prow.get(c2, Fraction(0)) - fp * v2
                if nv:
                    prow[c2] = nv
                else:
                    prow.pop(c2, None)
            pivots[pc] = (prow, prhs - fp * rhs)
        pivots[col] = (row, rhs)
    x = list(guess)
    for col, (row, rhs) in pivots.items():
        x[col] = rhs - sum((v * x[c] for c, v in row.items() if c != col), Fraction(0))
    return x


def cremer_mclean_payments(
    type_values: Sequence[Sequence[object]],
    prior: Any,
    *,
    method: Literal["lp", "loss"] = "lp",
    extraction: Literal["profile", "interim"] = "profile",
    check_conditions: bool = True,
    tol: float = 1e-7,
) -> CMResult:
    """Crémer–McLean payments with full surplus extraction (see the module docstring).

    ``type_values[j][k]`` are exact amounts of base units; ``prior`` is an
    m-dimensional nested list or array of probabilities (exact numbers, or
    floats read to 12 digits and renormalised exactly) with one axis per user.

    The conditions guarantee payments for *every* choice of valuations; for
    particular valuations payments may exist without them.
    ``check_conditions=False`` skips the checks and lets the LP decide
    (raising :class:`CremerMcLeanInfeasible` when no payments exist).

    >>> F = Fraction
    >>> prior = [[[F(3, 16), F(1, 16)], [F(1, 16), F(1, 16)]],
    ...          [[F(1, 16), F(1, 16)], [F(1, 16), F(7, 16)]]]
    >>> r = cremer_mclean_payments([[0, 4], [0, 4], [1, 2]], prior)
    >>> r.exact, all(-sum(p) == 4 + 4 + 2 for p in [r.payments[(1, 1, 1)]])
    (True, True)
    >>> r.interim_utilities[2]
    (Fraction(0, 1), Fraction(0, 1))
    >>> r.method, r.max_extraction_error, r.max_ir_violation, r.max_ic_violation, r.lp_distance
    ('lp', 0.0, 0.0, 0.0, None)
    >>> cremer_mclean_payments([[1, 3], [2, 5]], [[0.25, 0.25], [0.25, 0.25]])
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto...CremerMcLeanConditionError: Crémer–McLean condition fails for model user 0: ...
    """
    if method not in ("lp", "loss"):
        raise N3ValueError(f"unknown method {method!r}")
    if extraction not in ("profile", "interim"):
        raise N3ValueError(f"unknown extraction {extraction!r}")
    values = _read_values(type_values)
    shape = tuple(len(r) for r in values)
    p_exact = _read_prior(prior, shape)
    if check_conditions:
        check_cremer_mclean_condition(p_exact, shape)
        if extraction == "profile":  # budget balance at every profile needs identifiability
            check_identifiability(p_exact, shape)
    prob = _Problem(values, p_exact, extraction)
    a_eq, b_eq, g, h = prob.dense()
    nvar = prob.nvar
    weights = np.array([float(p_exact[th]) for th in prob.profiles for _ in range(prob.m)])
    # min Σ P(θ)·|p| : variables (p, s) with −s ≤ p ≤ s (sparse: 2·nvar extra rows).
    from scipy import sparse

    eye = sparse.identity(nvar, format="csr")
    c = np.concatenate([np.zeros(nvar), weights + 1e-6])
    a_ub = sparse.vstack(
        [
            sparse.hstack([sparse.csr_matrix(-g), sparse.csr_matrix(g.shape)]),
            sparse.hstack([eye, -eye]),
            sparse.hstack([-eye, -eye]),
        ],
        format="csr",
    )
    b_ub = np.concatenate([-h, np.zeros(2 * nvar)])
    res = _optimize().linprog(
        c,
        A_ub=a_ub,
        b_ub=b_ub,
        A_eq=sparse.hstack([sparse.csr_matrix(a_eq), sparse.csr_matrix(a_eq.shape)], format="csr"),
        b_eq=b_eq,
        bounds=[(None, None)] * nvar + [(0, None)] * nvar,
        method="highs-ds",
    )
    if res.status == 2:
        raise CremerMcLeanInfeasible(
            "no payments extract the full surplus at every type profile while keeping "
            "interim IR and IC for these values and this prior"
            + ("" if extraction == "interim" else "; extraction='interim' may still be feasible")
        )
    if res.status != 0:
        raise N3CryptoError(f"Crémer–McLean LP failed: {res.message}")
    p_float = np.asarray(res.x[:nvar], dtype=np.float64)
    scale = max(1.0, float(np.max(np.abs(b_eq))), float(np.max(np.abs(h), initial=0.0)))
    active = [
        (row, rhs)
        for (row, rhs, _), gv in zip(prob.ineq, g @ p_float - h, strict=True)
        if abs(gv) <= 1e-9 * scale
    ]
    guess = [Fraction(float(v)).limit_denominator(10**6) for v in p_float]
    exact_p = _solve_exact(prob.eq + active, nvar, guess)
    exact = exact_p is not None and prob.exact_ok(exact_p)
    if exact and exact_p is not None:
        lp_p = exact_p
    else:
        # Fallback: rationalise the floats, then restore extraction exactly per profile
        # by giving the last user the balance (IR/IC stay within solver tolerance).
        lp_p = [Fraction(float(v)).limit_denominator(10**9) for v in p_float]
        if extraction == "profile":
            for row, rhs in prob.eq:
                cols = sorted(row)
                lp_p[cols[-1]] = rhs - sum(lp_p[k] for k in cols[:-1])
    lp_distance: float | None = None
    if method == "loss":
        w_eq = (
            np.sqrt(np.array([float(p_exact[th]) for th in prob.profiles]) + 1e-3)
            if extraction == "profile"
            else np.ones(len(prob.eq))
        )

        def loss(p: npt.NDArray[np.float64]) -> tuple[float, npt.NDArray[np.float64]]:
            r_e = (a_eq @ p - b_eq) * w_eq
            v = np.maximum(0.0, h - g @ p)
            val = float(r_e @ r_e + v @ v)
            grad = 2.0 * (a_eq.T @ (r_e * w_eq)) - 2.0 * (g.T @ v)
            return val, grad

        sol = _optimize().minimize(
            loss,
            np.zeros(nvar),
            jac=True,
            method="L-BFGS-B",
            options={"maxiter": 20000, "ftol": 1e-30, "gtol": 1e-14},
        )
        loss_p = np.asarray(sol.x, dtype=np.float64)
        lp_distance = float(np.max(np.abs(loss_p - np.array([float(v) for v in lp_p]))))
        final = [Fraction(float(v)).limit_denominator(10**9) for v in loss_p]
        exact = False
    else:
        final = lp_p
    ext, ir, ic = (0.0, 0.0, 0.0) if exact else prob.violations(final)
    if method == "lp" and max(ext, ir, ic) > tol * scale:
        raise N3CryptoError(
            f"Crémer–McLean LP solution misses the constraints by {max(ext, ir, ic):.3g}"
        )
    payments = {
        th: tuple(final[t * prob.m + j] for j in range(prob.m))
        for t, th in enumerate(prob.profiles)
    }
    utils = []
    for j in range(prob.m):
        row_u = []
        for k in range(shape[j]):
            cond = [th for th in prob.profiles if th[j] == k]
            mass = sum((p_exact[th] for th in cond), Fraction(0))
            eu = sum((p_exact[th] * (values[j][k] + payments[th][j]) for th in cond), Fraction(0))
            row_u.append(eu / mass)
        utils.append(tuple(row_u))
    return CMResult(
        payments=payments,
        interim_utilities=tuple(utils),
        exact=exact,
        method=method,
        max_extraction_error=ext,
        max_ir_violation=ir,
        max_ic_violation=ic,
        lp_distance=lp_distance,
    )
