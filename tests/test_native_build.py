"""Properties of the built native module itself."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import n3crypto._native as native
import pytest

from n3crypto.bindings import lib


@pytest.mark.skipif(shutil.which("objdump") is None, reason="objdump not installed")
def test_every_wide_simd_function_clears_upper_state_before_returning() -> None:
    """AVX code must end with VZEROUPPER, or SSE code after it (in CPython, libc)
    pays a transition penalty. The compiler emits it for target("avx2")
    functions; this checks the binary, function by function."""
    if not lib.n3_build_has_simd():
        pytest.skip("portable build")
    so = Path(native.__file__)
    out = subprocess.run(
        ["objdump", "-d", "--no-show-raw-insn", str(so)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    fn = None
    dirty = False
    wide_functions = set()
    offenders = []
    for line in out.splitlines():
        m = re.match(r"^[0-9a-f]+ <(.+)>:$", line)
        if m:
            fn, dirty = m.group(1), False
            continue
        if fn is None or "\t" not in line:
            continue
        insn = line.split("\t", 1)[1]
        if re.search(r"%[yz]mm\d", insn):
            dirty = True
            wide_functions.add(fn)
        elif insn.startswith("vzeroupper"):
            dirty = False
        elif insn.startswith("ret") and dirty:
            offenders.append(fn)
    assert wide_functions, "expected SIMD kernels in a non-portable build"
    assert offenders == []
