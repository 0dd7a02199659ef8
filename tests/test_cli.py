"""The command line, the demo, envelopes and atomic writes."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner

from n3crypto import envelope, errors
from n3crypto.cli import main
from n3crypto.rs import Shard


def test_demo_all_chapters() -> None:
    res = CliRunner().invoke(main, ["demo", "--chapter", "all", "--seed", "1"])
    assert res.exit_code == 0, res.output
    assert "matches" in res.output


def test_demo_chapter_and_list() -> None:
    r = CliRunner().invoke(main, ["demo", "--list"])
    assert r.exit_code == 0 and "reed-solomon" in r.output
    r = CliRunner().invoke(main, ["demo", "--chapter", "reed-solomon", "--seed", "3"])
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(main, ["demo", "--chapter", "nope"])
    assert r.exit_code == 2


def test_demo_bad_network_parameters() -> None:
    r = CliRunner().invoke(main, ["demo", "--relays", "2"])
    assert r.exit_code == 1
    assert "need relays" in r.output


@pytest.mark.slow
def test_network_demo_small(tmp_path: Path) -> None:
    report = tmp_path / "r.json"
    r = CliRunner().invoke(
        main,
        [
            "demo",
            "--relays",
            "6",
            "--malicious",
            "1",
            "--transfers",
            "40",
            "--seed",
            "3",
            "--json",
            str(report),
        ],
    )
    assert r.exit_code == 0, r.output
    import json

    doc = json.loads(report.read_text())
    assert {"malicious", "blacklisted", "transfers", "intact", "failed"} <= set(doc)
    assert doc["transfers"] == 40


def test_info() -> None:
    r = CliRunner().invoke(main, ["info"])
    assert r.exit_code == 0 and "kernels" in r.output


def test_rs_encode_decode_with_loss_and_corruption(tmp_path: Path) -> None:
    src = tmp_path / "f.bin"
    data = os.urandom(50_000)
    src.write_bytes(data)
    r = CliRunner().invoke(
        main, ["rs", "encode", str(src), "-k", "5", "-m", "4", "-o", str(tmp_path / "s")]
    )
    assert r.exit_code == 0, r.output
    files = sorted((tmp_path / "s").iterdir())
    assert len(files) == 9
    files[1].unlink()
    blob = bytearray(files[6].read_bytes())
    blob[100] ^= 0xFF
    files[6].write_bytes(bytes(blob))
    out = tmp_path / "out.bin"
    r = CliRunner().invoke(main, ["rs", "decode", *map(str, files[:1] + files[2:]), "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_bytes() == data
    assert "[6]" in r.output and "[1]" in r.output


def test_rs_decode_failures(tmp_path: Path) -> None:
    src = tmp_path / "f.bin"
    src.write_bytes(b"x" * 1000)
    CliRunner().invoke(
        main, ["rs", "encode", str(src), "-k", "4", "-m", "1", "-o", str(tmp_path / "s")]
    )
    files = sorted((tmp_path / "s").iterdir())
    r = CliRunner().invoke(main, ["rs", "decode", str(files[0]), "-o", str(tmp_path / "o")])
    assert r.exit_code == 1 and "at least 4" in r.output
    junk = tmp_path / "junk"
    junk.write_bytes(b"garbage")
    r = CliRunner().invoke(main, ["rs", "decode", str(junk), "-o", str(tmp_path / "o")])
    assert r.exit_code == 1
    assert not (tmp_path / "o").exists()
    r = CliRunner().invoke(main, ["rs", "encode", str(src), "-k", "0", "-o", str(tmp_path / "t")])
    assert r.exit_code == 2


def test_envelope_rejects_bad_input() -> None:
    blob = envelope.pack("thing", 1, b"abc")
    assert envelope.unpack(blob, "thing") == (1, b"abc")
    with pytest.raises(errors.InvalidEncoding, match="magic"):
        envelope.unpack(b"XX" + blob[2:], "thing")
    with pytest.raises(errors.InvalidEncoding, match="expected"):
        envelope.unpack(blob, "other")
    with pytest.raises(errors.InvalidEncoding, match="version"):
        envelope.unpack(envelope.pack("thing", 2, b""), "thing")
    with pytest.raises(errors.InvalidEncoding):
        envelope.unpack(blob[:4], "thing")
    with pytest.raises(errors.InvalidEncoding):
        Shard.from_bytes(envelope.pack("rs-shard", 1, b"short"))
    with pytest.raises(errors.InvalidEncoding):
        Shard.from_bytes(envelope.pack("rs-shard", 1, bytes(16) + bytes([0, 1, 0])))
