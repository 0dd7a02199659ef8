"""atheris harness: RSCodec never crashes on arbitrary input and never returns
a wrong message for damage within its bound.

    pip install atheris && python fuzz/fuzz_rscodec.py -runs=200000
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from n3crypto import errors
    from n3crypto.rs import RSCodec

_CODECS: dict[tuple[int, int], RSCodec] = {}


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    nsym = fdp.ConsumeIntInRange(1, 40)
    nsize = fdp.ConsumeIntInRange(nsym + 1, 255)
    codec = _CODECS.setdefault((nsym, nsize), RSCodec(nsym, nsize=nsize))
    if fdp.ConsumeBool():
        msg = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 300))
        cw = bytearray(codec.encode(msg))
        errs = 0
        for _ in range(fdp.ConsumeIntInRange(0, 8)):
            if not cw:
                break
            pos = fdp.ConsumeIntInRange(0, len(cw) - 1)
            cw[pos] ^= fdp.ConsumeIntInRange(1, 255)
            errs += 1
        try:
            out, _, _ = codec.decode(cw)
        except errors.N3CryptoError:
            return
        # Every chunk has at most `errs` errors; within the bound the result is exact.
        if 2 * errs <= nsym and bytes(out) != msg:
            raise AssertionError("wrong message within the bound")
    else:
        raw = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 600))
        erase = [fdp.ConsumeIntInRange(0, 700) for _ in range(fdp.ConsumeIntInRange(0, 4))]
        try:
            codec.decode(raw, erase_pos=erase or None)
        except errors.N3CryptoError:
            pass


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
