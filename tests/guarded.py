"""Buffers that end exactly at an unreadable page, so an over-read faults."""

from __future__ import annotations

import ctypes
import ctypes.util
import mmap
import sys

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
PAGE = mmap.PAGESIZE
_keep: list[object] = []

AVAILABLE = sys.platform.startswith("linux")


def guarded(data: bytes) -> memoryview:
    """A writable memoryview holding ``data`` whose last byte precedes a
    PROT_NONE page."""
    pages = (len(data) + PAGE - 1) // PAGE + 1
    mm = mmap.mmap(-1, pages * PAGE, prot=mmap.PROT_READ | mmap.PROT_WRITE)
    base = ctypes.addressof(ctypes.c_char.from_buffer(mm))
    guard = base + (pages - 1) * PAGE
    if _libc.mprotect(ctypes.c_void_p(guard), PAGE, 0) != 0:
        raise OSError(ctypes.get_errno(), "mprotect failed")
    start = (pages - 1) * PAGE - len(data)
    mv = memoryview(mm)[start : start + len(data)]
    mv[:] = data
    _keep.append(mm)
    return mv
