"""A decryption committee: members answer serialized requests; a threshold
:class:`~n3crypto.paillier.ratings.Decryptor` turns their answers into tally
results with ordinary decryption proofs.

Messages (all :mod:`n3crypto.envelope` objects, so they cross process or
host boundaries as bytes):

* request ``threshold-paillier-request`` v1: verification-key fingerprint,
  the ciphertexts, one context per ciphertext;
* response ``threshold-paillier-response`` v1: the member index and one
  :class:`~.threshold_paillier.PartialDecryption` (with witness part) per
  ciphertext.

A member is anything with ``member`` and ``respond(request: bytes) -> bytes``:
a :class:`~.threshold_paillier.KeyShare` in this process, or a
:class:`ProcessMember` — a member running in its own process
(:class:`Committee`), which is given only its serialized key share and
exchanges only bytes. :class:`ThresholdDecryptor` asks every member, checks
every answer, names the members whose answers are malformed, late or fail
their proofs (``invalid_members``) and decrypts with the valid ones.

>>> from n3crypto.sharing import ThresholdPaillier
>>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
>>> dec = ThresholdDecryptor(ver, shares)
>>> [(m, type(pf).__name__) for m, pf in dec.decrypt_with_proofs([pub.encrypt(9)], [b"c"])]
[(9, 'DecryptionProof')]
"""

from __future__ import annotations

import multiprocessing as mp
import secrets
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Protocol, runtime_checkable

from n3crypto import envelope, errors
from n3crypto._check import check_bytes, check_iterable, check_type
from n3crypto.paillier import _codec
from n3crypto.paillier._arith import is_int, mpz, powmod, random_unit
from n3crypto.paillier.keys import EncryptedNumber, PaillierPublicKey
from n3crypto.paillier.proofs import DecryptionProof, _decrypt_challenge
from n3crypto.sharing.threshold_paillier import (
    CheatingMembers,
    KeyShare,
    PartialDecryption,
    VerificationKeys,
    _ct,
    combine_partials,
    combine_witness,
)

__all__ = [
    "FAULTS",
    "Committee",
    "Member",
    "ProcessMember",
    "ThresholdDecryptor",
    "answer_request",
    "make_request",
    "parse_response",
]

MAX_ITEMS = 1 << 16
FAULTS = ("bad-partial", "bad-proof", "garbage", "silent")
"""Misbehaviours a simulated member can be told to show (tests and demo)."""


@runtime_checkable
class Member(Protocol):
    """A committee member reachable by request/response bytes.

    A :class:`~.threshold_paillier.KeyShare` is one; so is a handle that
    forwards the bytes to a member elsewhere (:class:`ProcessMember`, or
    your own over a network).

    >>> from n3crypto.sharing.committee import Member, ThresholdDecryptor
    >>> from n3crypto.sharing.threshold_paillier import KeyShare, ThresholdPaillier
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> class Remote:                       # stands in for a network connection
    ...     def __init__(self, blob):
    ...         self._share = KeyShare.from_bytes(blob, allow_insecure_size=True)
    ...         self.member = self._share.member
    ...     def respond(self, request):
    ...         return self._share.respond(request)
    >>> remote = [Remote(s.to_bytes()) for s in shares]
    >>> isinstance(remote[0], Member), isinstance(shares[0], Member)
    (True, True)
    >>> dec = ThresholdDecryptor(ver, remote, parallel=False)
    >>> [m for m, proof in dec.decrypt_with_proofs([pub.encrypt(3)], [b"c"])]
    [3]
    """

    @property
    def member(self) -> int: ...

    def respond(self, request: bytes) -> bytes: ...


def make_request(
    verification: VerificationKeys, ciphertexts: Sequence[int], contexts: Sequence[bytes]
) -> bytes:
    """Serialize a request to decrypt ``ciphertexts`` (raw ints) under ``contexts``.

    >>> from n3crypto import envelope
    >>> from n3crypto.sharing.committee import make_request, parse_response
    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> request = make_request(ver, [pub.encrypt(4).ciphertext()], [b"relay-a"])
    >>> envelope.peek_kind(request)
    'threshold-paillier-request'
    >>> parse_response(shares[2].respond(request))            # member 3's answer
    (3, [<PartialDecryption member=3 +witness>])
    """
    check_type(verification, VerificationKeys, "verification")
    cts, ctxs = _requested(ciphertexts, contexts)
    body = _codec.fields(
        verification.fingerprint,
        _codec.seq(_codec.uint(c) for c in cts),
        _codec.seq(ctxs),
    )
    return envelope.pack("threshold-paillier-request", 1, body)


def _requested(ciphertexts: Any, contexts: Any) -> tuple[list[int], list[bytes]]:
    cts = check_iterable(ciphertexts, "ciphertexts")
    ctxs = [check_bytes(x, "a context") for x in check_iterable(contexts, "contexts")]
    if len(cts) != len(ctxs):
        raise errors.N3ValueError("one context per ciphertext is needed")
    for c in cts:
        if not is_int(c) or c < 0:
            raise errors.N3TypeError("ciphertexts must be non-negative ints")
    return cts, ctxs


def _parse_request(verification: VerificationKeys, request: bytes) -> tuple[list[int], list[bytes]]:
    r = _codec.open_envelope(request, "threshold-paillier-request")
    fp, cts, ctxs = r.blob(), r.seq(), r.seq()
    r.done()
    if fp != verification.fingerprint:
        raise errors.InvalidKey("request is for a different committee key")
    if len(cts) != len(ctxs) or len(cts) > MAX_ITEMS:
        raise errors.InvalidEncoding("bad request lists")
    return [_codec.parse_uint(c) for c in cts], ctxs


def answer_request(share: KeyShare, request: bytes) -> bytes:
    """A member's answer: one partial decryption (with witness) per ciphertext.

    :meth:`KeyShare.respond <.threshold_paillier.KeyShare.respond>` calls
    this.

    >>> from n3crypto import envelope
    >>> from n3crypto.sharing.committee import answer_request, make_request
    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> request = make_request(ver, [pub.encrypt(4).ciphertext()], [b"relay-a"])
    >>> envelope.peek_kind(answer_request(shares[0], request))
    'threshold-paillier-response'
    >>> _, other, other_ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> answer_request(other[0], request)
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidKey: request is for a different committee key
    """
    check_type(share, KeyShare, "share")
    cts, ctxs = _parse_request(share.verification, request)
    parts = [
        share.partial_decrypt(c, ctx, witness=True).to_bytes()
        for c, ctx in zip(cts, ctxs, strict=True)
    ]
    body = _codec.fields(_codec.uint(share.member), _codec.seq(parts))
    return envelope.pack("threshold-paillier-response", 1, body)


def parse_response(response: bytes) -> tuple[int, list[PartialDecryption]]:
    """``(member, partials)`` from a response; raises on malformed bytes.

    >>> from n3crypto.sharing.committee import make_request, parse_response
    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> c = pub.encrypt(4).ciphertext()
    >>> member, partials = parse_response(shares[1].respond(make_request(ver, [c], [b"x"])))
    >>> member, partials[0].verify(ver, c, b"x")
    (2, None)
    >>> parse_response(b"garbage")
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidEncoding: not an n3crypto envelope (bad magic)
    """
    r = _codec.open_envelope(response, "threshold-paillier-response")
    member, parts = r.uint(), r.seq()
    r.done()
    return member, [PartialDecryption.from_bytes(p) for p in parts]


def _tamper(response: bytes, fault: str) -> bytes:
    """Simulated misbehaviour (the member process applies it to its answer)."""
    if fault == "garbage":
        return b"\x00garbage"
    member, parts = parse_response(response)
    out = []
    for p in parts:
        a, b, z = p.proof
        if fault == "bad-partial":  # a wrong value with the honest proof
            p = PartialDecryption(p.member, p.value * 4, (a, b, z), p.witness)
        elif fault == "bad-proof":
            p = PartialDecryption(p.member, p.value, (a, b, z + 1), p.witness)
        out.append(p.to_bytes())
    body = _codec.fields(_codec.uint(member), _codec.seq(out))
    return envelope.pack("threshold-paillier-response", 1, body)


class ThresholdDecryptor:
    """A rating-round :class:`~n3crypto.paillier.ratings.Decryptor` backed by
    a committee: no member (and not this object) ever holds the key.

    Each result carries an ordinary :class:`~n3crypto.paillier.DecryptionProof`
    built from the committee's witness ``ρ``, so published tallies verify
    exactly as with a single key. ``invalid_members`` lists every member
    named as faulty by the last call (malformed, unanswered or failed proofs).

    >>> from n3crypto.sharing.committee import ThresholdDecryptor
    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> dec = ThresholdDecryptor(ver, shares)        # in-process members
    >>> c = pub.encrypt(12)
    >>> [(m, proof)] = dec.decrypt_with_proofs([c], [b"relay-a"])
    >>> m, proof.verify(pub, c, m, b"relay-a"), dec.invalid_members
    (12, None, ())
    >>> ThresholdDecryptor(ver, shares[:1])
    Traceback (most recent call last):
    ...
    n3crypto.errors.InsufficientShares: 1 member cannot meet threshold 2
    """

    def __init__(
        self,
        verification: VerificationKeys,
        members: Sequence[Member],
        *,
        parallel: bool = True,
    ) -> None:
        if not isinstance(verification, VerificationKeys):
            raise errors.N3TypeError("verification must be VerificationKeys")
        members = check_iterable(members, "members")
        for m in members:
            if not isinstance(m, Member) or not is_int(m.member):
                raise errors.N3TypeError(
                    f"members must be KeyShares or Members (member, respond), "
                    f"not {type(m).__name__}"
                )
        ids = [m.member for m in members]
        if len(set(ids)) != len(ids):
            raise errors.N3ValueError("duplicate committee members")
        if len(ids) < verification.threshold:
            raise errors.InsufficientShares(
                f"{len(ids)} member{'' if len(ids) == 1 else 's'} cannot meet threshold "
                f"{verification.threshold}"
            )
        self.verification = verification
        self.members = list(members)
        self.parallel = parallel
        self.invalid_members: tuple[int, ...] = ()

    def __repr__(self) -> str:
        return f"<ThresholdDecryptor {len(self.members)} members, {self.verification!r}>"

    @property
    def public_key(self) -> PaillierPublicKey:
        return self.verification.public_key

    def _ask(self, request: bytes) -> dict[int, list[PartialDecryption]]:
        def one(m: Member) -> tuple[int, list[PartialDecryption] | None]:
            try:
                who, parts = parse_response(m.respond(request))
            except (errors.N3CryptoError, OSError, EOFError, TimeoutError):
                return m.member, None
            if who != m.member or any(p.member != m.member for p in parts):
                return m.member, None
            return m.member, parts

        if self.parallel and len(self.members) > 1:
            with ThreadPoolExecutor(max_workers=len(self.members)) as pool:
                answers = list(pool.map(one, self.members))
        else:
            answers = [one(m) for m in self.members]
        self._silent = {m for m, parts in answers if parts is None}
        return {m: parts for m, parts in answers if parts is not None}

    def decrypt_with_proofs(
        self, ciphertexts: Sequence[EncryptedNumber], contexts: Sequence[bytes]
    ) -> list[tuple[int, DecryptionProof]]:
        """Decrypt each ciphertext (residue mod n) and prove it, or raise
        :class:`~.threshold_paillier.CheatingMembers` when fewer than ``t``
        members answer correctly."""
        ver = self.verification
        pk = ver.public_key
        cts = check_iterable(ciphertexts, "ciphertexts")
        raw = [int(_ct(ver, c)) for c in cts]
        ctxs = [check_bytes(x, "a context") for x in check_iterable(contexts, "contexts")]
        answers = self._ask(make_request(ver, raw, ctxs))
        invalid = set(self._silent)
        for m, parts in list(answers.items()):
            if len(parts) != len(raw):
                invalid.add(m)
                del answers[m]
        out = []
        n, n2 = pk.n, pk.nsquare
        try:
            for i, (c, ctx) in enumerate(zip(raw, ctxs, strict=True)):
                partials = [parts[i] for parts in answers.values()]
                try:
                    m = combine_partials(pk, ver, c, partials, ctx)
                except CheatingMembers as exc:
                    # Name every faulty member, not only those whose partials
                    # reached combine_partials (unreadable and silent ones did not).
                    invalid.update(exc.invalid_members)
                    valid = len({p.member for p in partials} - set(exc.invalid_members))
                    raise CheatingMembers(
                        f"decryption failed: only {valid} valid partial decryptions, "
                        f"{ver.threshold} needed; invalid: {sorted(invalid)}",
                        sorted(invalid),
                    ) from None
                invalid.update(m.invalid_members)
                rho, bad_w = combine_witness(
                    ver, c, [p for p in partials if p.member not in invalid], int(m), ctx
                )
                invalid.update(bad_w)
                # An ordinary decryption proof from the witness ρ (ρ^n = c·g^{−m}).
                s = random_unit(n)
                a = powmod(s, n, n2)
                e = _decrypt_challenge(pk, mpz(c), mpz(int(m)), ctx, a)
                z = s * powmod(mpz(rho), e, n) % n
                out.append((int(m), DecryptionProof(int(a), int(z))))
        finally:
            self.invalid_members = tuple(sorted(invalid))
        return out


# ------------------------------------------------------------------ processes


def _member_main(conn: Any, share_blob: bytes, fault: str | None, insecure: bool) -> None:
    """A member process: holds only its serialized share; answers bytes with bytes."""
    share = KeyShare.from_bytes(share_blob, allow_insecure_size=insecure)
    while True:
        try:
            request = conn.recv_bytes()
        except EOFError:
            break
        if not request:
            break
        try:
            response = share.respond(request)
            if fault is not None:
                if fault == "silent":
                    continue
                response = _tamper(response, fault)
        except errors.N3CryptoError as exc:
            response = b"error: " + str(exc).encode()[:200]
        conn.send_bytes(response)
    conn.close()


class ProcessMember:
    """The parent's handle on a member process: ``respond`` sends the request
    bytes down a pipe and waits (at most ``timeout`` seconds) for bytes back.

    Made by :class:`Committee` (see its example); a member that does not
    answer in time raises :class:`TimeoutError`, which
    :class:`ThresholdDecryptor` counts as a faulty member.
    """

    def __init__(self, member: int, conn: Any, process: Any, timeout: float) -> None:
        self._member = member
        self._conn = conn
        self.process = process
        self.timeout = timeout

    @property
    def member(self) -> int:
        return self._member

    def __repr__(self) -> str:
        return f"<ProcessMember {self._member} pid={self.process.pid}>"

    def respond(self, request: bytes) -> bytes:
        self._conn.send_bytes(request)
        if not self._conn.poll(self.timeout):
            raise TimeoutError(f"member {self._member} did not answer")
        return bytes(self._conn.recv_bytes())

    def close(self) -> None:
        try:
            self._conn.send_bytes(b"")
        except (OSError, ValueError):
            pass
        self.process.join(5)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5)
        self._conn.close()


class Committee:
    """Start one process per member from serialized key shares.

    ``faults`` maps a member index to one of :data:`FAULTS` (a simulation
    hook: that member misbehaves). Use as a context manager; ``members`` are
    :class:`ProcessMember` handles for :class:`ThresholdDecryptor`.

    Processes start with ``spawn`` by default (about half a second for a
    committee); the example uses ``fork`` to start in milliseconds.

    >>> from n3crypto.sharing.committee import Committee, ThresholdDecryptor
    >>> from n3crypto.sharing.threshold_paillier import ThresholdPaillier
    >>> pub, shares, ver = ThresholdPaillier.deal(512, 3, 2, allow_insecure_size=True)
    >>> blobs = [s.to_bytes() for s in shares]        # each process gets only its share
    >>> with Committee(blobs, faults={3: "bad-proof"}, allow_insecure_size=True,
    ...                timeout=10, start_method="fork") as committee:
    ...     print([m.member for m in committee.members])
    ...     dec = ThresholdDecryptor(ver, committee.members)
    ...     print(dec.decrypt_with_proofs([pub.encrypt(9)], [b"c"]), dec.invalid_members)
    [1, 2, 3]
    [(9, <DecryptionProof>)] (3,)
    """

    def __init__(
        self,
        share_blobs: Sequence[bytes],
        *,
        faults: Mapping[int, str] | None = None,
        allow_insecure_size: bool = False,
        timeout: float = 120.0,
        start_method: str | None = None,
    ) -> None:
        faults = dict(faults or {})
        for f in faults.values():
            if f not in FAULTS:
                raise errors.N3ValueError(f"unknown fault {f!r}; one of {FAULTS}")
        ctx: Any = mp.get_context(start_method or "spawn")
        self.members: list[ProcessMember] = []
        try:
            for blob in share_blobs:
                r = _codec.open_envelope(blob, "threshold-paillier-key-share")
                idx = r.uint()
                parent, child = ctx.Pipe()
                proc = ctx.Process(
                    target=_member_main,
                    args=(child, bytes(blob), faults.get(idx), allow_insecure_size),
                    name=f"n3-committee-member-{idx}",
                    daemon=True,
                )
                proc.start()
                child.close()
                self.members.append(ProcessMember(idx, parent, proc, timeout))
        except BaseException:
            self.close()
            raise
        self.session = secrets.token_hex(4)

    def __enter__(self) -> Committee:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for m in self.members:
            m.close()
