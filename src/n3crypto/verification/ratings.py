"""From blame to reputation: private ballots, a persisted aggregator, and
the pooled tallies turned into δ, blacklisting and contribution points.

* :class:`Rater` — a sender's ballot for a round: one Paillier ciphertext per
  relay of the round (so the aggregator cannot tell which relays the sender
  used); a relay the sender used gets ``scale`` unless the sender's
  :class:`~n3crypto.verification.BlameLedger` suspects it, then ``0``.
  Eligibility: one token per acknowledged transfer (the receiver puts it in
  the acknowledgement), one ballot per rater per round.
* :class:`RoundBook` — an :class:`~n3crypto.paillier.ratings.Aggregator`
  whose state, every accepted ballot and the tally live in SQLite: a
  process restart mid-round resumes with every ballot.
* :class:`ReputationBoard` — applies decrypted tallies to an
  :class:`~n3crypto.incentives.Reputation` (one blame report per vote, one δ
  deduction per blame vote), keeps the per-round δ history, and turns
  online time, volume, delay and δ into contribution points per epoch.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from n3crypto import errors
from n3crypto._check import (
    check_bytes,
    check_iterable,
    check_path,
    check_real,
    check_str,
    check_type,
)
from n3crypto._forksafe import connect_sqlite, new_lock
from n3crypto.incentives import (
    BlameReport,
    DeliveryReport,
    PointsLedger,
    PoolPointMapping,
    Reputation,
    Weights,
)
from n3crypto.paillier.ratings import (
    Aggregator,
    Decryptor,
    EligibilityPolicy,
    RatingBallot,
    RatingRound,
    TallyResult,
)
from n3crypto.verification.blame import BlameLedger

__all__ = ["Rater", "ReputationBoard", "RoundBook"]


def _connect(path: str | os.PathLike[str] | None) -> sqlite3.Connection:
    if path is not None:
        path = check_path(path)
    db = connect_sqlite(":memory:" if path is None else os.fspath(path), check_same_thread=False)
    if path is not None:
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=FULL")
    return db


class Rater:
    """A sender's ratings for the current round.

    :meth:`note` every transfer outcome (relays used, tokens from
    acknowledgements); :meth:`ballot` casts one ballot covering every relay
    of the round and starts the next round's bookkeeping. With ``path`` the
    round's notes live in SQLite too, so a sender restarted mid-round still
    votes with what it had seen.

    Alice's ledger has seen every path through ``r2`` fail:

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import RatingRound, TransferTokens
    >>> pub, _ = generate_keypair(512, allow_insecure_size=True, safe_primes=False)
    >>> rnd = RatingRound(pub, ["r0", "r1", "r2", "r3"], scale=1, round_id="round-1",
    ...                   n_raters=5)
    >>> ledger, others = BlameLedger(), ["r0", "r1", "r3"]
    >>> for t in range(30):
    ...     mate = others[t % 3]
    ...     rest = [r for r in others if r != mate]
    ...     _ = ledger.record(f"t{t}", [["r2", mate], rest], failed=[0], reporter="bob")
    >>> rater = Rater("alice", ledger)
    >>> tokens = TransferTokens(b"the receivers' token key")  # receivers put tokens in acks
    >>> rater.note(["r0", "r2"], tokens.issue(rnd, "alice", b"transfer 1"))
    >>> rater.ratings(rnd)  # r1 and r3 were not used: left out
    {'r0': 1, 'r2': 0}
    >>> ballot = rater.ballot(rnd)
    >>> len(ballot.entries)  # one ciphertext per relay of the round, used or not
    4
    >>> rater.ballot(rnd)  # the token is spent
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: no acknowledged transfer: not eligible this round
    """

    def __init__(
        self,
        rater_id: str,
        ledger: BlameLedger,
        *,
        level: float = 1e-2,
        path: str | os.PathLike[str] | None = None,
    ) -> None:
        self.rater_id = check_str(rater_id, "rater_id")
        self.ledger = check_type(ledger, BlameLedger, "ledger")
        self.level = check_real(level, "level", 0.0, 1.0)
        self.used: set[str] = set()
        self.tokens: list[bytes] = []
        self._db = _connect(path)
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS used (relay TEXT PRIMARY KEY);
            CREATE TABLE IF NOT EXISTS tokens (seq INTEGER PRIMARY KEY, token BLOB NOT NULL);
            """
        )
        self.used = {r for (r,) in self._db.execute("SELECT relay FROM used")}
        self.tokens = [t for (t,) in self._db.execute("SELECT token FROM tokens ORDER BY seq")]

    def __repr__(self) -> str:
        return f"<Rater {self.rater_id!r} used={len(self.used)} tokens={len(self.tokens)}>"

    def close(self) -> None:
        self._db.close()

    def note(self, relays: Iterable[str], token: bytes = b"") -> None:
        """Remember relays used this round and, if given, one eligibility token."""
        names = check_iterable(relays, "relays")
        for r in names:
            check_str(r, "a relay id")
        token = check_bytes(token, "token")
        fresh = set(names) - self.used
        self.used.update(fresh)
        with self._db:
            self._db.executemany("INSERT OR IGNORE INTO used VALUES (?)", [(r,) for r in fresh])
            if token:
                self.tokens.append(token)
                self._db.execute("INSERT INTO tokens (token) VALUES (?)", (token,))

    @property
    def eligible(self) -> bool:
        return bool(self.tokens)

    def ratings(self, round: RatingRound) -> dict[str, int]:
        """``scale`` for a used relay in good standing, 0 for a suspected one.

        A relay this sender's ledger blacklisted is rated 0 every round
        although the sender now avoids it (its evidence stands; otherwise the
        better a sender's ledger works, the sooner it stops reporting).
        Other relays not used are left out (the 0-entry ``v = 0``).
        """
        check_type(round, RatingRound, "round")
        rated = self.used | set(self.ledger.blacklisted())
        return {
            r: 0 if self.ledger.suspicion(r, level=self.level) else round.scale
            for r in round.relays
            if r in rated
        }

    def ballot(self, round: RatingRound) -> RatingBallot:
        """The ballot for ``round`` with the oldest token; raises
        N3ValueError when this rater has no acknowledged transfer to show.
        The round's notes are cleared (the next round starts afresh)."""
        check_type(round, RatingRound, "round")
        if not self.tokens:
            raise errors.N3ValueError("no acknowledged transfer: not eligible this round")
        ballot = round.cast(self.ratings(round), self.rater_id, self.tokens[0])
        self.used.clear()
        self.tokens.clear()
        with self._db:
            self._db.execute("DELETE FROM used")
            self._db.execute("DELETE FROM tokens")
        return ballot


class RoundBook:
    """A rating round's aggregator, persisted in SQLite after every ballot.

    Reopening the same file with the same round (and policy) restores the
    aggregator; a tally, once made, is stored and returned again. (The
    network's policy is :class:`~n3crypto.paillier.ratings.TransferTokens`,
    see :class:`Rater`; ``AllowAll`` keeps this example short.)

    >>> import pathlib, tempfile
    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import AllowAll, KeyDecryptor, RatingRound
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True, safe_primes=False)
    >>> rnd = RatingRound(pub, ["r0", "r1", "r2"], scale=1, round_id="round-7", n_raters=3)
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "round.sqlite"
    >>> book = RoundBook(path, rnd, AllowAll())
    >>> book.submit(rnd.cast({"r0": 1, "r2": 0}, "alice"))
    >>> book.submit(rnd.cast({"r0": 1, "r1": 1}, "bob"))
    >>> book.close()  # the aggregator restarts mid-round
    >>> book = RoundBook(path, rnd, AllowAll())
    >>> book.accepted, book.ballots()
    (2, ['alice', 'bob'])
    >>> book.submit(rnd.cast({"r1": 0}, "bob"))  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.paillier.ratings.BallotRejected: duplicate-rater: rater 'bob' already ...
    >>> result = book.tally(KeyDecryptor(priv))
    >>> [(t.relay, t.count, t.total) for t in result.relays]  # raters, sum of ratings
    [('r0', 2, 2), ('r1', 1, 1), ('r2', 1, 0)]
    >>> book.close()
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None,
        round: RatingRound,
        policy: EligibilityPolicy,
    ) -> None:
        self.round = check_type(round, RatingRound, "round")
        if not isinstance(policy, EligibilityPolicy):
            raise errors.N3TypeError("policy must implement check(round, rater_id, credential)")
        self.policy = policy
        self._lock = new_lock(self)
        self._db = _connect(path)
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS rounds (
                digest BLOB PRIMARY KEY, round BLOB NOT NULL, state BLOB, tally TEXT
            );
            CREATE TABLE IF NOT EXISTS ballots (
                digest BLOB NOT NULL, rater TEXT NOT NULL, ballot BLOB NOT NULL,
                PRIMARY KEY (digest, rater)
            );
            """
        )
        row = self._db.execute(
            "SELECT state FROM rounds WHERE digest = ?", (round.digest,)
        ).fetchone()
        if row is None:
            with self._db:
                self._db.execute(
                    "INSERT INTO rounds VALUES (?, ?, NULL, NULL)", (round.digest, round.to_bytes())
                )
            self.aggregator = Aggregator(round, policy)
        elif row[0] is None:
            self.aggregator = Aggregator(round, policy)
        else:
            self.aggregator = Aggregator.from_bytes(round, policy, row[0])

    def close(self) -> None:
        self._db.close()

    @property
    def accepted(self) -> int:
        return self.aggregator.accepted

    def ballots(self) -> list[str]:
        """Raters whose ballots are stored for this round."""
        rows = self._db.execute(
            "SELECT rater FROM ballots WHERE digest = ? ORDER BY rater", (self.round.digest,)
        )
        return [r for (r,) in rows]

    def submit(self, ballot: RatingBallot) -> None:
        """Check and add a ballot (BallotRejected says why not), then store
        the ballot and the aggregator's state in one transaction."""
        with self._lock:
            self.aggregator.submit(ballot)
            with self._db:
                self._db.execute(
                    "INSERT INTO ballots VALUES (?, ?, ?)",
                    (self.round.digest, ballot.rater_id, ballot.to_bytes()),
                )
                self._db.execute(
                    "UPDATE rounds SET state = ? WHERE digest = ?",
                    (self.aggregator.to_bytes(), self.round.digest),
                )

    def tally(self, decryptor: Decryptor) -> TallyResult:
        """Decrypt the per-relay sums (once) and store the result."""
        with self._lock:
            row = self._db.execute(
                "SELECT tally FROM rounds WHERE digest = ?", (self.round.digest,)
            ).fetchone()
            if row is not None and row[0] is not None:
                return TallyResult.from_json(row[0])
            result = self.aggregator.tally(decryptor)
            with self._db:
                self._db.execute(
                    "UPDATE rounds SET tally = ? WHERE digest = ?",
                    (result.to_json(), self.round.digest),
                )
            return result


class ReputationBoard:
    """The network's reputation book, fed by decrypted tallies (persisted).

    Each tally gives, per relay, the number of raters who used it (``count``)
    and the sum of their ratings (``total``); with ratings in {0, scale} the
    blame votes are ``count − total/scale``. Every vote becomes one
    :class:`~n3crypto.incentives.BlameReport` (its own reporter: the
    aggregator enforces one ballot per eligible rater per round, which is
    the per-reporter cap here), every blame vote one δ deduction.

    Four raters blame ``r2`` in one round; this example's board needs only
    four observations of a relay (the default, ten, takes several rounds):

    >>> from n3crypto.incentives import Reputation
    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import AllowAll, KeyDecryptor, RatingRound
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True, safe_primes=False)
    >>> relays = ["r0", "r1", "r2", "r3"]
    >>> rnd = RatingRound(pub, relays, scale=1, round_id="round-1", n_raters=4)
    >>> book = RoundBook(None, rnd, AllowAll())
    >>> for rater in ("u0", "u1", "u2", "u3"):
    ...     book.submit(rnd.cast({"r0": 1, "r1": 1, "r2": 0, "r3": 1}, rater))
    >>> board = ReputationBoard(reputation=Reputation(alpha="0.001", min_observations=4))
    >>> board.apply_tally(rnd, book.tally(KeyDecryptor(priv)))
    ['r2']
    >>> board.history()["r2"], board.history()["r0"]  # δ after each round
    ([-0.04], [0.0])
    >>> for relay in relays:  # 24 h online, 1000 units carried, delay 1
    ...     _ = board.record_contribution(1, relay, 24, 1000, 1)
    >>> board.close_epoch(1, 900)  # a blacklisted relay earns nothing
    {'r0': 300, 'r1': 300, 'r2': 0, 'r3': 300}
    """

    def __init__(
        self,
        path: str | os.PathLike[str] | None = None,
        *,
        reputation: Reputation | None = None,
        weights: Weights | None = None,
    ) -> None:
        if reputation is not None:
            check_type(reputation, Reputation, "reputation")
        if weights is not None:
            check_type(weights, Weights, "weights")
        self._db = _connect(path)
        self._db.executescript(
            """
            CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS applied (digest BLOB PRIMARY KEY, round TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS history (
                seq INTEGER NOT NULL, relay TEXT NOT NULL, delta REAL NOT NULL,
                blacklisted INTEGER NOT NULL, PRIMARY KEY (seq, relay)
            );
            """
        )
        self.weights = weights or Weights(1, 1, 100)
        rep = self._get("reputation")
        if rep is not None:
            self.reputation = Reputation.from_dict(rep)
        else:
            self.reputation = reputation or Reputation(
                background_rate=Fraction(1, 20),
                alpha=Fraction(1, 10**6),
                reporter_cap=1,
                min_observations=10,
                min_reporters=3,
            )
        pts = self._get("points")
        self.points = PointsLedger.from_dict(pts) if pts is not None else PointsLedger()
        self._save()

    def _get(self, name: str) -> Any:
        row = self._db.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return None if row is None else json.loads(row[0])

    def _save(self) -> None:
        with self._db:
            self._db.execute(
                "INSERT OR REPLACE INTO state VALUES ('reputation', ?)",
                (json.dumps(self.reputation.to_dict()),),
            )
            self._db.execute(
                "INSERT OR REPLACE INTO state VALUES ('points', ?)",
                (json.dumps(self.points.to_dict()),),
            )

    def close(self) -> None:
        self._db.close()

    def rounds(self) -> int:
        return int(self._db.execute("SELECT COUNT(*) FROM applied").fetchone()[0])

    def apply_tally(self, round: RatingRound, result: TallyResult) -> list[str]:
        """Feed one round's tally in (once per round); the relays it made blacklisted."""
        check_type(round, RatingRound, "round")
        check_type(result, TallyResult, "result")
        if result.round_digest != round.digest:
            raise errors.N3ValueError("tally is for another round")
        if self._db.execute("SELECT 1 FROM applied WHERE digest = ?", (round.digest,)).fetchone():
            return []
        before = {r for r in self.reputation.nodes() if self.reputation.is_blacklisted(r)}
        rid = round.round_id.decode("utf-8", "replace")
        for t in result.relays:
            blames = t.count - t.total // round.scale
            for j in range(t.count):
                self.reputation.apply(
                    BlameReport(t.relay, f"{rid}/{t.relay}/{j}", f"{rid}/{j}", blamed=j < blames)
                )
            for _ in range(blames):
                self.reputation.apply(DeliveryReport(t.relay, delivered=False))
        self.reputation.review()
        seq = self.rounds()
        with self._db:
            self._db.execute("INSERT INTO applied VALUES (?, ?)", (round.digest, rid))
            self._db.executemany(
                "INSERT INTO history VALUES (?, ?, ?, ?)",
                [
                    (
                        seq,
                        r,
                        float(self.reputation.delta(r)),
                        int(self.reputation.is_blacklisted(r)),
                    )
                    for r in round.relays
                ],
            )
        self._save()
        after = {r for r in self.reputation.nodes() if self.reputation.is_blacklisted(r)}
        return sorted(after - before)

    def blacklisted(self) -> list[str]:
        return sorted(r for r in self.reputation.nodes() if self.reputation.is_blacklisted(r))

    def history(self) -> dict[str, list[float]]:
        """δ of every relay after each applied round."""
        out: dict[str, list[float]] = {}
        for _, relay, delta in self._db.execute(
            "SELECT seq, relay, delta FROM history ORDER BY seq"
        ):
            out.setdefault(relay, []).append(delta)
        return out

    def record_contribution(
        self, epoch: int, relay: str, online_hours: object, volume: object, delay: object
    ) -> Fraction:
        """ρ for ``relay`` this epoch (eq. 1 with its current δ), added to the ledger."""
        c = self.reputation.score(relay, online_hours, volume, delay, self.weights)
        self.points.record(epoch, relay, c)
        self._save()
        return c.rho

    def close_epoch(self, epoch: int, pool: int) -> dict[str, int]:
        """Share ``pool`` tokens by points (blacklisted relays get none)."""
        out = self.points.close(epoch, PoolPointMapping(pool))
        self._save()
        return out


def relay_volumes(paths: Iterable[Iterable[str]], bytes_per_path: int) -> Mapping[str, int]:
    """Bytes each relay carried, from a list of paths (for contribution)."""
    vol: dict[str, int] = {}
    for p in paths:
        for r in p:
            vol[r] = vol.get(r, 0) + bytes_per_path
    return vol
