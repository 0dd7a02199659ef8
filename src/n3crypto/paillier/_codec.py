"""Field codec shared by the Paillier wire formats.

Compact bytes: a body is a sequence of fields, each ``u32 length || bytes``
(big-endian), wrapped in the project envelope (:mod:`n3crypto.envelope`).
Integers are unsigned big-endian, minimal length (zero is the empty string);
signed integers carry a leading sign byte. JSON: objects with ``"kind"`` and
``"version"``, big integers as decimal strings.

>>> from n3crypto.paillier import _codec
>>> body = _codec.fields(_codec.uint(258), b"xy", _codec.sint(-5))
>>> r = _codec.Reader(body)
>>> (r.uint(), r.blob(), r.sint()); r.done()
(258, b'xy', -5)
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterable, Mapping
from typing import Any

from n3crypto import envelope, errors

__all__ = [
    "Reader",
    "dump_json",
    "fields",
    "int_from_json",
    "int_to_json",
    "load_json",
    "sint",
    "uint",
]

MAX_FIELD = 1 << 26  # 64 MiB: refuse absurd lengths before allocating


def uint(x: int) -> bytes:
    x = int(x)
    if x < 0:
        raise errors.N3ValueError("negative value in an unsigned field")
    return x.to_bytes((x.bit_length() + 7) // 8, "big")


def uint_fixed(x: int, width: int) -> bytes:
    x = int(x)
    if x < 0 or x.bit_length() > 8 * width:
        raise errors.N3ValueError("value does not fit its fixed width")
    return x.to_bytes(width, "big")


def parse_uint(raw: bytes, width: int = 0) -> int:
    """Inverse of :func:`uint` (``width`` 0) or :func:`uint_fixed`."""
    if width:
        if len(raw) != width:
            raise errors.InvalidEncoding("integer has the wrong fixed width")
    elif raw[:1] == b"\x00":
        raise errors.InvalidEncoding("non-minimal integer encoding")
    return int.from_bytes(raw, "big")


def sint(x: int) -> bytes:
    x = int(x)
    return (b"\x01" if x < 0 else b"\x00") + uint(abs(x))


def fields(*items: bytes) -> bytes:
    out = bytearray()
    for it in items:
        out += struct.pack(">I", len(it))
        out += it
    return bytes(out)


def seq(items: Iterable[bytes]) -> bytes:
    """A nested list of fields (itself a field body)."""
    items = list(items)
    return fields(uint(len(items)), *items)


class Reader:
    """Reads fields back; every error is :class:`~n3crypto.errors.InvalidEncoding`."""

    __slots__ = ("_buf", "_off")

    def __init__(self, buf: bytes) -> None:
        self._buf = memoryview(bytes(buf))
        self._off = 0

    def blob(self) -> bytes:
        if self._off + 4 > len(self._buf):
            raise errors.InvalidEncoding("truncated field header")
        (n,) = struct.unpack_from(">I", self._buf, self._off)
        if n > MAX_FIELD or self._off + 4 + n > len(self._buf):
            raise errors.InvalidEncoding("truncated or oversized field")
        out = bytes(self._buf[self._off + 4 : self._off + 4 + n])
        self._off += 4 + n
        return out

    def uint(self) -> int:
        raw = self.blob()
        if raw[:1] == b"\x00":
            raise errors.InvalidEncoding("non-minimal integer encoding")
        return int.from_bytes(raw, "big")

    def sint(self) -> int:
        raw = self.blob()
        if not raw or raw[0] not in (0, 1):
            raise errors.InvalidEncoding("bad signed integer")
        if raw[1:2] == b"\x00":
            raise errors.InvalidEncoding("non-minimal integer encoding")
        v = int.from_bytes(raw[1:], "big")
        if raw[0] == 1 and v == 0:
            raise errors.InvalidEncoding("negative zero")
        return -v if raw[0] else v

    def text(self) -> str:
        try:
            return self.blob().decode("utf-8")
        except UnicodeDecodeError:
            raise errors.InvalidEncoding("field is not UTF-8") from None

    def seq(self) -> list[bytes]:
        r = Reader(self.blob())
        count = r.uint()
        if count > 1 << 20:
            raise errors.InvalidEncoding("list too long")
        out = [r.blob() for _ in range(count)]
        r.done()
        return out

    def done(self) -> None:
        if self._off != len(self._buf):
            raise errors.InvalidEncoding("trailing bytes after the last field")


def open_envelope(blob: bytes, kind: str) -> Reader:
    if not isinstance(blob, bytes | bytearray | memoryview):
        raise errors.N3TypeError("expected bytes")
    _, body = envelope.unpack(bytes(blob), kind)
    return Reader(body)


def int_to_json(x: int) -> str:
    return str(int(x))


def int_from_json(v: Any, what: str) -> int:
    if not isinstance(v, str) or not v or not (v.isdigit() or (v[0] == "-" and v[1:].isdigit())):
        raise errors.InvalidEncoding(f"{what}: expected a decimal integer string")
    if len(v) > 20000:
        raise errors.InvalidEncoding(f"{what}: integer too long")
    if (v.startswith("0") and v != "0") or v.startswith("-0"):
        raise errors.InvalidEncoding(f"{what}: non-canonical integer")
    return int(v)


def dump_json(kind: str, version: int, body: Mapping[str, Any]) -> str:
    obj = {"kind": kind, "version": version, **body}
    return json.dumps(obj, sort_keys=True, separators=(",", ":"))


def load_json(
    text: str | bytes, kind: str, keys: Iterable[str], versions: tuple[int, ...] = (1,)
) -> dict[str, Any]:
    """Parse a JSON object of ``kind`` with exactly ``keys`` (plus kind/version)."""
    if not isinstance(text, str | bytes | bytearray):
        raise errors.N3TypeError("expected a JSON string")
    try:
        obj = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise errors.InvalidEncoding(f"malformed JSON: {exc}") from None
    if not isinstance(obj, dict):
        raise errors.InvalidEncoding("JSON value is not an object")
    if obj.get("kind") != kind:
        raise errors.InvalidEncoding(f"expected kind {kind!r}, found {obj.get('kind')!r}")
    version = obj.get("version")
    if isinstance(version, bool) or version not in versions:
        raise errors.InvalidEncoding(f"unsupported {kind} version {version!r}")
    want = set(keys) | {"kind", "version"}
    if set(obj) != want:
        extra = sorted(set(obj) - want)
        missing = sorted(want - set(obj))
        raise errors.InvalidEncoding(f"{kind}: unexpected keys {extra}, missing keys {missing}")
    return obj
