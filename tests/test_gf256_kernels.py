"""Every GF(2^8) kernel against the pure-Python reference and each other."""

from __future__ import annotations

import os
import random

import pytest
import reedsolo

from n3crypto import errors
from n3crypto.bindings import KERNELS, available_kernels, ffi, kernel_id, lib
from n3crypto.bindings import rs as b
from tests.guarded import guarded
from tests.reference import gf256_ref as ref

KERNEL_NAMES = available_kernels()


def test_all_kernels_present_on_this_machine() -> None:
    # The development and CI machines have AVX2, GFNI and AVX-512: if a kernel
    # silently drops out of dispatch we want to know. Elsewhere, only ref.
    flags = lib.n3_cpu_features()
    if lib.n3_build_has_simd() and flags & lib.N3_CPU_GFNI and flags & lib.N3_CPU_AVX512BW:
        assert KERNEL_NAMES == list(KERNELS)
    assert "ref" in KERNEL_NAMES


def test_mul_matches_reference_and_reedsolo() -> None:
    reedsolo.init_tables(0x11D)
    for a in range(256):
        for bb in range(256):
            want = ref.mul(a, bb)
            assert b.gf256_mul(a, bb) == want
        if a % 37 == 0:
            assert all(reedsolo.gf_mul(a, x) == ref.mul(a, x) for x in range(256))


def test_inverse() -> None:
    assert b.gf256_inv(0) == 0
    for a in range(1, 256):
        assert ref.mul(a, b.gf256_inv(a)) == 1
        assert b.gf256_inv(a) == ref.inv(a)


def _dot(kernel: str, flags: int, coeffs: list[list[int]], srcs: list, dsts: list) -> None:
    length = len(srcs[0])
    s = [ffi.from_buffer("uint8_t[]", x) for x in srcs]
    d = [ffi.from_buffer("uint8_t[]", x, require_writable=True) for x in dsts]
    flat = bytes(c for row in coeffs for c in row)
    b.gf256_dot_prod(
        KERNELS[kernel], flags, length, flat, b.ptr_array(s), len(s), b.ptr_array(d), len(d)
    )


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
@pytest.mark.parametrize("flags", [0, lib.N3_GF_CONSTTIME])
def test_every_constant_odd_lengths_guarded(kernel: str, flags: int) -> None:
    rng = random.Random(1)
    for length in (1, 31, 63, 64, 65, 127, 200, 1031):
        src = bytes(rng.randrange(256) for _ in range(length))
        gsrc = guarded(src)
        for c in range(256):
            dst = guarded(bytes(length))
            _dot(kernel, flags, [[c]], [gsrc], [dst])
            t = [ref.mul(c, x) for x in range(256)]
            assert bytes(dst) == bytes(t[x] for x in src), (kernel, c, length)


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
@pytest.mark.parametrize(
    "flags", [0, lib.N3_GF_ACCUMULATE, lib.N3_GF_CONSTTIME | lib.N3_GF_ACCUMULATE]
)
@pytest.mark.parametrize(("nsrc", "ndst"), [(1, 1), (3, 5), (10, 4), (7, 7), (2, 13), (17, 3)])
def test_dot_product_matches_reference(kernel: str, flags: int, nsrc: int, ndst: int) -> None:
    rng = random.Random(nsrc * 100 + ndst + flags)
    length = rng.choice([5, 64, 130, 333])
    coeffs = [[rng.randrange(256) for _ in range(nsrc)] for _ in range(ndst)]
    coeffs[0][0] = 0
    if nsrc > 1:
        coeffs[0][1] = 1
    srcs = [guarded(bytes(rng.randrange(256) for _ in range(length))) for _ in range(nsrc)]
    init = [bytes(rng.randrange(256) for _ in range(length)) for _ in range(ndst)]
    dsts = [guarded(x) for x in init]
    _dot(kernel, flags, coeffs, srcs, dsts)
    want = ref.dot(coeffs, [bytes(s) for s in srcs])
    if flags & lib.N3_GF_ACCUMULATE:
        want = [
            bytes(x ^ y for x, y in zip(w, i, strict=True)) for w, i in zip(want, init, strict=True)
        ]
    assert [bytes(d) for d in dsts] == want


@pytest.mark.parametrize("kernel", KERNEL_NAMES)
def test_kernels_agree_on_large_random(kernel: str) -> None:
    rng = random.Random(7)
    length = 70001
    srcs = [os.urandom(length) for _ in range(10)]
    coeffs = [[rng.randrange(256) for _ in range(10)] for _ in range(6)]
    base = [bytearray(length) for _ in range(6)]
    _dot("ref", 0, coeffs, srcs, base)
    got = [bytearray(length) for _ in range(6)]
    _dot(kernel, 0, coeffs, srcs, got)
    assert got == base


def test_forcing_an_unknown_or_missing_kernel_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(errors.N3ValueError, match="unknown kernel"):
        kernel_id("sse9")
    if lib.n3_kernel_available(KERNELS["gfni512"]) != 0:
        with pytest.raises(errors.UnavailableError):
            kernel_id("gfni512")
    assert (
        lib.n3_gf256_dot_prod(99, 0, 1, 1, 1, ffi.NULL, ffi.NULL, ffi.NULL) == lib.N3_EUNAVAILABLE
    )


def test_matrix_inverse_and_lagrange() -> None:
    rng = random.Random(3)
    for n in (1, 2, 5, 9):
        while True:
            a = [[rng.randrange(256) for _ in range(n)] for _ in range(n)]
            try:
                want = ref.invert(a)
                break
            except StopIteration:
                continue
        got = b.gf256_invert_matrix(bytes(x for r in a for x in r), n)
        assert got == bytes(x for r in want for x in r)
    with pytest.raises(errors.DecodeError):
        b.gf256_invert_matrix(bytes(4), 2)
    xs = bytes([1, 2, 3, 7])
    lag = b.gf256_lagrange(xs, 0)
    # Interpolating the polynomial 5 + 9x + 3x^2 at 0 must give 5.
    ys = [5 ^ ref.mul(9, x) ^ ref.mul(3, ref.mul(x, x)) for x in xs]
    acc = 0
    for li, y in zip(lag, ys, strict=True):
        acc ^= ref.mul(li, y)
    assert acc == 5
    with pytest.raises(errors.N3ValueError):
        b.gf256_lagrange(bytes([1, 1]), 0)
