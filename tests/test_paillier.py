"""n3crypto.paillier: keys, encryption, homomorphic laws, bounds, wire formats."""

from __future__ import annotations

import json
import os
import pathlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import envelope, errors
from n3crypto.paillier import (
    EncodedNumber,
    EncryptedNumber,
    PaillierOverflowError,
    PaillierPrivateKey,
    PaillierPublicKey,
    RandomnessPool,
    generate_keypair,
)
from n3crypto.paillier._arith import FixedBaseTable, is_probable_prime, jacobi, multi_exp
from n3crypto.paillier.serialize import (
    decrypt_private_key,
    encrypt_private_key,
    load_private_key,
    save_private_key,
)

VECTORS = pathlib.Path(__file__).parent / "vectors"


def load_key(bits: int) -> PaillierPrivateKey:
    text = (VECTORS / f"paillier_{bits}_INSECURE_test_key.json").read_text()
    return PaillierPrivateKey.from_json(text, allow_insecure_size=True)


PRIV = load_key(512)
PUB = PRIV.public_key
PRIV2 = load_key(1024)
PUB2 = PRIV2.public_key
MODES = ["standard", "fast"]
small_ints = st.integers(min_value=-(2**60), max_value=2**60)


# ------------------------------------------------------------------ keys


def test_generate_keypair_structure() -> None:
    seen: list[tuple[str, int]] = []
    pub, priv = generate_keypair(
        512, allow_insecure_size=True, progress=lambda s, k: seen.append((s, k))
    )
    assert pub.bits == 512
    p, q = int(priv.p), int(priv.q)
    assert p.bit_length() == q.bit_length() == 256
    for x in (p, q):
        assert x % 4 == 3
        assert is_probable_prime(x) and is_probable_prime((x - 1) // 2)  # safe primes
    assert {s for s, _ in seen} >= {"p", "q", "h"}
    assert pub.supports_fast and jacobi(int(pub.h), int(pub.n)) == 1
    assert pub.hs == pow(int(pub.h), int(pub.n), int(pub.nsquare))


def test_generate_keypair_blum_primes() -> None:
    pub, priv = generate_keypair(512, allow_insecure_size=True, safe_primes=False)
    assert int(priv.p) % 4 == 3 and int(priv.q) % 4 == 3
    assert priv.decrypt(pub.encrypt(-5, mode="fast")) == -5


def test_key_size_policy() -> None:
    with pytest.raises(errors.InvalidKey, match="insecure"):
        generate_keypair(1024)
    with pytest.raises(errors.N3ValueError):
        generate_keypair(256, allow_insecure_size=True)
    with pytest.raises(errors.N3ValueError):
        generate_keypair(1023, allow_insecure_size=True)
    with pytest.raises(errors.InvalidKey, match="insecure"):
        PaillierPublicKey(int(PUB.n))
    with pytest.raises(errors.N3TypeError):
        generate_keypair("2048")  # type: ignore[arg-type]


def test_public_key_validation() -> None:
    n = int(PUB.n)
    with pytest.raises(errors.InvalidKey, match="small factor"):
        PaillierPublicKey(n * 3, allow_insecure_size=True)
    big_prime = 2**521 - 1  # a Mersenne prime
    with pytest.raises(errors.InvalidKey, match="prime"):
        PaillierPublicKey(big_prime, allow_insecure_size=True)
    with pytest.raises(errors.InvalidKey):
        PaillierPublicKey(n, h=1, allow_insecure_size=True)
    nonres = next(x for x in range(2, 1000) if jacobi(x, n) == -1)
    with pytest.raises(errors.InvalidKey, match="Jacobi"):
        PaillierPublicKey(n, h=nonres, allow_insecure_size=True)
    with pytest.raises(errors.N3TypeError):
        PaillierPublicKey(float(n), allow_insecure_size=True)  # type: ignore[arg-type]


def test_private_key_validation() -> None:
    p, q = int(PRIV.p), int(PRIV.q)
    with pytest.raises(errors.InvalidKey):
        PaillierPrivateKey(PUB, p, q + 2)
    with pytest.raises(errors.InvalidKey):
        PaillierPrivateKey(PUB, p, p)
    assert PaillierPrivateKey(PUB, q, p) == PRIV  # order does not matter


def test_private_key_refuses_pickle() -> None:
    import copy
    import pickle

    with pytest.raises(errors.N3TypeError, match="picklable"):
        pickle.dumps(PRIV)
    with pytest.raises(errors.N3TypeError):
        copy.deepcopy(PRIV)


def test_reprs_hold_no_secrets() -> None:
    for text in (repr(PRIV), str(PRIV), repr(PUB), repr(PUB.encrypt(7))):
        assert str(int(PRIV.p)) not in text and hex(int(PRIV.p))[2:12] not in text
    assert "PaillierPrivateKey" in repr(PRIV)


# ------------------------------------------------------------------ encryption


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("value", [0, 1, -1, 12345, -(2**200), 2**100])
def test_roundtrip(mode: str, value: int) -> None:
    c = PUB.encrypt(value, mode=mode)  # type: ignore[arg-type]
    assert c.mode == mode
    assert PRIV.decrypt(c) == value
    assert PRIV.decrypt(c, strict=True) == value


def test_roundtrip_limits() -> None:
    mx = PUB.max_int
    assert PRIV.decrypt(PUB.encrypt(mx)) == mx
    assert PRIV.decrypt(PUB.encrypt(-mx, mode="fast")) == -mx
    with pytest.raises(errors.N3ValueError):
        PUB.encrypt(mx + 1)
    with pytest.raises(errors.N3TypeError):
        PUB.encrypt(True)
    with pytest.raises(errors.N3TypeError):
        PUB.encrypt("5")  # type: ignore[arg-type]
    with pytest.raises(errors.N3ValueError):
        PUB.encrypt(float("nan"))
    with pytest.raises(errors.N3ValueError):
        PUB.encrypt(5, mode="quick")  # type: ignore[arg-type]


def test_short_exponent_opt_in() -> None:
    c = PUB.encrypt(99, mode="fast", short_exponent=True)
    assert PRIV.decrypt(c) == 99
    assert PUB.short_exponent_bits == 256 and PUB2.fast_exponent_bits == 512
    with pytest.raises(errors.N3ValueError):
        PUB.encrypt(1, mode="standard", short_exponent=True)


def test_fast_mode_needs_h() -> None:
    plain = PaillierPublicKey(int(PUB.n), allow_insecure_size=True)
    with pytest.raises(errors.N3ValueError, match="no DJN base"):
        plain.encrypt(1, mode="fast")


def test_modes_are_distinguishable_so_never_mixed() -> None:
    n = int(PUB.n)
    fast = {jacobi(PUB.encrypt(0, mode="fast").ciphertext() % n, n) for _ in range(24)}
    std = {jacobi(PUB.encrypt(0).ciphertext() % n, n) for _ in range(24)}
    assert fast == {1} and std == {1, -1}
    with pytest.raises(errors.N3ValueError, match="mix"):
        PUB.encrypt(1) + PUB.encrypt(1, mode="fast")
    with pytest.raises(errors.N3ValueError, match="mix"):
        PUB.sum([PUB.encrypt(1), PUB.encrypt(1, mode="fast")])


@pytest.mark.parametrize("mode", MODES)
def test_key_holder_encryption(mode: str) -> None:
    for v in (0, 7, -7, 2**90):
        assert PRIV.decrypt(PRIV.encrypt(v, mode=mode)) == v  # type: ignore[arg-type]
    assert PRIV2.decrypt(PRIV2.encrypt(-3.25)) == -3.25


def test_fixed_base_table_and_multi_exp() -> None:
    mod = int(PUB.nsquare)
    for window in (4, 8):
        t = FixedBaseTable(12345, mod, window=window)
        for e in (0, 1, 255, 256, 2**300 + 17, 2**777 - 1):
            assert t.pow(e) == pow(12345, e, mod)
    pairs = [(3, 2**64 - 1), (5, 0), (7, 12345), (11, 2**130 + 3)]
    want = 1
    for b, e in pairs:
        want = want * pow(b, e, mod) % mod
    assert multi_exp(pairs, mod) == want
    import random

    rng = random.Random(5)
    many = [(rng.randrange(1, mod), rng.getrandbits(rng.choice([1, 64, 200]))) for _ in range(80)]
    want = 1
    for b, e in many:
        want = want * pow(b, e, mod) % mod
    assert multi_exp(many, mod) == want  # Pippenger path
    with pytest.raises(errors.N3ValueError):
        t.pow(-1)


# ------------------------------------------------------------------ homomorphic laws


@settings(max_examples=25)
@given(a=small_ints, b=small_ints, mode=st.sampled_from(MODES))
def test_add_ciphertexts(a: int, b: int, mode: str) -> None:
    ca, cb = PUB.encrypt(a, mode=mode), PUB.encrypt(b, mode=mode)  # type: ignore[arg-type]
    assert PRIV.decrypt(ca + cb) == a + b
    assert PRIV.decrypt(ca - cb) == a - b
    assert PRIV.decrypt(-ca) == -a


@settings(max_examples=25)
@given(a=small_ints, k=st.integers(min_value=-(2**40), max_value=2**40))
def test_plaintext_ops(a: int, k: int) -> None:
    c = PUB.encrypt(a, mode="fast")
    assert PRIV.decrypt(c + k) == a + k
    assert PRIV.decrypt(k + c) == a + k
    assert PRIV.decrypt(c - k) == a - k
    assert PRIV.decrypt(k - c) == k - a
    assert PRIV.decrypt(c * k) == a * k
    assert PRIV.decrypt(k * c) == a * k


reasonable_floats = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False).filter(
    lambda v: v == 0 or abs(v) > 1e-6
)


@settings(max_examples=20)
@given(x=reasonable_floats, y=reasonable_floats)
def test_float_laws(x: float, y: float) -> None:
    cx, cy = PRIV2.public_key.encrypt(x), PRIV2.public_key.encrypt(y)
    assert PRIV2.decrypt(cx + cy) == pytest.approx(x + y, rel=1e-9, abs=1e-9)
    assert PRIV2.decrypt(cx * 2.5) == pytest.approx(x * 2.5, rel=1e-9, abs=1e-9)
    assert PRIV2.decrypt(cx + 0.5) == pytest.approx(x + 0.5, rel=1e-9, abs=1e-9)
    assert PRIV2.decrypt(cx / 4) == pytest.approx(x / 4, rel=1e-9, abs=1e-9)


def test_float_alignment_refuses_to_overflow() -> None:
    # 1e6 and 1e-300 need exponents 270 hex digits apart: the aligned mantissa
    # would not fit, so the addition is refused instead of wrapping (phe wraps).
    with pytest.raises(PaillierOverflowError):
        PUB2.encrypt(1e6) + PUB2.encrypt(1e-300)


@settings(max_examples=10)
@given(values=st.lists(st.integers(min_value=-1000, max_value=1000), min_size=1, max_size=40))
def test_sum_many(values: list[int]) -> None:
    cs = [PUB.encrypt(v, mode="fast", bound=1000) for v in values]
    assert PRIV.decrypt(PUB.sum(cs)) == sum(values)
    assert PRIV.decrypt(sum(cs)) == sum(values)  # builtin sum via __radd__(0)
    assert PUB.sum(cs).bound == 1000 * len(values)
    assert PRIV.decrypt(EncryptedNumber.sum(cs)) == sum(values)


def test_sum_rejects_mismatched_exponents_and_types() -> None:
    with pytest.raises(errors.N3ValueError, match="exponent"):
        PUB.sum([PUB.encrypt(1), PUB.encrypt(0.5)])
    with pytest.raises(errors.N3TypeError):
        PUB.sum([1, 2])  # type: ignore[list-item]
    assert PRIV.decrypt(PUB.sum([])) == 0


def test_rerandomize() -> None:
    c = PUB.encrypt(5, mode="fast")
    d = c.rerandomize()
    assert d.ciphertext() != c.ciphertext() and PRIV.decrypt(d) == 5
    # plaintext operations are re-randomized before the ciphertext leaves
    e = c + 1
    raw = e._c
    assert e.ciphertext() != raw and PRIV.decrypt(e) == 6


def test_ciphertext_times_ciphertext_refused() -> None:
    with pytest.raises(errors.N3TypeError):
        PUB.encrypt(2) * PUB.encrypt(3)


# ------------------------------------------------------------------ bounds


def test_overflow_is_impossible_not_detected() -> None:
    mx = PUB.max_int
    big = PUB.encrypt(mx // 2 + 1, bound=mx // 2 + 1)
    with pytest.raises(PaillierOverflowError):
        big + big
    with pytest.raises(PaillierOverflowError):
        big * 3
    with pytest.raises(PaillierOverflowError):
        big + (mx // 2 + 1)
    assert isinstance(PaillierOverflowError("x"), OverflowError | errors.N3ValueError)
    c = PUB.encrypt(1, bound=2**40)
    total = c
    for _ in range(10):
        total = total + total
    assert total.bound == 2**50 and PRIV.decrypt(total) == 2**10
    with pytest.raises(errors.N3ValueError, match="bound"):
        PUB.encrypt(10, bound=5)
    with pytest.raises(PaillierOverflowError):
        PUB.encrypt(1, bound=mx + 1)


def test_default_bound_reveals_only_size_class() -> None:
    assert PUB.encrypt(3).bound == PUB.encrypt(2**63).bound == 2**64 - 1
    assert PUB.encrypt(2**64).bound == 2**128 - 1


def test_untrusted_bound_is_checked_on_decrypt() -> None:
    honest = PUB.encrypt(2**100, bound=2**100)
    blob = honest.to_bytes()
    # Rewrite the claimed bound to 10: decryption must notice.
    forged = EncryptedNumber(PUB, honest.ciphertext(), 0, bound=10)
    with pytest.raises(errors.InvalidEncoding, match="bound"):
        PRIV.decrypt(forged)
    assert PRIV.decrypt(EncryptedNumber.from_bytes(PUB, blob)) == 2**100


# ------------------------------------------------------------------ encoding


def test_encoded_number() -> None:
    n = int(PUB.n)
    e = EncodedNumber.encode(n, -2.5)
    assert e.decode() == -2.5 and e.mantissa < 0
    assert e.decrease_exponent_to(e.exponent - 2).decode() == -2.5
    with pytest.raises(errors.N3ValueError):
        e.decrease_exponent_to(e.exponent + 1)
    assert EncodedNumber.encode(n, 1.0, precision=1e-3).exponent == -3
    assert EncodedNumber.encode(n, 100, max_exponent=-1).decode() == 100.0
    with pytest.raises(errors.InvalidEncoding):
        EncodedNumber(n, n // 2, 0).mantissa  # noqa: B018 - overflow band
    with pytest.raises(errors.N3TypeError):
        EncodedNumber.encode(n, [1])  # type: ignore[arg-type]


# ------------------------------------------------------------------ wire formats


def test_key_serialization_roundtrip() -> None:
    for pub, priv in ((PUB, PRIV), (PUB2, PRIV2)):
        assert PaillierPublicKey.from_bytes(pub.to_bytes(), allow_insecure_size=True) == pub
        assert PaillierPublicKey.from_json(pub.to_json(), allow_insecure_size=True) == pub
        assert PaillierPrivateKey.from_bytes(priv.to_bytes(), allow_insecure_size=True) == priv
        assert PaillierPrivateKey.from_json(priv.to_json(), allow_insecure_size=True) == priv
    obj = json.loads(PUB.to_json())
    assert obj["kind"] == "paillier-public-key" and obj["version"] == 1
    assert isinstance(obj["n"], str)
    with pytest.raises(errors.InvalidKey, match="insecure"):
        PaillierPublicKey.from_bytes(PUB.to_bytes())


@pytest.mark.parametrize("mode", MODES)
def test_ciphertext_serialization_roundtrip(mode: str) -> None:
    c = PUB.encrypt(-42, mode=mode, bound=1000)  # type: ignore[arg-type]
    for back in (
        EncryptedNumber.from_bytes(PUB, c.to_bytes()),
        EncryptedNumber.from_json(PUB, c.to_json()),
    ):
        assert back.mode == mode and back.bound == 1000 and PRIV.decrypt(back) == -42
    f = PUB.encrypt(1.5)
    assert PRIV.decrypt(EncryptedNumber.from_json(PUB, f.to_json())) == 1.5


def test_bad_ciphertexts_raise_clear_errors() -> None:
    n2 = int(PUB.nsquare)
    with pytest.raises(errors.InvalidEncoding, match="n²"):
        EncryptedNumber(PUB, n2)
    with pytest.raises(errors.InvalidEncoding, match="n²"):
        EncryptedNumber(PUB, 0)
    with pytest.raises(errors.InvalidEncoding, match="unit"):
        EncryptedNumber(PUB, int(PRIV.p))
    with pytest.raises(errors.N3TypeError):
        EncryptedNumber(PUB, "123")  # type: ignore[arg-type]
    with pytest.raises(errors.N3TypeError):
        EncryptedNumber("key", 5)  # type: ignore[arg-type]
    with pytest.raises(errors.InvalidEncoding):
        PRIV.raw_decrypt(n2 + 1)
    c = PUB.encrypt(3)
    # under another key
    with pytest.raises(errors.InvalidKey):
        EncryptedNumber.from_bytes(PUB2, c.to_bytes())
    with pytest.raises(errors.InvalidKey):
        EncryptedNumber.from_json(PUB2, c.to_json())
    with pytest.raises(errors.InvalidKey):
        PRIV2.decrypt(c)
    with pytest.raises(errors.InvalidKey):
        c + PUB2.encrypt(3)
    # malformed wire data
    blob = c.to_bytes()
    for bad in (blob[:-1], blob + b"\x00", b"XX" + blob[2:], b""):
        with pytest.raises(errors.InvalidEncoding):
            EncryptedNumber.from_bytes(PUB, bad)
    with pytest.raises(errors.InvalidEncoding, match="expected"):
        EncryptedNumber.from_bytes(PUB, envelope.pack("paillier-public-key", 1, b""))
    with pytest.raises(errors.N3TypeError):
        EncryptedNumber.from_bytes(PUB, "text")  # type: ignore[arg-type]
    good = json.loads(c.to_json())
    for mutate in (
        lambda o: o.update(ciphertext=int(o["ciphertext"])),
        lambda o: o.update(ciphertext="0x12"),
        lambda o: o.update(ciphertext="007"),
        lambda o: o.update(ciphertext=str(n2)),
        lambda o: o.update(bound="-1"),
        lambda o: o.update(version=2),
        lambda o: o.update(kind="paillier-public-key"),
        lambda o: o.update(extra=1),
        lambda o: o.pop("mode"),
        lambda o: o.update(mode="turbo"),
        lambda o: o.update(exponent="0"),
    ):
        obj = dict(good)
        mutate(obj)
        with pytest.raises(errors.N3CryptoError):
            EncryptedNumber.from_json(PUB, json.dumps(obj))
    for text in ("{", "[]", "null", '{"kind": "paillier-ciphertext"}', "1e999999"):
        with pytest.raises(errors.InvalidEncoding):
            EncryptedNumber.from_json(PUB, text)


def test_sealed_private_key(tmp_path: pathlib.Path) -> None:
    blob = encrypt_private_key(PRIV, b"pass phrase", scrypt_n=2**10)
    assert str(int(PRIV.p)).encode() not in blob
    assert decrypt_private_key(blob, b"pass phrase", allow_insecure_size=True) == PRIV
    with pytest.raises(errors.IntegrityError):
        decrypt_private_key(blob, b"pass phrasf", allow_insecure_size=True)
    with pytest.raises(errors.IntegrityError):
        decrypt_private_key(blob[:-1] + bytes([blob[-1] ^ 1]), b"pass phrase")
    path = tmp_path / "committee.key"
    save_private_key(path, PRIV, b"pw")
    assert (path.stat().st_mode & 0o777) == 0o600
    assert load_private_key(path, b"pw", allow_insecure_size=True) == PRIV


# ------------------------------------------------------------------ randomness pool


@pytest.mark.parametrize("mode", MODES)
def test_pool_hands_out_each_entry_once(mode: str) -> None:
    with RandomnessPool(PUB, mode, size=6, background=False) as pool:
        assert pool.fill() == 6
        cs = [PUB.encrypt(i, mode=mode) for i in range(8)]  # type: ignore[arg-type]
        assert pool.available == 0
    assert [PRIV.decrypt(c) for c in cs] == list(range(8))
    assert len({c.ciphertext() for c in cs}) == 8


def test_pool_background_fill() -> None:
    with RandomnessPool(PUB, "fast", size=4) as pool:
        import time

        deadline = time.monotonic() + 10
        while pool.available < 4 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert pool.available == 4
        assert PRIV.decrypt(PUB.encrypt(9, mode="fast")) == 9


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_pool_is_discarded_in_forked_child() -> None:
    with RandomnessPool(PUB, "fast", size=5, background=False) as pool:
        pool.fill()
        r, w = os.pipe()
        table = PUB.table()
        table._lock.acquire()  # as if another thread were growing the table
        try:
            pid = os.fork()
        finally:
            if pid != 0:
                table._lock.release()
        if pid == 0:  # child
            import signal

            signal.alarm(20)  # never hang the suite
            os.close(r)
            ok = pool.available == 0
            c = PUB.encrypt(1, mode="fast")  # computed fresh, not from the pool
            table.ensure(table.bits + 64)  # needs the (fresh) lock
            ok = ok and pool.available == 0 and c is not None
            os.write(w, b"1" if ok else b"0")
            os._exit(0)
        os.close(w)
        got = os.read(r, 1)
        os.waitpid(pid, 0)
        os.close(r)
        assert got == b"1"
        assert pool.available == 5  # the parent keeps its entries


def test_threads_share_one_table() -> None:
    """Encryption from many threads: the fixed-base table is built once and
    every result decrypts (cffi-free, but the table is shared state)."""
    import threading

    pub, priv = generate_keypair(512, allow_insecure_size=True)
    results: dict[int, EncryptedNumber] = {}

    def work(i: int) -> None:
        results[i] = pub.encrypt(i, mode="fast")

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert {i: priv.decrypt(c) for i, c in results.items()} == {i: i for i in range(8)}
    assert pub.table() is pub.table()


@pytest.mark.slow
@pytest.mark.parametrize("bits", [2048, 3072])
def test_full_size_keys(bits: int) -> None:
    pub, priv = generate_keypair(bits)
    assert pub.bits == bits and is_probable_prime((int(priv.p) - 1) // 2)
    for mode in MODES:
        c = pub.encrypt(-(2**200), mode=mode)  # type: ignore[arg-type]
        assert priv.decrypt(c + 1) == 1 - 2**200
        allowed = [0, 1, 12, 23]
        ct, proof = pub.encrypt_with_proof(12, allowed, b"full", mode=mode)  # type: ignore[arg-type]
        proof.verify(pub, ct, allowed, b"full")
    v, dproof = priv.decrypt_with_proof(c, b"x")
    dproof.verify(pub, c, v, b"x")


def test_out_of_range_exponent_on_the_wire_is_invalid_encoding() -> None:
    # A ciphertext read from the wire with an exponent beyond the supported
    # range is malformed data (InvalidEncoding), not a bad argument.
    c = PUB.encrypt(3)
    obj = json.loads(c.to_json())
    obj["exponent"] = -(2**20)
    with pytest.raises(errors.InvalidEncoding, match="invalid ciphertext"):
        EncryptedNumber.from_json(PUB, json.dumps(obj))
    assert EncryptedNumber.from_json(PUB, c.to_json()).ciphertext() == c.ciphertext()
