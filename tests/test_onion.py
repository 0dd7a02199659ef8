"""Sphinx packets: every hop of every path length, tampering, replay, SURBs,
malformed input, serialization, and a byte-for-byte differential check
against the independent model in tests/reference/sphinx_ref.py."""

from __future__ import annotations

import hashlib
import os
import pickle
import stat

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import envelope, errors
from n3crypto.group import Point, Scalar
from n3crypto.onion import (
    DEFAULT_BODY_BYTES,
    HEADER_BYTES,
    MAX_HOPS,
    REASONS,
    Deliver,
    Forward,
    MemoryReplayCache,
    Packet,
    PacketRejected,
    RelayDescriptor,
    RelayKey,
    ReplayCache,
    Surb,
    SurbKeyring,
    SurbSecret,
    _native,
    create_packet,
    create_surb,
    message_capacity,
    open_reply,
    packet_bytes,
    process,
    use_surb,
)
from n3crypto.onion import packet as packet_mod
from n3crypto.onion._rand import deterministic_randomness
from n3crypto.onion._sym import lioness_decrypt, lioness_encrypt
from tests.reference import sphinx_ref

BODY = 256  # small bodies keep the suite fast; the default size is tested too


@pytest.fixture(params=["c", "group"])
def path_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run a test on the fused C calls and on the n3crypto.group path."""
    if request.param == "group":
        monkeypatch.setattr(packet_mod, "_FAST", False)
    elif not _native.AVAILABLE:
        pytest.skip("no Sphinx fast path in this build")
    return str(request.param)


def relays(n: int, epoch: int = 0) -> list[RelayKey]:
    return [RelayKey.generate(f"127.{i + 1}.0.1:{9000 + i}", epoch=epoch) for i in range(n)]


def route(keys: list[RelayKey], packet: bytes) -> tuple[list[Packet], Deliver]:
    """Process ``packet`` through every relay; the packets each relay saw."""
    seen: list[Packet] = []
    result: Forward | Deliver = Forward(keys[0].address, Packet(packet))
    for i, key in enumerate(keys):
        assert isinstance(result, Forward)
        assert result.next_hop == key.address
        seen.append(result.packet)
        result = process(key, result.packet)
        if i < len(keys) - 1:
            assert isinstance(result, Forward), f"hop {i} should forward"
    assert isinstance(result, Deliver)
    return seen, result


def flip(data: bytes, pos: int, bit: int = 0) -> bytes:
    b = bytearray(data)
    b[pos] ^= 1 << bit
    return bytes(b)


# -- end to end -----------------------------------------------------------------
@pytest.mark.parametrize("n", range(1, MAX_HOPS + 1))
def test_every_hop_of_every_path_length(n: int, path_kind: str) -> None:
    keys = relays(n)
    message = b"m" * (n * 7)
    packet = create_packet([k.descriptor for k in keys], message, body_bytes=BODY)
    assert len(packet) == packet_bytes(BODY)
    seen, delivered = route(keys, packet)
    assert delivered.payload == message and delivered.surb_id is None
    # fixed size; α, γ, β, body and the packet as a whole differ at every hop
    assert {len(p) for p in seen} == {packet_bytes(BODY)}
    for field in ("alpha", "gamma", "beta", "body"):
        assert len({getattr(p, field) for p in seen}) == n, field
    assert [p.epoch for p in seen] == [0] * n


def test_default_body_size_and_full_capacity() -> None:
    keys = relays(3)
    msg = os.urandom(message_capacity())
    packet = create_packet([k.descriptor for k in keys], msg)
    assert len(packet) == HEADER_BYTES + DEFAULT_BODY_BYTES == 2366
    assert route(keys, packet)[1].payload == msg
    keys2 = relays(2)
    assert route(keys2, create_packet([k.descriptor for k in keys2], b""))[1].payload == b""
    with pytest.raises(errors.N3ValueError, match="capacity"):
        create_packet([k.descriptor for k in keys], msg + b"x")


def test_path_length_does_not_show_in_packet_size() -> None:
    sizes = {
        len(create_packet([k.descriptor for k in relays(n)], b"x", body_bytes=BODY))
        for n in range(1, MAX_HOPS + 1)
    }
    assert sizes == {packet_bytes(BODY)}


def test_each_relay_learns_only_the_next_hop_and_epochs_per_hop() -> None:
    keys = [RelayKey.generate(f"10.{i}.0.1:{i}", epoch=100 + i) for i in range(4)]
    packet = create_packet([k.descriptor for k in keys], b"hi", body_bytes=BODY)
    assert packet.epoch == 100
    for i, key in enumerate(keys[:-1]):
        out = process(key, packet)
        assert isinstance(out, Forward)
        assert out.next_hop == keys[i + 1].address
        assert out.packet.epoch == 101 + i
        packet = out.packet
    assert process(keys[-1], packet) == Deliver(b"hi")


def test_creation_uses_one_scalar_mult_per_hop_plus_one(monkeypatch: pytest.MonkeyPatch) -> None:
    from n3crypto import group

    calls = {"var": 0, "base": 0}
    real_var, real_base = group._ec.scalarmult, group._ec.scalarmult_base

    def var(n: bytes, p: bytes) -> bytes:
        calls["var"] += 1
        return real_var(n, p)  # type: ignore[no-any-return]

    def base(n: bytes) -> bytes:
        calls["base"] += 1
        return real_base(n)  # type: ignore[no-any-return]

    path = [k.descriptor for k in relays(MAX_HOPS)]
    monkeypatch.setattr(packet_mod, "_FAST", False)  # count through n3crypto.group
    monkeypatch.setattr(group._ec, "scalarmult", var)
    monkeypatch.setattr(group._ec, "scalarmult_base", base)
    create_packet(path, b"x", body_bytes=BODY)
    assert calls == {"var": MAX_HOPS, "base": 1}


# -- tampering ------------------------------------------------------------------
@pytest.mark.parametrize("hop", range(3))
@pytest.mark.parametrize(
    ("offset", "reason"),
    [
        (0, "version"),
        (1, "epoch"),
        (4, "epoch"),
        (5, "alpha"),
        (20, "alpha"),
        (37, "mac"),
        (52, "mac"),
        (53, "mac"),
        (200, "mac"),
        (HEADER_BYTES - 1, "mac"),
    ],
)
def test_flipped_header_bit_rejected_at_that_hop(
    hop: int, offset: int, reason: str, path_kind: str
) -> None:
    keys = relays(3)
    packet = create_packet([k.descriptor for k in keys], b"secret", body_bytes=BODY)
    for key in keys[:hop]:
        out = process(key, packet)
        assert isinstance(out, Forward)
        packet = out.packet
    bad = flip(packet, offset, 3 if offset == 5 else 0)
    with pytest.raises(PacketRejected) as exc:
        process(keys[hop], bad)
    # a flipped α bit either breaks the encoding or yields another point
    # whose keys fail the MAC
    assert exc.value.reason in ({reason, "mac"} if reason == "alpha" else {reason})
    assert isinstance(exc.value, errors.PacketError)
    # the garbled copy did not poison the replay cache: the genuine one passes
    assert process(keys[hop], packet)


@pytest.mark.parametrize("pos", [HEADER_BYTES, HEADER_BYTES + 31, HEADER_BYTES + 32, -1])
def test_flipped_body_bit_makes_the_exit_drop(pos: int) -> None:
    keys = relays(3)
    packet = create_packet([k.descriptor for k in keys], b"payload", body_bytes=BODY)
    out = process(keys[0], flip(packet, pos % len(packet)))
    assert isinstance(out, Forward)  # relays cannot see body tampering...
    out = process(keys[1], out.packet)
    assert isinstance(out, Forward)
    with pytest.raises(PacketRejected) as exc:  # ...the exit sees noise and drops it
        process(keys[2], out.packet)
    assert exc.value.reason == "payload"


def test_header_from_one_packet_with_body_of_another_is_dropped() -> None:
    keys = relays(2)
    path = [k.descriptor for k in keys]
    p1 = create_packet(path, b"one", body_bytes=BODY)
    p2 = create_packet(path, b"two", body_bytes=BODY)
    mixed = p1.header + p2.body
    out = process(keys[0], mixed)
    assert isinstance(out, Forward)
    with pytest.raises(PacketRejected, match="integrity"):
        process(keys[1], out.packet)


# -- replay ---------------------------------------------------------------------
def test_replay_rejected_at_every_hop() -> None:
    keys = relays(3)
    packet = create_packet([k.descriptor for k in keys], b"once", body_bytes=BODY)
    seen, _ = route(keys, packet)
    for key, p in zip(keys, seen, strict=True):
        with pytest.raises(PacketRejected) as exc:
            process(key, p)
        assert exc.value.reason == "replay"


def test_replay_with_other_body_is_still_a_replay() -> None:
    keys = relays(2)
    packet = create_packet([k.descriptor for k in keys], b"once", body_bytes=BODY)
    process(keys[0], packet)
    with pytest.raises(PacketRejected, match="replay"):
        process(keys[0], packet.header + os.urandom(BODY))


def test_external_replay_cache_is_used() -> None:
    class Counting:
        def __init__(self) -> None:
            self.tags: list[bytes] = []

        def check_and_insert(self, tag: bytes) -> bool:
            fresh = tag not in self.tags
            self.tags.append(tag)
            return fresh

    cache = Counting()
    assert isinstance(cache, ReplayCache)
    (key,) = relays(1)
    packet = create_packet([key.descriptor], b"x", body_bytes=BODY)
    process(key, packet, replay_cache=cache)
    with pytest.raises(PacketRejected):
        process(key, packet, replay_cache=cache)
    assert len(cache.tags) == 2 and len(cache.tags[0]) == 16
    assert len(key.replay_cache) == 0  # type: ignore[arg-type]


def test_memory_replay_cache_is_atomic_under_threads() -> None:
    import threading

    cache = MemoryReplayCache()
    wins: list[bool] = []
    barrier = threading.Barrier(8)

    def worker() -> None:
        barrier.wait()
        wins.append(cache.check_and_insert(b"same-tag-16bytes"))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(wins) == [False] * 7 + [True]


# -- SURBs ----------------------------------------------------------------------
@pytest.mark.parametrize("n", range(1, MAX_HOPS + 1))
def test_surb_round_trip(n: int, path_kind: str) -> None:
    keys = relays(n)  # the last one is the SURB's creator
    surb, secret = create_surb([k.descriptor for k in keys], body_bytes=BODY)
    surb = Surb.from_bytes(bytes(surb))  # it travels inside a message
    first, packet = use_surb(surb, b"the reply")
    assert first == keys[0].address and len(packet) == packet_bytes(BODY)
    _, delivered = route(keys, packet)
    assert delivered.is_reply and delivered.surb_id == secret.surb_id
    assert b"the reply" not in delivered.payload
    assert open_reply(secret, delivered) == b"the reply"
    assert open_reply(SurbSecret.from_private_bytes(secret.private_bytes()), delivered.payload)


def test_surb_is_single_use() -> None:
    keys = relays(2)
    surb, secret = create_surb([k.descriptor for k in keys], body_bytes=BODY)
    ring = SurbKeyring()
    ring.add(secret)
    _, p1 = use_surb(surb, b"first")
    _, delivered = route(keys, p1)
    assert ring.open(delivered) == b"first"
    _, p2 = use_surb(surb, b"second")
    with pytest.raises(PacketRejected, match="replay"):
        process(keys[0], p2)  # the first relay refuses the reused header
    with pytest.raises(PacketRejected, match="already used"):
        ring.open(delivered)  # and the creator would not open it twice


def test_tampered_or_foreign_reply_fails() -> None:
    keys = relays(2)
    path = [k.descriptor for k in keys]
    surb, secret = create_surb(path, body_bytes=BODY)
    _, other = create_surb(path, body_bytes=BODY)
    _, packet = use_surb(surb, b"reply")
    out = process(keys[0], flip(packet, HEADER_BYTES + 40))
    assert isinstance(out, Forward)
    delivered = process(keys[1], out.packet)
    assert isinstance(delivered, Deliver)
    with pytest.raises(PacketRejected, match="integrity"):
        open_reply(secret, delivered)
    with pytest.raises(PacketRejected, match="not a reply to this SURB"):
        open_reply(other, delivered)
    with pytest.raises(PacketRejected):
        open_reply(other, delivered.payload)
    with pytest.raises(PacketRejected, match="length"):
        open_reply(secret, delivered.payload[:-1])


def test_forward_and_reply_packets_look_alike_to_relays() -> None:
    keys = relays(3)
    path = [k.descriptor for k in keys]
    surb, _ = create_surb(path, body_bytes=BODY)
    fwd = create_packet(path, b"x", body_bytes=BODY)
    _, rep = use_surb(surb, b"x")
    assert len(fwd) == len(rep)
    assert isinstance(process(keys[0], fwd), Forward)
    assert isinstance(process(keys[0], rep), Forward)


# -- malformed input ----------------------------------------------------------------
def test_malformed_packets_are_rejected_with_a_reason(path_kind: str) -> None:
    (key,) = relays(1)
    good = create_packet([key.descriptor], b"x", body_bytes=BODY)
    cases = {
        "length": [b"", good[:-BODY], good[: HEADER_BYTES + 63], good + bytes(70000)],
        "version": [b"\x00" + good[1:], b"\x02" + good[1:]],
        "epoch": [good[:1] + (1).to_bytes(4, "big") + good[5:]],
        "alpha": [good[:5] + bytes(32) + good[37:], good[:5] + b"\xff" * 32 + good[37:]],
        "mac": [good[:37] + bytes(16) + good[53:], good[:53] + bytes(265) + good[318:]],
    }
    for reason, packets in cases.items():
        for p in packets:
            with pytest.raises(PacketRejected) as exc:
                process(key, p)
            assert exc.value.reason == reason
            assert reason in REASONS
    with pytest.raises(PacketRejected) as exc:
        process(key, "not bytes")  # type: ignore[arg-type]
    assert exc.value.reason == "type"
    assert isinstance(process(key, bytearray(good)), Deliver)


@settings(max_examples=60)
@given(st.binary(min_size=0, max_size=HEADER_BYTES + BODY + 8))
def test_random_bytes_never_crash_a_relay(data: bytes) -> None:
    key = _FUZZ_KEY
    with pytest.raises(PacketRejected):
        process(key, data)
    with pytest.raises(PacketRejected):
        process(key, b"\x01" + bytes(4) + data.ljust(HEADER_BYTES + BODY)[5:])


_FUZZ_KEY = RelayKey(Scalar.from_int(1234567), "127.0.0.1:1")


def test_bad_routing_block_is_dropped_after_the_mac() -> None:
    """A packet whose creator wrote garbage routing info passes the MAC but
    is still dropped (and never crashes)."""
    (key,) = relays(1)
    hops = [key.descriptor]
    header, _ = packet_mod._build_header(hops, b"\x09" + bytes(52))
    with pytest.raises(PacketRejected) as exc:
        process(key, header + bytes(BODY))
    assert exc.value.reason == "routing"
    k2 = relays(2)
    bad_addr = packet_mod._build_header(
        [k2[0].descriptor], b"\x01" + bytes(4) + b"\x40" + bytes(47)
    )[0]
    with pytest.raises(PacketRejected) as exc:
        process(k2[0], bad_addr + bytes(BODY))
    assert exc.value.reason == "routing"


# -- arguments ----------------------------------------------------------------------
def test_argument_checks() -> None:
    keys = relays(MAX_HOPS + 1)
    path = [k.descriptor for k in keys]
    with pytest.raises(errors.N3ValueError):
        create_packet(path, b"x")
    with pytest.raises(errors.N3ValueError):
        create_packet([], b"x")
    with pytest.raises(errors.N3TypeError):
        create_packet([keys[0]], b"x")  # type: ignore[list-item]
    with pytest.raises(errors.N3TypeError):
        create_packet(path[:1], "text")  # type: ignore[arg-type]
    for size in (63, 65537):
        with pytest.raises(errors.N3ValueError):
            create_packet(path[:1], b"x", body_bytes=size)
    with pytest.raises(errors.N3TypeError):
        process(keys[0].descriptor, b"")  # type: ignore[arg-type]
    for addr in ("", "a" * 32, "has space:1", "tab\t"):
        with pytest.raises(errors.N3ValueError):
            RelayKey.generate(addr)
    with pytest.raises(errors.N3ValueError):
        RelayKey.generate("x:1", epoch=1 << 32)
    with pytest.raises(errors.InvalidKey):
        RelayDescriptor("x:1", Point.identity())
    with pytest.raises(errors.InvalidKey):
        RelayKey(Scalar.from_int(0), "x:1")


# -- serialization and hygiene ------------------------------------------------------
def test_key_and_descriptor_round_trip(tmp_path: os.PathLike[str]) -> None:
    key = RelayKey.generate("127.3.0.1:4242", epoch=9)
    path = os.path.join(tmp_path, "relay.key")
    key.save(path)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    loaded = RelayKey.load(path)
    assert loaded.descriptor == key.descriptor
    packet = create_packet([key.descriptor], b"k", body_bytes=BODY)
    assert process(loaded, packet) == Deliver(b"k")
    d = RelayDescriptor.from_bytes(bytes(key.descriptor))
    assert d == key.descriptor and hash(d) == hash(key.descriptor)
    moved = key.with_address("127.3.0.1:5000")
    assert moved.public_key == key.public_key and moved.replay_cache is key.replay_cache


def test_serialization_rejects_garbage() -> None:
    key = RelayKey.generate("127.3.0.1:4242")
    blob = key.private_bytes()
    for bad in (blob[:-1], blob + b"\0", envelope.pack("onion-descriptor", 1, bytes(68))):
        with pytest.raises(errors.InvalidEncoding):
            RelayKey.from_private_bytes(bad)
    d = bytes(key.descriptor)
    with pytest.raises(errors.InvalidEncoding):
        RelayDescriptor.from_bytes(d[:-1])
    with pytest.raises(errors.InvalidEncoding):  # identity key inside
        RelayDescriptor.from_bytes(d[:-68] + d[-68:-64] + b"\xff" * 32 + d[-32:])
    surb, secret = create_surb([key.descriptor], body_bytes=BODY)
    with pytest.raises(errors.InvalidEncoding):
        Surb.from_bytes(bytes(surb)[:-1])
    with pytest.raises(errors.InvalidEncoding):
        SurbSecret.from_private_bytes(secret.private_bytes()[:-1])
    raw = envelope.unpack(secret.private_bytes(), "onion-surb-secret")[1]
    with pytest.raises(errors.InvalidEncoding):
        SurbSecret.from_private_bytes(envelope.pack("onion-surb-secret", 1, raw[:52] + b"\x00"))


def test_secrets_stay_out_of_reprs() -> None:
    key = RelayKey.generate("127.3.0.1:1")
    secret_hex = key.private_bytes()[-64:-32].hex()
    surb, ssec = create_surb([key.descriptor], body_bytes=BODY)
    packet = create_packet([key.descriptor], b"confidential", body_bytes=BODY)
    texts = [
        repr(key),
        str(key),
        repr(surb),
        repr(ssec),
        repr(packet),
        repr(process(key, packet)),
        repr(key.descriptor),
    ]
    for t in texts:
        assert secret_hex not in t and "confidential" not in t
        assert surb.key.hex() not in t and ssec.key.hex() not in t
    with pytest.raises(TypeError):
        pickle.dumps(key)


# -- LIONESS ----------------------------------------------------------------------------
@settings(max_examples=40)
@given(st.binary(min_size=128, max_size=128), st.binary(min_size=64, max_size=600))
def test_lioness_round_trip_and_avalanche(keys: bytes, block: bytes) -> None:
    c = lioness_encrypt(keys, block)
    assert len(c) == len(block) and lioness_decrypt(keys, c) == block
    d = lioness_decrypt(keys, flip(c, len(c) - 1))
    # one flipped bit scrambles both halves of the decryption
    assert d[:32] != block[:32] and d[32:] != block[32:]


# -- differential: the independent reference model ----------------------------------------
def _drbg(seed: bytes, i: int, n: int) -> bytes:
    return hashlib.shake_256(seed + i.to_bytes(8, "big")).digest(n)


@pytest.mark.parametrize("n", [1, 2, 3, 5])
def test_library_packets_match_the_reference_byte_for_byte(n: int, path_kind: str) -> None:
    keys = [RelayKey.generate(f"127.{i}.0.1:{i}", epoch=3 * i) for i in range(1, n + 1)]
    seed = b"sphinx-vector-%d" % n
    with deterministic_randomness(seed):
        packet = create_packet([k.descriptor for k in keys], b"vector", body_bytes=96)
    x = int.from_bytes(_drbg(seed, 1, 64), "little") % sphinx_ref.rr.L
    pad = _drbg(seed, 2, (MAX_HOPS - n) * sphinx_ref.BLOCK)
    ref_path = [(k.address, bytes(k.public_key), k.epoch) for k in keys]
    ref_packet, _ = sphinx_ref.create(ref_path, b"vector", x, pad, body_bytes=96)
    assert bytes(packet) == ref_packet


@pytest.mark.parametrize("n", [1, 3])
def test_reference_processes_library_packets_and_back(n: int) -> None:
    keys = relays(n)
    ys = [int(k._y) for k in keys]
    # library -> reference
    p: bytes = create_packet([k.descriptor for k in keys], b"to ref", body_bytes=96)
    for i in range(n):
        kind, out = sphinx_ref.process(ys[i], 0, p)
        if i < n - 1:
            assert kind == "forward"
            addr, p = out  # type: ignore[misc]
            assert addr == keys[i + 1].address
        else:
            assert (kind, out) == ("deliver", b"to ref")
    # reference -> library
    ref_path = [(k.address, bytes(k.public_key), k.epoch) for k in keys]
    q, _ = sphinx_ref.create(ref_path, b"from ref", 0xC0FFEE, bytes((MAX_HOPS - n) * 53), 96)
    _, delivered = route(keys, q)
    assert delivered.payload == b"from ref"


def test_reference_agrees_on_surbs_and_drops() -> None:
    keys = relays(2)
    surb, secret = create_surb([k.descriptor for k in keys], body_bytes=96)
    _, p = use_surb(surb, b"r")
    kind, out = sphinx_ref.process(int(keys[0]._y), 0, p)
    assert kind == "forward"
    kind, out = sphinx_ref.process(int(keys[1]._y), 0, out[1])  # type: ignore[index]
    assert kind == "reply"
    sid, body = out  # type: ignore[misc]
    assert open_reply(secret, Deliver(body, sid)) == b"r"
    assert sphinx_ref.process(int(keys[0]._y), 0, flip(p, 60)) == ("drop", "mac")
    assert sphinx_ref.process(int(keys[0]._y), 1, p) == ("drop", "epoch")


def test_alpha_is_blinded_by_the_documented_factor() -> None:
    """α' = b·α with b from the hop's keystream: the relay's view."""
    keys = relays(2)
    packet = create_packet([k.descriptor for k in keys], b"x", body_bytes=BODY)
    alpha = Point.from_bytes(packet.alpha)
    shared = keys[0]._y * alpha
    k = sphinx_ref.hop_keys(bytes(shared))
    out = process(keys[0], packet)
    assert isinstance(out, Forward)
    assert out.packet.alpha == bytes(Scalar.from_int(k.blind) * alpha)


# -- the C fast path ------------------------------------------------------------------------
@pytest.mark.skipif(not _native.AVAILABLE, reason="no Sphinx fast path in this build")
def test_c_and_group_paths_agree_byte_for_byte(monkeypatch: pytest.MonkeyPatch) -> None:
    keys = relays(4)
    path = [k.descriptor for k in keys]
    with deterministic_randomness(b"same"):
        fast = create_packet(path, b"agree", body_bytes=BODY)
    monkeypatch.setattr(packet_mod, "_FAST", False)
    with deterministic_randomness(b"same"):
        slow = create_packet(path, b"agree", body_bytes=BODY)
    assert fast == slow
    hop_slow = process(keys[0], slow, replay_cache=MemoryReplayCache())
    monkeypatch.setattr(packet_mod, "_FAST", True)
    hop_fast = process(keys[0], fast, replay_cache=MemoryReplayCache())
    assert hop_fast == hop_slow


@pytest.mark.skipif(not _native.AVAILABLE, reason="no Sphinx fast path in this build")
def test_key_tables_give_the_same_packets_and_are_bounded() -> None:
    from n3crypto.onion import KeyTableCache

    keys = relays(3)
    path = [k.descriptor for k in keys]
    cache = KeyTableCache(max_entries=2)
    with deterministic_randomness(b"tables"):
        with_tables = create_packet(path, b"t", body_bytes=BODY, key_tables=cache)
    with deterministic_randomness(b"tables"):
        without = create_packet(path, b"t", body_bytes=BODY)
    assert with_tables == without
    assert len(cache) == 2  # least recently used table evicted
    assert cache.get(path[2]) is cache.get(path[2])
    surb, secret = create_surb(path, body_bytes=BODY, key_tables=cache)
    _, p = use_surb(surb, b"r")
    _, delivered = route(keys, p)
    assert open_reply(secret, delivered) == b"r"
    with pytest.raises(errors.N3ValueError):
        KeyTableCache(0)


@pytest.mark.skipif(not _native.AVAILABLE, reason="no Sphinx fast path in this build")
def test_native_calls_refuse_bad_input() -> None:
    y = bytes(Scalar.from_int(3))
    for alpha in (bytes(32), b"\xff" * 32):
        with pytest.raises(errors.InvalidEncoding):
            _native.hop_shared(y, alpha)
    with pytest.raises(errors.N3ValueError):
        _native.hop_shared(bytes(32), bytes(Point.base()))  # zero secret
    with pytest.raises(errors.N3ValueError):
        _native.hop_shared(b"\xff" * 32, bytes(Point.base()))  # not canonical
    _, ctx = _native.hop_shared(y, bytes(Point.base()))
    _native.hop_blind(ctx, bytes(64))  # wipes ctx
    with pytest.raises(errors.N3ValueError):
        _native.hop_blind(ctx, bytes(64))  # a ctx is good for one blind
    with pytest.raises(errors.InvalidEncoding):
        _native.create_hop(y, bytes(32))
    with pytest.raises(errors.N3ValueError):
        _native.create_hop(bytes(32), bytes(Point.base()))
    c = Scalar.from_int(6)
    assert _native.blind_scalar(bytes(c), (7).to_bytes(64, "little")) == bytes(Scalar.from_int(42))
    alpha, shared = _native.create_hop(bytes(c), bytes(Point.base()))
    assert alpha == shared == bytes(c * Point.base())


@pytest.mark.skipif(not _native.AVAILABLE, reason="no Sphinx fast path in this build")
def test_native_hops_are_thread_safe() -> None:
    """cffi releases the GIL: concurrent relays on one key must agree."""
    from concurrent.futures import ThreadPoolExecutor

    keys = relays(2)
    packets = [
        create_packet([k.descriptor for k in keys], b"%d" % i, body_bytes=BODY) for i in range(40)
    ]

    def one(p: Packet) -> bytes:
        out = process(keys[0], p, replay_cache=MemoryReplayCache())
        assert isinstance(out, Forward)
        res = process(keys[1], out.packet, replay_cache=MemoryReplayCache())
        assert isinstance(res, Deliver)
        return res.payload

    with ThreadPoolExecutor(4) as pool:
        assert sorted(pool.map(one, packets)) == sorted(b"%d" % i for i in range(40))


# -- the known-answer vector of docs/onion.md ------------------------------------------------
VECTOR_PACKET = (
    "0100000007767ff552e2fc7c6ba3f54b8b173080e2886f8298228d541d896a815f50508c2fac986543d33259"
    "2de3b1f090ba6dc058429eacf632ef3b00587bce17dc0ec51047361048142151868e1ae5d1a74db1b7fc90b1"
    "1bc12cd0f8b1fb51741decf98c079a6965b1a9264bc1d25fcce2d0cf7d4ce5ee66f29ab974258d581d8bbbea"
    "647413f207d43a61b55ae80cca6849fd05ced07a0bf216546f0a1dcd727f3d26f07a59238ab154aafde828a9"
    "8e5c54db222ebe992ea2139d11f6f0a4fe5b0f4bfa4383ce6ecbb1216d00ec1725fc8194a3dc989d7f2ebc7c"
    "55d280d962ed09dba39aacc2e03c31aa388f7d578d09c37cbb7c0f5a662232a98dc9fae73223f44458486085"
    "6a1d4cb108816f682bc58acf1e024e76fd800ae306c3622f6b81b86229d75763b46b6ca3c3825313f637e59f"
    "af589f58d13bf0f6c2e4eb5956b9aa1d12a61cb0ac00af9f49f5952d3db8e9d8b899c2d8b750eb2b7e340043"
    "f36d6f1900a9c102bfa12a9b26c42393e493c75c6e2ce96a8658c8d05d1a"
)


def test_known_answer_vector() -> None:
    """Fixed relay keys and randomness: the packet of docs/onion.md, by the
    library and by the reference model, and every hop of it."""
    keys = [
        RelayKey(
            Scalar.hash(b"relay %d" % i, b"n3crypto-onion-vector"),
            f"127.{i}.0.1:900{i}",
            epoch=7,
        )
        for i in (1, 2, 3)
    ]
    seed = b"n3crypto sphinx vector 1"
    with deterministic_randomness(seed):
        packet = create_packet(
            [k.descriptor for k in keys], b"Sphinx on ristretto255", body_bytes=64
        )
    assert packet.hex() == VECTOR_PACKET
    x = int.from_bytes(_drbg(seed, 1, 64), "little") % sphinx_ref.rr.L
    pad = _drbg(seed, 2, (MAX_HOPS - 3) * sphinx_ref.BLOCK)
    ref_path = [(k.address, bytes(k.public_key), 7) for k in keys]
    ref, _ = sphinx_ref.create(ref_path, b"Sphinx on ristretto255", x, pad, body_bytes=64)
    assert ref.hex() == VECTOR_PACKET
    _, delivered = route(keys, bytes.fromhex(VECTOR_PACKET))
    assert delivered.payload == b"Sphinx on ristretto255"


@settings(max_examples=100)
@given(st.binary(max_size=500), st.integers(0, 3))
def test_parsers_raise_only_encoding_errors(body: bytes, which: int) -> None:
    kind, parse = [
        ("onion-descriptor", RelayDescriptor.from_bytes),
        ("onion-relay-key", RelayKey.from_private_bytes),
        ("onion-surb", Surb.from_bytes),
        ("onion-surb-secret", SurbSecret.from_private_bytes),
    ][which]
    for blob in (envelope.pack(kind, 1, body), body):
        try:
            parse(blob)  # type: ignore[operator]
        except (errors.InvalidEncoding, errors.InvalidKey):
            pass


_VALID_KEY = RelayKey.generate("127.8.0.1:8")
_VALID_SURB, _VALID_SECRET = create_surb([_VALID_KEY.descriptor], body_bytes=BODY)
_VALID_BLOBS = [
    bytes(_VALID_KEY.descriptor),
    _VALID_KEY.private_bytes(),
    bytes(_VALID_SURB),
    _VALID_SECRET.private_bytes(),
]


@settings(max_examples=200)
@given(st.integers(0, 3), st.integers(0, 10**6), st.integers(1, 255))
def test_parsers_on_mutated_valid_objects(which: int, pos: int, delta: int) -> None:
    parse = [
        RelayDescriptor.from_bytes,
        RelayKey.from_private_bytes,
        Surb.from_bytes,
        SurbSecret.from_private_bytes,
    ][which]
    blob = bytearray(_VALID_BLOBS[which])
    i = pos % len(blob)
    blob[i] = (blob[i] + delta) % 256
    try:
        parse(bytes(blob))  # type: ignore[operator]
    except (errors.InvalidEncoding, errors.InvalidKey):
        pass


def test_bad_replay_cache_argument_is_refused_before_packet_checks() -> None:
    # A wrong argument is the caller's error whatever the packet holds: it
    # must not surface as a PacketRejected for a garbage packet.
    key = RelayKey.generate("127.9.0.1:9")
    garbage = bytes(HEADER_BYTES + DEFAULT_BODY_BYTES)
    with pytest.raises(errors.N3TypeError):
        process(key, garbage, replay_cache="not a cache")  # type: ignore[arg-type]
    with pytest.raises(PacketRejected):
        process(key, garbage)
