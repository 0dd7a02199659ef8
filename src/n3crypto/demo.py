"""``n3crypto demo``: the library's story, one chapter per capability.

Each chapter is a function ``(console, rng) -> None`` registered in
:data:`CHAPTERS`; ``run(None)`` plays them all in order.
"""

from __future__ import annotations

import hashlib
import random
import secrets
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from n3crypto import errors

__all__ = ["CHAPTERS", "run"]

Chapter = Callable[[Console, random.Random], None]


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def chapter_reed_solomon(console: Console, rng: random.Random) -> None:
    """Encode a file into shards, lose some, corrupt others, rebuild it."""
    from n3crypto.rs import ErasureCoder, Shard
    from n3crypto.utils import atomic_write

    k, m = 10, 4
    coder = ErasureCoder(k, m)
    console.print(
        Panel.fit(
            f"A sender splits a file into [bold]{k}[/] data shards and adds [bold]{m}[/] parity "
            "shards, one per relay path. Any k shards rebuild the file; when more arrive, "
            "shards that relays [italic]altered[/] are located and repaired: up to "
            "⌊(received − k)/2⌋ of them.",
            title="Chapter: reed-solomon",
        )
    )
    text = (
        "Network3 moves data through volunteer relays. Some relays drop packets; "
        "some flip bits; a few lie. Reed–Solomon codes make that survivable.\n"
    ).encode()
    data = (text * 400) + secrets.token_bytes(64 * 1024)
    with tempfile.TemporaryDirectory(prefix="n3demo-") as tmp:
        src = Path(tmp) / "payload.bin"
        atomic_write(src, data)
        t0 = time.perf_counter()
        shards = coder.encode(src.read_bytes())
        t_enc = time.perf_counter() - t0
        set_id = secrets.token_bytes(16)
        files = []
        for i, s in enumerate(shards):
            f = Path(tmp) / f"payload.bin.{i:03d}"
            atomic_write(f, Shard(set_id, k, m, i, s).to_bytes())
            files.append(f)
        console.print(
            f"Encoded [bold]{len(data):,}[/] bytes into {k + m} shards of "
            f"{len(shards[0]):,} bytes in {t_enc * 1e3:.2f} ms (kernel [cyan]{coder.kernel}[/])."
        )
        lost = sorted(rng.sample(range(k + m), 2))
        corrupt = sorted(rng.sample([i for i in range(k + m) if i not in lost], 1))
        for i in lost:
            files[i].unlink()
        for i in corrupt:
            blob = bytearray(files[i].read_bytes())
            for pos in rng.sample(range(40, len(blob)), 500):
                blob[pos] ^= rng.randrange(1, 256)
            atomic_write(files[i], bytes(blob))
        console.print(
            f"In transit: shards [red]{lost}[/] were lost and shard(s) [magenta]{corrupt}[/] "
            "had 500 bytes altered by a relay."
        )
        slots: list[bytes | None] = [None] * (k + m)
        for f in files:
            if f.exists():
                sh = Shard.from_bytes(f.read_bytes())
                slots[sh.index] = sh.data
        t0 = time.perf_counter()
        out = coder.decode(slots)
        t_dec = time.perf_counter() - t0
        table = Table(title="What the receiver found")
        table.add_column("shard", justify="right")
        table.add_column("role")
        table.add_column("status")
        for i in range(k + m):
            role = "data" if i < k else "parity"
            if i in out.missing:
                status = "[red]lost → rebuilt[/]"
            elif i in out.corrupted:
                status = "[magenta]corrupted → located and repaired[/]"
            else:
                status = "[green]intact[/]"
            table.add_row(str(i), role, status)
        console.print(table)
        ok = bytes(out) == data
        console.print(
            f"Decoded {len(out):,} bytes in {t_dec * 1e3:.2f} ms; SHA-256 "
            f"{_digest(bytes(out))} {'[green]matches[/]' if ok else '[red]DIFFERS[/]'} "
            "the original "
            f"({_digest(data)}). Corrupted shards named: [magenta]{out.corrupted}[/]."
        )
        if not ok or out.corrupted != corrupt or out.missing != lost:
            raise errors.IntegrityError("demo: Reed–Solomon round trip failed")

    # Byte codewords: the reedsolo-compatible codec corrects errors in place.
    from n3crypto.rs import RSCodec

    codec = RSCodec(10)
    msg = b"relay 7 says: delivered 4096 bytes at 12:00"
    cw = bytearray(codec.encode(msg))
    hits = sorted(rng.sample(range(len(cw)), 5))
    for pos in hits:
        cw[pos] ^= rng.randrange(1, 256)
    fixed, _, where = codec.decode(cw)
    console.print(
        f"RSCodec(10) corrected bytes {sorted(where)} in a {len(cw)}-byte codeword "
        f"(up to 5 errors, or 10 known erasures): [green]{bytes(fixed).decode()}[/]"
    )
    if bytes(fixed) != msg or sorted(where) != hits:
        raise errors.IntegrityError("demo: RSCodec correction failed")


def chapter_signcryption(console: Console, rng: random.Random) -> None:
    """Certificateless, anonymous signcryption between two users."""
    from n3crypto.signcryption import demo_chapter

    demo_chapter(console, rng)


def chapter_onion(console: Console, rng: random.Random) -> None:
    """Sphinx packets through relays: no relay learns both ends."""
    from n3crypto.onion import demo_chapter

    demo_chapter(console, rng)


def chapter_ratings(console: Console, rng: random.Random) -> None:
    """Paillier-encrypted ratings with validity proofs, tallied per relay."""
    from n3crypto.paillier import demo_chapter

    demo_chapter(console, rng)


def chapter_committee(console: Console, rng: random.Random) -> None:
    """A committee threshold-decrypts the tally; nobody holds the key."""
    from n3crypto.sharing import demo_chapter

    demo_chapter(console, rng)


def chapter_network(console: Console, rng: random.Random) -> None:
    """Verified transfers over several onion paths; relays blamed and rated."""
    from n3crypto.verification.demo import demo_chapter

    demo_chapter(console, rng)


def chapter_incentives(console: Console, rng: random.Random) -> None:
    """Contribution scores, reputation, rewards, PVCG and staking."""
    from n3crypto.cli_incentives import demo_chapter

    demo_chapter(console, rng)


CHAPTERS: dict[str, tuple[str, Chapter]] = {
    "signcryption": (
        "One operation encrypts and authenticates; outsiders see neither party",
        chapter_signcryption,
    ),
    "reed-solomon": (
        "Shards over unreliable relays: rebuild lost ones, locate altered ones",
        chapter_reed_solomon,
    ),
    "onion": (
        "Sphinx packets through relay processes: no relay learns both ends",
        chapter_onion,
    ),
    "ratings": (
        "Receivers rate relays under encryption; only pooled sums are decrypted",
        chapter_ratings,
    ),
    "committee": (
        "A committee decrypts pooled ratings by threshold; cheaters are named",
        chapter_committee,
    ),
    "network": (
        "Verified transfers over onion paths: repair, blame, ratings, reputation",
        chapter_network,
    ),
    "incentives": (
        "Contribution and reputation become points, rewards and stakes",
        chapter_incentives,
    ),
}


def run(
    chapter: str | None = None, *, seed: int | None = None, console: Console | None = None
) -> None:
    """Play one chapter, or all of them in order."""
    console = console or Console()
    # Chooses which shards the demo loses or alters: not cryptographic.
    rng = random.Random(seed if seed is not None else secrets.randbits(64))  # noqa: S311
    names = [chapter] if chapter else list(CHAPTERS)
    for name in names:
        _, fn = CHAPTERS[name]
        fn(console, rng)
