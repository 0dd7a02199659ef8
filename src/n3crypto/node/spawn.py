"""Start relay processes on this machine (tests, the demo, benchmarks).

Each relay is its own ``python -m n3crypto.node run --config`` process on
its own loopback address ``127.<i>.0.1`` (all of 127/8 is loopback, and
distinct /16s keep the path rules on), port 0.
"""

from __future__ import annotations

import json
import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from n3crypto import errors
from n3crypto.group import Point
from n3crypto.node.directory import DirectoryEntry
from n3crypto.onion import RelayDescriptor

__all__ = ["RelayProcess", "spawn_relay", "spawn_relays", "stop_relays"]


@dataclass
class RelayProcess:
    """A running relay process and what it reported when it started.

    Example (it runs a relay process, so it is not run as a doctest)::

        relay = spawn_relay("r1", "127.1.0.1", "/tmp/relays")
        relay.address         # "127.1.0.1:40123": the port it bound
        relay.info["keys"]    # {"<epoch>": "<public key hex>", ...}: its live epochs
        entry = relay.entry(bandwidth=1000)  # a DirectoryEntry for the authority
        counters = relay.stop()  # SIGTERM; what it printed on exit, also relay.final
    """

    relay_id: str
    proc: subprocess.Popen[bytes]
    info: dict[str, Any]
    final: dict[str, Any] = field(default_factory=dict)
    terminated: bool = False

    @property
    def address(self) -> str:
        return str(self.info["address"])

    def entry(self, *, bandwidth: int | None = None, reputation: float = 1.0) -> DirectoryEntry:
        """This relay as a directory entry."""
        descs = tuple(
            RelayDescriptor(self.address, Point.from_bytes(bytes.fromhex(v)), int(e))
            for e, v in sorted(self.info["keys"].items(), key=lambda kv: int(kv[0]))
        )
        return DirectoryEntry(
            self.relay_id,
            self.address,
            descs,
            bandwidth=int(self.info.get("bandwidth", 1)) if bandwidth is None else bandwidth,
            reputation=reputation,
            family=str(self.info.get("family", "")),
        )

    def kill(self) -> None:
        """SIGKILL: the relay dies without a chance to clean up."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)

    def terminate(self) -> None:
        """SIGTERM (once): ask for a graceful stop without waiting."""
        if not self.terminated and self.proc.poll() is None:
            self.terminated = True
            self.proc.send_signal(signal.SIGTERM)

    def stop(self, timeout: float = 10.0) -> dict[str, Any]:
        """SIGTERM, wait, and return the counters it printed on the way out."""
        if self.proc.returncode is None:
            self.terminate()
            try:
                out, _ = self.proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                out, _ = self.proc.communicate()
            for line in out.decode(errors="replace").splitlines():
                try:
                    doc = json.loads(line)
                except ValueError:
                    continue
                if isinstance(doc, dict) and "stats" in doc:
                    self.final = doc["stats"]
        return self.final


def read_ready_line(proc: subprocess.Popen[bytes], timeout: float) -> bytes:
    """The first line a starting relay process prints (its JSON report)."""
    assert proc.stdout is not None
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + timeout
    buf = b""
    try:
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0 or not sel.select(left):
                raise errors.UnavailableError("relay process did not report in time")
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                raise errors.UnavailableError("relay process exited before listening")
            buf += chunk
    finally:
        sel.close()
    return buf.split(b"\n", 1)[0]


def _launch(
    relay_id: str,
    host: str,
    base_dir: str | os.PathLike[str],
    extra: str,
    log_path: str | os.PathLike[str] | None,
    prefix: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    d = Path(base_dir) / relay_id
    d.mkdir(parents=True, exist_ok=True)
    cfg = d / "relay.toml"
    cfg.write_text(f'[relay]\nid = "{relay_id}"\nhost = "{host}"\nkey_dir = "keys"\n{extra}\n')
    log = open(log_path or d / "relay.log", "ab")  # noqa: SIM115 - owned by the child
    try:
        return subprocess.Popen(  # noqa: S603 - our own interpreter and module
            [*prefix, sys.executable, "-m", "n3crypto.node", "run", "--config", str(cfg)],
            stdout=subprocess.PIPE,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    finally:
        log.close()


def _ready(relay_id: str, proc: subprocess.Popen[bytes], timeout: float) -> RelayProcess:
    try:
        info = json.loads(read_ready_line(proc, timeout))
    except BaseException:
        proc.kill()
        proc.wait(10)
        raise
    return RelayProcess(relay_id, proc, info)


def spawn_relay(
    relay_id: str,
    host: str,
    base_dir: str | os.PathLike[str],
    *,
    extra: str = "",
    timeout: float = 30.0,
    log_path: str | os.PathLike[str] | None = None,
    prefix: Sequence[str] = (),
) -> RelayProcess:
    """Write a config for ``relay_id`` on ``host`` (port 0) and start it.

    ``extra`` is TOML appended to the ``[relay]`` table (and may open
    further tables such as ``[limits]`` or ``[epochs]``). Logs go to
    ``<base_dir>/<relay_id>/relay.log``. ``prefix`` is prepended to the
    command, e.g. ``["ip", "netns", "exec", "ns1"]`` to run the relay in
    another network namespace.

    Example (it starts a process, so it is not run as a doctest)::

        relay = spawn_relay(
            "r1", "127.1.0.1", "/tmp/relays",
            extra="bandwidth = 1000\\n[mixing]\\ndelay = 0.01\\n",
        )
        try:
            ...  # use relay.address and relay.entry()
        finally:
            relay.stop()
    """
    return _ready(relay_id, _launch(relay_id, host, base_dir, extra, log_path, prefix), timeout)


def spawn_relays(
    n: int,
    base_dir: str | os.PathLike[str],
    *,
    first_octet: int = 1,
    extra: str = "",
    timeout: float = 30.0,
) -> list[RelayProcess]:
    """``n`` relays ``r<i>`` on ``127.<first_octet + i>.0.1``, started in
    parallel; all or none.

    Example (it starts processes, so it is not run as a doctest)::

        relays = spawn_relays(3, "/tmp/relays")  # r0, r1, r2 on 127.1.0.1 … 127.3.0.1
        now = time.time()
        directory = Directory(0, now, now + 3600, tuple(r.entry() for r in relays))
        try:
            ...  # route through them with a Client
        finally:
            stop_relays(relays)
    """
    procs: list[tuple[str, subprocess.Popen[bytes]]] = []
    out: list[RelayProcess] = []
    try:
        for i in range(n):
            rid = f"r{i}"
            procs.append((rid, _launch(rid, f"127.{first_octet + i}.0.1", base_dir, extra, None)))
        for rid, proc in procs:
            out.append(_ready(rid, proc, timeout))
    except BaseException:
        for _, proc in procs:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
        raise
    return out


def stop_relays(relays: list[RelayProcess], timeout: float = 10.0) -> list[dict[str, Any]]:
    """Stop several relays at once (SIGTERM to all, then collect each).

    Example (it stops processes, so it is not run as a doctest)::

        counters = stop_relays(relays)  # relays from spawn_relays
        sum(c.get("forwarded", 0) for c in counters)
    """
    for r in relays:
        r.terminate()
    return [r.stop(timeout) for r in relays]
