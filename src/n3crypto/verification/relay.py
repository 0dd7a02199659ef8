"""Relay processes for demos and tests, honest or misbehaving.

``python -m n3crypto.verification.relay --config relay.toml [--drop p]
[--corrupt p] [--seed s]`` runs a :class:`~n3crypto.node.Node` exactly like
``n3crypto relay run`` (same config, same start-up line on stdout, same
counters on SIGTERM), except that with ``--drop``/``--corrupt`` it drops, or
flips a byte in the body of, each packet it forwards with that probability —
the two misbehaviours verification must catch. A flipped body byte makes the
whole Sphinx payload noise at the exit (LIONESS), so downstream it is a drop
the receiver reports as a missing shard.

:func:`start_relays` starts a fleet on ``127.<i>.0.1`` (port 0) in
parallel; :func:`stop_relays` stops it.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from n3crypto import errors
from n3crypto.node import Node, NodeConfig
from n3crypto.node.spawn import RelayProcess, read_ready_line, stop_relays
from n3crypto.onion import HEADER_BYTES
from n3crypto.verification.transport import Behaviour

__all__ = ["MisbehavingNode", "main", "start_relays", "stop_relays"]


class MisbehavingNode(Node):
    """A relay that drops or corrupts forwarded packets with given probabilities.

    It peels packets honestly (so it holds real keys and passes every check
    of its own) and misbehaves only when forwarding:

    >>> import random, tempfile
    >>> from n3crypto.onion import RelayKey, create_packet
    >>> bad = MisbehavingNode(NodeConfig(host="127.1.0.1", key_dir=tempfile.mkdtemp()),
    ...                       drop=1.0, corrupt=0.0, rng=random.Random(1))
    >>> _ = bad.refresh_keys()  # start() does this in real use
    >>> mine = bad.keys.current().descriptor
    >>> after = RelayKey.generate("127.2.0.1:9000", epoch=mine.epoch)  # the next hop
    >>> asyncio.run(bad.handle_packet(create_packet([mine, after.descriptor], b"data")))
    >>> bad.stats["forwarded"], bad.stats["misbehaved_drop"]
    (1, 1)
    >>> bad.keys.close()
    """

    def __init__(
        self, config: NodeConfig, *, drop: float, corrupt: float, rng: random.Random
    ) -> None:
        super().__init__(config)
        self.drop = drop
        self.corrupt = corrupt
        self._bad_rng = rng

    def send(self, address: str, packet: bytes) -> bool:
        x = self._bad_rng.random()
        if x < self.drop:
            self.stats["misbehaved_drop"] += 1
            return True
        if x < self.drop + self.corrupt and len(packet) > HEADER_BYTES:
            buf = bytearray(packet)
            pos = self._bad_rng.randrange(HEADER_BYTES, len(buf))
            buf[pos] ^= 1 + self._bad_rng.randrange(255)
            packet = bytes(buf)
            self.stats["misbehaved_corrupt"] += 1
        return super().send(address, packet)


async def _serve(config: NodeConfig, drop: float, corrupt: float, seed: int | None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    rng = random.Random(seed)  # noqa: S311 - simulated misbehaviour, not secrets
    node: Node
    if drop or corrupt:
        node = MisbehavingNode(config, drop=drop, corrupt=corrupt, rng=rng)
    else:
        node = Node(config)
    await node.start()
    sys.stdout.write(json.dumps(node.descriptor_json(), sort_keys=True) + "\n")
    sys.stdout.flush()
    parent = os.getppid()

    async def orphaned() -> None:  # the demo or test that started us died: stop too
        while not stop.is_set():
            await asyncio.sleep(1.0)
            if os.getppid() != parent:
                stop.set()

    watch = asyncio.ensure_future(orphaned())
    await stop.wait()
    watch.cancel()
    await node.stop(drain=0.5)
    sys.stdout.write(json.dumps({"id": config.relay_id, "stats": dict(node.stats)}) + "\n")
    sys.stdout.flush()


def main(argv: list[str] | None = None) -> None:
    """The process entry point (see the module docstring).

    Example (it runs a relay until SIGTERM, so it is not run as a
    doctest); from a shell, or the same arguments as a list::

        python -m n3crypto.verification.relay --config r2/relay.toml --corrupt 0.5 --seed 7

        main(["--config", "r2/relay.toml", "--corrupt", "0.5", "--seed", "7"])
    """
    from n3crypto.node.daemon import load_config

    ap = argparse.ArgumentParser(prog="python -m n3crypto.verification.relay")
    ap.add_argument("--config", required=True)
    ap.add_argument("--drop", type=float, default=0.0)
    ap.add_argument("--corrupt", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)
    if not (0 <= args.drop <= 1 and 0 <= args.corrupt <= 1 and args.drop + args.corrupt <= 1):
        ap.error("--drop and --corrupt are probabilities summing to at most 1")
    asyncio.run(_serve(load_config(args.config), args.drop, args.corrupt, args.seed))


def start_relays(
    n: int,
    base_dir: str | os.PathLike[str],
    *,
    first_octet: int = 1,
    behaviours: Mapping[str, Behaviour] | None = None,
    body_bytes: int = 2048,
    seed: int | None = None,
    timeout: float = 60.0,
) -> list[RelayProcess]:
    """Start relays ``r0 … r<n-1>`` on ``127.<first_octet + i>.0.1`` as
    separate processes, in parallel; ``behaviours`` makes some misbehave.
    All start or none (the started ones are killed).

    Example (it starts processes, so it is not run as a doctest)::

        relays = start_relays(6, "/tmp/relays", behaviours={"r2": Behaviour(drop=1.0)}, seed=1)
        try:
            now = time.time()
            directory = Directory(0, now - 60, now + 3600, tuple(r.entry() for r in relays))
            ...  # NodeTransport endpoints and send_verified; senders blame r2
        finally:
            finals = stop_relays(relays)  # finals[2]["misbehaved_drop"] counts the drops
    """
    if first_octet < 1 or first_octet + n > 255:
        raise errors.N3ValueError("relay addresses must fit in 127.1.0.1 … 127.254.0.1")
    behaviours = behaviours or {}
    launched: list[tuple[str, subprocess.Popen[bytes]]] = []
    out: list[RelayProcess] = []
    try:
        for i in range(n):
            rid = f"r{i}"
            d = Path(base_dir) / rid
            d.mkdir(parents=True, exist_ok=True)
            cfg = d / "relay.toml"
            cfg.write_text(
                f'[relay]\nid = "{rid}"\nhost = "127.{first_octet + i}.0.1"\n'
                f'key_dir = "keys"\nbody_bytes = {body_bytes}\n'
            )
            b = behaviours.get(rid, Behaviour())
            cmd = [sys.executable, "-m", "n3crypto.verification.relay", "--config", str(cfg)]
            cmd += ["--drop", str(b.drop), "--corrupt", str(b.corrupt)]
            if seed is not None:
                cmd += ["--seed", str(seed * 1000 + i)]
            with open(d / "relay.log", "ab") as log:
                proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                    cmd, stdout=subprocess.PIPE, stderr=log, stdin=subprocess.DEVNULL
                )
            launched.append((rid, proc))
        deadline = time.monotonic() + timeout
        for rid, proc in launched:
            try:
                info: dict[str, Any] = json.loads(
                    read_ready_line(proc, deadline - time.monotonic())
                )
            except errors.UnavailableError as exc:
                log_path = Path(base_dir) / rid / "relay.log"
                tail = log_path.read_text(errors="replace")[-600:] if log_path.exists() else ""
                raise errors.UnavailableError(f"relay {rid}: {exc}; its log ends: {tail}") from None
            out.append(RelayProcess(rid, proc, info))
    except BaseException:
        for _, proc in launched:
            if proc.poll() is None:
                proc.kill()
            proc.wait(10)
        raise
    return out


if __name__ == "__main__":  # pragma: no cover - the process entry point
    main()
