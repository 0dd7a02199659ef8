"""Locks that survive ``os.fork()`` (internal).

A ``threading.Lock`` held by another thread when a process forks stays held
forever in the child, where that thread does not exist: the first use of
the object there would deadlock. Objects that guard their state with a lock
take it from :func:`new_lock`; after a fork, the child gives every such
object a fresh lock. (What the lock guarded may have been half-updated by
the vanished thread; the objects using this are caches and stores whose
every update keeps them consistent at the granularity Python guarantees.)
"""

from __future__ import annotations

import os
import sqlite3
import threading
import weakref
from typing import Any

from n3crypto import errors

__all__ = ["connect_sqlite", "new_lock"]

_OWNERS: weakref.WeakSet[Any] = weakref.WeakSet()
_CONNECTIONS: weakref.WeakSet[ProcessLocalConnection] = weakref.WeakSet()


def new_lock(owner: object) -> threading.Lock:
    """A lock for ``owner._lock``, renewed in a forked child.

    ``owner`` must be weak-referenceable (classes with ``__slots__`` list
    ``"__weakref__"``).
    """
    _OWNERS.add(owner)
    return threading.Lock()


class ProcessLocalConnection(sqlite3.Connection):
    """An SQLite connection that refuses use in a child forked after it was
    opened (SQLite forbids carrying a connection across ``fork()``: the
    child would share file locks and WAL state with the parent)."""

    _forked = False

    def _check(self) -> None:
        if self._forked:
            raise errors.N3ValueError(
                "this SQLite-backed store was opened before fork(): open it anew in the child"
            )

    def cursor(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return super().cursor(*args, **kwargs)

    def execute(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return super().execute(*args, **kwargs)

    def executemany(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return super().executemany(*args, **kwargs)

    def executescript(self, *args: Any, **kwargs: Any) -> Any:
        self._check()
        return super().executescript(*args, **kwargs)

    def commit(self) -> None:
        self._check()
        super().commit()

    def rollback(self) -> None:
        self._check()
        super().rollback()

    def __enter__(self) -> ProcessLocalConnection:
        self._check()
        return super().__enter__()


def connect_sqlite(path: str, **kwargs: Any) -> sqlite3.Connection:
    """``sqlite3.connect(path, **kwargs)`` giving a :class:`ProcessLocalConnection`
    (an in-memory database shares no file with anyone: the child keeps its copy)."""
    conn = sqlite3.connect(path, factory=ProcessLocalConnection, **kwargs)
    if path != ":memory:":
        _CONNECTIONS.add(conn)
    return conn


def _after_fork_in_child() -> None:
    for owner in list(_OWNERS):
        # object.__setattr__: some owners refuse attribute assignment.
        object.__setattr__(owner, "_lock", threading.Lock())
    for conn in list(_CONNECTIONS):
        conn._forked = True


os.register_at_fork(after_in_child=_after_fork_in_child)
