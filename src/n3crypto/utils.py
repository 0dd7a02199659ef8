"""Small helpers: atomic file writes.

>>> import os, tempfile
>>> from n3crypto.utils import atomic_write
>>> d = tempfile.mkdtemp()
>>> atomic_write(os.path.join(d, "x.bin"), b"data")
>>> open(os.path.join(d, "x.bin"), "rb").read()
b'data'
"""

from __future__ import annotations

import errno
import os
import tempfile
from pathlib import Path

from n3crypto import errors
from n3crypto._check import check_bytes, check_int, check_path

__all__ = ["atomic_write"]


def atomic_write(
    path: str | os.PathLike[str], data: bytes, *, mode: int = 0o644, overwrite: bool = True
) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new
    one, never a half-written one (temporary file, fsync, rename).

    With ``overwrite=False`` an existing ``path`` is left alone and
    :class:`FileExistsError` is raised, as ``O_EXCL`` would: the finished
    file is hard-linked to its name, which fails if the name is taken.

    >>> import os, stat, tempfile
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = os.path.join(tmp.name, "key.bin")
    >>> atomic_write(path, b"secret", mode=0o600)
    >>> open(path, "rb").read(), oct(stat.S_IMODE(os.stat(path).st_mode))
    (b'secret', '0o600')
    >>> atomic_write(path, b"other", overwrite=False)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    FileExistsError: [Errno 17] File exists: '.../key.bin'
    >>> tmp.cleanup()
    """
    target = check_path(path)
    data = check_bytes(data, "data")
    check_int(mode, "mode", 0, 0o7777)
    if not target.name:
        raise errors.N3ValueError(f"{str(path)!r} does not name a file")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        if overwrite:
            os.replace(tmp, target)
        else:
            _link_new(tmp, target, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    try:
        dfd = os.open(target.parent, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory fds
        return
    try:
        os.fsync(dfd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(dfd)


def _link_new(tmp: str, target: Path, path: str | os.PathLike[str]) -> None:
    """Give the finished ``tmp`` the name ``target`` unless that name exists."""
    try:
        os.link(tmp, target)
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, os.strerror(errno.EEXIST), path) from None
    except OSError:
        # No hard links on this file system (FAT, some FUSE): claim the name
        # with O_EXCL, then rename over the empty placeholder.
        os.close(os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        os.replace(tmp, target)
        return
    os.unlink(tmp)
