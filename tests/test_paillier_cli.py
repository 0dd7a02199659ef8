"""``n3crypto paillier`` commands (the group is tested standalone; the lead
registers it in the main CLI)."""

from __future__ import annotations

import json
import pathlib

import pytest
from click.testing import CliRunner

from n3crypto.cli_paillier import paillier


@pytest.fixture
def keys(tmp_path: pathlib.Path) -> tuple[pathlib.Path, pathlib.Path, pathlib.Path]:
    pw = tmp_path / "pw.txt"
    pw.write_text("correct horse battery\n")
    runner = CliRunner()
    key, pub = tmp_path / "k.key", tmp_path / "k.pub"
    res = runner.invoke(
        paillier,
        [
            "keygen",
            "--bits",
            "512",
            "--insecure-size",
            "--out",
            str(key),
            "--public-out",
            str(pub),
            "--passphrase-file",
            str(pw),
        ],
    )
    assert res.exit_code == 0, res.output
    return key, pub, pw


def test_encrypt_sum_decrypt(keys: tuple[pathlib.Path, pathlib.Path, pathlib.Path]) -> None:
    key, pub, pw = keys
    runner = CliRunner()
    assert b"correct horse" not in key.read_bytes()
    assert (key.stat().st_mode & 0o777) == 0o600
    enc = runner.invoke(
        paillier,
        ["encrypt", str(pub), "--insecure-size", "--mode", "fast", "--bound", "100"],
        input="5\n-7\n# comment\n40\n",
    )
    assert enc.exit_code == 0, enc.output
    lines = enc.output.strip().splitlines()
    assert len(lines) == 3 and json.loads(lines[0])["kind"] == "paillier-ciphertext"
    total = runner.invoke(paillier, ["sum", str(pub), "--insecure-size"], input=enc.output)
    assert total.exit_code == 0, total.output
    dec = runner.invoke(
        paillier,
        ["decrypt", str(key), "--insecure-size", "--passphrase-file", str(pw)],
        input=enc.output + total.output,
    )
    assert dec.exit_code == 0, dec.output
    assert dec.output.split() == ["5", "-7", "40", "38"]


def test_cli_errors(
    keys: tuple[pathlib.Path, pathlib.Path, pathlib.Path], tmp_path: pathlib.Path
) -> None:
    key, pub, _pw = keys
    runner = CliRunner()
    bad_pw = tmp_path / "bad.txt"
    bad_pw.write_text("wrong\n")
    res = runner.invoke(
        paillier,
        ["decrypt", str(key), "--insecure-size", "--passphrase-file", str(bad_pw)],
        input="",
    )
    assert res.exit_code == 1 and "wrong passphrase" in res.output
    res = runner.invoke(paillier, ["encrypt", str(pub)], input="1\n")  # 512-bit without the flag
    assert res.exit_code == 1 and "insecure" in res.output
    res = runner.invoke(paillier, ["encrypt", str(pub), "--insecure-size"], input="abc\n")
    assert res.exit_code == 2
    res = runner.invoke(paillier, ["sum", str(pub), "--insecure-size"], input="{not json\n")
    assert res.exit_code == 1 and "JSON" in res.output
    res = runner.invoke(paillier, ["inspect", str(key)])
    assert res.exit_code == 0 and "sealed" in res.output
    out = tmp_path / "p.json"
    res = runner.invoke(
        paillier,
        [
            "pubkey",
            str(key),
            "--out",
            str(out),
            "--json",
            "--insecure-size",
            "--passphrase-env",
            "N3_TEST_PW",
        ],
        env={"N3_TEST_PW": "correct horse battery"},
    )
    assert res.exit_code == 0, res.output
    assert json.loads(out.read_text())["kind"] == "paillier-public-key"
