"""``n3crypto relay ...`` (the click group the main CLI registers)."""

from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from n3crypto.cli_onion import relay
from n3crypto.node.spawn import spawn_relays, stop_relays
from n3crypto.onion import RelayDescriptor, RelayKey
from tests.test_node import fresh_host


def test_keygen_writes_a_private_key_and_prints_the_descriptor(tmp_path: Path) -> None:
    out = tmp_path / "k.key"
    res = CliRunner().invoke(relay, ["keygen", "--address", "127.5.0.1:9000", "--out", str(out)])
    assert res.exit_code == 0, res.output
    d = RelayDescriptor.from_bytes(bytes.fromhex(res.output.strip()))
    assert RelayKey.load(out).descriptor == d
    assert stat.S_IMODE(os.stat(out).st_mode) == 0o600
    secret = RelayKey.load(out).private_bytes()[-64:-32].hex()
    assert secret not in res.output
    again = CliRunner().invoke(relay, ["keygen", "--address", "x:1", "--out", str(out)])
    assert again.exit_code == 2 and "refusing" in again.output
    bad = CliRunner().invoke(relay, ["keygen", "--address", "no spaces:1", "--out", str(out) + "2"])
    assert bad.exit_code == 2


def test_status_of_nothing_fails_cleanly() -> None:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nobody listens there now
    res = CliRunner().invoke(relay, ["status", f"127.0.0.1:{port}", "--timeout", "2"])
    assert res.exit_code == 1 and "no status" in res.output


def test_run_refuses_bad_configs(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.toml"
    cfg.write_text("[relay]\nid = 'x'\n")
    res = CliRunner().invoke(relay, ["run", "--config", str(cfg)])
    assert res.exit_code == 2 and "host" in res.output
    res = CliRunner().invoke(relay, ["run", "--config", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2


@pytest.mark.slow
def test_directory_send_receive_end_to_end(tmp_path: Path) -> None:
    sc = pytest.importorskip("n3crypto.signcryption")
    kgc = sc.KGC.generate()
    auth = sc.UserKey.generate("directory-authority", kgc.public)
    auth = auth.accept_partial_key(kgc.issue_partial_key("directory-authority", auth.request()))
    (tmp_path / "authority.key").write_bytes(auth.to_bytes())
    (tmp_path / "authority.pub").write_bytes(bytes(auth.public))
    first = int(fresh_host().split(".")[1])
    relays = spawn_relays(3, tmp_path, first_octet=min(first, 240))
    try:
        descs = []
        for r in relays:
            p = tmp_path / f"{r.relay_id}.json"
            p.write_text(json.dumps(r.info))
            descs.append(str(p))
        res = CliRunner().invoke(
            relay,
            [
                "directory",
                "--signer",
                str(tmp_path / "authority.key"),
                "--out",
                str(tmp_path / "dir.bin"),
                *descs,
            ],
        )
        assert res.exit_code == 0, res.output
        common = [
            "--directory",
            str(tmp_path / "dir.bin"),
            "--authority",
            str(tmp_path / "authority.pub"),
        ]
        receiver = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "n3crypto.node",
                "receive",
                *common,
                "--host",
                fresh_host(),
                "--key-dir",
                str(tmp_path / "bob"),
                "--descriptor-out",
                str(tmp_path / "bob.desc"),
                "--count",
                "1",
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        try:
            deadline = time.monotonic() + 30
            while not (tmp_path / "bob.desc").exists():
                assert receiver.poll() is None, receiver.stderr.read()  # type: ignore[union-attr]
                assert time.monotonic() < deadline, "receiver did not start"
                time.sleep(0.05)
            res = CliRunner().invoke(
                relay,
                [
                    "send",
                    *common,
                    "--to",
                    str(tmp_path / "bob.desc"),
                    "--host",
                    fresh_host(),
                    "--key-dir",
                    str(tmp_path / "alice"),
                    "--hops",
                    "2",
                    "hello from the cli",
                ],
            )
            assert res.exit_code == 0, res.output
            assert "acknowledged" in res.output
            out, _ = receiver.communicate(timeout=30)
            assert out.decode().strip() == "hello from the cli"
        finally:
            if receiver.poll() is None:
                receiver.kill()
                receiver.wait(10)
        # a forged directory is refused
        blob = bytearray((tmp_path / "dir.bin").read_bytes())
        blob[40] ^= 1
        (tmp_path / "forged.bin").write_bytes(bytes(blob))
        res = CliRunner().invoke(
            relay,
            [
                "send",
                "--directory",
                str(tmp_path / "forged.bin"),
                "--authority",
                str(tmp_path / "authority.pub"),
                "--to",
                str(tmp_path / "bob.desc"),
                "--host",
                fresh_host(),
                "--key-dir",
                str(tmp_path / "alice"),
                "x",
            ],
        )
        assert res.exit_code == 1
        forwarded = 0
        for r in relays:
            res = CliRunner().invoke(relay, ["status", r.address])
            assert res.exit_code == 0, res.output
            forwarded += json.loads(res.output).get("forwarded", 0)
        assert forwarded >= 4  # two hops out, two hops back for the acknowledgment
    finally:
        stop_relays(relays)
