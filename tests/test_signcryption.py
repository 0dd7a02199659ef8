"""Certificateless signcryption: round trips, tampering, anonymity, Type I/II, pinning."""

from __future__ import annotations

import os
import threading
import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import errors
from n3crypto.group import ORDER, Point, Scalar
from n3crypto.signcryption import (
    FAIL_MESSAGE,
    KGC,
    InvalidSignature,
    KeyChanged,
    KeyExpired,
    KeyRequest,
    KGCPublic,
    PartialKey,
    PinStore,
    PublicKey,
    UserKey,
    canonical_identity,
    overhead,
    sign,
    signcrypt,
    signcrypt_batch,
    unsigncrypt,
    unsigncrypt_batch,
    verify,
    verify_batch,
)
from n3crypto.signcryption import _common as c
from n3crypto.signcryption.keys import _schnorr_sign

B = Point.base()


@pytest.fixture(scope="module")
def kgc() -> KGC:
    return KGC.generate()


def make_user(kgc: KGC, name: str, **kw: object) -> UserKey:
    u = UserKey.generate(name, kgc.public)
    return u.accept_partial_key(kgc.issue_partial_key(name, u.request(), **kw))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def alice(kgc: KGC) -> UserKey:
    return make_user(kgc, "alice")


@pytest.fixture(scope="module")
def bob(kgc: KGC) -> UserKey:
    return make_user(kgc, "bob")


# -- round trips ----------------------------------------------------------------


@pytest.mark.parametrize("size", [0, 1, 31, 1024, 1 << 20])
def test_round_trip_sizes(alice: UserKey, bob: UserKey, size: int) -> None:
    m = os.urandom(size)
    ct = signcrypt(alice, bob.public, m, b"ctx")
    assert len(ct) == size + overhead() == size + 177
    got = unsigncrypt(bob, ct, b"ctx")
    assert got.message == m
    assert got.sender_identity == "alice"
    assert got.sender_public == alice.public
    sender, _pub, msg = got  # a NamedTuple
    assert sender == "alice"
    assert msg == m


@settings(max_examples=25)
@given(m=st.binary(max_size=300), ad=st.binary(max_size=40))
def test_round_trip_property(alice: UserKey, bob: UserKey, m: bytes, ad: bytes) -> None:
    assert unsigncrypt(bob, signcrypt(alice, bob.public, m, ad), ad).message == m


def test_self_signcryption(alice: UserKey) -> None:
    assert unsigncrypt(alice, signcrypt(alice, alice.public, b"note")).message == b"note"


def test_ciphertexts_are_randomized(alice: UserKey, bob: UserKey) -> None:
    assert signcrypt(alice, bob.public, b"m") != signcrypt(alice, bob.public, b"m")


def test_accepts_bytearray_and_memoryview(alice: UserKey, bob: UserKey) -> None:
    ct = signcrypt(alice, bob.public, bytearray(b"abc"), memoryview(b"ad"))
    assert unsigncrypt(bob, bytearray(ct), b"ad").message == b"abc"


def test_wider_identity_field(kgc: KGC, bob: UserKey) -> None:
    long_name = "relay-" + "x" * 80
    sender = make_user(kgc, long_name)
    with pytest.raises(errors.N3ValueError, match="wider identity_width"):
        signcrypt(sender, bob.public, b"m")
    ct = signcrypt(sender, bob.public, b"m", identity_width=128)
    assert len(ct) == 1 + overhead(128) and overhead(128) == 113 + 128
    assert unsigncrypt(bob, ct).sender_identity == long_name


# -- failures: one message for every cause ------------------------------------------


def _fails(recipient: UserKey, ct: bytes, ad: bytes = b"", **kw: object) -> None:
    with pytest.raises(errors.UnsigncryptError) as info:
        unsigncrypt(recipient, ct, ad, **kw)  # type: ignore[arg-type]
    assert str(info.value) == FAIL_MESSAGE
    assert info.value.__cause__ is None


def test_every_flipped_bit_fails(alice: UserKey, bob: UserKey) -> None:
    ct = signcrypt(alice, bob.public, b"attack at dawn", b"hdr")
    for i in range(len(ct)):
        for bit in (0, 3, 7):
            bad = bytearray(ct)
            bad[i] ^= 1 << bit
            _fails(bob, bytes(bad), b"hdr")


def test_wrong_ad_recipient_truncation(kgc: KGC, alice: UserKey, bob: UserKey) -> None:
    ct = signcrypt(alice, bob.public, b"m", b"ad")
    _fails(bob, ct, b"other")
    _fails(bob, ct)
    _fails(alice, ct, b"ad")  # wrong recipient
    carol = make_user(kgc, "carol")
    _fails(carol, ct, b"ad")
    for n in (0, 1, 33, 100, len(ct) - 1):
        _fails(bob, ct[:n], b"ad")
    _fails(bob, ct + b"\x00", b"ad")


def test_structured_forgeries_fail(alice: UserKey, bob: UserKey) -> None:
    ct = signcrypt(alice, bob.public, b"m")
    # identity point, non-canonical point, other header values
    _fails(bob, ct[:1] + bytes(32) + ct[33:])
    _fails(bob, ct[:1] + b"\xff" * 32 + ct[33:])
    for hdr in (0, 2, 0x11, 0xF1):
        _fails(bob, bytes([hdr]) + ct[1:])


def test_expected_sender(kgc: KGC, alice: UserKey, bob: UserKey) -> None:
    ct = signcrypt(alice, bob.public, b"m")
    assert unsigncrypt(bob, ct, expected_sender=alice.public).message == b"m"
    assert unsigncrypt(bob, ct, expected_sender="ALICE").message == b"m"
    _fails(bob, ct, expected_sender="carol")
    _fails(bob, ct, expected_sender=bob.public)


def test_expiry_is_enforced(kgc: KGC, bob: UserKey) -> None:
    now = time.time()
    short = make_user(kgc, "brief", validity=100)
    ct = signcrypt(short, bob.public, b"m")
    assert unsigncrypt(bob, ct, now=now + 50).message == b"m"
    _fails(bob, ct, now=now + 200)
    with pytest.raises(KeyExpired):
        signcrypt(short, bob.public, b"m", now=now + 200)
    with pytest.raises(KeyExpired):
        signcrypt(bob, short.public, b"m", now=now + 200)


def test_forged_signature_with_right_key_schedule_fails(alice: UserKey, bob: UserKey) -> None:
    # Build a ciphertext that passes the AEAD (we know k) but carries a random s.
    k = Scalar.random()
    u = bytes(k * B)
    pp = bytes(bob.public.kgc.point)
    pb = bob.public
    key = c.kdf(
        b"key",
        bytes(k * pb.full_point),
        u,
        pp,
        pb.identity_bytes,
        c.u64(pb.expiry),
        bytes(pb.public_value),
    )
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    field = c.identity_field(b"alice", alice.public.expiry, 64)
    pt = field + bytes(alice.public.public_value) + bytes(Scalar.random()) + b"forged"
    ct = b"\x01" + u + ChaCha20Poly1305(key).encrypt(bytes(12), pt, b"\x01" + u)
    _fails(bob, ct)


# -- anonymity --------------------------------------------------------------------------


def test_ciphertext_reveals_neither_party(kgc: KGC, alice: UserKey, bob: UserKey) -> None:
    for _ in range(20):
        ct = signcrypt(alice, bob.public, b"hello")
        for needle in (
            b"alice",
            b"bob",
            bytes(alice.public.public_value),
            bytes(bob.public.public_value),
            bytes(alice.public.full_point),
            bytes(bob.public.full_point),
            bytes(kgc.public.point),
        ):
            assert needle not in ct


def test_same_length_and_layout_for_any_sender(kgc: KGC, bob: UserKey) -> None:
    senders = [make_user(kgc, n) for n in ("a", "medium-name", "x" * 55, "名前")]
    cts = [signcrypt(s, bob.public, b"same message") for s in senders]
    assert len({len(ct) for ct in cts}) == 1
    assert len({ct[0] for ct in cts}) == 1  # the only plaintext byte is the format
    for s, ct in zip(senders, cts, strict=True):
        assert unsigncrypt(bob, ct).sender_identity == s.public.identity


def test_recipient_not_identifiable(kgc: KGC, alice: UserKey, bob: UserKey) -> None:
    carol = make_user(kgc, "carol")
    to_bob = signcrypt(alice, bob.public, b"m")
    to_carol = signcrypt(alice, carol.public, b"m")
    assert len(to_bob) == len(to_carol) and to_bob[0] == to_carol[0]
    # U is a fresh random point; nothing else is in the clear.
    for ct in (to_bob, to_carol):
        assert not Point.from_bytes(ct[1:33]).is_identity()
    # Only the right recipient opens each one.
    _fails(carol, to_bob)
    _fails(bob, to_carol)


# -- Type I and Type II ---------------------------------------------------------------


def test_type1_replaced_public_key_cannot_signcrypt(kgc: KGC, alice: UserKey, bob: UserKey) -> None:
    # The adversary picks its own x' and claims alice's identity with a V' it
    # computes itself (no KGC involvement). It knows x' but not the log of Q'.
    x2 = Scalar.random()
    v2 = x2 * B
    fake_pub = PublicKey("alice", v2, alice.public.expiry, kgc.public)
    forger = UserKey("alice", kgc.public, x2)
    forger._a, forger._public, forger._d, forger._v = x2, fake_pub, Scalar(0), v2
    ct = signcrypt(forger, bob.public, b"from alice, honest")
    _fails(bob, ct)
    # Even if it picks V' = x'B - h1 P (which needs h1 before V'), the hash binds V':
    h1 = c.hash_scalar(
        b"h1", bytes(kgc.public.point), b"alice", bytes(v2), c.u64(alice.public.expiry)
    )
    v3 = x2 * B - h1 * kgc.public.point
    assert PublicKey("alice", v3, alice.public.expiry, kgc.public).full_point != x2 * B


def test_type2_kgc_cannot_unsigncrypt_or_signcrypt(kgc: KGC, alice: UserKey, bob: UserKey) -> None:
    # The KGC knows d_bob (it made it) but not x_bob: it can rebuild d from its
    # own view. Model it as a UserKey holding d only.
    d_bob = bob._d
    assert d_bob is not None
    kgc_view = UserKey("bob", kgc.public, Scalar(1))
    kgc_view._a, kgc_view._public = d_bob, bob.public
    kgc_view._d, kgc_view._v = d_bob, bob.public.public_value
    ct = signcrypt(alice, bob.public, b"secret")
    _fails(kgc_view, ct)
    forged = signcrypt(kgc_view, alice.public, b"as bob")
    _fails(alice, forged)


def test_partial_key_for_another_x_is_rejected(kgc: KGC) -> None:
    u1 = UserKey.generate("dave", kgc.public)
    u2 = UserKey.generate("dave", kgc.public)
    partial_for_u2 = kgc.issue_partial_key("dave", u2.request())
    with pytest.raises(errors.InvalidKey, match="does not verify"):
        u1.accept_partial_key(partial_for_u2)
    assert not u1.is_complete
    # Tampered V in an otherwise genuine partial key.
    p = kgc.issue_partial_key("dave", u1.request())
    p.v = p.v + B
    with pytest.raises(errors.InvalidKey):
        u1.accept_partial_key(p)


def test_partial_key_from_another_kgc_or_identity(kgc: KGC) -> None:
    other = KGC.generate()
    u = UserKey.generate("erin", kgc.public)
    with pytest.raises(errors.InvalidKey, match="another KGC"):
        other.issue_partial_key("erin", u.request())
    with pytest.raises(errors.InvalidKey, match="request is for"):
        kgc.issue_partial_key("frank", u.request())
    u_other = UserKey.generate("erin", other.public)
    with pytest.raises(errors.InvalidKey, match="another KGC"):
        u.accept_partial_key(other.issue_partial_key("erin", u_other.request()))


def test_request_proof_of_possession(kgc: KGC) -> None:
    u = UserKey.generate("gina", kgc.public)
    req = u.request()
    req.verify()
    # Someone else's X with a proof made by another key does not verify.
    other = UserKey.generate("gina", kgc.public)
    forged = KeyRequest(b"gina", u.public_value, kgc.public, other.request().proof)
    with pytest.raises(errors.InvalidKey, match="proof of possession"):
        kgc.issue_partial_key("gina", forged)
    # Round trip through bytes.
    assert bytes(KeyRequest.from_bytes(bytes(req))) == bytes(req)


def test_incomplete_key(kgc: KGC, bob: UserKey) -> None:
    u = UserKey.generate("hank", kgc.public)
    with pytest.raises(errors.InvalidKey, match="no partial key"):
        signcrypt(u, bob.public, b"m")
    with pytest.raises(errors.InvalidKey):
        _ = u.public


def test_cross_kgc_refused(alice: UserKey) -> None:
    other = KGC.generate()
    stranger = make_user(other, "stranger")
    with pytest.raises(errors.InvalidKey, match="different KGCs"):
        signcrypt(alice, stranger.public, b"m")


# -- pinning ----------------------------------------------------------------------


def test_pinning_catches_changed_key(tmp_path: os.PathLike[str], kgc: KGC, bob: UserKey) -> None:
    path = os.path.join(tmp_path, "pins.json")
    pins = PinStore(path)
    ivan = make_user(kgc, "ivan")
    unsigncrypt(bob, signcrypt(ivan, bob.public, b"1"), pins=pins)
    assert "ivan" in pins
    # A second key for the same identity (an active KGC could certify one).
    ivan2 = make_user(kgc, "ivan")
    ct = signcrypt(ivan2, bob.public, b"2")
    with pytest.raises(KeyChanged, match="changed"):
        unsigncrypt(bob, ct, pins=PinStore(path))  # persisted across instances
    PinStore(path).replace(ivan2.public)
    assert unsigncrypt(bob, ct, pins=PinStore(path)).message == b"2"
    assert oct(os.stat(path).st_mode & 0o777) == "0o600"


def test_pin_store_rejects_garbage(tmp_path: os.PathLike[str]) -> None:
    path = os.path.join(tmp_path, "pins.json")
    with open(path, "w") as fh:
        fh.write("{not json")
    with pytest.raises(errors.InvalidEncoding):
        PinStore(path)


# -- keys and encodings -----------------------------------------------------------


def test_public_key_encoding(alice: UserKey, kgc: KGC) -> None:
    pk = alice.public
    assert PublicKey.from_bytes(bytes(pk)) == pk
    assert hash(PublicKey.from_bytes(bytes(pk))) == hash(pk)
    assert pk.full_point == alice._a * B  # type: ignore[operator]
    blob = bytearray(bytes(pk))
    blob[-1] ^= 0x20  # identity byte no longer canonical ("alicE")
    with pytest.raises(errors.N3ValueError):
        PublicKey.from_bytes(bytes(blob))
    with pytest.raises(errors.InvalidEncoding):
        PublicKey.from_bytes(bytes(pk)[:-1] + b"")  # truncated identity
    body_off = len(bytes(pk)) - (32 + 32 + 8 + 1 + 5)
    bad = bytearray(bytes(pk))
    bad[body_off + 32 : body_off + 64] = bytes(32)  # V = identity
    with pytest.raises(errors.InvalidKey):
        PublicKey.from_bytes(bytes(bad))


def test_secret_serialization_and_repr(alice: UserKey, kgc: KGC) -> None:
    again = UserKey.from_bytes(alice.to_bytes())
    assert again.public == alice.public
    assert KGC.from_bytes(kgc.to_bytes()).public == kgc.public
    for obj in (alice, kgc):
        text = repr(obj)
        assert "hidden" in text
        assert bytes(alice._x).hex() not in text
    tampered = bytearray(alice.to_bytes())
    tampered[-20] ^= 1  # inside d
    with pytest.raises(errors.N3ValueError):
        UserKey.from_bytes(bytes(tampered))


def test_partial_key_serialization(kgc: KGC) -> None:
    u = UserKey.generate("judy", kgc.public)
    p = kgc.issue_partial_key("judy", u.request())
    p2 = PartialKey.from_bytes(bytes(p))
    assert u.accept_partial_key(p2).is_complete
    assert bytes(u._d) not in bytes(p)  # type: ignore[arg-type]
    assert KGCPublic.from_bytes(bytes(kgc.public)) == kgc.public


@pytest.mark.parametrize(
    ("raw", "canon"),
    [
        ("Alice", b"alice"),
        ("ＡＬＩＣＥ", b"alice"),
        ("Straße", b"strasse"),
        ("relay 7", b"relay 7"),
        ("Å", "å".encode()),
    ],
)
def test_identity_canonicalization(raw: str, canon: bytes) -> None:
    assert canonical_identity(raw) == canon


@pytest.mark.parametrize("bad", ["", " x", "x ", "a  b", "a\tb", "a\u200bb", "a\nb", "x" * 256])
def test_identity_rejects(bad: str) -> None:
    with pytest.raises(errors.N3ValueError):
        canonical_identity(bad)


def test_kgc_refuses_zero_and_identity() -> None:
    with pytest.raises(errors.InvalidKey):
        KGC(Scalar(0))
    with pytest.raises(errors.InvalidKey):
        KGCPublic(Point.identity())
    with pytest.raises(errors.N3TypeError):
        KGC(5)  # type: ignore[arg-type]
    assert int(Scalar(ORDER)) == 0


def test_seed_hook_refuses_outside_tests(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PYTEST_CURRENT_TEST")
    with pytest.raises(RuntimeError, match="tests only"), c.deterministic_randomness(b"s"):
        pass


def test_seed_hook_is_deterministic() -> None:
    with c.deterministic_randomness(b"seed"):
        k1 = KGC.generate()
    with c.deterministic_randomness(b"seed"):
        k2 = KGC.generate()
    assert k1.public == k2.public
    assert KGC.generate().public != k1.public


# -- batch ------------------------------------------------------------------------


def test_batch_round_trip_and_failures(kgc: KGC, alice: UserKey, bob: UserKey) -> None:
    carol = make_user(kgc, "carol2")
    msgs = [os.urandom(i * 7) for i in range(6)]
    cts = signcrypt_batch(alice, [(bob.public, m, b"x") for m in msgs])
    cts.append(signcrypt(carol, bob.public, b"from carol"))
    ads = [b"x"] * 6 + [b""]
    out = unsigncrypt_batch(bob, cts, ads)
    assert [r.message for r in out] == [*msgs, b"from carol"]
    assert out[-1].sender_identity == "carol2"
    bad = list(cts)
    bad[2] = bad[2][:-1] + bytes([bad[2][-1] ^ 1])
    with pytest.raises(errors.UnsigncryptError):
        unsigncrypt_batch(bob, bad, ads)
    res = unsigncrypt_batch(bob, bad, ads, return_exceptions=True)
    assert isinstance(res[2], errors.UnsigncryptError)
    assert [r.message for i, r in enumerate(res) if i != 2] == [
        m for i, m in enumerate([*msgs, b"from carol"]) if i != 2
    ]


def test_batch_catches_a_bad_signature_that_passes_aead(alice: UserKey, bob: UserKey) -> None:
    good = [signcrypt(alice, bob.public, bytes([i])) for i in range(4)]
    # Swap in a ciphertext whose AEAD is valid but whose s is wrong: re-encrypt.
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    k = Scalar.random()
    u = bytes(k * B)
    pb = bob.public
    key = c.kdf(
        b"key",
        bytes(k * pb.full_point),
        u,
        bytes(pb.kgc.point),
        pb.identity_bytes,
        c.u64(pb.expiry),
        bytes(pb.public_value),
    )
    pt = (
        c.identity_field(b"alice", alice.public.expiry, 64)
        + bytes(alice.public.public_value)
        + bytes(Scalar.random())
        + b"x"
    )
    forged = b"\x01" + u + ChaCha20Poly1305(key).encrypt(bytes(12), pt, b"\x01" + u)
    res = unsigncrypt_batch(bob, [*good, forged], return_exceptions=True)
    assert isinstance(res[-1], errors.UnsigncryptError)
    assert all(not isinstance(r, Exception) for r in res[:-1])


def test_threads_share_keys(alice: UserKey, bob: UserKey) -> None:
    errs: list[BaseException] = []

    def work() -> None:
        try:
            for i in range(20):
                m = os.urandom(i)
                assert unsigncrypt(bob, signcrypt(alice, bob.public, m)).message == m
        except BaseException as exc:  # pragma: no cover - reported below
            errs.append(exc)

    ts = [threading.Thread(target=work) for _ in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert not errs


# -- Schnorr signatures -----------------------------------------------------------


def test_sign_verify(alice: UserKey, bob: UserKey) -> None:
    sig = sign(alice, b"directory v1", context=b"dir")
    assert len(sig) == 64
    verify(alice.public, b"directory v1", sig, context=b"dir")
    for bad_args in [
        (alice.public, b"directory v2", sig, b"dir"),
        (alice.public, b"directory v1", sig, b"other"),
        (bob.public, b"directory v1", sig, b"dir"),
        (alice.public, b"directory v1", sig[:32] + bytes(32), b"dir"),
        (alice.public, b"directory v1", sig[:63], b"dir"),
        (alice.public, b"directory v1", b"\xff" * 32 + sig[32:], b"dir"),
    ]:
        pk, m, s, ctx = bad_args
        with pytest.raises(InvalidSignature):
            verify(pk, m, s, context=ctx)
    for i in range(64):
        bad = bytearray(sig)
        bad[i] ^= 0x10
        with pytest.raises(InvalidSignature):
            verify(alice.public, b"directory v1", bytes(bad), context=b"dir")


def test_signature_is_not_a_signcryption_and_vice_versa(alice: UserKey, bob: UserKey) -> None:
    # The recipient can reveal (U, s) of a signcryption; it must not verify as a signature.
    ct = signcrypt(alice, bob.public, b"m")
    pt_s = None
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    u = Point.from_bytes(ct[1:33])
    pb = bob.public
    key = c.kdf(
        b"key",
        bytes(bob._a * u),
        ct[1:33],
        bytes(pb.kgc.point),  # type: ignore[operator]
        pb.identity_bytes,
        c.u64(pb.expiry),
        bytes(pb.public_value),
    )
    pt = ChaCha20Poly1305(key).decrypt(bytes(12), ct[33:], ct[:33])
    pt_s = pt[96:128]
    with pytest.raises(InvalidSignature):
        verify(alice.public, b"m", ct[1:33] + pt_s)


def test_verify_batch(kgc: KGC, alice: UserKey, bob: UserKey) -> None:
    items = [(alice.public, b"a%d" % i, sign(alice, b"a%d" % i)) for i in range(5)]
    items += [(bob.public, b"b", sign(bob, b"b"))]
    verify_batch(items)
    verify_batch([])
    bad = list(items)
    bad[3] = (alice.public, b"zzz", items[3][2])
    with pytest.raises(InvalidSignature, match="signature 3"):
        verify_batch(bad)


def test_pop_signature_domain_separated(alice: UserKey) -> None:
    # A proof-of-possession style signature under the same secret is not a Schnorr signature.
    a = alice._a
    assert a is not None
    sig = _schnorr_sign(b"pop", a, bytes(alice.public.full_point), b"m")
    with pytest.raises(InvalidSignature):
        verify(alice.public, b"m", sig)


# -- the fused C hot path (csrc/ec/clsc.c) against its pure-Python fallback -------

from n3crypto.signcryption import _native  # noqa: E402


def _both(fn: str, *args: object) -> tuple[object, object]:
    native = getattr(_native, fn)(*args)
    saved = _native.HAVE_NATIVE
    _native.HAVE_NATIVE = False  # type: ignore[misc]
    try:
        fallback = getattr(_native, fn)(*args)
    finally:
        _native.HAVE_NATIVE = saved  # type: ignore[misc]
    return native, fallback


def test_native_is_built() -> None:
    assert _native.HAVE_NATIVE


@settings(max_examples=15)
@given(seed=st.binary(min_size=64, max_size=64), h=st.binary(min_size=64, max_size=64))
def test_native_matches_fallback(seed: bytes, h: bytes) -> None:
    q = Scalar.from_bytes_wide(h[::-1]) * B
    table = q.precompute()
    if Scalar.from_bytes_wide(seed):
        n1, f1 = _both("encap", seed, bytes(q), None)
        n2, f2 = _both("encap", seed, bytes(q), table)
        assert n1 == f1 == n2 == f2
    a = bytes(Scalar.from_bytes_wide(h))
    k = bytes(Scalar.from_bytes_wide(seed))
    n3, f3 = _both("respond", k, h, a)
    assert n3 == f3
    if not q.is_identity():
        n4, f4 = _both("decap", a, bytes(q))
        assert n4 == f4
    n5, f5 = _both("verify_point", k, h, bytes(q))
    assert n5 == f5


@pytest.mark.parametrize("native", [True, False])
def test_native_edge_cases(monkeypatch: pytest.MonkeyPatch, native: bool) -> None:
    monkeypatch.setattr(_native, "HAVE_NATIVE", native)
    with pytest.raises(errors.N3ValueError, match="zero nonce"):
        _native.encap(bytes(64), bytes(B), None)
    with pytest.raises(errors.InvalidEncoding):
        _native.encap(b"\x01" + bytes(63), b"\xff" * 32, None)
    with pytest.raises(errors.InvalidEncoding):
        _native.decap(bytes(Scalar(5)), bytes(32))  # the identity
    with pytest.raises(errors.InvalidEncoding):
        _native.decap(bytes(Scalar(5)), b"\xff" * 32)
    with pytest.raises(errors.InvalidEncoding):
        _native.verify_point(b"\xff" * 32, bytes(64), bytes(B))  # s not canonical
    with pytest.raises(errors.N3ValueError):
        _native.respond(b"\xff" * 32, bytes(64), bytes(Scalar(1)))


def test_fallback_interoperates(
    monkeypatch: pytest.MonkeyPatch, alice: UserKey, bob: UserKey
) -> None:
    ct = signcrypt(alice, bob.public, b"native")
    monkeypatch.setattr(_native, "HAVE_NATIVE", False)
    assert unsigncrypt(bob, ct).message == b"native"
    ct2 = signcrypt(alice, bob.public, b"python")
    monkeypatch.setattr(_native, "HAVE_NATIVE", True)
    assert unsigncrypt(bob, ct2).message == b"python"


def test_hot_path_hashes_are_the_framed_ones() -> None:
    parts = (b"a" * 32, b"", b"xyz")
    assert c.tag(b"sig") + b"".join(c.lp(p) for p in parts) == c.frame(b"sig", *parts)


@settings(max_examples=200)
@given(st.text(min_size=1, max_size=40))
def test_identity_canonical_form_is_a_fixpoint(text: str) -> None:
    try:
        canon = canonical_identity(text)
    except errors.N3ValueError:
        return
    assert canonical_identity(canon.decode()) == canon
    assert canonical_identity(canon) == canon


@settings(max_examples=150)
@given(data=st.binary(max_size=400), hdr=st.integers(0, 255))
def test_garbage_only_ever_raises_unsigncrypt_error(bob: UserKey, data: bytes, hdr: int) -> None:
    for blob in (data, bytes([hdr]) + data):
        with pytest.raises(errors.UnsigncryptError) as info:
            unsigncrypt(bob, blob)
        assert str(info.value) == FAIL_MESSAGE


@settings(max_examples=60)
@given(cut=st.integers(0, 400), flips=st.lists(st.integers(0, 10_000), max_size=3))
def test_mutations_only_ever_raise_unsigncrypt_error(
    alice: UserKey, bob: UserKey, cut: int, flips: list[int]
) -> None:
    original = signcrypt(alice, bob.public, b"m" * 100)
    ct = bytearray(original)
    for f in flips:
        ct[f % len(ct)] ^= 1 << (f % 8)
    mutated = bytes(ct[: len(ct) - cut % len(ct)]) if cut else bytes(ct)
    if mutated == original:  # the flips cancelled out
        assert unsigncrypt(bob, mutated).message == b"m" * 100
        return
    with pytest.raises(errors.UnsigncryptError) as info:
        unsigncrypt(bob, mutated)
    assert str(info.value) == FAIL_MESSAGE
