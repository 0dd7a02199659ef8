"""``n3crypto relay run --config FILE``: one relay per process.

The config is TOML::

    [relay]
    id = "r1"
    host = "127.1.0.1"
    port = 0                    # 0: any free port; the chosen address is reported
    key_dir = "/var/lib/n3relay/r1"
    body_bytes = 2048
    bandwidth = 1000
    family = ""
    descriptor_out = "/var/lib/n3relay/r1/descriptor.json"   # optional

    [epochs]
    period = 3600
    genesis = 0
    overlap = 300

    [limits]
    per_peer_rate = 5000
    per_peer_burst = 10000
    total_rate = 50000
    total_burst = 100000

    [mixing]
    delay = 0.0                 # mean Poisson delay in seconds
    cover_rate = 0.0            # loop cover packets per second

    [replay]
    batch = 1                   # 1: commit every tag; n: group commit (see replay.py)
    flush_interval = 0.01

    [directory]                 # optional: needed for cover traffic
    file = "directory.bin"      # reloaded when it changes
    authority = "authority.pub" # the authority's signcryption public key

Relative paths are relative to the config file. When listening, the relay
prints one line of JSON to stdout (its id, address and public keys) and
writes the same to ``descriptor_out``; SIGTERM or SIGINT stop it gracefully,
after which it prints a last JSON line with its counters.
"""

from __future__ import annotations

import asyncio
import json
import logging
import signal
import sys
import tomllib
from pathlib import Path
from typing import Any

from n3crypto import errors
from n3crypto._check import check_path
from n3crypto.node.directory import Directory
from n3crypto.node.keys import EpochSchedule
from n3crypto.node.paths import PathSelector
from n3crypto.node.relay import Node, NodeConfig
from n3crypto.onion import RelayDescriptor
from n3crypto.utils import atomic_write

__all__ = ["load_config", "run"]

log = logging.getLogger("n3crypto.node")

_SECTIONS: dict[str, set[str]] = {
    "relay": {
        "id",
        "host",
        "port",
        "key_dir",
        "body_bytes",
        "bandwidth",
        "family",
        "descriptor_out",
    },
    "epochs": {"period", "genesis", "overlap"},
    "limits": {"per_peer_rate", "per_peer_burst", "total_rate", "total_burst"},
    "mixing": {"delay", "cover_rate"},
    "replay": {"batch", "flush_interval"},
    "directory": {"file", "authority"},
}


def load_directory_settings(path: str | Path) -> tuple[Path, Path] | None:
    """``(directory file, authority key file)`` from a config's ``[directory]``."""
    path = Path(path)
    doc = tomllib.loads(path.read_text())
    d = doc.get("directory")
    if not d:
        return None
    if "file" not in d or "authority" not in d:
        raise errors.N3ValueError("[directory] needs file and authority")
    return _rel(path.parent, str(d["file"])), _rel(path.parent, str(d["authority"]))


def _rel(base: Path, p: str) -> Path:
    q = Path(p)
    return q if q.is_absolute() else base / q


def load_config(path: str | Path) -> NodeConfig:
    """Parse and check a relay config file; N3ValueError says what is wrong.

    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "r1.toml"
    >>> _ = p.write_text('[relay]\\nid = "r1"\\nhost = "127.1.0.1"\\nkey_dir = "keys"\\n')
    >>> cfg = load_config(p)
    >>> cfg.relay_id, cfg.port, cfg.key_dir == p.parent / "keys"
    ('r1', 0, True)
    """
    path = check_path(path)
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise errors.N3ValueError(f"cannot read config {path}: {exc}") from None
    for name, table in doc.items():
        if name not in _SECTIONS or not isinstance(table, dict):
            raise errors.N3ValueError(f"unknown config section [{name}]")
        unknown = set(table) - _SECTIONS[name]
        if unknown:
            raise errors.N3ValueError(f"unknown keys in [{name}]: {', '.join(sorted(unknown))}")
    relay: dict[str, Any] = doc.get("relay", {})
    for key in ("id", "host", "key_dir"):
        if key not in relay:
            raise errors.N3ValueError(f"[relay] {key} is required")
    base = path.parent

    def rel(p: str) -> Path:
        q = Path(p)
        return q if q.is_absolute() else base / q

    ep: dict[str, Any] = doc.get("epochs", {})
    lim: dict[str, Any] = doc.get("limits", {})
    mix: dict[str, Any] = doc.get("mixing", {})
    rep: dict[str, Any] = doc.get("replay", {})
    try:
        return NodeConfig(
            host=str(relay["host"]),
            port=int(relay.get("port", 0)),
            key_dir=rel(str(relay["key_dir"])),
            relay_id=str(relay["id"]),
            schedule=EpochSchedule(
                period=float(ep.get("period", 3600)),
                genesis=float(ep.get("genesis", 0)),
                overlap=float(ep.get("overlap", 300)),
            ),
            body_bytes=int(relay.get("body_bytes", 2048)),
            per_peer_rate=float(lim.get("per_peer_rate", 5000)),
            per_peer_burst=float(lim.get("per_peer_burst", 10000)),
            total_rate=float(lim.get("total_rate", 50000)),
            total_burst=float(lim.get("total_burst", 100000)),
            mix_delay=float(mix.get("delay", 0.0)),
            cover_rate=float(mix.get("cover_rate", 0.0)),
            replay_batch=int(rep.get("batch", 1)),
            replay_flush_interval=float(rep.get("flush_interval", 0.01)),
            bandwidth=int(relay.get("bandwidth", 1)),
            family=str(relay.get("family", "")),
            descriptor_out=rel(relay["descriptor_out"]) if "descriptor_out" in relay else None,
        )
    except (TypeError, ValueError, OverflowError) as exc:
        raise errors.N3ValueError(f"bad config value: {exc}") from None


class _DirectoryWatch:
    """The verified directory a relay uses for cover paths, reloaded when its
    file changes; a file that fails verification keeps the previous one."""

    def __init__(self, node: Node, file: Path, authority: Path) -> None:
        from n3crypto.node.directory import ClscVerifier
        from n3crypto.signcryption import PublicKey

        self.node = node
        self.file = file
        self.verifier = ClscVerifier(PublicKey.from_bytes(authority.read_bytes()))
        self.selector: PathSelector | None = None
        self.mtime = -1.0
        self()

    def __call__(self) -> None:
        try:
            mtime = self.file.stat().st_mtime
            if mtime == self.mtime:
                return
            blob = self.file.read_bytes()
            directory = Directory.from_bytes(blob, self.verifier, now=self.node.clock())
        except (OSError, errors.N3CryptoError) as exc:
            log.warning("directory not loaded: %s", exc)
            return
        self.mtime = mtime
        mine = self.node.address
        directory = Directory(
            directory.epoch,
            directory.issued_at,
            directory.valid_until,
            tuple(e for e in directory.entries if e.address != mine),
        )
        self.selector = PathSelector(directory)
        log.info("directory loaded: %d relays", len(directory.entries))

    def cover_path(self) -> list[RelayDescriptor]:
        if self.selector is None:
            raise errors.UnavailableError("no directory")
        epoch = self.node.keys.schedule.epoch(self.node.clock())
        hops = self.selector.select(
            self.node.config.cover_hops, epoch=epoch, destination=self.node.address
        )
        out = [e.descriptor(epoch) for e in hops]
        if any(d is None for d in out):
            raise errors.UnavailableError("a relay has no key for this epoch")
        return [d for d in out if d is not None]


async def _main(config: NodeConfig, directory: tuple[Path, Path] | None = None) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):  # before anyone learns we are up
        loop.add_signal_handler(sig, stop.set)
    node = Node(config)

    def publish() -> None:
        info = json.dumps(node.descriptor_json(), sort_keys=True)
        if config.descriptor_out is not None:
            atomic_write(config.descriptor_out, info.encode() + b"\n", mode=0o644)

    node.on_keys_changed = publish
    if directory is not None:
        watch: _DirectoryWatch | None = None

        def cover_path() -> list[RelayDescriptor]:
            if watch is None:
                raise errors.UnavailableError("no directory yet")
            return watch.cover_path()

        node.cover_path = cover_path
    elif config.cover_rate > 0:
        log.warning("cover_rate is set but there is no [directory]: no cover traffic")
    await node.start()
    if directory is not None:
        watch = _DirectoryWatch(node, *directory)
        node.directory_source = watch
    publish()
    sys.stdout.write(json.dumps(node.descriptor_json(), sort_keys=True) + "\n")
    sys.stdout.flush()
    await stop.wait()
    await node.stop()
    sys.stdout.write(json.dumps({"id": config.relay_id, "stats": dict(node.stats)}) + "\n")
    sys.stdout.flush()


def run(config: NodeConfig, directory: tuple[Path, Path] | None = None) -> None:
    """Run one relay until SIGTERM/SIGINT; ``directory`` = (file, authority
    key) enables cover traffic.

    Example (it listens and blocks until a signal, so it is not run as a
    doctest; this is what ``n3crypto relay run --config r1.toml`` does)::

        config = load_config("r1.toml")
        run(config, load_directory_settings("r1.toml"))
    """
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    asyncio.run(_main(config, directory))
