"""Relay reputation δ ≤ 0, fed by explicit events.

Three kinds of evidence, three strengths of consequence:

* **Unreliable delivery** (:class:`DeliveryReport`): each failed delivery
  deducts a small fixed amount from δ (default 1/100), accumulating; a
  delivery that succeeds may win back ``recovery`` (default 0), never above 0.
  An honest node that always delivers keeps δ = 0.
* **Statistical blame** (:class:`BlameReport`): the data-correctness
  verification locates corrupted shards on paths; a relay on a blamed path
  is *suspected*, not convicted – a corrupting relay and a dropping neighbour
  look alike, and a sender or receiver could lie to frame it. A node is
  blacklisted only when an exact one-sided binomial test rejects "this relay
  is blamed no more often than the background rate p₀" at level α (default
  α = 10⁻⁶): ``P[Bin(n, p₀) ≥ k] ≤ α`` with k blames out of n distinct
  transfers, **and** an exact one-sided Fisher test rejects "this relay is
  blamed no more often than all the other relays together" at the same level.
  The second test is what keeps the honest neighbours of a corrupting relay
  safe: they share its blamed paths, so their raw blame rate is far above
  p₀, but not above the network's. (Transfers involve several relays, so
  the observations are not independent; the tests are a decision rule with
  a stated threshold, not an exact error rate.) Framing is bounded: a
  transfer counts once per node, and one reporter's blames against a node
  count at most ``reporter_cap`` times; and no node is blacklisted on fewer
  than ``min_observations`` transfers or on blames from fewer than
  ``min_reporters`` distinct reporters. A node is re-tested after each of
  its reports (and by :meth:`Reputation.review`); over t tests an honest
  node's chance of a wrong blacklisting is at most t·α under the model.
* **Proof** (:class:`ProvenMisbehaviour`): a statement signed by the relay
  itself that shows misbehaviour (e.g. two different routing decisions
  signed for one packet). Only this sets δ = −∞. The signature is checked by
  the ``verifier`` given to :class:`Reputation` (it must raise on failure);
  an unverifiable proof changes nothing and raises.

>>> rep = Reputation()
>>> rep.apply(DeliveryReport("relay-1", delivered=False))
>>> rep.delta("relay-1"), rep.delta("relay-2")
(Fraction(-1, 100), Fraction(0, 1))
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

from n3crypto.errors import N3CryptoError, N3TypeError, N3ValueError
from n3crypto.incentives.contribution import (
    NEG_INF,
    Contribution,
    Weights,
    bandwidth_contribution,
)
from n3crypto.incentives.money import to_fraction

__all__ = [
    "BlameReport",
    "DeliveryReport",
    "NodeStatus",
    "ProvenMisbehaviour",
    "Reputation",
    "UnverifiedProof",
    "binomial_tail",
    "fisher_tail",
]


class UnverifiedProof(N3ValueError):
    """A misbehaviour proof did not verify (or no verifier is configured)."""


@dataclass(frozen=True)
class DeliveryReport:
    """One delivery through ``node``: succeeded or not.

    >>> DeliveryReport("relay-9", delivered=False)
    DeliveryReport(node='relay-9', delivered=False)
    """

    node: str
    delivered: bool


@dataclass(frozen=True)
class BlameReport:
    """``reporter``'s outcome for ``node`` on transfer ``transfer_id``.

    ``blamed`` is True when the verification put the node on a path that
    delivered a corrupted or missing shard, False when the node was on a path
    that checked out (a clean observation counts as evidence too).

    >>> rep = Reputation()
    >>> rep.apply(BlameReport("relay-4", "transfer-1", "alice", blamed=True))
    >>> rep.apply(BlameReport("relay-4", "transfer-1", "bob", blamed=True))  # counted once
    >>> rep.apply(BlameReport("relay-4", "transfer-2", "bob", blamed=False))
    >>> rep.status("relay-4").blames, rep.status("relay-4").observations
    (1, 2)
    """

    node: str
    transfer_id: str
    reporter: str
    blamed: bool


@dataclass(frozen=True)
class ProvenMisbehaviour:
    """A statement signed by ``node`` itself that proves misbehaviour.

    :class:`Reputation` checks it with its ``verifier`` (which raises if the
    signature is bad) and sets the node's δ to −∞.

    >>> def verifier(node, statement, signature):     # e.g. signcryption.verify
    ...     if signature != b"valid":
    ...         raise ValueError("bad signature")
    >>> rep = Reputation(verifier=verifier)
    >>> rep.apply(ProvenMisbehaviour("relay-6", b"dropped transfer 17", b"valid"))
    >>> rep.delta("relay-6"), rep.is_blacklisted("relay-6")
    (-inf, True)
    >>> rep.apply(ProvenMisbehaviour("relay-7", b"dropped transfer 18", b"forged"))
    Traceback (most recent call last):
    ...
    n3crypto.incentives.reputation.UnverifiedProof: misbehaviour proof for 'relay-7' does not verify
    """

    node: str
    statement: bytes
    signature: bytes


Event = DeliveryReport | BlameReport | ProvenMisbehaviour


@dataclass(frozen=True)
class NodeStatus:
    """A snapshot of a node's reputation, from :meth:`Reputation.status`.

    >>> rep = Reputation()
    >>> rep.apply(DeliveryReport("relay-5", delivered=False))
    >>> rep.status("relay-5")  # doctest: +NORMALIZE_WHITESPACE
    NodeStatus(delta=Fraction(-1, 100), blacklisted=False, reason='1 failed delivery',
               failures=1, observations=0, blames=0, p_value=Fraction(1, 1))
    """

    delta: Fraction | float
    blacklisted: bool
    reason: str
    failures: int
    observations: int
    blames: int
    p_value: Fraction


#: Largest sample :func:`binomial_tail` and :func:`fisher_tail` take (the sums
#: are exact, with as many terms).
MAX_TRIALS = 1 << 20


def _count(value: object, what: str, hi: int | None, *, signed: bool = False) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise N3TypeError(f"{what} must be an int, not {type(value).__name__}")
    if (not signed and value < 0) or (hi is not None and value > hi):
        raise N3ValueError(f"{what} out of range: {value}")
    return value


def _node(node: object) -> str:
    if not isinstance(node, str):
        raise N3TypeError(f"node must be a str, not {type(node).__name__}")
    return node


def binomial_tail(n: int, k: int, p: Fraction) -> Fraction:
    """``P[Bin(n, p) ≥ k]`` exactly.

    >>> binomial_tail(3, 2, Fraction(1, 2))
    Fraction(1, 2)
    >>> binomial_tail(10, 0, Fraction(1, 3))
    Fraction(1, 1)
    """
    _count(n, "n", MAX_TRIALS)
    _count(k, "k", None, signed=True)
    p = to_fraction(p, "p")
    if not 0 <= p <= 1:
        raise N3ValueError(f"p must be a probability, got {p}")
    if k <= 0:
        return Fraction(1)
    if k > n:
        return Fraction(0)
    a, b = p.numerator, p.denominator
    num = sum(math.comb(n, j) * a**j * (b - a) ** (n - j) for j in range(k, n + 1))
    return Fraction(num, b**n)


def fisher_tail(n: int, k: int, total: int, total_hits: int) -> Fraction:
    """One-sided Fisher exact test: ``P[X ≥ k]`` for X hypergeometric.

    X counts hits among ``n`` draws without replacement from ``total`` items
    of which ``total_hits`` are hits.

    >>> fisher_tail(3, 3, 6, 3)
    Fraction(1, 20)
    """
    _count(n, "n", None)
    _count(k, "k", None, signed=True)
    _count(total, "total", MAX_TRIALS)
    _count(total_hits, "total_hits", None)
    if not 0 <= n <= total or not 0 <= total_hits <= total:
        raise N3ValueError("inconsistent counts for the Fisher test")
    denom = math.comb(total, n)
    num = sum(
        math.comb(total_hits, x) * math.comb(total - total_hits, n - x)
        for x in range(max(k, 0), min(n, total_hits) + 1)
    )
    return Fraction(num, denom)


@dataclass
class _State:
    delta: Fraction = Fraction(0)
    proven: bool = False
    failures: int = 0
    transfers: dict[str, bool] = field(default_factory=dict)
    per_reporter: dict[str, int] = field(default_factory=dict)
    blames: int = 0
    blame_blacklisted: bool = False


class Reputation:
    """Reputation book for relays, driven by :meth:`apply`.

    >>> rep = Reputation(background_rate="0.05", alpha="0.001")
    >>> for t in range(12):
    ...     rep.apply(BlameReport("bad", f"t{t}", f"rx{t}", blamed=t < 6))
    >>> rep.is_blacklisted("bad")
    True
    >>> rep.status("bad").blames, rep.status("bad").observations
    (6, 12)
    """

    def __init__(
        self,
        *,
        deduction: object = Fraction(1, 100),
        recovery: object = 0,
        background_rate: object = Fraction(1, 20),
        alpha: object = Fraction(1, 10**6),
        reporter_cap: int = 3,
        min_observations: int = 10,
        min_reporters: int = 3,
        verifier: Callable[[str, bytes, bytes], object] | None = None,
    ) -> None:
        self.deduction = to_fraction(deduction, "deduction")
        self.recovery = to_fraction(recovery, "recovery")
        self.background_rate = to_fraction(background_rate, "background_rate")
        self.alpha = to_fraction(alpha, "alpha")
        if self.deduction < 0 or self.recovery < 0:
            raise N3ValueError("deduction and recovery must be ≥ 0")
        if not 0 < self.background_rate < 1:
            raise N3ValueError("background_rate must be in (0, 1)")
        if not 0 < self.alpha < 1:
            raise N3ValueError("alpha must be in (0, 1)")
        if isinstance(reporter_cap, bool) or not isinstance(reporter_cap, int) or reporter_cap < 1:
            raise N3ValueError("reporter_cap must be a positive int")
        self.reporter_cap = reporter_cap
        for name, v in (("min_observations", min_observations), ("min_reporters", min_reporters)):
            if isinstance(v, bool) or not isinstance(v, int) or v < 1:
                raise N3ValueError(f"{name} must be a positive int")
        self.min_observations = min_observations
        self.min_reporters = min_reporters
        self.verifier = verifier
        self._nodes: dict[str, _State] = {}
        self._obs = 0
        self._hits = 0

    def _state(self, node: object) -> _State:
        if not isinstance(node, str) or not node:
            raise N3ValueError("node must be a non-empty string")
        return self._nodes.setdefault(node, _State())

    def apply(self, event: Event) -> None:
        """Record one event (see the module docstring for its effect)."""
        if isinstance(event, DeliveryReport):
            st = self._state(event.node)
            if event.delivered:
                st.delta = min(Fraction(0), st.delta + self.recovery)
            else:
                st.failures += 1
                st.delta -= self.deduction
        elif isinstance(event, BlameReport):
            st = self._state(event.node)
            if not isinstance(event.transfer_id, str) or not isinstance(event.reporter, str):
                raise N3TypeError("transfer_id and reporter must be strings")
            if event.transfer_id in st.transfers:
                return  # a transfer counts once per node, whoever reports it
            counted = event.blamed
            if counted:
                used = st.per_reporter.get(event.reporter, 0)
                if used >= self.reporter_cap:
                    return  # this reporter's word against the node is spent
                st.per_reporter[event.reporter] = used + 1
                st.blames += 1
            st.transfers[event.transfer_id] = counted
            self._obs += 1
            self._hits += counted
            if self._significant(event.node, st):
                st.blame_blacklisted = True
        elif isinstance(event, ProvenMisbehaviour):
            if self.verifier is None:
                raise UnverifiedProof("no signature verifier configured for proofs")
            if not isinstance(event.statement, bytes) or not isinstance(event.signature, bytes):
                raise N3TypeError("statement and signature must be bytes")
            st = self._state(event.node)
            try:
                self.verifier(event.node, event.statement, event.signature)
            except Exception as exc:
                raise UnverifiedProof(
                    f"misbehaviour proof for {event.node!r} does not verify"
                ) from exc
            st.proven = True
        else:
            raise N3TypeError(f"unknown reputation event {type(event).__name__}")

    def p_value(self, node: str) -> Fraction:
        """The larger of the two tests' p-values (both must fall to α to blacklist).

        Binomial: ``P[Bin(n, p₀) ≥ k]`` for the node's k counted blames out of n
        transfers; Fisher: the node's blames against everyone else's. With no
        observations of other nodes only the binomial test applies.
        """
        st = self._nodes.get(_node(node))
        if st is None:
            return Fraction(1)
        n, k = len(st.transfers), st.blames
        p = binomial_tail(n, k, self.background_rate)
        if self._obs > n:
            p = max(p, fisher_tail(n, k, self._obs, self._hits))
        return p

    def _significant(self, node: str, st: _State) -> bool:
        return (
            len(st.transfers) >= self.min_observations
            and len(st.per_reporter) >= self.min_reporters
            and self.p_value(node) <= self.alpha
        )

    def review(self) -> list[str]:
        """Re-test every node (others' reports move the Fisher test); newly blacklisted nodes.

        >>> Reputation().review()
        []
        """
        fresh = []
        for node, st in sorted(self._nodes.items()):
            if not st.blame_blacklisted and self._significant(node, st):
                st.blame_blacklisted = True
                fresh.append(node)
        return fresh

    def delta(self, node: str) -> Fraction | float:
        """δ ≤ 0 for the node (``float('-inf')`` when misbehaviour is proven)."""
        st = self._nodes.get(_node(node))
        if st is None:
            return Fraction(0)
        return NEG_INF if st.proven else st.delta

    def is_blacklisted(self, node: str) -> bool:
        """Proven misbehaviour, or blame significant at level α."""
        st = self._nodes.get(_node(node))
        return st is not None and (st.proven or st.blame_blacklisted)

    def status(self, node: str) -> NodeStatus:
        """Everything known about a node."""
        st = self._nodes.get(_node(node), _State())
        if st.proven:
            reason = "proven misbehaviour (own signed statement)"
        elif st.blame_blacklisted:
            reason = f"blame significant at α = {self.alpha}"
        elif st.failures:
            reason = f"{st.failures} failed {'delivery' if st.failures == 1 else 'deliveries'}"
        else:
            reason = "honest"
        return NodeStatus(
            delta=self.delta(node),
            blacklisted=self.is_blacklisted(node),
            reason=reason,
            failures=st.failures,
            observations=len(st.transfers),
            blames=st.blames,
            p_value=self.p_value(node),
        )

    def score(
        self, node: str, online_hours: object, data_volume: object, delay: object, weights: Weights
    ) -> Contribution:
        """The node's contribution ρ (eq. 1) with its current δ; 0 and blacklisted if it is.

        >>> rep = Reputation()
        >>> rep.apply(DeliveryReport("r", delivered=False))
        >>> rep.score("r", 10, 2, 1, Weights(1, 1, 100))
        Contribution(rho=Fraction(16, 1), blacklisted=False)
        """
        c = bandwidth_contribution(online_hours, data_volume, delay, self.delta(node), weights)
        if self.is_blacklisted(node):
            return Contribution(Fraction(0), True)
        return c

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe state (parameters and per-node evidence) for storage and audit.

        The verifier is code, not state: pass it again to :meth:`from_dict`.

        >>> rep = Reputation()
        >>> rep.apply(DeliveryReport("r", delivered=False))
        >>> Reputation.from_dict(rep.to_dict()).delta("r")
        Fraction(-1, 100)
        """
        return {
            "params": {
                "deduction": str(self.deduction),
                "recovery": str(self.recovery),
                "background_rate": str(self.background_rate),
                "alpha": str(self.alpha),
                "reporter_cap": self.reporter_cap,
                "min_observations": self.min_observations,
                "min_reporters": self.min_reporters,
            },
            "nodes": {
                n: {
                    "delta": str(st.delta),
                    "proven": st.proven,
                    "failures": st.failures,
                    "transfers": dict(st.transfers),
                    "per_reporter": dict(st.per_reporter),
                    "blames": st.blames,
                    "blame_blacklisted": st.blame_blacklisted,
                }
                for n, st in sorted(self._nodes.items())
            },
        }

    @classmethod
    def from_dict(
        cls,
        data: Mapping[str, Any],
        verifier: Callable[[str, bytes, bytes], object] | None = None,
    ) -> Reputation:
        """Rebuild from :meth:`to_dict` output (validated)."""
        try:
            rep = cls(**data["params"], verifier=verifier)
            for n, d in data["nodes"].items():
                st = rep._state(n)
                st.delta = to_fraction(d["delta"], "delta")
                if st.delta > 0:
                    raise N3ValueError("delta must be ≤ 0")
                st.proven = bool(d["proven"])
                st.failures = int(d["failures"])
                st.transfers = {str(t): bool(b) for t, b in d["transfers"].items()}
                st.per_reporter = {str(r): int(c) for r, c in d["per_reporter"].items()}
                st.blames = int(d["blames"])
                st.blame_blacklisted = bool(d["blame_blacklisted"])
                if st.blames != sum(st.transfers.values()):
                    raise N3ValueError(f"inconsistent blame counts for {n!r}")
                rep._obs += len(st.transfers)
                rep._hits += st.blames
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            if isinstance(exc, N3CryptoError):
                raise
            raise N3ValueError(f"not a reputation record: {exc!r}") from None
        return rep

    def nodes(self) -> list[str]:
        """Nodes with any event, sorted."""
        return sorted(self._nodes)
