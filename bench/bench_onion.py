"""Sphinx on ristretto255 beside sphinxmix (P-224) and the X25519 floor, same run.

Run: pytest bench/bench_onion.py --benchmark-enable -p no:cacheprovider -s
(-s shows the closing summary; the bars of issue 8 are reported, and
asserted only with N3_BENCH_ASSERT=1). sphinxmix is an optional peer (it
builds petlib from source): ``pip install sphinxmix``; without it its cases
are skipped.

Cases: creation for 3 and 5 hops (2048-byte bodies), per-hop processing
(replay cache in memory, and in SQLite as a relay runs it), SURB creation,
two PyNaCl X25519 multiplications as the floor, and end-to-end packets/s
through three relay processes on loopback. Numbers from a shared 2-core
machine: compare ratios within one run, not absolute times across runs.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import nacl.bindings as nacl
import pytest
from bench._paired import check_bars

from n3crypto.node import PACKET, EpochSchedule, encode_frame, query_status
from n3crypto.node.replay import ReplayStore
from n3crypto.node.spawn import spawn_relays, stop_relays
from n3crypto.onion import (
    KeyTableCache,
    RelayKey,
    create_packet,
    create_surb,
    message_capacity,
    process,
)

try:  # the optional peer
    from sphinxmix.SphinxClient import (
        Nenc,
        create_forward_message,
        pki_entry,
    )
    from sphinxmix.SphinxClient import create_surb as sm_create_surb
    from sphinxmix.SphinxNode import sphinx_process
    from sphinxmix.SphinxParams import SphinxParams

    HAVE_SPHINXMIX = True
except ImportError:  # pragma: no cover - depends on the environment
    HAVE_SPHINXMIX = False

RESULTS: dict[str, float] = {}
FUNCS: dict[str, Callable[[], object]] = {}
MSG = os.urandom(message_capacity())  # a full 2048-byte body


class _NoReplay:
    def check_and_insert(self, tag: bytes) -> bool:
        return True


KEYS = [RelayKey.generate(f"127.{i}.0.1:9000") for i in range(1, 6)]
PATH = [k.descriptor for k in KEYS]
TABLES = KeyTableCache()
for d in PATH:
    TABLES.get(d)
PACKET5 = create_packet(PATH, MSG)


def _run(benchmark: Any, name: str, fn: Callable[[], object], rounds: int = 200) -> None:
    benchmark.group = name.split("/")[0]
    benchmark.pedantic(fn, rounds=rounds, iterations=1, warmup_rounds=min(rounds // 10, 20))
    if benchmark.stats is not None:  # None under --benchmark-disable
        RESULTS[name] = benchmark.stats.stats.median
    FUNCS[name] = fn


# ------------------------------------------------------------------ n3 ----
def test_create3_n3(benchmark: Any) -> None:
    _run(benchmark, "create3/n3", lambda: create_packet(PATH[:3], MSG))


def test_create5_n3(benchmark: Any) -> None:
    _run(benchmark, "create5/n3", lambda: create_packet(PATH, MSG))


def test_create5_n3_tables(benchmark: Any) -> None:
    _run(benchmark, "create5/n3-tables", lambda: create_packet(PATH, MSG, key_tables=TABLES))


def test_hop_n3(benchmark: Any) -> None:
    nr = _NoReplay()
    _run(benchmark, "hop/n3", lambda: process(KEYS[0], PACKET5, replay_cache=nr), rounds=1000)


def test_hop_n3_sqlite(benchmark: Any, tmp_path: Path) -> None:
    """As a relay runs it: every packet a fresh tag in the epoch's SQLite cache."""
    store = ReplayStore(tmp_path)
    cache = store.cache(0)
    packets = iter([create_packet(PATH, MSG) for _ in range(1200)])
    _run(
        benchmark,
        "hop/n3-sqlite",
        lambda: process(KEYS[0], next(packets), replay_cache=cache),
        rounds=1000,
    )
    store.close()


def test_surb3_n3(benchmark: Any) -> None:
    _run(benchmark, "surb3/n3", lambda: create_surb(PATH[:3]))


def test_floor_x25519_pynacl(benchmark: Any) -> None:
    a, b = os.urandom(32), nacl.crypto_scalarmult_base(os.urandom(32))
    _run(
        benchmark,
        "hop/x25519x2",
        lambda: (nacl.crypto_scalarmult(a, b), nacl.crypto_scalarmult(a, b)),
        rounds=1000,
    )


# ------------------------------------------------------------- sphinxmix ----
if HAVE_SPHINXMIX:
    SM = SphinxParams(header_len=192 * 2, body_len=2048)
    SM_PKI = {}
    for _i in range(5):
        _x = SM.group.gensecret()
        SM_PKI[_i] = pki_entry(_i, _x, SM.group.expon(SM.group.g, [_x]))
    SM_ROUTE = [Nenc(i) for i in range(5)]
    SM_KEYS = [SM_PKI[i].y for i in range(5)]
    SM_MSG = MSG[:1900]
    SM_HEADER, SM_DELTA = create_forward_message(SM, SM_ROUTE, SM_KEYS, b"dest", SM_MSG)

need_sphinxmix = pytest.mark.skipif(not HAVE_SPHINXMIX, reason="sphinxmix not installed")


@need_sphinxmix
def test_create3_sphinxmix(benchmark: Any) -> None:
    _run(
        benchmark,
        "create3/sphinxmix",
        lambda: create_forward_message(SM, SM_ROUTE[:3], SM_KEYS[:3], b"dest", SM_MSG),
        100,
    )


@need_sphinxmix
def test_create5_sphinxmix(benchmark: Any) -> None:
    _run(
        benchmark,
        "create5/sphinxmix",
        lambda: create_forward_message(SM, SM_ROUTE, SM_KEYS, b"dest", SM_MSG),
        100,
    )


@need_sphinxmix
def test_hop_sphinxmix(benchmark: Any) -> None:
    x = SM_PKI[0].x
    _run(benchmark, "hop/sphinxmix", lambda: sphinx_process(SM, x, SM_HEADER, SM_DELTA), 300)


@need_sphinxmix
def test_surb3_sphinxmix(benchmark: Any) -> None:
    _run(
        benchmark,
        "surb3/sphinxmix",
        lambda: sm_create_surb(SM, SM_ROUTE[:3], SM_KEYS[:3], b"myself"),
        100,
    )


# ---------------------------------------------------- end to end, loopback ----
@pytest.mark.parametrize("batch", [1, 64])
def test_e2e_three_relay_processes(benchmark: Any, batch: int) -> None:
    """Packets/s through three relay processes (2048-byte bodies): a client
    blasts pre-built packets into the first relay; the clock stops when the
    third relay has peeled and delivered them all (asked over its status
    frame). Creation is not timed (it is the create* cases). ``batch`` is the
    replay cache's group commit (1: every tag committed, the default)."""
    n = 3000
    limits = (
        "[limits]\nper_peer_rate = 1e6\nper_peer_burst = 1e6\ntotal_rate = 1e6\ntotal_burst = 1e6\n"
    )
    with tempfile.TemporaryDirectory(prefix="n3bench-") as tmp:
        relays = spawn_relays(3, tmp, first_octet=210, extra=limits)
        try:
            epoch = EpochSchedule().epoch(time.time())  # the relays' default schedule
            path = [r.entry().descriptor(epoch) for r in relays]
            assert all(d is not None for d in path)
            rates: list[float] = []

            def one_round() -> None:
                packets = [encode_frame(PACKET, create_packet(path, MSG)) for _ in range(n)]  # type: ignore[arg-type]
                rates.append(asyncio.run(_blast(relays[0].address, relays[2].address, packets)))

            benchmark.group = "e2e"
            benchmark.pedantic(one_round, rounds=3, iterations=1)
            RESULTS[f"e2e/packets_per_s-batch{batch}"] = statistics.median(rates)
        finally:
            stop_relays(relays)


async def _blast(first: str, last: str, frames: list[bytes]) -> float:
    before = (await query_status(last)).get("delivered", 0)
    host, port = first.rsplit(":", 1)
    _, w = await asyncio.open_connection(host, int(port))
    t0 = time.perf_counter()
    for i in range(0, len(frames), 64):
        w.write(b"".join(frames[i : i + 64]))
        await w.drain()
    deadline = t0 + 120
    while (await query_status(last)).get("delivered", 0) < before + len(frames):
        assert time.perf_counter() < deadline, "relays did not deliver in time"
        await asyncio.sleep(0.01)
    rate = len(frames) / (time.perf_counter() - t0)
    w.close()
    await w.wait_closed()
    return rate


# ------------------------------------------------------------------ summary ----
BARS = [
    # (label, ours, theirs, max ratio)
    ("per hop vs two X25519 (bar 1.5x, stretch 1.2x)", "hop/n3", "hop/x25519x2", 1.5),
    ("5-hop creation vs sphinxmix", "create5/n3", "create5/sphinxmix", 0.3),
    ("5-hop creation (key tables) vs sphinxmix", "create5/n3-tables", "create5/sphinxmix", 0.3),
]


def test_zz_summary() -> None:
    """Medians, ratios and the issue's bars."""
    if not RESULTS:
        pytest.skip("benchmarks disabled (pass --benchmark-enable)")
    lines = []
    for name in sorted(RESULTS):
        if name.startswith("e2e"):
            lines.append(f"{name:28s} {RESULTS[name]:10.0f} packets/s")
        else:
            lines.append(f"{name:28s} {RESULTS[name] * 1e6:10.1f} us")
    bar_lines, failures = check_bars(BARS, RESULTS, FUNCS, width=48)
    lines += bar_lines
    if "e2e/packets_per_s-batch1" in RESULTS:
        rate = RESULTS["e2e/packets_per_s-batch1"]
        ok = rate >= 2000
        lines.append(
            f"{'3 relay processes, 2 KiB bodies (bar 2000/s)':48s} {rate:8.0f}/s "
            f"{'ok' if ok else 'MISSED'}"
        )
        if not ok:
            failures.append(f"e2e {rate:.0f}/s < 2000/s")
    print("\n" + "\n".join(lines))
    if failures:
        print("BARS MISSED: " + "; ".join(failures))
        if os.environ.get("N3_BENCH_ASSERT") == "1":
            pytest.fail("; ".join(failures))
