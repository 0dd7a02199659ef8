"""Verified transfers over real relays: in-process nodes (fast) and relay
processes plus the demo (slow)."""

from __future__ import annotations

import asyncio
import io
import json
import random
import time
from typing import Any

import pytest
from rich.console import Console

from n3crypto.node import Directory, DirectoryEntry, Node, NodeConfig
from n3crypto.verification import (
    Behaviour,
    BlameLedger,
    NodeTransport,
    Receiver,
    Recipient,
    Sender,
)
from n3crypto.verification.relay import MisbehavingNode, start_relays, stop_relays
from n3crypto.verification.sim import make_users


@pytest.mark.parametrize(("drop", "corrupt"), [(1.0, 0.0), (0.0, 1.0)])
def test_node_transport_with_surb_acks(tmp_path, drop: float, corrupt: float) -> None:
    """Six in-process relays on 127.20x.0.1, one dropping (or corrupting)
    everything: the transfer is repaired, acknowledged through SURBs, and
    blamed. Under Sphinx a corrupted payload arrives as a *missing* shard."""
    keys = make_users(["alice", "bob"])

    async def run() -> tuple[Any, Any, int, int]:
        relays: list[Node] = []
        for i in range(6):
            cfg = NodeConfig(
                host=f"127.{200 + i}.0.1", key_dir=tmp_path / f"r{i}", relay_id=f"r{i}"
            )
            if i == 0:
                node: Node = MisbehavingNode(cfg, drop=drop, corrupt=corrupt, rng=random.Random(1))
            else:
                node = Node(cfg)
            await node.start()
            relays.append(node)
        now = time.time()
        entries = tuple(
            DirectoryEntry(f"r{i}", n.address, tuple(n.descriptors())) for i, n in enumerate(relays)
        )
        directory = Directory(0, now - 60, now + 3600, entries)
        na = Node(NodeConfig(host="127.210.0.1", key_dir=tmp_path / "a"))
        nb = Node(NodeConfig(host="127.211.0.1", key_dir=tmp_path / "b"))
        await na.start()
        await nb.start()
        try:
            ta, tb = NodeTransport(na, directory, "alice"), NodeTransport(nb, directory, "bob")
            ta.peers["bob"] = tb.descriptor()
            sender = Sender(ta, keys["alice"])
            rx = Receiver(tb, keys["bob"], linger=0.5)
            ledger = BlameLedger(tmp_path / "ledger.sqlite")
            data = random.Random(3).randbytes(6000)  # several fragments per shard
            out = await sender.send(
                data,
                Recipient("bob", keys["bob"].public),
                4,
                4,
                hops=2,
                ledger=ledger,
                rng=random.Random(5),
                ack_timeout=10.0,
            )
            return out, rx, ledger.observations, nb.stats["dropped_payload"]
        finally:
            for n in [*relays, na, nb]:
                await n.stop(drain=0.1)

    out, rx, observed, garbled = asyncio.run(run())
    assert out.missing and not out.corrupted
    assert (garbled > 0) == (corrupt > 0)
    assert out.intact and out.receipt is not None
    assert rx.delivered and rx.delivered[0][1].sender == "alice"
    assert len(rx.delivered[0][0]) == 6000
    assert out.implicated and all("r0" in p for p in out.implicated)
    assert observed >= 8


@pytest.mark.slow
def test_relay_processes_misbehave_and_are_blamed(tmp_path) -> None:
    procs = start_relays(
        6, tmp_path, first_octet=181, behaviours={"r2": Behaviour(drop=1.0)}, seed=1
    )
    keys = make_users(["alice", "bob"])
    try:

        async def run() -> list[str]:
            now = time.time()
            directory = Directory(0, now - 60, now + 3600, tuple(p.entry() for p in procs))
            na = Node(NodeConfig(host="127.190.0.1", key_dir=tmp_path / "a"))
            nb = Node(NodeConfig(host="127.191.0.1", key_dir=tmp_path / "b"))
            await na.start()
            await nb.start()
            try:
                ta, tb = NodeTransport(na, directory, "alice"), NodeTransport(nb, directory, "bob")
                ta.peers["bob"] = tb.descriptor()
                sender = Sender(ta, keys["alice"])
                Receiver(tb, keys["bob"], linger=0.3)
                ledger = BlameLedger()
                rng = random.Random(2)
                for _ in range(25):
                    out = await sender.send(
                        rng.randbytes(1000),
                        Recipient("bob", keys["bob"].public),
                        4,
                        2,
                        hops=2,
                        ledger=ledger,
                        rng=rng,
                    )
                    assert out.intact
                return ledger.blacklisted()
            finally:
                await na.stop(drain=0.1)
                await nb.stop(drain=0.1)

        assert asyncio.run(run()) == ["r2"]
    finally:
        finals = stop_relays(procs)
    assert finals[2].get("misbehaved_drop", 0) > 0


@pytest.mark.slow
def test_network_demo_small(tmp_path) -> None:
    from n3crypto.verification.demo import run_network_demo

    out = io.StringIO()
    report = run_network_demo(
        Console(file=out, width=140),
        relays=8,
        malicious=2,
        transfers=80,
        seed=5,
        users=5,
        round_size=10,
        key_bits=1024,
        key_cache=tmp_path / "cache",
        json_report=tmp_path / "report.json",
    )
    doc = json.loads((tmp_path / "report.json").read_text())
    for key in ("malicious", "blacklisted", "transfers", "intact", "failed"):
        assert key in doc
    assert doc["transfers"] == 80 and doc["intact"] + doc["failed"] == 80
    assert not set(report["blacklisted"]) - set(report["malicious"])
    assert "staking settlement" in out.getvalue()
    assert (tmp_path / "cache" / "committee-paillier-1024.key").exists()


def test_committee_key_is_cached(tmp_path) -> None:
    from n3crypto.verification.demo import committee_key

    said: list[str] = []
    pub, _, cached = committee_key(512, directory=tmp_path, progress=said.append)
    assert not cached and said
    pub2, _, cached2 = committee_key(512, directory=tmp_path)
    assert cached2 and pub2.n == pub.n
    path = tmp_path / "committee-paillier-512.key"
    assert path.stat().st_mode & 0o777 == 0o600
    path.write_bytes(b"damaged")
    pub3, _, cached3 = committee_key(512, directory=tmp_path)
    assert not cached3 and pub3.n != pub.n


def test_threshold_decryptor_plugs_into_rounds(tmp_path) -> None:
    from n3crypto.paillier.ratings import RatingRound, TransferTokens
    from n3crypto.verification.demo import _threshold_decryptor, committee_key
    from n3crypto.verification.ratings import Rater, RoundBook

    _, priv, _ = committee_key(512, directory=tmp_path)
    got = _threshold_decryptor(priv, 5, 3)
    if got is None:
        pytest.skip("n3crypto.sharing is not available")
    dec, how = got
    assert "3-of-5" in how
    rnd = RatingRound(priv.public_key, ["a", "b"], scale=1, round_id="t", n_raters=3)
    tokens = TransferTokens(b"z" * 32)
    book = RoundBook(None, rnd, tokens)
    r = Rater("u", BlameLedger())
    r.note(["a"], tokens.issue(rnd, "u", b"t"))
    book.submit(r.ballot(rnd))
    result = book.tally(dec)
    assert [(t.relay, t.count, t.total) for t in result.relays] == [("a", 1, 1), ("b", 0, 0)]
    result.verify(rnd, book.aggregator.sums)


def test_plot_needs_matplotlib(tmp_path) -> None:
    import importlib.util

    from n3crypto import errors
    from n3crypto.verification.demo import run_network_demo

    if importlib.util.find_spec("matplotlib") is not None:
        pytest.skip("matplotlib is installed")
    with pytest.raises(errors.UnavailableError, match="matplotlib"):
        run_network_demo(Console(file=io.StringIO()), plot=tmp_path / "p.png")


def test_demo_rejects_bad_sizes() -> None:
    from n3crypto import errors
    from n3crypto.verification.demo import run_network_demo

    with pytest.raises(errors.N3ValueError):
        run_network_demo(Console(file=io.StringIO()), relays=3)
    with pytest.raises(errors.N3ValueError):
        run_network_demo(Console(file=io.StringIO()), relays=12, malicious=11)


def test_plot_of_reputation_over_rounds(tmp_path) -> None:
    pytest.importorskip("matplotlib")
    from n3crypto.verification.demo import _plot

    report = {
        "seed": 1,
        "relays": ["r0", "r1"],
        "malicious": ["r1"],
        "rounds": [
            {"round": 1, "delta": {"r0": 0.0, "r1": -0.05}},
            {"round": 2, "delta": {"r0": 0.0, "r1": -0.13}},
        ],
    }
    _plot(report, tmp_path / "rep.png")
    assert (tmp_path / "rep.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
