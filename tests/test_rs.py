"""ErasureCoder: encoding, erasure decoding, locating and repairing corruption."""

from __future__ import annotations

import itertools
import os
import random
import threading

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.bindings import available_kernels
from n3crypto.rs import ErasureCoder
from tests.reference import gf256_ref as ref

KERNELS = available_kernels()


def corrupt(shard: bytes, rng: random.Random, nbytes: int | None = None) -> bytes:
    """Alter ``nbytes`` bytes (all by default), each to a different value."""
    out = bytearray(shard)
    idx = range(len(out)) if nbytes is None else rng.sample(range(len(out)), nbytes)
    for i in idx:
        out[i] ^= rng.randrange(1, 256)
    return bytes(out)


@pytest.mark.parametrize("kernel", KERNELS)
def test_systematic_and_parity_match_reference(kernel: str) -> None:
    k, m = 5, 3
    coder = ErasureCoder(k, m, kernel=kernel)
    data = os.urandom(1000)
    shards = coder.encode(data)
    assert len(shards) == k + m
    size = coder.shard_size(len(data))
    assert all(len(s) == size for s in shards)
    padded = data + b"\x80" + bytes(size * k - len(data) - 1)
    assert b"".join(shards[:k]) == padded
    assert coder.parity_matrix() == ref.cauchy_parity(k, m)
    assert shards[k:] == ref.dot(ref.cauchy_parity(k, m), shards[:k])


def test_parity_check_rows_annihilate_codewords() -> None:
    # The GRS parity-check matrix derived in csrc/rs/erasure.c must be a
    # parity check of the Cauchy code for every puncturing pattern.
    from n3crypto.bindings import rs as b

    coder = ErasureCoder(4, 4)
    shards = coder.encode(os.urandom(50))
    for missing in [(), (0,), (5,), (1, 6), (0, 2, 7)]:
        present = bytes(0 if i in missing else 1 for i in range(8))
        np_ = sum(present)
        rows = b.rs_check_rows(coder._ctx, present, np_ - 4, np_)
        cols = [s for i, s in enumerate(shards) if present[i]]
        h = [list(rows[r * np_ : (r + 1) * np_]) for r in range(np_ - 4)]
        assert all(x == bytes(len(cols[0])) for x in ref.dot(h, cols))


@pytest.mark.parametrize("kernel", KERNELS)
def test_every_k_subset_decodes_exhaustively(kernel: str) -> None:
    coder = ErasureCoder(3, 3, kernel=kernel)
    data = os.urandom(77)
    shards = coder.encode(data)
    for keep in itertools.combinations(range(6), 3):
        got = coder.decode([s if i in keep else None for i, s in enumerate(shards)])
        assert got == data
        assert got.missing == [i for i in range(6) if i not in keep]
        assert got.corrupted == []
    full = coder.reconstruct([shards[0], None, None, shards[3], None, shards[5]])
    assert full == shards


@given(
    k=st.integers(1, 12),
    m=st.integers(0, 8),
    data=st.binary(max_size=600),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_any_k_of_n_decode(k: int, m: int, data: bytes, seed: int) -> None:
    rng = random.Random(seed)
    coder = ErasureCoder(k, m, kernel=rng.choice(KERNELS))
    shards: list[bytes | None] = list(coder.encode(data))
    for i in rng.sample(range(k + m), m):
        shards[i] = None
    assert coder.decode(shards) == data


@given(
    k=st.integers(1, 10),
    m=st.integers(1, 8),
    size=st.integers(1, 300),
    seed=st.integers(0, 2**32 - 1),
    full=st.booleans(),
)
@settings(max_examples=80)
def test_corruption_within_bound_is_located_and_repaired(
    k: int, m: int, size: int, seed: int, full: bool
) -> None:
    rng = random.Random(seed)
    coder = ErasureCoder(k, m, kernel=rng.choice(KERNELS))
    data = os.urandom(max(0, size * k - 1 - rng.randrange(k)))
    shards: list[bytes | None] = list(coder.encode(data))
    f = rng.randrange(m + 1)
    e = (m - f) // 2
    idx = rng.sample(range(k + m), f + e)
    for i in idx[:f]:
        shards[i] = None
    bad = sorted(idx[f:])
    for i in bad:
        s = shards[i]
        assert s is not None
        shards[i] = corrupt(s, rng, None if full else rng.randrange(1, len(s) + 1))
    assert coder.locate_corrupt(shards) == bad
    out = coder.decode(shards)
    assert out == data
    assert out.corrupted == bad
    assert out.missing == sorted(idx[:f])
    assert out.repaired == sorted(idx)


@given(
    k=st.integers(1, 8),
    m=st.integers(3, 10),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=60)
def test_corruption_beyond_bound_raises(k: int, m: int, seed: int) -> None:
    rng = random.Random(seed)
    coder = ErasureCoder(k, m, kernel=rng.choice(KERNELS))
    size = rng.choice([1, 3, 64, 200])
    shards: list[bytes | None] = list(coder.encode(os.urandom(size * k - 1)))
    f = rng.randrange(m - 2)
    mp = m - f
    t = mp // 2
    # e in (t, mp - t]: no codeword lies within t of the received word, so
    # even a single column must be refused, whatever the bytes.
    if t + 1 > mp - t:
        return
    e = rng.randint(t + 1, mp - t)
    idx = rng.sample(range(k + m), f + e)
    for i in idx[:f]:
        shards[i] = None
    for i in idx[f:]:
        s = shards[i]
        assert s is not None
        shards[i] = corrupt(s, rng)
    with pytest.raises(errors.DecodeError):
        coder.decode(shards)
    with pytest.raises(errors.DecodeError):
        coder.locate_corrupt(shards)


def test_heavy_corruption_of_long_shards_raises() -> None:
    rng = random.Random(5)
    coder = ErasureCoder(10, 4)
    shards: list[bytes | None] = list(coder.encode(os.urandom(100_000)))
    for i in (0, 4, 12):  # three altered, bound is two
        s = shards[i]
        assert s is not None
        shards[i] = corrupt(s, rng)
    with pytest.raises(errors.DecodeError, match="corrupted"):
        coder.decode(shards)


def test_exactly_k_shards_cannot_check() -> None:
    coder = ErasureCoder(3, 2)
    s = coder.encode(b"abcdefgh")
    assert coder.locate_corrupt([s[0], s[1], s[2], None, None]) == []


def test_into_variants_use_caller_buffers() -> None:
    coder = ErasureCoder(6, 3)
    data = [os.urandom(4096) for _ in range(6)]
    parity = [bytearray(4096) for _ in range(3)]
    coder.encode_into(data, parity)
    assert [bytes(p) for p in parity] == coder.encode_shards(data)
    arr = np.zeros((9, 4096), dtype=np.uint8)
    for i, d in enumerate(data + [bytes(p) for p in parity]):
        arr[i] = np.frombuffer(d, dtype=np.uint8)
    want = arr.copy()
    arr[1] = 0
    arr[7] = 0
    coder.reconstruct_into(list(arr), [i not in (1, 7) for i in range(9)])
    assert (arr == want).all()


def test_buffer_types_accepted() -> None:
    coder = ErasureCoder(2, 1)
    data = b"0123456789"
    for obj in (data, bytearray(data), memoryview(data), np.frombuffer(data, dtype=np.uint8)):
        assert coder.decode(coder.encode(obj)) == data
    assert coder.decode(coder.encode(b"")) == b""


@pytest.mark.parametrize(
    ("k", "m", "exc"),
    [
        (0, 1, errors.N3ValueError),
        (1, -1, errors.N3ValueError),
        (200, 56, errors.N3ValueError),
        (2.0, 1, errors.N3TypeError),
        (True, 1, errors.N3TypeError),
    ],
)
def test_bad_parameters(k: object, m: object, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        ErasureCoder(k, m)  # type: ignore[arg-type]


def test_bad_shards() -> None:
    coder = ErasureCoder(3, 2)
    s = coder.encode(b"some data here")
    with pytest.raises(errors.InsufficientShares, match="at least 3"):
        coder.decode([s[0], None, None, None, s[4]])
    with pytest.raises(errors.N3ValueError, match="unequal"):
        coder.decode([s[0], s[1] + b"x", s[2], s[3], s[4]])
    with pytest.raises(errors.N3ValueError, match="expected 5"):
        coder.decode(s[:4])
    with pytest.raises(errors.N3TypeError):
        coder.decode(b"not a list")  # type: ignore[arg-type]
    with pytest.raises(errors.N3TypeError):
        coder.decode([s[0], "text", s[2], s[3], s[4]])
    with pytest.raises(errors.N3TypeError):
        coder.encode("text")
    with pytest.raises(errors.N3TypeError, match="writable"):
        coder.encode_into([s[0], s[1], s[2]], [b"abcde", bytearray(5)])
    with pytest.raises(errors.N3ValueError):
        coder.encode_into([s[0], s[1], s[2]], [bytearray(4), bytearray(4)])
    with pytest.raises(errors.N3ValueError):
        coder.reconstruct_into([bytearray(5)] * 5, [True] * 4)
    with pytest.raises(errors.InsufficientShares):
        coder.reconstruct_into([bytearray(5)] * 5, [True, True, False, False, False])
    with pytest.raises(errors.N3TypeError, match="writable"):
        coder.reconstruct_into([s[0], s[1], s[2], s[3], bytes(5)], [True, True, True, True, False])
    out = [s[0], s[1], bytearray(5), s[3], s[4]]
    coder.reconstruct_into(out, [True, True, False, True, True])
    assert bytes(out[2]) == s[2]
    # Shards of another message, consistent but with bad padding.
    with pytest.raises(errors.DecodeError, match="padding"):
        coder.decode([bytes(5)] * 5)


def test_threads_share_a_coder() -> None:
    coder = ErasureCoder(8, 4)
    datas = [os.urandom(20_000 + i) for i in range(8)]
    encoded = [coder.encode(d) for d in datas]
    failures: list[str] = []

    def work(t: int) -> None:
        rng = random.Random(t)
        for _ in range(30):
            j = rng.randrange(8)
            shards: list[bytes | None] = list(encoded[j])
            for i in rng.sample(range(12), 4):
                shards[i] = None
            if coder.decode(shards) != datas[j]:
                failures.append(f"thread {t}")

    threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert failures == []


def test_forced_kernel_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("N3_FORCE_KERNEL", "ref")
    assert ErasureCoder(2, 2).kernel == "ref"
    monkeypatch.setenv("N3_FORCE_KERNEL", "nonsense")
    with pytest.raises(errors.N3ValueError):
        ErasureCoder(2, 2)


def test_reconstruct_into_accepts_a_numpy_mask() -> None:
    import numpy as np

    coder = ErasureCoder(4, 2)
    shards = [bytearray(s) for s in coder.encode(bytes(range(200)))]
    want = [bytes(s) for s in shards]
    shards[1][:] = bytes(len(shards[1]))
    present = np.ones(6, dtype=bool)
    present[1] = False
    coder.reconstruct_into(shards, present)
    assert [bytes(s) for s in shards] == want
    with pytest.raises(errors.N3TypeError):
        coder.reconstruct_into(shards, 5)  # type: ignore[arg-type]
