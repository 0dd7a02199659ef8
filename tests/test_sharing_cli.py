"""``n3crypto sharing`` CLI (the group is tested directly; the lead registers it)."""

from __future__ import annotations

import json
import os
import stat
import threading
from pathlib import Path

from click.testing import CliRunner

from n3crypto.cli_sharing import sharing


def test_split_combine_files(tmp_path: Path) -> None:
    secret = os.urandom(100)
    (tmp_path / "secret.bin").write_bytes(secret)
    runner = CliRunner()
    out = tmp_path / "shares"
    r = runner.invoke(
        sharing,
        [
            "split",
            "-n",
            "5",
            "-t",
            "3",
            "--in",
            str(tmp_path / "secret.bin"),
            "--out-dir",
            str(out),
        ],
    )
    assert r.exit_code == 0, r.output
    files = sorted(out.glob("share-*.json"))
    assert len(files) == 5
    assert (files[0].stat().st_mode & 0o777) == 0o600
    r = runner.invoke(sharing, ["combine", *map(str, files[1:4]), "--out", str(tmp_path / "o.bin")])
    assert r.exit_code == 0, r.output
    assert (tmp_path / "o.bin").read_bytes() == secret
    # stdin in, stdout out
    r = runner.invoke(
        sharing, ["split", "-n", "3", "-t", "2", "--out-dir", str(tmp_path / "s2")], input=b"hello"
    )
    assert r.exit_code == 0
    r = runner.invoke(
        sharing,
        ["combine", str(tmp_path / "s2" / "share-1.json"), str(tmp_path / "s2" / "share-3.json")],
    )
    assert r.exit_code == 0 and r.stdout_bytes == b"hello"
    # refusing to overwrite
    r = runner.invoke(
        sharing, ["split", "-n", "3", "-t", "2", "--out-dir", str(tmp_path / "s2")], input=b"x"
    )
    assert r.exit_code == 1


def test_robust_combine_names_bad_share(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "s"
    assert (
        runner.invoke(
            sharing, ["split", "-n", "6", "-t", "2", "--out-dir", str(out)], input=b"top secret"
        ).exit_code
        == 0
    )
    f = out / "share-4.json"
    obj = json.loads(f.read_text())
    obj["value"] = "00" * (len(obj["value"]) // 2)
    f.write_text(json.dumps(obj))
    files = [str(p) for p in sorted(out.glob("share-*.json"))]
    r = runner.invoke(sharing, ["combine", *files])
    assert r.exit_code == 1 and "inconsistent" in r.stderr
    r = runner.invoke(sharing, ["robust-combine", *files])
    assert r.exit_code == 0 and r.stdout_bytes == b"top secret"
    assert "index 4" in r.stderr
    r = runner.invoke(sharing, ["inspect", *files])
    assert r.exit_code == 0 and "gf256" in r.stdout and obj["value"] not in r.stdout


def test_usage_errors(tmp_path: Path) -> None:
    runner = CliRunner()
    r = runner.invoke(
        sharing, ["split", "-n", "2", "-t", "3", "--out-dir", str(tmp_path)], input=b"x"
    )
    assert r.exit_code == 1 and "exceeds" in r.stderr
    r = runner.invoke(
        sharing, ["split", "-n", "2", "-t", "1", "--out-dir", str(tmp_path)], input=b""
    )
    assert r.exit_code == 1
    r = runner.invoke(sharing, ["combine"])
    assert r.exit_code == 2


def test_split_files_are_private_and_kept_without_force(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "s"
    r = runner.invoke(sharing, ["split", "-n", "3", "-t", "2", "--out-dir", str(out)], input=b"a")
    assert r.exit_code == 0, r.output
    files = sorted(out.glob("share-*.json"))
    assert [p.name for p in files] == ["share-1.json", "share-2.json", "share-3.json"]
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in files)
    before = {p: p.read_bytes() for p in files}
    r = runner.invoke(sharing, ["split", "-n", "3", "-t", "2", "--out-dir", str(out)], input=b"b")
    assert r.exit_code == 1
    assert f"File exists: {out / 'share-1.json'}" in " ".join(r.stderr.split())
    assert {p: p.read_bytes() for p in files} == before
    assert sorted(p.name for p in out.iterdir()) == [p.name for p in files]  # no temporaries
    r = runner.invoke(
        sharing, ["split", "-n", "3", "-t", "2", "--out-dir", str(out), "--force"], input=b"b"
    )
    assert r.exit_code == 0, r.output
    assert all(p.read_bytes() != before[p] for p in files)
    assert all((p.stat().st_mode & 0o777) == 0o600 for p in files)
    secret = tmp_path / "secret.bin"
    r = runner.invoke(sharing, ["combine", *map(str, files[:2]), "--out", str(secret)])
    assert r.exit_code == 0 and secret.read_bytes() == b"b"
    assert (secret.stat().st_mode & 0o777) == 0o600
    r = runner.invoke(sharing, ["combine", *map(str, files[:2]), "--out", str(tmp_path / "no/x")])
    assert r.exit_code == 1
    assert f"No such file or directory: {tmp_path / 'no/x'}" in " ".join(r.stderr.split())


def test_split_refuses_before_writing_any_share(tmp_path: Path) -> None:
    # Only the last target exists: nothing of the new dealing may be written,
    # or old and new shares would end up side by side.
    runner = CliRunner()
    out = tmp_path / "s"
    out.mkdir()
    (out / "share-3.json").write_bytes(b"old")
    r = runner.invoke(sharing, ["split", "-n", "3", "-t", "2", "--out-dir", str(out)], input=b"a")
    assert r.exit_code == 1
    assert f"File exists: {out / 'share-3.json'}" in " ".join(r.stderr.split())
    assert sorted(p.name for p in out.iterdir()) == ["share-3.json"]
    assert (out / "share-3.json").read_bytes() == b"old"


def test_combine_writes_through_links_and_into_pipes(tmp_path: Path) -> None:
    runner = CliRunner()
    out = tmp_path / "s"
    r = runner.invoke(sharing, ["split", "-n", "2", "-t", "2", "--out-dir", str(out)], input=b"p")
    assert r.exit_code == 0, r.output
    files = [str(p) for p in sorted(out.glob("share-*.json"))]
    real, link = tmp_path / "real.bin", tmp_path / "link.bin"
    real.write_bytes(b"old")
    link.symlink_to(real)
    assert runner.invoke(sharing, ["combine", *files, "--out", str(link)]).exit_code == 0
    assert link.is_symlink() and real.read_bytes() == b"p"
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    got: list[bytes] = []
    reader = threading.Thread(target=lambda: got.append(fifo.read_bytes()), daemon=True)
    reader.start()
    r = runner.invoke(sharing, ["combine", *files, "--out", str(fifo)])
    reader.join(10)
    assert r.exit_code == 0, r.output
    assert got == [b"p"] and stat.S_ISFIFO(fifo.stat().st_mode)
