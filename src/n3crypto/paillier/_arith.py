"""Big-integer helpers for the Paillier package (gmpy2 underneath).

Nothing here is constant time: Paillier arithmetic in n3crypto is
variable time by design (see docs/paillier.md, "Threat model").

>>> from n3crypto.paillier._arith import FixedBaseTable, multi_exp
>>> t = FixedBaseTable(3, 1000003, window=4)
>>> t.pow(123456789) == pow(3, 123456789, 1000003)
True
>>> multi_exp([(2, 10), (3, 5)], 1000) == (2**10 * 3**5) % 1000
True
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import gmpy2  # type: ignore[import-untyped]

from n3crypto import errors
from n3crypto._forksafe import new_lock

__all__ = [
    "FixedBaseTable",
    "Progress",
    "crt_pair",
    "generate_prime",
    "invert",
    "is_int",
    "is_probable_prime",
    "jacobi",
    "mpz",
    "multi_exp",
    "powmod",
    "random_below",
    "random_bits",
    "random_unit",
]

Progress = Callable[[str, int], None]
"""``progress(stage, count)``: called during prime search with the stage
name (``"p"``, ``"q"``, ``"h"``) and how many candidates were tried."""

_mpz: Any = gmpy2.mpz
_powmod: Any = gmpy2.powmod
_invert: Any = gmpy2.invert
_is_prime: Any = gmpy2.is_prime
_jacobi: Any = gmpy2.jacobi
_gcd: Any = gmpy2.gcd


MPZ_TYPE: type = type(_mpz(0))


def is_int(x: object) -> bool:
    """True for ``int`` and gmpy2 ``mpz`` (but not ``bool``)."""
    return (isinstance(x, int) and not isinstance(x, bool)) or type(x) is MPZ_TYPE


def mpz(x: int) -> int:
    """``x`` as a gmpy2 integer (typed as ``int``: it behaves like one)."""
    v: int = _mpz(x)
    return v


def powmod(base: int, exp: int, mod: int) -> int:
    """``base**exp % mod`` (negative ``exp`` inverts first)."""
    v: int = _powmod(base, exp, mod)
    return v


def invert(a: int, mod: int) -> int:
    """Inverse of ``a`` modulo ``mod``; :class:`ZeroDivisionError` if none."""
    v: int = _invert(a, mod)
    return v


def gcd(a: int, b: int) -> int:
    v: int = _gcd(a, b)
    return v


def jacobi(a: int, n: int) -> int:
    v: int = int(_jacobi(a, n))
    return v


def is_probable_prime(n: int, reps: int = 40) -> bool:
    """Miller–Rabin with ``reps`` rounds (GMP's ``mpz_probab_prime_p``)."""
    return bool(_is_prime(n, reps))


def random_bits(bits: int) -> int:
    """Uniform in ``[0, 2**bits)`` from the OS CSPRNG."""
    return mpz(secrets.randbits(bits)) if bits > 0 else mpz(0)


def random_below(bound: int) -> int:
    """Uniform in ``[0, bound)`` from the OS CSPRNG."""
    return mpz(secrets.randbelow(int(bound)))


def random_unit(n: int) -> int:
    """Uniform in ``Z_n^*`` (rejection sampling; a non-unit would factor n)."""
    while True:
        r = random_below(n)
        if r > 1 and gcd(r, n) == 1:
            return r


def crt_pair(xp: int, xq: int, p: int, q: int, p_inv_mod_q: int) -> int:
    """The ``x mod p*q`` with ``x ≡ xp (mod p)``, ``x ≡ xq (mod q)`` (Garner)."""
    return xp + ((xq - xp) * p_inv_mod_q % q) * p


def multi_exp(pairs: Sequence[tuple[int, int]], mod: int) -> int:
    """``∏ base**exp mod mod`` for non-negative exponents, sharing the squarings.

    Few bases: Straus' interleaved windows. Many bases (batch verification):
    Pippenger's bucket method, about one multiplication per base and window.
    """
    if not pairs:
        return mpz(1)
    maxbits = max(int(e).bit_length() for _, e in pairs)
    if maxbits == 0:
        return mpz(1)
    if len(pairs) > 32:
        return _pippenger(pairs, mod, maxbits)
    w = 2 if maxbits <= 16 else 3 if maxbits <= 96 else 4
    size = 1 << w
    mask = size - 1
    tables: list[list[int]] = []
    exps: list[int] = []
    for b, e in pairs:
        b = mpz(b) % mod
        row = [mpz(1), b]
        for _ in range(size - 2):
            row.append(row[-1] * b % mod)
        tables.append(row)
        exps.append(mpz(e))
    acc = mpz(1)
    started = False
    for i in range((maxbits + w - 1) // w - 1, -1, -1):
        if started:
            for _ in range(w):
                acc = acc * acc % mod
        shift = i * w
        for row, e in zip(tables, exps, strict=True):
            d = int((e >> shift) & mask)
            if d:
                acc = acc * row[d] % mod
                started = True
    return acc


def _pippenger(pairs: Sequence[tuple[int, int]], mod: int, maxbits: int) -> int:
    w = max(4, min(12, len(pairs).bit_length() - 3))
    mask = (1 << w) - 1
    bases = [mpz(b) % mod for b, _ in pairs]
    exps = [int(e) for _, e in pairs]
    result = None
    for i in range((maxbits + w - 1) // w - 1, -1, -1):
        if result is not None:
            for _ in range(w):
                result = result * result % mod
        shift = i * w
        buckets: dict[int, int] = {}
        for b, e in zip(bases, exps, strict=True):
            d = (e >> shift) & mask
            if d:
                got = buckets.get(d)
                buckets[d] = b if got is None else got * b % mod
        if not buckets:
            continue
        # ∏_d bucket[d]^d by running products from the top digit down.
        running = None
        acc = None
        prev = None
        for d in sorted(buckets, reverse=True):
            if running is not None and prev is not None:
                # running^(prev - d): the gap between consecutive used digits
                gap = prev - d
                acc = running if acc is None else acc * running % mod
                if gap > 1:
                    acc = acc * powmod(running, gap - 1, mod) % mod
            running = buckets[d] if running is None else running * buckets[d] % mod
            prev = d
        assert running is not None and prev is not None
        acc = running if acc is None else acc * running % mod
        if prev > 1:
            acc = acc * powmod(running, prev - 1, mod) % mod
        result = acc if result is None else result * acc % mod
    return mpz(1) if result is None else result


class FixedBaseTable:
    """Powers of one fixed base, for exponentiation by table look-up.

    Row ``i`` holds ``base**(d * 2**(w*i))`` for every ``w``-bit digit ``d``,
    so ``base**e`` costs one multiplication per non-zero digit of ``e`` and no
    squarings. Rows are built on demand (thread-safe), so a table sized for
    ⌈k/2⌉-bit encryption exponents grows once when a proof needs longer ones.
    Memory is about ``(bits / w) * 2**w`` residues.
    """

    __slots__ = ("__weakref__", "_base", "_lock", "_mod", "_rows", "_window")

    def __init__(self, base: int, mod: int, *, window: int = 8) -> None:
        if window not in (4, 8):
            raise errors.N3ValueError("window must be 4 or 8 bits")
        self._base = mpz(base) % mod
        self._mod = mpz(mod)
        self._window = window
        self._rows: list[list[int]] = []
        self._lock = new_lock(self)

    @property
    def bits(self) -> int:
        """Exponent length (in bits) covered without growing the table."""
        return len(self._rows) * self._window

    def ensure(self, bits: int) -> None:
        """Build rows so exponents of up to ``bits`` bits need no growth."""
        need = (bits + self._window - 1) // self._window
        if need <= len(self._rows):
            return
        with self._lock:
            mod = self._mod
            size = 1 << self._window
            while len(self._rows) < need:
                if self._rows:
                    prev = self._rows[-1]
                    g = prev[size - 1] * prev[1] % mod  # base**(2**(w*i))
                else:
                    g = self._base
                row = [mpz(1), g]
                for _ in range(size - 2):
                    row.append(row[-1] * g % mod)
                self._rows.append(row)

    def pow(self, exp: int) -> int:
        """``base**exp mod mod`` for ``exp >= 0``."""
        if exp < 0:
            raise errors.N3ValueError("fixed-base exponent must be non-negative")
        exp = int(exp)
        nbits = exp.bit_length()
        if nbits > self.bits:
            self.ensure(nbits)
        mod = self._mod
        rows = self._rows
        acc = None
        if self._window == 8:
            digits: Iterable[int] = exp.to_bytes((nbits + 7) // 8 or 1, "little")
        else:
            digits = (
                d
                for byte in exp.to_bytes((nbits + 7) // 8 or 1, "little")
                for d in (byte & 15, byte >> 4)
            )
        for row, d in zip(rows, digits, strict=False):
            if d:
                acc = row[d] if acc is None else acc * row[d] % mod
        return mpz(1) if acc is None else acc


# ---------------------------------------------------------------- primes

_SMALL_PRIMES: list[int] = []


def _small_primes(limit: int = 1 << 15) -> list[int]:
    if not _SMALL_PRIMES:
        sieve = bytearray([1]) * limit
        sieve[0:2] = b"\x00\x00"
        for i in range(2, math.isqrt(limit) + 1):
            if sieve[i]:
                sieve[i * i :: i] = bytearray(len(sieve[i * i :: i]))
        _SMALL_PRIMES.extend(i for i in range(3, limit) if sieve[i])
    return _SMALL_PRIMES


def generate_prime(
    bits: int,
    *,
    safe: bool,
    progress: Progress | None = None,
    stage: str = "p",
) -> int:
    """A random prime of exactly ``bits`` bits whose two top bits are set
    (so two of them multiply to ``2*bits`` bits) and ``≡ 3 (mod 4)``.

    ``safe=True`` returns a safe prime ``p = 2p' + 1`` (``p'`` prime), found by
    sieving ``p'`` and ``2p'+1`` together against the primes below 2**15, then
    a base-2 Fermat test on each and 40 Miller–Rabin rounds on the survivor
    pair. ``progress(stage, candidates)`` is called every 256 candidates.
    """
    import numpy as np

    if bits < 16:
        raise errors.N3ValueError("prime size too small")
    primes = _small_primes()
    span = 1 << 14  # offsets examined per random start
    tried = 0
    qbits = bits - 1 if safe else bits
    while True:
        # Random odd start with the top two bits of the final prime set.
        start = secrets.randbits(qbits) | (3 << (qbits - 2)) | 1
        if not safe:
            start |= 2  # p ≡ 3 (mod 4)
        # candidate(k) = start + 4k keeps the residue mod 4 fixed.
        alive = np.ones(span, dtype=bool)
        for ell in primes:
            if ell > (1 << (qbits - 2)):
                break
            r = start % ell
            inv4 = pow(4, -1, ell)
            # start + 4k ≡ 0 (mod ell)
            k0 = (-r * inv4) % ell
            alive[k0::ell] = False
            if safe:
                # 2(start + 4k) + 1 ≡ 0 (mod ell)  ⇔  start + 4k ≡ (ell-1)/2
                k1 = (((ell - 1) // 2 - r) * inv4) % ell
                alive[k1::ell] = False
        two = mpz(2)
        for k in np.flatnonzero(alive):
            cand = mpz(start + 4 * int(k))
            if cand.bit_length() != qbits:
                break
            tried += 1
            if progress is not None and tried % 256 == 0:
                progress(stage, tried)
            if powmod(two, cand - 1, cand) != 1:
                continue
            if not safe:
                if is_probable_prime(cand):
                    if progress is not None:
                        progress(stage, tried)
                    return cand
                continue
            p = 2 * cand + 1
            if powmod(two, p - 1, p) != 1:
                continue
            if is_probable_prime(cand) and is_probable_prime(p):
                if progress is not None:
                    progress(stage, tried)
                return p
