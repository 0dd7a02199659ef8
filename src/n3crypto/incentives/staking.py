"""Staking (veN3), weekly fee settlement, node pledges and token tables.

* :func:`lock` – lock ``amount`` base units for 7–365 days; voting weight
  ``veN3 = amount · days / 365`` and APR boost ``1 + 0.75 · days / 365``
  (1.75× at a full year), both exact Fractions.
* :meth:`Lock.unstake` – leaving early costs a penalty proportional to the
  remaining lock time: ``⌈amount · penalty_rate · remaining / 365⌉`` base units
  (default ``penalty_rate`` = 1/2, so at most half the stake, reached only by
  leaving a one-year lock on its first day), never more than the amount.
* :func:`settle_week` – costs first; of what is left, ⌊75 %⌋ to stakers pro
  rata to their veN3 at week start (largest-remainder rounding) and the rest
  (25 % plus the rounding unit, if any) to active developers, split equally
  with the leftover units to the first developers. Nothing is paid when costs
  ≥ fees. Every base unit is accounted for.
* :func:`pledge_required` – super node 0.5 % of circulating supply, tier 1
  half of that, ordinary node half of tier 1, each rounded up to whole units.

>>> lk = lock(1000, 365)
>>> lk.ve, lk.boost
(Fraction(1000, 1), Fraction(7, 4))
>>> s = settle_week(1000, 200, {"alice": 3, "bob": 1}, developers=["dev"])
>>> s.stakers, s.developers
({'alice': 450, 'bob': 150}, {'dev': 200})
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from n3crypto._check import check_iterable, check_type
from n3crypto.errors import N3TypeError, N3ValueError
from n3crypto.incentives.money import split_pro_rata, to_fraction

__all__ = [
    "MAX_BOOST",
    "MAX_LOCK_DAYS",
    "MIN_LOCK_DAYS",
    "STAKER_SHARE",
    "Lock",
    "NodeTier",
    "Settlement",
    "TokenAllocation",
    "Unstake",
    "allocate_supply",
    "lock",
    "pledge_required",
    "settle_week",
    "split_release",
    "tier_for_pledge",
]

MIN_LOCK_DAYS = 7
MAX_LOCK_DAYS = 365
#: Boost at the maximum lock.
MAX_BOOST = Fraction(7, 4)
#: Share of the weekly net fees paid to stakers (the rest goes to developers).
STAKER_SHARE = Fraction(3, 4)


def _units(v: object, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise N3TypeError(f"{name} must be an int number of base units")
    if v < 0:
        raise N3ValueError(f"{name} must be ≥ 0 (got {v})")
    return v


def _days(v: object, name: str) -> int:
    if isinstance(v, bool) or not isinstance(v, int):
        raise N3TypeError(f"{name} must be an int number of days")
    return v


@dataclass(frozen=True)
class Unstake:
    """What an unstake returns and what it forfeits (``returned + penalty == amount``)."""

    returned: int
    penalty: int


@dataclass(frozen=True)
class Lock:
    """A veN3 lock; build it with :func:`lock`.

    >>> lk = lock(1000, 73)
    >>> lk, lk.ve, lk.boost, lk.apr("0.04")
    (Lock(amount=1000, days=73), Fraction(200, 1), Fraction(23, 20), Fraction(23, 500))
    >>> lk.unstake(10)                            # 63 days early
    Unstake(returned=913, penalty=87)
    """

    amount: int
    days: int

    @property
    def ve(self) -> Fraction:
        """Voting weight ``amount · days / 365``."""
        return Fraction(self.amount * self.days, MAX_LOCK_DAYS)

    @property
    def boost(self) -> Fraction:
        """APR multiplier ``1 + 0.75 · days / 365`` (1.75 at 365 days)."""
        return 1 + Fraction(3, 4) * Fraction(self.days, MAX_LOCK_DAYS)

    def apr(self, base_apr: object) -> Fraction:
        """The boosted APR for a base APR.

        >>> lock(10, 73).apr("0.04")
        Fraction(23, 500)
        """
        b = to_fraction(base_apr, "base_apr")
        if b < 0:
            raise N3ValueError("base APR must be ≥ 0")
        return b * self.boost

    def unstake(self, days_elapsed: int, penalty_rate: object = Fraction(1, 2)) -> Unstake:
        """Unstake after ``days_elapsed`` days; early exits pay a penalty.

        >>> lock(1000, 365).unstake(0)
        Unstake(returned=500, penalty=500)
        >>> lock(1000, 30).unstake(23)
        Unstake(returned=990, penalty=10)
        >>> lock(1000, 30).unstake(30)
        Unstake(returned=1000, penalty=0)
        """
        e = _days(days_elapsed, "days_elapsed")
        if e < 0:
            raise N3ValueError("days_elapsed must be ≥ 0")
        rate = to_fraction(penalty_rate, "penalty_rate")
        if not 0 <= rate <= 1:
            raise N3ValueError("penalty_rate must be in [0, 1]")
        remaining = max(0, self.days - e)
        penalty = min(self.amount, math.ceil(self.amount * rate * remaining / MAX_LOCK_DAYS))
        return Unstake(self.amount - penalty, penalty)


def lock(amount: int, days: int) -> Lock:
    """Lock ``amount`` base units for ``days`` (7–365).

    >>> lock(730, 7).ve
    Fraction(14, 1)
    >>> lock(1, 366)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: lock time must be 7–365 days (got 366)
    """
    a = _units(amount, "amount")
    d = _days(days, "days")
    if not MIN_LOCK_DAYS <= d <= MAX_LOCK_DAYS:
        raise N3ValueError(f"lock time must be {MIN_LOCK_DAYS}–{MAX_LOCK_DAYS} days (got {d})")
    if a == 0:
        raise N3ValueError("cannot lock 0")
    return Lock(a, d)


@dataclass(frozen=True)
class Settlement:
    """One week's fee settlement; ``costs_paid + Σ stakers + Σ developers + retained == fees``.

    ``developer_pool`` is the developers' total (kept whole in ``retained`` when no
    developer is named, like the stakers' share when nobody holds veN3);
    ``shortfall`` is how far fees fell short of costs.

    >>> s = settle_week(1003, 200, {"alice": 1, "bob": 2})     # no developer named
    >>> s.staker_pool, s.stakers, s.developer_pool, s.retained
    (602, {'alice': 201, 'bob': 401}, 201, 201)
    >>> s.costs_paid + sum(s.stakers.values()) + sum(s.developers.values()) + s.retained
    1003
    >>> lean = settle_week(1000, 1200, {"alice": 1})
    >>> lean.costs_paid, lean.shortfall, lean.stakers
    (1000, 200, {'alice': 0})
    """

    fees: int
    costs_paid: int
    shortfall: int
    staker_pool: int
    developer_pool: int
    stakers: dict[str, int]
    developers: dict[str, int]
    retained: int


def settle_week(
    gas_fees: int,
    operating_costs: int,
    ve_balances: Mapping[str, object],
    developers: Sequence[str] = (),
) -> Settlement:
    """Distribute one week's gas fees (see the module docstring for the rules).

    ``ve_balances`` are veN3 weights at week start (exact numbers ≥ 0).

    >>> settle_week(100, 100, {"a": 1}).stakers
    {'a': 0}
    >>> s = settle_week(103, 0, {"a": 1, "b": 1, "c": 1}, developers=["d1", "d2"])
    >>> s.stakers, s.developers, s.retained
    ({'a': 26, 'b': 26, 'c': 25}, {'d1': 13, 'd2': 13}, 0)
    """
    fees = _units(gas_fees, "gas_fees")
    costs = _units(operating_costs, "operating_costs")
    if not isinstance(ve_balances, Mapping):
        raise N3TypeError(
            f"ve_balances must be a mapping name -> balance, not {type(ve_balances).__name__}"
        )
    names = list(ve_balances)
    if any(not isinstance(n, str) or not n for n in names):
        raise N3ValueError("staker names must be non-empty strings")
    weights = [to_fraction(ve_balances[n], f"ve_balances[{n!r}]") for n in names]
    if any(w < 0 for w in weights):
        raise N3ValueError("veN3 balances must be ≥ 0")
    devs = check_iterable(developers, "developers")
    if len(set(devs)) != len(devs) or any(not isinstance(d, str) or not d for d in devs):
        raise N3ValueError("developers must be distinct non-empty strings")
    if costs >= fees:
        return Settlement(
            fees=fees,
            costs_paid=fees,
            shortfall=costs - fees,
            staker_pool=0,
            developer_pool=0,
            stakers=dict.fromkeys(names, 0),
            developers=dict.fromkeys(devs, 0),
            retained=0,
        )
    net = fees - costs
    staker_pool = math.floor(net * STAKER_SHARE)
    dev_pool = net - staker_pool
    retained = 0
    if sum(weights, Fraction(0)) > 0:
        stakers = dict(zip(names, split_pro_rata(staker_pool, weights), strict=True))
    else:
        stakers = dict.fromkeys(names, 0)
        retained += staker_pool
    if devs:
        base, rem = divmod(dev_pool, len(devs))
        dev_pay = {d: base + (1 if i < rem else 0) for i, d in enumerate(devs)}
    else:
        dev_pay = {}
        retained += dev_pool
    return Settlement(
        fees=fees,
        costs_paid=costs,
        shortfall=0,
        staker_pool=staker_pool,
        developer_pool=dev_pool,
        stakers=stakers,
        developers=dev_pay,
        retained=retained,
    )


class NodeTier(enum.Enum):
    """Node tiers by pledge; the value is the pledge as a share of circulating supply.

    >>> [(t.name, str(t.value)) for t in NodeTier]
    [('SUPER', '1/200'), ('TIER1', '1/400'), ('ORDINARY', '1/800')]
    >>> pledge_required(NodeTier.TIER1, 10**9), tier_for_pledge(10**6, 10**9)
    (2500000, None)
    """

    SUPER = Fraction(1, 200)
    TIER1 = Fraction(1, 400)
    ORDINARY = Fraction(1, 800)


def pledge_required(tier: NodeTier, circulating_supply: int) -> int:
    """Minimum pledge for ``tier``, rounded up to whole base units.

    >>> pledge_required(NodeTier.SUPER, 10**9), pledge_required(NodeTier.ORDINARY, 10**9)
    (5000000, 1250000)
    """
    if not isinstance(tier, NodeTier):
        raise N3TypeError("tier must be a NodeTier")
    return math.ceil(tier.value * _units(circulating_supply, "circulating_supply"))


def tier_for_pledge(pledge: int, circulating_supply: int) -> NodeTier | None:
    """The highest tier a pledge qualifies for, or None.

    >>> tier_for_pledge(3_000_000, 10**9)
    <NodeTier.TIER1: Fraction(1, 400)>
    """
    p = _units(pledge, "pledge")
    for tier in NodeTier:
        if p >= pledge_required(tier, circulating_supply):
            return tier
    return None


@dataclass(frozen=True)
class TokenAllocation:
    """One row of a token distribution table: a named share of the supply.

    >>> TokenAllocation("team", "0.15")
    TokenAllocation(name='team', share=Fraction(3, 20))
    >>> TokenAllocation("team", 2)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: share of 'team' must be in [0, 1]
    """

    name: str
    share: Fraction

    def __init__(self, name: str, share: object) -> None:
        s = to_fraction(share, f"share of {name!r}")
        if not 0 <= s <= 1:
            raise N3ValueError(f"share of {name!r} must be in [0, 1]")
        object.__setattr__(self, "name", name)
        object.__setattr__(self, "share", s)


def allocate_supply(total_supply: int, table: Sequence[TokenAllocation]) -> dict[str, int]:
    """Split a supply over a distribution table whose shares sum to exactly 1.

    >>> allocate_supply(10, [TokenAllocation("a", "1/3"), TokenAllocation("b", "2/3")])
    {'a': 3, 'b': 7}
    """
    rows = check_iterable(table, "table")
    for r in rows:
        check_type(r, TokenAllocation, "a distribution row")
    if sum((r.share for r in rows), Fraction(0)) != 1:
        raise N3ValueError("distribution shares must sum to exactly 1")
    if len({r.name for r in rows}) != len(rows):
        raise N3ValueError("distribution rows must have distinct names")
    parts = split_pro_rata(_units(total_supply, "total_supply"), [r.share for r in rows])
    return {r.name: p for r, p in zip(rows, parts, strict=True)}


def split_release(amount: int, first_share: object = Fraction(9, 10)) -> tuple[int, int]:
    """The 90/10 release split: ``(⌊amount · 9/10⌋, the rest)``.

    >>> split_release(1001)
    (900, 101)
    """
    a = _units(amount, "amount")
    s = to_fraction(first_share, "first_share")
    if not 0 <= s <= 1:
        raise N3ValueError("first_share must be in [0, 1]")
    first = math.floor(a * s)
    return first, a - first
