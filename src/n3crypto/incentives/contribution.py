"""Bandwidth miners' contribution score (whitepaper eq. 1) and the points ledger.

ρ = (ω₁·T − ω₂·t_delay + ω₃·δ) · D

* T – online time in the epoch (hours), t_delay – mean delay (seconds),
  δ ≤ 0 – reputation (0 for an honest node, −∞ for proven misbehaviour),
  D – data volume relayed (any fixed unit, e.g. MiB);
* ω₁, ω₂, ω₃ ≥ 0 – weights set by governance.

A negative bracket gives ρ = 0 and blacklists the node for the epoch; a
bracket of exactly zero gives ρ = 0 *without* blacklisting (the node did
nothing wrong; it simply earned nothing). δ = −∞ always blacklists. All
arithmetic is exact (:class:`~fractions.Fraction`).

>>> w = Weights(1, 1, 1)
>>> bandwidth_contribution(10, 5, 2, 0, w)
Contribution(rho=Fraction(40, 1), blacklisted=False)
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from n3crypto.errors import N3CryptoError, N3TypeError, N3ValueError
from n3crypto.incentives.money import split_pro_rata, to_fraction

__all__ = [
    "NEG_INF",
    "Contribution",
    "LinearPointMapping",
    "PointsLedger",
    "PoolPointMapping",
    "Weights",
    "bandwidth_contribution",
    "read_reputation",
]

#: Reputation of a node whose misbehaviour is proven (δ = −∞).
NEG_INF = float("-inf")


def read_reputation(value: object) -> Fraction | float:
    """Validate a reputation δ: an exact number ≤ 0, or ``-inf``.

    >>> read_reputation("-0.5"), read_reputation(float("-inf"))
    (Fraction(-1, 2), -inf)
    >>> read_reputation(1)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: reputation δ must be ≤ 0 (got 1)
    """
    if isinstance(value, float) and math.isinf(value) and value < 0:
        return NEG_INF
    if isinstance(value, str) and value.strip().lower() in {"-inf", "-infinity"}:
        return NEG_INF
    d = to_fraction(value, "reputation")
    if d > 0:
        raise N3ValueError(f"reputation δ must be ≤ 0 (got {d})")
    return d


@dataclass(frozen=True)
class Weights:
    """The weights ω₁ (online time), ω₂ (delay), ω₃ (reputation); each ≥ 0.

    >>> Weights("0.5", 2, 10).w1
    Fraction(1, 2)
    """

    w1: Fraction
    w2: Fraction
    w3: Fraction

    def __init__(self, w1: object, w2: object, w3: object) -> None:
        vals = [to_fraction(v, f"ω{i}") for i, v in enumerate((w1, w2, w3), 1)]
        for i, v in enumerate(vals, 1):
            if v < 0:
                raise N3ValueError(f"weight ω{i} must be ≥ 0 (got {v})")
        object.__setattr__(self, "w1", vals[0])
        object.__setattr__(self, "w2", vals[1])
        object.__setattr__(self, "w3", vals[2])


@dataclass(frozen=True)
class Contribution:
    """A node's score for one epoch: ρ ≥ 0 and whether it is blacklisted."""

    rho: Fraction
    blacklisted: bool


def bandwidth_contribution(
    online_hours: object,
    data_volume: object,
    delay: object,
    reputation: object,
    weights: Weights,
) -> Contribution:
    """ρ = (ω₁·T − ω₂·t_delay + ω₃·δ)·D, floored at 0 with blacklisting.

    Inputs are exact numbers; ``online_hours``, ``data_volume`` and ``delay``
    must be ≥ 0, ``reputation`` ≤ 0 or ``float('-inf')``.

    >>> w = Weights(2, 1, 4)
    >>> bandwidth_contribution(24, 100, 3, "-0.5", w).rho
    Fraction(4300, 1)
    >>> bandwidth_contribution(1, 100, 5, 0, w)
    Contribution(rho=Fraction(0, 1), blacklisted=True)
    >>> bandwidth_contribution(24, 100, 0, float("-inf"), w).blacklisted
    True
    """
    if not isinstance(weights, Weights):
        raise N3TypeError("weights must be a Weights instance")
    t = to_fraction(online_hours, "online_hours")
    d_vol = to_fraction(data_volume, "data_volume")
    t_delay = to_fraction(delay, "delay")
    for name, v in (("online_hours", t), ("data_volume", d_vol), ("delay", t_delay)):
        if v < 0:
            raise N3ValueError(f"{name} must be ≥ 0 (got {v})")
    delta = read_reputation(reputation)
    if isinstance(delta, float):  # −∞: proven misbehaviour
        return Contribution(Fraction(0), True)
    bracket = weights.w1 * t - weights.w2 * t_delay + weights.w3 * delta
    if bracket < 0:
        return Contribution(Fraction(0), True)
    return Contribution(bracket * d_vol, False)


class PointMapping:
    """How one epoch's points become tokens (decided later by holders).

    Subclass it and define ``tokens``, or pass :meth:`PointsLedger.close` a
    plain function; :class:`LinearPointMapping` and :class:`PoolPointMapping`
    are the two built in.

    >>> import math
    >>> from fractions import Fraction
    >>> from n3crypto.incentives import Contribution, PointMapping, PointsLedger
    >>> class Capped(PointMapping):
    ...     def tokens(self, points):
    ...         return {n: min(100, math.floor(p)) for n, p in points.items()}
    >>> ledger = PointsLedger()
    >>> ledger.record(1, "relay-a", Contribution(Fraction(250), False))
    >>> ledger.record(1, "relay-b", Contribution(Fraction(40), False))
    >>> ledger.close(1, Capped())
    {'relay-a': 100, 'relay-b': 40}
    """

    def tokens(self, points: Mapping[str, Fraction]) -> dict[str, int]:  # pragma: no cover
        raise NotImplementedError


def _check_epoch(epoch: object) -> int:
    if isinstance(epoch, bool) or not isinstance(epoch, int) or epoch < 0:
        raise N3ValueError("epoch must be a non-negative int")
    return epoch


def _points_arg(points: object) -> dict[str, Fraction]:
    if not isinstance(points, Mapping):
        raise N3TypeError(f"points must be a mapping node -> points, not {type(points).__name__}")
    if not all(isinstance(n, str) for n in points):
        raise N3TypeError("points must be keyed by node id (str)")
    return {n: to_fraction(p, f"points[{n!r}]") for n, p in points.items()}


@dataclass(frozen=True)
class LinearPointMapping(PointMapping):
    """A fixed price: ``floor(points · tokens_per_point)`` base units each.

    >>> LinearPointMapping("0.5").tokens({"a": Fraction(7)})
    {'a': 3}
    """

    tokens_per_point: Fraction

    def __init__(self, tokens_per_point: object) -> None:
        r = to_fraction(tokens_per_point, "tokens_per_point")
        if r < 0:
            raise N3ValueError("tokens_per_point must be ≥ 0")
        object.__setattr__(self, "tokens_per_point", r)

    def tokens(self, points: Mapping[str, Fraction]) -> dict[str, int]:
        pts = _points_arg(points)
        return {n: math.floor(p * self.tokens_per_point) for n, p in pts.items()}


@dataclass(frozen=True)
class PoolPointMapping(PointMapping):
    """A fixed emission per epoch split pro rata to points (largest remainder).

    The whole pool is paid when any node has points; none when nobody has.

    >>> PoolPointMapping(10).tokens({"a": Fraction(1), "b": Fraction(2)})
    {'a': 3, 'b': 7}
    """

    pool: int

    def __post_init__(self) -> None:
        if isinstance(self.pool, bool) or not isinstance(self.pool, int) or self.pool < 0:
            raise N3ValueError("pool must be a non-negative int of base units")

    def tokens(self, points: Mapping[str, Fraction]) -> dict[str, int]:
        points = _points_arg(points)
        names = list(points)
        if sum(points.values(), Fraction(0)) == 0:
            return dict.fromkeys(names, 0)
        return dict(zip(names, split_pro_rata(self.pool, [points[n] for n in names]), strict=True))


@dataclass
class PointsLedger:
    """Points per node per epoch; an epoch, once closed, is immutable.

    Blacklisted nodes earn nothing in the epoch they are blacklisted, even for
    contributions recorded earlier in that epoch.

    >>> ledger = PointsLedger()
    >>> w = Weights(1, 0, 0)
    >>> ledger.record(1, "relay-a", bandwidth_contribution(10, 3, 0, 0, w))
    >>> ledger.record(1, "relay-b", bandwidth_contribution(10, 1, 0, 0, w))
    >>> ledger.close(1, PoolPointMapping(1000))
    {'relay-a': 750, 'relay-b': 250}
    """

    _points: dict[int, dict[str, Fraction]] = field(default_factory=dict)
    _blacklisted: dict[int, set[str]] = field(default_factory=dict)
    _closed: dict[int, dict[str, int]] = field(default_factory=dict)

    def record(self, epoch: int, node: str, contribution: Contribution) -> None:
        """Add a node's contribution to an open epoch."""
        _check_epoch(epoch)
        if not isinstance(node, str) or not node:
            raise N3ValueError("node must be a non-empty string")
        if not isinstance(contribution, Contribution):
            raise N3TypeError("contribution must be a Contribution")
        if epoch in self._closed:
            raise N3ValueError(f"epoch {epoch} is closed")
        pts = self._points.setdefault(epoch, {})
        pts[node] = pts.get(node, Fraction(0)) + contribution.rho
        if contribution.blacklisted:
            self._blacklisted.setdefault(epoch, set()).add(node)

    def points(self, epoch: int) -> dict[str, Fraction]:
        """Points that count in ``epoch`` (blacklisted nodes at 0)."""
        _check_epoch(epoch)
        bl = self._blacklisted.get(epoch, set())
        return {n: (Fraction(0) if n in bl else p) for n, p in self._points.get(epoch, {}).items()}

    def blacklisted(self, epoch: int) -> frozenset[str]:
        """Nodes blacklisted in ``epoch``."""
        _check_epoch(epoch)
        return frozenset(self._blacklisted.get(epoch, set()))

    def close(
        self, epoch: int, mapping: PointMapping | Callable[[Mapping[str, Fraction]], dict[str, int]]
    ) -> dict[str, int]:
        """Close ``epoch`` and convert its points to tokens with ``mapping``."""
        _check_epoch(epoch)
        if not isinstance(mapping, PointMapping) and not callable(mapping):
            raise N3TypeError(
                f"mapping must be a PointMapping or a callable, not {type(mapping).__name__}"
            )
        if epoch in self._closed:
            raise N3ValueError(f"epoch {epoch} is already closed")
        pts = self.points(epoch)
        out = mapping.tokens(pts) if isinstance(mapping, PointMapping) else mapping(pts)
        if set(out) != set(pts) or any(
            isinstance(v, bool) or not isinstance(v, int) or v < 0 for v in out.values()
        ):
            raise N3ValueError("point mapping must give a non-negative int to every node")
        self._closed[epoch] = dict(out)
        return dict(out)

    def epochs(self) -> Iterator[int]:
        """Epochs with any record, in order."""
        return iter(sorted(self._points))

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state (exact points as ``"p/q"`` strings), for storage and audit.

        >>> ledger = PointsLedger()
        >>> ledger.record(2, "a", Contribution(Fraction(5, 2), False))
        >>> d = ledger.to_dict()
        >>> d
        {'epochs': {'2': {'points': {'a': '5/2'}, 'blacklisted': [], 'closed': None}}}
        >>> PointsLedger.from_dict(d).points(2)
        {'a': Fraction(5, 2)}
        """
        epochs = sorted(set(self._points) | set(self._closed))
        return {
            "epochs": {
                str(e): {
                    "points": {n: str(p) for n, p in self._points.get(e, {}).items()},
                    "blacklisted": sorted(self._blacklisted.get(e, set())),
                    "closed": self._closed.get(e),
                }
                for e in epochs
            }
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PointsLedger:
        """Rebuild a ledger from :meth:`to_dict` output (validated)."""
        ledger = cls()
        try:
            for key, ep in data["epochs"].items():
                e = int(key)
                if e < 0:
                    raise N3ValueError("epoch must be ≥ 0")
                ledger._points[e] = {
                    str(n): to_fraction(p, f"points of {n!r}") for n, p in ep["points"].items()
                }
                if any(v < 0 for v in ledger._points[e].values()):
                    raise N3ValueError("points must be ≥ 0")
                if ep["blacklisted"]:
                    ledger._blacklisted[e] = {str(n) for n in ep["blacklisted"]}
                if ep["closed"] is not None:
                    ledger._closed[e] = {str(n): int(v) for n, v in ep["closed"].items()}
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, N3CryptoError):
                raise
            raise N3ValueError(f"not a points-ledger record: {exc!r}") from None
        return ledger
