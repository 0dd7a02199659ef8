"""Relays on separate network namespaces (root only; skipped elsewhere).

Three namespaces made by this test, each joined to the root namespace by a
veth pair: the relay in namespace i listens on 10.(210+i).0.1 and reaches
the others through the root namespace (forwarding on for the test's
duration). Traffic stays between these test hosts. The sender and receiver
are in the root namespace. Everything is removed at teardown.
"""

from __future__ import annotations

import asyncio
import os
import random
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from n3crypto.node import Client, Directory, Node, NodeConfig
from n3crypto.node.spawn import RelayProcess, spawn_relay, stop_relays
from tests.test_node import SchnorrKey

pytestmark = pytest.mark.slow

BODY = 1024
N = 3


def _ip(*args: str, ns: str | None = None) -> None:
    cmd = ["ip", "netns", "exec", ns, "ip", *args] if ns else ["ip", *args]
    subprocess.run(cmd, check=True, capture_output=True, timeout=20)


def _netns_usable() -> bool:
    if os.geteuid() != 0 or shutil.which("ip") is None:
        return False
    name = f"n3probe{os.getpid()}"
    try:
        subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True, timeout=10)
    except (OSError, subprocess.SubprocessError):
        return False
    subprocess.run(["ip", "netns", "del", name], capture_output=True, timeout=10)
    return True


@pytest.fixture
def namespaces() -> Iterator[list[tuple[str, str, str]]]:
    """[(namespace, relay address, root-side address)] for N namespaces, plus
    (as the last element) ("", sender address, receiver address) on a dummy
    root-side veth, in /16s of their own."""
    if not _netns_usable():
        pytest.skip("needs root and working `ip netns`")
    tag = os.getpid() % 10000
    made: list[tuple[str, str, str]] = []
    fwd = Path("/proc/sys/net/ipv4/ip_forward")
    old_fwd = fwd.read_text().strip()
    try:
        for i in range(N):
            ns, outer, inner = f"n3t{tag}x{i}", f"n3v{tag}x{i}", f"n3w{tag}x{i}"
            relay_ip, root_ip = f"10.{210 + i}.0.1", f"10.{210 + i}.0.254"
            subprocess.run(["ip", "netns", "add", ns], check=True, capture_output=True)
            made.append((ns, relay_ip, root_ip))
            _ip("link", "add", outer, "type", "veth", "peer", "name", inner)
            _ip("link", "set", inner, "netns", ns)
            _ip("addr", "add", f"{root_ip}/24", "dev", outer)
            _ip("link", "set", outer, "up")
            _ip("addr", "add", f"{relay_ip}/24", "dev", inner, ns=ns)
            _ip("link", "set", inner, "up", ns=ns)
            _ip("link", "set", "lo", "up", ns=ns)
            _ip("route", "add", "default", "via", root_ip, ns=ns)
        # Sender and receiver: extra addresses on the first root-side veth.
        _ip("addr", "add", "10.220.0.1/32", "dev", f"n3v{tag}x0")
        _ip("addr", "add", "10.221.0.1/32", "dev", f"n3v{tag}x0")
        fwd.write_text("1\n")
        yield [*made, ("", "10.220.0.1", "10.221.0.1")]
    finally:
        fwd.write_text(old_fwd + "\n")
        for ns, _, _ in made:
            subprocess.run(["ip", "netns", "del", ns], capture_output=True, timeout=20)


def test_relays_in_separate_namespaces_carry_packets(
    tmp_path: Path, namespaces: list[tuple[str, str, str]]
) -> None:
    relays: list[RelayProcess] = []
    try:
        *spaces, (_, host_a, host_b) = namespaces
        for i, (ns, relay_ip, _) in enumerate(spaces):
            relays.append(
                spawn_relay(
                    f"r{i}",
                    relay_ip,
                    tmp_path,
                    extra=f"body_bytes = {BODY}\n",
                    prefix=["ip", "netns", "exec", ns],
                )
            )
        auth = SchnorrKey()
        d = Directory(0, 0, 1e12, tuple(r.entry() for r in relays))
        directory = Directory.from_bytes(d.sign(auth), auth.verifier(), now=1.0)
        total = 50

        async def go() -> list[bytes]:
            a = Node(NodeConfig(host=host_a, key_dir=tmp_path / "a", body_bytes=BODY))
            b = Node(NodeConfig(host=host_b, key_dir=tmp_path / "b", body_bytes=BODY))
            await a.start()
            await b.start()
            alice = Client(a, directory, hops=3, ack_timeout=3.0, rng=random.Random(3))
            bob = Client(b, directory, hops=3)
            for i in range(total):
                await alice.send(bob.descriptor(), b"netns %03d" % i)
            got = [bob.inbox.get_nowait().data for _ in range(bob.inbox.qsize())]
            await a.stop(drain=0.5)
            await b.stop(drain=0.5)
            return got

        got = asyncio.run(asyncio.wait_for(go(), 120))
        assert sorted(got) == [b"netns %03d" % i for i in range(total)]
        stats = stop_relays(relays)
        assert all(s.get("forwarded", 0) > 0 for s in stats), stats
    finally:
        for r in relays:
            r.kill()
