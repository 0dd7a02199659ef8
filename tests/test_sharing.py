"""Shamir (GF(2^8), prime fields), robust reconstruction, Feldman/Pedersen, refresh."""

from __future__ import annotations

import collections
import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors, gf256
from n3crypto.group import ORDER, Point, Scalar
from n3crypto.sharing import (
    Commitments,
    Share,
    combine,
    feldman_deal,
    pedersen_deal,
    refresh,
    refresh_apply,
    refresh_deal,
    refresh_verifiable,
    robust_combine,
    split,
)
from n3crypto.sharing._field import GF256, PrimeField, berlekamp_welch, lagrange_at
from n3crypto.sharing.shamir import SCHEME_PRIME, _deal_prime

P127 = 2**127 - 1


def _corrupt(s: Share, rng: random.Random) -> Share:
    if isinstance(s.value, bytes):
        pos = rng.randrange(len(s.value))
        v = bytearray(s.value)
        v[pos] ^= rng.randrange(1, 256)
        return Share(s.scheme, s.index, s.threshold, s.secret_id, bytes(v))
    return Share(
        s.scheme,
        s.index,
        s.threshold,
        s.secret_id,
        (s.value + 1 + rng.randrange(100)) % s.modulus,
        s.modulus,
        s.blinding,
    )


# ------------------------------------------------------------------ field helpers


def test_gf256_tables_match_c_core() -> None:
    for a in range(256):
        for b in (0, 1, 2, 0x53, 0xCA, 255, a):
            assert GF256.mul(a, b) == gf256.mul(a, b)
        if a:
            assert GF256.inv(a) == gf256.inv(a)


def test_lagrange_prime_field() -> None:
    f = PrimeField(101)
    coeffs = [5, 7, 11]
    xs = [3, 9, 40]
    ys = [(5 + 7 * x + 11 * x * x) % 101 for x in xs]
    lam = lagrange_at(f, xs, 0)
    assert sum(a * b for a, b in zip(lam, ys, strict=True)) % 101 == coeffs[0]


@settings(max_examples=40)
@given(st.data())
def test_berlekamp_welch_prime_random(data: st.DataObject) -> None:
    k = data.draw(st.integers(1, 5))
    n = data.draw(st.integers(k, k + 6))
    f = PrimeField(P127)
    coeffs = data.draw(st.lists(st.integers(0, P127 - 1), min_size=k, max_size=k))
    xs = list(range(1, n + 1))
    ys = [sum(c * pow(x, j, P127) for j, c in enumerate(coeffs)) % P127 for x in xs]
    e = data.draw(st.integers(0, (n - k) // 2))
    bad = data.draw(st.lists(st.sampled_from(range(n)), min_size=e, max_size=e, unique=True))
    for i in bad:
        ys[i] = (ys[i] + data.draw(st.integers(1, P127 - 1))) % P127
    assert berlekamp_welch(f, xs, ys, k) == coeffs


# ------------------------------------------------------------------ Shamir


@pytest.mark.parametrize("secret", [b"\x00", b"attack at dawn", bytes(range(256)) * 3])
def test_bytes_any_t_of_n(secret: bytes) -> None:
    shares = split(secret, 6, 3)
    for subset in itertools.combinations(shares, 3):
        assert combine(subset) == secret
    assert combine(shares) == secret


def test_empty_bytes_secret() -> None:
    assert combine(split(b"", 3, 2)[:2]) == b""


def test_scalar_and_prime_secrets() -> None:
    s = Scalar.random()
    out = combine(split(s, 5, 3)[2:])
    assert isinstance(out, Scalar) and out == s
    big = 2**520 + 12345
    assert combine(split(big, 4, 2, modulus=2**521 - 1)[1:3]) == big
    assert combine(split(7, 3, 1)[2:]) == 7


@settings(max_examples=30)
@given(st.binary(min_size=1, max_size=64), st.integers(1, 12), st.data())
def test_split_combine_property(secret: bytes, n: int, data: st.DataObject) -> None:
    t = data.draw(st.integers(1, n))
    shares = split(secret, n, t)
    subset = data.draw(st.permutations(shares)).copy()[:t]
    assert combine(subset) == secret


def test_t_minus_one_shares_reveal_nothing_small_field() -> None:
    """Over GF(17), t = 3: the distribution of any 2 shares is uniform and
    independent of the secret (exhaustive over all dealer polynomials)."""
    p, xs = 17, (2, 5)
    dists = []
    for secret in (0, 1, 9):
        counts: collections.Counter[tuple[int, int]] = collections.Counter()
        for a1 in range(p):
            for a2 in range(p):
                counts[tuple((secret + a1 * x + a2 * x * x) % p for x in xs)] += 1  # type: ignore[index]
        dists.append(counts)
    assert all(len(d) == p * p and set(d.values()) == {1} for d in dists)
    assert dists[0] == dists[1] == dists[2]


def test_t_minus_one_shares_statistical_gf256() -> None:
    """Empirical: the first byte of share 1 (t = 2) is uniform whatever the secret."""
    counts = collections.Counter(split(b"\x00", 3, 2)[0].value for _ in range(2560))
    assert len(counts) > 230 and max(counts.values()) < 30


def test_share_serialization_and_repr() -> None:
    for s in [*split(b"xyz", 3, 2), *split(5, 3, 2), *pedersen_deal(5, 3, 2)[0]]:
        blob = bytes(s)
        assert Share.from_bytes(blob) == s
        assert "redacted" in repr(s)
        with pytest.raises(errors.InvalidEncoding):
            Share.from_bytes(blob[:-1])
    with pytest.raises(errors.InvalidEncoding):
        Share.from_bytes(b"N3\x01\x0dsharing-share\x01" + b"\x00" * 3)


@pytest.mark.parametrize(
    ("n", "t", "exc"),
    [(3, 4, errors.N3ValueError), (3, 0, errors.N3ValueError), (256, 2, errors.N3ValueError)],
)
def test_bad_parameters(n: int, t: int, exc: type[Exception]) -> None:
    with pytest.raises(exc):
        split(b"k", n, t)


def test_bad_inputs() -> None:
    with pytest.raises(errors.N3TypeError):
        split(1.5, 3, 2)  # type: ignore[arg-type]
    with pytest.raises(errors.N3TypeError):
        split(True, 3, 2)
    with pytest.raises(errors.N3ValueError):
        split(5, 3, 2, modulus=15)  # not prime
    with pytest.raises(errors.N3ValueError):
        split(200, 3, 2, modulus=101)  # secret ≥ modulus
    with pytest.raises(errors.N3ValueError):
        split(b"k", 3, 2, modulus=101)
    a = split(b"secret", 4, 2)
    b = split(b"secret", 4, 2)
    with pytest.raises(errors.N3ValueError, match="different secrets"):
        combine([a[0], b[1]])
    with pytest.raises(errors.N3ValueError, match="duplicate"):
        combine([a[0], a[0]])
    with pytest.raises(errors.InsufficientShares):
        combine(a[:1])
    with pytest.raises(errors.InsufficientShares):
        combine([])
    with pytest.raises(errors.N3TypeError):
        combine([b"not a share"])  # type: ignore[list-item]
    with pytest.raises(errors.N3ValueError):
        Share("gf256", 0, 2, bytes(16), b"x")


def test_combine_detects_inconsistent_extra_shares() -> None:
    shares = split(b"consistency", 5, 3)
    shares[4] = _corrupt(shares[4], random.Random(1))
    with pytest.raises(errors.IntegrityError):
        combine(shares)
    assert combine(shares[:3]) == b"consistency"


# ------------------------------------------------------------------ robust


@pytest.mark.parametrize(("n", "t"), [(7, 3), (10, 6), (5, 1), (9, 4)])
@pytest.mark.parametrize("kind", ["bytes", "prime", "scalar"])
def test_robust_corrects_up_to_bound(n: int, t: int, kind: str) -> None:
    rng = random.Random(n * 100 + t)
    secret: object = {
        "bytes": b"0123456789abcdef" * 2,
        "prime": 424242,
        "scalar": Scalar.from_int(9),
    }[kind]
    for e in range((n - t) // 2 + 1):
        shares = split(secret, n, t, **({"modulus": P127} if kind == "prime" else {}))  # type: ignore[arg-type]
        bad = rng.sample(range(n), e)
        for i in bad:
            shares[i] = _corrupt(shares[i], rng)
        rng.shuffle(shares)
        got, named = robust_combine(shares)
        assert got == secret
        assert named == sorted(i + 1 for i in bad)


def test_robust_too_many_errors_raises() -> None:
    rng = random.Random(5)
    shares = split(b"too many", 7, 3)
    for i in range(3):
        shares[i] = _corrupt(shares[i], rng)
    with pytest.raises(errors.DecodeError):
        robust_combine(shares)
    p = split(77, 7, 3)
    for i in range(3):
        p[i] = _corrupt(p[i], rng)
    with pytest.raises(errors.DecodeError):
        robust_combine(p)


def test_robust_bad_bytes_in_different_positions() -> None:
    """Two bad shares corrupted in disjoint byte positions (forces the
    per-position path if the random combination ever hides one)."""
    shares = split(bytes(40), 9, 3)
    for i, pos in ((2, 0), (6, 39)):
        v = bytearray(shares[i].value)
        v[pos] ^= 1
        s = shares[i]
        shares[i] = Share(s.scheme, s.index, 3, s.secret_id, bytes(v))
    for _ in range(20):
        assert robust_combine(shares) == (bytes(40), [3, 7])


@settings(max_examples=25)
@given(st.data())
def test_robust_property(data: st.DataObject) -> None:
    t = data.draw(st.integers(1, 5))
    n = data.draw(st.integers(t, t + 7))
    secret = data.draw(st.binary(min_size=1, max_size=24))
    shares = split(secret, n, t)
    e = data.draw(st.integers(0, (n - t) // 2))
    bad = data.draw(st.lists(st.sampled_from(range(n)), min_size=e, max_size=e, unique=True))
    rng = random.Random(data.draw(st.integers(0, 1000)))
    for i in bad:
        shares[i] = _corrupt(shares[i], rng)
    assert robust_combine(shares) == (secret, sorted(i + 1 for i in bad))


def test_robust_input_errors() -> None:
    a, b = split(b"x", 5, 2), split(b"x", 5, 2)
    with pytest.raises(errors.N3ValueError):
        robust_combine([a[0], a[1], b[2]])
    with pytest.raises(errors.InsufficientShares):
        robust_combine(a[:1])


# ------------------------------------------------------------------ VSS


def test_feldman_verify_and_forgeries() -> None:
    s = Scalar.random()
    shares, comm = feldman_deal(s, 5, 3)
    assert comm.public_key == s * Point.base()
    assert comm.verify_all(shares) == []
    assert combine(shares[1:4]) == s
    forged = _corrupt(shares[2], random.Random(1))
    with pytest.raises(errors.ProofError):
        comm.verify(forged)
    assert comm.verify_all([shares[0], forged]) == [3]
    # right value, wrong index
    moved = Share(forged.scheme, 4, 3, forged.secret_id, shares[2].value, ORDER)
    with pytest.raises(errors.ProofError):
        comm.verify(moved)
    other, _ = feldman_deal(s, 5, 3)
    with pytest.raises(errors.ProofError, match="does not belong"):
        comm.verify(other[0])
    assert Commitments.from_bytes(bytes(comm)) == comm


def test_pedersen_verify_and_forgeries() -> None:
    shares, comm = pedersen_deal(12345, 4, 2)
    assert comm.verify_all(shares) == []
    assert int(combine(shares[:2])) == 12345
    # Commitments hide the secret: C_0 ≠ secret·B
    assert comm.public_key != Scalar.from_int(12345) * Point.base()
    s = shares[1]
    with pytest.raises(errors.ProofError):
        comm.verify(Share(s.scheme, s.index, 2, s.secret_id, s.value, ORDER, (s.blinding or 0) + 1))
    with pytest.raises(errors.ProofError):
        comm.verify(
            Share(s.scheme, s.index, 2, s.secret_id, (int(s.value) + 1) % ORDER, ORDER, s.blinding)
        )
    with pytest.raises(errors.ProofError):
        comm.verify(Share(s.scheme, s.index, 2, s.secret_id, s.value, ORDER))
    fc = Commitments("feldman", s.secret_id, comm.points)
    with pytest.raises(errors.ProofError):
        fc.verify(s)  # a blinded share against Feldman commitments
    assert Commitments.from_bytes(bytes(comm)) == comm
    with pytest.raises(errors.InvalidEncoding):
        Commitments.from_bytes(bytes(comm)[:-1])


def test_vss_bad_parameters() -> None:
    with pytest.raises(errors.N3ValueError):
        feldman_deal(1, 2, 3)
    with pytest.raises(errors.N3ValueError):
        pedersen_deal(ORDER, 3, 2)
    with pytest.raises(errors.N3TypeError):
        feldman_deal(b"x", 3, 2)  # type: ignore[arg-type]


# ------------------------------------------------------------------ refresh


@pytest.mark.parametrize("secret", [b"refresh me please", 99, Scalar.from_int(3)])
def test_refresh_keeps_secret_and_blocks_mixing(secret: object) -> None:
    old = split(secret, 5, 3)  # type: ignore[arg-type]
    new = refresh(old)
    assert combine(new[2:]) == secret
    assert all(a.value != b.value for a, b in zip(old, new, strict=True))
    with pytest.raises(errors.N3ValueError, match="different secrets"):
        combine([old[0], old[1], new[2]])
    # Relabelled by hand (same id), the mix gives garbage, not the secret.
    forged = [
        Share(s.scheme, s.index, s.threshold, new[0].secret_id, s.value, s.modulus) for s in old[:2]
    ]
    assert combine([*forged, new[2]]) != secret


def test_refresh_verifiable() -> None:
    s = Scalar.random()
    for deal in (feldman_deal, pedersen_deal):
        shares, comm = deal(s, 5, 3)
        new, comm2 = refresh_verifiable(shares, comm)
        assert comm2.verify_all(new) == []
        assert combine(new[:3]) == s
        with pytest.raises(errors.ProofError):
            comm2.verify(shares[0])
        if deal is feldman_deal:
            assert comm2.public_key == comm.public_key
    with pytest.raises(errors.N3ValueError, match="refresh_verifiable"):
        refresh(pedersen_deal(1, 3, 2)[0])


def test_prime_field_dealing_polynomial_degree() -> None:
    shares, coeffs = _deal_prime(5, 6, 3, 101, SCHEME_PRIME)
    assert len(coeffs) == 3 and coeffs[0] == 5
    assert [s.value for s in shares] == [
        sum(c * x**j for j, c in enumerate(coeffs)) % 101 for x in range(1, 7)
    ]


def test_json_round_trips() -> None:
    for s in [*split(b"json", 3, 2), *split(5, 3, 2), *pedersen_deal(5, 3, 2)[0]]:
        assert Share.from_json(s.to_json()) == s
    _, comm = pedersen_deal(5, 3, 2)
    assert Commitments.from_json(comm.to_json()) == comm
    for bad in ('{"kind":"sharing-share","version":1}', "[]", "nope"):
        with pytest.raises(errors.InvalidEncoding):
            Share.from_json(bad)
    text = split(b"json", 3, 2)[0].to_json().replace('"index":1', '"index":true')
    with pytest.raises(errors.InvalidEncoding):
        Share.from_json(text)
    with pytest.raises(errors.InvalidEncoding):
        Commitments.from_json(comm.to_json().replace('"points":[', '"points":["zz",'))


@pytest.mark.parametrize("deal", [feldman_deal, pedersen_deal])
def test_dealer_free_refresh(deal: object) -> None:
    secret = Scalar.random()
    shares, comm = deal(secret, 5, 3)  # type: ignore[operator]
    idx = [s.index for s in shares]
    contribs = [refresh_deal(comm, idx) for _ in shares]
    results = [
        refresh_apply(s, comm, [(u[s.index - 1], c) for u, c in reversed(contribs)])
        if s.index % 2
        else refresh_apply(s, comm, [(u[s.index - 1], c) for u, c in contribs])
        for s in shares
    ]
    new_comm = results[0][1]
    assert all(c == new_comm for _, c in results)  # same id and commitments for all
    new = [s for s, _ in results]
    assert new_comm.verify_all(new) == []
    assert combine(new[1:4]) == secret
    if deal is feldman_deal:
        assert new_comm.public_key == comm.public_key
    with pytest.raises(errors.N3ValueError, match="different secrets"):
        combine([shares[0], new[1], new[2]])
    # a contribution that is not a sharing of zero is refused
    bad_shares, bad_comm = deal(Scalar.from_int(1), 5, 3)  # type: ignore[operator]
    with pytest.raises(errors.ProofError, match="sharing of zero"):
        refresh_apply(shares[0], comm, [(bad_shares[0], bad_comm)])
    # a wrong update share is refused
    u, c = contribs[0]
    with pytest.raises(errors.ProofError, match="does not match"):
        refresh_apply(shares[0], comm, [(_corrupt(u[0], random.Random(2)), c)])
    with pytest.raises(errors.ProofError, match="holder"):
        refresh_apply(shares[0], comm, [(u[1], c)])
    with pytest.raises(errors.N3ValueError):
        refresh_apply(shares[0], comm, [])
