"""Paillier at 2048 bits beside phe (gmpy2), lightphe and zktally, same run.

    python -m pytest bench/bench_paillier.py -p no:cacheprovider \
        --benchmark-columns=median,ops

Groups: keygen, encrypt, decrypt, add, sum of 10,000 ciphertexts, and the
membership proof of one rating-ballot entry (R = 5: 7 branches) beside
zktally's 2-branch 0/1 proof. Keys other than in the keygen group come from
tests/vectors (a published, hence insecure, 2048-bit test key) so every
library works on the same modulus. ``extra_info["ops/s"]`` is 1/median.

The development machine is shared (2 cores, other jobs running): absolute
medians drift between runs, so the run ends with a table of *paired* ratios
measured by alternating blocks of calls of the two libraries.
"""

from __future__ import annotations

import os
import pathlib
from collections.abc import Callable
from typing import Any

import pytest
from bench._paired import paired_medians, write_report

from n3crypto.paillier import PaillierPrivateKey, generate_keypair
from n3crypto.paillier.ratings import RatingRound

KEY_FILE = pathlib.Path(__file__).parent.parent / "tests" / "vectors"
PRIV = PaillierPrivateKey.from_json(
    (KEY_FILE / "paillier_2048_INSECURE_test_key.json").read_text(), allow_insecure_size=True
)
PUB = PRIV.public_key
PUB.table().ensure(PUB.fast_exponent_bits + 300)  # the one-time table, not measured
N_SUM = 10_000
R = 5
M = 1001  # a round of 1,000 raters
ALLOWED = [0, *(1 + j * M for j in range(R + 1))]
CTX = b"bench round|relay-7|rater-42"


def test_phe_uses_gmpy2() -> None:
    """The phe peer must run on gmpy2, or the comparison is meaningless."""
    import phe.util

    assert phe.util.HAVE_GMP


def _run(benchmark: Any, fn: Callable[[], object], rounds: int, iterations: int = 1) -> None:
    benchmark.pedantic(fn, rounds=rounds, iterations=iterations, warmup_rounds=1)
    if benchmark.stats is not None:  # None under --benchmark-disable
        benchmark.extra_info["ops/s"] = round(1 / benchmark.stats.stats.median, 1)


# ------------------------------------------------------------------ keygen


def test_keygen_n3crypto_safe_primes(benchmark: Any) -> None:
    benchmark.group = "keygen 2048"
    _run(benchmark, lambda: generate_keypair(2048), rounds=5)


def test_keygen_n3crypto_blum_primes(benchmark: Any) -> None:
    benchmark.group = "keygen 2048"
    _run(benchmark, lambda: generate_keypair(2048, safe_primes=False), rounds=10)


def test_keygen_phe(benchmark: Any) -> None:
    import phe

    benchmark.group = "keygen 2048"
    _run(benchmark, lambda: phe.generate_paillier_keypair(n_length=2048), rounds=10)


def test_keygen_zktally(benchmark: Any) -> None:
    from zktally import paillier_keygen

    benchmark.group = "keygen 2048"
    _run(benchmark, lambda: paillier_keygen(2048), rounds=5)


# ------------------------------------------------------------------ encrypt


@pytest.mark.parametrize(("mode", "short"), [("standard", False), ("fast", False), ("fast", True)])
def test_encrypt_n3crypto(benchmark: Any, mode: str, short: bool) -> None:
    benchmark.group = "encrypt"
    _run(
        benchmark,
        lambda: PUB.encrypt(123, mode=mode, short_exponent=short),  # type: ignore[arg-type]
        rounds=100 if mode == "standard" else 400,
    )


def test_encrypt_n3crypto_key_holder(benchmark: Any) -> None:
    benchmark.group = "encrypt"
    _run(benchmark, lambda: PRIV.encrypt(123), rounds=100)


def test_encrypt_phe(benchmark: Any) -> None:
    benchmark.group = "encrypt"
    pk = PUB.to_phe()
    _run(benchmark, lambda: pk.encrypt(123), rounds=100)


def test_encrypt_zktally(benchmark: Any) -> None:
    from zktally import PaillierPublicKey, encrypt

    benchmark.group = "encrypt"
    pk = PaillierPublicKey(n=int(PUB.n), g=int(PUB.n) + 1)
    _run(benchmark, lambda: encrypt(123, pk), rounds=100)


def _lightphe() -> Any:
    from lightphe import LightPHE

    n, p, q = int(PUB.n), int(PRIV.p), int(PRIV.q)
    keys = {"private_key": {"phi": (p - 1) * (q - 1)}, "public_key": {"n": n, "g": n + 1}}
    return LightPHE(algorithm_name="Paillier", keys=keys)


def test_encrypt_lightphe(benchmark: Any) -> None:
    benchmark.group = "encrypt"
    cs = _lightphe()
    _run(benchmark, lambda: cs.encrypt(123), rounds=20)


# ------------------------------------------------------------------ decrypt


def test_decrypt_n3crypto(benchmark: Any) -> None:
    benchmark.group = "decrypt"
    c = PUB.encrypt(123, mode="fast")
    _run(benchmark, lambda: PRIV.decrypt(c), rounds=200)


def test_decrypt_n3crypto_strict(benchmark: Any) -> None:
    """Full CRT and bound check (what untrusted, deserialized ciphertexts get)."""
    benchmark.group = "decrypt"
    c = PUB.encrypt(123, mode="fast")
    _run(benchmark, lambda: PRIV.decrypt(c, strict=True), rounds=200)


def test_decrypt_phe(benchmark: Any) -> None:
    benchmark.group = "decrypt"
    pk, sk = PUB.to_phe(), PRIV.to_phe()
    c = pk.encrypt(123)
    _run(benchmark, lambda: sk.decrypt(c), rounds=200)


def test_decrypt_zktally(benchmark: Any) -> None:
    from zktally import PaillierPrivateKey as ZPriv
    from zktally import PaillierPublicKey as ZPub
    from zktally import decrypt, encrypt

    benchmark.group = "decrypt"
    n, p, q = int(PUB.n), int(PRIV.p), int(PRIV.q)
    import math

    lam = math.lcm(p - 1, q - 1)
    pk = ZPub(n=n, g=n + 1)
    sk = ZPriv(lam=lam, mu=pow(lam, -1, n), p=p, q=q)
    c, _ = encrypt(123, pk)
    _run(benchmark, lambda: decrypt(c, pk, sk), rounds=100)


def test_decrypt_lightphe(benchmark: Any) -> None:
    benchmark.group = "decrypt"
    cs = _lightphe()
    c = cs.encrypt(123)
    _run(benchmark, lambda: cs.decrypt(c), rounds=10)


# ------------------------------------------------------------------ add


def test_add_n3crypto(benchmark: Any) -> None:
    benchmark.group = "add"
    a, b = PUB.encrypt(1, mode="fast", bound=10), PUB.encrypt(2, mode="fast", bound=10)
    _run(benchmark, lambda: a + b, rounds=2000, iterations=10)


def test_add_phe(benchmark: Any) -> None:
    benchmark.group = "add"
    pk = PUB.to_phe()
    a, b = pk.encrypt(1), pk.encrypt(2)
    _run(benchmark, lambda: a + b, rounds=2000, iterations=10)


def test_add_lightphe(benchmark: Any) -> None:
    benchmark.group = "add"
    cs = _lightphe()
    a, b = cs.encrypt(1), cs.encrypt(2)
    _run(benchmark, lambda: a + b, rounds=500, iterations=10)


# ------------------------------------------------------------------ sum of 10,000


@pytest.fixture(scope="module")
def n3_ciphertexts() -> list[Any]:
    base = [PUB.encrypt(i % 6, mode="fast", bound=5) for i in range(500)]
    return [c.rerandomize() for c in base for _ in range(N_SUM // 500)]


def test_sum_n3crypto(benchmark: Any, n3_ciphertexts: list[Any]) -> None:
    benchmark.group = "sum of 10,000"
    _run(benchmark, lambda: PUB.sum(n3_ciphertexts), rounds=15)


def test_sum_n3crypto_builtin(benchmark: Any, n3_ciphertexts: list[Any]) -> None:
    benchmark.group = "sum of 10,000"
    _run(benchmark, lambda: sum(n3_ciphertexts), rounds=15)


def test_sum_phe(benchmark: Any) -> None:
    benchmark.group = "sum of 10,000"
    pk = PUB.to_phe()
    base = [pk.encrypt(i % 6) for i in range(200)]
    cs = [base[i % 200] for i in range(N_SUM)]
    _run(benchmark, lambda: sum(cs), rounds=15)


def test_sum_zktally(benchmark: Any, n3_ciphertexts: list[Any]) -> None:
    from zktally import PaillierPublicKey, aggregate

    benchmark.group = "sum of 10,000"
    pk = PaillierPublicKey(n=int(PUB.n), g=int(PUB.n) + 1)
    cs = [c.ciphertext() for c in n3_ciphertexts]
    _run(benchmark, lambda: aggregate(cs, pk), rounds=15)


def test_sum_lightphe(benchmark: Any) -> None:
    from functools import reduce

    benchmark.group = "sum of 10,000"
    cs = _lightphe()
    base = [cs.encrypt(i % 6) for i in range(20)]
    items = [base[i % 20] for i in range(N_SUM)]
    _run(benchmark, lambda: reduce(lambda a, b: a + b, items), rounds=3)


# ------------------------------------------------------------------ proofs


@pytest.mark.parametrize("mode", ["fast", "standard"])
def test_prove_n3crypto_R5(benchmark: Any, mode: str) -> None:
    """Encrypt one ballot entry and prove it is in {0} ∪ {1 + jM : j ≤ 5}."""
    benchmark.group = "membership proof: prove"
    _run(
        benchmark,
        lambda: PUB.encrypt_with_proof(1 + 3 * M, ALLOWED, CTX, mode=mode),  # type: ignore[arg-type]
        rounds=60 if mode == "fast" else 10,
    )


@pytest.mark.parametrize("mode", ["fast", "standard"])
def test_verify_n3crypto_R5(benchmark: Any, mode: str) -> None:
    benchmark.group = "membership proof: verify"
    c, proof = PUB.encrypt_with_proof(1 + 3 * M, ALLOWED, CTX, mode=mode)  # type: ignore[arg-type]
    _run(benchmark, lambda: proof.verify(PUB, c, ALLOWED, CTX), rounds=60 if mode == "fast" else 20)


def test_verify_n3crypto_R5_ballot_batch_per_entry(benchmark: Any) -> None:
    """A 20-relay ballot verified in one batch; the median is divided by 20."""
    from n3crypto.paillier.ratings import Aggregator, AllowAll

    benchmark.group = "membership proof: verify"
    rnd = RatingRound(PUB, [f"relay-{i}" for i in range(20)], R, "bench", 1000)
    ballot = rnd.cast({"relay-3": 4}, "rater-1")
    agg = Aggregator(rnd, AllowAll())
    items = agg._items(ballot)
    from n3crypto.paillier import verify_batch

    benchmark.pedantic(lambda: verify_batch(PUB, items), rounds=10, warmup_rounds=1)
    if benchmark.stats is not None:
        benchmark.extra_info["per entry ms"] = round(benchmark.stats.stats.median / 20 * 1e3, 2)


def _zktally_keys() -> tuple[Any, int, int]:
    from zktally import PaillierPublicKey, encrypt

    pk = PaillierPublicKey(n=int(PUB.n), g=int(PUB.n) + 1)
    c, r = encrypt(1, pk)
    return pk, c, r


def test_prove_zktally_binary(benchmark: Any) -> None:
    from zktally import prove_binary

    benchmark.group = "membership proof: prove"
    pk, c, r = _zktally_keys()
    ctx = os.urandom(32)
    _run(benchmark, lambda: prove_binary(c, r, 1, pk, ctx), rounds=30)


def test_verify_zktally_binary(benchmark: Any) -> None:
    from zktally import prove_binary, verify_binary

    benchmark.group = "membership proof: verify"
    pk, c, r = _zktally_keys()
    ctx = os.urandom(32)
    proof = prove_binary(c, r, 1, pk, ctx)
    assert verify_binary(c, proof, pk, ctx)
    _run(benchmark, lambda: verify_binary(c, proof, pk, ctx), rounds=30)


# ------------------------------------------------------------------ paired ratios
#
# The machine is shared, so load drifts between the groups above. These tests
# alternate the two sides call by call and compare medians, which cancels most
# of the drift; the table is printed at the end of the run.

_PAIRED: list[tuple[str, float, float, float]] = []


@pytest.fixture(scope="module", autouse=True)
def _paired_report(request: pytest.FixtureRequest) -> Any:
    yield
    if not _PAIRED:
        return
    lines = ["paired medians per operation (alternating blocks)  n3crypto      peer  speed-up  bar"]
    for name, a, b, bar in _PAIRED:
        ok = "ok" if b / a >= bar else "MISSED"
        lines.append(
            f"{name:<48} {a * 1e3:>8.3f}ms {b * 1e3:>8.3f}ms {b / a:>7.2f}x  >={bar:g} {ok}"
        )
    write_report(request, lines)


def _paired(
    name: str,
    ours: Callable[[], object],
    peer: Callable[[], object],
    rounds: int,
    bar: float,
    reps: tuple[int, int] = (1, 1),
) -> None:
    """Paired medians of ``ours`` and ``peer`` in alternating blocks of
    ``reps`` calls (bench/_paired.py), kept for the table."""
    _PAIRED.append((name, *paired_medians(ours, peer, rounds, reps), bar))


def test_paired_encrypt() -> None:
    pk = PUB.to_phe()
    _paired(
        "encrypt fast vs phe", lambda: PUB.encrypt(5, mode="fast"), lambda: pk.encrypt(5), 60, 12
    )
    _paired(
        "encrypt fast short-exp vs phe",
        lambda: PUB.encrypt(5, mode="fast", short_exponent=True),
        lambda: pk.encrypt(5),
        60,
        40,
        (40, 1),
    )
    _paired(
        "encrypt standard vs phe", lambda: PUB.encrypt(5), lambda: pk.encrypt(5), 60, 1.0, (1, 1)
    )


def test_paired_decrypt_and_sum(n3_ciphertexts: list[Any]) -> None:
    pk, sk = PUB.to_phe(), PRIV.to_phe()
    c, pc = PUB.encrypt(5, mode="fast"), pk.encrypt(5)
    _paired("decrypt vs phe", lambda: PRIV.decrypt(c), lambda: sk.decrypt(pc), 80, 1.0, (2, 1))
    _paired(
        "decrypt strict (full CRT) vs phe",
        lambda: PRIV.decrypt(c, strict=True),
        lambda: sk.decrypt(pc),
        80,
        1.0,
        (1, 1),
    )
    pcs = [pk.encrypt(i % 6) for i in range(100)] * (N_SUM // 100)
    _paired(
        "sum of 10,000 vs phe sum()", lambda: PUB.sum(n3_ciphertexts), lambda: sum(pcs), 10, 1.3
    )


def test_paired_proofs_vs_zktally() -> None:
    from zktally import prove_binary, verify_binary

    zpk, zc, zr = _zktally_keys()
    ctx = os.urandom(32)
    zproof = prove_binary(zc, zr, 1, zpk, ctx)
    c, proof = PUB.encrypt_with_proof(1 + 3 * M, ALLOWED, CTX, mode="fast")
    # The bar is "at most 2x zktally's time", i.e. a speed-up of at least 0.5.
    _paired(
        "prove R=5 (7 branches, fast) vs zk 0/1",
        lambda: PUB.encrypt_with_proof(1 + 3 * M, ALLOWED, CTX, mode="fast"),
        lambda: prove_binary(zc, zr, 1, zpk, ctx),
        20,
        0.5,
    )
    _paired(
        "verify R=5 (fast) vs zk 0/1",
        lambda: proof.verify(PUB, c, ALLOWED, CTX),
        lambda: verify_binary(zc, zproof, zpk, ctx),
        20,
        0.5,
    )
    sc, sproof = PUB.encrypt_with_proof(1 + 3 * M, ALLOWED, CTX, mode="standard")
    _paired(
        "prove R=5 (standard) vs zk 0/1",
        lambda: PUB.encrypt_with_proof(1 + 3 * M, ALLOWED, CTX, mode="standard"),
        lambda: prove_binary(zc, zr, 1, zpk, ctx),
        6,
        0.5,
    )
    _paired(
        "verify R=5 (standard) vs zk 0/1",
        lambda: sproof.verify(PUB, sc, ALLOWED, CTX),
        lambda: verify_binary(zc, zproof, zpk, ctx),
        20,
        0.5,
    )
