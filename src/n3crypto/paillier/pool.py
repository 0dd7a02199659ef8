"""Optional pool of precomputed obfuscators, filled by a background thread.

Encryption spends almost all its time on the obfuscator (``r^n`` or
``h_s^r``), which does not depend on the message; a :class:`RandomnessPool`
computes them ahead of time so that ``encrypt`` only multiplies. Each entry
is handed out once. Entries are never shared across ``fork()``: a child
process discards every pool's contents (and its filler thread) the moment it
starts, so parent and child can never reuse the same randomness.

>>> from n3crypto.paillier import generate_keypair, RandomnessPool
>>> pub, priv = generate_keypair(512, allow_insecure_size=True)
>>> with RandomnessPool(pub, "fast", size=8, background=False) as pool:
...     _ = pool.fill()
...     priv.decrypt(pub.encrypt(41, mode="fast") + 1), pool.available
(42, 7)
"""

from __future__ import annotations

import collections
import os
import threading
import weakref
from types import TracebackType
from typing import TYPE_CHECKING

from n3crypto import errors
from n3crypto._check import check_int, check_type
from n3crypto.paillier._arith import powmod, random_bits, random_unit

if TYPE_CHECKING:
    from n3crypto.paillier.keys import PaillierPublicKey

__all__ = ["RandomnessPool", "take"]

_ACTIVE: dict[tuple[bytes, str, int], RandomnessPool] = {}
MAX_SIZE = 1 << 20
"""Most entries a pool holds (each is one modular exponentiation to make)."""
_ACTIVE_LOCK = threading.Lock()
_ALL: weakref.WeakSet[RandomnessPool] = weakref.WeakSet()


def take(pk: PaillierPublicKey, mode: str, bits: int) -> tuple[int, int] | None:
    """An unused precomputed ``(obfuscator, witness)`` or None (no pool/empty).

    Encryption calls this itself; ``bits`` is the pool's exponent length
    (0 in ``standard`` mode).

    >>> from n3crypto.paillier.keys import generate_keypair
    >>> from n3crypto.paillier.pool import RandomnessPool, take
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> take(pub, "standard", 0) is None          # no pool started
    True
    >>> with RandomnessPool(pub, "standard", size=2, background=False) as pool:
    ...     _ = pool.fill()
    ...     rho, r = take(pub, "standard", 0)
    ...     rho == pow(r, pub.n, pub.nsquare), pool.available
    (True, 1)
    """
    if not _ACTIVE:
        return None
    pool = _ACTIVE.get((pk.fingerprint, mode, bits))
    if pool is None:
        return None
    return pool._pop()


class RandomnessPool:
    """Precomputed obfuscators for one key, mode and exponent length.

    While started (``start()`` or ``with``), encryptions under that key and
    mode draw from it; when it runs dry they compute on the fly. ``size`` is
    the target fill; the thread refills when it falls below half.
    ``background=False`` fills only when :meth:`fill` is called.

    >>> from n3crypto.paillier import RandomnessPool, generate_keypair
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> pool = RandomnessPool(pub, "fast", size=4, background=False).start()
    >>> pool.fill(), pool
    (4, <RandomnessPool fast 4/4>)
    >>> cts = [pub.encrypt(v, mode="fast") for v in (1, 2, 3)]    # three entries used
    >>> priv.decrypt(pub.sum(cts)), pool.available
    (6, 1)
    >>> RandomnessPool(pub, "fast", size=4).start()
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: another pool is already active for this key and mode
    >>> pool.stop()                                # leftover entries are discarded
    >>> pool.available
    0
    """

    def __init__(
        self,
        public_key: PaillierPublicKey,
        mode: str = "fast",
        *,
        size: int = 256,
        short_exponent: bool = False,
        background: bool = True,
    ) -> None:
        from n3crypto.paillier.keys import PaillierPublicKey

        check_type(public_key, PaillierPublicKey, "public_key")
        if mode not in ("standard", "fast"):
            raise errors.N3ValueError("mode must be 'standard' or 'fast'")
        check_int(size, "size", 1, MAX_SIZE)
        if mode == "standard" and short_exponent:
            raise errors.N3ValueError("short_exponent applies to mode='fast' only")
        self.public_key = public_key
        self.mode = mode
        self.size = size
        self.bits = public_key.exponent_bits(short_exponent) if mode == "fast" else 0
        self._items: collections.deque[tuple[int, int]] = collections.deque()
        self._want = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._background = background
        self._pid = os.getpid()
        _ALL.add(self)

    def __repr__(self) -> str:
        return f"<RandomnessPool {self.mode} {self.available}/{self.size}>"

    @property
    def key(self) -> tuple[bytes, str, int]:
        return (self.public_key.fingerprint, self.mode, self.bits)

    @property
    def available(self) -> int:
        return len(self._items)

    def _make(self) -> tuple[int, int]:
        pk = self.public_key
        if self.mode == "standard":
            r = random_unit(pk.n)
            return powmod(r, pk.n, pk.nsquare), r
        r = random_bits(self.bits)
        return pk.table().pow(r), r

    def fill(self, count: int | None = None) -> int:
        """Synchronously add entries up to ``size`` (or ``count`` more, at most ``size``)."""
        if count is not None:
            check_int(count, "count", 0, self.size)
        target = self.size if count is None else self.available + count
        added = 0
        while self.available < target and not self._stop.is_set():
            self._items.append(self._make())
            added += 1
        return added

    def _pop(self) -> tuple[int, int] | None:
        if self._pid != os.getpid():  # defensive: forked without the hook
            self._discard()
            return None
        try:
            item = self._items.popleft()
        except IndexError:
            item = None
        if self._background and len(self._items) < self.size // 2:
            self._want.set()
        return item

    def _run(self) -> None:
        while not self._stop.is_set():
            self._want.wait(0.5)
            self._want.clear()
            while not self._stop.is_set() and self.available < self.size:
                self._items.append(self._make())

    def start(self) -> RandomnessPool:
        """Route encryptions for this key/mode through the pool."""
        with _ACTIVE_LOCK:
            if self.key in _ACTIVE and _ACTIVE[self.key] is not self:
                raise errors.N3ValueError("another pool is already active for this key and mode")
            _ACTIVE[self.key] = self
        self._stop.clear()
        if self._background and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="n3-paillier-pool", daemon=True)
            self._thread.start()
            self._want.set()
        return self

    def stop(self) -> None:
        """Detach and stop the filler; remaining entries are discarded."""
        with _ACTIVE_LOCK:
            if _ACTIVE.get(self.key) is self:
                del _ACTIVE[self.key]
        self._stop.set()
        self._want.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=5)
        self._thread = None
        self._items.clear()

    def _discard(self) -> None:
        self._items.clear()
        self._thread = None  # threads do not survive fork
        self._pid = os.getpid()

    def __enter__(self) -> RandomnessPool:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _after_fork_in_child() -> None:
    global _ACTIVE_LOCK
    _ACTIVE_LOCK = threading.Lock()  # another thread may have held it at fork time
    for pool in list(_ALL):
        pool._discard()
        pool._stop.set()
    _ACTIVE.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)
