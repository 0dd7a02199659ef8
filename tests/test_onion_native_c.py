"""The Sphinx fast path in C (csrc/ec/sphinx.c) under ASan and UBSan.

A small C program, built here from the csrc/ sources with
-fsanitize=address,undefined, checks that the sender's and the relay's
calls agree (with and without a key table, with and without alpha), that a
context is single use, and that every refusal zeroes its outputs; it runs
once per available field backend.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

CSRC = Path(__file__).resolve().parent.parent / "csrc"

PROGRAM = r"""
#include <stdio.h>
#include <string.h>
#include <stdint.h>
#include "n3.h"
static int fails = 0;
#define CHECK(c) do { if (!(c)) { printf("FAIL line %d: %s\n", __LINE__, #c); fails++; } } while (0)
int main(void) {
    CHECK(n3_init() == 0);
    uint8_t y[32] = {0}, c[32] = {0}, Y[32], alpha[32], shared1[32], shared2[32], nxt[32], wide[64];
    uint64_t ctx[N3_SPHINX_CTX_BYTES / 8];
    uint64_t table[N3_RISTRETTO255_TABLE_BYTES / 8];
    for (int i = 0; i < 31; i++) { y[i] = (uint8_t)(i * 7 + 3); c[i] = (uint8_t)(i * 13 + 1); }
    for (int i = 0; i < 64; i++) wide[i] = (uint8_t)(255 - i);
    CHECK(n3_ristretto255_scalarmult_base(Y, y) == 0);
    /* sender: alpha = cB, shared = cY; relay: y alpha must equal it */
    CHECK(n3_sphinx_create_hop(alpha, shared1, c, Y, NULL, 0) == 0);
    CHECK(n3_sphinx_hop_shared(shared2, ctx, sizeof ctx, y, alpha) == 0);
    CHECK(memcmp(shared1, shared2, 32) == 0);
    /* with a table for Y: same result; NULL alpha skips cB */
    CHECK(n3_ristretto255_table_build(table, sizeof table, Y) == 0);
    uint8_t shared3[32];
    CHECK(n3_sphinx_create_hop(NULL, shared3, c, Y, table, sizeof table) == 0);
    CHECK(memcmp(shared1, shared3, 32) == 0);
    /* blind: alpha' = (b mod l) alpha == (c b) B */
    CHECK(n3_sphinx_hop_blind(nxt, ctx, sizeof ctx, wide) == 0);
    uint8_t cb[32], expect[32];
    CHECK(n3_sphinx_blind_scalar(cb, c, wide) == 0);
    CHECK(n3_ristretto255_scalarmult_base(expect, cb) == 0);
    CHECK(memcmp(nxt, expect, 32) == 0);
    /* ctx is single use */
    CHECK(n3_sphinx_hop_blind(nxt, ctx, sizeof ctx, wide) == N3_EINVAL);
    /* bad inputs */
    uint8_t zero[32] = {0}, ff[32];
    memset(ff, 0xff, 32);
    CHECK(n3_sphinx_hop_shared(shared2, ctx, sizeof ctx, y, zero) == N3_EENCODING);
    CHECK(n3_sphinx_hop_shared(shared2, ctx, sizeof ctx, y, ff) == N3_EENCODING);
    CHECK(n3_sphinx_hop_shared(shared2, ctx, sizeof ctx, ff, alpha) == N3_EINVAL);
    CHECK(n3_sphinx_hop_shared(shared2, ctx, sizeof ctx - 8, y, alpha) == N3_EINVAL);
    CHECK(n3_sphinx_hop_shared(shared2, (uint8_t *)ctx + 1, sizeof ctx, y, alpha) == N3_EINVAL);
    CHECK(n3_sphinx_create_hop(alpha, shared1, zero, Y, NULL, 0) == N3_EINVAL);
    CHECK(n3_sphinx_create_hop(alpha, shared1, c, zero, NULL, 0) == N3_EENCODING);
    CHECK(n3_sphinx_create_hop(alpha, shared1, c, Y, table, sizeof table - 8) == N3_EINVAL);
    CHECK(n3_sphinx_blind_scalar(cb, ff, wide) == N3_EINVAL);
    uint8_t z = 0; for (int i = 0; i < 32; i++) z |= shared1[i] | alpha[i];
    CHECK(z == 0);  /* outputs zeroed on failure */
    printf(fails ? "FAILED %d\n" : "sphinx C checks ok\n", fails);
    return fails != 0;
}
"""


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("gcc") is None, reason="no gcc")
def test_sphinx_c_under_sanitizers(tmp_path: Path) -> None:
    from n3crypto.bindings.ec import available_field_backends

    prog = tmp_path / "sphinx_san.c"
    prog.write_text(PROGRAM)
    skip = {"tests", "speed", "fuzz", "ffi", "build"}
    sources = [
        str(p)
        for p in sorted(CSRC.rglob("*.c"))
        if not skip.intersection(p.relative_to(CSRC).parts)
    ]
    exe = tmp_path / "sphinx_san"
    build = subprocess.run(
        [
            "gcc",
            "-O1",
            "-g",
            "-std=gnu11",
            "-fsanitize=address,undefined",
            "-fno-sanitize-recover=undefined",
            "-fno-omit-frame-pointer",
            f"-I{CSRC / 'include'}",
            f"-I{CSRC / 'internal'}",
            "-o",
            str(exe),
            str(prog),
            *sources,
        ],
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if build.returncode != 0 and "sanitize" in build.stderr:
        pytest.skip("this compiler cannot build sanitized binaries")
    assert build.returncode == 0, build.stderr[-2000:]
    for backend in available_field_backends():
        env = dict(os.environ, N3_FORCE_FIELD=backend, ASAN_OPTIONS="detect_leaks=1")
        run = subprocess.run(
            [str(exe)], capture_output=True, text=True, env=env, timeout=120, check=False
        )
        assert run.returncode == 0, (backend, run.stdout, run.stderr[-2000:])
        assert "sphinx C checks ok" in run.stdout
