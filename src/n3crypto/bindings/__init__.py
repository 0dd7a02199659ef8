"""1:1 wrappers over the cffi module ``n3crypto._native``.

This layer checks sizes and types, allocates outputs, calls C and turns
negative return codes into :mod:`n3crypto.errors` exceptions. It holds no
protocol logic.
"""

from __future__ import annotations

import os
from typing import Any, NoReturn

from n3crypto import errors
from n3crypto._native import ffi, lib

__all__ = [
    "KERNELS",
    "U8_ARRAY",
    "U8_PTR_ARRAY",
    "available_kernels",
    "check",
    "default_kernel",
    "ffi",
    "kernel_id",
    "kernel_name",
    "lib",
    "raise_for",
]

if lib.n3_init() != 0:  # pragma: no cover - n3_init cannot fail today
    raise ImportError("n3crypto: native core failed to initialize")

U8_ARRAY = ffi.typeof("uint8_t[]")
U8_PTR_ARRAY = ffi.typeof("uint8_t *[]")

KERNELS: dict[str, int] = {
    "ref": lib.N3_KERNEL_REF,
    "avx2": lib.N3_KERNEL_AVX2,
    "gfni": lib.N3_KERNEL_GFNI,
    "gfni512": lib.N3_KERNEL_GFNI512,
}
_NAMES = {v: k for k, v in KERNELS.items()}

_MESSAGES = {
    lib.N3_EINVAL: (errors.N3ValueError, "invalid argument"),
    lib.N3_EENCODING: (errors.InvalidEncoding, "not a canonical encoding"),
    lib.N3_EDECODE: (errors.DecodeError, "cannot be decoded"),
    lib.N3_EUNAVAILABLE: (errors.UnavailableError, "not available on this CPU or build"),
    lib.N3_ESINGULAR: (errors.DecodeError, "singular matrix"),
    lib.N3_ENOTINIT: (errors.N3CryptoError, "native core not initialized"),
}


def raise_for(rc: int, what: str) -> NoReturn:
    """Raise the exception that C return code ``rc`` stands for."""
    cls, text = _MESSAGES.get(rc, (errors.N3CryptoError, f"native error {rc}"))
    raise cls(f"{what}: {text}")


def check(rc: int, what: str) -> int:
    """Return ``rc`` if it is not negative, else raise for it."""
    if rc < 0:
        raise_for(rc, what)
    return rc


def kernel_name(kernel: int) -> str:
    return _NAMES[kernel]


def kernel_id(name: str) -> int:
    """The id of a kernel by name; raises if unknown or unavailable here."""
    if not isinstance(name, str):
        raise errors.N3TypeError(f"kernel name must be str, not {type(name).__name__}")
    try:
        kid = KERNELS[name]
    except KeyError:
        raise errors.N3ValueError(
            f"unknown kernel {name!r}; expected one of {', '.join(KERNELS)}"
        ) from None
    if lib.n3_kernel_available(kid) != 0:
        raise errors.UnavailableError(
            f"kernel {name!r} is not available on this CPU or build "
            f"(available: {', '.join(available_kernels())})"
        )
    return kid


def available_kernels() -> list[str]:
    """Names of the GF(2^8) kernels this CPU and build can run, slowest first."""
    return [n for n, k in KERNELS.items() if lib.n3_kernel_available(k) == 0]


def default_kernel() -> int:
    """The best kernel, or the one forced by ``N3_FORCE_KERNEL``."""
    forced = os.environ.get("N3_FORCE_KERNEL")
    if forced:
        return kernel_id(forced)
    return int(lib.n3_kernel_best())


def from_buffer(obj: Any, writable: bool = False) -> Any:
    """A cffi char buffer over any object supporting the buffer protocol."""
    return ffi.from_buffer("uint8_t[]", obj, require_writable=writable)
