"""Reed-Solomon error-and-erasure codec for byte codewords: a reedsolo drop-in.

:class:`RSCodec` takes the parameters of ``reedsolo.RSCodec`` (reedsolo 1.7,
``c_exp=8``) and produces byte-identical codewords; decoding corrects ``e``
errors and ``f`` erasures in every chunk with ``2e + f <= nsym`` in C
(syndromes, Berlekamp-Massey, Chien search and Forney's algorithm, with SIMD
kernels). Every corrected chunk's syndromes are re-checked, so a pattern
beyond the bound raises :class:`~n3crypto.errors.DecodeError` or yields the
nearest codeword; it never yields a non-codeword. The batch methods decode
many codewords per C call. See docs/rscodec.md for the differences from
reedsolo (absolute errata positions, stricter argument checks).

>>> from n3crypto.rscodec import RSCodec
>>> rsc = RSCodec(10)
>>> cw = rsc.encode(b"hello world")
>>> cw[5] ^= 0xFF; cw[8] ^= 0x01
>>> rsc.decode(cw)[0]
bytearray(b'hello world')

The codec indexes tables by codeword bytes: it is not constant time and is
meant for public data.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Literal, TypeAlias

from n3crypto import errors as _errors
from n3crypto._buffers import as_bytes_view
from n3crypto.bindings import default_kernel, ffi, kernel_id, kernel_name
from n3crypto.bindings import rscodec as _b

__all__ = ["BatchDecodeResult", "BytesLike", "RSCodec"]


# Any object exporting the buffer protocol (bytes, bytearray, memoryview,
# numpy arrays, mmap, ...). Python 3.11 has no static type for that which
# numpy arrays satisfy (collections.abc.Buffer is 3.12+), hence Any.
BytesLike: TypeAlias = Any


def _check_int(value: Any, what: str, lo: int, hi: int) -> int:
    """``value`` as an int in [lo, hi]: ints and integer-like objects such as
    numpy integers (``__index__``), not bools, floats or strings."""
    if isinstance(value, bool):
        raise _errors.N3TypeError(f"{what} must be an int, not bool")
    try:
        v = operator.index(value)
    except TypeError:
        raise _errors.N3TypeError(f"{what} must be an int, not {type(value).__name__}") from None
    if not lo <= v <= hi:
        raise _errors.N3ValueError(f"{what} must be in [{lo}, {hi}], got {v}")
    return v


def _cbuf(mv: memoryview) -> Any:
    return ffi.from_buffer("uint8_t[]", mv)


def _check_nsym(value: Any, default: int) -> int:
    # reedsolo treats nsym=None and nsym=0 alike: use the codec's.
    if value is None or (not isinstance(value, bool) and isinstance(value, int) and value == 0):
        return default
    return _check_int(value, "nsym", 1, _b.MAX_N - 1)


class BatchDecodeResult:
    """What :meth:`RSCodec.decode_batch` returns.

    ``messages`` and ``codewords`` are flat, row-major bytearrays (``count``
    rows of ``msg_len`` and ``n`` bytes); ``errata_counts[i]`` is the number
    of symbols corrected in codeword ``i`` (erasures included) or -1 if it
    could not be corrected, in which case its rows are zeroed and ``i`` is in
    ``failed``. ``result[i]`` is reedsolo's triple for codeword ``i``.

    >>> rsc = RSCodec(4, nsize=12)
    >>> cws = [rsc.encode(b"abcdefgh"), rsc.encode(b"12345678")]
    >>> cws[1][0] ^= 1
    >>> res = rsc.decode_batch(cws)
    >>> res.errata_counts, res.failed, res.message(1)
    ([0, 1], [], bytearray(b'12345678'))
    """

    __slots__ = (
        "_errata",
        "_nsym",
        "codewords",
        "count",
        "errata_counts",
        "failed",
        "messages",
        "msg_len",
        "n",
    )

    def __init__(
        self,
        codewords: bytearray,
        messages: bytearray,
        n: int,
        nsym: int,
        errata_counts: list[int],
        errata: bytes,
    ) -> None:
        self.codewords = codewords
        self.messages = messages
        self.n = n
        self.msg_len = n - nsym
        self.count = len(errata_counts)
        self.errata_counts = errata_counts
        self.failed = [i for i, c in enumerate(errata_counts) if c < 0]
        self._nsym = nsym
        self._errata = errata

    def __len__(self) -> int:
        return self.count

    def __repr__(self) -> str:
        return f"BatchDecodeResult(count={self.count}, n={self.n}, failed={len(self.failed)})"

    def _index(self, i: int) -> int:
        i = _check_int(i, "index", -self.count, self.count - 1)
        return i + self.count if i < 0 else i

    def message(self, i: int) -> bytearray:
        """The corrected message of codeword ``i`` (zeros if it failed)."""
        i = self._index(i)
        return self.messages[i * self.msg_len : (i + 1) * self.msg_len]

    def codeword(self, i: int) -> bytearray:
        """The corrected codeword ``i``, parity included (zeros if it failed)."""
        i = self._index(i)
        return self.codewords[i * self.n : (i + 1) * self.n]

    def errata_positions(self, i: int) -> list[int]:
        """Positions corrected in codeword ``i``: erasures as given, then
        errors by descending position (reedsolo's order); [] if it failed."""
        i = self._index(i)
        k = max(self.errata_counts[i], 0)
        return list(self._errata[i * self._nsym : i * self._nsym + k])

    def __getitem__(self, i: int) -> tuple[bytearray, bytearray, list[int]]:
        """reedsolo's ``(message, message_with_ecc, errata_positions)`` for
        codeword ``i``; raises DecodeError if it could not be corrected."""
        i = self._index(i)
        if self.errata_counts[i] < 0:
            raise _errors.DecodeError(f"Reed-Solomon decode: codeword {i} cannot be corrected")
        return self.message(i), self.codeword(i), self.errata_positions(i)

    def __iter__(self) -> Iterator[tuple[bytearray, bytearray, list[int]]]:
        for i in range(self.count):
            yield self[i]


class RSCodec:
    """A Reed-Solomon codec with the API of ``reedsolo.RSCodec`` (1.7).

    ``nsym`` parity bytes per chunk of at most ``nsize`` bytes; the field is
    GF(2)[x]/(``prim``) with primitive element ``generator``, and the
    generator polynomial's roots are ``generator**(fcr + i)``, ``i < nsym``.
    Only ``c_exp=8`` is supported (so ``nsize <= 255``); ``single_gen`` is
    accepted for compatibility and ignored (any ``nsym`` works in
    :meth:`decode` and :meth:`check`). ``kernel`` forces a SIMD kernel
    (``"ref"``, ``"avx2"``, ``"gfni"``, ``"gfni512"``); by default the best one,
    or ``N3_FORCE_KERNEL``.

    >>> rsc = RSCodec(4, nsize=10)
    >>> cw = rsc.encode(b"0123456789")
    >>> len(cw), rsc.check(cw)
    (18, [True, True])
    >>> cw[1] = 0; cw[12] = 0
    >>> msg, full, errata = rsc.decode(cw, erase_pos=[12])
    >>> bytes(msg), errata
    (b'0123456789', [1, 12])
    """

    def __init__(
        self,
        nsym: int = 10,
        nsize: int = 255,
        fcr: int = 0,
        prim: int = 0x11D,
        generator: int = 2,
        c_exp: int = 8,
        single_gen: bool = True,
        *,
        kernel: str | None = None,
    ) -> None:
        c_exp = _check_int(c_exp, "c_exp", 0, 1 << 30)
        if c_exp != 8:
            raise _errors.N3ValueError(
                f"c_exp={c_exp} is not supported: n3crypto's RSCodec works in GF(2^8) only "
                "(c_exp=8, nsize <= 255)"
            )
        nsym = _check_int(nsym, "nsym", 1, _b.MAX_N - 1)
        nsize = _check_int(nsize, "nsize", 2, 1 << 62)
        if nsize > _b.MAX_N:
            raise _errors.N3ValueError(
                f"nsize={nsize} is not supported: chunks hold at most 255 bytes in GF(2^8) "
                "(reedsolo would switch to a larger field; n3crypto does not)"
            )
        if nsym >= nsize:
            raise _errors.N3ValueError(
                f"nsym must be less than nsize (ECC symbols must be strictly less than the "
                f"total chunk length), got nsym={nsym}, nsize={nsize}"
            )
        fcr = _check_int(fcr, "fcr", -(1 << 62), 1 << 62)
        prim = _check_int(prim, "prim", 0x100, 0x1FF)
        generator = _check_int(generator, "generator", 2, 255)
        kid = default_kernel() if kernel is None else kernel_id(kernel)
        try:
            self._ctx = _b.RSCodecContext(nsym, nsize, fcr % 255, prim, generator, kid)
        except _errors.N3ValueError:
            raise _errors.N3ValueError(
                f"prim=0x{prim:x} is not a primitive polynomial of degree 8, or "
                f"generator={generator} is not a primitive element of GF(2)[x]/(0x{prim:x})"
            ) from None
        self.nsym = nsym
        self.nsize = nsize
        self.fcr = fcr
        self.prim = prim
        self.generator = generator
        self.c_exp = c_exp
        self.field_charac = 255  # reedsolo's name for 2**c_exp - 1
        self._kernel = kid
        self.gen: dict[int, bytearray] = {nsym: bytearray(_b.generator_poly(self._ctx, nsym))}

    @property
    def kernel(self) -> str:
        """Name of the SIMD kernel this codec uses."""
        return kernel_name(self._kernel)

    def __repr__(self) -> str:
        return (
            f"RSCodec(nsym={self.nsym}, nsize={self.nsize}, fcr={self.fcr}, "
            f"prim=0x{self.prim:x}, generator={self.generator}, kernel={self.kernel!r})"
        )

    # -- reedsolo API -------------------------------------------------------

    def chunk(self, data: Any, chunksize: int) -> Iterator[Any]:
        """Split ``data`` into slices of ``chunksize`` (as reedsolo does).

        >>> list(RSCodec(2, nsize=4).chunk(b"abcde", 2))
        [b'ab', b'cd', b'e']
        """
        if isinstance(data, str):
            raise _errors.N3TypeError("data must be a bytes-like object, not str")
        try:
            length = len(data)
        except TypeError:
            raise _errors.N3TypeError(
                f"data must be a bytes-like object, not {type(data).__name__}"
            ) from None
        chunksize = _check_int(chunksize, "chunksize", 1, 1 << 62)
        return (data[i : i + chunksize] for i in range(0, length, chunksize))

    def encode(self, data: BytesLike, nsym: int | None = None) -> bytearray:
        """Encode ``data`` in chunks of ``nsize - nsym`` bytes, each followed
        by its ``nsym`` parity bytes (byte-identical to reedsolo).

        >>> RSCodec(4, nsize=8).encode(b"abcdef").hex()
        '6162636451b719fb6566d37b812a'
        """
        if _check_nsym(nsym, self.nsym) != self.nsym:
            raise _errors.N3ValueError(
                f"encode uses the codec's nsym={self.nsym}; create an RSCodec({nsym}) "
                "for another number of parity bytes"
            )
        mv = as_bytes_view(data, "data")
        return _b.encode(self._ctx, _cbuf(mv), mv.nbytes, self.nsize - self.nsym, self.nsym)

    def decode(
        self,
        data: BytesLike,
        nsym: int | None = None,
        erase_pos: Iterable[int] | None = None,
        only_erasures: bool = False,
    ) -> tuple[bytearray, bytearray, list[int]]:
        """Correct ``data`` chunk by chunk (chunks of ``nsize`` bytes).

        Returns ``(message, message_with_ecc, errata_positions)``.
        ``erase_pos`` lists known-bad byte positions in the whole input;
        ``errata_positions`` are positions in the whole input too (reedsolo
        reports them per chunk; for a single chunk both agree): in each chunk,
        the erasures in the order given, then the errors found, by
        descending position. Raises DecodeError if a chunk has more errata
        than ``2e + f <= nsym`` allows and the decoder can tell.

        >>> rsc = RSCodec(4, nsize=8)
        >>> cw = rsc.encode(b"abcdef")
        >>> cw[9] ^= 0x55
        >>> rsc.decode(cw)
        (bytearray(b'abcdef'), bytearray(b'abcdQ\\xb7\\x19\\xfbef\\xd3{\\x81*'), [9])
        """
        nsym = _check_nsym(nsym, self.nsym)
        mv = as_bytes_view(data, "data")
        length = mv.nbytes
        if length == 0:
            return bytearray(), bytearray(), []
        n = self.nsize
        count = -(-length // n)
        last = length - (count - 1) * n
        if last <= nsym:
            raise _errors.N3ValueError(
                f"the last chunk has {last} bytes; a chunk must be longer than nsym={nsym} "
                f"(data length {length}, nsize {n})"
            )
        if only_erasures not in (True, False):
            raise _errors.N3TypeError("only_erasures must be a bool")
        epos, ecnt = self._erasures(erase_pos, length, n, count, nsym)
        full, msg, nerr, errata, failed = _b.decode(
            self._ctx,
            _cbuf(mv),
            length,
            n,
            nsym,
            epos,
            ecnt,
            _b.ONLY_ERASURES if only_erasures else 0,
        )
        if failed:
            bad = [c for c in range(count) if nerr[c] < 0]
            where = ", ".join(
                f"{c} (bytes {c * n}-{min(length, (c + 1) * n) - 1})" for c in bad[:5]
            )
            raise _errors.DecodeError(
                f"Reed-Solomon decode: {len(bad)} chunk(s) cannot be corrected "
                f"(more than 2*errors + erasures <= nsym={nsym}): chunk {where}"
            )
        if count == 1:
            positions = ffi.unpack(errata, nerr[0]) if nerr[0] else []
        else:
            positions = []
            for c in range(count):
                k = nerr[c]
                if k:
                    base = c * n
                    positions.extend(base + p for p in ffi.unpack(errata + c * nsym, k))
        return msg, full, positions

    def check(self, data: BytesLike, nsym: int | None = None) -> list[bool]:
        """One bool per chunk of ``nsize`` bytes: True if it is a codeword
        (all syndromes zero). Like reedsolo, this cannot tell a codeword
        from a miscorrected or heavily corrupted chunk that is a codeword.

        >>> rsc = RSCodec(4, nsize=8)
        >>> rsc.check(rsc.encode(b"abcdef")), rsc.check(b"not a codeword")
        ([True, True], [False, False])
        """
        nsym = _check_nsym(nsym, self.nsym)
        mv = as_bytes_view(data, "data")
        if mv.nbytes == 0:
            return []
        flags = _b.check_chunks(self._ctx, _cbuf(mv), mv.nbytes, self.nsize, nsym)
        return [f == 1 for f in flags]

    def maxerrata(
        self, errors: int | None = None, erasures: int | None = None, verbose: bool = False
    ) -> tuple[int, int]:
        """The most errors and erasures a chunk can have (Singleton bound),
        independently, or simultaneously given one of them (as reedsolo).

        >>> rsc = RSCodec(10)
        >>> rsc.maxerrata(), rsc.maxerrata(erasures=4), rsc.maxerrata(errors=2)
        ((5, 10), (3, 4), (2, 6))
        """
        nsym = self.nsym
        maxerrors, maxerasures = nsym // 2, nsym
        if erasures is not None and _check_int(erasures, "erasures", -(1 << 62), 1 << 62) >= 0:
            if erasures > maxerasures:
                raise _errors.N3ValueError(
                    f"{erasures} erasures exceed the Singleton bound (nsym={nsym})"
                )
            maxerrors = (nsym - erasures) // 2
            if verbose:
                print(
                    f"This codec can correct up to {maxerrors} errors and {erasures} erasures "
                    "simultaneously"
                )
            return maxerrors, erasures
        if errors is not None and _check_int(errors, "errors", -(1 << 62), 1 << 62) >= 0:
            if errors > maxerrors:
                raise _errors.N3ValueError(
                    f"{errors} errors exceed the Singleton bound (nsym={nsym})"
                )
            maxerasures = nsym - 2 * errors
            if verbose:
                print(
                    f"This codec can correct up to {errors} errors and {maxerasures} erasures "
                    "simultaneously"
                )
            return errors, maxerasures
        if verbose:
            print(
                f"This codec can correct up to {maxerrors} errors and {maxerasures} erasures "
                "independently"
            )
        return maxerrors, maxerasures

    # -- batch API ----------------------------------------------------------

    def encode_batch(
        self, messages: BytesLike | Sequence[BytesLike], row_len: int | None = None
    ) -> bytearray:
        """Encode many equal-length messages in one C call.

        ``messages`` is a sequence of equal-length buffers, a 2-D C-contiguous
        buffer (one message per row, e.g. a numpy ``uint8`` array) or a flat
        buffer of rows of ``row_len`` bytes (default ``nsize - nsym``); each
        row holds at most ``nsize - nsym`` bytes. Returns the codewords
        (``row_len + nsym`` bytes each) back to back: the layout
        :meth:`decode_batch` and :meth:`check_batch` take.

        >>> rsc = RSCodec(4, nsize=8)
        >>> rsc.encode_batch([b"abcd", b"wxyz"]) == rsc.encode(b"abcd") + rsc.encode(b"wxyz")
        True
        """
        mv, count, k = _rows(messages, "messages", row_len, self.nsize - self.nsym)
        if k > self.nsize - self.nsym:
            raise _errors.N3ValueError(
                f"messages of {k} bytes are longer than nsize - nsym = {self.nsize - self.nsym}"
            )
        if count == 0:
            return bytearray()
        return _b.encode(self._ctx, _cbuf(mv), mv.nbytes, k, self.nsym)

    def check_batch(
        self,
        codewords: BytesLike | Sequence[BytesLike],
        nsym: int | None = None,
        row_len: int | None = None,
    ) -> list[bool]:
        """:meth:`check` for many equal-length codewords in one C call (same
        inputs as :meth:`decode_batch`): True for each codeword whose
        syndromes are all zero.

        >>> rsc = RSCodec(4, nsize=8)
        >>> rsc.check_batch([rsc.encode(b"abcd"), b"12345678"])
        [True, False]
        """
        nsym = _check_nsym(nsym, self.nsym)
        mv, count, n = _rows(codewords, "codewords", row_len, self.nsize)
        self._check_row_len(n, nsym)
        if count == 0:
            return []
        flags = _b.check_chunks(self._ctx, _cbuf(mv), mv.nbytes, n, nsym)
        return [f == 1 for f in flags]

    def decode_batch(
        self,
        codewords: BytesLike | Sequence[BytesLike],
        nsym: int | None = None,
        erase_pos: Sequence[Iterable[int] | None] | None = None,
        only_erasures: bool = False,
        *,
        errors: Literal["raise", "report"] = "raise",
        row_len: int | None = None,
    ) -> BatchDecodeResult:
        """Decode many equal-length codewords in one C call.

        ``codewords``: a sequence of equal-length buffers, a 2-D C-contiguous
        buffer (one codeword per row) or a flat buffer of rows of ``row_len``
        bytes (default ``nsize``); rows are (possibly shortened) codewords of
        ``nsym < n <= nsize`` bytes. ``erase_pos``: one list of positions per
        codeword (row-relative), or None. With ``errors="raise"`` (default)
        an uncorrectable codeword raises DecodeError naming it; with
        ``errors="report"`` it is zeroed in the result and listed in
        ``result.failed``, and the rest of the batch is still decoded.

        >>> rsc = RSCodec(4, nsize=8)
        >>> cws = bytearray(rsc.encode_batch([b"abcd", b"efgh", b"ijkl"]))
        >>> cws[0] ^= 1; cws[8:11] = b"xyz"
        >>> res = rsc.decode_batch(cws, errors="report")
        >>> res.errata_counts, res.failed, bytes(res.messages)
        ([1, -1, 0], [1], b'abcd\\x00\\x00\\x00\\x00ijkl')
        """
        if errors not in ("raise", "report"):
            raise _errors.N3ValueError(f"errors must be 'raise' or 'report', not {errors!r}")
        nsym = _check_nsym(nsym, self.nsym)
        mv, count, n = _rows(codewords, "codewords", row_len, self.nsize)
        self._check_row_len(n, nsym)
        if only_erasures not in (True, False):
            raise _errors.N3TypeError("only_erasures must be a bool")
        epos = ecnt = None
        if erase_pos is not None:
            epos, ecnt = self._batch_erasures(erase_pos, count, n, nsym)
        if count == 0:
            return BatchDecodeResult(bytearray(), bytearray(), n, nsym, [], b"")
        full, msg, nerr, errata, failed = _b.decode(
            self._ctx,
            _cbuf(mv),
            mv.nbytes,
            n,
            nsym,
            epos,
            ecnt,
            _b.ONLY_ERASURES if only_erasures else 0,
        )
        counts = ffi.unpack(nerr, count)
        if failed and errors == "raise":
            bad = [i for i, c in enumerate(counts) if c < 0]
            raise _errors.DecodeError(
                f"Reed-Solomon decode: {len(bad)} of {count} codewords cannot be corrected "
                f"(more than 2*errors + erasures <= nsym={nsym}), first at index {bad[0]}"
            )
        return BatchDecodeResult(full, msg, n, nsym, counts, bytes(ffi.buffer(errata)))

    # -- helpers ------------------------------------------------------------

    def _check_row_len(self, n: int, nsym: int) -> None:
        if not nsym < n <= self.nsize:
            raise _errors.N3ValueError(
                f"codewords of {n} bytes: need nsym < length <= nsize, "
                f"i.e. {nsym} < length <= {self.nsize}"
            )

    @staticmethod
    def _erasures(
        erase_pos: Iterable[int] | None, length: int, n: int, count: int, nsym: int
    ) -> tuple[bytes | None, bytes | None]:
        """Per-chunk erasure arrays for C from absolute positions."""
        if erase_pos is None:
            return None, None
        if isinstance(erase_pos, (str, bytes)) or not isinstance(erase_pos, Iterable):
            raise _errors.N3TypeError(
                f"erase_pos must be an iterable of ints, not {type(erase_pos).__name__}"
            )
        pos = list(erase_pos)
        if not pos:
            return None, None
        seen: set[int] = set()
        per = [0] * count
        epos = bytearray(count * nsym)
        for p in pos:
            p = _check_int(p, "erasure position", 0, length - 1)
            if p in seen:
                raise _errors.N3ValueError(f"erasure position {p} is repeated")
            seen.add(p)
            c, r = divmod(p, n)
            if per[c] == nsym:
                raise _errors.DecodeError(
                    f"too many erasures to correct: more than nsym={nsym} in chunk {c}"
                )
            epos[c * nsym + per[c]] = r
            per[c] += 1
        return bytes(epos), bytes(per)

    @staticmethod
    def _batch_erasures(
        erase_pos: Sequence[Iterable[int] | None], count: int, n: int, nsym: int
    ) -> tuple[bytes, bytes]:
        if isinstance(erase_pos, (str, bytes)) or not isinstance(erase_pos, Sequence):
            raise _errors.N3TypeError(
                "erase_pos must be a sequence with one list of positions per codeword"
            )
        if len(erase_pos) != count:
            raise _errors.N3ValueError(
                f"erase_pos has {len(erase_pos)} entries for {count} codewords"
            )
        epos = bytearray(count * nsym)
        per = bytearray(count)
        for i, row in enumerate(erase_pos):
            if row is None:
                continue
            if isinstance(row, (str, bytes)) or not isinstance(row, Iterable):
                raise _errors.N3TypeError(
                    f"erase_pos[{i}] must be an iterable of ints, not {type(row).__name__}"
                )
            ps = [_check_int(p, f"erase_pos[{i}] position", 0, n - 1) for p in row]
            if len(set(ps)) != len(ps):
                raise _errors.N3ValueError(f"erase_pos[{i}] repeats a position")
            if len(ps) > nsym:
                raise _errors.DecodeError(
                    f"too many erasures to correct in codeword {i}: {len(ps)} > nsym={nsym}"
                )
            epos[i * nsym : i * nsym + len(ps)] = bytes(ps)
            per[i] = len(ps)
        return bytes(epos), bytes(per)


def _rows(obj: Any, what: str, row_len: int | None, default: int) -> tuple[memoryview, int, int]:
    """(flat byte view, row count, row length) of a batch argument."""
    if row_len is not None:
        row_len = _check_int(row_len, "row_len", 1, _b.MAX_N)
    if isinstance(obj, str):
        raise _errors.N3TypeError(f"{what} must be a buffer or a sequence of buffers, not str")
    try:
        mv = memoryview(obj)
    except TypeError:
        mv = None
    if mv is not None:
        if mv.ndim == 2:
            if not mv.c_contiguous:
                raise _errors.N3ValueError(f"{what} must be a C-contiguous buffer")
            if mv.itemsize != 1:
                raise _errors.N3TypeError(f"{what} must hold bytes (uint8), not {mv.format!r}")
            count, n = mv.shape  # type: ignore[misc]
            if row_len is not None and row_len != n:
                raise _errors.N3ValueError(f"row_len={row_len} but {what} rows have {n} bytes")
            return mv.cast("B"), count, n
        if mv.ndim > 2:
            raise _errors.N3ValueError(f"{what} must be a 1-D or 2-D buffer, not {mv.ndim}-D")
        flat = as_bytes_view(obj, what)
        n = default if row_len is None else row_len
        if flat.nbytes % n:
            raise _errors.N3ValueError(
                f"{what}: {flat.nbytes} bytes is not a whole number of {n}-byte rows "
                "(pass row_len= for shorter rows)"
            )
        return flat, flat.nbytes // n, n
    if not isinstance(obj, Sequence):
        raise _errors.N3TypeError(
            f"{what} must be a buffer or a sequence of buffers, not {type(obj).__name__}"
        )
    lens = set()
    for i, row in enumerate(obj):
        if type(row) is bytes or type(row) is bytearray:
            lens.add(len(row))
        else:
            lens.add(as_bytes_view(row, f"{what}[{i}]").nbytes)
    if len(lens) > 1:
        raise _errors.N3ValueError(f"{what} have unequal lengths {sorted(lens)}")
    if not lens:
        return memoryview(b""), 0, default if row_len is None else row_len
    (n,) = lens
    if row_len is not None and row_len != n:
        raise _errors.N3ValueError(f"row_len={row_len} but {what} rows have {n} bytes")
    if n == 0:
        raise _errors.N3ValueError(f"{what} rows are empty")
    return memoryview(b"".join(obj)), len(obj), n
