"""RSCodec(32) beside reedsolo (and creedsolo, reedsolo's Cython build, if installed).

Run: pytest bench/bench_rscodec.py --benchmark-enable -p no:cacheprovider -s
(-s shows the closing summary of ratios and throughputs; the bars of
issue 2 are checked there and reported, not asserted, unless
N3_BENCH_ASSERT=1).

Single-codeword cases use one 255-byte codeword (223 message bytes); the
batch cases decode or check 4096 codewords (a 4096 x 255 numpy array) per
call, and their throughput counts message bytes (decode) or codeword
bytes (check).
"""

from __future__ import annotations

import importlib
import os
import random
from typing import Any

import numpy as np
import pytest
import reedsolo

from n3crypto.bindings import available_kernels
from n3crypto.rscodec import RSCodec

NSYM, N, K = 32, 255, 223
BATCH = 4096
KERNELS = available_kernels()

try:
    creedsolo: Any = importlib.import_module("creedsolo")
except ImportError:  # pragma: no cover - optional peer
    creedsolo = None

PEERS = ["n3crypto", "reedsolo"] + (["creedsolo"] if creedsolo is not None else [])
RESULTS: dict[str, float] = {}


def _codec(peer: str) -> Any:
    if peer == "n3crypto":
        return RSCodec(NSYM)
    if peer == "reedsolo":
        return reedsolo.RSCodec(NSYM)
    return creedsolo.RSCodec(NSYM)


def _data() -> tuple[bytes, bytes, bytes]:
    rng = random.Random(2026)
    msg = rng.randbytes(K)
    cw = bytes(RSCodec(NSYM).encode(msg))
    bad = bytearray(cw)
    for p in rng.sample(range(N), NSYM // 2):
        bad[p] ^= rng.randrange(1, 256)
    return msg, cw, bytes(bad)


def _record(benchmark: Any, name: str) -> None:
    if benchmark.stats is not None:
        RESULTS[name] = benchmark.stats.stats.median


@pytest.mark.parametrize("peer", PEERS)
def test_encode(benchmark: Any, peer: str) -> None:
    codec = _codec(peer)
    msg, cw, _ = _data()
    assert bytes(benchmark(codec.encode, msg)) == cw
    _record(benchmark, f"encode/{peer}")


@pytest.mark.parametrize("peer", PEERS)
def test_decode_clean(benchmark: Any, peer: str) -> None:
    codec = _codec(peer)
    msg, cw, _ = _data()
    assert bytes(benchmark(codec.decode, cw)[0]) == msg
    _record(benchmark, f"decode_clean/{peer}")


@pytest.mark.parametrize("peer", PEERS)
def test_decode_16_errors(benchmark: Any, peer: str) -> None:
    codec = _codec(peer)
    msg, _, bad = _data()
    res = benchmark(codec.decode, bad)
    assert bytes(res[0]) == msg and len(res[2]) == NSYM // 2
    _record(benchmark, f"decode_16/{peer}")


def _batch() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(7)
    msgs = rng.integers(0, 256, (BATCH, K), dtype=np.uint8)
    cws = np.frombuffer(RSCodec(NSYM).encode_batch(msgs), np.uint8).reshape(BATCH, N).copy()
    bad = cws.copy()
    for i in range(BATCH):
        pos = rng.choice(N, NSYM // 2, replace=False)
        bad[i, pos] ^= rng.integers(1, 256, NSYM // 2, dtype=np.uint8)
    return msgs, cws, bad


@pytest.mark.parametrize("kernel", KERNELS)
def test_batch_decode_16_errors(benchmark: Any, kernel: str) -> None:
    codec = RSCodec(NSYM, kernel=kernel)
    msgs, _, bad = _batch()
    res = benchmark(codec.decode_batch, bad)
    assert bytes(res.messages) == msgs.tobytes()
    _record(benchmark, f"batch_decode_16/{kernel}")


@pytest.mark.parametrize("kernel", KERNELS)
def test_batch_check_clean(benchmark: Any, kernel: str) -> None:
    codec = RSCodec(NSYM, kernel=kernel)
    _, cws, _ = _batch()
    assert all(benchmark(codec.check_batch, cws))
    _record(benchmark, f"batch_check/{kernel}")


@pytest.mark.parametrize("kernel", KERNELS)
def test_batch_encode(benchmark: Any, kernel: str) -> None:
    codec = RSCodec(NSYM, kernel=kernel)
    msgs, cws, _ = _batch()
    assert benchmark(codec.encode_batch, msgs) == cws.tobytes()
    _record(benchmark, f"batch_encode/{kernel}")


def test_zz_summary() -> None:
    """Ratios against reedsolo and batch throughputs (the issue's bars)."""
    if not RESULTS:
        pytest.skip("benchmarks disabled (pass --benchmark-enable)")
    lines, failures = [], []
    for case in ("encode", "decode_clean", "decode_16"):
        ours = RESULTS.get(f"{case}/n3crypto")
        if ours is None:
            continue
        line = f"{case:14s} n3crypto {ours * 1e6:9.2f} us"
        for peer in PEERS[1:]:
            theirs = RESULTS.get(f"{case}/{peer}")
            if theirs is not None:
                line += f" | {peer} {theirs * 1e6:9.1f} us ({theirs / ours:6.0f}x)"
        lines.append(line)
    ratio = RESULTS.get("decode_16/reedsolo", 0) / RESULTS.get("decode_16/n3crypto", 1)
    if ratio and ratio < 200:
        failures.append(f"single decode with 16 errors only {ratio:.0f}x reedsolo (bar 200x)")
    best = {}
    for case, nbytes, unit in (
        ("batch_decode_16", BATCH * K, 1e6),
        ("batch_check", BATCH * N, 1e9),
        ("batch_encode", BATCH * K, 1e9),
    ):
        for k in KERNELS:
            t = RESULTS.get(f"{case}/{k}")
            if t is not None:
                rate = nbytes / t / unit
                best[case] = max(best.get(case, 0.0), rate)
                lines.append(f"{case:16s} {k:8s} {rate:8.2f} {'MB/s' if unit == 1e6 else 'GB/s'}")
    if best.get("batch_decode_16", 20) < 20:
        failures.append(f"batched decode {best['batch_decode_16']:.1f} MB/s (bar 20 MB/s)")
    if best.get("batch_check", 1) < 1:
        failures.append(f"batched check {best['batch_check']:.2f} GB/s (bar 1 GB/s)")
    print("\n" + "\n".join(lines))
    if failures:
        print("BARS MISSED: " + "; ".join(failures))
        if os.environ.get("N3_BENCH_ASSERT") == "1":
            pytest.fail("; ".join(failures))
