"""Streaming signcryption: chunking, truncation, reordering, splicing, big inputs."""

from __future__ import annotations

import hashlib
import io
import os
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.signcryption import (
    FAIL_MESSAGE,
    KGC,
    StreamSigncryptor,
    StreamUnsigncryptor,
    UserKey,
    signcrypt_stream,
    unsigncrypt_stream,
)

CHUNK = 1024


@pytest.fixture(scope="module")
def keys() -> tuple[UserKey, UserKey, UserKey]:
    kgc = KGC.generate()
    out = []
    for name in ("alice", "bob", "carol"):
        u = UserKey.generate(name, kgc.public)
        out.append(u.accept_partial_key(kgc.issue_partial_key(name, u.request())))
    return out[0], out[1], out[2]


def seal(
    sender: UserKey,
    recipient: UserKey,
    m: bytes,
    ad: bytes = b"",
    chunk: int = CHUNK,
    pieces: int = 3,
) -> bytes:
    enc = StreamSigncryptor(sender, recipient.public, ad, chunk_size=chunk)
    step = max(1, len(m) // pieces)
    out = [enc.update(m[i : i + step]) for i in range(0, len(m), step)]
    out.append(enc.finalize())
    return b"".join(out)


def open_(recipient: UserKey, ct: bytes, ad: bytes = b"", step: int = 777) -> tuple[bytes, str]:
    dec = StreamUnsigncryptor(recipient, ad)
    out = [dec.update(ct[i : i + step]) for i in range(0, len(ct), step)]
    last, res = dec.finalize()
    return b"".join(out) + last, res.sender_identity


def fails(recipient: UserKey, ct: bytes, ad: bytes = b"") -> None:
    with pytest.raises(errors.UnsigncryptError) as info:
        open_(recipient, ct, ad)
    assert str(info.value) == FAIL_MESSAGE


@settings(max_examples=30)
@given(
    n=st.integers(0, 6 * CHUNK + 200),
    write_step=st.integers(1, 5000),
    read_step=st.integers(1, 5000),
)
def test_any_split_round_trips(
    keys: tuple[UserKey, UserKey, UserKey], n: int, write_step: int, read_step: int
) -> None:
    alice, bob, _ = keys
    m = random.Random(n).randbytes(n)
    enc = StreamSigncryptor(alice, bob.public, b"ad", chunk_size=CHUNK)
    ct = b"".join(
        [enc.update(m[i : i + write_step]) for i in range(0, n, write_step)] + [enc.finalize()]
    )
    got, who = open_(bob, ct, b"ad", read_step)
    assert got == m and who == "alice"


@pytest.mark.parametrize("n", [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 3 * CHUNK, 3 * CHUNK + 5])
def test_boundaries(keys: tuple[UserKey, UserKey, UserKey], n: int) -> None:
    alice, bob, _ = keys
    m = os.urandom(n)
    ct = seal(alice, bob, m)
    assert open_(bob, ct) == (m, "alice")
    # Truncation anywhere (including at every segment boundary) fails.
    for cut in {0, 1, 33, 34, 35, len(ct) - 1, len(ct) - 80, len(ct) - 81}:
        if 0 <= cut < len(ct):
            fails(bob, ct[:cut])
    fails(bob, ct + b"\x00")


def _segments(ct: bytes, chunk: int = CHUNK) -> tuple[bytes, list[bytes]]:
    header, rest = ct[:34], ct[34:]
    first = 64 + 32 + chunk + 16
    segs = [rest[:first]]
    rest = rest[first:]
    while len(rest) > chunk + 16 + 64:
        segs.append(rest[: chunk + 16])
        rest = rest[chunk + 16 :]
    segs.append(rest)
    return header, segs


def test_reorder_drop_duplicate_splice(keys: tuple[UserKey, UserKey, UserKey]) -> None:
    alice, bob, carol = keys
    m = os.urandom(5 * CHUNK + 100)
    ct = seal(alice, bob, m)
    header, segs = _segments(ct)
    assert len(segs) == 6
    assert b"".join([header, *segs]) == ct
    fails(bob, b"".join([header, segs[0], segs[2], segs[1], *segs[3:]]))  # reordered
    fails(bob, b"".join([header, segs[0], *segs[2:]]))  # dropped middle
    fails(bob, b"".join([header, *segs[:-1]]))  # dropped final (truncated at a boundary)
    fails(bob, b"".join([header, segs[0], segs[1], segs[1], *segs[2:]]))  # duplicated
    other = seal(alice, bob, m)
    h2, segs2 = _segments(other)
    fails(bob, b"".join([header, segs[0], segs2[1], *segs[2:]]))  # spliced from another stream
    fails(bob, b"".join([h2, *segs]))  # header from another stream
    fails(carol, ct)  # wrong recipient
    fails(bob, ct, b"other ad")


def test_every_byte_of_a_small_stream_is_protected(keys: tuple[UserKey, UserKey, UserKey]) -> None:
    alice, bob, _ = keys
    ct = seal(alice, bob, os.urandom(2 * CHUNK + 10))
    for i in range(0, len(ct), 7):
        bad = bytearray(ct)
        bad[i] ^= 0x04
        fails(bob, bytes(bad))


def test_nothing_authenticated_before_finalize(keys: tuple[UserKey, UserKey, UserKey]) -> None:
    alice, bob, _ = keys
    ct = seal(alice, bob, os.urandom(4 * CHUNK))
    dec = StreamUnsigncryptor(bob)
    partial = dec.update(ct[:-10])
    assert len(partial) > 0  # AEAD-checked data flows...
    assert not hasattr(dec, "sender_identity")  # ...but no sender is exposed yet
    with pytest.raises(errors.UnsigncryptError):
        dec.finalize()
    with pytest.raises(errors.N3ValueError):
        dec.update(b"x")


def test_stream_expected_sender_and_formats(keys: tuple[UserKey, UserKey, UserKey]) -> None:
    alice, bob, _ = keys
    ct = seal(alice, bob, b"data")
    dec = StreamUnsigncryptor(bob, b"", "carol")
    dec.update(ct)
    with pytest.raises(errors.UnsigncryptError):
        dec.finalize()
    with pytest.raises(errors.N3ValueError, match="power of two"):
        StreamSigncryptor(alice, bob.public, chunk_size=1000)
    # A one-shot ciphertext is not a stream.
    from n3crypto.signcryption import signcrypt

    fails(bob, signcrypt(alice, bob.public, b"x" * 200))


def test_file_helpers(keys: tuple[UserKey, UserKey, UserKey]) -> None:
    alice, bob, _ = keys
    m = os.urandom(300_000)
    sealed, opened = io.BytesIO(), io.BytesIO()
    seen: list[int] = []
    n = signcrypt_stream(
        alice, bob.public, io.BytesIO(m), sealed, b"f", read_size=100_000, progress=seen.append
    )
    assert n == len(sealed.getvalue()) and sum(seen) == len(m)
    sealed.seek(0)
    res = unsigncrypt_stream(bob, sealed, opened, b"f", alice.public, read_size=65_537)
    assert opened.getvalue() == m and res.length == len(m) and res.sender_public == alice.public


def test_readers_without_readinto(keys: tuple[UserKey, UserKey, UserKey]) -> None:
    alice, bob, _ = keys
    m = os.urandom(70_000)

    class ReadOnly:
        def __init__(self, data: bytes) -> None:
            self.f = io.BytesIO(data)

        def read(self, n: int = -1) -> bytes:
            return self.f.read(min(n, 9_999))  # short reads

    sealed = io.BytesIO()
    signcrypt_stream(alice, bob.public, ReadOnly(m), sealed, chunk_size=4096, read_size=30_000)
    opened = io.BytesIO()
    unsigncrypt_stream(bob, ReadOnly(sealed.getvalue()), opened, read_size=30_000)
    assert opened.getvalue() == m


@pytest.mark.slow
def test_50_mib_round_trip(keys: tuple[UserKey, UserKey, UserKey], tmp_path: object) -> None:
    alice, bob, _ = keys
    size = 50 << 20
    rng = random.Random(5)
    block = rng.randbytes(1 << 20)
    src_hash = hashlib.sha256()

    class Source(io.RawIOBase):
        def __init__(self) -> None:
            self.left = size

        def read(self, n: int = -1) -> bytes:
            n = min(n if n >= 0 else self.left, self.left, len(block))
            self.left -= n
            src_hash.update(block[:n])
            return block[:n]

    ct_path = os.path.join(str(tmp_path), "big.ct")
    with open(ct_path, "wb") as dst:
        signcrypt_stream(alice, bob.public, Source(), dst)  # type: ignore[arg-type]
    out_hash = hashlib.sha256()

    class Sink(io.RawIOBase):
        def write(self, b: bytes) -> int:  # type: ignore[override]
            out_hash.update(b)
            return len(b)

    with open(ct_path, "rb") as src:
        res = unsigncrypt_stream(bob, src, Sink())  # type: ignore[arg-type]
    assert res.length == size and out_hash.digest() == src_hash.digest()


@settings(max_examples=80)
@given(data=st.binary(max_size=3000), head=st.sampled_from([b"", b"\x02\x0a", b"\x02\x10"]))
def test_stream_garbage_only_raises_unsigncrypt_error(
    keys: tuple[UserKey, UserKey, UserKey], data: bytes, head: bytes
) -> None:
    _, bob, _ = keys
    fails(bob, head + data)
