"""Certificateless signcryption beside PyNaCl sign-then-encrypt, same run.

    python -m pytest bench/bench_signcryption.py -p no:cacheprovider \
        --benchmark-columns=median,ops

Peer: Ed25519 signature on ``message || recipient key`` (PyNaCl), then a
SealedBox to the recipient; open-then-verify on the other side. The peer's
ciphertext carries the sender's key and identity too (so the receiver learns
who sent it, as with CLSC). ``extra_info["overhead_bytes"]`` records each
scheme's ciphertext expansion; the session-end summary prints the ratios.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from typing import Any

import nacl.public
import nacl.signing
import pytest

from n3crypto.signcryption import KGC, UserKey, overhead, signcrypt, unsigncrypt

SIZES = {"1KiB": 1024, "1MiB": 1 << 20}
IDENTITY_FIELD = 64
_medians: dict[tuple[str, str, str], float] = {}


def _user(kgc: KGC, name: str) -> UserKey:
    u = UserKey.generate(name, kgc.public)
    return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))


@pytest.fixture(scope="module")
def clsc() -> tuple[UserKey, UserKey]:
    kgc = KGC.generate()
    return _user(kgc, "alice"), _user(kgc, "bob")


class NaclPeer:
    """Sign-then-encrypt with the sender's key and a 64-byte identity field inside."""

    def __init__(self) -> None:
        self.sk = nacl.signing.SigningKey.generate()
        self.rk = nacl.public.PrivateKey.generate()
        self.box = nacl.public.SealedBox(self.rk.public_key)
        self.unbox = nacl.public.SealedBox(self.rk)
        self.rpk = bytes(self.rk.public_key)
        self.ident = b"alice".ljust(IDENTITY_FIELD, b"\0")
        self.vk = bytes(self.sk.verify_key)

    def seal(self, m: bytes) -> bytes:
        sig = self.sk.sign(self.ident + self.vk + m + self.rpk).signature
        return self.box.encrypt(self.ident + self.vk + sig + m)

    def open(self, ct: bytes) -> bytes:
        pt = self.unbox.decrypt(ct)
        ident, vk, sig, m = pt[:64], pt[64:96], pt[96:160], pt[160:]
        nacl.signing.VerifyKey(vk).verify(ident + vk + m + self.rpk, sig)
        return m


@pytest.fixture(scope="module")
def peer() -> NaclPeer:
    return NaclPeer()


@pytest.fixture(scope="module", params=list(SIZES))
def size(request: pytest.FixtureRequest) -> int:
    return SIZES[request.param]


def _run(
    benchmark: Any, fn: Callable[[], object], size: int, name: str, op: str, overhead_bytes: int
) -> None:
    label = next(k for k, v in SIZES.items() if v == size)
    benchmark.group = f"{op} {label}"
    rounds = 30 if size > 100_000 else 2000
    benchmark.pedantic(fn, rounds=rounds, warmup_rounds=20 if size < 100_000 else 2)
    benchmark.extra_info["overhead_bytes"] = overhead_bytes
    if benchmark.stats is not None:  # None under --benchmark-disable
        _medians[(op, label, name)] = benchmark.stats.stats.median


def test_signcrypt_n3crypto(benchmark: Any, clsc: tuple[UserKey, UserKey], size: int) -> None:
    a, b = clsc
    m, bp = os.urandom(size), b.public
    _run(benchmark, lambda: signcrypt(a, bp, m), size, "n3crypto", "signcrypt", overhead())


def test_signcrypt_nacl(benchmark: Any, peer: NaclPeer, size: int) -> None:
    m = os.urandom(size)
    ovh = len(peer.seal(m)) - size
    _run(benchmark, lambda: peer.seal(m), size, "nacl", "signcrypt", ovh)


def test_unsigncrypt_n3crypto(benchmark: Any, clsc: tuple[UserKey, UserKey], size: int) -> None:
    a, b = clsc
    ct = signcrypt(a, b.public, os.urandom(size))
    _run(benchmark, lambda: unsigncrypt(b, ct), size, "n3crypto", "unsigncrypt", overhead())


def test_unsigncrypt_nacl(benchmark: Any, peer: NaclPeer, size: int) -> None:
    ct = peer.seal(os.urandom(size))
    _run(benchmark, lambda: peer.open(ct), size, "nacl", "unsigncrypt", len(ct) - size)


def test_round_trip_n3crypto(benchmark: Any, clsc: tuple[UserKey, UserKey], size: int) -> None:
    a, b = clsc
    m, bp = os.urandom(size), b.public
    _run(
        benchmark,
        lambda: unsigncrypt(b, signcrypt(a, bp, m)),
        size,
        "n3crypto",
        "round trip",
        overhead(),
    )


def test_round_trip_nacl(benchmark: Any, peer: NaclPeer, size: int) -> None:
    m = os.urandom(size)
    _run(
        benchmark,
        lambda: peer.open(peer.seal(m)),
        size,
        "nacl",
        "round trip",
        len(peer.seal(m)) - size,
    )


@pytest.fixture(scope="session", autouse=True)
def _summary() -> Iterator[None]:
    yield
    if not _medians:
        return
    lines = ["", "n3crypto CLSC vs PyNaCl sign-then-encrypt (medians, same run):"]
    for op in ("signcrypt", "unsigncrypt", "round trip"):
        for sz in SIZES:
            n3 = _medians.get((op, sz, "n3crypto"))
            na = _medians.get((op, sz, "nacl"))
            if n3 and na:
                lines.append(
                    f"  {op:11} {sz:5}: n3crypto {n3 * 1e6:9.1f} µs   nacl "
                    f"{na * 1e6:9.1f} µs   ratio {n3 / na:.2f}×"
                )
    peer = NaclPeer()
    lines.append(
        f"  overhead: n3crypto {overhead()} B (113 + {IDENTITY_FIELD}); "
        f"nacl {len(peer.seal(b''))} B (144 + {IDENTITY_FIELD})"
    )
    print("\n".join(lines))
