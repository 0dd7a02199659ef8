"""How the incentive mechanisms scale (exact arithmetic throughout).

    pytest bench/bench_incentives.py --benchmark-enable --benchmark-columns=median,rounds

PVCG: the ready model's VCG payments need n + 1 optima (O(log n) each after
one sort); Bailey–Cavallo redistribution needs O(n²). Crémer–McLean: one LP
plus an exact re-solve of its vertex, growing with the number of type
profiles.
"""

from __future__ import annotations

import math
import random
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

from n3crypto.incentives import cremer_mclean_payments, pvcg_auction


def _producers(n: int) -> tuple[list[int], list[Fraction]]:
    rng = random.Random(n)  # benchmark inputs, not secrets
    return [rng.randint(1, 1000) for _ in range(n)], [
        Fraction(rng.randint(1, 1000), 100) for _ in range(n)
    ]


@pytest.mark.parametrize("n", [10, 100, 1000])
def test_pvcg_ready_model(benchmark: Any, n: int) -> None:
    q, g = _producers(n)
    benchmark.group = "pvcg ready model, no adjustment"
    benchmark.pedantic(lambda: pvcg_auction(q, g, alpha=10**4), rounds=5, warmup_rounds=1)


@pytest.mark.parametrize("n", [10, 50])
def test_pvcg_redistribute(benchmark: Any, n: int) -> None:
    q, g = _producers(n)
    benchmark.group = "pvcg ready model, Bailey–Cavallo redistribution"
    benchmark.pedantic(
        lambda: pvcg_auction(q, g, alpha=10**4, adjustment="redistribute"),
        rounds=3,
        warmup_rounds=1,
    )


def test_pvcg_general_solver(benchmark: Any) -> None:
    q, g = _producers(6)
    benchmark.group = "pvcg general solver"
    benchmark.pedantic(
        lambda: pvcg_auction(q, g, income=lambda x: 1e4 * math.sqrt(max(0.0, x.sum()))),
        rounds=3,
        warmup_rounds=1,
    )


@pytest.mark.parametrize(("m", "k"), [(3, 2), (3, 3), (4, 3)])
def test_cremer_mclean(benchmark: Any, m: int, k: int) -> None:
    rng = np.random.default_rng(m * 10 + k)
    prior = rng.random((k,) * m) + 0.05
    prior /= prior.sum()
    values = [[int(v) for v in rng.integers(0, 20, k)] for _ in range(m)]
    benchmark.group = "cremer-mclean LP + exact vertex"
    benchmark.pedantic(lambda: cremer_mclean_payments(values, prior), rounds=3, warmup_rounds=1)
