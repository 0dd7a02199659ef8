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
import threading
import weakref
from typing import Any

__all__ = ["new_lock"]

_OWNERS: weakref.WeakSet[Any] = weakref.WeakSet()


def new_lock(owner: object) -> threading.Lock:
    """A lock for ``owner._lock``, renewed in a forked child.

    ``owner`` must be weak-referenceable (classes with ``__slots__`` list
    ``"__weakref__"``).
    """
    _OWNERS.add(owner)
    return threading.Lock()


def _after_fork_in_child() -> None:
    for owner in list(_OWNERS):
        # object.__setattr__: some owners refuse attribute assignment.
        object.__setattr__(owner, "_lock", threading.Lock())


os.register_at_fork(after_in_child=_after_fork_in_child)
