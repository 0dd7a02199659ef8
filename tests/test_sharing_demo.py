"""The "committee" demo chapter runs and tells the story it promises."""

from __future__ import annotations

import io
import random

from rich.console import Console

from n3crypto.sharing import demo_chapter


def test_demo_chapter_committee() -> None:
    buf = io.StringIO()
    demo_chapter(Console(file=buf, width=120, color_system=None), random.Random(3))
    out = buf.getvalue()
    assert "Chapter: committee" in out
    assert "named and excluded" in out  # the cheating member is named
    assert "✗" not in out  # every relay's tally matches the ratings cast
    assert "secret recovered, bad share(s) named: [" in out
