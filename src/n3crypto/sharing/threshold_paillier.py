"""Threshold Paillier decryption (Shoup 2000 / Damgård–Jurik 2001), trusted dealer.

A dealer who knows safe primes ``p = 2p′+1``, ``q = 2q′+1`` (``n = pq``,
``m′ = p′q′``) picks ``d ≡ 0 (mod m′)``, ``d ≡ 1 (mod n)`` and shares it
with a random polynomial ``f`` of degree ``t − 1`` over the **ring**
``Z_{n·m′}`` (not a field: Lagrange coefficients are scaled by ``Δ = ℓ!`` so
they stay integers). Member ``i`` gets ``s_i = f(i)``; the dealer publishes
``v`` (a random square mod ``n²``) and ``v_i = v^{Δ·s_i}``, then forgets
everything.

* Partial decryption: ``c_i = c^{2Δ·s_i} mod n²`` with a Fiat–Shamir proof
  that ``log_{c⁴} c_i² = log_v v_i`` (commitments ``a = (c⁴)^r, b = v^r``,
  128-bit challenge ``e``, response ``z = r + e·Δ·s_i`` over the integers,
  ``r`` 256 bits longer than ``e·Δ·s_i`` so ``z`` hides the share).
* Combining ``t`` valid partials: ``c′ = Π c_i^{2λ_i} = c^{4Δ²·d}
  = (1+n)^{4Δ²·m}``, so ``m = L(c′)·(4Δ²)^{−1} mod n``. Proofs are checked
  in one batch (random 128-bit weights, squared equations); if the batch
  fails each proof is checked alone and the invalid partials are dropped and
  their members named.
* For rating tallies, which publish a :class:`~n3crypto.paillier.DecryptionProof`
  (an n-th root of ``c·g^{−m}``), the dealer also shares ``k ≡ n^{−1}
  (mod m′)`` over ``Z_{m′}``: partials ``y^{2Δ·k_i} mod n`` (``y = c mod n``)
  combine to ``ρ^{4Δ²}``, and ``ρ = (ρ^{4Δ²})^a·y^b`` for ``a·4Δ² + b·n = 1``.
* :func:`rebuild_private_key` is the whitepaper's mode (t members rebuild
  the key): weaker, warned about (:class:`KeyRebuildWarning`).

All arithmetic is gmpy2 big integers: **not constant time** (docs/sharing.md).

>>> pub, shares, ver = ThresholdPaillier.deal(512, 5, 3, allow_insecure_size=True)
>>> c = pub.encrypt(1234)
>>> combine_partials(pub, ver, c, [s.partial_decrypt(c) for s in shares[1:4]])
1234
"""

from __future__ import annotations

import hashlib
import math
import secrets
import warnings
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import gmpy2  # type: ignore[import-untyped]

from n3crypto import envelope, errors
from n3crypto._check import check_bytes, check_iterable, check_type
from n3crypto.paillier import _codec
from n3crypto.paillier._arith import (
    FixedBaseTable,
    gcd,
    generate_prime,
    invert,
    is_probable_prime,
    mpz,
    powmod,
    random_unit,
)
from n3crypto.paillier.encoding import EncodedNumber
from n3crypto.paillier.keys import EncryptedNumber, PaillierPrivateKey, PaillierPublicKey

__all__ = [
    "CheatingMembers",
    "KeyRebuildWarning",
    "KeyShare",
    "PartialDecryption",
    "Plaintext",
    "ThresholdPaillier",
    "VerificationKeys",
    "combine_partials",
    "combine_witness",
    "rebuild_private_key",
    "verify_partial",
]

CHALLENGE_BITS = 128
STAT_BITS = 128
MAX_MEMBERS = 64
_DST = b"n3crypto/sharing/threshold-paillier/v1"


class KeyRebuildWarning(UserWarning):
    """The private key was rebuilt from shares in one place (whitepaper mode)."""


class CheatingMembers(errors.InsufficientShares, errors.ProofError):
    """Fewer than ``t`` valid partial decryptions remain; ``invalid_members``
    names the members whose partials failed their proofs."""

    def __init__(self, message: str, invalid_members: Sequence[int]) -> None:
        super().__init__(message)
        self.invalid_members = tuple(invalid_members)


class Plaintext(int):
    """An ``int`` (the plaintext) that also names the members whose partial
    decryptions were invalid (``invalid_members``) and those used (``used_members``)."""

    invalid_members: tuple[int, ...]
    used_members: tuple[int, ...]

    def __new__(cls, value: int, invalid: Sequence[int], used: Sequence[int]) -> Plaintext:
        obj = super().__new__(cls, value)
        obj.invalid_members = tuple(invalid)
        obj.used_members = tuple(used)
        return obj

    def __reduce__(self) -> Any:
        return (Plaintext, (int(self), self.invalid_members, self.used_members))


def _which(which: object) -> str:
    if which not in ("dec", "wit"):
        raise errors.N3ValueError("which must be 'dec' or 'wit'")
    return str(which)


def _is_int(x: object) -> bool:
    return isinstance(x, int | type(mpz(0))) and not isinstance(x, bool)


# ------------------------------------------------------------------ public data


class VerificationKeys:
    """What the dealer publishes: the public key, ``ℓ``, ``t``, ``Δ = ℓ!``,
    ``v`` and ``v_i = v^{Δ·s_i} mod n²``, and for witnesses ``w`` and
    ``w_i = w^{Δ·k_i} mod n``.

    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier, VerificationKeys
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 5, 3, allow_insecure_size=True)
    >>> ver  # doctest: +ELLIPSIS
    <VerificationKeys 3-of-5 n=512 bits ...>
    >>> ver.members, ver.threshold, ver.delta, ver.public_key == pub
    (5, 3, 120, True)
    >>> published = ver.to_json()
    >>> VerificationKeys.from_json(published, allow_insecure_size=True) == ver
    True
    """

    __slots__ = (
        "_tables",
        "delta",
        "fingerprint",
        "keys",
        "members",
        "public_key",
        "threshold",
        "v",
        "w",
        "wkeys",
    )

    def __init__(
        self,
        public_key: PaillierPublicKey,
        members: int,
        threshold: int,
        v: int,
        keys: Sequence[int],
        w: int,
        wkeys: Sequence[int],
    ) -> None:
        if not isinstance(public_key, PaillierPublicKey):
            raise errors.N3TypeError("public_key must be a PaillierPublicKey")
        _check_lt(members, threshold)
        n, n2 = public_key.n, public_key.nsquare
        keys, wkeys = check_iterable(keys, "keys"), check_iterable(wkeys, "wkeys")
        if len(keys) != members or len(wkeys) != members:
            raise errors.N3ValueError("one verification key per member is needed")
        for x, mod in [(v, n2), (w, n), *((k, n2) for k in keys), *((k, n) for k in wkeys)]:
            if not _is_int(x) or not 0 < x < mod or gcd(x, n) != 1:
                raise errors.InvalidKey("verification keys must be units")
        self.public_key = public_key
        self.members, self.threshold = members, threshold
        self.delta = math.factorial(members)
        self.v, self.w = mpz(v), mpz(w)
        self.keys = tuple(mpz(k) for k in keys)
        self.wkeys = tuple(mpz(k) for k in wkeys)
        h = hashlib.sha256(_DST + b"/verification")
        h.update(self._body())
        self.fingerprint = h.digest()
        self._tables: dict[str, FixedBaseTable] = {}

    def __repr__(self) -> str:
        return (
            f"<VerificationKeys {self.threshold}-of-{self.members} "
            f"n={self.public_key.bits} bits {self.fingerprint[:4].hex()}>"
        )

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, VerificationKeys):
            return NotImplemented
        return self.fingerprint == other.fingerprint

    def __hash__(self) -> int:
        return hash(self.fingerprint)

    def table(self, which: str) -> FixedBaseTable:
        """Fixed-base table for ``v`` (``"dec"``, mod n²) or ``w`` (``"wit"``, mod n)."""
        t = self._tables.get(_which(which))
        if t is None:
            base, mod = (
                (self.v, self.public_key.nsquare)
                if which == "dec"
                else (
                    self.w,
                    self.public_key.n,
                )
            )
            t = self._tables[which] = FixedBaseTable(base, mod, window=4)
        return t

    def share_bits(self, which: str) -> int:
        """Bit length bound of ``Δ·s_i`` (``dec``) or ``Δ·k_i`` (``wit``)."""
        _which(which)
        n = int(self.public_key.n)
        bound = n * (n >> 2) if which == "dec" else n >> 2
        return (self.delta * bound).bit_length()

    def blind_bits(self, which: str) -> int:
        return self.share_bits(which) + CHALLENGE_BITS + STAT_BITS

    def _body(self) -> bytes:
        pk = self.public_key
        return _codec.fields(
            _codec.uint(pk.n),
            _codec.uint(pk.h or 0),
            _codec.uint(self.members),
            _codec.uint(self.threshold),
            _codec.uint(self.v),
            _codec.seq(_codec.uint(k) for k in self.keys),
            _codec.uint(self.w),
            _codec.seq(_codec.uint(k) for k in self.wkeys),
        )

    def to_bytes(self) -> bytes:
        """Envelope ``threshold-paillier-verification`` v1 (public)."""
        return envelope.pack("threshold-paillier-verification", 1, self._body())

    __bytes__ = to_bytes

    def to_json(self) -> str:
        """JSON ``threshold-paillier-verification`` v1 (decimal strings)."""
        i2j = _codec.int_to_json
        return _codec.dump_json(
            "threshold-paillier-verification",
            1,
            {
                "n": i2j(self.public_key.n),
                "h": i2j(self.public_key.h or 0),
                "members": self.members,
                "threshold": self.threshold,
                "v": i2j(self.v),
                "keys": [i2j(k) for k in self.keys],
                "w": i2j(self.w),
                "wkeys": [i2j(k) for k in self.wkeys],
            },
        )

    @classmethod
    def from_json(cls, text: str | bytes, *, allow_insecure_size: bool = False) -> VerificationKeys:
        keys = ("n", "h", "members", "threshold", "v", "keys", "w", "wkeys")
        obj = _codec.load_json(text, "threshold-paillier-verification", keys)
        j2i = _codec.int_from_json
        try:
            if not isinstance(obj["keys"], list) or not isinstance(obj["wkeys"], list):
                raise errors.InvalidEncoding("keys and wkeys must be lists")
            h = j2i(obj["h"], "h")
            pk = PaillierPublicKey(
                j2i(obj["n"], "n"), h=h or None, allow_insecure_size=allow_insecure_size
            )
            return cls(
                pk,
                obj["members"],
                obj["threshold"],
                j2i(obj["v"], "v"),
                [j2i(k, "keys") for k in obj["keys"]],
                j2i(obj["w"], "w"),
                [j2i(k, "wkeys") for k in obj["wkeys"]],
            )
        except (errors.InvalidEncoding, errors.InvalidKey):
            raise
        except (errors.N3ValueError, errors.N3TypeError) as exc:
            raise errors.InvalidEncoding(f"invalid verification keys: {exc}") from None

    @classmethod
    def from_bytes(cls, blob: bytes, *, allow_insecure_size: bool = False) -> VerificationKeys:
        r = _codec.open_envelope(blob, "threshold-paillier-verification")
        n, h, members, t, v = r.uint(), r.uint(), r.uint(), r.uint(), r.uint()
        keys = [_codec.parse_uint(x) for x in r.seq()]
        w = r.uint()
        wkeys = [_codec.parse_uint(x) for x in r.seq()]
        r.done()
        try:
            pk = PaillierPublicKey(n, h=h or None, allow_insecure_size=allow_insecure_size)
            return cls(pk, members, t, v, keys, w, wkeys)
        except (errors.InvalidEncoding, errors.InvalidKey):
            raise
        except (errors.N3ValueError, errors.N3TypeError) as exc:
            raise errors.InvalidEncoding(f"invalid verification keys: {exc}") from None


def _check_lt(members: int, threshold: int) -> None:
    for name, v in (("members", members), ("threshold", threshold)):
        if isinstance(v, bool) or not isinstance(v, int):
            raise errors.N3TypeError(f"{name} must be an int")
    if threshold < 1:
        raise errors.N3ValueError(f"threshold must be ≥ 1, got {threshold}")
    if threshold > members:
        raise errors.N3ValueError(f"threshold {threshold} exceeds the {members} members")
    if members > MAX_MEMBERS:
        raise errors.N3ValueError(f"at most {MAX_MEMBERS} members")


# ------------------------------------------------------------------ proofs


def _challenge(
    ver: VerificationKeys,
    which: str,
    context: bytes,
    member: int,
    base: int,
    value: int,
    a: int,
    b: int,
) -> int:
    h = hashlib.sha512(_DST + b"/" + which.encode())
    h.update(
        _codec.fields(
            ver.fingerprint,
            bytes(context),
            _codec.uint(member),
            _codec.uint(base),
            _codec.uint(value),
            _codec.uint(a),
            _codec.uint(b),
        )
    )
    return int.from_bytes(h.digest()[: CHALLENGE_BITS // 8], "big")


def _mod(ver: VerificationKeys, which: str) -> Any:
    return ver.public_key.nsquare if which == "dec" else ver.public_key.n


def _vk(ver: VerificationKeys, which: str, member: int) -> Any:
    return (ver.keys if which == "dec" else ver.wkeys)[member - 1]


def _base(ver: VerificationKeys, which: str, c: int) -> Any:
    """The ciphertext-side base: ``c`` mod n² (``dec``) or ``c mod n`` (``wit``)."""
    return mpz(c) if which == "dec" else mpz(c) % ver.public_key.n


def _prove(
    ver: VerificationKeys, which: str, member: int, secret: int, base: int, context: bytes
) -> tuple[int, tuple[int, int, int]]:
    mod = _mod(ver, which)
    x = ver.delta * secret
    value = powmod(base, 2 * x, mod)
    r = mpz(secrets.randbits(ver.blind_bits(which)))
    a = powmod(powmod(base, 4, mod), r, mod)
    b = ver.table(which).pow(r)
    e = _challenge(ver, which, context, member, base, value, a, b)
    return value, (a, b, int(r + e * x))


def _structure_ok(ver: VerificationKeys, which: str, value: int, proof: Sequence[int]) -> bool:
    mod, n = _mod(ver, which), ver.public_key.n
    a, b, z = proof
    if not all(_is_int(x) for x in (value, a, b, z)):
        return False
    if not (0 < value < mod and 0 < a < mod and 0 < b < mod):
        return False
    if z < 0 or z.bit_length() > ver.blind_bits(which) + 1:
        return False
    return bool(gcd(value, n) == 1 and gcd(a, n) == 1 and gcd(b, n) == 1)


def _check_one(
    ver: VerificationKeys,
    which: str,
    member: int,
    base: int,
    value: int,
    proof: Sequence[int],
    context: bytes,
) -> bool:
    if not _structure_ok(ver, which, value, proof):
        return False
    mod = _mod(ver, which)
    a, b, z = proof
    e = _challenge(ver, which, context, member, base, value, a, b)
    lhs1 = powmod(powmod(base, 4, mod), z, mod)
    rhs1 = a * powmod(value, 2 * e, mod) % mod
    if lhs1 * lhs1 % mod != rhs1 * rhs1 % mod:
        return False
    lhs2 = ver.table(which).pow(z)
    rhs2 = b * powmod(_vk(ver, which, member), e, mod) % mod
    return bool(lhs2 * lhs2 % mod == rhs2 * rhs2 % mod)


def _check_batch(
    ver: VerificationKeys,
    which: str,
    base: int,
    items: Sequence[tuple[int, int, Sequence[int]]],
    context: bytes,
) -> bool:
    """All ``(member, value, proof)`` at once: random 128-bit weights ``ρ_i``,
    equations squared (elements of order 2 are the only small-order ones)."""
    mod = _mod(ver, which)
    zsum = 0
    r1: list[tuple[int, int]] = []
    r2: list[tuple[int, int]] = []
    for member, value, proof in items:
        if not _structure_ok(ver, which, value, proof):
            return False
        a, b, z = proof
        e = _challenge(ver, which, context, member, base, value, a, b)
        rho = secrets.randbits(STAT_BITS) | 1
        zsum += rho * z
        r1 += [(a, rho), (value, 2 * rho * e)]
        r2 += [(b, rho), (_vk(ver, which, member), rho * e)]
    lhs1 = powmod(powmod(base, 4, mod), zsum, mod)
    rhs1 = mpz(1)
    for bb, ee in r1:
        rhs1 = rhs1 * powmod(bb, ee, mod) % mod
    if lhs1 * lhs1 % mod != rhs1 * rhs1 % mod:
        return False
    lhs2 = ver.table(which).pow(zsum)
    rhs2 = mpz(1)
    for bb, ee in r2:
        rhs2 = rhs2 * powmod(bb, ee, mod) % mod
    return bool(lhs2 * lhs2 % mod == rhs2 * rhs2 % mod)


# ------------------------------------------------------------------ partials


class PartialDecryption:
    """Member ``member``'s share of decrypting one ciphertext: ``value =
    c^{2Δ·s_i} mod n²`` with ``proof = (a, b, z)``; optionally the witness
    part (``witness = (value, a, b, z)`` mod n) used by rating tallies.

    >>> from n3crypto.sharing.threshold_paillier import PartialDecryption, ThresholdPaillier
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> c = pub.encrypt(7)
    >>> part = shares[0].partial_decrypt(c, b"round 1")
    >>> part, shares[0].partial_decrypt(c, b"round 1", witness=True)
    (<PartialDecryption member=1>, <PartialDecryption member=1 +witness>)
    >>> received = PartialDecryption.from_bytes(part.to_bytes())
    >>> received.verify(ver, c, b"round 1")                   # returns None
    >>> received.verify(ver, pub.encrypt(7), b"round 1")      # another ciphertext
    Traceback (most recent call last):
    ...
    n3crypto.errors.ProofError: partial decryption of member 1 is invalid
    """

    __slots__ = ("member", "proof", "value", "witness")

    def __init__(
        self,
        member: int,
        value: int,
        proof: tuple[int, int, int],
        witness: tuple[int, int, int, int] | None = None,
    ) -> None:
        if isinstance(member, bool) or not isinstance(member, int) or member < 1:
            raise errors.N3ValueError("member must be a positive int")
        self.member = member
        if not _is_int(value):
            raise errors.N3TypeError("value must be an int")
        self.value = mpz(value)
        if proof is None:
            raise errors.N3TypeError("proof must be a tuple of 3 ints")
        for part, what in ((proof, "proof"), (witness, "witness")):
            if part is not None and not (
                isinstance(part, tuple | list) and all(_is_int(x) for x in part)
            ):
                raise errors.N3TypeError(f"{what} must be a tuple of ints")
        if len(proof) != 3 or (witness is not None and len(witness) != 4):
            raise errors.N3ValueError("a proof has 3 integers, a witness part 4")
        a, b, z = (mpz(x) for x in proof)
        self.proof: tuple[int, int, int] = (a, b, z)
        self.witness: tuple[int, int, int, int] | None = None
        if witness is not None:
            w0, w1, w2, w3 = (mpz(x) for x in witness)
            self.witness = (w0, w1, w2, w3)

    def __repr__(self) -> str:
        return f"<PartialDecryption member={self.member}{' +witness' if self.witness else ''}>"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PartialDecryption):
            return NotImplemented
        return self.to_bytes() == other.to_bytes()

    def __hash__(self) -> int:
        return hash(self.to_bytes())

    def verify(
        self,
        verification: VerificationKeys,
        ciphertext: EncryptedNumber | int,
        context: bytes = b"",
    ) -> None:
        """Raise :class:`~n3crypto.errors.ProofError` unless this partial (and
        its witness part, if any) is correct for ``ciphertext``."""
        c = _ct(verification, ciphertext)
        context = _ctx(context)
        if not 1 <= self.member <= verification.members:
            raise errors.ProofError(f"member {self.member} is not on this committee")
        if not _check_one(verification, "dec", self.member, c, self.value, self.proof, context):
            raise errors.ProofError(f"partial decryption of member {self.member} is invalid")
        if self.witness is not None:
            wv, *wp = self.witness
            if not _check_one(
                verification, "wit", self.member, _base(verification, "wit", c), wv, wp, context
            ):
                raise errors.ProofError(f"witness share of member {self.member} is invalid")

    def to_bytes(self) -> bytes:
        """Envelope ``threshold-paillier-partial`` v1."""
        wit = b"" if self.witness is None else _codec.seq(_codec.uint(x) for x in self.witness)
        body = _codec.fields(
            _codec.uint(self.member),
            _codec.uint(self.value),
            *(_codec.uint(x) for x in self.proof),
            wit,
        )
        return envelope.pack("threshold-paillier-partial", 1, body)

    __bytes__ = to_bytes

    def to_json(self) -> str:
        """JSON ``threshold-paillier-partial`` v1 (decimal strings)."""
        i2j = _codec.int_to_json
        return _codec.dump_json(
            "threshold-paillier-partial",
            1,
            {
                "member": self.member,
                "value": i2j(self.value),
                "proof": [i2j(x) for x in self.proof],
                "witness": None if self.witness is None else [i2j(x) for x in self.witness],
            },
        )

    @classmethod
    def from_json(cls, text: str | bytes) -> PartialDecryption:
        obj = _codec.load_json(
            text, "threshold-paillier-partial", ("member", "value", "proof", "witness")
        )
        j2i = _codec.int_from_json
        member, proof, wit = obj["member"], obj["proof"], obj["witness"]
        if isinstance(member, bool) or not isinstance(member, int) or member < 1:
            raise errors.InvalidEncoding("member must be a positive integer")
        if not isinstance(proof, list) or len(proof) != 3:
            raise errors.InvalidEncoding("proof must be a list of 3 integers")
        if wit is not None and (not isinstance(wit, list) or len(wit) != 4):
            raise errors.InvalidEncoding("witness must be null or a list of 4 integers")
        a, b, z = (j2i(x, "proof") for x in proof)
        witness = None
        if wit is not None:
            w0, w1, w2, w3 = (j2i(x, "witness") for x in wit)
            witness = (w0, w1, w2, w3)
        for x in (a, b, z, *(witness or ())):
            if x < 0:
                raise errors.InvalidEncoding("negative integer in a partial decryption")
        value = j2i(obj["value"], "value")
        if value < 0:
            raise errors.InvalidEncoding("negative partial decryption")
        return cls(member, value, (a, b, z), witness)

    @classmethod
    def from_bytes(cls, blob: bytes) -> PartialDecryption:
        r = _codec.open_envelope(blob, "threshold-paillier-partial")
        member, value, a, b, z = r.uint(), r.uint(), r.uint(), r.uint(), r.uint()
        raw = r.blob()
        r.done()
        witness = None
        if raw:
            items = [_codec.parse_uint(x) for x in _codec.Reader(_wrap_field(raw)).seq()]
            if len(items) != 4:
                raise errors.InvalidEncoding("witness part must have 4 integers")
            witness = (items[0], items[1], items[2], items[3])
        if member < 1:
            raise errors.InvalidEncoding("member must be ≥ 1")
        return cls(member, value, (a, b, z), witness)


def _wrap_field(raw: bytes) -> bytes:
    return _codec.fields(raw)


def verify_partial(
    verification: VerificationKeys,
    ciphertext: EncryptedNumber | int,
    partial: PartialDecryption,
    context: bytes = b"",
) -> None:
    """Function form of :meth:`PartialDecryption.verify`.

    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier, verify_partial
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> c = pub.encrypt(7)
    >>> verify_partial(ver, c, shares[1].partial_decrypt(c, b"tally"), b"tally")
    >>> verify_partial(ver, c, shares[1].partial_decrypt(c, b"tally"), b"other context")
    Traceback (most recent call last):
    ...
    n3crypto.errors.ProofError: partial decryption of member 2 is invalid
    """
    if not isinstance(partial, PartialDecryption):
        raise errors.N3TypeError("expected a PartialDecryption")
    partial.verify(verification, ciphertext, context)


def _ct(ver: VerificationKeys, ciphertext: EncryptedNumber | int) -> int:
    check_type(ver, VerificationKeys, "verification")
    pk = ver.public_key
    if isinstance(ciphertext, EncryptedNumber):
        if not pk.same_modulus(ciphertext.public_key):
            raise errors.InvalidKey("ciphertext is under a different public key")
        c = mpz(ciphertext.ciphertext(be_secure=False))
    elif _is_int(ciphertext):
        c = mpz(ciphertext)
    else:
        raise errors.N3TypeError("ciphertext must be an EncryptedNumber or int")
    if not 0 < c < pk.nsquare or gcd(c, pk.n) != 1:
        raise errors.InvalidEncoding("ciphertext is not a unit mod n²")
    return c


# ------------------------------------------------------------------ key shares


_SEALED_SHARE_KIND = "threshold-paillier-key-share-sealed"


class KeyShare:
    """Member ``member``'s secret: ``s_i`` (decryption) and ``k_i`` (witness),
    with the public :class:`VerificationKeys`. Not picklable; serialize with
    :meth:`to_bytes` only to hand it to its member over a private channel, and
    store it with :meth:`seal` (passphrase-encrypted).

    >>> from n3crypto.sharing.threshold_paillier import KeyShare, ThresholdPaillier
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> blob = shares[1].to_bytes()                  # sent to member 2 privately
    >>> mine = KeyShare.from_bytes(blob, allow_insecure_size=True)
    >>> mine.check()                                 # matches the published keys
    >>> mine  # doctest: +ELLIPSIS
    <KeyShare member=2 of <VerificationKeys 2-of-3 n=512 bits ...>>
    >>> mine.threshold, mine.public_key == pub
    (2, True)
    >>> mine.partial_decrypt(pub.encrypt(5), b"tally 1").member
    2
    """

    __slots__ = ("_k", "_s", "member", "verification")

    def __init__(self, verification: VerificationKeys, member: int, s: int, k: int) -> None:
        if not isinstance(verification, VerificationKeys):
            raise errors.N3TypeError("verification must be VerificationKeys")
        if isinstance(member, bool) or not isinstance(member, int):
            raise errors.N3TypeError("member must be an int")
        if not 1 <= member <= verification.members:
            raise errors.N3ValueError("member index out of range")
        n = int(verification.public_key.n)
        if not (_is_int(s) and 0 <= s < n * (n >> 2) and _is_int(k) and 0 <= k < n >> 2):
            raise errors.InvalidKey("key share out of range")
        self.verification = verification
        self.member = member
        self._s, self._k = mpz(s), mpz(k)

    def __repr__(self) -> str:
        return f"<KeyShare member={self.member} of {self.verification!r}>"

    def __reduce__(self) -> Any:
        raise errors.N3TypeError("a key share is secret: use to_bytes() over a private channel")

    @property
    def public_key(self) -> PaillierPublicKey:
        return self.verification.public_key

    @property
    def threshold(self) -> int:
        return self.verification.threshold

    def check(self) -> None:
        """Raise :class:`~n3crypto.errors.ProofError` unless this share matches
        its published verification keys."""
        ver = self.verification
        ok_s = ver.table("dec").pow(ver.delta * self._s) == _vk(ver, "dec", self.member)
        ok_k = ver.table("wit").pow(ver.delta * self._k) == _vk(ver, "wit", self.member)
        if not (ok_s and ok_k):
            raise errors.ProofError(f"key share of member {self.member} does not match")

    def partial_decrypt(
        self,
        ciphertext: EncryptedNumber | int,
        context: bytes = b"",
        *,
        witness: bool = False,
    ) -> PartialDecryption:
        """``c^{2Δ·s_i}`` with its proof (and, with ``witness=True``, the
        part that lets the committee publish an ordinary decryption proof).
        ``context`` is bound into the proofs."""
        ver = self.verification
        ctx = _ctx(context)
        c = _ct(ver, ciphertext)
        value, proof = _prove(ver, "dec", self.member, self._s, c, ctx)
        wit = None
        if witness:
            wv, wp = _prove(ver, "wit", self.member, self._k, _base(ver, "wit", c), ctx)
            wit = (wv, *wp)
        return PartialDecryption(self.member, value, proof, wit)

    def respond(self, request: bytes) -> bytes:
        """Answer a serialized decryption request (see :mod:`.committee`)."""
        from n3crypto.sharing.committee import answer_request

        return answer_request(self, request)

    def to_bytes(self) -> bytes:
        """Envelope ``threshold-paillier-key-share`` v1: SECRET."""
        body = _codec.fields(
            _codec.uint(self.member),
            _codec.uint(self._s),
            _codec.uint(self._k),
            self.verification.to_bytes(),
        )
        return envelope.pack("threshold-paillier-key-share", 1, body)

    def _sealing_aad(self) -> bytes:
        return self.verification.fingerprint + self.member.to_bytes(4, "big")

    def seal(self, passphrase: bytes, *, scrypt_n: int = 2**15) -> bytes:
        """This share encrypted under ``passphrase``, for storage at rest
        (envelope ``threshold-paillier-key-share-sealed`` v1: scrypt, then
        ChaCha20-Poly1305 bound to the verification keys' fingerprint and the
        member index). ``scrypt_n``: 2^10 (tests only) to 2^16.

        >>> from n3crypto.sharing.threshold_paillier import KeyShare, ThresholdPaillier
        >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
        >>> blob = shares[0].seal(b"member one", scrypt_n=2**10)     # tests only
        >>> shares[0].to_bytes() in blob
        False
        >>> mine = KeyShare.unseal(blob, b"member one", allow_insecure_size=True)
        >>> mine.member, mine.verification == ver
        (1, True)
        >>> KeyShare.unseal(blob, b"wrong", allow_insecure_size=True)
        Traceback (most recent call last):
        ...
        n3crypto.errors.IntegrityError: wrong passphrase or corrupted key file
        """
        from n3crypto import _sealing

        return _sealing.seal(
            _SEALED_SHARE_KIND, self.to_bytes(), self._sealing_aad(), passphrase, scrypt_n
        )

    @classmethod
    def unseal(
        cls, blob: bytes, passphrase: bytes, *, allow_insecure_size: bool = False
    ) -> KeyShare:
        """Open :meth:`seal`'s output; a wrong passphrase or an altered blob
        raises :class:`~n3crypto.errors.IntegrityError`."""
        from n3crypto import _sealing

        raw, aad = _sealing.open_sealed(blob, _SEALED_SHARE_KIND, passphrase)
        share = cls.from_bytes(raw, allow_insecure_size=allow_insecure_size)
        if share._sealing_aad() != aad:
            raise errors.IntegrityError("sealed key share does not match its fingerprint")
        return share

    @classmethod
    def from_bytes(cls, blob: bytes, *, allow_insecure_size: bool = False) -> KeyShare:
        r = _codec.open_envelope(blob, "threshold-paillier-key-share")
        member, s, k, vb = r.uint(), r.uint(), r.uint(), r.blob()
        r.done()
        ver = VerificationKeys.from_bytes(vb, allow_insecure_size=allow_insecure_size)
        try:
            return cls(ver, member, s, k)
        except (errors.N3ValueError, errors.N3TypeError) as exc:
            raise errors.InvalidEncoding(f"invalid key share: {exc}") from None


def _ctx(context: bytes) -> bytes:
    return check_bytes(context, "context")


# ------------------------------------------------------------------ combining


def _lagrange(members: Sequence[int], i: int, delta: int) -> int:
    num, den = delta, 1
    for j in members:
        if j != i:
            num *= j
            den *= j - i
    return num // den


def _sort_partials(
    ver: VerificationKeys, partials: Iterable[PartialDecryption]
) -> tuple[dict[int, PartialDecryption], list[int]]:
    seen: dict[int, PartialDecryption] = {}
    bad: list[int] = []
    for p in check_iterable(partials, "partials"):
        if not isinstance(p, PartialDecryption):
            raise errors.N3TypeError("expected PartialDecryption objects")
        if not 1 <= p.member <= ver.members:
            raise errors.N3ValueError(f"member {p.member} is not on this committee")
        if p.member in seen:
            if seen[p.member] != p:
                bad.append(p.member)
            continue
        seen[p.member] = p
    for m in bad:
        seen.pop(m, None)
    return seen, sorted(set(bad))


def _valid_members(
    ver: VerificationKeys,
    which: str,
    base: int,
    items: Mapping[int, tuple[int, Sequence[int]]],
    context: bytes,
) -> tuple[list[int], list[int]]:
    """``(valid, invalid)`` members: every offered proof is checked, all in one
    batch; if the batch fails (or fewer than ``t`` are offered) each proof is
    checked alone, so every cheater is named."""
    ordered = sorted(items)
    batch = [(m, items[m][0], items[m][1]) for m in ordered]
    if len(ordered) >= ver.threshold and _check_batch(ver, which, base, batch, context):
        return ordered, []
    valid: list[int] = []
    invalid: list[int] = []
    for m in ordered:
        ok = _check_one(ver, which, m, base, items[m][0], items[m][1], context)
        (valid if ok else invalid).append(m)
    return valid, invalid


def _combine_values(ver: VerificationKeys, which: str, values: dict[int, int]) -> Any:
    mod = _mod(ver, which)
    used = sorted(values)
    pos: list[tuple[int, int]] = []
    neg: list[tuple[int, int]] = []
    for i in used:
        lam = 2 * _lagrange(used, i, ver.delta)
        (pos if lam >= 0 else neg).append((values[i], abs(lam)))
    acc = mpz(1)
    for b, e in pos:
        acc = acc * powmod(b, e, mod) % mod
    den = mpz(1)
    for b, e in neg:
        den = den * powmod(b, e, mod) % mod
    return acc * invert(den, mod) % mod if neg else acc


def _decode(ver: VerificationKeys, cprime: int) -> int:
    n = ver.public_key.n
    if cprime % n != 1:
        raise errors.IntegrityError("combined partials are not a power of 1 + n")
    return int((cprime - 1) // n * invert(4 * ver.delta * ver.delta, n) % n)


def combine_partials(
    public_key: PaillierPublicKey,
    verification: VerificationKeys,
    ciphertext: EncryptedNumber | int,
    partials: Iterable[PartialDecryption],
    context: bytes = b"",
) -> Plaintext:
    """The plaintext from ``t`` valid partial decryptions of ``ciphertext``.

    Every supplied proof is checked (one batch when all are good); invalid ones
    are dropped and named in ``result.invalid_members``. A member sending two
    different partials counts as invalid. Fewer than ``t`` valid partials
    raise :class:`CheatingMembers` (an
    :class:`~n3crypto.errors.InsufficientShares` and a
    :class:`~n3crypto.errors.ProofError`) listing the invalid members.

    For an ``int`` ciphertext the result is the residue ``m ∈ [0, n)``; for
    an :class:`~n3crypto.paillier.EncryptedNumber` of exponent ≥ 0 it is the
    signed integer it encodes. The result is a :class:`Plaintext`: an ``int``
    that also names ``invalid_members`` and ``used_members``.

    >>> from n3crypto.sharing.threshold_paillier import (CheatingMembers, PartialDecryption,
    ...                                                  ThresholdPaillier, combine_partials)
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 5, 3, allow_insecure_size=True)
    >>> c = pub.encrypt(-25)
    >>> parts = [s.partial_decrypt(c, b"tally") for s in shares[:4]]
    >>> a, b, z = parts[1].proof
    >>> parts[1] = PartialDecryption(2, parts[1].value, (a, b, z + 1))     # member 2 cheats
    >>> m = combine_partials(pub, ver, c, parts, b"tally")
    >>> m, m.invalid_members, m.used_members
    (-25, (2,), (1, 3, 4))
    >>> combine_partials(pub, ver, c.ciphertext(), parts, b"tally") == pub.n - 25   # residue
    True
    >>> try:
    ...     combine_partials(pub, ver, c, parts[:3], b"tally")
    ... except CheatingMembers as exc:
    ...     print(exc, exc.invalid_members)
    only 2 valid partial decryptions, 3 needed; invalid: [2] (2,)
    """
    if not isinstance(verification, VerificationKeys):
        raise errors.N3TypeError("verification must be VerificationKeys")
    if not isinstance(public_key, PaillierPublicKey) or not public_key.same_modulus(
        verification.public_key
    ):
        raise errors.InvalidKey("public key does not match the verification keys")
    ctx = _ctx(context)
    c = _ct(verification, ciphertext)
    seen, bad = _sort_partials(verification, partials)
    t = verification.threshold
    valid, failed = _valid_members(
        verification, "dec", c, {m: (p.value, p.proof) for m, p in seen.items()}, ctx
    )
    invalid = sorted(set(bad) | set(failed))
    if len(valid) < t:
        raise CheatingMembers(
            f"only {len(valid)} valid partial decryptions, {t} needed; invalid: {invalid}",
            invalid,
        )
    used = valid[:t]
    m = _decode(
        verification, _combine_values(verification, "dec", {i: seen[i].value for i in used})
    )
    if isinstance(ciphertext, EncryptedNumber):
        if ciphertext.exponent < 0:
            raise errors.N3ValueError("fractional encodings: decode EncodedNumber(n, result, e)")
        mant = EncodedNumber(int(public_key.n), m, ciphertext.exponent).mantissa
        m = mant * 16**ciphertext.exponent
    return Plaintext(m, invalid, used)


def combine_witness(
    verification: VerificationKeys,
    ciphertext: EncryptedNumber | int,
    partials: Iterable[PartialDecryption],
    plaintext: int,
    context: bytes = b"",
) -> tuple[int, tuple[int, ...]]:
    """``(ρ, invalid_members)``: the n-th root of ``c·(1+n)^{−m}`` from the
    witness parts of ``t`` valid partials (for an ordinary decryption proof).

    :class:`~n3crypto.sharing.committee.ThresholdDecryptor` does this for
    rating tallies.

    >>> from n3crypto.sharing.threshold_paillier import (ThresholdPaillier, combine_partials,
    ...                                                  combine_witness)
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> c = pub.encrypt(9).ciphertext()
    >>> parts = [s.partial_decrypt(c, b"tally", witness=True) for s in shares[:2]]
    >>> m = combine_partials(pub, ver, c, parts, b"tally")
    >>> rho, invalid = combine_witness(ver, c, parts, m, b"tally")
    >>> pow(rho, pub.n, pub.nsquare) == c * pub.raw_gm(-m) % pub.nsquare, invalid
    (True, ())
    """
    ver = verification
    ctx = _ctx(context)
    c = _ct(ver, ciphertext)
    if not _is_int(plaintext):
        raise errors.N3TypeError("plaintext must be an int")
    seen, bad = _sort_partials(ver, partials)
    items = {m: (p.witness[0], p.witness[1:]) for m, p in seen.items() if p.witness is not None}
    y = _base(ver, "wit", c)
    valid, failed = _valid_members(ver, "wit", y, items, ctx)
    invalid = sorted(set(bad) | (set(seen) - set(items)) | set(failed))
    if len(valid) < ver.threshold:
        raise CheatingMembers(f"too few valid witness shares; invalid: {invalid}", invalid)
    used = valid[: ver.threshold]
    big_w = _combine_values(ver, "wit", {i: items[i][0] for i in used})
    n, n2 = ver.public_key.n, ver.public_key.nsquare
    g, a, b = gmpy2.gcdext(4 * ver.delta * ver.delta, n)
    if g != 1:  # pragma: no cover - n has no small factors
        raise errors.InvalidKey("gcd(4Δ², n) ≠ 1")
    rho = powmod(big_w, a, n) * powmod(y, b, n) % n
    u = c * ver.public_key.raw_gm(-(mpz(plaintext) % n)) % n2
    if powmod(rho, n, n2) != u:
        raise errors.IntegrityError("ciphertext does not decrypt to this plaintext")
    return int(rho), tuple(invalid)


# ------------------------------------------------------------------ dealer


def _factor_from_multiple(n: int, multiple: int) -> tuple[int, int]:
    """Factor ``n = pq`` given a non-zero multiple of ``φ(n)`` (Miller–Rabin idea)."""
    k = abs(multiple)
    s = (k & -k).bit_length() - 1
    odd = k >> s
    for _ in range(200):
        x = secrets.randbelow(n - 3) + 2
        g = math.gcd(x, n)
        if 1 < g < n:
            return g, n // g
        y = pow(x, odd, n)
        for _ in range(s):
            z = y * y % n
            if z == 1 and y not in (1, n - 1):
                p = math.gcd(y - 1, n)
                return p, n // p
            y = z
    raise errors.InvalidKey("could not factor n from the rebuilt exponent")


class ThresholdPaillier:
    """Trusted-dealer key generation for threshold Paillier.

    The dealer sees the whole key and must erase it after dealing; see
    docs/sharing.md for the model and what a dishonest dealer can do.

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier, combine_partials
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 5, 3, allow_insecure_size=True)
    >>> len(shares), [s.member for s in shares], ver.threshold
    (5, [1, 2, 3, 4, 5], 3)
    >>> c = pub.encrypt(1234)
    >>> combine_partials(pub, ver, c, [s.partial_decrypt(c) for s in shares[2:]])
    1234
    >>> old_pub, old_priv = generate_keypair(512, allow_insecure_size=True)  # safe primes
    >>> pub2, shares2, ver2 = ThresholdPaillier.deal_from_key(old_priv, 3, 2)
    >>> pub2 == old_pub                              # same key, now shared 2-of-3
    True
    >>> ThresholdPaillier.deal(1024, 3, 2)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidKey: 1024-bit keys are insecure; pass allow_insecure_size=True ...
    """

    @staticmethod
    def deal(
        n_length: int,
        members: int,
        threshold: int,
        *,
        allow_insecure_size: bool = False,
    ) -> tuple[PaillierPublicKey, list[KeyShare], VerificationKeys]:
        """Fresh safe primes of ``n_length/2`` bits, shared ``threshold``-of-``members``."""
        _check_lt(members, threshold)
        if isinstance(n_length, bool) or not isinstance(n_length, int) or n_length % 2:
            raise errors.N3ValueError("n_length must be an even int")
        if n_length < 2048 and not allow_insecure_size:
            raise errors.InvalidKey(
                f"{n_length}-bit keys are insecure; pass allow_insecure_size=True (tests/demos)"
            )
        half = n_length // 2
        while True:
            p = generate_prime(half, safe=True)
            q = generate_prime(half, safe=True)
            if p != q and (p * q).bit_length() == n_length and abs(p - q).bit_length() > half - 64:
                break
        return ThresholdPaillier.deal_from_primes(
            int(p), int(q), members, threshold, allow_insecure_size=allow_insecure_size
        )

    @staticmethod
    def deal_from_key(
        private_key: PaillierPrivateKey, members: int, threshold: int
    ) -> tuple[PaillierPublicKey, list[KeyShare], VerificationKeys]:
        """Share an existing key whose primes are safe (the dealer then
        should destroy ``private_key``). Keeps its public key (and ``h``)."""
        if not isinstance(private_key, PaillierPrivateKey):
            raise errors.N3TypeError("expected a PaillierPrivateKey")
        return _deal(
            private_key.public_key, int(private_key.p), int(private_key.q), members, threshold
        )

    @staticmethod
    def deal_from_primes(
        p: int, q: int, members: int, threshold: int, *, allow_insecure_size: bool = False
    ) -> tuple[PaillierPublicKey, list[KeyShare], VerificationKeys]:
        """Share the key ``n = pq`` for given safe primes."""
        _check_lt(members, threshold)
        _check_primes(p, q, members)
        n = p * q
        while True:
            x = random_unit(n)
            h = (-x * x) % n
            if h not in (1, n - 1):
                break
        pub = PaillierPublicKey(n, h=int(h), allow_insecure_size=allow_insecure_size)
        return _deal(pub, p, q, members, threshold)


def _check_primes(p: int, q: int, members: int) -> None:
    for r in (p, q):
        if isinstance(r, bool) or not _is_int(r):
            raise errors.N3TypeError("p and q must be ints")
    if p == q:
        raise errors.InvalidKey("p and q must differ")
    for r in (p, q):
        if not (is_probable_prime(r) and is_probable_prime((r - 1) // 2)):
            raise errors.InvalidKey("threshold Paillier needs safe primes p = 2p′+1, q = 2q′+1")
    if math.gcd(p * q, ((p - 1) // 2) * ((q - 1) // 2)) != 1:
        raise errors.InvalidKey("gcd(n, p′q′) ≠ 1")
    if min(p, q) <= members:
        raise errors.InvalidKey("primes must exceed the number of members")


def _deal(
    pub: PaillierPublicKey, p: int, q: int, members: int, threshold: int
) -> tuple[PaillierPublicKey, list[KeyShare], VerificationKeys]:
    _check_lt(members, threshold)
    n = p * q
    if n != pub.n:
        raise errors.InvalidKey("p·q does not match the public key")
    _check_primes(p, q, members)
    mp = ((p - 1) // 2) * ((q - 1) // 2)
    ring = n * mp
    d = mp * pow(mp, -1, n) % ring  # d ≡ 0 (mod m′), d ≡ 1 (mod n)
    k = pow(n, -1, mp)  # k ≡ n^{-1} (mod m′)
    f = [d] + [secrets.randbelow(ring) for _ in range(threshold - 1)]
    g = [k] + [secrets.randbelow(mp) for _ in range(threshold - 1)]

    def ev(coeffs: Sequence[int], x: int, mod: int) -> int:
        acc = 0
        for cf in reversed(coeffs):
            acc = (acc * x + cf) % mod
        return acc

    s = [ev(f, i, ring) for i in range(1, members + 1)]
    kk = [ev(g, i, mp) for i in range(1, members + 1)]
    delta = math.factorial(members)
    n2 = n * n
    v = powmod(random_unit(n2), 2, n2)
    w = powmod(random_unit(n), 2, n)
    # The dealer knows the group orders: reduce exponents (λ(n²) | 2·n·m′).
    vk = [powmod(v, delta * si % (2 * n * mp), n2) for si in s]
    wk = [powmod(w, delta * ki % (2 * mp), n) for ki in kk]
    ver = VerificationKeys(pub, members, threshold, int(v), vk, int(w), wk)
    return pub, [KeyShare(ver, i + 1, s[i], kk[i]) for i in range(members)], ver


def rebuild_private_key(key_shares: Iterable[KeyShare]) -> PaillierPrivateKey:
    """The whitepaper's mode: ``t`` members pool their shares and rebuild the
    whole private key (then anyone holding it can decrypt everything, forever,
    and forge decryption proofs). Emits :class:`KeyRebuildWarning`; prefer
    :func:`combine_partials`, where the key never exists in one place.

    Each share is checked against the verification keys first; bad shares
    raise :class:`CheatingMembers` naming them.

    >>> import warnings
    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier, rebuild_private_key
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     priv = rebuild_private_key(shares[1:])
    >>> [w.category.__name__ for w in caught]
    ['KeyRebuildWarning']
    >>> priv.public_key == pub, priv.decrypt(pub.encrypt(77))
    (True, 77)
    """
    got = check_iterable(key_shares, "key_shares")
    if not got or not all(isinstance(s, KeyShare) for s in got):
        raise errors.N3TypeError("expected KeyShare objects")
    ver = got[0].verification
    if any(s.verification != ver for s in got):
        raise errors.N3ValueError("key shares belong to different dealings")
    members = [s.member for s in got]
    if len(set(members)) != len(members):
        raise errors.N3ValueError("duplicate members")
    bad = []
    for s in got:
        try:
            s.check()
        except errors.ProofError:
            bad.append(s.member)
    good = [s for s in got if s.member not in bad]
    if len(good) < ver.threshold:
        raise CheatingMembers(
            f"{len(good)} valid key shares, {ver.threshold} needed; invalid: {bad}", bad
        )
    warnings.warn(
        "rebuilding the threshold Paillier private key in one place: whoever holds it can "
        "decrypt every ballot and forge decryption proofs; prefer combine_partials",
        KeyRebuildWarning,
        stacklevel=2,
    )
    use = good[: ver.threshold]
    ids = [s.member for s in use]
    big_d = sum(_lagrange(ids, s.member, ver.delta) * int(s._s) for s in use)
    n = int(ver.public_key.n)
    p, q = _factor_from_multiple(n, 4 * big_d)
    return PaillierPrivateKey(ver.public_key, p, q)
