"""The network in a box: the whole Network3 story on one machine.

A KGC certifies users and a directory authority; a committee holds the
rating key; relays run as separate processes on loopback (``127.<i>.0.1``),
some of them misbehaving (one corrupts payloads, one drops); users send
verified transfers to each other over k + m onion paths; receivers repair
and acknowledge; senders blame paths, rate relays privately each round;
the committee decrypts only the pooled tallies; reputation δ falls for the
relays the ratings blame, and past the board's confidence they are
blacklisted and avoided; contribution points and a staking settlement close
the epoch.

``seed`` drives the simulation only (which relays misbehave, who sends what
to whom, the paths); keys always come from the operating system.
"""

from __future__ import annotations

import asyncio
import importlib
import importlib.util
import json
import os
import random
import secrets
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from n3crypto import errors
from n3crypto.incentives import lock, settle_week
from n3crypto.paillier import (
    DecryptionProof,
    EncryptedNumber,
    PaillierPrivateKey,
    PaillierPublicKey,
    generate_keypair,
)
from n3crypto.paillier.ratings import Decryptor, KeyDecryptor, RatingRound, TransferTokens
from n3crypto.signcryption import KGC, UserKey
from n3crypto.utils import atomic_write
from n3crypto.verification.blame import BlameLedger
from n3crypto.verification.protocol import TransferFailed, TransferReport
from n3crypto.verification.ratings import Rater, ReputationBoard, RoundBook
from n3crypto.verification.transfer import Receiver, Recipient, Sender, TransferOutcome
from n3crypto.verification.transport import Behaviour, NodeTransport

__all__ = ["cache_dir", "committee_key", "demo_chapter", "run_network_demo"]

#: misbehaviour probabilities of the demo's malicious relays (per packet)
CORRUPT_RATE = 0.5
DROP_RATE = 0.5


def cache_dir() -> Path:
    """``$N3CRYPTO_CACHE``, else ``$XDG_CACHE_HOME/n3crypto``, else ``~/.cache/n3crypto``.

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, {"N3CRYPTO_CACHE": "/srv/n3"}):
    ...     print(cache_dir())
    /srv/n3
    >>> with mock.patch.dict(os.environ, {"N3CRYPTO_CACHE": "", "XDG_CACHE_HOME": "/var/cache"}):
    ...     print(cache_dir())
    /var/cache/n3crypto
    """
    env = os.environ.get("N3CRYPTO_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "n3crypto"


def committee_key(
    bits: int = 2048,
    *,
    directory: Path | None = None,
    progress: Callable[[str], None] | None = None,
) -> tuple[PaillierPublicKey, PaillierPrivateKey, bool]:
    """The committee's Paillier key (safe primes), made once and cached
    (mode 0600) in the cache directory; ``(public, private, was_cached)``.

    >>> import tempfile
    >>> d = Path(tempfile.mkdtemp())
    >>> pub, priv, cached = committee_key(512, directory=d)  # below 2048: examples only
    >>> cached, pub.n.bit_length()
    (False, 512)
    >>> again = committee_key(512, directory=d)  # the next run loads it
    >>> again[2], again[1] == priv
    (True, True)
    >>> oct((d / "committee-paillier-512.key").stat().st_mode & 0o777)
    '0o600'
    """
    d = directory or cache_dir()
    path = d / f"committee-paillier-{bits}.key"
    insecure = bits < 2048
    if path.exists():
        try:
            priv = PaillierPrivateKey.from_bytes(path.read_bytes(), allow_insecure_size=insecure)
            return priv.public_key, priv, True
        except errors.N3CryptoError:
            pass  # a damaged cache is remade
    if progress is not None:
        progress(f"generating the committee's {bits}-bit Paillier key (safe primes, once)")

    def step(stage: str, tried: int) -> None:
        if progress is not None and tried % 200 == 0:
            progress(f"  {stage}: {tried} candidates tried")

    pub, priv = generate_keypair(bits, allow_insecure_size=insecure, progress=step)
    d.mkdir(parents=True, exist_ok=True)
    atomic_write(path, priv.to_bytes(), mode=0o600)
    return pub, priv, False


_COMMITTEE: Any = None


def _committee_init(ver_blob: bytes, share_blobs: list[bytes], insecure: bool) -> None:
    """In the committee process: rebuild the members from their serialized shares."""
    global _COMMITTEE
    from n3crypto.sharing import KeyShare, ThresholdDecryptor, VerificationKeys

    ver = VerificationKeys.from_bytes(ver_blob, allow_insecure_size=insecure)
    shares = [KeyShare.from_bytes(b, allow_insecure_size=insecure) for b in share_blobs]
    _COMMITTEE = ThresholdDecryptor(ver, shares, parallel=False)


def _committee_decrypt(cts: list[bytes], contexts: list[bytes]) -> list[tuple[int, int, int]]:
    pk = _COMMITTEE.public_key
    items = [EncryptedNumber.from_bytes(pk, c) for c in cts]
    return [
        (v, p.commitment, p.response) for v, p in _COMMITTEE.decrypt_with_proofs(items, contexts)
    ]


class CommitteeProcess:
    """A :class:`~n3crypto.paillier.ratings.Decryptor` whose threshold
    committee (n3crypto.sharing members, given only their serialized shares)
    works in its own process, so decrypting a tally never stalls the
    network's event loop. Close it when done."""

    def __init__(self, verification: Any, share_blobs: list[bytes], *, insecure: bool) -> None:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        self._public = verification.public_key
        self._pool = ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=_committee_init,
            initargs=(verification.to_bytes(), share_blobs, insecure),
        )

    @property
    def public_key(self) -> PaillierPublicKey:
        return self._public  # type: ignore[no-any-return]

    def decrypt_with_proofs(
        self, ciphertexts: Sequence[EncryptedNumber], contexts: Sequence[bytes]
    ) -> list[tuple[int, DecryptionProof]]:
        fut = self._pool.submit(
            _committee_decrypt, [c.to_bytes() for c in ciphertexts], [bytes(x) for x in contexts]
        )
        return [(v, DecryptionProof(a, z)) for v, a, z in fut.result()]

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _threshold_decryptor(
    priv: PaillierPrivateKey, members: int, threshold: int, *, process: bool = False
) -> tuple[Decryptor, str] | None:
    """A threshold decryptor from :mod:`n3crypto.sharing` when it is present
    and works (a trusted dealer shares the cached key; the members answer
    in-process, or with ``process`` in a committee process): None otherwise."""
    try:
        from n3crypto.sharing import ThresholdDecryptor, ThresholdPaillier
    except ImportError:
        return None
    dec: Decryptor
    try:
        pub, shares, ver = ThresholdPaillier.deal_from_key(priv, members, threshold)
        if process:
            insecure = pub.n.bit_length() < 2048
            dec = CommitteeProcess(ver, [s.to_bytes() for s in shares], insecure=insecure)
        else:
            dec = ThresholdDecryptor(ver, shares)
        probe = pub.encrypt(7)
        if [v for v, _ in dec.decrypt_with_proofs([probe], [b"n3/demo/probe"])] != [7]:
            return None
    except (errors.N3CryptoError, AttributeError, TypeError, OSError):
        return None
    where = "in a committee process" if process else "in-process"
    return dec, (
        f"threshold {threshold}-of-{members} (n3crypto.sharing, shares dealt from the cached "
        f"key, members {where})"
    )


@dataclass
class _User:
    name: str
    key: UserKey
    transport: NodeTransport
    sender: Sender
    receiver: Receiver
    ledger: BlameLedger
    rater: Rater
    node: Any


@dataclass
class _Stats:
    transfers: int = 0
    intact: int = 0
    failed: int = 0
    retries: int = 0
    repaired: int = 0
    seconds: float = 0.0
    volume: Counter[str] = field(default_factory=Counter)
    latency: dict[str, list[float]] = field(default_factory=dict)
    rounds: list[dict[str, Any]] = field(default_factory=list)
    blacklisted_at: dict[str, int] = field(default_factory=dict)
    votes: Counter[str] = field(default_factory=Counter)


def run_network_demo(
    console: Console,
    *,
    relays: int = 12,
    malicious: int = 2,
    transfers: int = 200,
    seed: int | None = None,
    json_report: str | os.PathLike[str] | None = None,
    plot: str | os.PathLike[str] | None = None,
    users: int = 8,
    k: int = 8,
    m: int = 4,
    hops: int = 3,
    round_size: int = 20,
    size: int = 4096,
    key_bits: int = 2048,
    key_cache: str | os.PathLike[str] | None = None,
) -> dict[str, Any]:
    """Run the whole story (module docstring) and return the report.

    The report has at least ``malicious`` and ``blacklisted`` (relay ids),
    ``transfers``, ``intact``, ``failed``; it is also written to
    ``json_report`` when given, and ``plot`` (PNG, needs matplotlib) shows
    every relay's δ over the rating rounds.

    Example (it starts relay processes and takes a while, so it is not run
    as a doctest; ``n3crypto demo --seed 7 --json report.json`` does the
    same)::

        report = run_network_demo(
            Console(), relays=12, malicious=2, transfers=200, seed=7, json_report="report.json"
        )
        report["malicious"], report["blacklisted"]  # the hidden truth, what the board found
    """
    if relays < hops + 1 or not 0 <= malicious <= relays - hops:
        raise errors.N3ValueError(f"need relays > {hops} and 0 ≤ malicious ≤ relays − {hops}")
    if transfers < 1 or users < 2 or round_size < 1:
        raise errors.N3ValueError("transfers ≥ 1, users ≥ 2 and round_size ≥ 1 needed")
    if relays + users > 250:
        raise errors.N3ValueError("relays + users must fit in 127.1 … 127.254")
    if plot is not None and importlib.util.find_spec("matplotlib") is None:
        raise errors.UnavailableError(
            "--plot needs matplotlib (an optional extra: pip install matplotlib)"
        )
    if seed is None:
        seed = secrets.randbelow(2**32)
    rng = random.Random(seed)  # noqa: S311 - drives the simulation, never keys
    ids = [f"r{i}" for i in range(relays)]
    bad = rng.sample(ids, malicious)
    behaviours = {
        r: Behaviour(corrupt=CORRUPT_RATE) if j % 2 == 0 else Behaviour(drop=DROP_RATE)
        for j, r in enumerate(bad)
    }
    first = rng.randrange(20, 254 - relays - users)
    console.rule("[bold]n3crypto: the network in a box")
    console.print(
        f"seed {seed}: {relays} relays on 127.{first}.0.1 … 127.{first + relays - 1}.0.1, "
        f"{malicious} misbehaving (hidden from everyone but this table at the end), "
        f"{users} users, {transfers} verified transfers of {size} bytes as k={k} + m={m} "
        f"shards over {hops}-hop onion paths."
    )
    t_start = time.perf_counter()
    with console.status("committee key …"):
        pub, priv, cached = committee_key(
            key_bits,
            directory=Path(key_cache) if key_cache is not None else None,
            progress=lambda s: console.print(f"  {s}"),
        )
    with console.status("dealing the committee's shares …"):
        thr = _threshold_decryptor(priv, 5, 3, process=True)
    decryptor: Decryptor
    if thr is not None:  # pragma: no cover - depends on n3crypto.sharing
        decryptor, how = thr
    else:
        decryptor = KeyDecryptor(priv)
        how = "whole key (threshold decryption not available in this build)"
    try:
        return _story(
            console,
            decryptor,
            how,
            pub,
            cached,
            key_bits,
            relays,
            behaviours,
            first,
            seed,
            rng,
            users,
            transfers,
            k,
            m,
            hops,
            round_size,
            size,
            plot,
            json_report,
            t_start,
        )
    finally:
        if isinstance(decryptor, CommitteeProcess):
            decryptor.close()


def _story(
    console: Console,
    decryptor: Decryptor,
    how: str,
    pub: PaillierPublicKey,
    cached: bool,
    key_bits: int,
    relays: int,
    behaviours: dict[str, Behaviour],
    first: int,
    seed: int,
    rng: random.Random,
    users: int,
    transfers: int,
    k: int,
    m: int,
    hops: int,
    round_size: int,
    size: int,
    plot: str | os.PathLike[str] | None,
    json_report: str | os.PathLike[str] | None,
    t_start: float,
) -> dict[str, Any]:
    console.print(
        f"Committee of 5: {key_bits}-bit Paillier key "
        f"{'from the cache' if cached else 'generated and cached'}; decryption: {how}."
    )
    kgc = KGC.generate()
    names = [f"user{i}" for i in range(users)]
    keys: dict[str, UserKey] = {}
    for n in [*names, "directory-authority"]:
        u = UserKey.generate(n, kgc.public)
        keys[n] = u.accept_partial_key(kgc.issue_partial_key(n, u.request()))
    console.print(
        f"KGC certified {users} users and the directory authority (certificateless keys)."
    )
    from n3crypto.verification.relay import start_relays, stop_relays

    with tempfile.TemporaryDirectory(prefix="n3net-") as tmp_s:
        tmp = Path(tmp_s)
        with console.status(f"starting {relays} relay processes …"):
            procs = start_relays(relays, tmp / "relays", first_octet=first, behaviours=behaviours)
        finals: list[dict[str, Any]] = []
        try:
            console.print(
                f"{relays} relay processes up (pids {procs[0].info.get('pid')} … "
                f"{procs[-1].info.get('pid')})."
            )
            stats, board = asyncio.run(
                _run(
                    console,
                    procs,
                    keys,
                    names,
                    tmp,
                    rng,
                    seed,
                    first + relays,
                    pub,
                    decryptor,
                    transfers=transfers,
                    k=k,
                    m=m,
                    hops=hops,
                    round_size=round_size,
                    size=size,
                )
            )
        finally:
            finals = stop_relays(procs)
        report = _finish(
            console,
            stats,
            board,
            procs,
            finals,
            behaviours,
            seed,
            how,
            names,
            rng,
            time.perf_counter() - t_start,
        )
        board.close()
    if plot is not None:
        _plot(report, Path(plot))
        console.print(f"Reputation over rounds plotted to {plot}.")
    if json_report is not None:
        atomic_write(json_report, json.dumps(report, indent=2, sort_keys=True).encode() + b"\n")
        console.print(f"Report written to {json_report}.")
    return report


async def _run(
    console: Console,
    procs: list[Any],
    keys: dict[str, UserKey],
    names: list[str],
    tmp: Path,
    rng: random.Random,
    seed: int,
    octet: int,
    pub: PaillierPublicKey,
    decryptor: Decryptor,
    *,
    transfers: int,
    k: int,
    m: int,
    hops: int,
    round_size: int,
    size: int,
) -> tuple[_Stats, ReputationBoard]:
    from n3crypto.node import ClscSigner, ClscVerifier, Directory, Node, NodeConfig

    now = time.time()
    unsigned = Directory(0, now - 60, now + 3600, tuple(p.entry() for p in procs))
    auth = keys["directory-authority"]
    directory = Directory.from_bytes(
        unsigned.sign(ClscSigner(auth)), ClscVerifier(auth.public), now=now
    )
    relay_ids = sorted(e.relay_id for e in directory.entries)
    board = ReputationBoard(tmp / "board.sqlite")
    tokens = TransferTokens(secrets.token_bytes(32))
    current: list[RatingRound] = []

    def issuer(report: TransferReport) -> bytes:
        if not current or report.sender is None:
            return b""
        return tokens.issue(current[0], report.sender, report.transfer_id)

    us: dict[str, _User] = {}
    for i, n in enumerate(names):
        node = Node(NodeConfig(host=f"127.{octet + i}.0.1", key_dir=tmp / n, relay_id=n))
        await node.start()
        t = NodeTransport(node, directory, n)
        ledger = BlameLedger(tmp / f"{n}-ledger.sqlite")
        us[n] = _User(
            n,
            keys[n],
            t,
            Sender(t, keys[n]),
            Receiver(t, keys[n], linger=0.4, issuer=issuer),
            ledger,
            Rater(n, ledger, path=tmp / f"{n}-rater.sqlite"),
            node,
        )
    for u in us.values():
        for v in us.values():
            if v is not u:
                u.transport.peers[v.name] = v.transport.descriptor()
    stats = _Stats()
    console.print(
        f"Directory of {len(relay_ids)} relays signed by the authority and verified by "
        f"every user; {len(names)} users listening on 127.{octet}.0.1 … "
        f"127.{octet + len(names) - 1}.0.1."
    )
    progress = Progress(
        TextColumn("[bold]transfers"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total}"),
        TextColumn("{task.fields[info]}"),
        TimeElapsedColumn(),
        console=console,
    )
    rounds = -(-transfers // round_size)
    t0 = time.perf_counter()
    pending: tuple[int, RatingRound, RoundBook, int, asyncio.Task[Any]] | None = None

    async def tally(book: RoundBook) -> Any:
        return await asyncio.to_thread(book.tally, decryptor)

    async def apply(
        rno: int, rnd: RatingRound, book: RoundBook, cast: int, task: asyncio.Task[Any]
    ) -> None:
        result = await task
        book.close()
        fresh = board.apply_tally(rnd, result)
        for t in result.relays:
            stats.votes[t.relay] += t.count - t.total
        for r in fresh:
            stats.blacklisted_at[r] = stats.transfers
        stats.rounds.append(
            {
                "round": rno + 1,
                "transfers": stats.transfers,
                "ballots": cast,
                "blacklisted": board.blacklisted(),
                "delta": {r: float(board.reputation.delta(r)) for r in relay_ids},
            }
        )
        if fresh:
            progress.console.print(
                f"round {rno + 1}: {cast} ballots tallied by the committee → "
                f"[bold red]{', '.join(fresh)} blacklisted[/] "
                f"(applied after {stats.transfers} transfers)"
            )

    try:
        with progress:
            task = progress.add_task("send", total=transfers, info="")

            def show() -> None:
                progress.update(
                    task,
                    completed=stats.transfers,
                    info=(
                        f"intact {stats.intact}  failed {stats.failed}  retries {stats.retries}"
                        f"  repaired shards {stats.repaired}  blacklisted "
                        f"{', '.join(board.blacklisted()) or '—'}"
                    ),
                )

            for rno in range(rounds):
                rnd = RatingRound(
                    pub, relay_ids, scale=1, round_id=f"demo-{seed}-{rno}", n_raters=len(names)
                )
                current[:] = [rnd]
                todo = min(round_size, transfers - stats.transfers)
                plan: dict[str, list[str]] = {n: [] for n in names}
                for j in range(todo):
                    a = names[(rno * round_size + j) % len(names)]
                    plan[a].append(rng.choice([b for b in names if b != a]))
                payloads = {n: [rng.randbytes(size) for _ in plan[n]] for n in names}
                path_seeds = {n: rng.randrange(2**32) for n in names}
                avoid = board.blacklisted()

                async def user_task(
                    name: str, dests: list[str], datas: list[bytes], pseed: int, avoid: list[str]
                ) -> None:
                    u = us[name]
                    prng = random.Random(pseed)  # noqa: S311 - simulated path choice
                    for dest, data in zip(dests, datas, strict=True):
                        out: TransferOutcome | None
                        try:
                            out = await u.sender.send(
                                data,
                                Recipient(dest, keys[dest].public),
                                k,
                                m,
                                hops=hops,
                                ledger=u.ledger,
                                rng=prng,
                                avoid=avoid,
                                ack_timeout=3.0,
                            )
                            stats.intact += 1
                        except TransferFailed as exc:
                            stats.failed += 1
                            out = exc.outcome if isinstance(exc.outcome, TransferOutcome) else None
                        stats.transfers += 1
                        if out is not None:
                            stats.retries += out.retries
                            per_path = size // k + 1
                            for a in out.attempts:
                                if a.ack is not None:
                                    stats.repaired += len(a.ack.missing) + len(a.ack.corrupted)
                                for p in a.paths:
                                    for r in p:
                                        stats.volume[r] += per_path
                                        stats.latency.setdefault(r, []).append(a.seconds / hops)
                                u.rater.note({r for p in a.paths for r in p})
                            last = out.attempts[-1].ack if out.attempts else None
                            if last is not None and last.token:
                                u.rater.note((), last.token)
                        show()

                await asyncio.gather(
                    *(user_task(n, plan[n], payloads[n], path_seeds[n], avoid) for n in names)
                )
                book = RoundBook(tmp / "rounds.sqlite", rnd, tokens)
                cast = 0
                for u in us.values():
                    if u.rater.eligible:
                        book.submit(u.rater.ballot(rnd))
                        cast += 1
                # the committee decrypts while the next round's transfers run
                if pending is not None:
                    await apply(*pending)
                    show()
                pending = (rno, rnd, book, cast, asyncio.create_task(tally(book)))
            if pending is not None:
                await apply(*pending)
                show()
    finally:
        stats.seconds = time.perf_counter() - t0
        for u in us.values():
            await u.node.stop(drain=0.2)
            u.ledger.close()
            u.rater.close()
    return stats, board


def _finish(
    console: Console,
    stats: _Stats,
    board: ReputationBoard,
    procs: list[Any],
    finals: list[dict[str, Any]],
    behaviours: dict[str, Behaviour],
    seed: int,
    how: str,
    names: list[str],
    rng: random.Random,
    seconds: float,
) -> dict[str, Any]:
    rep = board.reputation
    ids = [p.relay_id for p in procs]
    epoch = 1
    for r in ids:
        lat = stats.latency.get(r, [])
        delay = Fraction(round(1000 * sum(lat) / len(lat))) / 1000 if lat else Fraction(0)
        mib = Fraction(stats.volume.get(r, 0), 1 << 20)
        board.record_contribution(epoch, r, 24, mib, delay)
    points = board.points.points(epoch)
    pay = board.close_epoch(epoch, 1_000_000)

    t = Table(title=f"relays after {stats.transfers} transfers (seed {seed})")
    for col in (
        "relay",
        "address",
        "really",
        "forwarded",
        "misbehaved",
        "blame votes",
        "δ",
        "status",
        "points",
        "reward",
    ):
        t.add_column(
            col, justify="right" if col not in ("relay", "address", "really", "status") else "left"
        )
    for p, fin in zip(procs, finals, strict=True):
        r = p.relay_id
        b = behaviours.get(r)
        really = (
            "corrupts" if b is not None and b.corrupt else "drops" if b is not None else "honest"
        )
        bl = rep.is_blacklisted(r)
        t.add_row(
            r,
            p.address,
            really,
            str(fin.get("forwarded", 0)),
            str(fin.get("misbehaved_drop", 0) + fin.get("misbehaved_corrupt", 0)),
            str(stats.votes.get(r, 0)),
            f"{float(rep.delta(r)):.2f}",
            "[bold red]blacklisted[/]" if bl else "ok",
            f"{float(points.get(r, 0)):.1f}",
            str(pay.get(r, 0)),
        )
    console.print(t)
    s = Table(title="transfers")
    for col in ("transfers", "intact", "failed", "retries", "shards repaired", "seconds"):
        s.add_column(col, justify="right")
    s.add_row(
        str(stats.transfers),
        str(stats.intact),
        str(stats.failed),
        str(stats.retries),
        str(stats.repaired),
        f"{stats.seconds:.1f}",
    )
    console.print(s)
    stakers = {n: lock(rng.randrange(1_000, 50_000), rng.choice([30, 90, 180, 365])) for n in names}
    fees = stats.intact * 1_000
    settle = settle_week(fees, fees // 10, {n: lk.ve for n, lk in stakers.items()}, ["core-dev"])
    st = Table(title=f"staking settlement: {fees} units of fees, {fees // 10} operating costs")
    for col in ("staker", "locked", "days", "veN3", "paid"):
        st.add_column(col, justify="right")
    for n, lk in stakers.items():
        st.add_row(n, str(lk.amount), str(lk.days), f"{float(lk.ve):.0f}", str(settle.stakers[n]))
    st.add_row("core-dev", "", "", "", str(settle.developers["core-dev"]))
    console.print(st)
    malicious = sorted(behaviours)
    blacklisted = board.blacklisted()
    caught = set(malicious) <= set(blacklisted)
    honest_bl = sorted(set(blacklisted) - set(malicious))
    when = ", ".join(f"{r} after {stats.blacklisted_at.get(r, '—')}" for r in malicious)
    if not malicious:
        verdict = "No relay misbehaved"
    elif caught:
        verdict = f"[bold green]Every misbehaving relay was blacklisted[/] ({when} transfers)"
    else:
        verdict = (
            f"[bold yellow]Not every misbehaving relay was blacklisted yet[/] ({when} transfers)"
        )
    honest = (
        f"[bold red]honest relays blacklisted: {', '.join(honest_bl)}[/]"
        if honest_bl
        else "no honest relay was blacklisted"
    )
    console.print(f"{verdict}; {honest}. Total {seconds:.1f} s.")
    return {
        "seed": seed,
        "relays": ids,
        "malicious": malicious,
        "behaviour": {
            r: ("corrupt" if b.corrupt else "drop") for r, b in sorted(behaviours.items())
        },
        "blacklisted": blacklisted,
        "blacklisted_after": dict(sorted(stats.blacklisted_at.items())),
        "transfers": stats.transfers,
        "intact": stats.intact,
        "failed": stats.failed,
        "retries": stats.retries,
        "shards_repaired": stats.repaired,
        "decryption": how,
        "rounds": stats.rounds,
        "reputation": {r: float(rep.delta(r)) for r in ids},
        "points": {r: str(points.get(r, 0)) for r in ids},
        "rewards": pay,
        "settlement": {
            "fees": settle.fees,
            "stakers": settle.stakers,
            "developers": settle.developers,
            "retained": settle.retained,
        },
        "seconds": round(seconds, 2),
    }


def _plot(report: dict[str, Any], path: Path) -> None:
    mpl: Any = importlib.import_module("matplotlib")
    mpl.use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")

    fig, ax = plt.subplots(figsize=(8, 4.5))
    rounds = [r["round"] for r in report["rounds"]]
    for relay in report["relays"]:
        ys = [r["delta"][relay] for r in report["rounds"]]
        style = "-" if relay not in report["malicious"] else "--"
        ax.plot(rounds, ys, style, label=relay + (" (bad)" if relay in report["malicious"] else ""))
    ax.set_xlabel("rating round")
    ax.set_ylabel("reputation δ")
    ax.set_title(f"reputation over rounds (seed {report['seed']})")
    ax.legend(fontsize="small", ncol=2)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def demo_chapter(console: Console, rng: random.Random) -> None:
    """``n3crypto demo --chapter network``: a shorter run (8 relays, 1
    misbehaving, 60 transfers).

    Example (it starts relay processes, so it is not run as a doctest)::

        demo_chapter(Console(), random.Random(7))
    """
    run_network_demo(
        console,
        relays=8,
        malicious=1,
        transfers=60,
        seed=rng.randrange(2**32),
        users=5,
        round_size=10,
    )
