"""Key files: armour, envelopes, passphrase protection, atomic 0600 writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from n3crypto import envelope, errors
from n3crypto.signcryption import KGC, KeyRequest, KGCPublic, PartialKey, PublicKey, UserKey
from n3crypto.signcryption import keyfiles as kf


@pytest.fixture(scope="module")
def objs() -> dict[str, object]:
    kgc = KGC.generate()
    u = UserKey.generate("alice", kgc.public)
    req = u.request()
    partial = kgc.issue_partial_key("alice", req)
    pending = UserKey.from_bytes(u.to_bytes())
    u.accept_partial_key(partial)
    return {
        "kgc": kgc,
        "kgcpub": kgc.public,
        "req": req,
        "partial": partial,
        "user": u,
        "pending": pending,
        "pub": u.public,
    }


@pytest.mark.parametrize("name", ["kgc", "kgcpub", "req", "partial", "user", "pending", "pub"])
def test_round_trip_every_object(objs: dict[str, object], name: str, tmp_path: Path) -> None:
    obj = objs[name]
    path = tmp_path / f"{name}.key"
    kf.save(path, obj)
    text = path.read_text()
    assert text.startswith("-----BEGIN N3CRYPTO ") and text.endswith("-----\n")
    assert all(len(line) <= 64 for line in text.splitlines()[1:-1])
    back = kf.load(path)
    assert type(back) is type(obj)
    secret = isinstance(obj, KGC | UserKey)
    assert (path.stat().st_mode & 0o777) == (0o600 if secret else 0o644)
    if isinstance(obj, KGC):
        assert back.public == obj.public
    elif isinstance(obj, UserKey):
        assert back.to_bytes() == obj.to_bytes()
    else:
        assert bytes(back) == bytes(obj)  # type: ignore[call-overload]
    rows = dict(kf.describe(path.read_bytes()))
    assert rows["kind"] == envelope.peek_kind(kf.dearmor(path.read_bytes()))
    if isinstance(obj, UserKey):
        assert bytes(obj._x).hex() not in repr(rows)


def test_passphrase_protection(objs: dict[str, object], tmp_path: Path) -> None:
    user = objs["user"]
    assert isinstance(user, UserKey)
    path = tmp_path / "user.key"
    kf.save(path, user, passphrase=b"correct horse", kdf_log2_n=10)
    data = path.read_bytes()
    assert b"ENCRYPTED USER KEY" in data
    assert kf.is_encrypted(data)
    with pytest.raises(errors.InvalidKey, match="passphrase-protected"):
        kf.load(path)
    with pytest.raises(errors.InvalidKey, match="wrong passphrase"):
        kf.load(path, passphrase=b"wrong")
    assert kf.load(path, passphrase=b"correct horse").public == user.public
    assert kf.kdf_cost_of(data) == 10
    assert dict(kf.describe(data))["contains"] == "clsc-user-key"
    # Public objects are never encrypted.
    with pytest.raises(errors.N3ValueError):
        kf.armor(bytes(user.public), passphrase=b"x")


def test_tampered_encrypted_key(objs: dict[str, object]) -> None:
    blob = kf.dearmor(kf.armor(objs["kgc"].to_bytes(), passphrase=b"pw", kdf_log2_n=10).encode())  # type: ignore[attr-defined]
    for i in range(len(blob) - 60, len(blob)):
        bad = bytearray(blob)
        bad[i] ^= 1
        with pytest.raises(errors.N3ValueError):
            kf.load_bytes(bytes(bad), passphrase=b"pw")


@pytest.mark.parametrize(
    ("log2_n", "r", "p"), [(22, 8, 4), (21, 1, 1), (20, 16, 1), (20, 8, 16), (9, 8, 4), (15, 0, 4)]
)
def test_hostile_kdf_parameters_refused_before_scrypt(
    objs: dict[str, object], log2_n: int, r: int, p: int
) -> None:
    # A crafted file must not make the loader run scrypt with gigabytes of
    # memory or minutes of work: the stored cost is checked first.
    import time

    blob = kf.dearmor(kf.armor(objs["kgc"].to_bytes(), passphrase=b"pw", kdf_log2_n=10).encode())  # type: ignore[attr-defined]
    _, body = envelope.unpack(blob, kf.ENCRYPTED_KIND)
    off = 1 + body[0]
    forged = body[:off] + bytes([log2_n, r, p]) + body[off + 3 :]
    t0 = time.perf_counter()
    with pytest.raises(errors.InvalidEncoding, match="KDF parameters out of range"):
        kf.load_bytes(envelope.pack(kf.ENCRYPTED_KIND, 1, forged), passphrase=b"pw")
    assert time.perf_counter() - t0 < 0.5
    with pytest.raises(errors.N3ValueError):
        kf.armor(objs["kgc"].to_bytes(), passphrase=b"pw", kdf_log2_n=21)  # type: ignore[attr-defined]


def test_corrupt_files(objs: dict[str, object]) -> None:
    good = kf.armor(bytes(objs["pub"])).encode()  # type: ignore[call-overload]
    with pytest.raises(errors.InvalidEncoding, match="no armour"):
        kf.load_bytes(b"hello")
    with pytest.raises(errors.InvalidEncoding):
        kf.load_bytes(good.replace(b"PUBLIC KEY", b"PARTIAL KEY"))  # label/content mismatch
    lines = good.splitlines()
    with pytest.raises(errors.N3ValueError):
        kf.load_bytes(b"\n".join([lines[0], lines[1][:-4] + b"!!!!", *lines[2:]]))
    with pytest.raises(errors.N3ValueError):
        kf.load_bytes(b"\n".join([lines[0], lines[1][:40], lines[-1]]))  # truncated
    raw = kf.dearmor(good)
    assert kf.load_bytes(raw) == objs["pub"]  # raw envelopes are accepted too
    with pytest.raises(errors.InvalidEncoding):
        kf.load_bytes(raw + b"\x00")  # trailing bytes


def test_parsers_reject_wrong_kinds(objs: dict[str, object]) -> None:
    pub_blob = bytes(objs["pub"])  # type: ignore[call-overload]
    for cls in (KGCPublic, KeyRequest, PartialKey):
        with pytest.raises(errors.InvalidEncoding):
            cls.from_bytes(pub_blob)  # type: ignore[attr-defined]
    with pytest.raises(errors.InvalidEncoding):
        PublicKey.from_bytes(bytes(objs["kgcpub"]))  # type: ignore[call-overload]


def test_save_is_atomic(objs: dict[str, object], tmp_path: Path) -> None:
    path = tmp_path / "k.pub"
    kf.save(path, objs["pub"])
    before = path.read_bytes()
    with pytest.raises(errors.N3TypeError):
        kf.save(path, object())
    assert path.read_bytes() == before
    assert not [p for p in os.listdir(tmp_path) if p.startswith(".")]
