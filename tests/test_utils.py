"""``atomic_write``: old file or new file, never half of one."""

from __future__ import annotations

import errno
import os
from pathlib import Path

import pytest

from n3crypto.utils import atomic_write


def test_mode_and_overwrite(tmp_path: Path) -> None:
    p = tmp_path / "f"
    atomic_write(p, b"one", mode=0o600)
    assert p.read_bytes() == b"one" and (p.stat().st_mode & 0o777) == 0o600
    atomic_write(p, b"two")
    assert p.read_bytes() == b"two" and (p.stat().st_mode & 0o777) == 0o644
    assert os.listdir(tmp_path) == ["f"]


@pytest.mark.parametrize("hard_links", [True, False])
def test_no_overwrite_keeps_the_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, hard_links: bool
) -> None:
    if not hard_links:

        def no_link(src: object, dst: object) -> None:
            raise OSError(errno.EPERM, "Operation not permitted")

        monkeypatch.setattr(os, "link", no_link)
    p = tmp_path / "f"
    atomic_write(p, b"new", mode=0o600, overwrite=False)
    assert p.read_bytes() == b"new" and (p.stat().st_mode & 0o777) == 0o600
    with pytest.raises(FileExistsError) as info:
        atomic_write(p, b"other", overwrite=False)
    assert os.fspath(info.value.filename) == os.fspath(p)
    assert p.read_bytes() == b"new"
    assert os.listdir(tmp_path) == ["f"]
