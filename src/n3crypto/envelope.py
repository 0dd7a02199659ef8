"""The one versioned envelope every serialized n3crypto object travels in.

Layout (all integers big-endian)::

    b"N3" | envelope version (1 byte, = 1) | kind length (1) | kind (ASCII)
          | object version (1) | body

``kind`` names the object (``"rs-shard"``, later keys, ciphertexts, shares);
``object version`` is that object's own format version. Readers check
all of it and raise :class:`~n3crypto.errors.InvalidEncoding` with the reason.

>>> from n3crypto import envelope
>>> blob = envelope.pack("example", 1, b"body")
>>> envelope.unpack(blob, "example")
(1, b'body')
"""

from __future__ import annotations

from n3crypto import errors
from n3crypto._check import check_bytes, check_int, check_str, type_name

__all__ = ["ENVELOPE_VERSION", "MAGIC", "pack", "peek_kind", "unpack"]

MAGIC = b"N3"
ENVELOPE_VERSION = 1


def pack(kind: str, version: int, body: bytes) -> bytes:
    """Wrap ``body`` as object ``kind`` at format ``version``.

    >>> pack("example", 1, b"body")
    b'N3\\x01\\x07example\\x01body'
    """
    check_str(kind, "envelope kind")
    if not kind.isascii() or not 0 < len(kind) < 256:
        raise errors.N3ValueError("envelope kind must be 1..255 ASCII characters")
    raw = kind.encode("ascii")
    check_int(version, "object version")
    if not 0 <= version < 256:
        raise errors.N3ValueError("object version must fit in one byte")
    body = check_bytes(body, "envelope body")
    return MAGIC + bytes([ENVELOPE_VERSION, len(raw)]) + raw + bytes([version]) + body


def _blob(blob: object) -> bytes:
    if isinstance(blob, bytes):
        return blob
    if isinstance(blob, bytearray | memoryview):
        return check_bytes(blob, "envelope")
    raise errors.N3TypeError(f"an envelope must be bytes, not {type_name(blob)}")


def peek_kind(blob: bytes) -> str:
    """The kind of object in an envelope (after checking the header).

    >>> peek_kind(pack("rs-shard", 1, b"..."))
    'rs-shard'
    >>> peek_kind(b"not an envelope")
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidEncoding: not an n3crypto envelope (bad magic)
    """
    blob = _blob(blob)
    if len(blob) < 5 or blob[:2] != MAGIC:
        raise errors.InvalidEncoding("not an n3crypto envelope (bad magic)")
    if blob[2] != ENVELOPE_VERSION:
        raise errors.InvalidEncoding(f"unsupported envelope version {blob[2]}")
    n = blob[3]
    if len(blob) < 5 + n:
        raise errors.InvalidEncoding("truncated envelope header")
    try:
        return blob[4 : 4 + n].decode("ascii")
    except UnicodeDecodeError:
        raise errors.InvalidEncoding("envelope kind is not ASCII") from None


def unpack(blob: bytes, kind: str, *, versions: tuple[int, ...] = (1,)) -> tuple[int, bytes]:
    """``(object version, body)`` of an envelope that must hold ``kind``.

    ``versions`` lists the object versions the caller can read.

    >>> blob = pack("example", 2, b"body")
    >>> unpack(blob, "example", versions=(1, 2))
    (2, b'body')
    >>> unpack(blob, "example")
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidEncoding: unsupported example format version 2
    >>> unpack(blob, "rs-shard", versions=(1, 2))
    Traceback (most recent call last):
    ...
    n3crypto.errors.InvalidEncoding: expected a 'rs-shard' object, found 'example'
    """
    blob = _blob(blob)
    if not isinstance(versions, tuple | list | frozenset | set):
        raise errors.N3TypeError(f"versions must be a tuple of ints, not {type_name(versions)}")
    got = peek_kind(blob)
    if got != kind:
        raise errors.InvalidEncoding(f"expected a {kind!r} object, found {got!r}")
    off = 4 + blob[3]
    version = blob[off]
    if version not in versions:
        raise errors.InvalidEncoding(f"unsupported {kind} format version {version}")
    return version, blob[off + 1 :]
