"""Paillier keys and ciphertexts (g = n + 1), on gmpy2.

Encryption is ``c = (1 + n)^m · ρ mod n²`` where the *obfuscator* ρ is drawn
in one of two modes, fixed per key or per round and never mixed (the two
distributions are told apart by the Jacobi symbol of ``c mod n``):

``standard``
    ρ = r^n for uniform r ∈ Z_n^* — exactly python-paillier's ciphertexts.
``fast``
    ρ = h_s^r (Damgård–Jurik–Nielsen) with ``h_s = h^n mod n²`` part of the
    public key and r a ⌈k/2⌉-bit integer (k = bits of n), computed from a
    fixed-base table built once per key; ``short_exponent=True`` opts into a
    shorter r under the short-exponent assumption (docs/paillier.md).

Every :class:`EncryptedNumber` carries a *public bound* on ``|mantissa|``;
additions and scalings add and multiply the bounds, and an operation whose
bound could pass ``max_int = ⌊n/3⌋ - 1`` raises :class:`PaillierOverflowError`
before it happens, so a wrap mod n can never occur silently.

>>> from n3crypto.paillier import generate_keypair
>>> pub, priv = generate_keypair(512, allow_insecure_size=True)
>>> a = pub.encrypt(20, bound=100)
>>> b = pub.encrypt(-3.5)
>>> priv.decrypt(a + b), priv.decrypt(a * 3 - 7), priv.decrypt(a + a)
(16.5, 53, 40)
>>> priv.decrypt(pub.encrypt(5, mode="fast") + pub.encrypt(6, mode="fast"))
11
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from fractions import Fraction
from typing import Any, Literal

from n3crypto import errors
from n3crypto._check import check_callable, check_int, check_iterable, check_type
from n3crypto._forksafe import new_lock
from n3crypto.paillier import _codec
from n3crypto.paillier import pool as _pool
from n3crypto.paillier._arith import (
    FixedBaseTable,
    Progress,
    crt_pair,
    gcd,
    generate_prime,
    invert,
    is_int,
    is_probable_prime,
    jacobi,
    mpz,
    powmod,
    random_below,
    random_bits,
    random_unit,
)
from n3crypto.paillier.encoding import BASE, EncodedNumber, check_exponent, max_int_for

__all__ = [
    "DEFAULT_BOUND_STEP",
    "MIN_SECURE_BITS",
    "EncryptedNumber",
    "Mode",
    "PaillierOverflowError",
    "PaillierPrivateKey",
    "PaillierPublicKey",
    "generate_keypair",
    "security_bits",
]

Mode = Literal["standard", "fast"]
MODES: tuple[str, ...] = ("standard", "fast")

MIN_SECURE_BITS = 2048
"""Smallest modulus accepted without ``allow_insecure_size=True``."""
MIN_INSECURE_BITS = 512
"""Hard floor: proofs need primes longer than their 128-bit challenges."""
MAX_BITS = 1 << 15
"""Largest modulus generated (32768 bits, far past 256-bit security)."""
DEFAULT_BOUND_STEP = 64
"""Without an explicit ``bound=``, a fresh ciphertext's bound is the smallest
``2**(64·j) - 1`` covering ``|mantissa|`` (reveals only the 64-bit size class)."""

_KEY_VERSION = 1


class PaillierOverflowError(errors.N3ValueError, OverflowError):
    """An operation's public bound could pass ``max_int``: refused before it
    could wrap (a wrap is invisible in a ciphertext)."""


def security_bits(n_bits: int) -> int:
    """Approximate security level of a modulus (NIST SP 800-57 Part 1).

    >>> [security_bits(k) for k in (1024, 2048, 3072, 4096, 7680)]
    [80, 112, 128, 128, 192]
    """
    check_int(n_bits, "n_bits", 0)
    for k, s in ((15360, 256), (7680, 192), (3072, 128), (2048, 112), (1024, 80)):
        if n_bits >= k:
            return s
    return 64


def _small_factor_product() -> int:
    from n3crypto.paillier._arith import _small_primes

    prod = 2
    for p in _small_primes(1 << 12):
        prod *= p
    return prod


_PRIMORIAL: list[int] = []


def _check_modulus(n: int, allow_insecure_size: bool) -> None:
    if isinstance(n, bool) or not isinstance(n, int):
        raise errors.N3TypeError("modulus must be an int")
    k = n.bit_length()
    if k < MIN_INSECURE_BITS:
        raise errors.InvalidKey(f"modulus of {k} bits is below the hard floor of 512")
    if k < MIN_SECURE_BITS and not allow_insecure_size:
        raise errors.InvalidKey(
            f"modulus of {k} bits is insecure (< {MIN_SECURE_BITS}); "
            "pass allow_insecure_size=True for tests and demos only"
        )
    if not _PRIMORIAL:
        _PRIMORIAL.append(_small_factor_product())
    if gcd(n, _PRIMORIAL[0]) != 1:
        raise errors.InvalidKey("modulus has a small factor")
    if is_probable_prime(n, 2):
        raise errors.InvalidKey("modulus is prime")


def _check_integer(x: object, what: str) -> None:
    if not is_int(x):
        raise errors.N3TypeError(f"{what} must be an int, not {type(x).__name__}")


def _bound_for(mantissa: int) -> int:
    step = DEFAULT_BOUND_STEP
    bits = max(abs(mantissa).bit_length(), 1)
    return (1 << (step * ((bits + step - 1) // step))) - 1


class PaillierPublicKey:
    """The public key ``n`` (g = n + 1) and, for ``fast`` mode, ``h``.

    ``h`` is a public element of Jacobi symbol +1 (``-x² mod n``); the DJN base
    ``h_s = h^n mod n²`` is recomputed from it on construction, so anyone can
    check that ``h_s`` is an n-th residue — proofs in ``fast`` mode rely on it.

    >>> from n3crypto.paillier.keys import PaillierPublicKey, generate_keypair
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)   # tests only
    >>> pub.bits, pub.supports_fast, pub.max_int == pub.n // 3 - 1
    (512, True, True)
    >>> total = pub.sum([pub.encrypt(v, mode="fast") for v in (3, 4, 5)])
    >>> priv.decrypt(total)
    12
    >>> blob = pub.to_bytes()
    >>> PaillierPublicKey.from_bytes(blob, allow_insecure_size=True) == pub
    True
    >>> PaillierPublicKey.from_bytes(blob)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidKey: modulus of 512 bits is insecure (< 2048); pass ...
    """

    __slots__ = (
        "__weakref__",
        "_fingerprint",
        "_lock",
        "_nint",
        "_table",
        "h",
        "hs",
        "max_int",
        "n",
        "nsquare",
    )

    def __init__(self, n: int, *, h: int | None = None, allow_insecure_size: bool = False) -> None:
        _check_modulus(n, allow_insecure_size)
        self.n = mpz(n)
        self._nint = int(n)
        self.nsquare = self.n * self.n
        self.max_int = max_int_for(int(n))
        self.h: int | None = None
        self.hs: int | None = None
        if h is not None:
            if isinstance(h, bool) or not isinstance(h, int):
                raise errors.N3TypeError("h must be an int")
            if not 1 < h < n - 1 or gcd(h, n) != 1 or jacobi(h, n) != 1:
                raise errors.InvalidKey("h must be a unit of Jacobi symbol +1, not ±1")
            self.h = mpz(h)
            self.hs = powmod(self.h, self.n, self.nsquare)
        self._table: FixedBaseTable | None = None
        self._lock = new_lock(self)
        blob = _codec.fields(_codec.uint(self.n), _codec.uint(self.h or 0))
        self._fingerprint = hashlib.sha256(b"n3crypto/paillier/public-key\x00" + blob).digest()

    # -- identity --------------------------------------------------------
    @property
    def g(self) -> int:
        return self.n + 1

    @property
    def bits(self) -> int:
        """Bit length k of n."""
        return int(self.n.bit_length())

    @property
    def fingerprint(self) -> bytes:
        """SHA-256 over (n, h): names this key in ciphertexts and transcripts."""
        return self._fingerprint

    @property
    def supports_fast(self) -> bool:
        return self.hs is not None

    @property
    def fast_exponent_bits(self) -> int:
        """DJN's default randomness length ⌈k/2⌉."""
        return (self.bits + 1) // 2

    @property
    def short_exponent_bits(self) -> int:
        """Opt-in short randomness: ``max(256, 2·security_bits(k))`` bits."""
        return max(256, 2 * security_bits(self.bits))

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PaillierPublicKey):
            return NotImplemented
        return self.n == other.n and self.h == other.h

    def __hash__(self) -> int:
        return hash((int(self.n), int(self.h or 0)))

    def __repr__(self) -> str:
        modes = "standard+fast" if self.supports_fast else "standard"
        return f"<PaillierPublicKey {self.bits}-bit {modes} {self._fingerprint[:6].hex()}>"

    def same_modulus(self, other: PaillierPublicKey) -> bool:
        check_type(other, PaillierPublicKey, "other")
        return bool(self.n == other.n)

    # -- randomness ------------------------------------------------------
    def table(self) -> FixedBaseTable:
        """The fixed-base table for ``h_s`` (built on first use)."""
        if self.hs is None:
            raise errors.N3ValueError(
                "this key has no DJN base h (keys imported from phe support only 'standard')"
            )
        if self._table is None:
            with self._lock:
                if self._table is None:
                    self._table = FixedBaseTable(self.hs, self.nsquare, window=8)
        return self._table

    def exponent_bits(self, short_exponent: bool) -> int:
        return self.short_exponent_bits if short_exponent else self.fast_exponent_bits

    def _obfuscator(self, mode: str, short_exponent: bool = False) -> tuple[int, int]:
        """(ρ, witness): ρ = r^n (witness r) or h_s^r (witness r)."""
        if mode == "standard":
            if short_exponent:
                raise errors.N3ValueError("short_exponent applies to mode='fast' only")
            got = _pool.take(self, "standard", 0)
            if got is not None:
                return got
            r = random_unit(self.n)
            return powmod(r, self.n, self.nsquare), r
        if mode == "fast":
            bits = self.exponent_bits(short_exponent)
            got = _pool.take(self, "fast", bits)
            if got is not None:
                return got
            r = random_bits(bits)
            return self.table().pow(r), r
        raise errors.N3ValueError(f"mode must be one of {MODES}, not {mode!r}")

    # -- encryption ------------------------------------------------------
    def _encode(self, value: Any, precision: float | None) -> EncodedNumber:
        if type(value) is int and precision is None and -self.max_int <= value <= self.max_int:
            return EncodedNumber(self._nint, value % self._nint, 0)  # fast path, same result
        if isinstance(value, EncodedNumber):
            if value.n != self.n:
                raise errors.InvalidKey("value was encoded for a different key")
            return value
        return EncodedNumber.encode(int(self.n), value, precision)

    def raw_gm(self, m: int) -> int:
        """``(1 + n)^m mod n²`` for a signed ``m`` with ``|m| < n``."""
        _check_integer(m, "m")
        return (1 + (m % self.n) * self.n) % self.nsquare

    def _encrypt_mantissa(self, mantissa: int, mode: str, short_exponent: bool) -> tuple[int, int]:
        rho, w = self._obfuscator(mode, short_exponent)
        return self.raw_gm(mantissa) * rho % self.nsquare, w

    def encrypt(
        self,
        value: int | float | Fraction | EncodedNumber,
        mode: Mode = "standard",
        *,
        precision: float | None = None,
        bound: int | None = None,
        short_exponent: bool = False,
    ) -> EncryptedNumber:
        """Encrypt an int, float (phe-compatible encoding) or EncodedNumber.

        ``bound`` is the public bound on ``|mantissa|`` that arithmetic
        tracks; by default the smallest ``2**(64j) - 1`` that covers the value.
        """
        enc = self._encode(value, precision)
        mant = enc.mantissa
        b = self._check_bound(mant, bound)
        c, _ = self._encrypt_mantissa(mant, mode, short_exponent)
        return EncryptedNumber(self, c, enc.exponent, bound=b, mode=mode, _trusted=True)

    def _check_bound(self, mantissa: int, bound: int | None) -> int:
        if bound is None:
            bound = min(_bound_for(mantissa), self.max_int)
        if isinstance(bound, bool) or not isinstance(bound, int):
            raise errors.N3TypeError("bound must be an int")
        if not 0 <= bound <= self.max_int:
            raise PaillierOverflowError("bound must lie in [0, max_int]")
        if abs(mantissa) > bound:
            raise errors.N3ValueError("|value| exceeds the declared bound")
        return bound

    def encrypt_with_proof(
        self,
        value: int,
        allowed: Iterable[int],
        context: bytes,
        mode: Mode = "standard",
        *,
        short_exponent: bool = False,
    ) -> tuple[EncryptedNumber, MembershipProof]:
        """Encrypt an integer and prove it lies in the public set ``allowed``
        (see :func:`n3crypto.paillier.proofs.encrypt_with_proof`)."""
        from n3crypto.paillier.proofs import encrypt_with_proof

        return encrypt_with_proof(
            self, value, allowed, context, mode, short_exponent=short_exponent
        )

    def sum(self, items: Iterable[EncryptedNumber]) -> EncryptedNumber:
        """Homomorphic sum of many ciphertexts in one pass (same exponent
        required; bounds add). Faster than ``sum()`` over ``+``."""
        nsq = self.nsquare
        acc = mpz(1)
        bound = 0
        exp: int | None = None
        mode: str | None = None
        count = 0
        trusted = True
        for x in check_iterable(items, "items"):
            if not isinstance(x, EncryptedNumber):
                raise errors.N3TypeError("sum() takes EncryptedNumbers")
            if x.public_key is not self and not self.same_modulus(x.public_key):
                raise errors.InvalidKey("ciphertext belongs to a different public key")
            if exp is None:
                exp, mode = x.exponent, x.mode
            elif x.exponent != exp:
                raise errors.N3ValueError("sum() needs equal exponents; align them first")
            elif x.mode != mode:
                raise errors.N3ValueError("cannot mix 'standard' and 'fast' ciphertexts")
            acc = acc * x._c % nsq
            bound += x.bound
            count += 1
            trusted = trusted and x._bound_trusted
        if count == 0:
            return EncryptedNumber(self, mpz(1), 0, bound=0, mode="standard", _trusted=True)
        if bound > self.max_int:
            raise PaillierOverflowError("the sum's bound would pass max_int")
        assert exp is not None and mode is not None
        out = EncryptedNumber(self, acc, exp, bound=bound, mode=mode, _trusted=True)
        out._bound_trusted = trusted
        return out

    # -- interop & serialization -------------------------------------------
    @classmethod
    def from_phe(cls, key: Any, *, allow_insecure_size: bool = False) -> PaillierPublicKey:
        """From a ``phe.PaillierPublicKey`` (standard mode only: phe has no h)."""
        n: Any = getattr(key, "n", None)
        if not is_int(n) or getattr(key, "g", None) != n + 1:
            raise errors.N3TypeError("expected a phe PaillierPublicKey with g = n + 1")
        return cls(int(n), allow_insecure_size=allow_insecure_size)

    def to_phe(self) -> Any:
        """As a ``phe.PaillierPublicKey`` (fast mode's h does not carry over,
        but phe decrypts fast-mode ciphertexts all the same)."""
        import phe  # type: ignore[import-untyped]

        return phe.PaillierPublicKey(int(self.n))

    def to_bytes(self) -> bytes:
        from n3crypto import envelope

        body = _codec.fields(_codec.uint(self.n), _codec.uint(self.h or 0))
        return envelope.pack("paillier-public-key", _KEY_VERSION, body)

    __bytes__ = to_bytes

    @classmethod
    def from_bytes(cls, blob: bytes, *, allow_insecure_size: bool = False) -> PaillierPublicKey:
        r = _codec.open_envelope(blob, "paillier-public-key")
        n, h = r.uint(), r.uint()
        r.done()
        return cls(n, h=h or None, allow_insecure_size=allow_insecure_size)

    def to_json(self) -> str:
        body = {"n": _codec.int_to_json(self.n), "h": _codec.int_to_json(self.h or 0)}
        return _codec.dump_json("paillier-public-key", _KEY_VERSION, body)

    @classmethod
    def from_json(
        cls, text: str | bytes, *, allow_insecure_size: bool = False
    ) -> PaillierPublicKey:
        obj = _codec.load_json(text, "paillier-public-key", ("n", "h"))
        n = _codec.int_from_json(obj["n"], "n")
        h = _codec.int_from_json(obj["h"], "h")
        return cls(n, h=h or None, allow_insecure_size=allow_insecure_size)


class EncryptedNumber:
    """A ciphertext with its exponent (phe-style fixed point), its public
    bound on ``|mantissa|`` and its randomness mode.

    Supports ``+``/``-`` with ciphertexts and plaintexts, ``*`` and ``/`` by
    plaintexts. Results of plaintext operations are re-randomized lazily
    before they leave the object (:meth:`ciphertext`, serialization), like phe.

    >>> from n3crypto.paillier.keys import EncryptedNumber, generate_keypair
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)   # tests only
    >>> a = pub.encrypt(7, bound=10)
    >>> a.bound, (a * 3 + a).bound                # public bounds follow the arithmetic
    (10, 40)
    >>> priv.decrypt(a * 3 - 1), priv.decrypt(a / 2), priv.decrypt(a + 0.25)
    (20, 3.5, 7.25)
    >>> received = EncryptedNumber.from_bytes(pub, a.to_bytes())
    >>> priv.decrypt(received), received.bound
    (7, 10)
    >>> huge = pub.encrypt(1, bound=pub.max_int)
    >>> huge + huge  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.paillier.keys.PaillierOverflowError: result bound 2^... could pass max_int: refused
    """

    __slots__ = ("_bound_trusted", "_c", "_obfuscated", "bound", "exponent", "mode", "public_key")

    def __init__(
        self,
        public_key: PaillierPublicKey,
        ciphertext: int,
        exponent: int = 0,
        *,
        bound: int | None = None,
        mode: str = "standard",
        _trusted: bool = False,
    ) -> None:
        if not isinstance(public_key, PaillierPublicKey):
            raise errors.N3TypeError("public_key must be a PaillierPublicKey")
        check_exponent(exponent)
        if mode not in MODES:
            raise errors.N3ValueError(f"mode must be one of {MODES}")
        if bound is None:
            bound = public_key.max_int
        if isinstance(bound, bool) or not isinstance(bound, int):
            raise errors.N3TypeError("bound must be an int")
        if not 0 <= bound <= public_key.max_int:
            raise PaillierOverflowError("bound must lie in [0, max_int]")
        if not _trusted:
            if not is_int(ciphertext):
                raise errors.N3TypeError("ciphertext must be an int")
            if not 0 < ciphertext < public_key.nsquare:
                raise errors.InvalidEncoding("ciphertext must lie in (0, n²)")
            if gcd(ciphertext, public_key.n) != 1:
                raise errors.InvalidEncoding("ciphertext is not a unit mod n²")
        self.public_key = public_key
        self._c = mpz(ciphertext)
        self.exponent = exponent
        self.bound = bound
        self.mode = mode
        self._obfuscated = True
        # A bound is trusted when this process computed it (encryption, arithmetic,
        # verified proofs); bounds read from the wire or from phe are claims.
        self._bound_trusted = _trusted

    def __repr__(self) -> str:
        return (
            f"<EncryptedNumber {self.mode} exponent={self.exponent} "
            f"bound<2^{self.bound.bit_length()} key={self.public_key.fingerprint[:6].hex()}>"
        )

    # -- raw access --------------------------------------------------------
    def ciphertext(self, be_secure: bool = True) -> int:
        """The ciphertext integer (re-randomized first if it came from a
        plaintext operation and ``be_secure``)."""
        if be_secure and not self._obfuscated:
            self.rerandomize(in_place=True)
        return int(self._c)

    def rerandomize(self, *, in_place: bool = False) -> EncryptedNumber:
        """Multiply in a fresh obfuscator of the same mode."""
        pk = self.public_key
        rho, _ = pk._obfuscator(self.mode)
        c = self._c * rho % pk.nsquare
        if in_place:
            self._c = c
            self._obfuscated = True
            return self
        out = EncryptedNumber(pk, c, self.exponent, bound=self.bound, mode=self.mode, _trusted=True)
        out._bound_trusted = self._bound_trusted
        return out

    def _derived(
        self,
        c: int,
        exponent: int,
        bound: int,
        obfuscated: bool,
        other: EncryptedNumber | None = None,
    ) -> EncryptedNumber:
        if bound > self.public_key.max_int:
            raise PaillierOverflowError(
                f"result bound 2^{bound.bit_length()} could pass max_int: refused"
            )
        out = EncryptedNumber(
            self.public_key, c, exponent, bound=bound, mode=self.mode, _trusted=True
        )
        out._obfuscated = obfuscated
        out._bound_trusted = self._bound_trusted and (other is None or other._bound_trusted)
        return out

    # -- arithmetic --------------------------------------------------------
    def _check_peer(self, other: EncryptedNumber) -> None:
        if other.public_key is not self.public_key and not self.public_key.same_modulus(
            other.public_key
        ):
            raise errors.InvalidKey("ciphertexts belong to different public keys")
        if other.mode != self.mode:
            raise errors.N3ValueError(
                "cannot mix 'standard' and 'fast' ciphertexts (their distributions differ)"
            )

    def decrease_exponent_to(self, new_exp: int) -> EncryptedNumber:
        """Same value, smaller exponent (mantissa and bound times 16**d)."""
        check_exponent(new_exp, "new_exp")
        if new_exp > self.exponent:
            raise errors.N3ValueError("an exponent can only be decreased")
        if new_exp == self.exponent:
            return self
        if self.bound and self.bound.bit_length() + 4 * (self.exponent - new_exp) - 1 > (
            self.public_key.max_int.bit_length()
        ):
            raise PaillierOverflowError("decreasing the exponent this far would pass max_int")
        factor = BASE ** (self.exponent - new_exp)
        c = powmod(self._c, factor, self.public_key.nsquare)
        return self._derived(c, new_exp, self.bound * factor, self._obfuscated)

    def __add__(self, other: object) -> EncryptedNumber:
        pk = self.public_key
        if isinstance(other, EncryptedNumber):
            self._check_peer(other)
            a, b = self, other
            if a.exponent > b.exponent:
                a = a.decrease_exponent_to(b.exponent)
            elif b.exponent > a.exponent:
                b = b.decrease_exponent_to(a.exponent)
            c = a._c * b._c % pk.nsquare
            return a._derived(c, a.exponent, a.bound + b.bound, a._obfuscated or b._obfuscated, b)
        if isinstance(other, EncodedNumber):
            enc = pk._encode(other, None)
        elif isinstance(other, int | float | Fraction) and not isinstance(other, bool):
            enc = EncodedNumber.encode(int(pk.n), other, max_exponent=self.exponent)
        else:
            return NotImplemented
        a = self
        if a.exponent > enc.exponent:
            a = a.decrease_exponent_to(enc.exponent)
        elif enc.exponent > a.exponent:
            enc = enc.decrease_exponent_to(a.exponent)
        mant = enc.mantissa
        c = a._c * pk.raw_gm(mant) % pk.nsquare
        return a._derived(c, a.exponent, a.bound + abs(mant), False)

    def __radd__(self, other: object) -> EncryptedNumber:
        if isinstance(other, int) and not isinstance(other, bool) and other == 0:
            return self  # so builtin sum() works
        return self.__add__(other)

    def __neg__(self) -> EncryptedNumber:
        c = invert(self._c, self.public_key.nsquare)
        return self._derived(c, self.exponent, self.bound, self._obfuscated)

    def __sub__(self, other: object) -> EncryptedNumber:
        if isinstance(other, EncryptedNumber):
            return self + (-other)
        if isinstance(other, int | float | Fraction | EncodedNumber) and not isinstance(
            other, bool
        ):
            if isinstance(other, EncodedNumber):
                return self + EncodedNumber(other.n, (-other.mantissa) % other.n, other.exponent)
            return self + (-other)
        return NotImplemented

    def __rsub__(self, other: object) -> EncryptedNumber:
        return (-self).__add__(other)

    def __mul__(self, other: object) -> EncryptedNumber:
        pk = self.public_key
        if isinstance(other, EncryptedNumber):
            raise errors.N3TypeError("Paillier cannot multiply two ciphertexts")
        if isinstance(other, EncodedNumber):
            enc = pk._encode(other, None)
        elif isinstance(other, int | float | Fraction) and not isinstance(other, bool):
            enc = EncodedNumber.encode(int(pk.n), other)
        else:
            return NotImplemented
        k = enc.mantissa
        bound = self.bound * abs(k)
        if bound > pk.max_int:
            raise PaillierOverflowError("the product's bound could pass max_int: refused")
        if k >= 0:
            c = powmod(self._c, k, pk.nsquare)
        else:
            c = powmod(invert(self._c, pk.nsquare), -k, pk.nsquare)
        return self._derived(c, self.exponent + enc.exponent, bound, False)

    def __rmul__(self, other: object) -> EncryptedNumber:
        return self.__mul__(other)

    def __truediv__(self, scalar: object) -> EncryptedNumber:
        if isinstance(scalar, int | float | Fraction) and not isinstance(scalar, bool):
            if scalar == 0:
                raise errors.N3ValueError("division by zero")
            return self.__mul__(1 / scalar)
        return NotImplemented

    @classmethod
    def sum(cls, items: Iterable[EncryptedNumber]) -> EncryptedNumber:
        """Fast homomorphic sum (see :meth:`PaillierPublicKey.sum`)."""
        items = check_iterable(items, "items")
        if not items:
            raise errors.N3ValueError("sum of no ciphertexts: use public_key.sum([])")
        first = check_type(items[0], EncryptedNumber, "items[0]")
        return first.public_key.sum(items)

    # -- interop & serialization ---------------------------------------------
    @classmethod
    def from_phe(
        cls,
        number: Any,
        public_key: PaillierPublicKey | None = None,
        *,
        bound: int | None = None,
    ) -> EncryptedNumber:
        """From a ``phe.EncryptedNumber``. phe carries no bound: pass ``bound=``
        (the largest ``|mantissa|`` it can hold) to do arithmetic; without it
        the bound is ``max_int`` and any further addition is refused."""
        pk_phe = getattr(number, "public_key", None)
        if pk_phe is None or not hasattr(number, "ciphertext"):
            raise errors.N3TypeError("expected a phe EncryptedNumber")
        if public_key is None:
            public_key = PaillierPublicKey.from_phe(pk_phe, allow_insecure_size=True)
        elif not isinstance(public_key, PaillierPublicKey):
            raise errors.N3TypeError(
                f"public_key must be a PaillierPublicKey, not {type(public_key).__name__}"
            )
        elif int(pk_phe.n) != int(public_key.n):
            raise errors.InvalidKey("phe ciphertext is under a different public key")
        c = number.ciphertext(be_secure=False)
        out = cls(public_key, int(c), int(number.exponent), bound=bound, mode="standard")
        out._obfuscated = bool(getattr(number, "_EncryptedNumber__is_obfuscated", False))
        return out

    def to_phe(self, public_key: Any = None) -> Any:
        """As a ``phe.EncryptedNumber`` (re-randomized first if needed)."""
        import phe

        pk = public_key if public_key is not None else self.public_key.to_phe()
        if not isinstance(pk, phe.PaillierPublicKey):
            raise errors.N3TypeError(
                f"public_key must be a phe PaillierPublicKey, not {type(pk).__name__}"
            )
        return phe.EncryptedNumber(pk, self.ciphertext(), self.exponent)

    def to_bytes(self) -> bytes:
        """Compact form: key fingerprint, mode, exponent, bound, ciphertext."""
        from n3crypto import envelope

        pk = self.public_key
        width = (pk.nsquare.bit_length() + 7) // 8
        body = _codec.fields(
            pk.fingerprint[:16],
            self.mode.encode(),
            _codec.sint(self.exponent),
            _codec.uint(self.bound),
            self.ciphertext().to_bytes(width, "big"),
        )
        return envelope.pack("paillier-ciphertext", 1, body)

    __bytes__ = to_bytes

    @classmethod
    def from_bytes(cls, public_key: PaillierPublicKey, blob: bytes) -> EncryptedNumber:
        check_type(public_key, PaillierPublicKey, "public_key")
        r = _codec.open_envelope(blob, "paillier-ciphertext")
        fp, mode = r.blob(), r.text()
        exponent, bound, raw = r.sint(), r.uint(), r.blob()
        r.done()
        if fp != public_key.fingerprint[:16]:
            raise errors.InvalidKey("ciphertext was made under a different public key")
        if len(raw) != (public_key.nsquare.bit_length() + 7) // 8:
            raise errors.InvalidEncoding("ciphertext has the wrong width for this key")
        try:
            return cls(public_key, int.from_bytes(raw, "big"), exponent, bound=bound, mode=mode)
        except (errors.N3ValueError, errors.N3TypeError) as exc:
            if isinstance(exc, errors.InvalidEncoding | errors.InvalidKey):
                raise
            raise errors.InvalidEncoding(f"invalid ciphertext: {exc}") from None

    def to_json(self) -> str:
        body = {
            "key": self.public_key.fingerprint[:16].hex(),
            "mode": self.mode,
            "exponent": self.exponent,
            "bound": _codec.int_to_json(self.bound),
            "ciphertext": _codec.int_to_json(self.ciphertext()),
        }
        return _codec.dump_json("paillier-ciphertext", 1, body)

    @classmethod
    def from_json(cls, public_key: PaillierPublicKey, text: str | bytes) -> EncryptedNumber:
        check_type(public_key, PaillierPublicKey, "public_key")
        keys = ("key", "mode", "exponent", "bound", "ciphertext")
        obj = _codec.load_json(text, "paillier-ciphertext", keys)
        if obj["key"] != public_key.fingerprint[:16].hex():
            raise errors.InvalidKey("ciphertext was made under a different public key")
        exp = obj["exponent"]
        if isinstance(exp, bool) or not isinstance(exp, int):
            raise errors.InvalidEncoding("exponent must be a JSON integer")
        if not isinstance(obj["mode"], str):
            raise errors.InvalidEncoding("mode must be a string")
        ciphertext = _codec.int_from_json(obj["ciphertext"], "ciphertext")
        bound = _codec.int_from_json(obj["bound"], "bound")
        try:
            return cls(public_key, ciphertext, exp, bound=bound, mode=obj["mode"])
        except (errors.N3ValueError, errors.N3TypeError) as exc:
            if isinstance(exc, errors.InvalidEncoding | errors.InvalidKey):
                raise
            raise errors.InvalidEncoding(f"invalid ciphertext: {exc}") from None


class PaillierPrivateKey:
    """The factors p < q of n, with CRT constants. Never printed.

    >>> from n3crypto.paillier.keys import PaillierPrivateKey, generate_keypair
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)   # tests only
    >>> priv.public_key is pub, priv.decrypt(pub.encrypt(-42))
    (True, -42)
    >>> value, proof = priv.decrypt_with_proof(pub.encrypt(5), b"round 1")
    >>> value, proof
    (5, <DecryptionProof>)
    >>> priv.decrypt(priv.encrypt(9))             # key-holder encryption, ~3x faster
    9
    >>> PaillierPrivateKey.from_bytes(priv.to_bytes(), allow_insecure_size=True) == priv
    True
    """

    __slots__ = (
        "_hp",
        "_hq",
        "_n_inv_phi",
        "_p2",
        "_p2_inv_q2",
        "_p_inv_q",
        "_q2",
        "p",
        "public_key",
        "q",
    )

    def __init__(self, public_key: PaillierPublicKey, p: int, q: int) -> None:
        if not isinstance(public_key, PaillierPublicKey):
            raise errors.N3TypeError("public_key must be a PaillierPublicKey")
        for v in (p, q):
            if isinstance(v, bool) or not isinstance(v, int):
                raise errors.N3TypeError("p and q must be ints")
        if p == q:
            raise errors.InvalidKey("p and q must differ")
        if p > q:
            p, q = q, p
        if p * q != public_key.n:
            raise errors.InvalidKey("p·q does not match the public modulus")
        if p.bit_length() != q.bit_length():
            raise errors.InvalidKey("p and q must have the same bit length")
        phi = (p - 1) * (q - 1)
        if gcd(public_key.n, phi) != 1:
            raise errors.InvalidKey("gcd(n, φ(n)) ≠ 1")
        self.public_key = public_key
        self.p, self.q = mpz(p), mpz(q)
        self._p2, self._q2 = self.p * self.p, self.q * self.q
        self._p_inv_q = invert(self.p, self.q)
        self._p2_inv_q2 = invert(self._p2, self._q2)
        # L_p((1+n)^(p-1) mod p²) = (p-1)·q mod p, so h_p = ((p-1)q)^-1 mod p.
        self._hp = invert((self.p - 1) * self.q % self.p, self.p)
        self._hq = invert((self.q - 1) * self.p % self.q, self.q)
        self._n_inv_phi = invert(public_key.n, phi)

    def __repr__(self) -> str:
        return f"<PaillierPrivateKey for {self.public_key!r}>"

    def __reduce__(self) -> Any:
        raise errors.N3TypeError(
            "private keys are not picklable: use to_bytes() or serialize.encrypt_private_key()"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PaillierPrivateKey):
            return NotImplemented
        return self.public_key == other.public_key and self.p == other.p

    def __hash__(self) -> int:
        return hash(self.public_key)

    # -- decryption ----------------------------------------------------------
    def raw_decrypt(self, ciphertext: int) -> int:
        """The residue ``m ∈ [0, n)`` of a raw ciphertext integer (CRT)."""
        if not is_int(ciphertext):
            raise errors.N3TypeError("ciphertext must be an int")
        if not 0 < ciphertext < self.public_key.nsquare:
            raise errors.InvalidEncoding("ciphertext must lie in (0, n²)")
        return self._raw_decrypt(ciphertext)

    def _raw_decrypt(self, ciphertext: int) -> int:
        p, q = self.p, self.q
        xp = powmod(ciphertext % self._p2, p - 1, self._p2)
        xq = powmod(ciphertext % self._q2, q - 1, self._q2)
        mp = (xp - 1) // p * self._hp % p
        mq = (xq - 1) // q * self._hq % q
        return int(crt_pair(mp, mq, p, q, self._p_inv_q))

    def _check_ct(self, x: EncryptedNumber) -> None:
        if not isinstance(x, EncryptedNumber):
            raise errors.N3TypeError("expected an EncryptedNumber")
        if not self.public_key.same_modulus(x.public_key):
            raise errors.InvalidKey("ciphertext was encrypted under a different public key")

    def decrypt_encoded(self, x: EncryptedNumber) -> EncodedNumber:
        """Decrypt to an :class:`EncodedNumber` (full CRT; no bound check)."""
        self._check_ct(x)
        return EncodedNumber(int(self.public_key.n), self._raw_decrypt(x._c), x.exponent)

    def decrypt(self, x: EncryptedNumber, *, strict: bool = False) -> int | float:
        """The number a ciphertext holds (int for exponent >= 0, else float).

        When the ciphertext's bound was computed here (encryption, arithmetic,
        verified proofs) and ``2·bound < p``, only the mod-p half of the CRT is
        needed: about twice as fast. Bounds read from bytes, JSON or phe are
        claims, so those ciphertexts (or ``strict=True``) get the full CRT and
        a value outside the bound raises :class:`~n3crypto.errors.InvalidEncoding`.
        """
        self._check_ct(x)
        p = self.p
        if x._bound_trusted and not strict and 2 * x.bound < p:
            xp = powmod(x._c % self._p2, p - 1, self._p2)
            mp = int((xp - 1) // p * self._hp % p)
            mant = mp if mp <= x.bound else mp - int(p)
            if abs(mant) > x.bound:
                raise errors.InvalidEncoding("decrypted value exceeds its public bound")
        else:
            mant = EncodedNumber(
                int(self.public_key.n), self._raw_decrypt(x._c), x.exponent
            ).mantissa
            if abs(mant) > x.bound:
                raise errors.InvalidEncoding("decrypted value exceeds its public bound (forged?)")
        if x.exponent >= 0:
            return int(mant * BASE**x.exponent)
        try:
            return float(mant / BASE**-x.exponent)
        except OverflowError:
            raise errors.N3ValueError("decoded value does not fit a float") from None

    def decrypt_with_proof(
        self, x: EncryptedNumber, context: bytes = b""
    ) -> tuple[int | float, DecryptionProof]:
        """Decrypt and prove the result correct (see :class:`DecryptionProof`)."""
        from n3crypto.paillier.proofs import prove_decryption

        value = self.decrypt(x)
        m = self._raw_decrypt(x._c)
        return value, prove_decryption(self, x._c, m, context)

    # -- key-holder operations -----------------------------------------------
    def nth_root(self, u: int) -> int:
        """An n-th root mod n of an n-th residue ``u`` mod n² (ρ with ρ^n = u)."""
        _check_integer(u, "u")
        return powmod(mpz(u) % self.public_key.n, self._n_inv_phi, self.public_key.n)

    def crt_pow_n2(self, base_p: int, exp_p: int, base_q: int, exp_q: int) -> int:
        """``x mod n²`` from ``base_p^exp_p mod p²`` and ``base_q^exp_q mod q²``."""
        for v, what in ((base_p, "base_p"), (exp_p, "exp_p"), (base_q, "base_q"), (exp_q, "exp_q")):
            _check_integer(v, what)
        xp = powmod(base_p, exp_p, self._p2)
        xq = powmod(base_q, exp_q, self._q2)
        return xp + ((xq - xp) * self._p2_inv_q2 % self._q2) * self._p2

    def encrypt(
        self,
        value: int | float | Fraction | EncodedNumber,
        mode: Mode = "standard",
        *,
        precision: float | None = None,
        bound: int | None = None,
    ) -> EncryptedNumber:
        """Key-holder encryption: same distribution as the public key's, about
        3× faster in ``standard`` mode (the n-th power is taken mod p² and q²:
        a uniform n-th residue mod p² is y^p for uniform y ∈ Z_p^*)."""
        pk = self.public_key
        if mode == "fast":
            return pk.encrypt(value, "fast", precision=precision, bound=bound)
        if mode != "standard":
            raise errors.N3ValueError(f"mode must be one of {MODES}")
        enc = pk._encode(value, precision)
        mant = enc.mantissa
        b = pk._check_bound(mant, bound)
        yp = random_below(self.p - 1) + 1
        yq = random_below(self.q - 1) + 1
        rho = self.crt_pow_n2(yp, self.p, yq, self.q)
        c = pk.raw_gm(mant) * rho % pk.nsquare
        return EncryptedNumber(pk, c, enc.exponent, bound=b, mode="standard", _trusted=True)

    # -- interop & serialization ---------------------------------------------
    @classmethod
    def from_phe(cls, key: Any, *, allow_insecure_size: bool = False) -> PaillierPrivateKey:
        """From a ``phe.PaillierPrivateKey`` (standard mode only)."""
        try:
            p, q, pub = int(key.p), int(key.q), key.public_key
        except AttributeError:
            raise errors.N3TypeError("expected a phe PaillierPrivateKey") from None
        return cls(PaillierPublicKey.from_phe(pub, allow_insecure_size=allow_insecure_size), p, q)

    def to_phe(self) -> Any:
        import phe

        return phe.PaillierPrivateKey(self.public_key.to_phe(), int(self.p), int(self.q))

    def to_bytes(self) -> bytes:
        """Secret material: p, q and h. Store it encrypted and access-controlled."""
        from n3crypto import envelope

        body = _codec.fields(
            _codec.uint(self.public_key.n),
            _codec.uint(self.public_key.h or 0),
            _codec.uint(self.p),
            _codec.uint(self.q),
        )
        return envelope.pack("paillier-private-key", _KEY_VERSION, body)

    @classmethod
    def from_bytes(cls, blob: bytes, *, allow_insecure_size: bool = False) -> PaillierPrivateKey:
        r = _codec.open_envelope(blob, "paillier-private-key")
        n, h, p, q = r.uint(), r.uint(), r.uint(), r.uint()
        r.done()
        pub = PaillierPublicKey(n, h=h or None, allow_insecure_size=allow_insecure_size)
        return cls(pub, p, q)

    def to_json(self) -> str:
        body = {
            "n": _codec.int_to_json(self.public_key.n),
            "h": _codec.int_to_json(self.public_key.h or 0),
            "p": _codec.int_to_json(self.p),
            "q": _codec.int_to_json(self.q),
        }
        return _codec.dump_json("paillier-private-key", _KEY_VERSION, body)

    @classmethod
    def from_json(
        cls, text: str | bytes, *, allow_insecure_size: bool = False
    ) -> PaillierPrivateKey:
        obj = _codec.load_json(text, "paillier-private-key", ("n", "h", "p", "q"))
        n, h, p, q = (_codec.int_from_json(obj[k], k) for k in ("n", "h", "p", "q"))
        pub = PaillierPublicKey(n, h=h or None, allow_insecure_size=allow_insecure_size)
        return cls(pub, p, q)


def generate_keypair(
    n_length: int = 3072,
    *,
    allow_insecure_size: bool = False,
    safe_primes: bool = True,
    progress: Progress | None = None,
) -> tuple[PaillierPublicKey, PaillierPrivateKey]:
    """A fresh key pair with an ``n_length``-bit modulus.

    p and q have ``n_length/2`` bits each (top two bits set, so n has exactly
    ``n_length`` bits), are ≡ 3 (mod 4) and by default safe primes; the DJN
    base ``h = -x² mod n`` enables ``fast`` mode. ``progress(stage, tried)``
    reports the prime search.

    The default 3072-bit key takes seconds to make; below 2048 bits (down to
    a hard floor of 512) keys are refused unless ``allow_insecure_size=True``,
    which is for tests and demos only.

    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> pub.bits, priv.p * priv.q == pub.n
    (512, True)
    >>> generate_keypair(1024)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidKey: 1024-bit keys are insecure; pass allow_insecure_size=True ...
    """
    if isinstance(n_length, bool) or not isinstance(n_length, int):
        raise errors.N3TypeError("n_length must be an int")
    if n_length % 2:
        raise errors.N3ValueError("n_length must be even (p and q of equal size)")
    if n_length < MIN_INSECURE_BITS:
        raise errors.N3ValueError(f"n_length below the hard floor of {MIN_INSECURE_BITS}")
    if n_length < MIN_SECURE_BITS and not allow_insecure_size:
        raise errors.InvalidKey(
            f"{n_length}-bit keys are insecure; pass allow_insecure_size=True (tests/demos only)"
        )
    if n_length > MAX_BITS:
        raise errors.N3ValueError(f"n_length above the ceiling of {MAX_BITS}")
    if progress is not None:
        check_callable(progress, "progress")
    half = n_length // 2
    while True:
        p = generate_prime(half, safe=safe_primes, progress=progress, stage="p")
        q = generate_prime(half, safe=safe_primes, progress=progress, stage="q")
        if p == q:
            continue
        n = p * q
        if n.bit_length() != n_length:
            continue
        if abs(p - q).bit_length() < half - 64:  # keep Fermat's method hopeless
            continue
        if gcd(n, (p - 1) * (q - 1)) != 1:
            continue
        if not safe_primes and gcd(p - 1, q - 1) != 2:
            continue  # DJN's "admissible" modulus: J_n cyclic-ish, h of large order
        break
    if progress is not None:
        progress("h", 1)
    while True:
        x = random_unit(n)
        h = (-x * x) % n
        if h not in (1, n - 1):
            break
    pub = PaillierPublicKey(int(n), h=int(h), allow_insecure_size=allow_insecure_size)
    return pub, PaillierPrivateKey(pub, int(p), int(q))


# imported late: proofs depends on the classes above
from n3crypto.paillier.proofs import DecryptionProof, MembershipProof  # noqa: E402
