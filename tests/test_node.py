"""The node layer in one process: relays and clients as asyncio servers on
distinct loopback addresses (127.<i>.0.1, port 0), injectable clocks for
rate limits, epochs and delays, no sleeps for timing."""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import random
import secrets
import socket
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from n3crypto import envelope, errors
from n3crypto.group import Point, Scalar
from n3crypto.node import (
    PACKET,
    Client,
    Directory,
    DirectoryEntry,
    DirectoryError,
    EpochSchedule,
    KeyStore,
    Node,
    NodeConfig,
    PathSelector,
    PeerLimiter,
    ReplayStore,
    Signer,
    TokenBucket,
    Verifier,
    cap_weights,
    encode_frame,
    network_group,
)
from n3crypto.onion import Deliver, RelayKey, create_packet, packet_bytes

BODY = 1024


# -- a Schnorr signature on group.py, standing in for the CLSC one ---------------
class SchnorrKey:
    """Schnorr over ristretto255 (hedged nonce) for directory tests."""

    DST = b"n3crypto-test/directory-schnorr"

    def __init__(self) -> None:
        self._x = Scalar.random()
        self.public = self._x * Point.base()

    def sign(self, message: bytes) -> bytes:
        k = Scalar.hash(bytes(self._x) + secrets.token_bytes(32) + message, self.DST + b"/k")
        r = k * Point.base()
        e = Scalar.hash(bytes(r) + bytes(self.public) + message, self.DST)
        return bytes(r) + bytes(k + e * self._x)

    def verifier(self) -> SchnorrVerifier:
        return SchnorrVerifier(self.public)


class SchnorrVerifier:
    def __init__(self, public: Point) -> None:
        self.public = public

    def verify(self, message: bytes, signature: bytes) -> None:
        if len(signature) != 64:
            raise errors.IntegrityError("bad signature")
        r = Point.from_bytes(signature[:32])
        s = Scalar.from_bytes(signature[32:])
        e = Scalar.hash(bytes(r) + bytes(self.public) + message, SchnorrKey.DST)
        if s * Point.base() != r + e * self.public:
            raise errors.IntegrityError("bad signature")


# -- helpers ----------------------------------------------------------------------
class FakeClock:
    def __init__(self, t: float = 0.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


async def until(pred: Callable[[], bool], timeout: float = 10.0) -> None:
    """Wait (bounded) for a condition that network I/O will make true."""
    deadline = asyncio.get_running_loop().time() + timeout
    while not pred():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.002)


def run(coro: Awaitable[Any]) -> Any:
    return asyncio.run(asyncio.wait_for(coro, 60))  # type: ignore[arg-type]


_octets: Iterator[int] = iter(random.Random(os.getpid()).sample(range(60, 250), 190))


def fresh_host(last: int = 1) -> str:
    """A loopback address in a /16 no other test in this process used."""
    return f"127.{next(_octets)}.0.{last}"


def config(tmp: Path, name: str, **kw: Any) -> NodeConfig:
    kw.setdefault("body_bytes", BODY)
    return NodeConfig(host=fresh_host(), key_dir=tmp / name, relay_id=name, **kw)


def directory_of(nodes: list[Node], epoch: int = 0, **kw: Any) -> Directory:
    entries = tuple(
        DirectoryEntry(n.config.relay_id, n.address, tuple(n.descriptors()), **kw) for n in nodes
    )
    return Directory(epoch, 0, 1e12, entries)


async def send_raw(address: str, frames: list[bytes], *, local_host: str | None = None) -> None:
    host, port = address.rsplit(":", 1)
    _, w = await asyncio.open_connection(
        host, int(port), local_addr=(local_host, 0) if local_host else None
    )
    for f in frames:
        w.write(f)
    await w.drain()
    w.close()
    await w.wait_closed()


# -- unit pieces ---------------------------------------------------------------------
def test_token_bucket_on_a_fake_clock() -> None:
    clock = FakeClock()
    b = TokenBucket(rate=10, burst=5, clock=clock)
    assert sum(b.take() for _ in range(20)) == 5
    clock.t = 0.25
    assert sum(b.take() for _ in range(20)) == 2
    clock.t = 100
    assert sum(b.take() for _ in range(20)) == 5  # never more than the burst
    with pytest.raises(errors.N3ValueError):
        TokenBucket(rate=0, burst=1)


def test_peer_limiter_forgets_old_peers() -> None:
    lim = PeerLimiter(
        per_peer_rate=1,
        per_peer_burst=1,
        total_rate=1e9,
        total_burst=1e9,
        clock=FakeClock(),
        max_peers=2,
    )
    assert lim.allow("a") and not lim.allow("a")
    assert lim.allow("b") and lim.allow("c")  # "a" forgotten: bounded memory
    assert lim.allow("a")


def test_replay_store_survives_reopen_and_drops_old_epochs(tmp_path: Path) -> None:
    store = ReplayStore(tmp_path)
    for e in (1, 2, 3):
        assert store.cache(e).check_and_insert(b"x" * 16)
    store.close()
    again = ReplayStore(tmp_path)
    assert not again.cache(2).check_and_insert(b"x" * 16)
    assert again.drop_before(3) == [1, 2]
    assert again.epochs_on_disk() == [3]
    assert again.cache(2).check_and_insert(b"x" * 16)  # a new, empty epoch-2 cache
    again.close()


def test_group_commit_and_its_crash_window(tmp_path: Path) -> None:
    from n3crypto.node import SqliteReplayCache

    c = SqliteReplayCache(tmp_path / "a.sqlite3", batch=3)
    assert [c.check_and_insert(t) for t in (b"1", b"2", b"1")] == [True, True, False]
    assert c.check_and_insert(b"3")  # third new tag: the group is committed
    assert c.check_and_insert(b"4")  # a new group, not yet committed
    c._db.close()  # a crash: the open group is lost, the committed one is not
    c = SqliteReplayCache(tmp_path / "a.sqlite3", batch=3)
    assert [c.check_and_insert(t) for t in (b"1", b"2", b"3", b"4")] == [False] * 3 + [True]
    c.flush()
    c.close()
    c = SqliteReplayCache(tmp_path / "a.sqlite3")
    assert not c.check_and_insert(b"4") and len(c) == 4
    c.close()
    with pytest.raises(errors.N3ValueError):
        SqliteReplayCache(tmp_path / "b.sqlite3", batch=0)


def test_a_second_process_cannot_share_an_epoch_cache(tmp_path: Path) -> None:
    import sqlite3

    from n3crypto.node import SqliteReplayCache

    c = SqliteReplayCache(tmp_path / "a.sqlite3")
    assert c.check_and_insert(b"x")
    other = sqlite3.connect(tmp_path / "a.sqlite3", timeout=0.05)
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        other.execute("INSERT INTO tags (tag) VALUES (?)", (b"y",))
    other.close()
    c.close()


def test_keystore_rotation_with_overlap_and_restart(tmp_path: Path) -> None:
    clock = FakeClock(150.0)
    sched = EpochSchedule(period=100, genesis=0, overlap=10)
    ks = KeyStore(tmp_path, "127.1.0.1:1", sched, clock=clock)
    assert ks.refresh() == [1, 2]
    pub1 = ks.get(1).public_key  # type: ignore[union-attr]
    packet = create_packet([ks.get(1).descriptor], b"old", body_bytes=BODY)  # type: ignore[union-attr]
    ks.close()
    # a restart loads the same keys
    ks = KeyStore(tmp_path, "127.1.0.1:2", sched, clock=clock)
    ks.refresh()
    assert ks.get(1).public_key == pub1  # type: ignore[union-attr]
    assert ks.get(1).address == "127.1.0.1:2"  # type: ignore[union-attr]
    clock.t = 205.0  # epoch 2, inside the overlap: epoch 1 still works
    assert ks.refresh() == [1, 2, 3]
    from n3crypto.onion import process

    assert process(ks.get(1), packet) == Deliver(b"old")  # type: ignore[arg-type]
    clock.t = 211.0
    assert ks.refresh() == [2, 3]
    assert ks.get(1) is None
    assert not (tmp_path / "sphinx-1.key").exists()
    assert 1 not in ks.replay.epochs_on_disk()
    assert oct((tmp_path / "sphinx-2.key").stat().st_mode & 0o777) == "0o600"
    ks.close()
    with pytest.raises(errors.N3ValueError):
        EpochSchedule(period=10, overlap=10)


# -- directory ---------------------------------------------------------------------------
def _entries(n: int, **kw: Any) -> tuple[DirectoryEntry, ...]:
    out = []
    for i in range(n):
        k = RelayKey.generate(f"127.{i + 1}.0.1:9000")
        out.append(DirectoryEntry(f"r{i}", k.address, (k.descriptor,), **kw))
    return tuple(out)


def test_directory_sign_verify_and_refusals() -> None:
    authority = SchnorrKey()
    assert isinstance(authority, Signer) and isinstance(authority.verifier(), Verifier)
    d = Directory(0, 10, 20, _entries(4, bandwidth=5, reputation=0.5, family="f"))
    blob = d.sign(authority)
    got = Directory.from_bytes(blob, authority.verifier(), now=15)
    assert got == d
    with pytest.raises(DirectoryError, match="signature"):
        Directory.from_bytes(blob, SchnorrKey().verifier(), now=15)
    tampered = bytearray(blob)
    tampered[blob.index(b'"bandwidth":5') + 12] = ord("9")
    with pytest.raises(DirectoryError, match="signature"):
        Directory.from_bytes(bytes(tampered), authority.verifier(), now=15)
    with pytest.raises(DirectoryError, match="not valid at this time"):
        Directory.from_bytes(blob, authority.verifier(), now=21)
    for bad in (blob[:20], b"garbage", blob[:-70]):
        with pytest.raises(DirectoryError):
            Directory.from_bytes(bad, authority.verifier(), now=15)
    with pytest.raises(errors.N3ValueError):
        Directory(0, 0, 1, _entries(2) + _entries(1))  # duplicate ids


class _AcceptAll:
    def verify(self, message: bytes, signature: bytes) -> None:
        return None


_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=150)
@given(
    st.one_of(st.binary(max_size=200), _json_values.map(lambda v: json.dumps(v).encode())),
    st.sampled_from(
        [
            "epoch",
            "relays",
            "keys",
            "address",
            "bandwidth",
            "reputation",
            "issued_at",
            "valid_until",
            "id",
            "identity",
            "family",
        ]
    ),
)
def test_signed_but_malformed_directories_raise_directory_error(body: bytes, field: str) -> None:
    """Even a correctly signed body cannot crash a client with anything but DirectoryError."""
    good = json.loads(Directory(0, 0, 10, _FUZZ_ENTRIES).body())
    variants = [body]
    try:
        value = json.loads(body)
    except ValueError:
        value = None
    doc = dict(good)
    if field in doc:
        doc[field] = value
    else:
        doc["relays"] = [dict(good["relays"][0], **{field: value})]
    variants.append(json.dumps(doc).encode())
    for b in variants:
        blob = envelope.pack("onion-directory", 1, len(b).to_bytes(4, "big") + b + b"sig")
        try:
            Directory.from_bytes(blob, _AcceptAll(), now=5)
        except DirectoryError:
            pass


def test_directory_numbers_out_of_float_range_are_refused() -> None:
    for value in (10**400, -(10**400), float("inf")):
        body = json.dumps({"epoch": 0, "issued_at": value, "valid_until": 10, "relays": []})
        raw = body.encode()
        blob = envelope.pack("onion-directory", 1, len(raw).to_bytes(4, "big") + raw + b"s")
        with pytest.raises(DirectoryError):
            Directory.from_bytes(blob, _AcceptAll(), now=5)


_FUZZ_ENTRIES = tuple(
    DirectoryEntry(f"r{i}", k.address, (k.descriptor,))
    for i, k in enumerate(RelayKey.generate(f"127.{i + 1}.0.1:1") for i in range(2))
)


def test_directory_with_certificateless_signatures() -> None:
    sc = pytest.importorskip("n3crypto.signcryption")
    from n3crypto.node import ClscSigner, ClscVerifier

    kgc = sc.KGC.generate()
    auth = sc.UserKey.generate("directory-authority", kgc.public)
    auth = auth.accept_partial_key(kgc.issue_partial_key("directory-authority", auth.request()))
    d = Directory(0, 0, 1e12, _entries(3))
    blob = d.sign(ClscSigner(auth))
    assert Directory.from_bytes(blob, ClscVerifier(auth.public), now=1) == d
    other = sc.UserKey.generate("mallory", kgc.public)
    other = other.accept_partial_key(kgc.issue_partial_key("mallory", other.request()))
    with pytest.raises(DirectoryError):
        Directory.from_bytes(blob, ClscVerifier(other.public), now=1)
    assert "secret" in repr(ClscSigner(auth))


# -- path selection ----------------------------------------------------------------------
def test_paths_never_repeat_relays_networks_or_families() -> None:
    keys = [RelayKey.generate(f"127.{i // 2 + 1}.{i}.1:9000") for i in range(12)]
    fams = ["", "", "fam", "fam", "", "", "", "", "", "", "", ""]
    d = Directory(
        0,
        0,
        1,
        tuple(
            DirectoryEntry(f"r{i}", k.address, (k.descriptor,), family=fams[i])
            for i, k in enumerate(keys)
        ),
    )
    sel = PathSelector(d, rng=random.Random(5), cap=1.0)
    for _ in range(300):
        path = sel.select(4, epoch=0, destination="127.1.0.9:1")
        groups = [network_group(e.address) for e in path]
        assert len(set(groups)) == 4 and "127.1.0.0/16" not in groups
        assert sum(e.family == "fam" for e in path) <= 1
    with pytest.raises(errors.UnavailableError):
        sel.select(7, epoch=0)  # only 6 distinct /16s
    with pytest.raises(errors.UnavailableError):
        sel.select(1, epoch=5)  # nobody has keys for epoch 5


def test_weight_cap_bounds_a_greedy_relay() -> None:
    entries = list(_entries(20, bandwidth=10))
    greedy = DirectoryEntry(
        "greedy", "127.99.0.1:1", (RelayKey.generate("127.99.0.1:1").descriptor,), bandwidth=10**9
    )
    d = Directory(0, 0, 1, (*entries, greedy))
    sel = PathSelector(d, rng=random.Random(2), cap=0.1)
    picks = sum(sel.select(1, epoch=0)[0].relay_id == "greedy" for _ in range(1500))
    # capped at 10% of the capped total: whatever it claims, about 10% of picks
    assert 0.06 < picks / 1500 < 0.14
    assert sel.weights["greedy"] == pytest.approx(0.1 * sum(sel.weights.values()))
    uncapped = PathSelector(d, rng=random.Random(2), cap=1.0)
    assert sum(uncapped.select(1, epoch=0)[0].relay_id == "greedy" for _ in range(300)) == 300


def test_cap_limits_share_when_many_relays() -> None:
    entries = list(_entries(40, bandwidth=10))
    big = [
        DirectoryEntry(
            f"big{i}",
            f"127.{200 + i}.0.1:1",
            (RelayKey.generate(f"127.{200 + i}.0.1:1").descriptor,),
            bandwidth=10**6,
        )
        for i in range(2)
    ]
    sel = PathSelector(Directory(0, 0, 1, (*entries, *big)), rng=random.Random(3), cap=0.02)
    share = sum(sel.select(1, epoch=0)[0].relay_id.startswith("big") for _ in range(1500)) / 1500
    # 2 capped relays vs 40 small ones: about 2*0.02T / (2*0.02T + 400) of the picks
    expected = 2 * sel.weights["big0"] / sum(sel.weights.values())
    assert abs(share - expected) < 0.05


@settings(max_examples=200)
@given(
    st.dictionaries(st.text(min_size=1, max_size=3), st.floats(0, 1e12), max_size=40),
    st.sampled_from([0.05, 0.1, 0.25, 0.5, 1.0]),
)
def test_cap_weights_property(weights: dict[str, float], cap: float) -> None:
    capped = cap_weights(weights, cap)
    assert capped.keys() == weights.keys()
    assert all(capped[k] <= weights[k] for k in weights)
    total = sum(capped.values())
    if total > 0 and sum(w > 0 for w in weights.values()) * cap > 1:
        assert max(capped.values()) <= cap * total * (1 + 1e-9)


def test_avoid_is_honoured_then_relaxed() -> None:
    d = Directory(0, 0, 1, _entries(4))
    sel = PathSelector(d, rng=random.Random(1))
    for _ in range(50):
        path = sel.select(2, epoch=0, avoid={"r0", "r1"})
        assert {e.relay_id for e in path} == {"r2", "r3"}
    assert len(sel.select(3, epoch=0, avoid={"r0", "r1"})) == 3  # relaxed, rules kept


# -- relays in one event loop ----------------------------------------------------------------
async def _start(nodes: list[Node]) -> None:
    for n in nodes:
        await n.start()


async def _stop(nodes: list[Node]) -> None:
    for n in nodes:
        await n.stop(drain=0.5)


def test_clients_exchange_messages_with_acks_and_replies(tmp_path: Path) -> None:
    async def go() -> None:
        relays = [Node(config(tmp_path, f"r{i}")) for i in range(4)]
        alice_node = Node(config(tmp_path, "alice"))
        bob_node = Node(config(tmp_path, "bob"))
        await _start([*relays, alice_node, bob_node])
        try:
            d = Directory.from_bytes(
                directory_of(relays).sign(auth := SchnorrKey()), auth.verifier(), now=1
            )
            alice = Client(alice_node, d, hops=2, ack_timeout=5)
            bob = Client(bob_node, d, hops=2, ack_timeout=5)
            reports = await asyncio.gather(
                *(alice.send(bob.descriptor(), b"msg %d" % i) for i in range(10))
            )
            assert all(r.attempts == 1 for r in reports)
            got = sorted([(await bob.inbox.get()).data for _ in range(10)])
            assert got == sorted(b"msg %d" % i for i in range(10))
            # a request with a reply through a SURB
            task = asyncio.create_task(alice.send(bob.descriptor(), b"ping", want_reply=True))
            req = await asyncio.wait_for(bob.inbox.get(), 10)
            assert req.data == b"ping" and req.reply_surb is not None
            await bob.reply(req, b"pong")
            assert (await task).reply == b"pong"
            plain = await _noreply(alice, bob)
            with pytest.raises(errors.N3ValueError):
                await bob.reply(plain, b"x")
            assert len(alice.keyring) == 0  # every SURB secret was consumed or dropped
            assert sum(r.stats["forwarded"] for r in relays) >= 2 * 2 * 12
            assert bob.stats["duplicates"] == 0
        finally:
            await _stop([*relays, alice_node, bob_node])

    run(go())


async def _noreply(alice: Client, bob: Client) -> Any:
    await alice.send(bob.descriptor(), b"no reply wanted")
    return await asyncio.wait_for(bob.inbox.get(), 10)


def test_explicit_path_and_oversized_message(tmp_path: Path) -> None:
    async def go() -> None:
        relays = [Node(config(tmp_path, f"r{i}")) for i in range(3)]
        a, b = Node(config(tmp_path, "a")), Node(config(tmp_path, "b"))
        await _start([*relays, a, b])
        try:
            d = directory_of(relays)
            ca, cb = Client(a, d, hops=2), Client(b, d, hops=2)
            path = [d.get("r2"), d.get("r0")]
            rep = await ca.send(cb.descriptor(), b"via r2, r0", path=path)  # type: ignore[arg-type]
            assert rep.paths[0] == ["r2", "r0"]
            assert relays[1].stats["forwarded"] <= 2  # only the ack path may use r1
            with pytest.raises(errors.N3ValueError, match="room"):
                await ca.send(cb.descriptor(), bytes(BODY))
        finally:
            await _stop([*relays, a, b])

    run(go())


@pytest.mark.parametrize("batch", [1, 64])
def test_replay_rejected_also_after_relay_restart(tmp_path: Path, batch: int) -> None:
    async def go() -> None:
        cfg = config(tmp_path, "r", replay_batch=batch)
        r = Node(cfg)
        sink_cfg = config(tmp_path, "sink")
        got: list[Deliver] = []
        sink = Node(sink_cfg, on_deliver=got.append)
        await _start([r, sink])
        packet = create_packet(
            [r.descriptors()[0], sink.descriptors()[0]], b"once", body_bytes=BODY
        )
        frame = encode_frame(PACKET, packet)
        await send_raw(r.address, [frame, frame])
        await until(lambda: r.stats["received"] == 2)
        await until(lambda: len(got) == 1)
        assert r.stats["dropped_replay"] == 1
        await r.stop()
        r2 = Node(
            NodeConfig(
                host=cfg.host,
                port=int(r.address.rsplit(":", 1)[1]),
                key_dir=cfg.key_dir,
                body_bytes=BODY,
            )
        )
        await r2.start()
        assert r2.descriptors()[0].public_key == packet_key(r)
        await send_raw(r2.address, [frame])
        await until(lambda: r2.stats["received"] == 1)
        assert r2.stats["dropped_replay"] == 1 and len(got) == 1
        await _stop([r2, sink])

    def packet_key(n: Node) -> Point:
        return n.descriptors()[0].public_key

    run(go())


def test_malformed_input_is_dropped_counted_and_survived(tmp_path: Path) -> None:
    async def go() -> None:
        r = Node(config(tmp_path, "r"))
        got: list[Deliver] = []
        r.on_deliver = got.append
        await r.start()
        size = packet_bytes(BODY)
        good = create_packet(r.descriptors()[:1], b"fine", body_bytes=BODY)
        other_epoch = RelayKey.generate("127.1.0.1:1", epoch=77).descriptor
        frames = [
            encode_frame(PACKET, good[:100]),  # short
            encode_frame(PACKET, os.urandom(size)),  # random
            encode_frame(PACKET, b"\x07" + good[1:]),  # wrong version
            encode_frame(PACKET, create_packet([other_epoch], b"", body_bytes=BODY)),  # epoch
            encode_frame(PACKET, good[:5] + bytes(32) + good[37:]),  # identity α
            encode_frame(0x33, b"what"),  # unknown frame type
            encode_frame(PACKET, good),
        ]
        await send_raw(r.address, frames)
        await until(lambda: len(got) == 1)
        s = r.stats
        assert s["dropped_length"] == 1 and s["dropped_epoch"] == 2
        assert s["dropped_version"] == 1 or s["dropped_epoch"] == 2
        assert s["dropped_alpha"] == 1 and s["dropped_frame_type"] == 1
        assert s["dropped_mac"] + s["dropped_epoch"] + s["dropped_version"] >= 3
        # an oversized frame closes that connection only
        await send_raw(r.address, [(size + 100).to_bytes(4, "big") + bytes(16)])
        await until(lambda: r.stats["dropped_frame"] == 1)
        await send_raw(
            r.address,
            [
                encode_frame(
                    PACKET, create_packet(r.descriptors()[:1], b"still up", body_bytes=BODY)
                )
            ],
        )
        await until(lambda: len(got) == 2)
        assert got[1].payload == b"still up"
        await r.stop()

    run(go())


def test_flood_from_one_peer_is_limited_while_others_are_served(tmp_path: Path) -> None:
    async def go() -> None:
        frozen = FakeClock(50.0)  # no refill during the test: exact counts
        got: list[Deliver] = []
        r = Node(
            config(
                tmp_path, "r", per_peer_rate=1, per_peer_burst=20, total_rate=1e6, total_burst=1e6
            ),
            monotonic=frozen,
            on_deliver=got.append,
        )
        await r.start()
        desc = r.descriptors()[:1]
        flood = [encode_frame(PACKET, os.urandom(packet_bytes(BODY))) for _ in range(300)]
        honest = [
            encode_frame(PACKET, create_packet(desc, b"h%d" % i, body_bytes=BODY))
            for i in range(10)
        ]
        flooder, other = fresh_host(2), fresh_host(3)
        await asyncio.gather(
            send_raw(r.address, flood, local_host=flooder),
            send_raw(r.address, honest, local_host=other),
        )
        await until(lambda: r.stats["rate_limited"] + r.stats["received"] == 310)
        assert len(got) == 10  # every honest packet served
        assert r.stats["rate_limited"] == 280
        # the limiter ran before any curve work: only 20 flood packets were processed
        dropped = sum(v for k, v in r.stats.items() if k.startswith("dropped_"))
        assert r.stats["received"] == 30 and dropped == 20
        frozen.t += 5  # five seconds later the flooder has five more tokens
        await send_raw(r.address, flood[:10], local_host=flooder)
        await until(lambda: r.stats["rate_limited"] + r.stats["received"] == 320)
        assert r.stats["received"] == 35
        await r.stop()

    run(go())


def test_poisson_delays_and_cover_traffic_on_fake_sleep(tmp_path: Path) -> None:
    delays: list[float] = []

    async def fake_sleep(d: float) -> None:
        if d >= 1e8:  # the key-refresh loop: park it
            await asyncio.Event().wait()
        delays.append(d)
        await asyncio.sleep(0)

    async def go() -> None:
        sink_got: list[Deliver] = []
        sink = Node(config(tmp_path, "sink"), on_deliver=sink_got.append)
        await sink.start()
        r = Node(
            config(tmp_path, "mix", mix_delay=0.5, key_refresh=1e9),
            sleep=fake_sleep,
            rng=random.Random(7),
        )
        await r.start()
        path = [r.descriptors()[0], sink.descriptors()[0]]
        frames = [
            encode_frame(PACKET, create_packet(path, b"d", body_bytes=BODY)) for _ in range(200)
        ]
        await send_raw(r.address, frames)
        await until(lambda: len(sink_got) == 200)
        mix_delays = delays
        assert len(mix_delays) == 200
        assert 0.35 < sum(mix_delays) / 200 < 0.65  # exponential with mean 0.5
        await r.stop()

        # cover: loop packets through a relay and back to the sender, bounded
        cover_sleeps: list[float] = []
        budget = asyncio.Event()

        async def cover_sleep(d: float) -> None:
            if d >= 1e8:  # the key-refresh loop: park it
                await asyncio.Event().wait()
            cover_sleeps.append(d)
            if len(cover_sleeps) > 25:
                budget.set()
                await asyncio.Event().wait()  # park forever; stop() cancels
            await asyncio.sleep(0)

        cov = Node(
            config(tmp_path, "cov", cover_rate=10.0, key_refresh=1e9),
            sleep=cover_sleep,
            cover_path=lambda: [sink.descriptors()[0]],
        )
        cov_got: list[Deliver] = []
        cov.on_deliver = cov_got.append
        sink.on_deliver = None
        await cov.start()
        await asyncio.wait_for(budget.wait(), 10)
        await until(lambda: cov.stats["delivered"] >= 20)
        assert cov.stats["cover_sent"] >= 20 and all(c.payload == b"" for c in cov_got)
        await _stop([cov, sink])

    run(go())


def test_epoch_boundary_with_overlap(tmp_path: Path) -> None:
    async def go() -> None:
        clock = FakeClock(1050.0)
        sched = EpochSchedule(period=100, overlap=20)
        got: list[Deliver] = []
        r = Node(
            config(tmp_path, "r", schedule=sched, key_refresh=1e9),
            clock=clock,
            on_deliver=got.append,
        )
        await r.start()
        descs = {d.epoch: d for d in r.descriptors()}
        assert sorted(descs) == [10, 11]
        old = create_packet([descs[10]], b"old", body_bytes=BODY)
        new = create_packet([descs[11]], b"new", body_bytes=BODY)
        clock.t = 1105.0
        r.refresh_keys()
        await send_raw(r.address, [encode_frame(PACKET, old), encode_frame(PACKET, new)])
        await until(lambda: len(got) == 2)
        later = create_packet([descs[10]], b"too late", body_bytes=BODY)
        clock.t = 1125.0
        r.refresh_keys()
        await send_raw(r.address, [encode_frame(PACKET, later)])
        await until(lambda: r.stats["dropped_epoch"] == 1)
        assert [g.payload for g in got] == [b"old", b"new"]
        await r.stop()

    run(go())


def test_client_reroutes_around_a_dead_relay(tmp_path: Path) -> None:
    async def go() -> None:
        relays = [Node(config(tmp_path, f"r{i}")) for i in range(5)]
        a, b = Node(config(tmp_path, "a")), Node(config(tmp_path, "b"))
        await _start([*relays, a, b])
        d = directory_of(relays)
        ca = Client(
            a,
            d,
            hops=2,
            ack_timeout=1.0,
            max_attempts=8,
            rng=random.Random(4),
            suspicion_threshold=2,
        )
        cb = Client(b, d, hops=2)
        dead = relays[2]
        await dead.stop()
        reports = await asyncio.gather(*(ca.send(cb.descriptor(), b"%d" % i) for i in range(30)))
        assert sorted([(await cb.inbox.get()).data for _ in range(30)]) == sorted(
            b"%d" % i for i in range(30)
        )
        assert cb.inbox.empty()
        assert any(r.attempts > 1 for r in reports)
        assert "r2" in ca.suspected()
        # once suspected, new messages go around it at the first attempt
        rep = await ca.send(cb.descriptor(), b"after")
        assert "r2" not in rep.paths[0]
        await _stop([r for r in relays if r is not dead] + [a, b])

    run(go())


def test_duplicates_are_acked_but_delivered_once(tmp_path: Path) -> None:
    async def go() -> None:
        relays = [Node(config(tmp_path, f"r{i}")) for i in range(3)]
        a, b = Node(config(tmp_path, "a")), Node(config(tmp_path, "b"))
        await _start([*relays, a, b])
        d = directory_of(relays)
        ca, cb = Client(a, d, hops=1, ack_timeout=5), Client(b, d, hops=1)
        # drop every ack once so the sender retries a delivered message
        real = ca._on_deliver
        dropped: set[bytes] = set()

        def lossy(x: Deliver) -> None:
            sid = x.surb_id or b""
            if x.is_reply and len(dropped) < 3 and sid not in dropped:
                dropped.add(sid)
                return
            real(x)

        a.on_deliver = lossy
        ca.ack_timeout = 0.3
        ca.max_attempts = 10
        reps = await asyncio.gather(*(ca.send(cb.descriptor(), b"m%d" % i) for i in range(3)))
        assert sum(r.attempts for r in reps) >= 4
        await until(lambda: cb.stats["duplicates"] >= 1)
        assert cb.stats["received"] == 3 and cb.inbox.qsize() == 3
        await _stop([*relays, a, b])

    run(go())


def test_connection_cap_and_delay_cap(tmp_path: Path) -> None:
    async def never(d: float) -> None:
        await asyncio.Event().wait()  # delayed packets wait until stop()

    async def go() -> None:
        sink = Node(config(tmp_path, "sink"))
        r = Node(
            config(tmp_path, "r", max_connections=1, mix_delay=1.0, max_delayed=5, key_refresh=1e9),
            sleep=never,
        )
        await _start([sink, r])
        host, port = r.address.rsplit(":", 1)
        _, held = await asyncio.open_connection(host, int(port))
        await until(lambda: r.stats["connections"] == 1)
        _, second = await asyncio.open_connection(host, int(port))
        await until(lambda: r.stats["refused_connections"] == 1)
        second.close()
        path = [r.descriptors()[0], sink.descriptors()[0]]
        held.write(
            b"".join(
                encode_frame(PACKET, create_packet(path, b"d", body_bytes=BODY)) for _ in range(8)
            )
        )
        await held.drain()
        await until(lambda: r.stats["received"] == 8)
        assert r.stats["forwarded"] == 5 and r.stats["dropped_delay_full"] == 3
        held.close()
        await _stop([r, sink])

    run(go())


def test_internal_errors_drop_the_packet_not_the_relay(tmp_path: Path) -> None:
    class Broken:
        def check_and_insert(self, tag: bytes) -> bool:
            raise OSError("disk on fire")

    async def go() -> None:
        got: list[Deliver] = []
        r = Node(config(tmp_path, "r"), on_deliver=got.append)
        await r.start()
        key = r.keys.current()
        healthy = key.replay_cache
        key.replay_cache = Broken()
        desc = r.descriptors()[:2]
        epoch_desc = [d for d in desc if d.epoch == key.epoch]
        p1 = create_packet(epoch_desc, b"lost", body_bytes=BODY)
        p2 = create_packet(epoch_desc, b"served", body_bytes=BODY)
        await send_raw(r.address, [encode_frame(PACKET, p1)])
        await until(lambda: r.stats["internal_errors"] == 1)
        key.replay_cache = healthy
        await send_raw(r.address, [encode_frame(PACKET, p2)])
        await until(lambda: len(got) == 1)
        assert got[0].payload == b"served"
        await r.stop()

    run(go())


def test_node_config_and_frames_reject_bad_values(tmp_path: Path) -> None:
    with pytest.raises(errors.N3ValueError):
        NodeConfig(host="127.0.0.1", key_dir=tmp_path, body_bytes=10)
    with pytest.raises(errors.N3ValueError):
        NodeConfig(host="127.0.0.1", key_dir=tmp_path, mix_delay=-1)
    with pytest.raises(errors.N3ValueError):
        encode_frame(256, b"")


def test_load_config(tmp_path: Path) -> None:
    from n3crypto.node.daemon import load_config

    p = tmp_path / "r.toml"
    p.write_text(
        '[relay]\nid = "r9"\nhost = "127.9.0.1"\nkey_dir = "k"\n'
        "[epochs]\nperiod = 60\noverlap = 5\n[limits]\nper_peer_rate = 3\n"
        "[mixing]\ndelay = 0.1\n[replay]\nbatch = 32\n"
    )
    cfg = load_config(p)
    assert cfg.relay_id == "r9" and cfg.key_dir == tmp_path / "k"
    assert cfg.schedule.period == 60 and cfg.per_peer_rate == 3 and cfg.mix_delay == 0.1
    assert cfg.replay_batch == 32
    for bad in (
        '[relay]\nid = "x"\n',
        "[nope]\n",
        '[relay]\nid="x"\nhost="h"\nkey_dir="k"\nz=1\n',
        "not toml [",
    ):
        p.write_text(bad)
        with pytest.raises(errors.N3ValueError):
            load_config(p)


def test_loopback_addresses_are_usable() -> None:
    """The tests rely on 127.<i>.0.1 being bindable (all of 127/8 is loopback)."""
    s = socket.socket()
    try:
        s.bind((fresh_host(), 0))
    finally:
        s.close()


def test_no_secrets_in_logs(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    import logging

    caplog.set_level(logging.DEBUG, logger="n3crypto")

    async def go() -> bytes:
        r = Node(config(tmp_path, "r"))
        await r.start()
        secret = r.keys.current().private_bytes()
        packet = create_packet(r.descriptors()[:1], b"very private words", body_bytes=BODY)
        await send_raw(r.address, [encode_frame(PACKET, packet)])
        await until(lambda: r.stats["delivered"] == 1)
        await r.stop()
        return secret

    secret = run(go())
    text = caplog.text
    assert "very private words" not in text
    assert secret[-64:-32].hex() not in text
    assert hashlib.sha256(b"").hexdigest() not in text  # sanity: text exists
    assert "listening" in text


def test_failing_deliver_handler_is_counted_not_logged_verbatim(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    import logging

    caplog.set_level(logging.DEBUG, logger="n3crypto")

    def bad(d: Deliver) -> None:
        raise ValueError(d.payload.decode())

    async def asyncbad(d: Deliver) -> None:
        raise ValueError(d.payload.decode())

    async def go() -> None:
        r = Node(config(tmp_path, "r"), on_deliver=bad)
        await r.start()
        desc = r.descriptors()[-1:]
        await send_raw(
            r.address,
            [encode_frame(PACKET, create_packet(desc, b"secret words one", body_bytes=BODY))],
        )
        await until(lambda: r.stats["deliver_handler_errors"] == 1)
        r.on_deliver = asyncbad
        await send_raw(
            r.address,
            [encode_frame(PACKET, create_packet(desc, b"secret words two", body_bytes=BODY))],
        )
        await until(lambda: r.stats["deliver_handler_errors"] == 2)
        await r.stop()

    run(go())
    assert "secret words" not in caplog.text
    assert "ValueError" in caplog.text
