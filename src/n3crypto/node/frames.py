"""Length-prefixed frames on a TCP stream.

A frame is ``length (u32, big-endian) ‖ type (u8) ‖ body`` where ``length``
counts the type byte and the body. Readers refuse frames longer than the
limit they were given before reading the body, so a peer cannot make a
relay buffer more than one packet.

>>> import asyncio
>>> async def demo() -> tuple[int, bytes]:
...     reader = asyncio.StreamReader()
...     reader.feed_data(encode_frame(PACKET, b"abc"))
...     reader.feed_eof()
...     return await read_frame(reader, 16)
>>> asyncio.run(demo())
(1, b'abc')
"""

from __future__ import annotations

import asyncio
from typing import Final

from n3crypto import errors
from n3crypto._check import check_bytes, check_int

__all__ = ["PACKET", "STATUS", "STATUS_REPLY", "FrameError", "encode_frame", "read_frame"]

#: A Sphinx packet for the receiving node.
PACKET: Final[int] = 0x01
#: A request for the relay's counters (answered to loopback peers only).
STATUS: Final[int] = 0x10
#: The answer: the counters as a JSON object.
STATUS_REPLY: Final[int] = 0x11


class FrameError(errors.PacketError):
    """A peer sent a malformed frame; the connection is closed."""


def encode_frame(kind: int, body: bytes) -> bytes:
    """``len ‖ kind ‖ body``.

    >>> encode_frame(PACKET, b"abc").hex()
    '0000000401616263'
    >>> encode_frame(STATUS, b"")
    b'\\x00\\x00\\x00\\x01\\x10'
    """
    check_int(kind, "frame type", 0, 255)
    body = check_bytes(body, "body")
    return (len(body) + 1).to_bytes(4, "big") + bytes([kind]) + body


async def read_frame(reader: asyncio.StreamReader, max_body: int) -> tuple[int, bytes]:
    """The next ``(type, body)``; raises ``asyncio.IncompleteReadError`` at
    end of stream and :class:`FrameError` for an empty or oversized frame.

    The length is checked before the body is read, so a frame longer than
    ``max_body`` is refused without buffering it:

    >>> import asyncio
    >>> async def frames(data: bytes, max_body: int) -> list[tuple[int, bytes]]:
    ...     reader = asyncio.StreamReader()
    ...     reader.feed_data(data)
    ...     reader.feed_eof()
    ...     out = []
    ...     try:
    ...         while True:
    ...             out.append(await read_frame(reader, max_body))
    ...     except asyncio.IncompleteReadError:
    ...         return out  # the end of the stream
    >>> asyncio.run(frames(encode_frame(PACKET, b"ab") + encode_frame(STATUS, b""), 16))
    [(1, b'ab'), (16, b'')]
    >>> asyncio.run(frames(encode_frame(PACKET, b"x" * 17), 16))
    Traceback (most recent call last):
    ...
    n3crypto.node.frames.FrameError: frame of 18 bytes refused
    """
    check_int(max_body, "max_body", 0)
    head = await reader.readexactly(4)
    n = int.from_bytes(head, "big")
    if n == 0 or n > max_body + 1:
        raise FrameError(f"frame of {n} bytes refused")
    data = await reader.readexactly(n)
    return data[0], data[1:]
