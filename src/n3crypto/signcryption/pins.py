"""Trust-on-first-use pinning of identities to public keys.

A recipient pins the first authenticated key it sees for an identity; a later
message from that identity under another key raises :class:`KeyChanged`
naming both fingerprints, which is how a KGC that certifies a second key
for someone (it can) gets noticed. Renewals are accepted explicitly with
:meth:`PinStore.replace`.

>>> from n3crypto.signcryption import KGC, UserKey, PinStore
>>> kgc = KGC.generate()
>>> def key(name):
...     u = UserKey.generate(name, kgc.public)
...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request())).public
>>> pins = PinStore()
>>> pins.check(key("carol"))
>>> try:
...     pins.check(key("carol"))
... except Exception as exc:
...     print(type(exc).__name__)
KeyChanged
"""

from __future__ import annotations

import json
import os
import time

from n3crypto import errors
from n3crypto._check import check_path, check_str, check_type
from n3crypto._forksafe import new_lock
from n3crypto.signcryption.keys import PublicKey
from n3crypto.signcryption.scheme import KeyChanged
from n3crypto.utils import atomic_write

__all__ = ["PinStore"]


class PinStore:
    """``identity -> public key`` pins, in memory or in a JSON file (written atomically).

    Pass it to ``unsigncrypt(..., pins=store)`` to check every sender.

    >>> import os, tempfile
    >>> from n3crypto.signcryption import KGC, UserKey, PinStore
    >>> kgc = KGC.generate()
    >>> def key(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request())).public
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "pins.json")
    >>> first = key("carol")
    >>> PinStore(path).check(first)                  # first use: pinned and saved
    >>> pins = PinStore(path)                        # a later run
    >>> "carol" in pins, len(pins), pins.get("carol") == first
    (True, 1, True)
    >>> renewed = key("carol")
    >>> pins.check(renewed)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.signcryption.scheme.KeyChanged: the key of 'carol' changed: pinned ..., presented ...
    >>> pins.replace(renewed)                        # accept the renewal explicitly
    >>> pins.check(renewed)
    >>> tmp.cleanup()
    """

    def __init__(self, path: str | os.PathLike[str] | None = None) -> None:
        self._path = check_path(path) if path is not None else None
        self._pins: dict[str, dict[str, object]] = {}
        self._lock = new_lock(self)
        if self._path is not None and self._path.exists():
            try:
                data = json.loads(self._path.read_text(encoding="utf-8"))
                if not isinstance(data, dict) or data.get("format") != "n3crypto-pins-v1":
                    raise ValueError
                pins = data["pins"]
                if not isinstance(pins, dict):
                    raise ValueError
                for entry in pins.values():
                    PublicKey.from_bytes(bytes.fromhex(entry["public_key"]))
                self._pins = pins
            except (ValueError, KeyError, TypeError):
                raise errors.InvalidEncoding(f"{self._path} is not a valid pin store") from None

    def get(self, identity: str) -> PublicKey | None:
        """The pinned key of ``identity`` (canonical form), if any."""
        entry = self._pins.get(check_str(identity, "identity"))
        if entry is None:
            return None
        return PublicKey.from_bytes(bytes.fromhex(str(entry["public_key"])))

    def __contains__(self, identity: object) -> bool:
        return identity in self._pins

    def __len__(self) -> int:
        return len(self._pins)

    def check(self, public: PublicKey) -> None:
        """Pin ``public`` if its identity is new; raise KeyChanged if it differs from the pin."""
        check_type(public, PublicKey, "public")
        with self._lock:
            entry = self._pins.get(public.identity)
            if entry is None:
                self._set(public)
                return
            if bytes.fromhex(str(entry["public_key"])) != bytes(public):
                pinned = PublicKey.from_bytes(bytes.fromhex(str(entry["public_key"])))
                raise KeyChanged(
                    f"the key of {public.identity!r} changed: pinned {pinned.fingerprint}, "
                    f"presented {public.fingerprint} (if this is a renewal, replace the pin)"
                )

    def replace(self, public: PublicKey) -> None:
        """Pin ``public`` for its identity, replacing any earlier pin."""
        check_type(public, PublicKey, "public")
        with self._lock:
            self._set(public)

    def _set(self, public: PublicKey) -> None:
        self._pins[public.identity] = {
            "public_key": bytes(public).hex(),
            "fingerprint": public.fingerprint,
            "pinned_at": int(time.time()),
        }
        if self._path is not None:
            blob = json.dumps({"format": "n3crypto-pins-v1", "pins": self._pins}, indent=1)
            atomic_write(self._path, blob.encode("utf-8"), mode=0o600)
