"""Secret sharing and threshold Paillier beside PyCryptodome's Shamir and zktally.

    python -m pytest bench/bench_sharing.py -p no:cacheprovider \
        --benchmark-columns=median,ops

Groups: split + combine of a secret (n = 10, t = 6: 32 bytes here, 16 bytes
in PyCryptodome, the most it takes), robust combine of a 32-byte secret with
2 bad shares among 10, Feldman verification of one share (t = 6), and
threshold Paillier at 2048 bits, 3 of 5: one partial decryption with its
proof, its verification, and combining three partials (zktally's
``combine_shares`` verifies every partial too, as ours does — one batch).
Both threshold libraries share the published 2048-bit test key's safe primes
(tests/vectors), dealt by each library's own dealer. ``extra_info["ops/s"]``
is 1/median. The run ends with *paired* ratios (alternating calls) and the
issue's bars, since the shared machine drifts between groups.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
from bench._paired import paired_medians, write_report

from n3crypto.group import Scalar
from n3crypto.paillier import PaillierPrivateKey
from n3crypto.sharing import (
    Share,
    ThresholdPaillier,
    combine,
    combine_partials,
    feldman_deal,
    robust_combine,
    split,
)

KEY = (
    pathlib.Path(__file__).parent.parent
    / "tests"
    / "vectors"
    / "paillier_2048_INSECURE_test_key.json"
)
PRIV = PaillierPrivateKey.from_json(KEY.read_text(), allow_insecure_size=True)
PUB, SHARES, VER = ThresholdPaillier.deal_from_key(PRIV, members=5, threshold=3)
VER.table("dec").ensure(VER.blind_bits("dec") + 8)  # one-time tables, not measured
CT = PUB.encrypt(123456789)
CTX = b"bench tally|relay-7"
PARTS = [s.partial_decrypt(CT, CTX) for s in SHARES]
SECRET32 = os.urandom(32)
SECRET16 = SECRET32[:16]


def _run(benchmark: Any, fn: Callable[[], object], rounds: int, iterations: int = 1) -> None:
    benchmark.pedantic(fn, rounds=rounds, iterations=iterations, warmup_rounds=1)
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["ops/s"] = round(1 / benchmark.stats.stats.median, 1)


def _zk() -> tuple[Any, Any, Any, int, list[Any]]:
    zt = pytest.importorskip("zktally.primitives.threshold")
    zpk, zsh, zvk = zt._from_safe_primes(int(PRIV.p), int(PRIV.q), 3, 5)
    c = int(CT.ciphertext(be_secure=False))
    parts = [zt.partial_decrypt(c, s, zpk, zvk, CTX) for s in zsh]
    return zt, zpk, (zsh, zvk), c, parts


# ------------------------------------------------------------------ Shamir


def _n3_split_combine() -> None:
    assert combine(split(SECRET32, 10, 6)[4:]) == SECRET32


def _pcd_split_combine() -> None:
    from Crypto.Protocol.SecretSharing import Shamir

    assert Shamir.combine(Shamir.split(6, 10, SECRET16)[4:]) == SECRET16


def test_split_combine_n3crypto_32B(benchmark: Any) -> None:
    benchmark.group = "split+combine n=10 t=6"
    _run(benchmark, _n3_split_combine, rounds=300)


def test_split_combine_pycryptodome_16B(benchmark: Any) -> None:
    benchmark.group = "split+combine n=10 t=6"
    pytest.importorskip("Crypto.Protocol.SecretSharing")
    _run(benchmark, _pcd_split_combine, rounds=100)


def _two_bad() -> list[Share]:
    shares = split(SECRET32, 10, 6)
    for i in (1, 7):
        s = shares[i]
        v = bytearray(s.value)
        v[i] ^= 0xFF
        shares[i] = Share(s.scheme, s.index, 6, s.secret_id, bytes(v))
    return shares


def test_robust_combine_2_bad_n3crypto(benchmark: Any) -> None:
    benchmark.group = "robust combine 32 B, n=10 t=6, 2 bad"
    shares = _two_bad()
    assert robust_combine(shares) == (SECRET32, [2, 8])
    _run(benchmark, lambda: robust_combine(shares), rounds=100)


def test_feldman_verify_n3crypto(benchmark: Any) -> None:
    benchmark.group = "Feldman verify one share (t=6)"
    shares, comm = feldman_deal(Scalar.random(), 10, 6)
    _run(benchmark, lambda: comm.verify(shares[3]), rounds=300)


# ------------------------------------------------------------------ threshold Paillier


def test_partial_decrypt_n3crypto(benchmark: Any) -> None:
    benchmark.group = "threshold partial decryption + proof (2048, 3 of 5)"
    _run(benchmark, lambda: SHARES[0].partial_decrypt(CT, CTX), rounds=15)


def test_partial_decrypt_zktally(benchmark: Any) -> None:
    benchmark.group = "threshold partial decryption + proof (2048, 3 of 5)"
    zt, zpk, (zsh, zvk), c, _ = _zk()
    _run(benchmark, lambda: zt.partial_decrypt(c, zsh[0], zpk, zvk, CTX), rounds=15)


def test_verify_partial_n3crypto(benchmark: Any) -> None:
    benchmark.group = "verify one partial decryption (2048)"
    _run(benchmark, lambda: PARTS[0].verify(VER, CT, CTX), rounds=15)


def test_verify_partial_zktally(benchmark: Any) -> None:
    benchmark.group = "verify one partial decryption (2048)"
    zt, zpk, (_, zvk), c, parts = _zk()
    assert zt.verify_partial(c, parts[0], zpk, zvk, CTX)
    _run(benchmark, lambda: zt.verify_partial(c, parts[0], zpk, zvk, CTX), rounds=15)


def test_combine_three_n3crypto(benchmark: Any) -> None:
    benchmark.group = "combine three partials, proofs checked (2048)"
    assert combine_partials(PUB, VER, CT, PARTS[:3], CTX) == 123456789
    _run(benchmark, lambda: combine_partials(PUB, VER, CT, PARTS[:3], CTX), rounds=15)


def test_combine_three_zktally(benchmark: Any) -> None:
    benchmark.group = "combine three partials, proofs checked (2048)"
    zt, zpk, (_, zvk), c, parts = _zk()
    assert zt.combine_shares(c, parts[:3], zpk, zvk, CTX) == 123456789
    _run(benchmark, lambda: zt.combine_shares(c, parts[:3], zpk, zvk, CTX), rounds=15)


# ------------------------------------------------------------------ paired ratios

_PAIRED: list[tuple[str, float, float, float]] = []


@pytest.fixture(scope="module", autouse=True)
def _paired_report(request: pytest.FixtureRequest) -> Any:
    yield
    if not _PAIRED:
        return
    lines = ["paired medians (alternating calls)                n3crypto       peer   ratio   bar"]
    for name, a, b, bar in _PAIRED:
        ok = "ok" if a / b <= bar else "MISSED"
        lines.append(
            f"{name:<46} {a * 1e3:>9.3f}ms {b * 1e3:>9.3f}ms {a / b:>6.3f}x  <={bar:g} {ok}"
        )
    write_report(request, lines)


def _paired(
    name: str, ours: Callable[[], object], peer: Callable[[], object], rounds: int, bar: float
) -> None:
    _PAIRED.append((name, *paired_medians(ours, peer, rounds), bar))


def test_paired_shamir_vs_pycryptodome() -> None:
    pytest.importorskip("Crypto.Protocol.SecretSharing")
    _paired(
        "split+combine 32 B vs PyCryptodome 16 B", _n3_split_combine, _pcd_split_combine, 200, 0.5
    )


def test_paired_threshold_vs_zktally() -> None:
    zt, zpk, (zsh, zvk), c, parts = _zk()
    _paired(
        "partial decryption + proof",
        lambda: SHARES[0].partial_decrypt(CT, CTX),
        lambda: zt.partial_decrypt(c, zsh[0], zpk, zvk, CTX),
        15,
        1.0,
    )
    _paired(
        "verify one partial",
        lambda: PARTS[0].verify(VER, CT, CTX),
        lambda: zt.verify_partial(c, parts[0], zpk, zvk, CTX),
        15,
        1.0,
    )
    _paired(
        "combine three (proofs checked)",
        lambda: combine_partials(PUB, VER, CT, PARTS[:3], CTX),
        lambda: zt.combine_shares(c, parts[:3], zpk, zvk, CTX),
        15,
        0.5,
    )
