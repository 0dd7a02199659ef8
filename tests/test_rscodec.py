"""RSCodec: reedsolo compatibility, errors and erasures, batch API, kernels."""

from __future__ import annotations

import math
import random
import threading

import numpy as np
import pytest
import reedsolo
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.bindings import available_kernels, kernel_id
from n3crypto.bindings import rscodec as b
from n3crypto.rscodec import RSCodec
from tests.guarded import AVAILABLE as GUARD_OK
from tests.guarded import guarded
from tests.reference import rscodec_ref as ref

KERNELS = available_kernels()
PRIMS = ref.primitive_polys()


def test_context_size_comes_from_c() -> None:
    assert b.CTX_SIZE == b.lib.n3_rscodec_ctx_size() > 0
    assert b.MAX_N == 255


# -- parameters --------------------------------------------------------------


@st.composite
def codec_params(draw: st.DrawFn, max_nsym: int = 40) -> dict[str, int]:
    nsym = draw(st.integers(1, max_nsym))
    nsize = draw(st.integers(nsym + 1, 255))
    prim = draw(st.sampled_from(PRIMS))
    # Primitive elements: 2^k with gcd(k, 255) = 1.
    k = draw(st.sampled_from([k for k in range(1, 255) if math.gcd(k, 255) == 1]))
    generator = ref.powers(2, prim)[k]
    fcr = draw(st.one_of(st.integers(0, 254), st.integers(-300, 600)))
    return {"nsym": nsym, "nsize": nsize, "fcr": fcr, "prim": prim, "generator": generator}


def both(params: dict[str, int], kernel: str | None = None) -> tuple[RSCodec, reedsolo.RSCodec]:
    return RSCodec(**params, kernel=kernel), reedsolo.RSCodec(**params)


def corrupt(
    cw: bytes, nerr: int, nera: int, rng: random.Random, lo: int = 0, hi: int | None = None
) -> tuple[bytearray, list[int], list[int]]:
    """Erase ``nera`` and alter ``nerr`` distinct positions in cw[lo:hi]."""
    hi = len(cw) if hi is None else hi
    out = bytearray(cw)
    pos = rng.sample(range(lo, hi), nerr + nera)
    erasures, errs = pos[:nera], pos[nera:]
    for p in erasures:
        out[p] = rng.choice([0, out[p], rng.randrange(256)])
    for p in errs:
        out[p] ^= rng.randrange(1, 256)
    return out, erasures, errs


# -- reedsolo equality -----------------------------------------------------------


@settings(max_examples=100, deadline=None)
@given(codec_params(), st.data())
def test_encode_equals_reedsolo_and_reference(params: dict[str, int], data: st.DataObject) -> None:
    ours, theirs = both(params)
    k = params["nsize"] - params["nsym"]
    msg = data.draw(st.binary(min_size=0, max_size=3 * k + 2))
    cw = ours.encode(msg)
    assert isinstance(cw, bytearray)
    assert cw == theirs.encode(msg)
    assert bytes(cw) == ref.encode(
        msg,
        **{x: params[x] for x in ("nsym", "nsize", "fcr")},
        generator=params["generator"],
        prim=params["prim"],
    )
    assert ours.gen[params["nsym"]] == theirs.gen[params["nsym"]]
    assert ours.check(cw) == theirs.check(cw) == [True] * len(cw[:: params["nsize"]])


@settings(max_examples=200, deadline=None)
@given(codec_params(), st.data())
def test_single_chunk_decode_equals_reedsolo(params: dict[str, int], data: st.DataObject) -> None:
    ours, theirs = both(params)
    nsym, nsize = params["nsym"], params["nsize"]
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    k = data.draw(st.integers(1, nsize - nsym))
    msg = rng.randbytes(k)
    cw = bytes(ours.encode(msg))
    n = len(cw)
    nera = data.draw(st.integers(0, min(nsym, n)))
    nerr = data.draw(st.integers(0, min((nsym - nera) // 2, n - nera)))
    bad, erasures, _ = corrupt(cw, nerr, nera, rng)
    only = nerr == 0 and data.draw(st.booleans())
    got = ours.decode(bad, erase_pos=erasures or None, only_erasures=only)
    assert got[0] == msg and got[1] == cw
    want = theirs.decode(bytes(bad), erase_pos=erasures or None, only_erasures=only)
    assert got[0] == want[0] and got[1] == want[1]
    assert got[2] == list(want[2])  # same positions, same order
    assert sorted(got[2]) == sorted({*erasures, *(i for i in range(n) if bad[i] != cw[i])})


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(codec_params(max_nsym=254), st.data())
def test_single_chunk_decode_equals_reedsolo_large_nsym(
    params: dict[str, int], data: st.DataObject
) -> None:
    test_single_chunk_decode_equals_reedsolo.hypothesis.inner_test(params, data)  # type: ignore[attr-defined]


@settings(max_examples=50, deadline=None)
@given(codec_params(max_nsym=16), st.data())
def test_multi_chunk_decode_equals_reedsolo(params: dict[str, int], data: st.DataObject) -> None:
    ours, theirs = both(params)
    nsym, nsize = params["nsym"], params["nsize"]
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    msg = rng.randbytes(data.draw(st.integers(1, 3 * (nsize - nsym))))
    cw = bytes(ours.encode(msg))
    bad = bytearray(cw)
    erasures_abs: list[int] = []
    expected_errata: list[int] = []
    for c0 in range(0, len(cw), nsize):
        n = min(nsize, len(cw) - c0)
        nera = rng.randrange(0, min(nsym, n) + 1)
        nerr = rng.randrange(0, (nsym - nera) // 2 + 1)
        chunk, era, _ = corrupt(cw[c0 : c0 + n], nerr, nera, rng)
        bad[c0 : c0 + n] = chunk
        erasures_abs += [c0 + p for p in era]
        want = theirs.decode(bytes(chunk), erase_pos=era or None)
        expected_errata += [c0 + p for p in want[2]]
    rng.shuffle(erasures_abs)  # order across chunks must not matter
    got = ours.decode(bad, erase_pos=erasures_abs)
    want = theirs.decode(bytes(bad), erase_pos=erasures_abs)
    assert got[0] == want[0] == msg
    assert got[1] == want[1] == cw
    # reedsolo reports chunk-relative positions; ours are absolute.
    per_chunk = [p % nsize for p in got[2]]
    assert per_chunk == list(want[2])
    assert sorted(got[2]) == sorted(expected_errata)


@settings(max_examples=150, deadline=None)
@given(codec_params(max_nsym=24), st.data())
def test_beyond_the_bound_raises_or_returns_the_nearest_codeword(
    params: dict[str, int], data: st.DataObject
) -> None:
    ours = RSCodec(**params)
    nsym, nsize = params["nsym"], params["nsize"]
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    msg = rng.randbytes(nsize - nsym)
    cw = bytes(ours.encode(msg))
    nera = data.draw(st.integers(0, nsym))
    lo = (nsym - nera) // 2 + 1  # just beyond
    if nera + lo > nsize:
        return
    nerr = data.draw(st.integers(lo, min(nsize - nera, lo + 8)))
    bad, erasures, _ = corrupt(cw, nerr, nera, rng)
    try:
        _, full, errata = ours.decode(bad, erase_pos=erasures)
    except errors.DecodeError:
        return
    # A result must be a codeword within the decoding radius of the input:
    # then it is the only one, and the errata account for every change.
    assert ref.is_codeword(bytes(full), nsym, params["fcr"], params["generator"], params["prim"])
    changed = {i for i in range(nsize) if full[i] != bad[i]}
    assert changed <= set(errata)
    assert set(erasures) <= set(errata)
    assert 2 * (len(errata) - nera) + nera <= nsym
    assert errata[:nera] == erasures


@pytest.mark.parametrize("kernel", KERNELS)
def test_random_noise_is_never_miscorrected_silently(kernel: str) -> None:
    rsc = RSCodec(32, kernel=kernel)
    rng = random.Random(5)
    for _ in range(300):
        noise = rng.randbytes(255)
        try:
            _, full, errata = rsc.decode(noise)
        except errors.DecodeError:
            continue
        assert rsc.check(full) == [True]
        assert sum(a != b for a, b in zip(full, noise, strict=True)) == len(errata) <= 16


def test_only_erasures() -> None:
    rsc, rs = both({"nsym": 8, "nsize": 40, "fcr": 1, "prim": 0x11D, "generator": 2})
    cw = rsc.encode(bytes(range(32)))
    bad = bytearray(cw)
    for p in (3, 9, 30, 39):
        bad[p] = 0x55
    got = rsc.decode(bad, erase_pos=[39, 3, 30, 9], only_erasures=True)
    assert got[0] == bytes(range(32)) and got[2] == [39, 3, 30, 9]
    assert got[2] == list(rs.decode(bad, erase_pos=[39, 3, 30, 9], only_erasures=True)[2])
    # An error outside the erasures cannot be found in only_erasures mode.
    bad[20] ^= 1
    with pytest.raises(errors.DecodeError):
        rsc.decode(bad, erase_pos=[39, 3, 30, 9], only_erasures=True)
    with pytest.raises(errors.DecodeError):
        rsc.decode(bad, only_erasures=True)
    assert rsc.decode(bad, erase_pos=[39, 3, 30, 9])[0] == bytes(range(32))


def test_clean_and_trivial_inputs_match_reedsolo() -> None:
    rsc, rs = both({"nsym": 10, "nsize": 255, "fcr": 0, "prim": 0x11D, "generator": 2})
    assert rsc.decode(b"") == (bytearray(), bytearray(), [])
    assert rsc.check(b"") == rs.check(b"") == []
    assert rsc.encode(b"") == rs.encode(b"") == bytearray()
    cw = rsc.encode(b"x" * 600)
    assert rsc.decode(cw) == (bytearray(b"x" * 600), cw, [])
    # A clean chunk with erasures reports them, like reedsolo.
    got = rsc.decode(cw, erase_pos=[3, 1])
    assert got[2] == [3, 1] == list(rs.decode(cw[:255], erase_pos=[3, 1])[2])
    # check() chunking, incl. a short last chunk and an nsym override
    bad = bytearray(cw)
    bad[300] ^= 1
    assert rsc.check(bad) == rs.check(bad) == [True, False, True]
    assert rsc.check(bad[:-5], nsym=4) == rs.check(bad[:-5], nsym=4)
    assert rsc.check(b"\x00" * 3) == rs.check(b"\x00" * 3) == [True]


def test_decode_with_smaller_nsym_equals_reedsolo() -> None:
    rsc, rs = both({"nsym": 12, "nsize": 100, "fcr": 3, "prim": 0x187, "generator": 2})
    cw = rsc.encode(bytes(range(88)))
    bad = bytearray(cw)
    bad[4] ^= 9
    bad[50] ^= 1
    got, want = rsc.decode(bad, nsym=6), rs.decode(bad, nsym=6)
    assert got[0] == want[0] and got[1] == want[1] == cw and got[2] == list(want[2])
    assert rsc.decode(bad, nsym=0)[1] == cw  # 0 means the codec's, like reedsolo


@pytest.mark.parametrize(
    ("errs", "eras"), [(None, None), (None, 0), (None, 10), (0, None), (5, None), (3, -1)]
)
def test_maxerrata_equals_reedsolo(
    errs: int | None, eras: int | None, capsys: pytest.CaptureFixture[str]
) -> None:
    ours, theirs = RSCodec(10), reedsolo.RSCodec(10)
    assert ours.maxerrata(errs, eras, verbose=True) == theirs.maxerrata(errs, eras, verbose=True)
    out = capsys.readouterr().out.splitlines()
    assert out[0] == out[1]


def test_maxerrata_beyond_the_bound() -> None:
    with pytest.raises(errors.N3ValueError, match="Singleton"):
        RSCodec(10).maxerrata(erasures=11)
    with pytest.raises(errors.N3ValueError, match="Singleton"):
        RSCodec(10).maxerrata(errors=6)


def test_any_buffer_is_accepted() -> None:
    rsc = RSCodec(8, nsize=30)
    msg = bytes(range(50))
    cw = bytes(rsc.encode(msg))
    for conv in (bytes, bytearray, memoryview, lambda x: np.frombuffer(x, dtype=np.uint8)):
        assert rsc.encode(conv(msg)) == cw
        assert rsc.decode(conv(cw))[0] == msg
        assert rsc.check(conv(cw)) == [True, True, True]
    grid = np.frombuffer(cw[:60], dtype=np.uint8).reshape(2, 30)
    assert rsc.decode(grid)[0] == msg[:44]  # any shape: the bytes in C order
    assert rsc.decode(np.frombuffer(cw, dtype=np.int8))[0] == msg


def test_chunk_helper_like_reedsolo() -> None:
    assert list(RSCodec(2, nsize=5).chunk(b"abcdefg", 3)) == list(
        reedsolo.RSCodec(2, nsize=5).chunk(b"abcdefg", 3)
    )


# -- bad input -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"nsym": 10, "nsize": 10}, errors.N3ValueError, "less than nsize"),
        ({"nsym": 20, "nsize": 10}, errors.N3ValueError, "less than nsize"),
        ({"nsym": 0}, errors.N3ValueError, "nsym"),
        ({"nsym": 10, "nsize": 256}, errors.N3ValueError, "nsize"),
        ({"nsym": 10, "nsize": 300, "c_exp": 9}, errors.N3ValueError, "c_exp"),
        ({"nsym": 10, "c_exp": 12}, errors.N3ValueError, "GF\\(2\\^8\\)"),
        ({"nsym": 10, "prim": 0x11B}, errors.N3ValueError, "primitive"),  # 2 is not
        ({"nsym": 10, "prim": 0x100}, errors.N3ValueError, "primitive"),
        ({"nsym": 10, "prim": 0x11D, "generator": 1}, errors.N3ValueError, "generator"),
        ({"nsym": 10, "prim": 0x11D, "generator": 8}, errors.N3ValueError, "primitive"),
        ({"nsym": 10, "prim": 0x3FF}, errors.N3ValueError, "prim"),
        ({"nsym": 10.0}, errors.N3TypeError, "nsym"),
        ({"nsym": "10"}, errors.N3TypeError, "nsym"),
        ({"nsym": 10, "fcr": 1.5}, errors.N3TypeError, "fcr"),
        ({"nsym": True}, errors.N3TypeError, "nsym"),
        ({"nsym": 10, "kernel": "sse9"}, errors.N3ValueError, "kernel"),
        ({"nsym": 10, "kernel": 3}, errors.N3TypeError, "kernel"),
    ],
)
def test_bad_parameters(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    with pytest.raises(exc, match=match):
        RSCodec(**kwargs)  # type: ignore[arg-type]


def test_non_primitive_generator_accepted_by_reedsolo_is_rejected() -> None:
    # 0x11B is irreducible but 2 has order 51 modulo it: reedsolo builds
    # broken tables silently; we refuse.
    assert not ref.is_primitive(2, 0x11B) and ref.is_primitive(3, 0x11B)
    RSCodec(10, prim=0x11B, generator=3)
    with pytest.raises(errors.N3ValueError):
        RSCodec(10, prim=0x11B, generator=2)


@pytest.mark.parametrize("data", ["text", 12, None, [1, 2, 3], 1.5])
def test_bad_data_types(data: object) -> None:
    rsc = RSCodec(4, nsize=10)
    for fn in (rsc.encode, rsc.decode, rsc.check):
        with pytest.raises(errors.N3TypeError):
            fn(data)  # type: ignore[operator]


def test_bad_decode_arguments() -> None:
    rsc = RSCodec(4, nsize=10)
    cw = rsc.encode(bytes(8))  # chunks of 10 and 6 bytes
    with pytest.raises(errors.N3ValueError, match=r"\[0, 15\]"):
        rsc.decode(cw, erase_pos=[16])
    with pytest.raises(errors.N3ValueError):
        rsc.decode(cw, erase_pos=[-1])
    with pytest.raises(errors.N3ValueError, match="repeated"):
        rsc.decode(cw, erase_pos=[3, 3])
    with pytest.raises(errors.N3TypeError):
        rsc.decode(cw, erase_pos=[1.0])
    with pytest.raises(errors.N3TypeError):
        rsc.decode(cw, erase_pos=5)  # type: ignore[arg-type]
    with pytest.raises(errors.DecodeError, match="too many erasures"):
        rsc.decode(cw, erase_pos=[0, 1, 2, 3, 4])
    rsc.decode(cw, erase_pos=[0, 1, 2, 3, 10, 11, 12, 13])  # 4 per chunk is fine
    with pytest.raises(errors.N3ValueError, match="last chunk"):
        rsc.decode(cw[:14])  # last chunk of 4 bytes <= nsym
    with pytest.raises(errors.N3ValueError, match="nsym"):
        rsc.decode(cw, nsym=300)
    with pytest.raises(errors.N3TypeError):
        rsc.decode(cw, only_erasures="yes")  # type: ignore[arg-type]
    with pytest.raises(errors.N3ValueError, match="nsym"):
        rsc.encode(b"abc", nsym=3)
    arr = np.zeros((4, 20), dtype=np.uint8)[:, ::2]
    with pytest.raises(errors.N3ValueError, match="contiguous"):
        rsc.decode(arr)


def test_decode_error_names_the_chunk() -> None:
    rsc = RSCodec(4, nsize=10)
    cw = rsc.encode(bytes(18))
    cw[12:15] = b"\xff\xff\xff"
    with pytest.raises(errors.DecodeError, match="chunk 1"):
        rsc.decode(cw)


# -- batch API -----------------------------------------------------------------


def _batch(rng: random.Random, rsc: RSCodec, count: int, k: int) -> tuple[list[bytes], list[bytes]]:
    msgs = [rng.randbytes(k) for _ in range(count)]
    return msgs, [bytes(rsc.encode(m)) for m in msgs]


@pytest.mark.parametrize("kernel", KERNELS)
def test_batch_equals_per_codeword(kernel: str) -> None:
    rng = random.Random(7)
    rsc = RSCodec(16, nsize=200, fcr=5, prim=0x12B, generator=2, kernel=kernel)
    msgs, cws = _batch(rng, rsc, 50, 150)  # shortened: 166-byte rows
    assert rsc.encode_batch(msgs) == b"".join(cws)
    assert rsc.encode_batch(np.frombuffer(b"".join(msgs), np.uint8).reshape(50, 150)) == b"".join(
        cws
    )
    assert rsc.encode_batch(b"".join(msgs), row_len=150) == b"".join(cws)
    bad, eras, want = [], [], []
    for i, cw in enumerate(cws):
        f = rng.randrange(0, 17) if i % 3 else 0
        e = rng.randrange(0, (16 - f) // 2 + 1) if i % 5 else 9 + f  # some beyond the bound
        if e + f > len(cw):
            e = 0
        x, er, _ = corrupt(cw, e, f, rng)
        bad.append(bytes(x))
        eras.append(er)
        try:
            want.append(rsc.decode(x, erase_pos=er))
        except errors.DecodeError:
            want.append(None)
    assert rsc.check_batch(bad) == [rsc.check(x)[0] for x in bad]
    assert rsc.check_batch(b"".join(cws), row_len=166) == [True] * 50
    res = rsc.decode_batch(bad, erase_pos=eras, errors="report")
    assert len(res) == 50 and res.msg_len == 150 and res.n == 166
    assert res.failed == [i for i, w in enumerate(want) if w is None]
    assert res.failed, "the test should include uncorrectable codewords"
    for i, w in enumerate(want):
        if w is None:
            assert res.errata_counts[i] == -1
            assert res.message(i) == bytes(150) and res.codeword(i) == bytes(166)
            assert res.errata_positions(i) == []
            with pytest.raises(errors.DecodeError, match=f"codeword {i}"):
                res[i]
        else:
            assert res[i] == w
            assert res.errata_counts[i] == len(w[2])
    assert bytes(res.messages) == b"".join(res.message(i) for i in range(50))
    with pytest.raises(errors.DecodeError, match=f"first at index {res.failed[0]}"):
        rsc.decode_batch(bad, erase_pos=eras)
    # 2-D buffer in, same result
    grid = np.frombuffer(b"".join(bad), np.uint8).reshape(50, 166)
    res2 = rsc.decode_batch(grid, erase_pos=eras, errors="report")
    assert res2.codewords == res.codewords and res2.errata_counts == res.errata_counts


def test_batch_only_erasures_and_iteration() -> None:
    rsc = RSCodec(6, nsize=20)
    rng = random.Random(3)
    msgs, cws = _batch(rng, rsc, 4, 14)
    bad = [bytearray(c) for c in cws]
    for x in bad:
        x[2] = x[7] = 0
    res = rsc.decode_batch(bad, erase_pos=[[2, 7]] * 4, only_erasures=True)
    assert [bytes(m) for m, _, _ in res] == msgs
    assert [p for _, _, p in res] == [[2, 7]] * 4
    # Row 0 without its erasure list: two errors, still within nsym // 2.
    res = rsc.decode_batch(bad, erase_pos=[None, [2, 7], [7, 2], [2, 7]])
    assert [bytes(m) for m, _, _ in res] == msgs
    assert res.errata_positions(2) == [7, 2]


def test_batch_bad_input() -> None:
    rsc = RSCodec(4, nsize=10)
    cws = [bytes(rsc.encode(b"abcdef"))] * 3
    assert rsc.decode_batch([]).count == 0 and rsc.check_batch([]) == []
    assert rsc.encode_batch([]) == bytearray()
    with pytest.raises(errors.N3ValueError, match="unequal"):
        rsc.decode_batch([cws[0], cws[0][:-1]])
    with pytest.raises(errors.N3ValueError, match="whole number"):
        rsc.check_batch(b"".join(cws)[:-1])
    with pytest.raises(errors.N3ValueError, match="length"):
        rsc.decode_batch([b"abcd"])  # not longer than nsym
    with pytest.raises(errors.N3ValueError, match="length"):
        rsc.decode_batch([bytes(11)])  # longer than nsize
    with pytest.raises(errors.N3ValueError, match="longer than"):
        rsc.encode_batch([bytes(7)])
    with pytest.raises(errors.N3TypeError):
        rsc.decode_batch(["abc"])  # type: ignore[list-item]
    with pytest.raises(errors.N3TypeError):
        rsc.decode_batch("abc")  # type: ignore[arg-type]
    with pytest.raises(errors.N3TypeError):
        rsc.decode_batch(42)  # type: ignore[arg-type]
    with pytest.raises(errors.N3ValueError, match="errors"):
        rsc.decode_batch(cws, errors="ignore")  # type: ignore[arg-type]
    with pytest.raises(errors.N3ValueError, match="entries"):
        rsc.decode_batch(cws, erase_pos=[[1]])
    with pytest.raises(errors.N3ValueError, match="repeats"):
        rsc.decode_batch(cws, erase_pos=[[1, 1], [], []])
    with pytest.raises(errors.N3ValueError):
        rsc.decode_batch(cws, erase_pos=[[10], [], []])
    with pytest.raises(errors.DecodeError, match="too many"):
        rsc.decode_batch(cws, erase_pos=[[0, 1, 2, 3, 4], [], []])
    with pytest.raises(errors.N3TypeError):
        rsc.decode_batch(np.zeros((2, 10), dtype=np.uint16))
    with pytest.raises(errors.N3ValueError, match="row_len"):
        rsc.decode_batch(np.zeros((2, 10), dtype=np.uint8), row_len=8)
    with pytest.raises(errors.N3ValueError, match="2-D"):
        rsc.decode_batch(np.zeros((2, 2, 10), dtype=np.uint8))


# -- kernels -------------------------------------------------------------------


@pytest.mark.parametrize("kernel", KERNELS)
def test_kernel_lincomb_equals_ref_for_all_constants(kernel: str) -> None:
    rsc = RSCodec(32, prim=0x171, generator=2)
    rng = random.Random(11)
    kid, rid = kernel_id(kernel), kernel_id("ref")
    for w in (32, 64, 96, 256):
        for count in (0, 1, 3, 8, 9, 31, 255, 256):
            table = rng.randbytes(count * w)
            consts = bytes((i * 7 + count) & 0xFF for i in range(count))  # every value
            tb = guarded(table) if GUARD_OK else table
            cb = guarded(consts) if GUARD_OK else consts
            got = b.lincomb(rsc._ctx, kid, w, b.ffi.from_buffer(cb), b.ffi.from_buffer(tb), w)
            assert got == b.lincomb(rsc._ctx, rid, w, consts, table, w)
            if count <= 9:
                want = bytearray(w)
                for i in range(count):
                    for j in range(w):
                        want[j] ^= ref.mul(consts[i], table[i * w + j], 0x171)
                assert got == want
    # all 256 constants against the reference, one row each
    table = rng.randbytes(256 * 32)
    for c in range(256):
        got = b.lincomb(rsc._ctx, kid, 32, bytes([c]), table[c * 32 : c * 32 + 32], 32)
        assert got == bytes(ref.mul(c, t, 0x171) for t in table[c * 32 : c * 32 + 32])


def test_lincomb_hook_rejects_bad_arguments() -> None:
    rsc = RSCodec(4)
    with pytest.raises(errors.N3ValueError):
        b.lincomb(rsc._ctx, 0, 33, b"\x01", bytes(64), 64)
    with pytest.raises(errors.N3ValueError):
        b.lincomb(rsc._ctx, 0, 64, b"\x01", bytes(64), 32)
    with pytest.raises(errors.N3ValueError):
        b.lincomb(rsc._ctx, 9, 32, b"\x01", bytes(64), 32)


@pytest.mark.parametrize("kernel", KERNELS)
def test_syndromes_match_reference(kernel: str) -> None:
    rng = random.Random(2)
    for nsym, n, fcr, prim in [
        (1, 2, 0, 0x11D),
        (32, 255, 0, 0x11D),
        (40, 77, 120, 0x187),
        (254, 255, 7, 0x169),
        (33, 200, 200, 0x12D),
    ]:
        rsc = RSCodec(nsym, nsize=255, fcr=fcr, prim=prim, kernel=kernel)
        data = rng.randbytes(n)
        buf = guarded(data) if GUARD_OK else data
        for s in {nsym, max(1, nsym // 2), min(254, n - 1)}:
            got = b.syndromes(rsc._ctx, b.ffi.from_buffer(buf), n, s)
            assert list(got) == ref.syndromes(data, s, fcr, 2, prim)


@pytest.mark.parametrize("kernel", KERNELS)
def test_every_kernel_gives_identical_results(kernel: str) -> None:
    outs = {}
    for k in ("ref", kernel):
        rsc = RSCodec(32, nsize=255, kernel=k)
        assert rsc.kernel == k
        r2 = random.Random(99)
        msgs = [r2.randbytes(223) for _ in range(40)]
        enc = rsc.encode_batch(msgs)
        bad = bytearray(enc)
        for i in range(40):
            for p in r2.sample(range(255), r2.randrange(0, 24)):
                bad[i * 255 + p] ^= r2.randrange(1, 256)
        res = rsc.decode_batch(bad, errors="report")
        outs[k] = (
            enc,
            rsc.check_batch(bad),
            res.codewords,
            res.errata_counts,
            [res.errata_positions(i) for i in range(40)],
        )
    assert outs["ref"] == outs[kernel]


@pytest.mark.skipif(not GUARD_OK, reason="needs mprotect")
@pytest.mark.parametrize("kernel", KERNELS)
def test_buffers_ending_at_a_page_boundary(kernel: str) -> None:
    rsc = RSCodec(16, nsize=100, kernel=kernel)
    for length in (1, 17, 84, 85, 200, 301):
        msg = bytes((i * 13 + 1) & 0xFF for i in range(length))
        cw = bytes(rsc.encode(guarded(msg)))
        assert cw == rsc.encode(msg)
        bad = bytearray(cw)
        bad[-1] ^= 1
        assert rsc.decode(guarded(bytes(bad)))[1] == cw
        assert all(rsc.check(guarded(cw)))


def test_forced_kernel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for k in KERNELS:
        monkeypatch.setenv("N3_FORCE_KERNEL", k)
        assert RSCodec(8).kernel == k
    monkeypatch.setenv("N3_FORCE_KERNEL", "nope")
    with pytest.raises(errors.N3ValueError):
        RSCodec(8)


def test_unavailable_kernel_raises() -> None:
    missing = [k for k in ("avx2", "gfni", "gfni512") if k not in KERNELS]
    for k in missing:
        with pytest.raises(errors.UnavailableError):
            RSCodec(8, kernel=k)


def test_threads_share_one_codec() -> None:
    rsc = RSCodec(32)
    rng = random.Random(4)
    msgs = [rng.randbytes(223) for _ in range(200)]
    bad = bytearray(rsc.encode_batch(msgs))
    for i in range(200):
        for p in rng.sample(range(255), 16):
            bad[i * 255 + p] ^= rng.randrange(1, 256)
    want = b"".join(msgs)
    results: list[bool] = []

    def work() -> None:
        for _ in range(20):
            results.append(bytes(rsc.decode_batch(bad).messages) == want)

    threads = [threading.Thread(target=work) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [True] * 80


def test_repr_and_attributes() -> None:
    g = ref.powers(2, 0x187)[7]  # a primitive element: gcd(7, 255) = 1
    rsc = RSCodec(12, nsize=100, fcr=-3, prim=0x187, generator=g)
    assert (rsc.nsym, rsc.nsize, rsc.fcr, rsc.prim, rsc.generator, rsc.c_exp) == (
        12,
        100,
        -3,
        0x187,
        g,
        8,
    )
    assert "RSCodec(nsym=12" in repr(rsc)
    assert rsc.field_charac == reedsolo.RSCodec(12).field_charac == 255
    assert list(rsc.gen[12]) == ref.generator_poly(12, -3, g, 0x187)


def test_integer_like_arguments() -> None:
    # numpy integers are accepted wherever reedsolo takes an int.
    rsc = RSCodec(np.int64(8), nsize=np.uint8(40), fcr=np.int32(3))
    assert (rsc.nsym, rsc.nsize, rsc.fcr) == (8, 40, 3)
    cw = rsc.encode(bytes(range(60)))
    cw[1] = cw[45] = 0
    got = rsc.decode(cw, erase_pos=np.array([45, 1]))
    assert got[0] == bytes(range(60)) and got[2] == [1, 45]
    res = rsc.decode_batch([cw[:40]], erase_pos=[np.array([1])])
    assert res.errata_positions(0) == [1]


def test_c_layer_rejects_bad_arguments_and_zeroes_outputs() -> None:
    # The Python layer validates first; C checks again and never trusts it.
    lib, ffi = b.lib, b.ffi
    rsc = RSCodec(4, nsize=10)
    ctx = rsc._ctx.ptr
    cw = bytes(rsc.encode(b"abcdef"))

    def run(
        epos: bytes | None, ecnt: bytes | None, flags: int = 0, n: int = 10
    ) -> tuple[int, bytes]:
        # sized for n = 10 (one chunk); n = 4 would need 3 chunks' outputs
        full = ffi.new("uint8_t[]", [0xAA] * 10)
        msg = ffi.new("uint8_t[]", [0xBB] * 6)
        nerr = ffi.new("int16_t[]", [7] * 3)
        errata = ffi.new("uint8_t[]", [0xCC] * 12)
        rc = lib.n3_rscodec_decode(
            ctx,
            full,
            msg,
            nerr,
            errata,
            cw,
            10,
            n,
            4,
            ffi.NULL if epos is None else epos,
            ffi.NULL if ecnt is None else ecnt,
            flags,
        )
        out = bytes(ffi.buffer(full)) + bytes(ffi.buffer(msg)) + bytes(ffi.buffer(errata, 4))
        return rc, out + bytes(ffi.buffer(nerr, 2))

    assert run(None, None)[0] == 0
    assert run(b"\x01\x02\x00\x00", b"\x02")[0] == 0
    for args in [
        (b"\x0a\x00\x00\x00", b"\x01", 0),  # position out of range
        (b"\x01\x01\x00\x00", b"\x02", 0),  # repeated
        (b"\x01\x02\x03\x04", b"\x05", 0),  # more than nsym
        (b"\x01\x00\x00\x00", None, 0),  # half the erasure arguments
        (None, None, 2),  # unknown flag
    ]:
        rc, out = run(*args)
        assert rc == lib.N3_EINVAL and out == bytes(22)
    assert run(None, None, 0, n=4)[0] == lib.N3_EINVAL  # chunk not longer than nsym
    raw = ffi.new("uint8_t[]", b.CTX_SIZE)  # never initialized
    out = ffi.new("uint8_t[]", 8)
    bad_ctx = ffi.cast("n3_rscodec_ctx *", raw)
    assert lib.n3_rscodec_encode(bad_ctx, out, 8, b"abcd", 4, 4) == lib.N3_EINVAL
    assert lib.n3_rscodec_ctx_kernel(bad_ctx) == lib.N3_EINVAL
    raw[0] = 1
    assert lib.n3_rscodec_ctx_init(bad_ctx, b.CTX_SIZE - 1, 4, 10, 0, 0x11D, 2, 0) == lib.N3_EINVAL
    assert raw[0] == 0
    assert lib.n3_rscodec_ctx_init(bad_ctx, b.CTX_SIZE, 4, 10, 0, 0x11B, 2, 0) == lib.N3_EINVAL
    assert bytes(ffi.buffer(raw)) == bytes(b.CTX_SIZE)  # zeroed on failure
    assert lib.n3_rscodec_ctx_init(bad_ctx, b.CTX_SIZE, 4, 10, 255, 0x11D, 2, 0) == lib.N3_EINVAL
    assert lib.n3_rscodec_ctx_init(bad_ctx, b.CTX_SIZE, 4, 10, 0, 0x11D, 2, 7) == lib.N3_EINVAL
