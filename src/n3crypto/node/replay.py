"""Replay caches that survive a restart: one SQLite database (WAL) per key epoch.

A tag is inserted with ``INSERT OR IGNORE`` in its own transaction, so the
check and the insert are one atomic step. The database is opened in
exclusive locking mode: one relay process owns an epoch's cache. WAL with
``synchronous=NORMAL`` keeps every committed tag across a crash or kill of
the relay process; an operating-system crash or power loss may lose the
tags committed since the last checkpoint (SQLite's documented trade-off),
which matters only if those very packets are replayed after such a crash.

>>> import tempfile
>>> store = ReplayStore(tempfile.mkdtemp())
>>> cache = store.cache(7)
>>> cache.check_and_insert(b"t" * 16), cache.check_and_insert(b"t" * 16)
(True, False)
>>> store.close()
>>> ReplayStore(store.directory).cache(7).check_and_insert(b"t" * 16)
False
"""

from __future__ import annotations

import os
import re

from n3crypto import errors
from n3crypto._check import check_bytes, check_int, check_path
from n3crypto._forksafe import connect_sqlite, new_lock

__all__ = ["ReplayStore", "SqliteReplayCache"]

_NAME = re.compile(r"^replay-(\d{1,10})\.sqlite3$")


class SqliteReplayCache:
    """The replay tags of one key epoch, in one SQLite file.

    ``batch = 1`` (the default) commits every tag before the packet is
    processed further. ``batch = n > 1`` is group commit: tags are inserted
    at once (so the check stays exact within the process) but committed
    every ``n`` tags or when :meth:`flush` runs (the node calls it every
    ``replay_flush_interval`` seconds); a crash of the process loses the
    tags of the last uncommitted group, i.e. packets of that window could
    be replayed into the restarted relay.

    >>> import pathlib, tempfile
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "replay-7.sqlite3"
    >>> cache = SqliteReplayCache(path, batch=100)
    >>> [cache.check_and_insert(t) for t in (b"a" * 16, b"b" * 16, b"a" * 16)]
    [True, True, False]
    >>> cache.flush()  # commit the open group now
    >>> cache.close()
    >>> cache = SqliteReplayCache(path)
    >>> len(cache), cache.check_and_insert(b"b" * 16)
    (2, False)
    >>> cache.close()
    """

    def __init__(self, path: str | os.PathLike[str], *, batch: int = 1) -> None:
        check_int(batch, "batch", 1)
        self.path = check_path(path)
        self.batch = batch
        self._pending = 0
        self._lock = new_lock(self)
        self._db = connect_sqlite(
            os.fspath(self.path), isolation_level=None, check_same_thread=False
        )
        # small pages: each commit appends one page to the WAL; exclusive
        # locking: no shared-memory locks per transaction, and a second
        # process cannot use this epoch's cache while we hold it (two relays
        # on one key directory would defeat replay protection)
        self._db.execute("PRAGMA page_size=1024")
        self._db.execute("PRAGMA locking_mode=EXCLUSIVE")
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA wal_autocheckpoint=16384")
        self._db.execute("CREATE TABLE IF NOT EXISTS tags (tag BLOB PRIMARY KEY) WITHOUT ROWID")
        os.chmod(self.path, 0o600)

    def check_and_insert(self, tag: bytes) -> bool:
        """True (and remembered) if ``tag`` is new, False if seen before."""
        if type(tag) is not bytes:
            tag = check_bytes(tag, "tag")
        with self._lock:
            if self.batch == 1:
                cur = self._db.execute("INSERT OR IGNORE INTO tags (tag) VALUES (?)", (tag,))
                return cur.rowcount == 1
            if not self._db.in_transaction:
                self._db.execute("BEGIN IMMEDIATE")
            cur = self._db.execute("INSERT OR IGNORE INTO tags (tag) VALUES (?)", (tag,))
            fresh = cur.rowcount == 1
            self._pending += fresh
            if self._pending >= self.batch:
                self._db.execute("COMMIT")
                self._pending = 0
            return fresh

    def flush(self) -> None:
        """Commit the tags of an open group (no-op when ``batch == 1``)."""
        with self._lock:
            if self._db.in_transaction:
                self._db.execute("COMMIT")
            self._pending = 0

    def __len__(self) -> int:
        with self._lock:
            row = self._db.execute("SELECT count(*) FROM tags").fetchone()
        return int(row[0])

    def close(self) -> None:
        self.flush()
        with self._lock:
            self._db.close()


class ReplayStore:
    """The per-epoch replay caches of one relay, in ``directory``.

    A relay drops an epoch's cache together with the epoch's key: its
    packets cannot be processed any more, so their tags need not be kept.

    >>> import tempfile
    >>> store = ReplayStore(tempfile.mkdtemp())
    >>> for epoch in (4, 5, 6):
    ...     _ = store.cache(epoch).check_and_insert(b"tag-%d" % epoch)
    >>> store.epochs_on_disk()
    [4, 5, 6]
    >>> store.drop_before(6), store.epochs_on_disk()
    ([4, 5], [6])
    >>> store.close()
    """

    def __init__(self, directory: str | os.PathLike[str], *, batch: int = 1) -> None:
        check_int(batch, "batch", 1)
        self.directory = check_path(directory, "directory")
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.batch = batch
        self._caches: dict[int, SqliteReplayCache] = {}

    def cache(self, epoch: int) -> SqliteReplayCache:
        """The cache of ``epoch`` (opened or created)."""
        if not isinstance(epoch, int) or not 0 <= epoch < 1 << 32:
            raise errors.N3ValueError("epoch must be a u32")
        c = self._caches.get(epoch)
        if c is None:
            c = SqliteReplayCache(self.directory / f"replay-{epoch}.sqlite3", batch=self.batch)
            self._caches[epoch] = c
        return c

    def epochs_on_disk(self) -> list[int]:
        return sorted(
            int(m.group(1)) for p in self.directory.iterdir() if (m := _NAME.match(p.name))
        )

    def drop_before(self, epoch: int) -> list[int]:
        """Delete the caches of epochs older than ``epoch`` (their keys are
        gone, so their packets cannot be processed any more)."""
        dropped = []
        for e in self.epochs_on_disk():
            if e < epoch:
                c = self._caches.pop(e, None)
                if c is not None:
                    c.close()
                for suffix in ("", "-wal", "-shm"):
                    try:
                        os.unlink(self.directory / f"replay-{e}.sqlite3{suffix}")
                    except FileNotFoundError:
                        pass
                dropped.append(e)
        return dropped

    def flush(self) -> None:
        """Commit every open group (see :class:`SqliteReplayCache`)."""
        for c in self._caches.values():
            c.flush()

    def close(self) -> None:
        for c in self._caches.values():
            c.close()
        self._caches.clear()
