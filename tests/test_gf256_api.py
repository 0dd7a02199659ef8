"""The public GF(2^8) API against the pure-Python reference."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors, gf256
from tests.reference import gf256_ref as ref


@given(st.integers(0, 255), st.integers(0, 255), st.integers(0, 255))
def test_field_laws(a: int, b: int, c: int) -> None:
    assert gf256.mul(a, b) == gf256.mul(b, a) == ref.mul(a, b)
    assert gf256.mul(a, gf256.mul(b, c)) == gf256.mul(gf256.mul(a, b), c)
    assert gf256.mul(a, b ^ c) == gf256.mul(a, b) ^ gf256.mul(a, c)
    if a:
        assert gf256.mul(a, gf256.inv(a)) == 1


@given(
    coeffs=st.lists(st.binary(min_size=7, max_size=7), min_size=1, max_size=8),
    x=st.integers(0, 255),
)
def test_poly_eval_matches_horner(coeffs: list[bytes], x: int) -> None:
    want = bytearray(7)
    for c in reversed(coeffs):
        want = bytearray(ref.mul(w, x) ^ ci for w, ci in zip(want, c, strict=True))
    assert gf256.poly_eval(coeffs, x) == bytes(want)


@given(
    degree=st.integers(0, 6),
    size=st.integers(0, 200),
    seed=st.integers(0, 2**32 - 1),
)
@settings(max_examples=50)
def test_interpolation_recovers_the_constant_term(degree: int, size: int, seed: int) -> None:
    rng = random.Random(seed)
    coeffs = [rng.randbytes(size) for _ in range(degree + 1)]
    xs = rng.sample(range(1, 256), degree + 1)
    pts = {x: gf256.poly_eval(coeffs, x) for x in xs}
    assert gf256.interpolate(pts) == coeffs[0]
    other = rng.randrange(256)
    assert gf256.interpolate(pts, at=other) == gf256.poly_eval(coeffs, other)


def test_mul_bytes_and_dot() -> None:
    data = bytes(range(256)) * 3
    assert gf256.mul_bytes(0x1D, data) == bytes(ref.mul(0x1D, b) for b in data)
    rows = gf256.dot([[3, 7], [0, 1]], [data, data[::-1]])
    assert rows[1] == data[::-1]
    assert rows[0] == bytes(
        ref.mul(3, a) ^ ref.mul(7, b) for a, b in zip(data, data[::-1], strict=True)
    )


def test_bad_input() -> None:
    with pytest.raises(errors.N3ValueError):
        gf256.inv(0)
    with pytest.raises(errors.N3ValueError):
        gf256.mul(256, 1)
    with pytest.raises(errors.N3TypeError):
        gf256.mul("1", 1)  # type: ignore[arg-type]
    with pytest.raises(errors.N3ValueError, match="unequal"):
        gf256.poly_eval([b"ab", b"abc"], 3)
    with pytest.raises(errors.N3ValueError):
        gf256.interpolate({1: b"a", 2: b"b"}, at=300)
    with pytest.raises(errors.N3ValueError):
        gf256.interpolate({})
    with pytest.raises(errors.N3ValueError):
        gf256.dot([[1, 2]], [b"a"])
    with pytest.raises(errors.N3TypeError):
        gf256.mul_bytes(2, "text")
