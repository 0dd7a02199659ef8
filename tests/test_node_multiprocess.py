"""Relays as real processes (``python -m n3crypto.node run --config``), each
on its own loopback address 127.<i>.0.1, port 0; clients in this process."""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from n3crypto.node import (
    PACKET,
    Client,
    Directory,
    EpochSchedule,
    Node,
    NodeConfig,
    encode_frame,
    query_status,
)
from n3crypto.node.spawn import RelayProcess, spawn_relay, spawn_relays, stop_relays
from n3crypto.onion import create_packet
from tests.test_node import SchnorrKey, fresh_host, send_raw

BODY = 1024


@pytest.fixture
def procs() -> Iterator[list[RelayProcess]]:
    """Collects relay processes and kills whatever is left at teardown."""
    out: list[RelayProcess] = []
    yield out
    for p in out:
        p.kill()


async def wait_status(address: str, counter: str, value: int, timeout: float = 20.0) -> None:
    """Ask the relay process for its counters until ``counter`` reaches ``value``."""
    deadline = asyncio.get_running_loop().time() + timeout
    while (await query_status(address)).get(counter, 0) < value:
        assert asyncio.get_running_loop().time() < deadline, f"{counter} never reached {value}"
        await asyncio.sleep(0.01)


def _signed_directory(relays: list[RelayProcess]) -> tuple[Directory, SchnorrKey]:
    auth = SchnorrKey()
    d = Directory(0, 0, 1e12, tuple(r.entry() for r in relays))
    return Directory.from_bytes(d.sign(auth), auth.verifier(), now=1.0), auth


def test_replay_rejected_after_a_relay_process_restart(
    tmp_path: Path, procs: list[RelayProcess]
) -> None:
    extra = "body_bytes = 1024\n"
    r = spawn_relay("r", fresh_host(), tmp_path, extra=extra)
    procs.append(r)
    epoch = EpochSchedule().epoch(time.time())  # the relays' default schedule
    desc = r.entry().descriptor(epoch)
    assert desc is not None
    frame = encode_frame(PACKET, create_packet([desc], b"once", body_bytes=BODY))

    asyncio.run(send_raw(r.address, [frame, frame]))
    asyncio.run(wait_status(r.address, "received", 2))
    stats = r.stop()
    assert stats["received"] == 2 and stats["delivered"] == 1 and stats["dropped_replay"] == 1
    # same key directory, new process (and a new port): the SQLite cache remembers
    host = r.address.rsplit(":", 1)[0]
    r2 = spawn_relay("r", host, tmp_path, extra=extra)
    procs.append(r2)
    again = r2.entry().descriptor(epoch)
    assert again is not None and again.public_key == desc.public_key
    asyncio.run(send_raw(r2.address, [frame]))
    asyncio.run(wait_status(r2.address, "received", 1))
    stats = r2.stop()
    print("STATS2", stats, r2.proc.returncode, (tmp_path / "r" / "relay.log").read_text())
    assert stats["received"] == 1 and stats.get("delivered", 0) == 0
    assert stats["dropped_replay"] == 1


def test_relay_process_reports_malformed_input_and_stops_gracefully(
    tmp_path: Path, procs: list[RelayProcess]
) -> None:
    r = spawn_relay("r", fresh_host(), tmp_path, extra="body_bytes = 1024\n")
    procs.append(r)
    frames = [encode_frame(PACKET, os.urandom(n)) for n in (0, 10, 1342, 1342, 5000)]
    asyncio.run(send_raw(r.address, frames))
    asyncio.run(wait_status(r.address, "dropped_frame", 1))
    stats = r.stop()
    assert r.proc.returncode == 0
    assert stats["dropped_length"] == 2  # 0 and 10 bytes; 5000 closes the connection
    assert stats["dropped_frame"] == 1
    assert sum(v for k, v in stats.items() if k.startswith("dropped_")) == 5


@pytest.mark.slow
def test_1000_messages_over_relay_processes_while_one_is_killed(
    tmp_path: Path, procs: list[RelayProcess]
) -> None:
    octet = random.Random(os.getpid()).randrange(10, 40)
    relays = spawn_relays(6, tmp_path, first_octet=octet, extra="body_bytes = 1024\n")
    procs.extend(relays)
    directory, _ = _signed_directory(relays)
    victim = relays[3]
    total = 1000

    async def go() -> dict[str, Any]:
        a = Node(NodeConfig(host=fresh_host(), key_dir=tmp_path / "a", body_bytes=BODY))
        b = Node(NodeConfig(host=fresh_host(), key_dir=tmp_path / "b", body_bytes=BODY))
        await a.start()
        await b.start()
        alice = Client(a, directory, hops=2, ack_timeout=1.5, max_attempts=8, rng=random.Random(11))
        bob = Client(b, directory, hops=2)
        window = asyncio.Semaphore(64)
        acked = 0
        killed = asyncio.Event()

        async def one(i: int) -> int:
            nonlocal acked
            async with window:
                rep = await alice.send(bob.descriptor(), b"message %04d" % i)
            acked += 1
            if acked == total // 3 and not killed.is_set():
                killed.set()
                victim.kill()  # SIGKILL midway: no goodbye
            return rep.attempts

        attempts = await asyncio.gather(*(one(i) for i in range(total)))
        got = [bob.inbox.get_nowait().data for _ in range(bob.inbox.qsize())]
        out = {
            "attempts": attempts,
            "got": got,
            "suspected": alice.suspected(),
            "alice": dict(alice.stats),
            "bob": dict(bob.stats),
        }
        await a.stop(drain=0.5)
        await b.stop(drain=0.5)
        return out

    res = asyncio.run(asyncio.wait_for(go(), 240))
    got = res["got"]
    assert len(got) == total, "every message delivered"
    assert len(set(got)) == total, "nothing delivered twice"
    assert set(got) == {b"message %04d" % i for i in range(total)}
    assert victim.relay_id in res["suspected"], "the client noticed the dead relay"
    assert max(res["attempts"]) > 1, "some messages were rerouted"
    survivors = [r for r in relays if r is not victim]
    for r, stats in zip(survivors, stop_relays(survivors), strict=True):
        assert stats.get("forwarded", 0) > 0
        assert r.proc.returncode == 0


@pytest.mark.slow
def test_daemon_sends_cover_traffic_through_a_signed_directory(
    tmp_path: Path, procs: list[RelayProcess]
) -> None:
    sc = pytest.importorskip("n3crypto.signcryption")
    from n3crypto.node import ClscSigner

    octet = random.Random(os.getpid() + 1).randrange(40, 70)
    relays = spawn_relays(3, tmp_path, first_octet=octet)
    procs.extend(relays)
    kgc = sc.KGC.generate()
    auth = sc.UserKey.generate("directory-authority", kgc.public)
    auth = auth.accept_partial_key(kgc.issue_partial_key("directory-authority", auth.request()))
    (tmp_path / "authority.pub").write_bytes(bytes(auth.public))
    now = time.time()
    d = Directory(0, now - 60, now + 3600, tuple(r.entry() for r in relays))
    (tmp_path / "dir.bin").write_bytes(d.sign(ClscSigner(auth)))
    dir_file, auth_file = tmp_path / "dir.bin", tmp_path / "authority.pub"
    extra = (
        "[mixing]\ncover_rate = 50.0\n"
        f'[directory]\nfile = "{dir_file}"\nauthority = "{auth_file}"\n'
    )
    cov = spawn_relay("cover", fresh_host(), tmp_path, extra=extra)
    procs.append(cov)
    asyncio.run(wait_status(cov.address, "delivered", 10))
    stats = asyncio.run(query_status(cov.address))
    assert stats["cover_sent"] >= 10
    for r in relays:
        assert asyncio.run(query_status(r.address)).get("forwarded", 0) > 0
    stop_relays([cov, *relays])


@pytest.mark.slow
def test_demo_chapter_runs_relay_processes() -> None:
    import io

    from rich.console import Console

    from n3crypto.onion import demo_chapter

    out = io.StringIO()
    demo_chapter(Console(file=out, width=140), random.Random(2))
    text = out.getvalue()
    assert "dropped at the guard (replay)" in text
    assert "Bob received 60 distinct messages" in text
