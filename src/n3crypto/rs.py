"""Reed–Solomon erasure coding and error location over GF(2^8).

:class:`ErasureCoder` splits data into ``k`` data shards and ``m`` parity
shards; any ``k`` of the ``k + m`` shards rebuild the data, and when more
than ``k`` are present, up to ``(present - k) // 2`` altered shards are
located and repaired. The code is systematic (data shards are slices of the
padded input) with a Cauchy parity matrix, decoded in its generalized
Reed–Solomon form (see docs/reed-solomon.md).

>>> from n3crypto.rs import ErasureCoder
>>> coder = ErasureCoder(4, 3)
>>> shards = coder.encode(b"attack at dawn")
>>> shards[1] = None                        # lost
>>> shards[4] = b"\\x00" * len(shards[4])    # corrupted
>>> out = coder.decode(shards)
>>> bytes(out), out.missing, out.corrupted
(b'attack at dawn', [1], [4])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from n3crypto import envelope, errors
from n3crypto._buffers import as_bytes_view, c_buffers, check_int, one_buffer
from n3crypto._check import check_bytes
from n3crypto._forksafe import new_lock
from n3crypto.bindings import U8_ARRAY, default_kernel, ffi, kernel_id, kernel_name
from n3crypto.bindings import rs as _rs
from n3crypto.rscodec import BatchDecodeResult, RSCodec

__all__ = [
    "BatchDecodeResult",
    "DecodedData",
    "ErasureCoder",
    "RSCodec",
    "Shard",
    "aligned_buffers",
]

_PAD = 0x80


def aligned_buffers(count: int, size: int) -> list[memoryview]:
    """``count`` zeroed, writable buffers of ``size`` bytes, each starting on a
    64-byte boundary and at a different offset modulo 4 KiB.

    SIMD kernels run fastest on such buffers (a misaligned 64-byte load or
    store touches two cache lines; equal page offsets make streams alias).
    Use them with :meth:`ErasureCoder.encode_into` and
    :meth:`ErasureCoder.reconstruct_into`.

    >>> bufs = aligned_buffers(3, 100)
    >>> [len(b) for b in bufs], bufs[0].readonly
    ([100, 100, 100], False)
    """
    check_int(count, "count", 0, 1 << 16)
    check_int(size, "size", 0, 1 << 40)
    stride = -(-size // 64) * 64 + 64
    backing = bytearray(count * stride + 64)
    addr = int(ffi.cast("uintptr_t", ffi.from_buffer(backing)))
    start = (-addr) % 64
    mv = memoryview(backing)
    return [mv[start + i * stride : start + i * stride + size] for i in range(count)]


class DecodedData(bytes):
    """The decoded bytes, with what had to be repaired to get them.

    ``missing``: indices of shards that were absent; ``corrupted``: indices of
    shards whose bytes were altered and were located and repaired;
    ``repaired``: both, sorted.

    >>> coder = ErasureCoder(3, 3)
    >>> shards = coder.encode(b"hello world")
    >>> shards[0] = None                         # lost
    >>> shards[5] = b"\\xff" * len(shards[5])     # altered
    >>> out = coder.decode(shards)
    >>> out == b"hello world", out.missing, out.corrupted, out.repaired
    (True, [0], [5], [0, 5])
    """

    missing: list[int]
    corrupted: list[int]

    def __new__(cls, data: bytes, missing: list[int], corrupted: list[int]) -> DecodedData:
        obj = super().__new__(cls, check_bytes(data, "data"))
        obj.missing = missing
        obj.corrupted = corrupted
        return obj

    @property
    def repaired(self) -> list[int]:
        return sorted(self.missing + self.corrupted)


class ErasureCoder:
    """A systematic ``k + m`` Reed–Solomon erasure code (k ≥ 1, k + m ≤ 255).

    ``kernel`` forces a GF(2^8) kernel (``"ref"``, ``"avx2"``, ``"gfni"``,
    ``"gfni512"``); by default the fastest this CPU runs, or the one named by
    the ``N3_FORCE_KERNEL`` environment variable. Instances are safe to share
    between threads.

    >>> c = ErasureCoder(3, 2)
    >>> s = c.encode(b"hello world")
    >>> len(s), len(s[0])
    (5, 4)
    >>> c.decode([None, s[1], None, s[3], s[4]])
    b'hello world'
    """

    def __init__(self, k: int, m: int, *, kernel: str | None = None) -> None:
        check_int(k, "k", 1, _rs.MAX_SHARDS)
        check_int(m, "m", 0, _rs.MAX_SHARDS)
        if k + m > _rs.MAX_SHARDS:
            raise errors.N3ValueError(f"k + m must be at most {_rs.MAX_SHARDS}, got {k + m}")
        kid = default_kernel() if kernel is None else kernel_id(kernel)
        self._k, self._m, self._n = k, m, k + m
        self._ctx_mem, self._ctx = _rs.rs_ctx_new(k, m, kid)
        self._kernel = kid
        self._lock = new_lock(self)

    # -- properties -------------------------------------------------------
    @property
    def k(self) -> int:
        """Number of data shards."""
        return self._k

    @property
    def m(self) -> int:
        """Number of parity shards."""
        return self._m

    @property
    def n(self) -> int:
        """Total number of shards, ``k + m``."""
        return self._n

    @property
    def kernel(self) -> str:
        """Name of the GF(2^8) kernel this coder uses."""
        return kernel_name(self._kernel)

    def __repr__(self) -> str:
        return f"ErasureCoder(k={self._k}, m={self._m}, kernel={self.kernel!r})"

    def parity_matrix(self) -> list[list[int]]:
        """The ``m × k`` Cauchy matrix: parity ``j`` is ``Σ_i P[j][i]·data_i``."""
        raw = _rs.rs_parity_matrix(self._ctx, self._k, self._m)
        return [list(raw[j * self._k : (j + 1) * self._k]) for j in range(self._m)]

    def shard_size(self, data_len: int) -> int:
        """Length of each shard that :meth:`encode` makes for ``data_len`` bytes."""
        check_int(data_len, "data_len", 0, 1 << 62)
        return -(-(data_len + 1) // self._k)

    # -- encoding ---------------------------------------------------------
    def encode(self, data: Any) -> list[bytes]:
        """Split ``data`` into ``k`` data shards and add ``m`` parity shards.

        The input is padded with ``0x80`` then zeros to a multiple of ``k``,
        so its length is recovered by :meth:`decode`.
        """
        mv = as_bytes_view(data, "data")
        n = len(mv)
        size = self.shard_size(n)
        out: list[bytes] = []
        for i in range(self._k):
            lo, hi = i * size, (i + 1) * size
            if hi <= n:
                out.append(bytes(mv[lo:hi]))
            else:  # the shard holding the padding marker, then zero shards
                part = bytes(mv[lo:n]) if lo < n else b""
                marker = b"\x80" if lo <= n else b""
                out.append(part + marker + bytes(size - len(part) - len(marker)))
        return out + self.encode_shards(out)

    def encode_shards(self, data_shards: Sequence[Any]) -> list[bytes]:
        """Parity shards (``m`` of them) for ``k`` equal-length data shards."""
        views, size = self._check_shards(data_shards, self._k, "data_shards")
        parity = [bytearray(size) for _ in range(self._m)]
        self._encode(views, [ffi.from_buffer("uint8_t[]", p) for p in parity], size)
        return [bytes(p) for p in parity]

    def encode_into(self, data_shards: Sequence[Any], parity_out: Sequence[Any]) -> None:
        """Write the parity of ``data_shards`` into the ``m`` writable buffers
        ``parity_out`` (same length as the data shards); nothing is allocated
        per shard."""
        views, size = self._check_shards(data_shards, self._k, "data_shards")
        outs, osize = self._check_shards(parity_out, self._m, "parity_out", writable=True)
        if self._m and osize != size:
            raise errors.N3ValueError(
                f"parity buffers have {osize} bytes but data shards have {size}"
            )
        self._encode(views, outs, size)

    def _encode(self, srcs: list[Any], dsts: list[Any], size: int) -> None:
        if not self._m or not size:
            return
        _rs.rs_encode(self._ctx, size, _rs.ptr_array(srcs), _rs.ptr_array(dsts))

    # -- decoding ---------------------------------------------------------
    def locate_corrupt(self, shards: Sequence[Any]) -> list[int]:
        """Indices of present shards whose bytes were altered.

        Up to ``(present - k) // 2`` corrupted shards are found exactly, from
        syndromes over the byte columns (Berlekamp–Massey per column, never
        by trying subsets). More corruption than that raises
        :class:`~n3crypto.errors.DecodeError` wherever the code's distance can
        tell; with exactly ``k`` present shards nothing can be checked and
        ``[]`` is returned.
        """
        views, present, size = self._check_optional(shards)
        return self._locate(views, present, size)

    def _locate(self, views: list[Any], present: bytearray, size: int) -> list[int]:
        if sum(present) == self._k or size == 0:
            return []
        bufs = [ffi.NULL if v is None else v for v in views]
        try:
            bad = _rs.rs_locate(self._ctx, size, _rs.ptr_array(bufs), bytes(present), self._n)
        except errors.DecodeError:
            raise errors.DecodeError(
                f"more than {(sum(present) - self._k) // 2} of {sum(present)} present shards "
                "are corrupted: cannot locate them"
            ) from None
        return [i for i, b in enumerate(bad) if b]

    def reconstruct_into(self, shards: Sequence[Any], present: Sequence[bool]) -> None:
        """Rebuild, in place, every shard whose ``present`` flag is false.

        ``shards`` holds ``n`` buffers of equal length; the missing ones must
        be writable and are overwritten (the present ones may be read-only).
        Erasures only: no corruption check (use :meth:`locate_corrupt` first
        if present shards may be altered).
        """
        # Any sized iterable of flags (a list, a tuple, a numpy bool array).
        if isinstance(present, str | bytes) or not hasattr(present, "__len__"):
            raise errors.N3TypeError(f"present must be a sequence of {self._n} bools")
        if len(present) != self._n:
            raise errors.N3ValueError(f"present must hold {self._n} flags")
        try:
            flags = bytes(1 if p else 0 for p in present)
        except (TypeError, ValueError):
            raise errors.N3TypeError(f"present must be a sequence of {self._n} bools") from None
        have = flags.count(1)
        if have < self._k:
            raise errors.InsufficientShares(
                f"need at least {self._k} of {self._n} shards, got {have}"
            )
        if isinstance(shards, (bytes, bytearray, memoryview, str)) or not isinstance(
            shards, Sequence
        ):
            raise errors.N3TypeError(f"shards must be a sequence of {self._n} buffers")
        if len(shards) != self._n:
            raise errors.N3ValueError(f"shards must hold {self._n} shards, got {len(shards)}")
        frombuf = ffi.from_buffer
        try:
            views = [frombuf(U8_ARRAY, s, not f) for s, f in zip(shards, flags, strict=True)]
        except (TypeError, BufferError, ValueError):
            views = [one_buffer(s, f"shards[{i}]", not flags[i]) for i, s in enumerate(shards)]
        size = len(views[0])
        for i, v in enumerate(views):
            if len(v) != size:
                raise errors.N3ValueError(
                    f"shards have unequal lengths {sorted({len(x) for x in views})} "
                    f"(first at index {i})"
                )
        self._rebuild(views, flags, bytes(1 - f for f in flags), size)

    def reconstruct(self, shards: Sequence[Any], *, repair: bool = True) -> list[bytes]:
        """All ``n`` shards from any ``k`` of them (missing ones are ``None``).

        With ``repair`` (the default) corrupted shards are located and
        rebuilt too, as in :meth:`decode`.
        """
        views, present, size = self._check_optional(shards)
        bad: list[int] = self._locate(views, present, size) if repair else []
        for i in bad:
            present[i] = 0
        want = bytearray(0 if p else 1 for p in present)
        fresh = {i: bytearray(size) for i in range(self._n) if want[i]}
        out = [
            ffi.from_buffer("uint8_t[]", fresh[i]) if i in fresh else views[i]
            for i in range(self._n)
        ]
        self._rebuild(out, present, want, size)
        return [
            bytes(fresh[i]) if i in fresh else bytes(ffi.buffer(views[i])) for i in range(self._n)
        ]

    def decode(self, shards: Sequence[Any]) -> DecodedData:
        """The data :meth:`encode` split into ``shards`` (``None`` for a lost one).

        Missing shards are rebuilt and, where more than ``k`` shards are
        present, corrupted ones are located and repaired; the result says
        which (:class:`DecodedData`). Raises
        :class:`~n3crypto.errors.InsufficientShares` with fewer than ``k``
        shards and :class:`~n3crypto.errors.DecodeError` when the damage is
        beyond repair.
        """
        views, present, size = self._check_optional(shards)
        missing = [i for i in range(self._n) if not present[i]]
        corrupted = self._locate(views, present, size)
        for i in corrupted:
            present[i] = 0
        want = bytearray(1 if (i < self._k and not present[i]) else 0 for i in range(self._n))
        fresh = {i: bytearray(size) for i in range(self._k) if want[i]}
        out = [
            ffi.from_buffer("uint8_t[]", fresh[i]) if i in fresh else views[i]
            for i in range(self._n)
        ]
        self._rebuild(out, present, want, size)
        # The padding (0x80 then fewer than k zeros) ends the last data shard(s).
        total = size * self._k
        tail_len = min(total, self._k + 1)
        tail = b"".join(
            ffi.buffer(out[i])[max(0, total - tail_len - i * size) :]
            for i in range((total - tail_len) // size if size else 0, self._k)
        )
        stripped = tail.rstrip(b"\x00")
        if not stripped or stripped[-1] != _PAD:
            raise errors.DecodeError(
                "decoded data has no valid padding: shards do not belong together"
            )
        length = total - tail_len + len(stripped) - 1
        parts = []
        for i in range(self._k):
            lo = i * size
            if lo >= length:
                break
            parts.append(memoryview(ffi.buffer(out[i]))[: min(size, length - lo)])
        return DecodedData(b"".join(parts), missing, corrupted)

    def _rebuild(
        self, out: list[Any], present: bytes | bytearray, want: bytes | bytearray, size: int
    ) -> None:
        nwant = want.count(1)
        if nwant == 0 or size == 0:
            return
        with self._lock:  # the decode-matrix cache in the C context
            src_idx, rows = _rs.rs_decode_rows(
                self._ctx, bytes(present), bytes(want), self._k, nwant
            )
        srcs = [out[i] for i in src_idx]
        dsts = [out[i] for i in range(self._n) if want[i]]
        _rs.gf256_dot_prod(
            self._kernel, 0, size, rows, _rs.ptr_array(srcs), self._k, _rs.ptr_array(dsts), nwant
        )

    # -- validation -------------------------------------------------------
    def _check_shards(
        self, shards: Sequence[Any], count: int, what: str, writable: bool = False
    ) -> tuple[list[Any], int]:
        if isinstance(shards, (bytes, bytearray, memoryview, str)) or not isinstance(
            shards, Sequence
        ):
            raise errors.N3TypeError(f"{what} must be a sequence of {count} buffers")
        if len(shards) != count:
            raise errors.N3ValueError(f"{what} must hold {count} shards, got {len(shards)}")
        return c_buffers(shards, what, writable)

    def _check_optional(self, shards: Sequence[Any]) -> tuple[list[Any], bytearray, int]:
        """cffi views of the present shards (None for missing), flags, length."""
        if isinstance(shards, (bytes, bytearray, memoryview, str)) or not isinstance(
            shards, Sequence
        ):
            raise errors.N3TypeError(f"shards must be a sequence of {self._n} buffers or None")
        if len(shards) != self._n:
            raise errors.N3ValueError(f"expected {self._n} shards, got {len(shards)}")
        present = bytearray(0 if s is None else 1 for s in shards)
        have = sum(present)
        if have < self._k:
            raise errors.InsufficientShares(
                f"need at least {self._k} of {self._n} shards, got {have}"
            )
        got, size = c_buffers([s for s in shards if s is not None], "shards")
        it = iter(got)
        views = [next(it) if p else None for p in present]
        return views, present, size


@dataclass(frozen=True, repr=False)
class Shard:
    """One shard with what is needed to put it back: the set it belongs to
    (a random 16-byte id shared by the shards of one encoding), ``k``, ``m``
    and its index. Serialized in the ``"rs-shard"`` envelope (version 1).

    >>> s = Shard(bytes(16), 2, 1, 0, b"abc")
    >>> Shard.from_bytes(s.to_bytes()) == s
    True
    """

    set_id: bytes
    k: int
    m: int
    index: int
    data: bytes

    KIND = "rs-shard"

    def __post_init__(self) -> None:
        if not isinstance(self.set_id, bytes):
            raise errors.N3TypeError(f"set_id must be bytes, not {type(self.set_id).__name__}")
        if len(self.set_id) != 16:
            raise errors.N3ValueError("set_id must be 16 bytes")
        object.__setattr__(self, "data", check_bytes(self.data, "data"))
        check_int(self.k, "k", 1, _rs.MAX_SHARDS)
        check_int(self.m, "m", 0, _rs.MAX_SHARDS - self.k)
        check_int(self.index, "index", 0, self.k + self.m - 1)

    def __repr__(self) -> str:
        return (
            f"Shard(set_id={self.set_id.hex()[:8]}…, k={self.k}, m={self.m}, "
            f"index={self.index}, {len(self.data)} bytes)"
        )

    def to_bytes(self) -> bytes:
        head = self.set_id + bytes([self.k, self.m, self.index])
        return envelope.pack(self.KIND, 1, head + self.data)

    @classmethod
    def from_bytes(cls, blob: bytes) -> Shard:
        _, body = envelope.unpack(blob, cls.KIND)
        if len(body) < 19:
            raise errors.InvalidEncoding("truncated rs-shard")
        try:
            return cls(body[:16], body[16], body[17], body[18], body[19:])
        except errors.N3ValueError as exc:
            raise errors.InvalidEncoding(f"bad rs-shard header: {exc}") from None
