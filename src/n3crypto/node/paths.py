"""Path selection: weighted by bandwidth × reputation, capped, diverse.

Rules (docs/onion.md, "Path selection"):

* never the same relay twice;
* never two hops (the destination included) in one network group — the
  same /16 for IPv4, /32 for IPv6 by default, the host name otherwise — or
  one declared operator family;
* each relay's weight is ``bandwidth × reputation``, capped at
  ``cap`` × the directory's total weight, so advertising more bandwidth or
  earning more reputation cannot attract more than a bounded share;
* callers pass the relays to avoid (those that failed *this* message) and
  selection falls back to ignoring them rather than to weaker rules.

>>> import random
>>> from n3crypto.onion import RelayKey
>>> from n3crypto.node.directory import Directory, DirectoryEntry
>>> keys = [RelayKey.generate(f"127.{i}.0.1:9000") for i in range(1, 7)]
>>> d = Directory(0, 0, 1, tuple(DirectoryEntry(f"r{i}", k.address, (k.descriptor,))
...                            for i, k in enumerate(keys)))
>>> path = PathSelector(d, rng=random.Random(1)).select(3, epoch=0)
>>> len(path), len({network_group(e.address) for e in path})
(3, 3)
"""

from __future__ import annotations

import ipaddress
import random
from collections.abc import Iterable

from n3crypto import errors
from n3crypto._check import check_int, check_iterable, check_real, check_str, check_type
from n3crypto.node.directory import Directory, DirectoryEntry

__all__ = ["PathSelector", "cap_weights", "network_group", "split_address"]


def cap_weights(weights: dict[str, float], cap: float) -> dict[str, float]:
    """Cap every weight at ``cap`` × the *capped* total (water-filling).

    Capping at a fraction of the raw total would let one relay that claims
    a huge bandwidth keep almost all of it; here the level ``L`` solves
    ``L = cap · Σ min(w_i, L)``, so no relay ends up with more than ``cap``
    of the total whatever it claims. With fewer than ``1/cap`` relays that
    is impossible and the largest are levelled to equal shares.

    >>> w = cap_weights({"a": 1e9, "b": 10, "c": 10, "d": 10, "e": 10}, 0.25)
    >>> round(w["a"] / sum(w.values()), 3)
    0.25
    """
    if not isinstance(weights, dict):
        raise errors.N3TypeError(f"weights must be a dict, not {type(weights).__name__}")
    for rid, w in weights.items():
        check_real(w, f"weights[{rid!r}]")
    check_real(cap, "cap", 0.0, 1.0)
    values = sorted((w for w in weights.values() if w > 0), reverse=True)
    n = len(values)
    if n == 0 or values[0] <= cap * sum(values):
        return dict(weights)
    if n * cap <= 1:  # the cap cannot hold: equal shares is the closest
        level = values[-1]
    else:
        # f(L) = L - cap * sum(min(w, L)) is convex, negative just above 0 and
        # positive at max(w): find its root piece by piece
        suffix = [0.0] * (n + 1)  # suffix[k] = sum of values[k:]
        for i in range(n - 1, -1, -1):
            suffix[i] = suffix[i + 1] + values[i]
        level = values[0]
        for k in range(1, n):  # k = how many relays sit at the cap
            denom = 1.0 - k * cap
            if denom <= 0:
                break
            candidate = cap * suffix[k] / denom
            if values[k] <= candidate <= values[k - 1]:
                level = candidate
                break
    return {rid: min(w, level) for rid, w in weights.items()}


def split_address(address: str) -> tuple[str, int]:
    """``"host:port"`` or ``"[v6]:port"`` → ``(host, port)``.

    >>> split_address("[::1]:80"), split_address("127.1.0.1:9000")
    (('::1', 80), ('127.1.0.1', 9000))
    """
    check_str(address, "address")
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not host:
        raise errors.N3ValueError(f"address {address!r} is not host:port")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    p = int(port)
    if not 0 <= p < 65536:
        raise errors.N3ValueError(f"bad port in {address!r}")
    return host, p


def network_group(address: str, *, v4_prefix: int = 16, v6_prefix: int = 32) -> str:
    """The group two hops of one path must not share.

    >>> network_group("127.3.0.1:1"), network_group("127.3.9.9:2")
    ('127.3.0.0/16', '127.3.0.0/16')
    """
    host, _ = split_address(address)
    check_int(v4_prefix, "v4_prefix", 0, 32)
    check_int(v6_prefix, "v6_prefix", 0, 128)
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return f"host:{host.lower()}"
    prefix = v4_prefix if ip.version == 4 else v6_prefix
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


class PathSelector:
    """Chooses paths through a verified :class:`Directory`.

    Four relays in four networks, two of them run by one operator family:

    >>> import random
    >>> from n3crypto.onion import RelayKey
    >>> keys = [RelayKey.generate(f"127.{i}.0.1:9000") for i in (1, 2, 3, 4)]
    >>> entries = tuple(DirectoryEntry(f"r{i}", k.address, (k.descriptor,),
    ...                                family="acme" if i <= 2 else "")
    ...                 for i, k in zip((1, 2, 3, 4), keys))
    >>> sel = PathSelector(Directory(0, 0, 3600, entries), rng=random.Random(1))
    >>> paths = [{e.relay_id for e in sel.select(3, epoch=0)} for _ in range(20)]
    >>> all(len(p & {"r1", "r2"}) == 1 for p in paths)  # never both "acme" relays
    True
    >>> any("r4" in {e.relay_id for e in sel.select(2, epoch=0, destination="127.4.9.9:80")}
    ...     for _ in range(20))  # never a relay in the destination's network
    False
    >>> [e.relay_id for e in sel.select(1, epoch=0, avoid=["r1", "r2", "r3"])]
    ['r4']
    >>> len(sel.select(3, epoch=0, avoid=["r4"]))  # avoid gives way, the rules do not
    3
    >>> sel.select(4, epoch=0)
    Traceback (most recent call last):
    ...
    n3crypto.errors.UnavailableError: cannot find 4 relays in distinct networks and families
    """

    def __init__(
        self,
        directory: Directory,
        *,
        rng: random.Random | None = None,
        cap: float = 0.1,
        v4_prefix: int = 16,
        v6_prefix: int = 32,
    ) -> None:
        check_type(directory, Directory, "directory")
        check_real(cap, "cap")
        check_int(v4_prefix, "v4_prefix", 0, 32)
        check_int(v6_prefix, "v6_prefix", 0, 128)
        if rng is not None:
            check_type(rng, random.Random, "rng")
        if not 0 < cap <= 1:
            raise errors.N3ValueError("cap must be in (0, 1]")
        self.directory = directory
        self._rng = rng if rng is not None else random.SystemRandom()
        self._v4 = v4_prefix
        self._v6 = v6_prefix
        raw = {e.relay_id: float(e.bandwidth * e.reputation) for e in directory.entries}
        self.weights = cap_weights(raw, cap)

    def group(self, address: str) -> str:
        return network_group(address, v4_prefix=self._v4, v6_prefix=self._v6)

    def select(
        self,
        hops: int,
        *,
        epoch: int,
        destination: str | None = None,
        avoid: Iterable[str] = (),
        also_avoid: Iterable[str] = (),
    ) -> list[DirectoryEntry]:
        """``hops`` relays with a key for ``epoch``, none sharing a group or
        family with each other or with ``destination`` (an address).

        Relay ids in ``avoid`` and ``also_avoid`` are left out if the rules
        can still be met; if not, ``also_avoid`` is given up first, then
        ``avoid`` — the diversity rules never are. Raises UnavailableError
        when they cannot be met at all."""
        if not isinstance(hops, int) or hops < 1:
            raise errors.N3ValueError("hops must be a positive int")
        check_int(epoch, "epoch", 0)
        if destination is not None:
            check_str(destination, "destination")
        strong = set(check_iterable(avoid, "avoid"))
        weak = set(check_iterable(also_avoid, "also_avoid"))
        tiers = [strong | weak, strong, set()]
        last: errors.UnavailableError | None = None
        for i, tier in enumerate(tiers):
            if i and tier == tiers[i - 1]:
                continue
            try:
                return self._select(hops, epoch, destination, tier)
            except errors.UnavailableError as exc:
                last = exc
        assert last is not None
        raise last

    def _select(
        self, hops: int, epoch: int, destination: str | None, avoid: set[str]
    ) -> list[DirectoryEntry]:
        used_groups: set[str] = set()
        if destination is not None:
            used_groups.add(self.group(destination))
        used_families: set[str] = set()
        pool = [
            e
            for e in self.directory.entries
            if e.relay_id not in avoid
            and e.descriptor(epoch) is not None
            and self.weights[e.relay_id] > 0
            and e.address != destination
        ]
        path: list[DirectoryEntry] = []
        for _ in range(hops):
            ok = [
                e
                for e in pool
                if self.group(e.address) not in used_groups
                and (not e.family or e.family not in used_families)
                and e not in path
            ]
            if not ok:
                raise errors.UnavailableError(
                    f"cannot find {hops} relays in distinct networks and families"
                )
            pick = self._rng.choices(ok, weights=[self.weights[e.relay_id] for e in ok])[0]
            path.append(pick)
            used_groups.add(self.group(pick.address))
            if pick.family:
                used_families.add(pick.family)
        return path
