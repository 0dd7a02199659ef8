"""The issuance log (hash chain, KGC signatures, second-key audit) and the demo chapter."""

from __future__ import annotations

import io
import json
import random
import threading
from pathlib import Path

import pytest
from rich.console import Console

from n3crypto import errors
from n3crypto.signcryption import (
    KGC,
    IssuanceLog,
    UserKey,
    audit,
    demo_chapter,
    verify_kgc_signature,
)


def _issue(kgc: KGC, log: IssuanceLog, name: str, **kw: object) -> None:
    u = UserKey.generate(name, kgc.public)
    p = kgc.issue_partial_key(name, u.request(), log=log, **kw)  # type: ignore[arg-type]
    u.accept_partial_key(p, now=kw.get("now"))  # type: ignore[arg-type]


def test_log_chain_and_duplicates(tmp_path: Path) -> None:
    kgc = KGC.generate()
    log = IssuanceLog(tmp_path / "kgc.log")
    t = 1_800_000_000
    _issue(kgc, log, "alice", now=t, validity=100)
    _issue(kgc, log, "bob", now=t)
    _issue(kgc, log, "alice", now=t + 200)  # renewal after expiry: fine
    report = audit(log.path, kgc.public)
    assert [e.seq for e in report.entries] == [0, 1, 2]
    assert report.duplicates == {}
    assert len(report.keys_of("ALICE")) == 2
    _issue(kgc, log, "bob", now=t + 10)  # a second key while the first is valid
    report = audit(log.path, kgc.public)
    assert set(report.duplicates) == {"bob"}
    assert [e.seq for e in report.duplicates["bob"]] == [1, 3]
    for e in report.entries:
        assert verify_kgc_signature(kgc.public, e.hash, e.signature)


def test_log_tampering_is_caught(tmp_path: Path) -> None:
    kgc = KGC.generate()
    log = IssuanceLog(tmp_path / "kgc.log")
    for name in ("a", "b", "c"):
        _issue(kgc, log, name)
    lines = log.path.read_text().splitlines()

    def check(new_lines: list[str], match: str) -> None:
        path = tmp_path / "forged.log"
        path.write_text("\n".join(new_lines) + "\n")
        with pytest.raises(errors.IntegrityError, match=match):
            audit(path, kgc.public)

    check([lines[0], lines[2]], "sequence")  # dropped entry
    e = json.loads(lines[1])
    e["identity"] = "mallory"
    check([lines[0], json.dumps(e), lines[2]], "hash")
    e = json.loads(lines[1])
    e["signature"] = e["signature"][:-2] + ("00" if e["signature"][-2:] != "00" else "01")
    check([lines[0], json.dumps(e), lines[2]], "signature")
    other = KGC.generate()
    with pytest.raises(errors.IntegrityError, match="signature"):
        audit(log.path, other.public)  # another KGC's key
    (tmp_path / "bad.log").write_text("{not json\n")
    with pytest.raises(errors.InvalidEncoding):
        audit(tmp_path / "bad.log", kgc.public)


def test_concurrent_appends_keep_the_chain(tmp_path: Path) -> None:
    kgc = KGC.generate()
    log = IssuanceLog(tmp_path / "kgc.log")
    ts = [threading.Thread(target=_issue, args=(kgc, log, f"user{i}")) for i in range(6)]
    for t in ts:
        t.start()
    for t in ts:
        t.join()
    assert len(audit(log.path, kgc.public).entries) == 6


def test_demo_chapter_tells_the_story() -> None:
    out = io.StringIO()
    demo_chapter(Console(file=out, width=100), random.Random(3))
    text = out.getvalue()
    assert "Chapter: signcryption" in text
    assert "names or keys visible in it: no" in text
    assert "rejected" in text
    assert "lacks Bob's secret value" in text
