"""The KGC's append-only, hash-chained, signed issuance log.

Every partial key the KGC issues is recorded as one JSON line::

    {"seq", "time", "identity", "public_key" (V), "expiry", "request" (SHA-256),
     "prev", "hash", "signature"}

``hash = SHA-512(frame("log-entry", prev, seq, time, identity, V, expiry,
request))[:32]`` chains each entry to the one before (the first ``prev`` is 32
zero bytes) and ``signature`` is the KGC's Schnorr signature on ``hash``.
Anyone holding the KGC public key can :func:`audit` a copy: the chain, every
signature (checked in one batch) and — the point of it — every identity
for which more than one key is valid at once, which is what a KGC
certifying a key of its own for somebody would leave behind.

>>> import tempfile, os
>>> from n3crypto.signcryption import KGC, UserKey, IssuanceLog, audit
>>> kgc = KGC.generate()
>>> log = IssuanceLog(os.path.join(tempfile.mkdtemp(), "kgc.log"))
>>> u = UserKey.generate("erin", kgc.public)
>>> _ = kgc.issue_partial_key("erin", u.request(), log=log)
>>> report = audit(log.path, kgc.public)
>>> len(report.entries), report.duplicates
(1, {})
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
from dataclasses import dataclass, field

from n3crypto import errors
from n3crypto._check import check_bytes, check_path, check_type
from n3crypto.group import Point, Scalar
from n3crypto.signcryption import _common as c
from n3crypto.signcryption.keys import KGC, KGCPublic, PublicKey, checked_now

__all__ = ["AuditReport", "IssuanceLog", "LogEntry", "audit"]

_GENESIS = bytes(32)


@dataclass(frozen=True)
class LogEntry:
    """One issuance."""

    seq: int
    time: int
    identity: str
    public_key: bytes  # V
    expiry: int
    request: bytes
    prev: bytes
    hash: bytes
    signature: bytes

    def expected_hash(self) -> bytes:
        return entry_hash(
            self.prev,
            self.seq,
            self.time,
            self.identity,
            self.public_key,
            self.expiry,
            self.request,
        )

    def to_json(self) -> str:
        return json.dumps(
            {
                "seq": self.seq,
                "time": self.time,
                "identity": self.identity,
                "public_key": self.public_key.hex(),
                "expiry": self.expiry,
                "request": self.request.hex(),
                "prev": self.prev.hex(),
                "hash": self.hash.hex(),
                "signature": self.signature.hex(),
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, line: str) -> LogEntry:
        try:
            d = json.loads(line)
            e = cls(
                seq=int(d["seq"]),
                time=int(d["time"]),
                identity=str(d["identity"]),
                public_key=bytes.fromhex(d["public_key"]),
                expiry=int(d["expiry"]),
                request=bytes.fromhex(d["request"]),
                prev=bytes.fromhex(d["prev"]),
                hash=bytes.fromhex(d["hash"]),
                signature=bytes.fromhex(d["signature"]),
            )
        except (ValueError, KeyError, TypeError):
            raise errors.InvalidEncoding("malformed issuance log line") from None
        if len(e.public_key) != 32 or len(e.prev) != 32 or len(e.hash) != 32:
            raise errors.InvalidEncoding("malformed issuance log line")
        return e


def entry_hash(
    prev: bytes, seq: int, t: int, identity: str, v: bytes, expiry: int, request: bytes
) -> bytes:
    """The chained hash of one entry."""
    return hashlib.sha512(
        c.frame(
            b"log-entry",
            prev,
            c.u64(seq),
            c.u64(t),
            c.canonical_identity(identity),
            v,
            c.u64(expiry),
            request,
        )
    ).digest()[:32]


class IssuanceLog:
    """The KGC's log file; :meth:`append` holds an exclusive lock and fsyncs.

    The KGC appends through ``issue_partial_key(..., log=log)``; each
    partial key carries the sequence number of its entry.

    >>> import os, tempfile
    >>> from n3crypto.signcryption import KGC, UserKey, IssuanceLog
    >>> kgc = KGC.generate()
    >>> tmp = tempfile.TemporaryDirectory()
    >>> log = IssuanceLog(os.path.join(tmp.name, "kgc.log"))
    >>> for name in ("erin", "frank"):
    ...     u = UserKey.generate(name, kgc.public)
    ...     print(kgc.issue_partial_key(name, u.request(), log=log, expiry=1800086400,
    ...                                 now=1800000000))
    PartialKey('erin', expiry=1800086400, log_index=0)
    PartialKey('frank', expiry=1800086400, log_index=1)
    >>> [(e.seq, e.identity, e.time, e.expiry) for e in log.entries()]
    [(0, 'erin', 1800000000, 1800086400), (1, 'frank', 1800000000, 1800086400)]
    >>> tmp.cleanup()
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = check_path(path)

    def entries(self) -> list[LogEntry]:
        """All entries, parsed (not audited: see :func:`audit`)."""
        if not self.path.exists():
            return []
        out = []
        with open(self.path, encoding="utf-8") as fh:
            for line in fh:
                if line.strip():
                    out.append(LogEntry.from_json(line))
        return out

    def append(
        self, kgc: KGC, public: PublicKey, request_digest: bytes, *, now: float | None = None
    ) -> LogEntry:
        """Record the issuance of ``public``; returns the signed entry."""
        check_type(kgc, KGC, "kgc")
        check_type(public, PublicKey, "public")
        request_digest = check_bytes(request_digest, "request_digest")
        if len(request_digest) != 32:
            raise errors.N3ValueError("request_digest must be 32 bytes (SHA-256 of the request)")
        t = checked_now(now)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            last = _last_line(fd)
            if last is None:
                seq, prev = 0, _GENESIS
            else:
                le = LogEntry.from_json(last.decode("utf-8", "replace"))
                seq, prev = le.seq + 1, le.hash
            v = bytes(public.public_value)
            h = entry_hash(prev, seq, t, public.identity, v, public.expiry, request_digest)
            entry = LogEntry(
                seq, t, public.identity, v, public.expiry, request_digest, prev, h, kgc.sign(h)
            )
            os.write(fd, (entry.to_json() + "\n").encode("utf-8"))
            os.fsync(fd)
            return entry
        finally:
            os.close(fd)


def _last_line(fd: int) -> bytes | None:
    """The last non-blank line of the file, read backwards from its end."""
    end = os.fstat(fd).st_size
    buf = b""
    while end > 0:
        start = max(0, end - 4096)
        buf = os.pread(fd, end - start, start) + buf
        end = start
        body = buf.rstrip()
        i = body.rfind(b"\n")
        if i >= 0:
            return body[i + 1 :]
    return buf.strip() or None


@dataclass
class AuditReport:
    """What :func:`audit` found: the entries and identities with overlapping keys."""

    entries: list[LogEntry]
    duplicates: dict[str, list[LogEntry]] = field(default_factory=dict)

    def keys_of(self, identity: str) -> list[LogEntry]:
        ident = c.canonical_identity(identity).decode("utf-8")
        return [e for e in self.entries if e.identity == ident]


def audit(source: str | os.PathLike[str] | list[LogEntry], kgc: KGCPublic) -> AuditReport:
    """Check a log end to end; raise IntegrityError at the first break.

    Checks sequence numbers, the hash chain, every entry hash and every KGC
    signature (one batched multi-scalar check), then reports identities that
    have two or more keys whose validity overlaps (``duplicates``).

    >>> import os, tempfile
    >>> from n3crypto.signcryption import KGC, UserKey, IssuanceLog, audit
    >>> kgc = KGC.generate()
    >>> tmp = tempfile.TemporaryDirectory()
    >>> log = IssuanceLog(os.path.join(tmp.name, "kgc.log"))
    >>> def issue(name, now):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return kgc.issue_partial_key(name, u.request(), log=log, validity=1000, now=now)
    >>> _ = issue("erin", 1800000000), issue("frank", 1800000000)
    >>> _ = issue("erin", 1800000500)           # a second key while the first is valid
    >>> report = audit(log.path, kgc.public)
    >>> len(report.entries), list(report.duplicates), [e.seq for e in report.duplicates["erin"]]
    (3, ['erin'], [0, 2])
    >>> [e.seq for e in report.keys_of("frank")]
    [1]
    >>> text = open(log.path).read()
    >>> with open(log.path, "w") as fh:
    ...     _ = fh.write(text.replace('"frank"', '"frand"'))
    >>> audit(log.path, kgc.public)
    Traceback (most recent call last):
    ...
    n3crypto.errors.IntegrityError: issuance log: entry 1 does not match its hash
    >>> tmp.cleanup()
    """
    check_type(kgc, KGCPublic, "kgc")
    if isinstance(source, list):
        for i, e in enumerate(source):
            check_type(e, LogEntry, f"source[{i}]")
        entries = source
    else:
        entries = IssuanceLog(source).entries()
    prev = _GENESIS
    for i, e in enumerate(entries):
        if e.seq != i:
            raise errors.IntegrityError(f"issuance log: entry {i} has sequence number {e.seq}")
        if e.prev != prev:
            raise errors.IntegrityError(f"issuance log: chain broken at entry {i}")
        try:
            canon = c.canonical_identity(e.identity).decode("utf-8")
        except errors.N3ValueError:
            raise errors.IntegrityError(f"issuance log: bad identity at entry {i}") from None
        if canon != e.identity or e.expected_hash() != e.hash:
            raise errors.IntegrityError(f"issuance log: entry {i} does not match its hash")
        prev = e.hash
    _check_signatures(entries, kgc)
    by_id: dict[str, list[LogEntry]] = {}
    for e in entries:
        by_id.setdefault(e.identity, []).append(e)
    dups: dict[str, list[LogEntry]] = {}
    for ident, es in by_id.items():
        overlapping = [a for a in es if any(b is not a and _overlap(a, b) for b in es)]
        if overlapping:
            dups[ident] = overlapping
    return AuditReport(entries, dups)


def _overlap(a: LogEntry, b: LogEntry) -> bool:
    return a.time < b.expiry and b.time < a.expiry


def _check_signatures(entries: list[LogEntry], kgc: KGCPublic) -> None:
    from n3crypto.signcryption.keys import verify_kgc_signature
    from n3crypto.signcryption.scheme import _batch_equation

    terms: list[tuple[Scalar, Scalar, Point, Point]] = []
    pp = bytes(kgc.point)
    for i, e in enumerate(entries):
        try:
            u = Point.from_bytes(e.signature[:32])
            z = Scalar.from_bytes(e.signature[32:])
        except errors.InvalidEncoding:
            raise errors.IntegrityError(f"issuance log: bad signature at entry {i}") from None
        if len(e.signature) != 64:
            raise errors.IntegrityError(f"issuance log: bad signature at entry {i}")
        ch = c.hash_scalar(b"kgc-sig", pp, e.signature[:32], e.hash)
        terms.append((z, ch, kgc.point, u))
    if terms and not _batch_equation(terms):
        for i, e in enumerate(entries):
            if not verify_kgc_signature(kgc, e.hash, e.signature):
                raise errors.IntegrityError(f"issuance log: bad signature at entry {i}")
