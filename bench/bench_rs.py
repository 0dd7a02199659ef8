"""Reed–Solomon erasure coding beside zfec and pyeclib (ISA-L), same run.

    pytest bench/bench_rs.py --benchmark-enable --benchmark-columns=median,ops

Throughput is reported in ``extra_info["GB/s"]`` (input data bytes / median).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest

from n3crypto.bindings import available_kernels
from n3crypto.rs import ErasureCoder, aligned_buffers

K, M = 10, 4
SIZES = {"64KiB": 64 * 1024, "1MiB": 1024 * 1024}
LOST = [0, 3, 5, 8]  # four lost data shards


def _gbps(benchmark: Any, nbytes: int) -> None:
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["GB/s"] = round(nbytes / benchmark.stats.stats.median / 1e9, 2)


def _run(benchmark: Any, fn: Callable[[], object], nbytes: int) -> None:
    benchmark.pedantic(fn, rounds=30 if nbytes > 5_000_000 else 200, warmup_rounds=3)
    _gbps(benchmark, nbytes)


@pytest.fixture(scope="module", params=list(SIZES))
def size(request: pytest.FixtureRequest) -> int:
    return SIZES[request.param]


@pytest.mark.parametrize("kernel", available_kernels())
def test_encode_n3crypto(benchmark: Any, size: int, kernel: str) -> None:
    benchmark.group = f"encode k={K} m={M} {size // 1024}KiB"
    coder = ErasureCoder(K, M, kernel=kernel)
    bufs = aligned_buffers(K + M, size)
    for b in bufs[:K]:
        b[:] = os.urandom(size)
    data, parity = bufs[:K], bufs[K:]
    _run(benchmark, lambda: coder.encode_into(data, parity), K * size)


def test_encode_n3crypto_bytes(benchmark: Any, size: int) -> None:
    """Plain ``bytes`` shards and fresh bytearrays (16-byte aligned)."""
    benchmark.group = f"encode k={K} m={M} {size // 1024}KiB"
    coder = ErasureCoder(K, M)
    data = [os.urandom(size) for _ in range(K)]
    parity = [bytearray(size) for _ in range(M)]
    _run(benchmark, lambda: coder.encode_into(data, parity), K * size)


def test_encode_zfec(benchmark: Any, size: int) -> None:
    import zfec

    benchmark.group = f"encode k={K} m={M} {size // 1024}KiB"
    enc = zfec.Encoder(K, K + M)
    data = [os.urandom(size) for _ in range(K)]
    _run(benchmark, lambda: enc.encode(data, list(range(K, K + M))), K * size)


def test_encode_pyeclib(benchmark: Any, size: int) -> None:
    from pyeclib.ec_iface import ECDriver

    benchmark.group = f"encode k={K} m={M} {size // 1024}KiB"
    drv = ECDriver(k=K, m=M, ec_type="isa_l_rs_cauchy")
    blob = os.urandom(K * size)
    _run(benchmark, lambda: drv.encode(blob), K * size)


@pytest.mark.parametrize("kernel", available_kernels())
def test_reconstruct_n3crypto(benchmark: Any, size: int, kernel: str) -> None:
    benchmark.group = f"reconstruct 4 data k={K} m={M} {size // 1024}KiB"
    coder = ErasureCoder(K, M, kernel=kernel)
    bufs = aligned_buffers(K + M, size)
    for b in bufs[:K]:
        b[:] = os.urandom(size)
    coder.encode_into(bufs[:K], bufs[K:])
    present = [i not in LOST for i in range(K + M)]
    _run(benchmark, lambda: coder.reconstruct_into(bufs, present), K * size)


def test_reconstruct_zfec(benchmark: Any, size: int) -> None:
    import zfec

    benchmark.group = f"reconstruct 4 data k={K} m={M} {size // 1024}KiB"
    enc = zfec.Encoder(K, K + M)
    data = [os.urandom(size) for _ in range(K)]
    blocks = data + list(enc.encode(data, list(range(K, K + M))))
    keep = [i for i in range(K + M) if i not in LOST][:K]
    dec = zfec.Decoder(K, K + M)
    _run(benchmark, lambda: dec.decode([blocks[i] for i in keep], keep), K * size)


def test_reconstruct_pyeclib(benchmark: Any, size: int) -> None:
    from pyeclib.ec_iface import ECDriver

    benchmark.group = f"reconstruct 4 data k={K} m={M} {size // 1024}KiB"
    drv = ECDriver(k=K, m=M, ec_type="isa_l_rs_cauchy")
    frags = drv.encode(os.urandom(K * size))
    keep = [f for i, f in enumerate(frags) if i not in LOST]
    _run(benchmark, lambda: drv.reconstruct(keep, LOST), K * size)
