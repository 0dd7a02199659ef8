"""Objects guarded by a lock stay usable in a child forked while the lock was held."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from typing import Any

import pytest

from n3crypto import errors
from n3crypto.node.replay import SqliteReplayCache
from n3crypto.onion import KeyTableCache, MemoryReplayCache, RelayKey, SurbKeyring
from n3crypto.paillier import generate_keypair
from n3crypto.rs import ErasureCoder
from n3crypto.signcryption import PinStore
from n3crypto.signcryption._common import LRU
from n3crypto.verification import BlameLedger

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork")


def _pub() -> Any:
    pub, _ = generate_keypair(512, allow_insecure_size=True)
    return pub


def _objects(tmp_path: Any) -> list[tuple[str, Any, Callable[[Any], object]]]:
    relay = RelayKey.generate("127.1.0.1:1")
    return [
        ("ErasureCoder", ErasureCoder(4, 2), lambda o: o.encode(bytes(256))),
        ("KeyTableCache", KeyTableCache(), lambda o: o.get(relay.descriptor)),
        ("MemoryReplayCache", MemoryReplayCache(), lambda o: o.check_and_insert(os.urandom(16))),
        ("SurbKeyring", SurbKeyring(), lambda o: o.discard(bytes(16))),
        ("LRU", LRU(4), lambda o: o.get(b"k")),
        ("PinStore", PinStore(tmp_path / "pins.sqlite"), lambda o: o.get("alice")),
        ("BlameLedger", BlameLedger(), lambda o: o.record(os.urandom(8).hex(), [["r1"]], [], "me")),
        ("PaillierPublicKey", _pub(), lambda o: o.encrypt(3, mode="fast")),
    ]


def test_locks_are_fresh_in_a_forked_child(tmp_path: Any) -> None:
    for name, obj, use in _objects(tmp_path):
        obj._lock.acquire()  # as if another thread held it at fork time
        try:
            pid = os.fork()
            if pid == 0:  # child: the lock must be free and the object usable
                code = 1
                try:
                    if obj._lock.acquire(timeout=2):
                        obj._lock.release()
                        use(obj)
                        code = 0
                except BaseException as exc:  # report, never return into pytest
                    print(f"{name}: {exc!r}", file=sys.stderr)
                os._exit(code)
            _, status = os.waitpid(pid, 0)
        finally:
            obj._lock.release()
        assert os.waitstatus_to_exitcode(status) == 0, f"{name} unusable in a forked child"
        use(obj)  # and still usable here


def test_file_backed_sqlite_stores_refuse_use_in_a_forked_child(tmp_path: Any) -> None:
    # SQLite forbids carrying a connection across fork(): the child gets a
    # clear error and must open the store anew (which works).
    stores: list[tuple[str, Any, Callable[[Any], object], Callable[[], Any]]] = [
        (
            "SqliteReplayCache",
            SqliteReplayCache(tmp_path / "replay.sqlite"),
            lambda o: o.check_and_insert(os.urandom(16)),
            lambda: None,
        ),
        (
            "BlameLedger",
            BlameLedger(tmp_path / "ledger.sqlite"),
            lambda o: o.record(os.urandom(8).hex(), [["r1"]], [], "me"),
            lambda: BlameLedger(tmp_path / "ledger-child.sqlite"),
        ),
    ]
    for name, obj, use, reopen in stores:
        use(obj)
        pid = os.fork()
        if pid == 0:
            code = 1
            try:
                try:
                    use(obj)
                except errors.N3ValueError as exc:
                    if "fork" in str(exc):
                        fresh = reopen()
                        if fresh is not None:
                            use(fresh)
                        code = 0
            except BaseException as exc:
                print(f"{name}: {exc!r}", file=sys.stderr)
            os._exit(code)
        _, status = os.waitpid(pid, 0)
        assert os.waitstatus_to_exitcode(status) == 0, f"{name} usable across fork"
        use(obj)  # the parent's connection is untouched
