"""Streaming signcryption for inputs too large to hold in memory.

Layout (docs/signcryption.md, "Streaming")::

    hdr (1) || log2(chunk) (1) || U (32) || seg_0 || seg_1 || ... || seg_last

Each segment is ChaCha20-Poly1305 under the message key K with nonce
``u88be(i) || final_flag`` (the STREAM construction of Hoang, Reyhanitabar,
Rogaway and Vizár): reordering, truncation and splicing make a segment fail.
``seg_0`` carries the sender field and ``V_A`` before its data; the final
segment ends with the sender's signature ``U2 || s2`` over the whole stream,
so **nothing is sender-authenticated until** :meth:`StreamUnsigncryptor.finalize`
returns. Data :meth:`StreamUnsigncryptor.update` hands out earlier has only
passed the AEAD check (anyone could have made it) and must be held back.

>>> import io
>>> from n3crypto.signcryption import KGC, UserKey, signcrypt_stream, unsigncrypt_stream
>>> kgc = KGC.generate()
>>> def user(name):
...     u = UserKey.generate(name, kgc.public)
...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
>>> alice, bob = user("alice"), user("bob")
>>> sealed, opened = io.BytesIO(), io.BytesIO()
>>> _ = signcrypt_stream(alice, bob.public, io.BytesIO(b"x" * 100000), sealed, chunk_size=4096)
>>> _ = sealed.seek(0)
>>> result = unsigncrypt_stream(bob, sealed, opened)
>>> result.sender_identity, result.length, opened.getvalue() == b"x" * 100000
('alice', 100000, True)
"""

from __future__ import annotations

import io
import itertools
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Final, NamedTuple, Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from n3crypto import errors
from n3crypto._check import check_int
from n3crypto.group import Point, Scalar
from n3crypto.signcryption import _common as c
from n3crypto.signcryption import _native
from n3crypto.signcryption.keys import PublicKey, UserKey, checked_now
from n3crypto.signcryption.scheme import (
    FORMAT_STREAM,
    _check_pair,
    _check_sender,
    _fail,
    _sender_parts,
    check_pins,
    header_byte,
    parse_header,
)

__all__ = [
    "DEFAULT_CHUNK_SIZE",
    "StreamResult",
    "StreamSigncryptor",
    "StreamUnsigncryptor",
    "signcrypt_stream",
    "unsigncrypt_stream",
]

DEFAULT_CHUNK_SIZE: Final[int] = 1 << 16
HEADER_BYTES: Final[int] = 34
_B: Final[Point] = Point.base()
_TAG: Final[int] = 16
_SIG: Final[int] = 64
_counter = itertools.count()
_BACKGROUND_MIN: Final[int] = 1 << 18


class _Hasher:
    """The message digest, fed on a helper thread for large blocks.

    SHA-256 releases the GIL on large inputs, so hashing block i overlaps
    the AEAD and I/O of blocks i and i+1 on a second core. Updates stay in
    order: each waits for the previous one. (A bare thread rather than
    concurrent.futures, whose import costs a CLI run ~30 ms.)
    """

    def __init__(self) -> None:
        self._h = c.message_hasher()
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None

    def wait(self) -> None:
        if self._thread is not None:
            self._thread.join()
            self._thread = None
        if self._error is not None:  # pragma: no cover - hashing bytes cannot fail
            raise self._error

    def update(self, pieces: Sequence[bytes | memoryview]) -> None:
        self.wait()
        if sum(len(p) for p in pieces) >= _BACKGROUND_MIN:
            self._thread = threading.Thread(target=self._feed, args=(pieces,), daemon=True)
            self._thread.start()
        else:
            self._feed(pieces)

    def _feed(self, pieces: Sequence[bytes | memoryview]) -> None:
        try:
            for p in pieces:
                self._h.update(p)
        except BaseException as exc:  # pragma: no cover
            self._error = exc

    def digest(self) -> bytes:
        self.wait()
        return self._h.digest()  # type: ignore[no-any-return]


class Readable(Protocol):
    """Anything with ``read(n) -> bytes`` (files, sockets' makefile, BytesIO)."""

    def read(self, n: int = -1, /) -> bytes: ...


class Writable(Protocol):
    """Anything with ``writelines`` of bytes (binary files, BytesIO)."""

    def writelines(self, lines: Iterable[bytes], /) -> None: ...


class StreamResult(NamedTuple):
    """The authenticated sender of a stream and the number of message bytes."""

    sender_identity: str
    sender_public: PublicKey
    length: int


def _nonce(i: int, final: bool) -> bytes:
    return i.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


def _chunk_log(chunk_size: int) -> int:
    if not isinstance(chunk_size, int) or isinstance(chunk_size, bool):
        raise errors.N3TypeError("chunk_size must be int")
    lg = chunk_size.bit_length() - 1
    if lg < 0 or chunk_size != 1 << lg or not 10 <= lg <= 24:
        raise errors.N3ValueError("chunk_size must be a power of two from 1 KiB to 16 MiB")
    return lg


class StreamSigncryptor:
    """Incremental signcryption: ``header + update(...) + ... + finalize()`` is the stream.

    >>> from n3crypto.signcryption import KGC, UserKey, StreamSigncryptor, unsigncrypt_stream
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> alice, bob = user("alice"), user("bob")
    >>> enc = StreamSigncryptor(alice, bob.public, b"report.csv", chunk_size=1024)
    >>> sealed = enc.update(b"a" * 1500) + enc.update(b"b" * 1500) + enc.finalize()
    >>> sealed[:len(enc.header)] == enc.header
    True
    >>> import io
    >>> opened = io.BytesIO()
    >>> unsigncrypt_stream(bob, io.BytesIO(sealed), opened, b"report.csv").length
    3000
    """

    def __init__(
        self,
        sender: UserKey,
        recipient_public: PublicKey,
        associated_data: bytes = b"",
        *,
        chunk_size: int = DEFAULT_CHUNK_SIZE,
        identity_width: int = c.DEFAULT_IDENTITY_WIDTH,
        now: float | None = None,
    ) -> None:
        self._a, self._pub = _check_pair(sender, recipient_public, now)
        if not isinstance(associated_data, bytes | bytearray | memoryview):
            raise errors.N3TypeError("associated_data must be bytes")
        associated_data = bytes(associated_data)
        self._ad = associated_data
        self._chunk = chunk_size
        lg = _chunk_log(chunk_size)
        rp = recipient_public
        self._rp = rp
        pp = bytes(self._pub.kgc.point)
        id_b, exp_b, v_b = _sender_parts(rp)
        # The KEM nonce cannot depend on a message not yet seen: it is hedged with
        # the secret key, fresh randomness, the clock and a process counter.
        k_wide = c.hash_wide(
            b"stream-nonce",
            bytes(self._a),
            c.random_bytes(32),
            pp,
            bytes(rp.full_point),
            id_b,
            exp_b,
            v_b,
            associated_data,
            c.u64(time.time_ns()),
            c.u64(os.getpid()),
            c.u64(next(_counter)),
        )
        _, u, z = rp._encap(k_wide)
        self.header = bytes([header_byte(FORMAT_STREAM, identity_width), lg]) + u
        self._aead = ChaCha20Poly1305(c.kdf(b"stream-key", z, self.header, pp, id_b, exp_b, v_b))
        self._prefix = c.identity_field(
            self._pub.identity_bytes, self._pub.expiry, identity_width
        ) + bytes(self._pub.public_value)
        self._mh = _Hasher()
        self._buf = b""
        self._seg = 0
        self._length = 0
        self._started = False
        self._done = False

    def _emit(self, data: Any, final: bool, tail: bytes = b"") -> bytes:
        if self._seg == 0:
            pt = self._prefix + bytes(data) + tail
            ad = self.header + self._ad
        else:
            pt = bytes(data) + tail if tail else data
            ad = b""
        out = self._aead.encrypt(_nonce(self._seg, final), pt, ad)
        self._seg += 1
        return out

    def update(self, data: bytes) -> bytes:
        """Feed message bytes; returns the stream bytes ready so far (the header first)."""
        return b"".join(self.update_pieces(data))

    def update_pieces(self, data: bytes) -> list[bytes]:
        """:meth:`update` as a list of pieces (saves a copy when writing to a file)."""
        if self._done:
            raise errors.N3ValueError("stream already finalized")
        if not isinstance(data, bytes | bytearray | memoryview):
            raise errors.N3TypeError("data must be bytes")
        return self._pieces(bytes(data))

    def _pieces(self, data: bytes | memoryview) -> list[bytes]:
        """The work of :meth:`update_pieces` on data the caller leaves unchanged
        until its next call (the message digest may still be reading it)."""
        self._mh.update([data])
        n = len(data)
        self._length += n
        out = []
        if not self._started:
            out.append(self.header)
            self._started = True
        chunk = self._chunk
        mv = memoryview(data)
        off = 0
        if self._buf:
            # Top up the pending partial chunk from the head of the new data.
            need = chunk - len(self._buf)
            if n <= need:
                self._buf += mv
                return out
            out.append(self._emit(self._buf + mv[:need], False))
            self._buf = b""
            off = need
        while n - off > chunk:
            out.append(self._emit(mv[off : off + chunk], False))
            off += chunk
        self._buf = bytes(mv[off:])
        return out

    def finalize(self) -> bytes:
        """The last segment, carrying the sender's signature over the whole stream."""
        if self._done:
            raise errors.N3ValueError("stream already finalized")
        self._done = True
        head = b"" if self._started else self.header
        mh = self._mh.digest()
        pp = bytes(self._pub.kgc.point)
        id_a, exp_a, v_a = _sender_parts(self._pub)
        id_b, exp_b, v_b = _sender_parts(self._rp)
        k2 = c.hash_scalar(
            b"stream-sig-nonce", bytes(self._a), c.random_bytes(32), self.header, self._ad, mh
        )
        u2 = bytes(k2 * _B)
        h2 = c.hash_scalar(
            b"stream-sig",
            self.header,
            pp,
            u2,
            id_a,
            exp_a,
            v_a,
            id_b,
            exp_b,
            v_b,
            self._ad,
            mh,
            c.u64(self._length),
            c.u64(self._seg),
        )
        s2 = k2 + h2 * self._a
        return head + self._emit(self._buf, True, u2 + bytes(s2))


class StreamUnsigncryptor:
    """Incremental unsigncryption; see the module warning about :meth:`update`.

    Feed the stream in pieces of any size; only :meth:`finalize` says who
    sent it, so hold back what :meth:`update` returns until then.

    >>> from n3crypto.signcryption import KGC, UserKey, StreamSigncryptor, StreamUnsigncryptor
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> alice, bob = user("alice"), user("bob")
    >>> enc = StreamSigncryptor(alice, bob.public, chunk_size=1024)
    >>> sealed = enc.update(b"x" * 3000) + enc.finalize()
    >>> dec = StreamUnsigncryptor(bob, expected_sender="alice")
    >>> held = [dec.update(sealed[i : i + 700]) for i in range(0, len(sealed), 700)]
    >>> last, result = dec.finalize()
    >>> b"".join(held) + last == b"x" * 3000, result.sender_identity, result.length
    (True, 'alice', 3000)
    >>> dec = StreamUnsigncryptor(bob)
    >>> _ = dec.update(sealed[:-1])                           # truncated by one byte
    >>> dec.finalize()
    Traceback (most recent call last):
    ...
    n3crypto.errors.UnsigncryptError: signcrypted message failed to authenticate
    """

    def __init__(
        self,
        recipient: UserKey,
        associated_data: bytes = b"",
        expected_sender: PublicKey | str | None = None,
        *,
        pins: Any = None,
        now: float | None = None,
    ) -> None:
        if not isinstance(recipient, UserKey):
            raise errors.N3TypeError("recipient must be a UserKey")
        if not isinstance(associated_data, bytes | bytearray | memoryview):
            raise errors.N3TypeError("associated_data must be bytes")
        associated_data = bytes(associated_data)
        check_pins(pins)
        if now is not None:
            checked_now(now)
        self._a, self._me = recipient._full()
        self._ad = associated_data
        self._expected, self._pins, self._now = expected_sender, pins, now
        self._buf = b""
        self._header: bytes | None = None
        self._aead: ChaCha20Poly1305 | None = None
        self._width = 0
        self._chunk = 0
        self._seg = 0
        self._length = 0
        self._mh = _Hasher()
        self._sender: PublicKey | None = None
        self._done = False
        self._failed = False

    def _start(self) -> None:
        hdr = self._buf[:HEADER_BYTES]
        fmt, width = parse_header(hdr[0])
        if fmt != FORMAT_STREAM or not 10 <= hdr[1] <= 24:
            raise _fail()
        try:
            z = _native.decap(bytes(self._a), hdr[2:])
        except errors.InvalidEncoding:
            raise _fail() from None
        pp = bytes(self._me.kgc.point)
        id_b, exp_b, v_b = _sender_parts(self._me)
        self._aead = ChaCha20Poly1305(c.kdf(b"stream-key", z, hdr, pp, id_b, exp_b, v_b))
        self._header, self._width, self._chunk = hdr, width, 1 << hdr[1]
        self._buf = self._buf[HEADER_BYTES:]

    def _open(self, seg: Any, final: bool) -> bytes:
        assert self._aead is not None and self._header is not None
        ad = self._header + self._ad if self._seg == 0 else b""
        try:
            pt = self._aead.decrypt(_nonce(self._seg, final), seg, ad)
        except InvalidTag:
            raise _fail() from None
        if self._seg == 0:
            w = self._width
            try:
                ident, expiry = c.parse_identity_field(pt[:w])
                self._sender = PublicKey._from_parts(self._me.kgc, ident, expiry, pt[w : w + 32])
            except errors.N3ValueError:
                raise _fail() from None
            pt = pt[w + 32 :]
        self._seg += 1
        return pt

    def _prefix(self) -> int:
        return self._width + 32 if self._seg == 0 else 0

    def update(self, data: bytes) -> bytes:
        """Feed stream bytes; returns AEAD-checked plaintext that is NOT yet
        sender-authenticated (hold it until :meth:`finalize`)."""
        return b"".join(self.update_pieces(data))

    def update_pieces(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """:meth:`update` as a list of pieces (saves a copy when writing to a file)."""
        if self._done or self._failed:
            raise errors.N3ValueError("stream already finalized or failed")
        if not isinstance(data, bytes | bytearray | memoryview):
            raise errors.N3TypeError("data must be bytes")
        if isinstance(data, memoryview) and not data.c_contiguous:
            data = data.tobytes()
        try:
            return self._update(data)
        except errors.UnsigncryptError:
            self._failed = True
            raise

    def _update(self, data: bytes | bytearray | memoryview) -> list[bytes]:
        """Decrypt what ``data`` completes; ``data`` is only read during the call."""
        mv = memoryview(data)
        if self._header is None:
            self._buf += mv
            if len(self._buf) < HEADER_BYTES:
                return []
            self._start()
            mv, self._buf = memoryview(self._buf), b""
        out: list[bytes] = []
        off, n = 0, len(mv)
        if self._buf:
            # Complete the pending segment with the head of the new data.
            pre = self._prefix()
            seg_len = pre + self._chunk + _TAG
            final_max = seg_len + _SIG
            have = len(self._buf)
            if have + n <= final_max:
                self._buf += mv
                return out
            take = seg_len - have
            if take >= 0:
                out.append(self._open(self._buf + mv[:take], False))
                off = take
                self._buf = b""
            else:
                out.append(self._open(self._buf[:seg_len], False))
                mv = memoryview(self._buf[seg_len:] + mv)
                n, self._buf = len(mv), b""
        while True:
            pre = self._prefix()
            seg_len = pre + self._chunk + _TAG
            final_max = seg_len + _SIG
            if n - off <= final_max:
                break
            out.append(self._open(mv[off : off + seg_len], False))
            off += seg_len
        self._buf = bytes(mv[off:])
        if out:
            self._length += sum(len(p) for p in out)
            self._mh.update(out)
        return out

    def finalize(self) -> tuple[bytes, StreamResult]:
        """Open the final segment and check the sender's signature over everything.

        Returns ``(last plaintext bytes, StreamResult)``; raises
        UnsigncryptError (one message) on truncation, tampering or a bad
        signature, and KeyChanged on a pin mismatch.
        """
        if self._done or self._failed:
            raise errors.N3ValueError("stream already finalized or failed")
        self._done = True
        if self._header is None:
            if len(self._buf) < HEADER_BYTES:
                raise _fail()
            self._start()
        pre = self._prefix()
        if not pre + _SIG + _TAG <= len(self._buf) <= pre + self._chunk + _SIG + _TAG:
            raise _fail()
        pt = self._open(self._buf, True)
        data, u2_b, s2_b = pt[:-_SIG], pt[-_SIG:-32], pt[-32:]
        self._mh.update([data])
        self._length += len(data)
        sender = self._sender
        assert sender is not None and self._header is not None
        try:
            u2 = Point.from_bytes(u2_b)
            s2 = Scalar.from_bytes(s2_b)
        except errors.InvalidEncoding:
            raise _fail() from None
        pp = bytes(self._me.kgc.point)
        id_a, exp_a, v_a = _sender_parts(sender)
        id_b, exp_b, v_b = _sender_parts(self._me)
        h2 = c.hash_scalar(
            b"stream-sig",
            self._header,
            pp,
            u2_b,
            id_a,
            exp_a,
            v_a,
            id_b,
            exp_b,
            v_b,
            self._ad,
            self._mh.digest(),
            c.u64(self._length),
            c.u64(self._seg - 1),
        )
        if u2.is_identity() or Point.vartime_double_mul_base(s2, -h2, sender.full_point) != u2:
            raise _fail()
        _check_sender(sender, self._expected, self._pins, self._now)
        return data, StreamResult(sender.identity, sender, self._length)


def _check_io(src: Any, dst: Any, progress: Any, read_size: Any) -> None:
    if not callable(getattr(src, "read", None)):
        raise errors.N3TypeError(f"src must be a readable binary file, not {type(src).__name__}")
    if not callable(getattr(dst, "writelines", None)):
        raise errors.N3TypeError(f"dst must be a writable binary file, not {type(dst).__name__}")
    if progress is not None and not callable(progress):
        raise errors.N3TypeError(f"progress must be callable, not {type(progress).__name__}")
    check_int(read_size, "read_size", 1, 1 << 30)


def _chunks(src: Readable, size: int, *, buffers: int) -> Iterator[bytes | memoryview]:
    """Blocks of ``src``: views of ``buffers`` reused buffers filled by ``readinto``
    in turn (no allocation per read), or fresh bytes from ``read``.

    A view stays valid until ``buffers`` more blocks have been taken.
    """
    readinto = getattr(src, "readinto", None)
    if readinto is not None:
        bufs = [bytearray(size) for _ in range(buffers)]
        turn = 0
        while True:
            try:
                n = readinto(bufs[turn])
            except (NotImplementedError, io.UnsupportedOperation):
                break  # a reader without readinto: use read below
            if not n:
                return
            yield memoryview(bufs[turn])[:n]
            turn = (turn + 1) % buffers
    while data := src.read(size):
        yield data


def signcrypt_stream(
    sender: UserKey,
    recipient_public: PublicKey,
    src: Readable,
    dst: Writable,
    associated_data: bytes = b"",
    *,
    chunk_size: int = DEFAULT_CHUNK_SIZE,
    identity_width: int = c.DEFAULT_IDENTITY_WIDTH,
    now: float | None = None,
    progress: Callable[[int], None] | None = None,
    read_size: int = 1 << 22,
) -> int:
    """Signcrypt everything readable from ``src`` into ``dst``; returns bytes written.

    ``progress``, if given, is called with the number of input bytes of
    each block read.

    >>> import io
    >>> from n3crypto.signcryption import KGC, UserKey, signcrypt_stream
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> alice, bob = user("alice"), user("bob")
    >>> sealed = io.BytesIO()
    >>> signcrypt_stream(alice, bob.public, io.BytesIO(b"x" * 5000), sealed, chunk_size=1024)
    5274
    >>> len(sealed.getvalue())       # 34-byte header, 96-byte sender, 16 per chunk, 64 signature
    5274
    """
    _check_io(src, dst, progress, read_size)
    enc = StreamSigncryptor(
        sender,
        recipient_public,
        associated_data,
        chunk_size=chunk_size,
        identity_width=identity_width,
        now=now,
    )
    written = 0
    for data in _chunks(src, read_size, buffers=2):
        pieces = enc._pieces(data)
        dst.writelines(pieces)
        written += sum(len(p) for p in pieces)
        if progress is not None:
            progress(len(data))
    out = enc.finalize()
    dst.writelines([out])
    return written + len(out)


def unsigncrypt_stream(
    recipient: UserKey,
    src: Readable,
    dst: Writable,
    associated_data: bytes = b"",
    expected_sender: PublicKey | str | None = None,
    *,
    pins: Any = None,
    now: float | None = None,
    progress: Callable[[int], None] | None = None,
    read_size: int = 1 << 22,
) -> StreamResult:
    """Unsigncrypt ``src`` into ``dst``.

    ``dst`` receives data before the sender is authenticated: write to a
    temporary file and keep it only if this returns (the CLI does so).

    >>> import io, os, tempfile
    >>> from n3crypto.signcryption import KGC, UserKey, signcrypt_stream, unsigncrypt_stream
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> alice, bob = user("alice"), user("bob")
    >>> sealed = io.BytesIO()
    >>> _ = signcrypt_stream(alice, bob.public, io.BytesIO(b"x" * 5000), sealed, b"v1")
    >>> tmp = tempfile.TemporaryDirectory()
    >>> part = os.path.join(tmp.name, "out.part")
    >>> with open(part, "wb") as dst:
    ...     result = unsigncrypt_stream(bob, io.BytesIO(sealed.getvalue()), dst, b"v1")
    >>> os.replace(part, os.path.join(tmp.name, "out"))     # authenticated: keep it
    >>> result.sender_identity, result.length
    ('alice', 5000)
    >>> unsigncrypt_stream(bob, io.BytesIO(sealed.getvalue()), io.BytesIO(), b"v2")
    Traceback (most recent call last):
    ...
    n3crypto.errors.UnsigncryptError: signcrypted message failed to authenticate
    >>> tmp.cleanup()
    """
    _check_io(src, dst, progress, read_size)
    dec = StreamUnsigncryptor(recipient, associated_data, expected_sender, pins=pins, now=now)
    for data in _chunks(src, read_size, buffers=1):
        dst.writelines(dec.update_pieces(data))
        if progress is not None:
            progress(len(data))
    last, result = dec.finalize()
    dst.writelines([last])
    return result
