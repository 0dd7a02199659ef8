"""cffi API-mode build of ``n3crypto._native`` from csrc/.

The cdef is the concatenation of ``csrc/ffi/cdef_*.h`` (plain declarations
for cffi); the C sources are every ``.c`` file under csrc/ except the
test, fuzz and speed harnesses. Environment:

* ``N3_DEBUG=1``      -O0 -g
* ``N3_SANITIZE=...`` e.g. ``address,undefined`` (also linked)
* ``N3_PORTABLE=1``   no SIMD kernels at all (only the portable C)
* ``N3_BUILD_EXCLUDE=ec,...`` leave out csrc/<name>/ and csrc/ffi/cdef_<name>.h
  (for developing one part while another does not build)
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from cffi import FFI

HERE = Path(__file__).resolve().parent
CSRC = HERE.parent
ROOT = CSRC.parent
OPTIONAL = {x for x in os.environ.get("N3_BUILD_EXCLUDE", "").split(",") if x}
EXCLUDED = {"tests", "fuzz", "speed", "ffi"} | OPTIONAL


def _rel(p: Path) -> str:
    return os.path.relpath(p, ROOT) if os.getcwd() == str(ROOT) else str(p)


def _sources() -> list[str]:
    out = []
    for p in sorted(CSRC.rglob("*.c")):
        if EXCLUDED.intersection(p.relative_to(CSRC).parts[:-1]):
            continue
        out.append(_rel(p))
    return out


def _cdef() -> str:
    parts = [
        p.read_text()
        for p in sorted(HERE.glob("cdef_*.h"))
        if p.stem.removeprefix("cdef_") not in OPTIONAL
    ]
    return "\n".join(parts)


def _flags() -> tuple[list[str], list[str], list[tuple[str, str | None]]]:
    cflags = ["-std=gnu11", "-Wall", "-Wextra", "-Wno-unused-parameter", "-fno-strict-aliasing"]
    ldflags: list[str] = []
    macros: list[tuple[str, str | None]] = []
    if os.environ.get("N3_DEBUG") == "1":
        cflags += ["-O0", "-g"]
    else:
        cflags += ["-O3"]
    san = os.environ.get("N3_SANITIZE")
    if san:
        cflags += [f"-fsanitize={san}", "-fno-omit-frame-pointer", "-g"]
        ldflags += [f"-fsanitize={san}"]
    macros += [(f"N3_WITHOUT_{name.upper()}", "1") for name in sorted(OPTIONAL)]
    if os.environ.get("N3_PORTABLE") == "1":
        macros.append(("N3_PORTABLE", "1"))
    if sys.platform == "win32":  # pragma: no cover - MSVC has no such flags
        cflags, ldflags = [], []
    return cflags, ldflags, macros


ffibuilder = FFI()
ffibuilder.cdef(_cdef())
_cflags, _ldflags, _macros = _flags()
ffibuilder.set_source(
    "n3crypto._native",
    '#include "n3.h"\n',
    sources=_sources(),
    include_dirs=[_rel(CSRC / "include"), _rel(CSRC / "internal")],
    extra_compile_args=_cflags,
    extra_link_args=_ldflags,
    define_macros=_macros,
)

if __name__ == "__main__":
    ffibuilder.compile(verbose=True)
