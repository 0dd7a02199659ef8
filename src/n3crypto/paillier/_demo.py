"""Demo chapter "ratings": relay ratings pooled under a committee key."""

from __future__ import annotations

import dataclasses
import random
import time

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

__all__ = ["demo_chapter"]


def demo_chapter(console: Console, rng: random.Random) -> None:
    """Raters rate relays; only the committee learns per-relay aggregates.

    ``rng`` picks the story (who used which relay, the ratings); every
    cryptographic random number comes from the OS. Keys are 1024-bit and
    insecure on purpose so the chapter runs in a few seconds.
    """
    from n3crypto.paillier import generate_keypair
    from n3crypto.paillier.ratings import (
        Aggregator,
        BallotRejected,
        KeyDecryptor,
        RatingBallot,
        RatingRound,
        TransferTokens,
    )

    console.print(
        Panel.fit(
            "After each transfer a receiver rates the relays it used. One rating would reveal "
            "its path, so every ballot holds [bold]one Paillier ciphertext per relay of the "
            "round[/] (0 for relays it did not use) with a zero-knowledge proof that each "
            "is a valid entry. Aggregators add ciphertexts; only the committee decrypts the "
            "per-relay sums.",
            title="Chapter: ratings",
        )
    )
    t0 = time.perf_counter()
    pub, priv = generate_keypair(1024, allow_insecure_size=True)
    t_key = time.perf_counter() - t0
    keys = Table(title="Committee key (demo size: INSECURE)")
    keys.add_column("property")
    keys.add_column("value")
    keys.add_row("modulus n", f"{pub.bits} bits (p, q safe primes ≡ 3 mod 4)")
    keys.add_row("fingerprint", pub.fingerprint[:8].hex())
    keys.add_row("randomness", "fast: h_s^r with a ⌈k/2⌉-bit r (fixed-base table)")
    keys.add_row("generated in", f"{t_key * 1e3:.0f} ms")
    console.print(keys)

    relays = [f"relay-{c}" for c in "ABCDEF"]
    raters = [f"receiver-{i:02d}" for i in range(12)]
    rnd = RatingRound(pub, relays, scale=5, round_id=b"demo-round-1", n_raters=len(raters))
    issuer = TransferTokens(b"demo transfer-token key (secret)")
    agg = Aggregator(rnd, issuer)

    truth: dict[str, list[int]] = {r: [] for r in relays}
    ballots = []
    t0 = time.perf_counter()
    for rater in raters:
        used = rng.sample(relays, rng.randint(1, 3))
        ratings = {r: rng.randint(0, 5) for r in used}
        for r, v in ratings.items():
            truth[r].append(v)
        token = issuer.issue(rnd, rater, rng.randbytes(8))
        ballots.append(rnd.cast(ratings, rater, token))
    t_cast = (time.perf_counter() - t0) / len(raters)
    size = len(ballots[0].to_bytes())

    log = Table(
        title=f"Ballots ({len(relays)} entries each, {size:,} bytes, every shape identical)"
    )
    log.add_column("submission")
    log.add_column("verdict")
    late = ballots.pop()  # the last rater submits after the attempts below
    t0 = time.perf_counter()
    for b in ballots:
        agg.submit(b)
        log.add_row(b.rater_id, "[green]accepted[/]")
    t_verify = (time.perf_counter() - t0) / len(ballots)

    n2 = pub.nsquare
    c0, p0 = late.entries[0]
    bumped = c0 * pub.raw_gm(5 * rnd.M) % n2  # +5 stars on relay-A, same proof
    attempts = (
        (f"{ballots[0].rater_id} again", ballots[0]),
        (
            f"{late.rater_id} replaying {ballots[1].rater_id}'s entries",
            dataclasses.replace(ballots[1], rater_id=late.rater_id, credential=late.credential),
        ),
        (
            f"{late.rater_id} with relay-A bumped by 5",
            dataclasses.replace(late, entries=((int(bumped), p0), *late.entries[1:])),
        ),
        (
            "mallory with a forged token",
            dataclasses.replace(late, rater_id="mallory", credential=b"\x04nope" + bytes(32)),
        ),
        (f"{late.rater_id} (honest)", late),
    )
    for label, bad in attempts:
        try:
            agg.submit(RatingBallot.from_bytes(bad.to_bytes()))
            log.add_row(label, "[green]accepted[/]")
        except BallotRejected as exc:
            log.add_row(label, f"[yellow]rejected[/] — {exc.reason}")
    console.print(log)
    console.print(
        f"Casting a ballot took {t_cast * 1e3:.1f} ms ({len(relays)} proofs); "
        f"verifying one {t_verify * 1e3:.1f} ms (batched)."
    )

    result = agg.tally(KeyDecryptor(priv))
    result.verify(rnd, agg.sums)
    table = Table(title=f"Tally: {result.ballots} ballots, decryption proofs verified")
    for col in ("relay", "count", "total", "average", "check"):
        table.add_column(col)
    for t in result.relays:
        want = truth[t.relay]
        ok = t.count == len(want) and t.total == sum(want)
        avg = f"{float(t.average):.2f}" if t.average is not None else "—"
        table.add_row(t.relay, str(t.count), str(t.total), avg, "✓" if ok else "✗")
    console.print(table)
