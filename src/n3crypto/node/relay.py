"""The relay daemon: an asyncio TCP server that peels Sphinx packets.

Per frame, in order: frame size check → token bucket of the peer and of the
relay (before any curve work) → exact packet size → key of the header's
epoch (no trial decryption) → :func:`n3crypto.onion.process` (MAC, replay
cache in SQLite, peel) → forward to the next hop over a persistent
outgoing connection, after an optional Poisson delay, or deliver.

Nothing secret is logged: logs carry counters, never keys, packets,
payloads or which peer sent what.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import ipaddress
import json
import logging
import os
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

from n3crypto import errors
from n3crypto._check import (
    check_callable,
    check_int,
    check_path,
    check_real,
    check_str,
    check_type,
)
from n3crypto.node.frames import (
    PACKET,
    STATUS,
    STATUS_REPLY,
    FrameError,
    encode_frame,
    read_frame,
)
from n3crypto.node.keys import EpochSchedule, KeyStore
from n3crypto.node.paths import split_address
from n3crypto.node.ratelimit import Clock, PeerLimiter
from n3crypto.node.replay import ReplayStore
from n3crypto.onion import (
    DEFAULT_BODY_BYTES,
    Deliver,
    Forward,
    PacketRejected,
    RelayDescriptor,
    create_packet,
    packet_bytes,
    process,
)

__all__ = ["DeliverHandler", "Node", "NodeConfig", "Sleep", "query_status"]

log = logging.getLogger("n3crypto.node")

DeliverHandler = Callable[[Deliver], Awaitable[None] | None]
Sleep = Callable[[float], Awaitable[None]]


@dataclass
class NodeConfig:
    """Everything a relay needs; ``n3crypto relay run --config`` reads it from TOML
    (:func:`n3crypto.node.daemon.load_config`).

    >>> cfg = NodeConfig(host="127.1.0.1", key_dir="/var/lib/n3relay/r1", relay_id="r1",
    ...                  mix_delay=0.05, schedule=EpochSchedule(period=600, overlap=60))
    >>> cfg.port, str(cfg.key_dir), cfg.body_bytes, cfg.replay_batch
    (0, '/var/lib/n3relay/r1', 2048, 1)
    >>> NodeConfig(host="127.1.0.1", key_dir="keys", mix_delay=-1.0)
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: mix_delay and cover_rate must be >= 0
    """

    host: str
    key_dir: Path
    port: int = 0
    relay_id: str = "relay"
    schedule: EpochSchedule = field(default_factory=EpochSchedule)
    body_bytes: int = DEFAULT_BODY_BYTES
    per_peer_rate: float = 5000.0
    per_peer_burst: float = 10000.0
    total_rate: float = 50000.0
    total_burst: float = 100000.0
    #: mean of the exponential per-packet delay in seconds (0: forward at once)
    mix_delay: float = 0.0
    #: loop cover packets per second (0: none); needs a directory
    cover_rate: float = 0.0
    cover_hops: int = 3
    queue_size: int = 4096
    #: inbound connections at once; more are closed at once (counted)
    max_connections: int = 1024
    #: packets waiting out a mixing delay at once; more are dropped (counted)
    max_delayed: int = 16384
    connect_timeout: float = 3.0
    link_backoff: float = 1.0
    key_refresh: float = 30.0
    #: replay-cache group commit: 1 commits every tag (strict); n > 1 commits
    #: every n tags or every ``replay_flush_interval`` seconds
    replay_batch: int = 1
    replay_flush_interval: float = 0.01
    bandwidth: int = 1
    family: str = ""
    descriptor_out: Path | None = None

    def __post_init__(self) -> None:
        check_str(self.host, "host")
        check_str(self.relay_id, "relay_id")
        check_str(self.family, "family")
        check_int(self.port, "port", 0, 65535)
        check_type(self.schedule, EpochSchedule, "schedule")
        self.key_dir = check_path(self.key_dir, "key_dir")
        if self.descriptor_out is not None:
            self.descriptor_out = check_path(self.descriptor_out, "descriptor_out")
        for name in ("cover_hops", "queue_size", "max_connections", "max_delayed"):
            check_int(getattr(self, name), name, 1)
        check_int(self.replay_batch, "replay_batch")
        check_int(self.bandwidth, "bandwidth", 0)
        for name in (
            "per_peer_rate",
            "per_peer_burst",
            "total_rate",
            "total_burst",
            "mix_delay",
            "cover_rate",
            "connect_timeout",
            "link_backoff",
            "key_refresh",
            "replay_flush_interval",
        ):
            check_real(getattr(self, name), name)
        packet_bytes(self.body_bytes)  # validates
        if self.mix_delay < 0 or self.cover_rate < 0:
            raise errors.N3ValueError("mix_delay and cover_rate must be >= 0")
        if self.replay_batch < 1 or self.replay_flush_interval <= 0:
            raise errors.N3ValueError("replay_batch >= 1 and replay_flush_interval > 0 needed")


class _Link:
    """One persistent outgoing connection with a bounded queue."""

    def __init__(self, node: Node, address: str) -> None:
        self.node = node
        self.address = address
        self.queue: asyncio.Queue[bytes] = asyncio.Queue(node.config.queue_size)
        self.task: asyncio.Task[None] | None = None
        self.down_until = 0.0

    def push(self, frame: bytes) -> bool:
        if self.node.monotonic() < self.down_until:
            self.node.stats["dropped_link_down"] += 1
            return False
        try:
            self.queue.put_nowait(frame)
        except asyncio.QueueFull:
            self.node.stats["dropped_queue_full"] += 1
            return False
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run())
            self.node._tasks.add(self.task)
            self.task.add_done_callback(self.node._tasks.discard)
        return True

    async def _run(self) -> None:
        host, port = split_address(self.address)
        writer: asyncio.StreamWriter | None = None
        try:
            _, w = await asyncio.wait_for(
                asyncio.open_connection(host, port), self.node.config.connect_timeout
            )
            writer = w
            while True:
                frame = await self.queue.get()
                w.write(frame)
                sent = 1
                # write what is queued without a drain per frame
                while not self.queue.empty() and w.transport.get_write_buffer_size() < 1 << 20:
                    w.write(self.queue.get_nowait())
                    sent += 1
                await w.drain()
                self.node.stats["frames_sent"] += sent
        except (TimeoutError, OSError, ConnectionError):
            lost = self.queue.qsize()
            while not self.queue.empty():
                self.queue.get_nowait()
            self.node.stats["link_failures"] += 1
            self.node.stats["dropped_link_down"] += lost
            self.down_until = self.node.monotonic() + self.node.config.link_backoff
            self.node._link_failed(self.address)
        finally:
            if writer is not None:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()


class _FrameProtocol(asyncio.Protocol):
    """Splits the inbound byte stream into frames without a coroutine per
    frame (a relay's receive path is its hottest Python)."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.buf = bytearray()
        self.transport: asyncio.Transport | None = None
        self.peer_ip = "?"
        self.limit = node._packet_bytes + 1

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        node = self.node
        if node._stopping or len(node._conns) >= node.config.max_connections:
            node.stats["refused_connections"] += 1
            transport.close()
            return
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer_ip = str(peer[0]) if peer else "?"
        node._conns.add(transport)
        node.stats["connections"] += 1

    def data_received(self, data: bytes) -> None:
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        buf = self.buf
        buf += data
        off = 0
        end = len(buf)
        while end - off >= 4:
            n = int.from_bytes(buf[off : off + 4], "big")
            if n == 0 or n > self.limit:
                self.node.stats["dropped_frame"] += 1
                transport.close()
                buf.clear()
                return
            if end - off - 4 < n:
                break
            kind = buf[off + 4]
            body = bytes(buf[off + 5 : off + 4 + n])
            off += 4 + n
            self.node._frame(transport, self.peer_ip, kind, body)
            if transport.is_closing():
                break
        del buf[:off]

    def connection_lost(self, exc: Exception | None) -> None:
        if self.transport is not None:
            self.node._conns.discard(self.transport)
        self.transport = None
        self.buf.clear()


class Node:
    """A relay (or a client's receiving endpoint): listens, peels, forwards, delivers.

    ``clock`` is wall time for key epochs, ``monotonic`` feeds the rate
    limiter and link back-off, ``sleep`` implements mixing delays and cover
    traffic timing: all three are injectable so tests need no real waits.

    :meth:`start` binds the listening socket (see its example);
    :meth:`handle_packet` is the per-packet path without one, so a node can
    be exercised in-process:

    >>> import asyncio, tempfile
    >>> from n3crypto.onion import create_packet
    >>> got: list[Deliver] = []
    >>> node = Node(NodeConfig(host="127.1.0.1", key_dir=tempfile.mkdtemp()),
    ...             on_deliver=got.append, clock=lambda: 1000.0)
    >>> node.refresh_keys()  # start() does this once the port is bound
    [0, 1]
    >>> packet = create_packet(node.descriptors()[:1], b"to the node")
    >>> asyncio.run(node.handle_packet(packet))
    >>> got[0].payload
    b'to the node'
    >>> asyncio.run(node.handle_packet(packet))  # a replay: dropped, counted
    >>> asyncio.run(node.handle_packet(b"junk"))  # not a packet: dropped, counted
    >>> len(got), node.stats["dropped_replay"], node.stats["dropped_length"]
    (1, 1, 1)
    >>> node.keys.close()
    """

    def __init__(
        self,
        config: NodeConfig,
        *,
        on_deliver: DeliverHandler | None = None,
        clock: Clock = time.time,
        monotonic: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
        cover_path: Callable[[], list[RelayDescriptor]] | None = None,
    ) -> None:
        check_type(config, NodeConfig, "config")
        for fn, what in ((clock, "clock"), (monotonic, "monotonic"), (sleep, "sleep")):
            check_callable(fn, what)
        for opt, what in ((on_deliver, "on_deliver"), (cover_path, "cover_path")):
            if opt is not None:
                check_callable(opt, what)
        if rng is not None:
            check_type(rng, random.Random, "rng")
        self.config = config
        self.clock = clock
        self.monotonic = monotonic
        self._sleep = sleep
        self._rng = rng if rng is not None else random.SystemRandom()
        self.on_deliver = on_deliver
        self.on_link_failure: Callable[[str], None] | None = None
        #: called after key rotation changed the live epochs
        self.on_keys_changed: Callable[[], None] | None = None
        #: called on every key-refresh tick (the daemon reloads its directory)
        self.directory_source: Callable[[], None] | None = None
        self.cover_path = cover_path
        self.stats: Counter[str] = Counter()
        self.keys = KeyStore(
            config.key_dir,
            f"{config.host}:{config.port or 1}",
            config.schedule,
            clock=clock,
            replay=ReplayStore(Path(config.key_dir) / "replay", batch=config.replay_batch),
        )
        self.limiter = PeerLimiter(
            per_peer_rate=config.per_peer_rate,
            per_peer_burst=config.per_peer_burst,
            total_rate=config.total_rate,
            total_burst=config.total_burst,
            clock=monotonic,
        )
        self._packet_bytes = packet_bytes(config.body_bytes)
        self._links: dict[str, _Link] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._server: asyncio.Server | None = None
        self._conns: set[asyncio.Transport] = set()
        self._stopping = False
        self._stopped = False
        self._delayed_count = 0
        self.address = ""

    # -- lifecycle ----------------------------------------------------------
    async def start(self) -> str:
        """Bind, load or create the epoch keys, start background tasks; the address.

        Example (it listens on a TCP port, so it is not run as a doctest)::

            async def serve() -> None:
                node = Node(NodeConfig(host="127.1.0.1", key_dir="keys"))
                address = await node.start()  # e.g. "127.1.0.1:40123" (port 0: any)
                print(json.dumps(node.descriptor_json()))  # for the directory authority
                try:
                    await asyncio.Event().wait()  # until cancelled
                finally:
                    await node.stop(drain=1.0)

            asyncio.run(serve())
        """
        loop = asyncio.get_running_loop()
        self._server = await loop.create_server(
            lambda: _FrameProtocol(self), self.config.host, self.config.port
        )
        port = self._server.sockets[0].getsockname()[1]
        host = self.config.host
        self.address = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        self.keys.set_address(self.address)
        self.keys.refresh()
        self._spawn(self._refresh_loop())
        if self.config.replay_batch > 1:
            self._spawn(self._flush_loop())
        if self.config.cover_rate > 0 and self.cover_path is not None:
            self._spawn(self._cover_loop())
        log.info("relay %s listening", self.config.relay_id)
        return self.address

    def _spawn(self, coro: Awaitable[None]) -> None:
        task: asyncio.Task[None] = asyncio.ensure_future(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def stop(self, *, drain: float = 2.0) -> None:
        """Graceful shutdown: stop accepting, give open connections and queued
        outgoing frames up to ``drain`` seconds to finish, close everything,
        close the replay databases."""
        if self._stopping or self._stopped:
            return
        self._stopped = True
        if self._server is not None:
            self._server.close()
        deadline = time.monotonic() + drain
        # 1. flush what we queued for others, then hang up on them (so relays
        #    stopping together all see their inbound connections end)
        while time.monotonic() < deadline and any(
            not link.queue.empty() for link in self._links.values()
        ):
            await asyncio.sleep(0.01)
        links = [link.task for link in self._links.values() if link.task is not None]
        for task in links:
            task.cancel()
        await asyncio.gather(*links, return_exceptions=True)
        # 2. let peers finish what they already sent us (bounded), then close
        while self._conns and time.monotonic() < deadline:
            await asyncio.sleep(0.01)
        self._stopping = True
        for t in list(self._conns):
            t.close()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        if self._server is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._server.wait_closed(), 1.0)
        self.keys.close()
        log.info("relay %s stopped: %s", self.config.relay_id, dict(self.stats))

    def descriptors(self) -> list[RelayDescriptor]:
        return self.keys.descriptors()

    def refresh_keys(self) -> list[int]:
        """Rotate keys for the clock's present; calls :attr:`on_keys_changed`
        when the set of live epochs changed (publish the new descriptors)."""
        before = [d.epoch for d in self.keys.descriptors()]
        live = self.keys.refresh()
        if live != before and self.on_keys_changed is not None:
            self.on_keys_changed()
        return live

    async def _refresh_loop(self) -> None:
        while True:
            await self._sleep(self.config.key_refresh)
            self.refresh_keys()
            if self.directory_source is not None:
                self.directory_source()
            log.info("relay %s counters: %s", self.config.relay_id, dict(self.stats))

    async def _flush_loop(self) -> None:
        while True:
            await self._sleep(self.config.replay_flush_interval)
            self.keys.replay.flush()

    async def _cover_loop(self) -> None:
        """Loop cover traffic: real packets through a random path back to us."""
        assert self.cover_path is not None
        me = self.keys.current().descriptor
        while True:
            await self._sleep(self._rng.expovariate(self.config.cover_rate))
            try:
                path = [*self.cover_path(), me]
                packet = create_packet(path, b"", body_bytes=self.config.body_bytes)
            except errors.N3CryptoError:
                self.stats["cover_unavailable"] += 1
                continue
            self.send(path[0].address, packet)
            self.stats["cover_sent"] += 1

    # -- receiving ------------------------------------------------------------
    def _frame(self, transport: asyncio.Transport, peer_ip: str, kind: int, body: bytes) -> None:
        """One received frame, in the order of the module docstring."""
        if not self.limiter.allow(peer_ip):
            self.stats["rate_limited"] += 1
            return
        if kind == STATUS and _is_loopback(peer_ip):
            doc = json.dumps(dict(self.stats), sort_keys=True).encode()
            transport.write(encode_frame(STATUS_REPLY, doc))
            return
        if kind != PACKET:
            self.stats["dropped_frame_type"] += 1
            return
        pending = self._handle(body)
        if pending is not None:
            self._spawn(pending)

    async def handle_packet(self, data: bytes) -> None:
        """Process one packet (after rate limiting); never raises for bad input."""
        pending = self._handle(data)
        if pending is not None:
            await pending

    def _handle(self, data: bytes) -> Awaitable[None] | None:
        """Process one packet synchronously; an awaitable if the deliver
        handler returned one."""
        self.stats["received"] += 1
        if len(data) != self._packet_bytes:
            self.stats["dropped_length"] += 1
            return None
        epoch = int.from_bytes(data[1:5], "big")
        key = self.keys.get(epoch)
        if key is None:
            self.stats["dropped_epoch"] += 1
            return None
        try:
            result = process(key, data)
        except PacketRejected as exc:
            self.stats[f"dropped_{exc.reason}"] += 1
            return None
        except Exception as exc:  # e.g. the replay database failing: drop, never die
            self.stats["internal_errors"] += 1
            log.error("packet dropped on an internal error: %s", type(exc).__name__)
            return None
        if isinstance(result, Forward):
            if self.config.mix_delay > 0:
                if self._delayed_count >= self.config.max_delayed:
                    self.stats["dropped_delay_full"] += 1
                    return None
                self.stats["forwarded"] += 1
                delay = self._rng.expovariate(1.0 / self.config.mix_delay)
                self._delayed_count += 1
                self._spawn(self._delayed(delay, result))
            else:
                self.stats["forwarded"] += 1
                self.send(result.next_hop, result.packet)
            return None
        self.stats["delivered"] += 1
        if self.on_deliver is None:
            return None
        try:
            out = self.on_deliver(result)
        except Exception as exc:  # a faulty handler must not take the relay down
            self.stats["deliver_handler_errors"] += 1
            # the type only: a message could quote the payload
            log.error("deliver handler failed: %s", type(exc).__name__)
            return None
        if inspect.isawaitable(out):
            return self._await_handler(out)
        return None

    async def _await_handler(self, out: Awaitable[None]) -> None:
        try:
            await out
        except Exception as exc:
            self.stats["deliver_handler_errors"] += 1
            log.error("deliver handler failed: %s", type(exc).__name__)

    async def _delayed(self, delay: float, fwd: Forward) -> None:
        try:
            await self._sleep(delay)
            self.send(fwd.next_hop, fwd.packet)
        finally:
            self._delayed_count -= 1

    # -- sending ----------------------------------------------------------------
    def send(self, address: str, packet: bytes) -> bool:
        """Queue ``packet`` for ``address``; False if it was dropped at once."""
        if self._stopping:
            return False
        link = self._links.get(address)
        if link is None:
            link = _Link(self, address)
            self._links[address] = link
        return link.push(encode_frame(PACKET, packet))

    def _link_failed(self, address: str) -> None:
        if self.on_link_failure is not None:
            self.on_link_failure(address)

    def descriptor_json(self) -> dict[str, object]:
        """What the relay reports to the directory authority."""
        return {
            "id": self.config.relay_id,
            "address": self.address,
            "keys": {str(d.epoch): bytes(d.public_key).hex() for d in self.descriptors()},
            "bandwidth": self.config.bandwidth,
            "family": self.config.family,
            "pid": os.getpid(),
        }


def _is_loopback(ip: str) -> bool:
    try:
        return ipaddress.ip_address(ip).is_loopback
    except ValueError:
        return False


async def query_status(address: str, *, timeout: float = 5.0) -> dict[str, int]:
    """The counters of the relay at ``address`` (it answers loopback peers only).

    Example (it connects to a running relay, so it is not run as a
    doctest; ``n3crypto relay status ADDRESS`` does the same)::

        stats = asyncio.run(query_status("127.1.0.1:40123"))
        print(stats.get("received", 0), stats.get("forwarded", 0), stats.get("dropped_replay", 0))
    """
    host, port = split_address(address)

    async def ask() -> dict[str, int]:
        reader, writer = await asyncio.open_connection(host, port)
        try:
            writer.write(encode_frame(STATUS, b""))
            await writer.drain()
            kind, body = await read_frame(reader, 1 << 20)
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()
        if kind != STATUS_REPLY:
            raise FrameError("unexpected reply to a status request")
        doc = json.loads(body)
        if not isinstance(doc, dict):
            raise FrameError("bad status reply")
        return {str(k): int(v) for k, v in doc.items()}

    return await asyncio.wait_for(ask(), timeout)
