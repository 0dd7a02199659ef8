"""Key epochs: a relay's Sphinx keys, one per epoch, rotated with overlap.

Epoch ``e`` covers ``[genesis + e·period, genesis + (e+1)·period)``. A relay
holds the key of the current epoch and of the next one (published ahead
so clients can build packets that arrive after the boundary), and keeps the
previous epoch's key for ``overlap`` seconds after the boundary for packets
still in flight. Keys are files ``sphinx-<epoch>.key`` (0600); older ones
are deleted together with their replay caches.

>>> import tempfile
>>> t = [1000.0]
>>> sched = EpochSchedule(period=600, genesis=0, overlap=60)
>>> ks = KeyStore(tempfile.mkdtemp(), "127.1.0.1:9000", sched, clock=lambda: t[0])
>>> ks.refresh()
[1, 2]
>>> t[0] = 1220.0          # epoch 2 started 20 s ago: epoch 1 is still kept
>>> ks.refresh()
[1, 2, 3]
>>> t[0] = 1300.0          # past the overlap: epoch 1 is gone
>>> ks.refresh()
[2, 3]
"""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass
from pathlib import Path

from n3crypto import errors
from n3crypto._check import check_callable, check_int, check_path, check_real, check_str, check_type
from n3crypto.node.ratelimit import Clock
from n3crypto.node.replay import ReplayStore
from n3crypto.onion import RelayDescriptor, RelayKey

__all__ = ["EpochSchedule", "KeyStore"]

_NAME = re.compile(r"^sphinx-(\d{1,10})\.key$")


@dataclass(frozen=True, slots=True)
class EpochSchedule:
    """How time maps to key epochs.

    >>> sched = EpochSchedule(period=600, genesis=0, overlap=60)
    >>> sched.epoch(1250.0), sched.start(2)
    (2, 1200)
    >>> sched.live(1250.0)     # epoch 1 is still in its overlap window
    [1, 2, 3]
    >>> sched.live(1300.0)
    [2, 3]
    """

    period: float = 3600.0
    genesis: float = 0.0
    overlap: float = 300.0

    def __post_init__(self) -> None:
        check_real(self.period, "period")
        check_real(self.genesis, "genesis")
        check_real(self.overlap, "overlap")
        if self.period <= 0 or not 0 <= self.overlap < self.period:
            raise errors.N3ValueError("need period > 0 and 0 <= overlap < period")

    def epoch(self, now: float) -> int:
        check_real(now, "now")
        e = int((now - self.genesis) // self.period)
        if not 0 <= e < 1 << 32:
            raise errors.N3ValueError("the clock is outside the epoch range")
        return e

    def start(self, epoch: int) -> float:
        check_int(epoch, "epoch", 0, (1 << 32) - 1)
        return self.genesis + epoch * self.period

    def live(self, now: float) -> list[int]:
        """The epochs whose keys a relay needs at ``now``."""
        e = self.epoch(now)
        out = [e, e + 1]
        if e > 0 and now < self.start(e) + self.overlap:
            out.insert(0, e - 1)
        return out


class KeyStore:
    """A relay's per-epoch keys on disk, with their replay caches.

    Keys and replay tags survive a restart of the relay:

    >>> import tempfile
    >>> from n3crypto.onion import create_packet, process
    >>> d, now = tempfile.mkdtemp(), lambda: 1000.0
    >>> ks = KeyStore(d, "127.1.0.1:9000", EpochSchedule(period=600), clock=now)
    >>> ks.refresh()
    [1, 2]
    >>> mine = ks.current().descriptor  # epoch 1's public key
    >>> packet = create_packet([mine], b"hi")
    >>> process(ks.current(), packet).payload
    b'hi'
    >>> ks.close()  # the relay restarts
    >>> ks = KeyStore(d, "127.1.0.1:9000", EpochSchedule(period=600), clock=now)
    >>> ks.refresh(), ks.get(1).descriptor == mine
    ([1, 2], True)
    >>> process(ks.get(1), packet)
    Traceback (most recent call last):
    ...
    n3crypto.onion.packet.PacketRejected: replayed packet
    >>> ks.close()
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        address: str,
        schedule: EpochSchedule,
        *,
        clock: Clock = time.time,
        replay: ReplayStore | None = None,
    ) -> None:
        check_str(address, "address")
        check_type(schedule, EpochSchedule, "schedule")
        check_callable(clock, "clock")
        if replay is not None:
            check_type(replay, ReplayStore, "replay")
        self.directory = check_path(directory, "directory")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.address = address
        self.schedule = schedule
        self.clock = clock
        self.replay = replay if replay is not None else ReplayStore(self.directory / "replay")
        self._keys: dict[int, RelayKey] = {}

    def _path(self, epoch: int) -> Path:
        return self.directory / f"sphinx-{epoch}.key"

    def refresh(self) -> list[int]:
        """Create, load and retire keys for the clock's present; the live epochs."""
        live = self.schedule.live(self.clock())
        for e in live:
            if e in self._keys:
                continue
            path = self._path(e)
            if path.exists():
                key = RelayKey.load(path, replay_cache=self.replay.cache(e))
                if key.address != self.address:
                    key = key.with_address(self.address)
            else:
                key = RelayKey.generate(self.address, epoch=e, replay_cache=self.replay.cache(e))
                key.save(path)
            self._keys[e] = key
        oldest = live[0]
        for e in [e for e in self._keys if e < oldest]:
            del self._keys[e]
        for p in self.directory.iterdir():
            m = _NAME.match(p.name)
            if m and int(m.group(1)) < oldest:
                p.unlink()
        self.replay.drop_before(oldest)
        return sorted(self._keys)

    def get(self, epoch: int) -> RelayKey | None:
        """The key for ``epoch`` if it is live."""
        return self._keys.get(check_int(epoch, "epoch"))

    def current(self) -> RelayKey:
        e = self.schedule.epoch(self.clock())
        key = self._keys.get(e)
        if key is None:
            self.refresh()
            key = self._keys[e]
        return key

    def descriptors(self) -> list[RelayDescriptor]:
        """The public keys to publish: every live epoch's."""
        return [self._keys[e].descriptor for e in sorted(self._keys)]

    def set_address(self, address: str) -> None:
        """Announce the keys at ``address`` (e.g. once port 0 is bound)."""
        self.address = address
        self._keys = {e: k.with_address(address) for e, k in self._keys.items()}

    def close(self) -> None:
        self.replay.close()
