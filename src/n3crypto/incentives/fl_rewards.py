"""Federated-learning role rewards (whitepaper eq. 2–5), in whole base units.

* Trainer x: ``|s_x| · |epochs| · r̂`` when its honesty score HT ≥ 1/2, else 0.
* Local validators: the validators' vote queue VQ is ordered by time of
  vote; the validator at position k (1-based) earns
  ``r̂ · (|VQ| − k + 1) / |VQ|`` – the first voter earns r̂, the last r̂/|VQ|.
  (Our reading of the vote-order formula: earlier votes are worth more
  because they carry information the later ones could copy.)
* Aggregator: ``|HT| · |VQ| · r̂`` – |HT| the number of trainers whose honesty
  was scored, |VQ| the number of votes aggregated.
* Global validators: a pool R split equally over m validators; each gets
  ``⌊R/m⌋`` and the ``R mod m`` leftover units go one each to the first
  validators in the given (canonical, e.g. sorted-by-id) order, so the pool
  is paid out exactly.

Every rate r̂ is an exact number of base units (int or Fraction); each
individual reward is rounded down to whole base units (the payer never pays
more than the formula).

>>> trainer_reward(100, 3, 2, "0.7")
600
>>> local_validator_rewards(["v1", "v2", "v3"], 30)
{'v1': 30, 'v2': 20, 'v3': 10}
>>> global_validator_rewards(["g1", "g2", "g3"], 100)
{'g1': 34, 'g2': 33, 'g3': 33}
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction

from n3crypto._check import check_iterable
from n3crypto.errors import N3TypeError, N3ValueError
from n3crypto.incentives.money import to_fraction

__all__ = [
    "aggregator_reward",
    "global_validator_rewards",
    "local_validator_rewards",
    "trainer_reward",
]


def _count(v: object, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise N3TypeError(f"{name} must be an int")
    if v < 0:
        raise N3ValueError(f"{name} must be ≥ 0 (got {v})")
    return v


def _rate(v: object) -> Fraction:
    r = to_fraction(v, "unit reward r̂")
    if r < 0:
        raise N3ValueError(f"unit reward r̂ must be ≥ 0 (got {r})")
    return r


def trainer_reward(samples: int, epochs: int, unit_reward: object, honesty: object) -> int:
    """``|s_x|·|epochs|·r̂`` base units (floored) if HT ≥ 1/2, else 0.

    >>> trainer_reward(10, 2, "1.5", "0.5"), trainer_reward(10, 2, 5, "0.49")
    (30, 0)
    """
    n = _count(samples, "samples")
    e = _count(epochs, "epochs")
    r = _rate(unit_reward)
    ht = to_fraction(honesty, "honesty HT")
    if not 0 <= ht <= 1:
        raise N3ValueError(f"honesty HT must be in [0, 1] (got {ht})")
    if ht < Fraction(1, 2):
        return 0
    return math.floor(n * e * r)


def local_validator_rewards(vote_queue: Sequence[str], unit_reward: object) -> dict[str, int]:
    """Reward by position in the vote queue VQ (first vote earns most).

    A validator appearing twice in VQ is an error (one vote each).

    >>> local_validator_rewards(["a", "b"], 5)
    {'a': 5, 'b': 2}
    """
    r = _rate(unit_reward)
    q = check_iterable(vote_queue, "vote_queue")
    if any(not isinstance(v, str) or not v for v in q):
        raise N3ValueError("vote queue entries must be non-empty strings")
    if len(set(q)) != len(q):
        raise N3ValueError("a validator may vote once per round")
    size = len(q)
    return {v: math.floor(r * (size - k) / size) for k, v in enumerate(q)}


def aggregator_reward(trainers_scored: int, votes: int, unit_reward: object) -> int:
    """``|HT|·|VQ|·r̂`` base units, floored.

    >>> aggregator_reward(4, 3, "0.5")
    6
    """
    return math.floor(_count(trainers_scored, "|HT|") * _count(votes, "|VQ|") * _rate(unit_reward))


def global_validator_rewards(validators: Sequence[str], pool: int) -> dict[str, int]:
    """``R/m`` each; the remainder ``R mod m`` one unit each to the first validators.

    >>> global_validator_rewards(["x", "y"], 5)
    {'x': 3, 'y': 2}
    """
    total = _count(pool, "pool R")
    vs = check_iterable(validators, "validators")
    if not vs:
        raise N3ValueError("no global validators to pay")
    if len(set(vs)) != len(vs) or any(not isinstance(v, str) or not v for v in vs):
        raise N3ValueError("global validators must be distinct non-empty strings")
    base, rem = divmod(total, len(vs))
    return {v: base + (1 if i < rem else 0) for i, v in enumerate(vs)}
