"""The Network3 incentive model: who earns what, computed exactly.

* :mod:`~n3crypto.incentives.contribution` – bandwidth miners' score ρ (eq. 1)
  and the per-epoch points ledger;
* :mod:`~n3crypto.incentives.reputation` – δ ≤ 0 from delivery, blame and
  proof events;
* :mod:`~n3crypto.incentives.fl_rewards` – federated-learning role rewards
  (eq. 2–5);
* :mod:`~n3crypto.incentives.pvcg` – the PVCG procurement auction for data
  providers (eq. 11);
* :mod:`~n3crypto.incentives.cremer_mclean` – Crémer–McLean payments for
  model users (eq. 9, 12, 13);
* :mod:`~n3crypto.incentives.staking` – veN3 locks, weekly fee settlement,
  node pledges;
* :mod:`~n3crypto.incentives.money` – exact money and the rounding rules.

Token amounts are ``int`` base units or ``Fraction``; floats appear only
inside numerical optimisers and are converted with a stated rule.

>>> from n3crypto.incentives import pvcg_auction
>>> r = pvcg_auction([10, 10], [1, 3], alpha=10)
>>> r.acceptance, r.payments
((Fraction(1, 1), Fraction(0, 1)), (Fraction(23, 1), Fraction(0, 1)))
"""

from __future__ import annotations

from n3crypto.incentives.contribution import (
    NEG_INF,
    Contribution,
    LinearPointMapping,
    PointMapping,
    PointsLedger,
    PoolPointMapping,
    Weights,
    bandwidth_contribution,
)
from n3crypto.incentives.cremer_mclean import (
    CMResult,
    CremerMcLeanConditionError,
    CremerMcLeanInfeasible,
    check_cremer_mclean_condition,
    check_identifiability,
    cremer_mclean_payments,
)
from n3crypto.incentives.fl_rewards import (
    aggregator_reward,
    global_validator_rewards,
    local_validator_rewards,
    trainer_reward,
)
from n3crypto.incentives.money import split_pro_rata, to_fraction
from n3crypto.incentives.pvcg import (
    PVCGPropertyError,
    PVCGResult,
    pvcg_auction,
    ready_model_allocation,
)
from n3crypto.incentives.reputation import (
    BlameReport,
    DeliveryReport,
    NodeStatus,
    ProvenMisbehaviour,
    Reputation,
    UnverifiedProof,
)
from n3crypto.incentives.staking import (
    Lock,
    NodeTier,
    Settlement,
    TokenAllocation,
    Unstake,
    allocate_supply,
    lock,
    pledge_required,
    settle_week,
    split_release,
    tier_for_pledge,
)
from n3crypto.incentives.surd import Surd

__all__ = [
    "NEG_INF",
    "BlameReport",
    "CMResult",
    "Contribution",
    "CremerMcLeanConditionError",
    "CremerMcLeanInfeasible",
    "DeliveryReport",
    "LinearPointMapping",
    "Lock",
    "NodeStatus",
    "NodeTier",
    "PVCGPropertyError",
    "PVCGResult",
    "PointMapping",
    "PointsLedger",
    "PoolPointMapping",
    "ProvenMisbehaviour",
    "Reputation",
    "Settlement",
    "Surd",
    "TokenAllocation",
    "Unstake",
    "UnverifiedProof",
    "Weights",
    "aggregator_reward",
    "allocate_supply",
    "bandwidth_contribution",
    "check_cremer_mclean_condition",
    "check_identifiability",
    "cremer_mclean_payments",
    "global_validator_rewards",
    "local_validator_rewards",
    "lock",
    "pledge_required",
    "pvcg_auction",
    "ready_model_allocation",
    "settle_week",
    "split_pro_rata",
    "split_release",
    "tier_for_pledge",
    "to_fraction",
    "trainer_reward",
]
