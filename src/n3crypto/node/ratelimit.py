"""Token buckets, charged before any curve work.

>>> t = [0.0]
>>> bucket = TokenBucket(rate=2.0, burst=3.0, clock=lambda: t[0])
>>> [bucket.take() for _ in range(4)]
[True, True, True, False]
>>> t[0] = 0.5
>>> bucket.take(), bucket.take()
(True, False)
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable

from n3crypto import errors
from n3crypto._check import check_callable, check_int, check_real

__all__ = ["Clock", "PeerLimiter", "TokenBucket"]

Clock = Callable[[], float]


class TokenBucket:
    """``rate`` tokens per second, at most ``burst`` saved up.

    The clock is injectable, so a test (or this example) needs no waiting:

    >>> t = [0.0]
    >>> bucket = TokenBucket(rate=10.0, burst=5.0, clock=lambda: t[0])
    >>> bucket.take(5), bucket.take()
    (True, False)
    >>> t[0] = 0.25          # 2.5 tokens refilled
    >>> bucket.take(2), bucket.take()
    (True, False)
    >>> t[0] = 100.0         # never more than the burst
    >>> bucket.take(5), bucket.take(0.5)
    (True, False)
    """

    __slots__ = ("_clock", "_last", "_tokens", "burst", "rate")

    def __init__(self, rate: float, burst: float, *, clock: Clock = time.monotonic) -> None:
        check_real(rate, "rate")
        check_real(burst, "burst")
        check_callable(clock, "clock")
        if rate <= 0 or burst < 1:
            raise errors.N3ValueError("a token bucket needs rate > 0 and burst >= 1")
        self.rate = float(rate)
        self.burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._last = clock()

    def take(self, n: float = 1.0) -> bool:
        """Spend ``n`` tokens if there are that many."""
        if n != 1.0:
            check_real(n, "n", 0.0)
        now = self._clock()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self._tokens = min(self.burst, self._tokens + elapsed * self.rate)
        if self._tokens >= n:
            self._tokens -= n
            return True
        return False


class PeerLimiter:
    """One bucket per peer (keyed by IP address) plus one for the whole relay.

    Peers are forgotten least-recently-used beyond ``max_peers`` so a scan
    of many source addresses cannot exhaust memory.

    >>> t = [0.0]
    >>> lim = PeerLimiter(per_peer_rate=1, per_peer_burst=2, total_rate=100,
    ...                   total_burst=100, clock=lambda: t[0])
    >>> [lim.allow("10.0.0.1") for _ in range(3)], lim.allow("10.0.0.2")
    ([True, True, False], True)
    """

    def __init__(
        self,
        *,
        per_peer_rate: float,
        per_peer_burst: float,
        total_rate: float,
        total_burst: float,
        clock: Clock = time.monotonic,
        max_peers: int = 65536,
    ) -> None:
        check_int(max_peers, "max_peers", 1)
        self._rate = per_peer_rate
        self._burst = per_peer_burst
        self._clock = clock
        self._total = TokenBucket(total_rate, total_burst, clock=clock)
        self._peers: OrderedDict[str, TokenBucket] = OrderedDict()
        self._max = max_peers
        TokenBucket(per_peer_rate, per_peer_burst, clock=clock)  # validate now

    def allow(self, peer: str) -> bool:
        """Charge one token to ``peer`` and to the total; False to drop."""
        if type(peer) is not str:
            raise errors.N3TypeError(f"peer must be a str, not {type(peer).__name__}")
        bucket = self._peers.get(peer)
        if bucket is None:
            bucket = TokenBucket(self._rate, self._burst, clock=self._clock)
            self._peers[peer] = bucket
            if len(self._peers) > self._max:
                self._peers.popitem(last=False)
        else:
            self._peers.move_to_end(peer)
        return bucket.take() and self._total.take()
