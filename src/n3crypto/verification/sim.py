"""An in-process simulation of many verified transfers (tests, the 20-seed
check, quick experiments): users on a :class:`LocalNetwork`, some relays
misbehaving, every sender keeping its own :class:`BlameLedger`; with a
committee key, the demo's whole reputation pipeline too (token-gated
ballots every ``round_size`` transfers, tallies applied to a
:class:`~n3crypto.verification.ratings.ReputationBoard` one round later,
globally blacklisted relays avoided by everyone).

>>> r = simulate(relays=8, bad={"r0": Behaviour(drop=1.0)}, transfers=40, seed=3, users=4)
>>> r.intact == r.transfers, "r0" in r.blacklisted
(True, True)
"""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass, field

from n3crypto.paillier import PaillierPrivateKey
from n3crypto.paillier.ratings import KeyDecryptor, RatingRound, TransferTokens
from n3crypto.signcryption import KGC, UserKey
from n3crypto.verification.blame import BlameLedger
from n3crypto.verification.protocol import TransferFailed, TransferReport
from n3crypto.verification.ratings import Rater, ReputationBoard, RoundBook
from n3crypto.verification.transfer import Receiver, Recipient, Sender
from n3crypto.verification.transport import Behaviour, LocalNetwork, LocalTransport

__all__ = ["SimResult", "make_users", "simulate"]


@dataclass
class SimResult:
    transfers: int
    intact: int
    failed: int
    retries: int
    blacklisted: set[str]
    #: transfer number at which each relay was first blacklisted by some sender
    first_blacklisted: dict[str, int] = field(default_factory=dict)
    ledgers: dict[str, BlameLedger] = field(default_factory=dict)
    #: the board's (global) blacklist and when each entry took effect
    board_blacklisted: set[str] = field(default_factory=set)
    board_first: dict[str, int] = field(default_factory=dict)


def make_users(names: list[str], kgc: KGC | None = None) -> dict[str, UserKey]:
    """Certificateless keys for ``names`` under one KGC.

    >>> from n3crypto.signcryption import signcrypt, unsigncrypt
    >>> keys = make_users(["alice", "bob"])
    >>> sorted(keys), keys["alice"].public.identity
    (['alice', 'bob'], 'alice')
    >>> ct = signcrypt(keys["alice"], keys["bob"].public, b"hi bob")
    >>> opened = unsigncrypt(keys["bob"], ct, expected_sender="alice")
    >>> opened.message
    b'hi bob'
    """
    kgc = kgc or KGC.generate()
    out = {}
    for n in names:
        u = UserKey.generate(n, kgc.public)
        out[n] = u.accept_partial_key(kgc.issue_partial_key(n, u.request()))
    return out


def simulate(
    *,
    relays: int = 12,
    bad: dict[str, Behaviour] | None = None,
    transfers: int = 200,
    seed: int = 0,
    users: int = 6,
    k: int = 8,
    m: int = 4,
    hops: int = 3,
    size: int = 512,
    sphinx: bool = True,
    keys: dict[str, UserKey] | None = None,
    committee: PaillierPrivateKey | None = None,
    round_size: int = 20,
) -> SimResult:
    """Run ``transfers`` transfers between random pairs of ``users`` (with
    ``committee``, the rating rounds and the board as in the demo).

    Runs are reproducible: ``seed`` fixes who sends what to whom, the paths
    and the relays' misbehaviour.

    >>> r = simulate(relays=6, bad={"r0": Behaviour(drop=1.0)}, transfers=30, seed=1,
    ...              users=3, k=4, m=2, hops=2)
    >>> r.intact, r.failed, r.blacklisted
    (30, 0, {'r0'})
    >>> r.first_blacklisted  # a sender's ledger blacklisted r0 at transfer 26
    {'r0': 26}
    >>> sorted(r.ledgers)  # every user keeps its own BlameLedger
    ['u0', 'u1', 'u2']
    >>> r.board_blacklisted  # no committee: no ratings, no board
    set()
    """
    rng = random.Random(seed)  # noqa: S311 - a reproducible simulation
    behaviours = {f"r{i}": Behaviour() for i in range(relays)}
    behaviours.update(bad or {})
    net_rng = random.Random(rng.random())  # noqa: S311 - a reproducible simulation
    net = LocalNetwork(behaviours, rng=net_rng, sphinx=sphinx)
    names = [f"u{i}" for i in range(users)]
    keys = keys if keys is not None else make_users(names)
    senders, ledgers, recips, raters = {}, {}, {}, {}
    tokens = TransferTokens(b"simulation-token-key")
    current: list[RatingRound] = []

    def issuer(report: TransferReport) -> bytes:
        if not current or report.sender is None:
            return b""
        return tokens.issue(current[0], report.sender, report.transfer_id)

    for n in names:
        t = LocalTransport(net, n)
        senders[n] = Sender(t, keys[n])
        Receiver(t, keys[n], issuer=issuer if committee is not None else None)
        ledgers[n] = BlameLedger()
        recips[n] = Recipient(n, keys[n].public)
        raters[n] = Rater(n, ledgers[n])
    res = SimResult(transfers, 0, 0, 0, set(), ledgers=ledgers)
    board = ReputationBoard()
    relay_ids = sorted(behaviours)
    pending: list[tuple[RatingRound, RoundBook]] = []

    def close_round(i: int) -> None:
        assert committee is not None
        rnd = current[0]
        book = RoundBook(None, rnd, tokens)
        for r in raters.values():
            if r.eligible:
                book.submit(r.ballot(rnd))
        for prnd, pbook in pending:  # tallies take effect one round late, as in the demo
            for relay in board.apply_tally(prnd, pbook.tally(KeyDecryptor(committee))):
                res.board_first.setdefault(relay, i)
        pending[:] = [(rnd, book)]

    async def run() -> None:
        for i in range(transfers):
            if committee is not None and i % round_size == 0:
                if current:
                    close_round(i)
                current[:] = [
                    RatingRound(
                        committee.public_key,
                        relay_ids,
                        scale=1,
                        round_id=f"sim-{i}",
                        n_raters=len(names),
                    )
                ]
            a, b = rng.sample(names, 2)
            data = rng.randbytes(size)
            try:
                out = await senders[a].send(
                    data,
                    recips[b],
                    k,
                    m,
                    hops=hops,
                    ledger=ledgers[a],
                    rng=rng,
                    avoid=board.blacklisted(),
                )
            except TransferFailed as exc:
                res.failed += 1
                res.retries += max(0, len(getattr(exc.outcome, "attempts", [])) - 1)
            else:
                res.intact += 1
                res.retries += out.retries
                raters[a].note({r for at in out.attempts for p in at.paths for r in p})
                ack = out.attempts[-1].ack
                if ack is not None and ack.token:
                    raters[a].note((), ack.token)
            for r in ledgers[a].blacklisted():
                res.first_blacklisted.setdefault(r, i + 1)
        if committee is not None and current:
            close_round(transfers)
            close_round(transfers)  # the last round's tally

    asyncio.run(run())
    res.board_blacklisted = set(board.blacklisted())
    for led in ledgers.values():
        res.blacklisted.update(led.blacklisted())
    return res
