"""Demo chapter "committee": a 3-of-5 committee threshold-decrypts a rating tally."""

from __future__ import annotations

import random
import time

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

__all__ = ["demo_chapter"]


class _Cheater:
    """An in-process member that tampers with its answers (demo only)."""

    def __init__(self, share: object, fault: str) -> None:
        self._share = share
        self.fault = fault

    @property
    def member(self) -> int:
        return int(self._share.member)  # type: ignore[attr-defined]

    def respond(self, request: bytes) -> bytes:
        from n3crypto.sharing.committee import _tamper

        return _tamper(self._share.respond(request), self.fault)  # type: ignore[attr-defined]


def demo_chapter(console: Console, rng: random.Random) -> None:
    """Committee of 5, threshold 3: tally decrypted without anyone holding the
    key, a cheating member named, and a robust reconstruction naming a bad share.

    ``rng`` picks the story (ratings, who cheats); keys and proofs use the OS
    randomness. The 1024-bit key is INSECURE on purpose (speed).
    """
    from n3crypto.paillier.ratings import Aggregator, AllowList, RatingRound
    from n3crypto.sharing import Share, ThresholdDecryptor, ThresholdPaillier, robust_combine, split

    console.print(
        Panel.fit(
            "No single committee member may hold the key that decrypts ratings. A dealer "
            "shares it [bold]3-of-5[/] (Shoup/Damgård–Jurik threshold Paillier) and forgets "
            "it; each member answers with a [bold]partial decryption and a zero-knowledge "
            "proof[/]. Any three valid answers decrypt; a cheater is caught and named.",
            title="Chapter: committee",
        )
    )
    t0 = time.perf_counter()
    pub, shares, ver = ThresholdPaillier.deal(1024, 5, 3, allow_insecure_size=True)
    t_deal = time.perf_counter() - t0

    relays = [f"relay-{c}" for c in "ABCD"]
    raters = [f"receiver-{i:02d}" for i in range(6)]
    rnd = RatingRound(pub, relays, scale=5, round_id=b"committee-demo", n_raters=len(raters))
    agg = Aggregator(rnd, AllowList(raters))
    truth: dict[str, list[int]] = {r: [] for r in relays}
    for rater in raters:
        used = rng.sample(relays, rng.randint(1, 3))
        ratings = {r: rng.randint(0, 5) for r in used}
        for r, v in ratings.items():
            truth[r].append(v)
        agg.submit(rnd.cast(ratings, rater, b""))

    cheater = rng.randint(1, 5)
    fault = rng.choice(["bad-partial", "bad-proof"])
    members = [_Cheater(s, fault) if s.member == cheater else s for s in shares]
    dec = ThresholdDecryptor(ver, members)
    t0 = time.perf_counter()
    result = agg.tally(dec)
    t_tally = time.perf_counter() - t0
    result.verify(rnd, agg.sums)

    roster = Table(title=f"Committee (key dealt in {t_deal:.1f} s, 1024-bit INSECURE demo size)")
    roster.add_column("member")
    roster.add_column("answer")
    for s in shares:
        named = s.member in dec.invalid_members
        roster.add_row(
            f"member {s.member}",
            f"[red]{fault}: named and excluded[/]" if named else "[green]valid proofs[/]",
        )
    console.print(roster)

    table = Table(title=f"Tally of {result.ballots} ballots in {t_tally:.2f} s, proofs verified")
    for col in ("relay", "count", "total", "average", "check"):
        table.add_column(col)
    for t in result.relays:
        want = truth[t.relay]
        ok = t.count == len(want) and t.total == sum(want)
        avg = f"{float(t.average):.2f}" if t.average is not None else "—"
        table.add_row(t.relay, str(t.count), str(t.total), avg, "✓" if ok else "✗")
    console.print(table)

    # Robust reconstruction of a byte secret from 7 shares, one corrupted.
    secret = b"relay directory signing seed #1"
    pieces = split(secret, 7, 3)
    bad_i = rng.randint(0, 6)
    b = pieces[bad_i]
    flipped = bytes([b.value[0] ^ 0x5A]) + b.value[1:]  # type: ignore[index]
    pieces[bad_i] = Share(b.scheme, b.index, b.threshold, b.secret_id, flipped)
    got, bad = robust_combine(pieces)
    console.print(
        f"Robust reconstruction from 7 shares (threshold 3): secret "
        f"{'recovered' if got == secret else 'WRONG'}, bad share(s) named: {bad} "
        f"(Berlekamp–Welch corrects up to ⌊(7−3)/2⌋ = 2)."
    )
