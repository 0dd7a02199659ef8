"""The sender's blame ledger: which relays sit on paths that lose shards.

Only the sender knows which relays carried which shard; an acknowledgement
names the shards that arrived missing or corrupted, so every path of every
transfer becomes one observation — *failed* or *clean* — of the relays on
it. Under Sphinx a payload tampered before the exit turns to noise and is
dropped, so a corrupting relay and a dropping one look alike: both fail
their paths (docs/verification.md).

Two estimators run over the stored observations:

* **the decision** — a one-sided exact conditional (Fisher/hypergeometric)
  test per relay: are the paths through relay r failing more often than the
  paths without it? With uniform, relay-distinct path choice an honest
  relay's presence makes a bad neighbour *less* likely on the path, so under
  "r is honest" its failures are dominated by the hypergeometric law and the
  p-value is valid. The relay's j-th test runs at level ``α/(j(j+1))``
  (α-spending, Σ = α), so the chance an honest relay is *ever* blacklisted
  by honest reports is at most α, however long the ledger runs; on top,
  the relay's own estimated loss (excess over the rest of the network) must
  reach ``min_excess`` and it needs ``min_observations`` paths;
* **the score** — a Bayesian estimate of each relay's own loss probability
  q_r under the noisy-OR model ``P(path clean) = (1−ε)·Π(1−q_r)``, computed
  by EM with a Beta(1, b) prior (MAP): a failure is shared among the
  relays of its path in proportion to how likely each is to have caused it,
  so honest relays that merely shared paths with a bad one are "explained
  away". Raters use it to grade relays.

Framing: one reporter's failed observations count against a relay at most
``reporter_cap`` times (later ones are not stored), so a lying receiver
alone cannot push an honest relay over the threshold when the cap is below
what the test needs (:meth:`BlameLedger.framing_budget`).

Everything is kept in SQLite (WAL); a record is one transaction, so a
restart loses nothing that :meth:`BlameLedger.record` returned from.

>>> import random
>>> rng, relays = random.Random(7), ["bad"] + [f"r{i}" for i in range(7)]
>>> ledger = BlameLedger()
>>> for t in range(40):
...     paths = [rng.sample(relays, 2) for _ in range(4)]
...     failed = [i for i, p in enumerate(paths) if "bad" in p]
...     _ = ledger.record(f"t{t}", paths, failed, reporter=f"rx{t % 5}")
>>> ledger.blacklisted()
['bad']
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from n3crypto import errors
from n3crypto._check import check_int, check_iterable, check_path, check_real, check_str
from n3crypto._forksafe import connect_sqlite, new_lock

__all__ = ["BlameLedger", "RelayScore", "hypergeom_sf"]

_SCHEMA = """
CREATE TABLE IF NOT EXISTS obs (
    transfer TEXT NOT NULL,
    path INTEGER NOT NULL,
    relays TEXT NOT NULL,
    failed INTEGER NOT NULL,
    reporter TEXT NOT NULL,
    PRIMARY KEY (transfer, path)
);
CREATE TABLE IF NOT EXISTS tests (relay TEXT PRIMARY KEY, n INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS capped (
    reporter TEXT NOT NULL, relay TEXT NOT NULL, n INTEGER NOT NULL,
    PRIMARY KEY (reporter, relay)
);
CREATE TABLE IF NOT EXISTS blacklist (
    relay TEXT PRIMARY KEY, at_test INTEGER NOT NULL, p_value REAL NOT NULL,
    excess REAL NOT NULL
);
"""


def _log_comb(n: int, k: int) -> float:
    return math.lgamma(n + 1) - math.lgamma(k + 1) - math.lgamma(n - k + 1)


#: Most EM rounds :meth:`BlameLedger.estimates` runs (each is a pass over the log).
MAX_ITERATIONS = 10_000


def hypergeom_sf(k: int, total: int, hits: int, draws: int) -> float:
    """``P[X ≥ k]`` for X hypergeometric (``draws`` from ``total`` of which
    ``hits`` are marked), summed in log space.

    >>> round(hypergeom_sf(2, 4, 2, 2), 4)
    0.1667
    """
    for v, what in ((k, "k"), (total, "total"), (hits, "hits"), (draws, "draws")):
        check_int(v, what, 0)
    if hits > total or draws > total:
        raise errors.N3ValueError("hits and draws cannot exceed total")
    lo = max(k, draws - (total - hits), 0)
    hi = min(hits, draws)
    if lo > hi:
        return 0.0 if k > 0 else 1.0
    base = _log_comb(total, draws)
    terms = [
        _log_comb(hits, j) + _log_comb(total - hits, draws - j) - base for j in range(lo, hi + 1)
    ]
    top = max(terms)
    return min(1.0, math.exp(top) * sum(math.exp(t - top) for t in terms))


@dataclass(frozen=True, slots=True)
class RelayScore:
    """One relay's standing in a ledger."""

    relay: str
    paths: int
    failed: int
    p_value: float
    excess: float
    estimate: float
    blacklisted: bool


class BlameLedger:
    """Per-sender path observations and the blame decision (module docstring).

    ``path`` is a SQLite file (``None``: in memory). ``alpha`` is the total
    false-blacklisting budget per honest relay; ``min_excess`` the smallest
    own loss rate worth blacklisting (below it a relay is merely unreliable
    and loses δ through deductions); ``prior_b`` the Beta(1, b) prior of the
    score.

    A sender whose paths through relay ``bad`` always fail, and which
    restarts after 40 transfers:

    >>> import pathlib, random, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "ledger.sqlite"
    >>> rng, relays = random.Random(7), ["bad"] + [f"r{i}" for i in range(7)]
    >>> ledger = BlameLedger(path)
    >>> for t in range(40):
    ...     paths = [rng.sample(relays, 2) for _ in range(4)]
    ...     failed = [i for i, p in enumerate(paths) if "bad" in p]
    ...     if ledger.record(f"t{t}", paths, failed, reporter=f"rx{t % 5}"):
    ...         print(f"transfer {t}: blacklisted {ledger.blacklisted()}")
    transfer 23: blacklisted ['bad']
    >>> ledger.record("t0", [["r1", "r2"]], [0], reporter="rx0")  # t0 is known: ignored
    []
    >>> score = {s.relay: s for s in ledger.scores()}
    >>> score["bad"].blacklisted, score["bad"].failed == score["bad"].paths
    (True, True)
    >>> score["r1"].blacklisted, score["r1"].p_value > 0.5, score["r1"].estimate < 0.01
    (False, True, True)
    >>> ledger.close()
    >>> with BlameLedger(path) as again:  # nothing recorded is lost
    ...     print(again.blacklisted(), again.observations)
    ['bad'] 160

    With one reporter's word against a relay capped at 2 failed paths, it
    takes this many lying reporters to frame an honest relay:

    >>> BlameLedger(reporter_cap=2).framing_budget()
    10
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        alpha: float = 1e-3,
        min_observations: int = 30,
        min_excess: float = 0.1,
        reporter_cap: int = 200,
        prior_b: float = 19.0,
    ) -> None:
        if path is not None:
            path = check_path(path)
        check_real(alpha, "alpha")
        check_real(min_excess, "min_excess")
        check_real(prior_b, "prior_b")
        check_int(min_observations, "min_observations")
        check_int(reporter_cap, "reporter_cap")
        if not 0 < alpha < 1 or not 0 <= min_excess < 1:
            raise errors.N3ValueError("alpha must be in (0, 1) and min_excess in [0, 1)")
        if min_observations < 1 or reporter_cap < 1 or prior_b < 1:
            raise errors.N3ValueError("min_observations, reporter_cap and prior_b must be ≥ 1")
        self.alpha = alpha
        self.min_observations = min_observations
        self.min_excess = min_excess
        self.reporter_cap = reporter_cap
        self.prior_b = prior_b
        self._lock = new_lock(self)
        self._db = connect_sqlite(
            ":memory:" if path is None else os.fspath(path), check_same_thread=False
        )
        if path is not None:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
        self._db.executescript(_SCHEMA)
        self._n: dict[str, int] = {}
        self._f: dict[str, int] = {}
        self._tests: dict[str, int] = {}
        self._capped: dict[tuple[str, str], int] = {}
        self._black: dict[str, tuple[int, float, float]] = {}
        self._total = self._hits = 0
        self._load()

    def _load(self) -> None:
        for relays, failed in self._db.execute("SELECT relays, failed FROM obs"):
            self._count(relays.split("\x1f"), bool(failed))
        self._tests = dict(self._db.execute("SELECT relay, n FROM tests").fetchall())
        self._capped = {(r, x): n for r, x, n in self._db.execute("SELECT * FROM capped")}
        self._black = {r: (t, p, e) for r, t, p, e in self._db.execute("SELECT * FROM blacklist")}

    def _count(self, relays: Sequence[str], failed: bool) -> None:
        self._total += 1
        self._hits += failed
        for r in relays:
            self._n[r] = self._n.get(r, 0) + 1
            self._f[r] = self._f.get(r, 0) + failed

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> BlameLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- recording ----------------------------------------------------------
    def record(
        self,
        transfer_id: bytes | str,
        paths: Sequence[Sequence[str]],
        failed: Iterable[int],
        reporter: str,
    ) -> list[str]:
        """Store one transfer's outcome: ``paths[i]`` failed iff ``i`` is in
        ``failed``. Returns the relays this made blacklisted. A transfer id
        already recorded is ignored (replayed acknowledgements count once)."""
        if isinstance(transfer_id, bytes):
            tid = transfer_id.hex()
        else:
            tid = check_str(transfer_id, "transfer_id")
        paths = [check_iterable(p, "a path") for p in check_iterable(paths, "paths")]
        bad = set(check_iterable(failed, "failed"))
        if any(isinstance(i, bool) or not isinstance(i, int) for i in bad):
            raise errors.N3TypeError("failed must hold path indices (ints)")
        if any(not 0 <= i < len(paths) for i in bad):
            raise errors.N3ValueError("failed path index out of range")
        if not check_str(reporter, "reporter"):
            raise errors.N3ValueError("reporter must be a non-empty string")
        for p in paths:
            if any(not isinstance(r, str) for r in p):
                raise errors.N3TypeError("a path is a list of relay ids (str)")
            for r in p:
                check_str(r, "a relay id")
            if not p or len(set(p)) != len(p) or any(not r or "\x1f" in r for r in p):
                raise errors.N3ValueError("a path is a non-empty list of distinct relay ids")
        with self._lock:
            if self._db.execute("SELECT 1 FROM obs WHERE transfer = ? LIMIT 1", (tid,)).fetchone():
                return []
            rows = []
            touched: set[str] = set()
            for i, p in enumerate(paths):
                f = i in bad
                if f and any(self._capped.get((reporter, r), 0) >= self.reporter_cap for r in p):
                    continue  # this reporter's word against a relay on the path is spent
                if f:
                    for r in p:
                        self._capped[(reporter, r)] = self._capped.get((reporter, r), 0) + 1
                rows.append((tid, i, "\x1f".join(p), int(f), reporter))
                self._count(p, f)
                touched.update(p)
            fresh = []
            for r in sorted(touched):
                self._tests[r] = self._tests.get(r, 0) + 1
                if r in self._black:
                    continue
                verdict = self._test(r)
                if verdict is not None:
                    self._black[r] = verdict
                    fresh.append(r)
            with self._db:
                self._db.executemany("INSERT INTO obs VALUES (?, ?, ?, ?, ?)", rows)
                self._db.executemany(
                    "INSERT OR REPLACE INTO tests VALUES (?, ?)",
                    [(r, self._tests[r]) for r in touched],
                )
                self._db.executemany(
                    "INSERT OR REPLACE INTO capped VALUES (?, ?, ?)",
                    [(rep, r, n) for (rep, r), n in self._capped.items() if rep == reporter],
                )
                self._db.executemany(
                    "INSERT INTO blacklist VALUES (?, ?, ?, ?)",
                    [(r, *self._black[r]) for r in fresh],
                )
            return fresh

    # -- statistics ------------------------------------------------------------
    def _stats(self, r: str) -> tuple[int, int, float, float]:
        n, f = self._n.get(r, 0), self._f.get(r, 0)
        if n == 0:
            return 0, 0, 1.0, 0.0
        p = hypergeom_sf(f, self._total, self._hits, n)
        rest_n, rest_f = self._total - n, self._hits - f
        rest = rest_f / rest_n if rest_n else 0.0
        excess = 1.0 - (1.0 - f / n) / (1.0 - rest) if rest < 1.0 else 0.0
        return n, f, p, max(0.0, excess)

    def _test(self, r: str) -> tuple[int, float, float] | None:
        n, _, p, excess = self._stats(r)
        j = self._tests.get(r, 1)
        enough = n >= self.min_observations and excess >= self.min_excess
        if enough and p <= self.alpha / (j * (j + 1)):
            return j, p, excess
        return None

    def blacklisted(self) -> list[str]:
        """Relays this ledger has blacklisted, sorted."""
        return sorted(self._black)

    def is_blacklisted(self, relay: str) -> bool:
        return check_str(relay, "relay") in self._black

    def relays(self) -> list[str]:
        return sorted(self._n)

    @property
    def observations(self) -> int:
        return self._total

    def estimates(self, *, iterations: int = 40) -> dict[str, float]:
        """MAP estimates of each relay's own loss probability (noisy-OR EM)."""
        check_int(iterations, "iterations", 0, MAX_ITERATIONS)
        with self._lock:
            obs = [
                (relays.split("\x1f"), bool(f))
                for relays, f in self._db.execute("SELECT relays, failed FROM obs")
            ]
        if not obs:
            return {}
        relays = sorted({r for p, _ in obs for r in p})
        q = dict.fromkeys(relays, 0.05)
        eps = 0.01
        n = {r: self._n.get(r, 0) for r in relays}
        for _ in range(iterations):
            resp = dict.fromkeys(relays, 0.0)
            eps_resp = 0.0
            for path, failed in obs:
                if not failed:
                    continue
                clean = 1.0 - eps
                for r in path:
                    clean *= 1.0 - q[r]
                p_fail = max(1.0 - clean, 1e-12)
                for r in path:
                    resp[r] += q[r] / p_fail
                eps_resp += eps / p_fail
            q = {r: min(0.999, resp[r] / (n[r] + self.prior_b - 1.0)) for r in relays}
            eps = min(0.5, max(1e-6, eps_resp / len(obs)))
        return q

    def scores(self) -> list[RelayScore]:
        """Every relay's counts, test and estimate."""
        est = self.estimates()
        out = []
        for r in self.relays():
            n, f, p, excess = self._stats(r)
            out.append(RelayScore(r, n, f, p, excess, est.get(r, 0.0), r in self._black))
        return out

    def suspicion(self, relay: str, *, level: float = 1e-2) -> bool:
        """A weaker, one-off verdict (for a rater's vote, not a blacklisting):
        the relay's test p-value is below ``level`` and its excess loss at
        least ``min_excess``, or it is blacklisted here."""
        check_str(relay, "relay")
        check_real(level, "level", 0.0, 1.0)
        if relay in self._black:
            return True
        n, _, p, excess = self._stats(relay)
        return n >= self.min_observations and excess >= self.min_excess and p <= level

    def framing_budget(self, path_rate: float = 0.3) -> int:
        """Failed observations one needs to forge against an honest relay with
        ``min_observations`` paths to pass its first test, and hence how many
        lying reporters that takes with this ``reporter_cap`` (returned):
        ⌈needed / reporter_cap⌉, at least 1."""
        check_real(path_rate, "path_rate", 0.0, 1.0)
        n = self.min_observations
        total = max(10 * n, 1000)
        hits = int(path_rate * total)
        for k in range(n + 1):
            if hypergeom_sf(k, total, hits, n) <= self.alpha / 2:
                return max(1, -(-k // self.reporter_cap))
        return max(1, -(-n // self.reporter_cap))
