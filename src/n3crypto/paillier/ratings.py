"""Rating rounds: raters' opinions of relays, pooled under a committee key.

One rating reveals which relays a receiver used, so ratings stay encrypted
until pooled. A :class:`RatingRound` fixes the committee public key, the
round's relay set, the rating scale ``0..R``, the round id and the number of
eligible raters N. Every :class:`RatingBallot` carries **one ciphertext per
relay of the round** — ``v = 0`` for a relay its rater did not use,
``v = 1 + rating·M`` for one it did (``M = N + 1``) — each with a
:class:`~n3crypto.paillier.proofs.MembershipProof` that
``v ∈ {0} ∪ {1 + j·M : 0 ≤ j ≤ R}`` bound to (round, relay, rater). So the
ballot's shape is the same whichever relays were used, and one decrypted
per-relay sum ``S`` yields both the count (``S mod M``, at most N < M) and the
total (``S div M``).

An :class:`Aggregator` checks eligibility (a pluggable
:class:`EligibilityPolicy`), rejects malformed, duplicate, replayed and
unproven ballots with a reason (:class:`BallotRejected`), keeps the per-relay
encrypted sums, saves and resumes its state, and has the tally decrypted
through a :class:`Decryptor` (a whole key now; threshold decryption later)
into a :class:`TallyResult` whose decryption proofs anyone can check.

>>> from n3crypto.paillier import generate_keypair
>>> from n3crypto.paillier.ratings import Aggregator, AllowList, KeyDecryptor, RatingRound
>>> pub, priv = generate_keypair(512, allow_insecure_size=True)
>>> rnd = RatingRound(pub, ["relay-a", "relay-b", "relay-c"], scale=5,
...                   round_id="2026-11-27/r1", n_raters=3)
>>> agg = Aggregator(rnd, AllowList(["alice", "bob", "carol"]))
>>> agg.submit(rnd.cast({"relay-a": 5, "relay-c": 2}, "alice"))
>>> agg.submit(rnd.cast({"relay-a": 4}, "bob"))
>>> agg.submit(rnd.cast({"relay-a": 1}, "bob"))
Traceback (most recent call last):
...
n3crypto.paillier.ratings.BallotRejected: duplicate-rater: rater 'bob' already submitted a ballot
>>> result = agg.tally(KeyDecryptor(priv))
>>> [(t.relay, t.count, t.total, t.average) for t in result.relays]
[('relay-a', 2, 9, Fraction(9, 2)), ('relay-b', 0, 0, None), ('relay-c', 1, 2, Fraction(2, 1))]
>>> result.verify(rnd, agg.sums)
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol, runtime_checkable

from n3crypto import envelope, errors
from n3crypto._check import (
    check_bytes,
    check_int,
    check_iterable,
    check_path,
    check_str,
    check_type,
)
from n3crypto.paillier import _codec
from n3crypto.paillier._arith import gcd, is_int, mpz
from n3crypto.paillier.keys import EncryptedNumber, Mode, PaillierPrivateKey, PaillierPublicKey
from n3crypto.paillier.proofs import (
    DecryptionProof,
    MembershipProof,
    prove_membership,
    verify_batch,
)
from n3crypto.utils import atomic_write

__all__ = [
    "Aggregator",
    "AllowAll",
    "AllowList",
    "BallotRejected",
    "Decryptor",
    "EligibilityPolicy",
    "KeyDecryptor",
    "RatingBallot",
    "RatingRound",
    "RelayTally",
    "TallyResult",
    "TransferTokens",
]

_DST_CTX = b"n3crypto/paillier/rating-entry/v1\x00"
_DST_TALLY = b"n3crypto/paillier/rating-tally/v1\x00"
MAX_RELAYS = 4096
MAX_SCALE = 1000
MAX_ID = 256


def _id_bytes(value: str | bytes, what: str) -> bytes:
    if isinstance(value, str):
        raw = check_str(value, what).encode("utf-8")
    elif isinstance(value, bytes | bytearray):
        raw = bytes(value)
    else:
        raise errors.N3TypeError(f"{what} must be str or bytes")
    if not 1 <= len(raw) <= MAX_ID:
        raise errors.N3ValueError(f"{what} must be 1..{MAX_ID} bytes")
    return raw


class RatingRound:
    """Public parameters of one rating round (see the module docstring).

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import RatingRound
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> rnd = RatingRound(pub, ["relay-a", "relay-b"], scale=5, round_id="r1", n_raters=3)
    >>> rnd
    <RatingRound b'r1' relays=2 R=5 N=3 fast>
    >>> rnd.M, rnd.allowed                        # entry values: 0, or 1 + rating * M
    (4, (0, 1, 5, 9, 13, 17, 21))
    >>> rnd.value_for(4), rnd.value_for(None)
    (17, 0)
    >>> ballot = rnd.cast({"relay-a": 4}, "alice")          # one entry per relay
    >>> ballot, ballot.round_digest == rnd.digest
    (<RatingBallot rater='alice' entries=2>, True)
    >>> RatingRound.from_bytes(rnd.to_bytes(), allow_insecure_size=True).digest == rnd.digest
    True
    """

    def __init__(
        self,
        public_key: PaillierPublicKey,
        relays: Sequence[str],
        scale: int,
        round_id: str | bytes,
        n_raters: int,
        *,
        mode: Mode | None = None,
        short_exponent: bool = False,
    ) -> None:
        if not isinstance(public_key, PaillierPublicKey):
            raise errors.N3TypeError("public_key must be a PaillierPublicKey")
        if isinstance(relays, str) or not all(
            isinstance(r, str) for r in check_iterable(relays, "relays")
        ):
            raise errors.N3TypeError("relays must be a sequence of str")
        relays = tuple(relays)
        if not 1 <= len(relays) <= MAX_RELAYS or len(set(relays)) != len(relays):
            raise errors.N3ValueError(f"relays must be 1..{MAX_RELAYS} distinct names")
        for r in relays:
            _id_bytes(r, "relay name")
        for v, what, hi in ((scale, "scale", MAX_SCALE), (n_raters, "n_raters", 1 << 40)):
            if isinstance(v, bool) or not isinstance(v, int):
                raise errors.N3TypeError(f"{what} must be an int")
            if not 1 <= v <= hi:
                raise errors.N3ValueError(f"{what} must be in 1..{hi}")
        if mode is None:
            mode = "fast" if public_key.supports_fast else "standard"
        if mode not in ("standard", "fast"):
            raise errors.N3ValueError("mode must be 'standard' or 'fast'")
        if mode == "fast" and not public_key.supports_fast:
            raise errors.N3ValueError("fast mode needs a key with the DJN base h")
        if short_exponent and mode != "fast":
            raise errors.N3ValueError("short_exponent applies to mode='fast' only")
        self.public_key = public_key
        self.relays: tuple[str, ...] = relays
        self.scale = scale
        self.round_id = _id_bytes(round_id, "round_id")
        self.n_raters = n_raters
        self.mode: str = mode
        self.short_exponent = bool(short_exponent)
        self.M = n_raters + 1
        self.allowed: tuple[int, ...] = (0, *(1 + j * self.M for j in range(scale + 1)))
        if n_raters * self.allowed[-1] > public_key.max_int:
            raise errors.N3ValueError("n_raters·(1 + R·M) exceeds max_int for this key")
        self.digest = hashlib.sha256(
            b"n3crypto/paillier/rating-round/v1\x00" + self._body()
        ).digest()
        self._index = {r: i for i, r in enumerate(relays)}

    def __repr__(self) -> str:
        return (
            f"<RatingRound {self.round_id!r} relays={len(self.relays)} R={self.scale} "
            f"N={self.n_raters} {self.mode}>"
        )

    def _body(self) -> bytes:
        return _codec.fields(
            self.public_key.to_bytes(),
            _codec.seq(r.encode() for r in self.relays),
            _codec.uint(self.scale),
            self.round_id,
            _codec.uint(self.n_raters),
            self.mode.encode(),
            _codec.uint(int(self.short_exponent)),
        )

    def context(self, relay_index: int, rater_id: str) -> bytes:
        """Fiat–Shamir context of one ballot entry: round, relay, rater."""
        check_int(relay_index, "relay_index", 0, len(self.relays) - 1)
        return _DST_CTX + _codec.fields(
            self.digest,
            _codec.uint(relay_index),
            self.relays[relay_index].encode(),
            _id_bytes(rater_id, "rater_id"),
        )

    def value_for(self, rating: int | None) -> int:
        """Plaintext of an entry: 0 for an unused relay, 1 + rating·M otherwise."""
        if rating is None:
            return 0
        if isinstance(rating, bool) or not isinstance(rating, int):
            raise errors.N3TypeError("ratings must be ints")
        if not 0 <= rating <= self.scale:
            raise errors.N3ValueError(f"rating must be in 0..{self.scale}")
        return 1 + rating * self.M

    def cast(
        self, ratings: Mapping[str, int], rater_id: str, credential: bytes = b""
    ) -> RatingBallot:
        """Build a ballot: one entry per relay of the round, whatever was used."""
        if not isinstance(ratings, Mapping):
            raise errors.N3TypeError("ratings must map relay name to rating")
        unknown = [r for r in ratings if r not in self._index]
        if unknown:
            raise errors.N3ValueError(f"relays not in this round: {unknown[:3]}")
        if not isinstance(credential, bytes | bytearray):
            raise errors.N3TypeError("credential must be bytes")
        _id_bytes(rater_id, "rater_id")
        pk = self.public_key
        bits = pk.exponent_bits(self.short_exponent) if self.mode == "fast" else 0
        entries: list[tuple[int, MembershipProof]] = []
        for i, relay in enumerate(self.relays):
            v = self.value_for(ratings.get(relay))
            c, w = pk._encrypt_mantissa(v, self.mode, self.short_exponent)
            proof = prove_membership(
                pk, c, v, w, self.allowed, self.context(i, rater_id), self.mode, bits
            )
            entries.append((int(c), proof))
        width = (pk.nsquare.bit_length() + 7) // 8
        return RatingBallot(self.digest, rater_id, bytes(credential), tuple(entries), width)

    # -- wire formats -----------------------------------------------------------
    def to_bytes(self) -> bytes:
        return envelope.pack("paillier-rating-round", 1, self._body())

    __bytes__ = to_bytes

    @classmethod
    def from_bytes(cls, blob: bytes, *, allow_insecure_size: bool = False) -> RatingRound:
        r = _codec.open_envelope(blob, "paillier-rating-round")
        pk = PaillierPublicKey.from_bytes(r.blob(), allow_insecure_size=allow_insecure_size)
        relays = []
        for x in r.seq():
            try:
                relays.append(x.decode("utf-8"))
            except UnicodeDecodeError:
                raise errors.InvalidEncoding("relay name is not UTF-8") from None
        scale, round_id, n_raters = r.uint(), r.blob(), r.uint()
        mode, short = r.text(), r.uint()
        r.done()
        if short not in (0, 1) or mode not in ("standard", "fast"):
            raise errors.InvalidEncoding("bad round mode")
        return cls(pk, relays, scale, round_id, n_raters, mode=mode, short_exponent=bool(short))  # type: ignore[arg-type]

    def to_json(self) -> str:
        pk = json.loads(self.public_key.to_json())
        body = {
            "public_key": {"n": pk["n"], "h": pk["h"]},
            "relays": list(self.relays),
            "scale": self.scale,
            "round_id": self.round_id.hex(),
            "n_raters": self.n_raters,
            "mode": self.mode,
            "short_exponent": self.short_exponent,
        }
        return _codec.dump_json("paillier-rating-round", 1, body)

    @classmethod
    def from_json(cls, text: str | bytes, *, allow_insecure_size: bool = False) -> RatingRound:
        keys = ("public_key", "relays", "scale", "round_id", "n_raters", "mode", "short_exponent")
        obj = _codec.load_json(text, "paillier-rating-round", keys)
        pk_obj = obj["public_key"]
        if not isinstance(pk_obj, dict):
            raise errors.InvalidEncoding("public_key must be an object")
        pk = PaillierPublicKey.from_json(
            json.dumps({"kind": "paillier-public-key", "version": 1, **pk_obj}),
            allow_insecure_size=allow_insecure_size,
        )
        relays, mode, short = obj["relays"], obj["mode"], obj["short_exponent"]
        if (
            not isinstance(relays, list)
            or not isinstance(short, bool)
            or mode
            not in (
                "standard",
                "fast",
            )
        ):
            raise errors.InvalidEncoding("bad relays, mode or short_exponent")
        try:
            round_id = bytes.fromhex(obj["round_id"])
        except (TypeError, ValueError):
            raise errors.InvalidEncoding("round_id must be hex") from None
        try:
            return cls(
                pk, relays, obj["scale"], round_id, obj["n_raters"], mode=mode, short_exponent=short
            )
        except errors.N3TypeError as exc:
            raise errors.InvalidEncoding(str(exc)) from None


@dataclass(frozen=True, slots=True)
class RatingBallot:
    """A rater's ballot: one (ciphertext, proof) per relay of the round.

    Made by :meth:`RatingRound.cast`; every integer is written at a fixed
    width, so all ballots of a round (from raters with ids of one length)
    have one size whatever they rate.

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import RatingBallot, RatingRound
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> rnd = RatingRound(pub, ["relay-a", "relay-b"], scale=5, round_id="r1", n_raters=3)
    >>> a, b = rnd.cast({"relay-a": 4}, "alice"), rnd.cast({}, "carol")
    >>> len(a.to_bytes()) == len(b.to_bytes())
    True
    >>> RatingBallot.from_bytes(a.to_bytes()) == a, RatingBallot.from_json(a.to_json()) == a
    (True, True)
    """

    round_digest: bytes
    rater_id: str
    credential: bytes
    entries: tuple[tuple[int, MembershipProof], ...]
    width: int = 0
    """Byte length of n² when cast: fixes the size of every encoded integer."""

    def __repr__(self) -> str:
        return f"<RatingBallot rater={self.rater_id!r} entries={len(self.entries)}>"

    def to_bytes(self) -> bytes:
        body = _codec.fields(
            self.round_digest,
            self.rater_id.encode("utf-8"),
            self.credential,
            _codec.uint(self.width),
            _codec.seq(
                _codec.fields(
                    _codec.uint_fixed(c, self.width) if self.width else _codec.uint(c),
                    p.to_bytes(self.width),
                )
                for c, p in self.entries
            ),
        )
        return envelope.pack("paillier-rating-ballot", 1, body)

    __bytes__ = to_bytes

    @classmethod
    def from_bytes(cls, blob: bytes) -> RatingBallot:
        r = _codec.open_envelope(blob, "paillier-rating-ballot")
        digest, rater, cred, width = r.blob(), r.text(), r.blob(), r.uint()
        if width > 1 << 16:
            raise errors.InvalidEncoding("absurd integer width")
        entries = []
        for raw in r.seq():
            er = _codec.Reader(raw)
            c = _codec.parse_uint(er.blob(), width)
            proof = MembershipProof.from_bytes(er.blob())
            er.done()
            entries.append((c, proof))
        r.done()
        return cls(digest, rater, cred, tuple(entries), width)

    def to_json(self) -> str:
        body = {
            "round": self.round_digest.hex(),
            "rater": self.rater_id,
            "credential": self.credential.hex(),
            "width": self.width,
            "entries": [
                {"ciphertext": _codec.int_to_json(c), "proof": p._as_obj()} for c, p in self.entries
            ],
        }
        return _codec.dump_json("paillier-rating-ballot", 1, body)

    @classmethod
    def from_json(cls, text: str | bytes) -> RatingBallot:
        obj = _codec.load_json(
            text, "paillier-rating-ballot", ("round", "rater", "credential", "width", "entries")
        )
        try:
            digest = bytes.fromhex(obj["round"])
            cred = bytes.fromhex(obj["credential"])
        except (TypeError, ValueError):
            raise errors.InvalidEncoding("round and credential must be hex strings") from None
        if not isinstance(obj["rater"], str) or not isinstance(obj["entries"], list):
            raise errors.InvalidEncoding("bad rater or entries")
        entries = []
        for e in obj["entries"]:
            if not isinstance(e, dict) or set(e) != {"ciphertext", "proof"}:
                raise errors.InvalidEncoding("bad ballot entry")
            p = e["proof"]
            if not isinstance(p, dict) or set(p) != {
                "mode",
                "commitments",
                "challenges",
                "responses",
            }:
                raise errors.InvalidEncoding("bad proof object")
            entries.append(
                (_codec.int_from_json(e["ciphertext"], "ciphertext"), MembershipProof._from_obj(p))
            )
        width = obj["width"]
        if isinstance(width, bool) or not isinstance(width, int) or not 0 <= width <= 1 << 16:
            raise errors.InvalidEncoding("bad width")
        return cls(digest, obj["rater"], cred, tuple(entries), width)


# ------------------------------------------------------------------ eligibility


@runtime_checkable
class EligibilityPolicy(Protocol):
    """Decides whether a rater may submit in a round; raises if not.

    Any object with this ``check`` method will do (it is checked
    structurally); raise an :class:`~n3crypto.errors.N3CryptoError` or
    :class:`ValueError` to refuse.

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import Aggregator, EligibilityPolicy, RatingRound
    >>> class Customers:
    ...     def check(self, round, rater_id, credential):
    ...         if not rater_id.startswith("cust-"):
    ...             raise ValueError(f"{rater_id!r} is not a customer")
    >>> isinstance(Customers(), EligibilityPolicy)
    True
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> rnd = RatingRound(pub, ["relay-a"], scale=5, round_id="r1", n_raters=3)
    >>> agg = Aggregator(rnd, Customers())
    >>> agg.submit(rnd.cast({"relay-a": 3}, "cust-1"))
    >>> agg.submit(rnd.cast({"relay-a": 0}, "eve"))
    Traceback (most recent call last):
    ...
    n3crypto.paillier.ratings.BallotRejected: ineligible: 'eve' is not a customer
    """

    def check(self, round: RatingRound, rater_id: str, credential: bytes) -> None: ...


class AllowAll:
    """Every rater is eligible (tests and demos; the capacity N still applies).

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import Aggregator, AllowAll, RatingRound
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> rnd = RatingRound(pub, ["relay-a"], scale=5, round_id="r1", n_raters=1)
    >>> agg = Aggregator(rnd, AllowAll())
    >>> agg.submit(rnd.cast({"relay-a": 3}, "anyone"))
    >>> agg.submit(rnd.cast({"relay-a": 3}, "someone else"))
    Traceback (most recent call last):
    ...
    n3crypto.paillier.ratings.BallotRejected: round-full: all 1 ballots are in
    """

    def check(self, round: RatingRound, rater_id: str, credential: bytes) -> None:
        return None


class AllowList:
    """Raters named in a fixed list.

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import AllowList, RatingRound
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> rnd = RatingRound(pub, ["relay-a"], scale=5, round_id="r1", n_raters=3)
    >>> policy = AllowList(["alice", "bob"])
    >>> policy.check(rnd, "alice", b"")                      # returns None
    >>> policy.check(rnd, "eve", b"")
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3ValueError: rater 'eve' is not on the list
    """

    def __init__(self, raters: Iterable[str]) -> None:
        names = check_iterable(raters, "raters")
        for r in names:
            check_str(r, "a rater id")
        self.raters = frozenset(names)

    def check(self, round: RatingRound, rater_id: str, credential: bytes) -> None:
        if check_str(rater_id, "rater_id") not in self.raters:
            raise errors.N3ValueError(f"rater {rater_id!r} is not on the list")


class TransferTokens:
    """One token per completed transfer: ``transfer id || HMAC-SHA256(key,
    round digest, rater, transfer id)``, issued by whoever saw the transfer
    complete and checked here with the same key. The key is secret (never
    printed); :meth:`issue` is for the issuer, :meth:`check` for aggregators.

    >>> import secrets
    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import Aggregator, RatingRound, TransferTokens
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> rnd = RatingRound(pub, ["relay-a"], scale=5, round_id="r1", n_raters=3)
    >>> tokens = TransferTokens(secrets.token_bytes(32))
    >>> token = tokens.issue(rnd, "carol", b"transfer-17")  # to carol, after her transfer
    >>> tokens.check(rnd, "carol", token)                   # returns None
    >>> agg = Aggregator(rnd, tokens)
    >>> agg.submit(rnd.cast({"relay-a": 5}, "carol", token))
    >>> agg.submit(rnd.cast({"relay-a": 0}, "dave", token))   # carol's token
    Traceback (most recent call last):
    ...
    n3crypto.paillier.ratings.BallotRejected: ineligible: transfer token does not verify
    """

    def __init__(self, key: bytes) -> None:
        if not isinstance(key, bytes) or len(key) < 16:
            raise errors.N3ValueError("token key must be at least 16 bytes")
        self.__key = key

    def __repr__(self) -> str:
        return "<TransferTokens>"

    def __reduce__(self) -> Any:
        raise errors.N3TypeError("token keys are not picklable")

    def _tag(self, round: RatingRound, rater_id: str, transfer_id: bytes) -> bytes:
        check_type(round, RatingRound, "round")
        rid = check_str(rater_id, "rater_id").encode("utf-8")
        msg = _codec.fields(round.digest, rid, transfer_id)
        return hmac.new(
            self.__key, b"n3crypto/paillier/transfer-token\x00" + msg, "sha256"
        ).digest()

    def issue(self, round: RatingRound, rater_id: str, transfer_id: bytes) -> bytes:
        transfer_id = check_bytes(transfer_id, "transfer_id")
        if not 1 <= len(transfer_id) <= 64:
            raise errors.N3ValueError("transfer id must be 1..64 bytes")
        return bytes([len(transfer_id)]) + transfer_id + self._tag(round, rater_id, transfer_id)

    def check(self, round: RatingRound, rater_id: str, credential: bytes) -> None:
        credential = check_bytes(credential, "credential")
        if len(credential) < 2 or len(credential) != 1 + credential[0] + 32:
            raise errors.N3ValueError("malformed transfer token")
        tid = credential[1 : 1 + credential[0]]
        if not hmac.compare_digest(credential[1 + len(tid) :], self._tag(round, rater_id, tid)):
            raise errors.N3ValueError("transfer token does not verify")


# ------------------------------------------------------------------ aggregation


class BallotRejected(errors.N3CryptoError):
    """A ballot was refused; ``reason`` is one of ``wrong-round``,
    ``malformed``, ``duplicate-rater``, ``ineligible``, ``round-full``,
    ``replayed-ciphertext``, ``invalid-proof``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


@runtime_checkable
class Decryptor(Protocol):
    """Decrypts tally sums and proves each result (whole key or threshold).

    :class:`KeyDecryptor` holds a whole key;
    :class:`n3crypto.sharing.committee.ThresholdDecryptor` asks a committee.
    Anything with these two members will do (checked structurally).

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import Decryptor, KeyDecryptor
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> isinstance(KeyDecryptor(priv), Decryptor), isinstance(priv, Decryptor)
    (True, False)
    """

    @property
    def public_key(self) -> PaillierPublicKey: ...

    def decrypt_with_proofs(
        self, ciphertexts: Sequence[EncryptedNumber], contexts: Sequence[bytes]
    ) -> list[tuple[int, DecryptionProof]]: ...


class KeyDecryptor:
    """A :class:`Decryptor` holding the whole private key.

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import KeyDecryptor
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> dec = KeyDecryptor(priv)
    >>> c = pub.encrypt(17)
    >>> [(value, proof)] = dec.decrypt_with_proofs([c], [b"relay-a"])
    >>> value, proof.verify(pub, c, value, b"relay-a")
    (17, None)
    """

    def __init__(self, private_key: PaillierPrivateKey) -> None:
        if not isinstance(private_key, PaillierPrivateKey):
            raise errors.N3TypeError("expected a PaillierPrivateKey")
        self._key = private_key

    def __repr__(self) -> str:
        return "<KeyDecryptor>"

    def __reduce__(self) -> Any:
        raise errors.N3TypeError("a decryptor holds a private key and is not picklable")

    @property
    def public_key(self) -> PaillierPublicKey:
        return self._key.public_key

    def decrypt_with_proofs(
        self, ciphertexts: Sequence[EncryptedNumber], contexts: Sequence[bytes]
    ) -> list[tuple[int, DecryptionProof]]:
        cts = check_iterable(ciphertexts, "ciphertexts")
        ctxs = check_iterable(contexts, "contexts")
        if len(cts) != len(ctxs):
            raise errors.N3ValueError("one context per ciphertext is needed")
        out = []
        for c, ctx in zip(cts, ctxs, strict=True):
            value, proof = self._key.decrypt_with_proof(c, ctx)
            out.append((int(value), proof))
        return out


@dataclass(frozen=True, slots=True)
class RelayTally:
    relay: str
    count: int
    total: int
    sum: int
    proof: DecryptionProof

    @property
    def average(self) -> Fraction | None:
        return Fraction(self.total, self.count) if self.count else None


@dataclass(frozen=True, slots=True)
class TallyResult:
    """Per-relay counts, totals and averages, with decryption proofs.

    Returned by :meth:`Aggregator.tally`; ``relays`` holds one
    :class:`RelayTally` (``relay``, ``count``, ``total``, ``sum``,
    ``proof``, ``average``) per relay of the round. Publish it as JSON with
    the accepted ballots; anyone can recompute the sums and :meth:`verify`.

    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import (Aggregator, AllowAll, KeyDecryptor,
    ...                                        RatingRound, TallyResult)
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> rnd = RatingRound(pub, ["relay-a", "relay-b"], scale=5, round_id="r1", n_raters=3)
    >>> agg = Aggregator(rnd, AllowAll())
    >>> agg.submit(rnd.cast({"relay-a": 4, "relay-b": 1}, "alice"))
    >>> agg.submit(rnd.cast({"relay-a": 5}, "bob"))
    >>> result = agg.tally(KeyDecryptor(priv))
    >>> result.ballots, [(t.relay, t.count, t.total, t.average) for t in result.relays]
    (2, [('relay-a', 2, 9, Fraction(9, 2)), ('relay-b', 1, 1, Fraction(1, 1))])
    >>> published = TallyResult.from_json(result.to_json())
    >>> published.verify(rnd, agg.sums)                       # returns None
    """

    round_digest: bytes
    ballots: int
    relays: tuple[RelayTally, ...]

    def verify(self, round: RatingRound, sums: Sequence[EncryptedNumber]) -> None:
        """Check every decryption proof against the encrypted sums (which
        anyone can recompute from the published accepted ballots)."""
        check_type(round, RatingRound, "round")
        sums = check_iterable(sums, "sums")
        if self.round_digest != round.digest or len(sums) != len(self.relays):
            raise errors.ProofError("tally does not belong to this round")
        for i, (t, c) in enumerate(zip(self.relays, sums, strict=True)):
            if t.relay != round.relays[i] or t.sum != t.count + round.M * t.total:
                raise errors.ProofError(f"tally entry {i} is inconsistent")
            if not 0 <= t.count <= self.ballots or not 0 <= t.total <= round.scale * t.count:
                raise errors.ProofError(f"tally entry {i} is out of range")
            t.proof.verify(round.public_key, c, t.sum, _tally_context(round, i))

    def to_json(self) -> str:
        body = {
            "round": self.round_digest.hex(),
            "ballots": self.ballots,
            "relays": [
                {
                    "relay": t.relay,
                    "count": t.count,
                    "total": t.total,
                    "sum": _codec.int_to_json(t.sum),
                    "proof": {
                        k: v
                        for k, v in json.loads(t.proof.to_json()).items()
                        if k not in ("kind", "version")
                    },
                }
                for t in self.relays
            ],
        }
        return _codec.dump_json("paillier-rating-tally", 1, body)

    @classmethod
    def from_json(cls, text: str | bytes) -> TallyResult:
        """Parse a published tally (then :meth:`verify` it against the round)."""
        obj = _codec.load_json(text, "paillier-rating-tally", ("round", "ballots", "relays"))
        try:
            digest = bytes.fromhex(obj["round"])
        except (TypeError, ValueError):
            raise errors.InvalidEncoding("round must be a hex string") from None
        ballots, rows = obj["ballots"], obj["relays"]
        if isinstance(ballots, bool) or not isinstance(ballots, int) or ballots < 0:
            raise errors.InvalidEncoding("ballots must be a non-negative integer")
        if not isinstance(rows, list) or len(rows) > MAX_RELAYS:
            raise errors.InvalidEncoding("relays must be a list")
        out = []
        for row in rows:
            if not isinstance(row, dict) or set(row) != {"relay", "count", "total", "sum", "proof"}:
                raise errors.InvalidEncoding("bad tally row")
            count, total = row["count"], row["total"]
            if not isinstance(row["relay"], str) or not all(
                isinstance(v, int) and not isinstance(v, bool) for v in (count, total)
            ):
                raise errors.InvalidEncoding("bad tally row types")
            proof = DecryptionProof.from_json(
                json.dumps({"kind": "paillier-decryption-proof", "version": 1, **row["proof"]})
                if isinstance(row["proof"], dict)
                else "null"
            )
            out.append(
                RelayTally(
                    row["relay"], count, total, _codec.int_from_json(row["sum"], "sum"), proof
                )
            )
        return cls(digest, ballots, tuple(out))


def _tally_context(round: RatingRound, index: int) -> bytes:
    return _DST_TALLY + _codec.fields(round.digest, _codec.uint(index))


class Aggregator:
    """Verifies ballots and keeps per-relay encrypted sums for one round.

    :meth:`submit` raises :class:`BallotRejected` (with a ``reason``);
    :meth:`submit_many` checks all proofs in one batch and returns the
    rejections in place. State survives restarts with :meth:`save` and
    :meth:`load`.

    >>> import os, tempfile
    >>> from n3crypto.paillier import generate_keypair
    >>> from n3crypto.paillier.ratings import (Aggregator, AllowList, BallotRejected,
    ...                                        KeyDecryptor, RatingRound)
    >>> pub, priv = generate_keypair(512, allow_insecure_size=True)
    >>> rnd = RatingRound(pub, ["relay-a", "relay-b"], scale=5, round_id="r1", n_raters=3)
    >>> policy = AllowList(["alice", "bob", "carol"])
    >>> agg = Aggregator(rnd, policy)
    >>> alice = rnd.cast({"relay-a": 4}, "alice")
    >>> agg.submit(alice)
    >>> try:
    ...     agg.submit(alice)
    ... except BallotRejected as exc:
    ...     print(exc.reason)
    duplicate-rater
    >>> agg.submit_many([rnd.cast({"relay-b": 2}, "bob"), rnd.cast({}, "mallory")])
    [None, BallotRejected("ineligible: rater 'mallory' is not on the list")]
    >>> agg.accepted, agg.rejections
    (2, [('alice', 'duplicate-rater'), ('mallory', 'ineligible')])
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "r1.state")
    >>> agg.save(path)
    >>> resumed = Aggregator.load(rnd, policy, path)
    >>> [(t.relay, t.count, t.total) for t in resumed.tally(KeyDecryptor(priv)).relays]
    [('relay-a', 1, 4), ('relay-b', 1, 2)]
    >>> tmp.cleanup()
    """

    def __init__(self, round: RatingRound, policy: EligibilityPolicy) -> None:
        if not isinstance(round, RatingRound):
            raise errors.N3TypeError("round must be a RatingRound")
        if not isinstance(policy, EligibilityPolicy):
            raise errors.N3TypeError("policy must implement check(round, rater_id, credential)")
        self.round = round
        self.policy = policy
        self._sums: list[int] = [mpz(1)] * len(round.relays)
        self._raters: set[str] = set()
        self._seen: set[bytes] = set()
        self.rejections: list[tuple[str, str]] = []

    def __repr__(self) -> str:
        return f"<Aggregator {self.round.round_id!r} accepted={self.accepted}>"

    @property
    def accepted(self) -> int:
        return len(self._raters)

    @property
    def sums(self) -> list[EncryptedNumber]:
        """The per-relay encrypted sums (bounds: accepted × max value)."""
        pk = self.round.public_key
        bound = self.accepted * self.round.allowed[-1]
        return [
            EncryptedNumber(pk, c, 0, bound=bound, mode=self.round.mode, _trusted=True)
            for c in self._sums
        ]

    def _reject(self, ballot: Any, reason: str, detail: str) -> BallotRejected:
        rater = getattr(ballot, "rater_id", "?")
        self.rejections.append((str(rater)[:MAX_ID], reason))
        return BallotRejected(reason, detail)

    def _precheck(
        self, ballot: Any, pending: set[str], pending_digests: set[bytes] | None = None
    ) -> list[bytes]:
        rnd = self.round
        if not isinstance(ballot, RatingBallot):
            raise self._reject(ballot, "malformed", "not a RatingBallot")
        if ballot.round_digest != rnd.digest:
            raise self._reject(ballot, "wrong-round", "ballot is for another round")
        if not isinstance(ballot.rater_id, str) or not 1 <= len(ballot.rater_id.encode()) <= MAX_ID:
            raise self._reject(ballot, "malformed", "bad rater id")
        if len(ballot.entries) != len(rnd.relays):
            raise self._reject(
                ballot, "malformed", f"{len(ballot.entries)} entries for {len(rnd.relays)} relays"
            )
        if ballot.rater_id in self._raters or ballot.rater_id in pending:
            raise self._reject(
                ballot, "duplicate-rater", f"rater {ballot.rater_id!r} already submitted a ballot"
            )
        try:
            self.policy.check(rnd, ballot.rater_id, ballot.credential)
        except (errors.N3CryptoError, ValueError) as exc:
            raise self._reject(ballot, "ineligible", str(exc)) from None
        if self.accepted + len(pending) >= rnd.n_raters:
            raise self._reject(ballot, "round-full", f"all {rnd.n_raters} ballots are in")
        n, n2 = rnd.public_key.n, rnd.public_key.nsquare
        digests = []
        for c, proof in ballot.entries:
            if not is_int(c) or not 0 < c < n2 or gcd(c, n) != 1:
                raise self._reject(ballot, "malformed", "ciphertext is not a unit mod n²")
            if not isinstance(proof, MembershipProof) or proof.mode != rnd.mode:
                raise self._reject(ballot, "malformed", f"proofs must be {rnd.mode}-mode")
            d = hashlib.sha256(_codec.uint(c)).digest()[:16]
            if d in self._seen or d in digests or (pending_digests and d in pending_digests):
                raise self._reject(ballot, "replayed-ciphertext", "a ciphertext was seen before")
            digests.append(d)
        return digests

    def _items(
        self, ballot: RatingBallot
    ) -> list[tuple[int, MembershipProof, Sequence[int], bytes]]:
        rnd = self.round
        return [
            (c, p, rnd.allowed, rnd.context(i, ballot.rater_id))
            for i, (c, p) in enumerate(ballot.entries)
        ]

    def _accept(self, ballot: RatingBallot, digests: list[bytes]) -> None:
        n2 = self.round.public_key.nsquare
        for i, (c, _) in enumerate(ballot.entries):
            self._sums[i] = self._sums[i] * c % n2
        self._raters.add(ballot.rater_id)
        self._seen.update(digests)

    def submit(self, ballot: RatingBallot) -> None:
        """Verify and add one ballot; raises :class:`BallotRejected`."""
        digests = self._precheck(ballot, set())
        try:
            verify_batch(self.round.public_key, self._items(ballot))
        except errors.ProofError as exc:
            raise self._reject(ballot, "invalid-proof", str(exc)) from None
        self._accept(ballot, digests)

    def submit_many(self, ballots: Iterable[RatingBallot]) -> list[BallotRejected | None]:
        """Verify many ballots in one batch; returns None or the rejection per ballot."""
        results: list[BallotRejected | None] = []
        staged: list[tuple[int, RatingBallot, list[bytes]]] = []
        pending: set[str] = set()
        pending_digests: set[bytes] = set()
        for b in check_iterable(ballots, "ballots"):
            try:
                digests = self._precheck(b, pending, pending_digests)
            except BallotRejected as exc:
                results.append(exc)
                continue
            staged.append((len(results), b, digests))
            pending.add(b.rater_id)
            pending_digests.update(digests)
            results.append(None)
        items: list[tuple[int, MembershipProof, Sequence[int], bytes]] = []
        owner: list[int] = []
        for k, (_, b, _) in enumerate(staged):
            its = self._items(b)
            items.extend(its)
            owner.extend([k] * len(its))
        bad: set[int] = set()
        if items:
            try:
                verify_batch(self.round.public_key, items)
            except errors.ProofError as exc:
                failed = getattr(exc, "failed", range(len(items)))
                bad = {owner[i] for i in failed}
        for k, (pos, b, digests) in enumerate(staged):
            if k in bad:
                results[pos] = self._reject(b, "invalid-proof", "a membership proof failed")
            else:
                self._accept(b, digests)
        return results

    def tally(self, decryptor: Decryptor) -> TallyResult:
        """Decrypt the per-relay sums into counts, totals and averages."""
        rnd = self.round
        if not isinstance(decryptor, Decryptor):
            raise errors.N3TypeError(
                f"decryptor must be a Decryptor (public_key, decrypt_with_proofs), "
                f"not {type(decryptor).__name__}"
            )
        if not isinstance(decryptor.public_key, PaillierPublicKey):
            raise errors.N3TypeError("decryptor.public_key must be a PaillierPublicKey")
        if not rnd.public_key.same_modulus(decryptor.public_key):
            raise errors.InvalidKey("decryptor holds a different key")
        sums = self.sums
        ctxs = [_tally_context(rnd, i) for i in range(len(sums))]
        out = []
        for i, (value, proof) in enumerate(decryptor.decrypt_with_proofs(sums, ctxs)):
            count, total = value % rnd.M, value // rnd.M
            if value < 0 or count > self.accepted or total > rnd.scale * count:
                raise errors.IntegrityError(f"decrypted sum for relay {i} is out of range")
            out.append(RelayTally(rnd.relays[i], count, total, value, proof))
        return TallyResult(rnd.digest, self.accepted, tuple(out))

    # -- persistence --------------------------------------------------------------
    def to_bytes(self) -> bytes:
        body = _codec.fields(
            self.round.digest,
            _codec.seq(r.encode("utf-8") for r in sorted(self._raters)),
            _codec.seq(sorted(self._seen)),
            _codec.seq(_codec.uint(c) for c in self._sums),
            _codec.seq(
                _codec.fields(r.encode("utf-8"), why.encode()) for r, why in self.rejections
            ),
        )
        return envelope.pack("paillier-tally-state", 1, body)

    @classmethod
    def from_bytes(cls, round: RatingRound, policy: EligibilityPolicy, blob: bytes) -> Aggregator:
        check_type(round, RatingRound, "round")
        r = _codec.open_envelope(blob, "paillier-tally-state")
        if r.blob() != round.digest:
            raise errors.InvalidEncoding("saved state belongs to another round")
        agg = cls(round, policy)
        try:
            agg._raters = {x.decode("utf-8") for x in r.seq()}
            agg._seen = set(r.seq())
            sums = [_codec.parse_uint(x) for x in r.seq()]
            rej = []
            for x in r.seq():
                rr = _codec.Reader(x)
                rej.append((rr.text(), rr.text()))
                rr.done()
        except UnicodeDecodeError:
            raise errors.InvalidEncoding("bad text in saved state") from None
        r.done()
        pk = round.public_key
        if len(sums) != len(round.relays) or not all(
            0 < c < pk.nsquare and gcd(c, pk.n) == 1 for c in sums
        ):
            raise errors.InvalidEncoding("saved sums do not fit the round")
        if len(agg._raters) > round.n_raters:
            raise errors.InvalidEncoding("saved state has more ballots than raters")
        agg._sums = [mpz(c) for c in sums]
        agg.rejections = rej
        return agg

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write the state atomically (readers see the old or the new file)."""
        atomic_write(path, self.to_bytes(), mode=0o600)

    @classmethod
    def load(
        cls, round: RatingRound, policy: EligibilityPolicy, path: str | os.PathLike[str]
    ) -> Aggregator:
        check_type(round, RatingRound, "round")
        with open(check_path(path), "rb") as fh:
            return cls.from_bytes(round, policy, fh.read())
