"""Interchange with python-paillier (phe): keys, ciphertexts and encodings."""

from __future__ import annotations

import pathlib

import phe
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.paillier import (
    EncodedNumber,
    EncryptedNumber,
    PaillierOverflowError,
    PaillierPrivateKey,
    PaillierPublicKey,
)

VECTORS = pathlib.Path(__file__).parent / "vectors"
PRIV = PaillierPrivateKey.from_json(
    (VECTORS / "paillier_1024_INSECURE_test_key.json").read_text(), allow_insecure_size=True
)
PUB = PRIV.public_key
PHE_PUB = PUB.to_phe()
PHE_PRIV = PRIV.to_phe()


def test_key_conversion_both_ways() -> None:
    assert isinstance(PHE_PUB, phe.PaillierPublicKey) and PHE_PUB.n == PUB.n
    assert isinstance(PHE_PRIV, phe.PaillierPrivateKey)
    back = PaillierPublicKey.from_phe(PHE_PUB, allow_insecure_size=True)
    assert back.n == PUB.n and not back.supports_fast  # phe has no DJN base
    priv_back = PaillierPrivateKey.from_phe(PHE_PRIV, allow_insecure_size=True)
    assert priv_back.p == PRIV.p and priv_back.q == PRIV.q
    with pytest.raises(errors.InvalidKey, match="insecure"):
        PaillierPublicKey.from_phe(PHE_PUB)
    with pytest.raises(errors.N3TypeError):
        PaillierPublicKey.from_phe(object())
    with pytest.raises(errors.N3TypeError):
        PaillierPrivateKey.from_phe(object())


def test_phe_generated_key_imports() -> None:
    pk, sk = phe.generate_paillier_keypair(n_length=512)
    priv = PaillierPrivateKey.from_phe(sk, allow_insecure_size=True)
    c = pk.encrypt(-77)
    assert priv.decrypt(EncryptedNumber.from_phe(c, priv.public_key)) == -77
    assert sk.decrypt(priv.public_key.encrypt(31).to_phe(pk)) == 31


@pytest.mark.parametrize("value", [0, 5, -5, 2**200, -(2**200), 3.14159, -2.5e-3, 1e20])
def test_phe_ciphertexts_decrypt_here(value: float) -> None:
    c = PHE_PUB.encrypt(value)
    mine = EncryptedNumber.from_phe(c, PUB)
    got = PRIV.decrypt(mine)
    assert got == PHE_PRIV.decrypt(c)
    assert type(got) is type(PHE_PRIV.decrypt(c))


@pytest.mark.parametrize("mode", ["standard", "fast"])
@pytest.mark.parametrize("value", [0, 5, -5, 2**200, 3.14159, -2.5e-3])
def test_our_ciphertexts_decrypt_in_phe(mode: str, value: float) -> None:
    c = PUB.encrypt(value, mode=mode)  # type: ignore[arg-type]
    assert PHE_PRIV.decrypt(c.to_phe()) == PRIV.decrypt(c)
    assert PHE_PRIV.decrypt(c.to_phe(PHE_PUB)) == value


def test_phe_numbers_summed_here() -> None:
    values = list(range(-50, 150, 3))
    phe_cs = [PHE_PUB.encrypt(v) for v in values]
    mine = [EncryptedNumber.from_phe(c, PUB, bound=1000) for c in phe_cs]
    total = PUB.sum(mine)
    assert PRIV.decrypt(total) == sum(values)
    assert PHE_PRIV.decrypt(total.to_phe()) == sum(values)
    # phe sums and ours agree ciphertext for ciphertext before re-randomization
    assert PRIV.decrypt(EncryptedNumber.from_phe(sum(phe_cs), PUB)) == sum(values)


def test_phe_number_without_bound_refuses_arithmetic() -> None:
    c = EncryptedNumber.from_phe(PHE_PUB.encrypt(1), PUB)
    assert c.bound == PUB.max_int and PRIV.decrypt(c) == 1
    with pytest.raises(PaillierOverflowError):
        c + c
    with pytest.raises(errors.InvalidKey):
        EncryptedNumber.from_phe(PHE_PUB.encrypt(1), PRIV2_PUB)
    with pytest.raises(errors.N3TypeError):
        EncryptedNumber.from_phe(5, PUB)


PRIV2_PUB = PaillierPrivateKey.from_json(
    (VECTORS / "paillier_512_INSECURE_test_key.json").read_text(), allow_insecure_size=True
).public_key


@settings(max_examples=40)
@given(
    x=st.one_of(
        st.integers(min_value=-(2**300), max_value=2**300),
        st.floats(allow_nan=False, allow_infinity=False, min_value=-1e30, max_value=1e30),
    ),
    precision=st.sampled_from([None, 1e-3, 0.5, 16.0]),
)
def test_encoding_matches_phe(x: float, precision: float | None) -> None:
    ours = EncodedNumber.encode(int(PUB.n), x, precision)
    theirs = phe.EncodedNumber.encode(PHE_PUB, x, precision)
    assert (ours.encoding, ours.exponent) == (theirs.encoding, theirs.exponent)
    assert ours.decode() == theirs.decode()
