"""The signed relay directory clients route by.

A directory lists, for each relay: its id, address, the Sphinx public keys
of its live key epochs, its signcryption identity (opaque bytes here), its
bandwidth, its reputation and an optional operator family. The directory
authority signs the exact bytes it publishes; clients verify those bytes
before parsing them and refuse a directory past its expiry.

Signing is an injected interface (:class:`Signer` / :class:`Verifier`) so the
directory does not depend on one signature scheme; :class:`ClscSigner` and
:class:`ClscVerifier` adapt the certificateless Schnorr signatures of
:mod:`n3crypto.signcryption`.

>>> import hashlib, hmac
>>> class ToySigner:  # a MAC, for the example only; use ClscSigner
...     def sign(self, message: bytes) -> bytes:
...         return hmac.digest(b"k", message, "sha256")
...     def verify(self, message: bytes, signature: bytes) -> None:
...         if not hmac.compare_digest(self.sign(message), signature):
...             raise ValueError("bad")
>>> from n3crypto.onion import RelayKey
>>> key = RelayKey.generate("127.1.0.1:9000", epoch=3)
>>> entry = DirectoryEntry("r1", key.address, (key.descriptor,), bandwidth=100)
>>> blob = Directory(epoch=3, issued_at=0, valid_until=100, entries=(entry,)).sign(ToySigner())
>>> Directory.from_bytes(blob, ToySigner(), now=50).entries[0].descriptor(3) == key.descriptor
True
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

from n3crypto import envelope, errors
from n3crypto._check import check_int, check_real, check_type
from n3crypto.onion import RelayDescriptor

__all__ = [
    "ClscSigner",
    "ClscVerifier",
    "Directory",
    "DirectoryEntry",
    "DirectoryError",
    "Signer",
    "Verifier",
]

DIRECTORY_CONTEXT = b"n3crypto/onion-directory/v1"
MAX_ENTRIES = 10_000


class DirectoryError(errors.IntegrityError):
    """A directory failed its signature check, is expired or malformed."""


@runtime_checkable
class Signer(Protocol):
    """Signs the directory body (the authority's side).

    Any object with a ``sign(message) -> bytes`` method will do;
    :class:`ClscSigner` is the one to deploy.

    >>> import hmac
    >>> class MacSigner:  # a shared-key MAC, for the example only
    ...     def sign(self, message: bytes) -> bytes:
    ...         return hmac.digest(b"authority key", message, "sha256")
    >>> isinstance(MacSigner(), Signer)
    True
    >>> blob = Directory(epoch=0, issued_at=0, valid_until=60).sign(MacSigner())
    >>> Directory(epoch=0, issued_at=0, valid_until=60).sign(object())
    Traceback (most recent call last):
    ...
    n3crypto.errors.N3TypeError: signer must have a sign method, not object
    """

    def sign(self, message: bytes) -> bytes: ...


@runtime_checkable
class Verifier(Protocol):
    """Checks the authority's signature; raises on failure, never returns False.

    Whatever the verifier raises, :meth:`Directory.from_bytes` reports it as
    a :class:`DirectoryError`.

    >>> import hmac
    >>> class MacVerifier:  # a shared-key MAC, for the example only
    ...     def __init__(self, key: bytes) -> None:
    ...         self.key = key
    ...     def sign(self, message: bytes) -> bytes:
    ...         return hmac.digest(self.key, message, "sha256")
    ...     def verify(self, message: bytes, signature: bytes) -> None:
    ...         if not hmac.compare_digest(self.sign(message), signature):
    ...             raise ValueError("bad MAC")
    >>> isinstance(MacVerifier(b"k"), Verifier)
    True
    >>> blob = Directory(epoch=0, issued_at=0, valid_until=60).sign(MacVerifier(b"k"))
    >>> Directory.from_bytes(blob, MacVerifier(b"k"), now=30).epoch
    0
    >>> Directory.from_bytes(blob, MacVerifier(b"other key"), now=30)
    Traceback (most recent call last):
    ...
    n3crypto.node.directory.DirectoryError: the directory signature does not verify
    """

    def verify(self, message: bytes, signature: bytes) -> None: ...


class ClscSigner:
    """:class:`Signer` from a signcryption ``UserKey`` (the authority's key).

    >>> from n3crypto.onion import RelayKey
    >>> from n3crypto.signcryption import KGC, UserKey
    >>> kgc = KGC.generate()
    >>> auth = UserKey.generate("directory-authority", kgc.public)
    >>> auth = auth.accept_partial_key(
    ...     kgc.issue_partial_key("directory-authority", auth.request()))
    >>> key = RelayKey.generate("127.1.0.1:9000", epoch=0)
    >>> entry = DirectoryEntry("r1", key.address, (key.descriptor,))
    >>> blob = Directory(0, 0, 3600, (entry,)).sign(ClscSigner(auth))
    >>> Directory.from_bytes(blob, ClscVerifier(auth.public), now=60).get("r1") == entry
    True
    >>> ClscSigner(auth)
    ClscSigner(<secret>)
    """

    def __init__(self, user_key: Any, *, context: bytes = DIRECTORY_CONTEXT) -> None:
        self._key = user_key
        self._context = context

    def sign(self, message: bytes) -> bytes:
        from n3crypto.signcryption import sign

        return sign(self._key, message, context=self._context)

    def __repr__(self) -> str:
        return "ClscSigner(<secret>)"


class ClscVerifier:
    """:class:`Verifier` from a signcryption ``PublicKey`` (pinned by clients).

    A client pins the authority's public key; a directory signed by anyone
    else, or altered on the way, is refused:

    >>> from n3crypto.signcryption import KGC, UserKey
    >>> kgc = KGC.generate()
    >>> def certified(name: str) -> UserKey:
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> auth, mallory = certified("directory-authority"), certified("mallory")
    >>> pinned = ClscVerifier(auth.public)
    >>> blob = Directory(0, 0, 3600).sign(ClscSigner(auth))
    >>> Directory.from_bytes(blob, pinned, now=60).valid_until
    3600.0
    >>> Directory.from_bytes(Directory(0, 0, 3600).sign(ClscSigner(mallory)), pinned, now=60)
    Traceback (most recent call last):
    ...
    n3crypto.node.directory.DirectoryError: the directory signature does not verify
    >>> Directory.from_bytes(blob[:-1] + bytes([blob[-1] ^ 1]), pinned, now=60)
    Traceback (most recent call last):
    ...
    n3crypto.node.directory.DirectoryError: the directory signature does not verify
    """

    def __init__(self, public_key: Any, *, context: bytes = DIRECTORY_CONTEXT) -> None:
        self._public = public_key
        self._context = context

    def verify(self, message: bytes, signature: bytes) -> None:
        from n3crypto.signcryption import verify

        verify(self._public, message, signature, context=self._context)


def _req(obj: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = obj.get(key)
    if not isinstance(value, kind) or isinstance(value, bool):
        raise DirectoryError(f"directory field {key!r} is missing or of the wrong type")
    return value


@dataclass(frozen=True, slots=True)
class DirectoryEntry:
    """One relay as the directory announces it.

    >>> from n3crypto.onion import RelayKey
    >>> k3 = RelayKey.generate("127.1.0.1:9000", epoch=3)
    >>> k4 = RelayKey.generate("127.1.0.1:9000", epoch=4)
    >>> entry = DirectoryEntry("r1", "127.1.0.1:9000", (k3.descriptor, k4.descriptor),
    ...                        bandwidth=100, family="operator-a")
    >>> entry.descriptor(4) == k4.descriptor, entry.descriptor(5)
    (True, None)
    >>> sorted(entry.to_json()["keys"])
    ['3', '4']
    >>> DirectoryEntry.from_json(entry.to_json()) == entry
    True
    """

    relay_id: str
    address: str
    descriptors: tuple[RelayDescriptor, ...]
    identity: bytes = b""
    bandwidth: int = 1
    reputation: float = 1.0
    family: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.relay_id, str) or not 1 <= len(self.relay_id) <= 64:
            raise errors.N3ValueError("relay_id must be 1..64 characters")
        if not isinstance(self.descriptors, tuple | list):
            raise errors.N3TypeError("descriptors must be a tuple of RelayDescriptors")
        if not self.descriptors:
            raise errors.N3ValueError("an entry needs at least one Sphinx key")
        for d in self.descriptors:
            if not isinstance(d, RelayDescriptor) or d.address != self.address:
                raise errors.N3ValueError("descriptors must be for the entry's address")
        if len({d.epoch for d in self.descriptors}) != len(self.descriptors):
            raise errors.N3ValueError("one descriptor per epoch")
        if not isinstance(self.bandwidth, int) or self.bandwidth < 0:
            raise errors.N3ValueError("bandwidth must be a non-negative int")
        if not (isinstance(self.reputation, int | float) and 0.0 <= self.reputation <= 1.0):
            raise errors.N3ValueError("reputation must be in [0, 1]")

    def descriptor(self, epoch: int) -> RelayDescriptor | None:
        """The Sphinx key of ``epoch``, if the relay published one."""
        for d in self.descriptors:
            if d.epoch == epoch:
                return d
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.relay_id,
            "address": self.address,
            "keys": {str(d.epoch): bytes(d.public_key).hex() for d in self.descriptors},
            "identity": self.identity.hex(),
            "bandwidth": self.bandwidth,
            "reputation": self.reputation,
            "family": self.family,
        }

    @classmethod
    def from_json(cls, obj: Any) -> DirectoryEntry:
        from n3crypto.group import Point

        if not isinstance(obj, dict):
            raise DirectoryError("a directory entry must be an object")
        address = _req(obj, "address", str)
        keys = _req(obj, "keys", dict)
        try:
            descriptors = tuple(
                RelayDescriptor(address, Point.from_bytes(bytes.fromhex(v)), int(e))
                for e, v in sorted(keys.items(), key=lambda kv: int(kv[0]))
            )
            return cls(
                relay_id=_req(obj, "id", str),
                address=address,
                descriptors=descriptors,
                identity=bytes.fromhex(_req(obj, "identity", str)),
                bandwidth=_req(obj, "bandwidth", int),
                reputation=float(_req(obj, "reputation", (int, float))),
                family=_req(obj, "family", str),
            )
        except (ValueError, TypeError, OverflowError) as exc:
            raise DirectoryError(f"bad directory entry: {exc}") from None


@dataclass(frozen=True, slots=True)
class Directory:
    """A list of relays valid from ``issued_at`` to ``valid_until`` (clock seconds).

    The authority signs :meth:`body`; clients check the signature over
    those exact bytes, then the validity window (see :class:`ClscSigner`
    for the signature scheme to deploy):

    >>> import hmac
    >>> from n3crypto.onion import RelayKey
    >>> class MacSigner:  # a shared-key MAC, for the example only
    ...     def sign(self, message: bytes) -> bytes:
    ...         return hmac.digest(b"k", message, "sha256")
    ...     def verify(self, message: bytes, signature: bytes) -> None:
    ...         if not hmac.compare_digest(self.sign(message), signature):
    ...             raise ValueError("bad MAC")
    >>> keys = [RelayKey.generate(f"127.{i}.0.1:9000") for i in (1, 2)]
    >>> entries = tuple(DirectoryEntry(f"r{i}", k.address, (k.descriptor,))
    ...                 for i, k in zip((1, 2), keys))
    >>> blob = Directory(epoch=0, issued_at=1000, valid_until=4600, entries=entries
    ...                  ).sign(MacSigner())
    >>> d = Directory.from_bytes(blob, MacSigner(), now=2000)
    >>> d.by_address("127.2.0.1:9000").relay_id, d.get("r3")
    ('r2', None)
    >>> Directory.from_bytes(blob, MacSigner(), now=5000)
    Traceback (most recent call last):
    ...
    n3crypto.node.directory.DirectoryError: the directory is not valid at this time
    """

    epoch: int
    issued_at: float
    valid_until: float
    entries: tuple[DirectoryEntry, ...] = field(default_factory=tuple)

    def __post_init__(self) -> None:
        check_int(self.epoch, "epoch", 0)
        check_real(self.issued_at, "issued_at")
        check_real(self.valid_until, "valid_until")
        if not isinstance(self.entries, tuple | list):
            raise errors.N3TypeError("entries must be a tuple of DirectoryEntry")
        for e in self.entries:
            check_type(e, DirectoryEntry, "an entry")
        ids = [e.relay_id for e in self.entries]
        if len(set(ids)) != len(ids):
            raise errors.N3ValueError("relay ids must be unique")
        if len(self.entries) > MAX_ENTRIES:
            raise errors.N3ValueError("too many directory entries")
        if not (math.isfinite(self.issued_at) and math.isfinite(self.valid_until)):
            raise errors.N3ValueError("directory times must be finite")

    def body(self) -> bytes:
        """The canonical bytes the authority signs (sorted-key compact JSON)."""
        doc = {
            "epoch": self.epoch,
            "issued_at": self.issued_at,
            "valid_until": self.valid_until,
            "relays": [e.to_json() for e in sorted(self.entries, key=lambda e: e.relay_id)],
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()

    def sign(self, signer: Signer) -> bytes:
        """The published form: ``onion-directory`` envelope of
        ``len(body) (u32) ‖ body ‖ signature``."""
        if not callable(getattr(signer, "sign", None)):
            raise errors.N3TypeError(f"signer must have a sign method, not {type(signer).__name__}")
        body = self.body()
        sig = signer.sign(body)
        return envelope.pack("onion-directory", 1, len(body).to_bytes(4, "big") + body + sig)

    @classmethod
    def from_bytes(cls, blob: bytes, verifier: Verifier, *, now: float) -> Directory:
        """Verify, then parse; DirectoryError if forged, malformed or expired."""
        check_real(now, "now")
        if not callable(getattr(verifier, "verify", None)):
            raise errors.N3TypeError(
                f"verifier must have a verify method, not {type(verifier).__name__}"
            )
        try:
            _, raw = envelope.unpack(blob, "onion-directory")
        except errors.InvalidEncoding as exc:
            raise DirectoryError(str(exc)) from None
        if len(raw) < 4 or len(raw) < 4 + int.from_bytes(raw[:4], "big"):
            raise DirectoryError("truncated directory")
        n = int.from_bytes(raw[:4], "big")
        body, sig = raw[4 : 4 + n], raw[4 + n :]
        try:
            verifier.verify(body, sig)
        except Exception as exc:  # any failure of the injected verifier
            raise DirectoryError("the directory signature does not verify") from exc
        try:
            doc = json.loads(body)
        except ValueError:
            raise DirectoryError("directory body is not JSON") from None
        if not isinstance(doc, dict):
            raise DirectoryError("directory body must be an object")
        relays = _req(doc, "relays", list)
        try:
            directory = cls(
                epoch=_req(doc, "epoch", int),
                issued_at=float(_req(doc, "issued_at", (int, float))),
                valid_until=float(_req(doc, "valid_until", (int, float))),
                entries=tuple(DirectoryEntry.from_json(e) for e in relays),
            )
        except (ValueError, TypeError, OverflowError) as exc:
            raise DirectoryError(f"bad directory: {exc}") from None
        if not directory.issued_at <= now <= directory.valid_until:
            raise DirectoryError("the directory is not valid at this time")
        return directory

    def get(self, relay_id: str) -> DirectoryEntry | None:
        for e in self.entries:
            if e.relay_id == relay_id:
                return e
        return None

    def by_address(self, address: str) -> DirectoryEntry | None:
        for e in self.entries:
            if e.address == address:
                return e
        return None
