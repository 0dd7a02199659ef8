"""atheris harness: arbitrary shard sets and parameters never crash the
Reed–Solomon code; they decode, or raise an n3crypto error.

    pip install atheris && python fuzz/fuzz_rs.py -runs=200000
"""

from __future__ import annotations

import sys

import atheris

with atheris.instrument_imports():
    from n3crypto import errors
    from n3crypto.rs import ErasureCoder

_CODERS: dict[tuple[int, int], ErasureCoder] = {}


def one_input(data: bytes) -> None:
    fdp = atheris.FuzzedDataProvider(data)
    k = fdp.ConsumeIntInRange(1, 12)
    m = fdp.ConsumeIntInRange(0, 8)
    coder = _CODERS.setdefault((k, m), ErasureCoder(k, m))
    mode = fdp.ConsumeIntInRange(0, 2)
    if mode == 0:
        # A valid encoding, then damage chosen by the fuzzer.
        payload = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 400))
        shards: list[bytes | None] = list(coder.encode(payload))
        lost = altered = 0
        for i in range(len(shards)):
            action = fdp.ConsumeIntInRange(0, 3)
            s = shards[i]
            if action == 1:
                shards[i] = None
                lost += 1
            elif action == 2 and s:
                altered += 1
                b = bytearray(s)
                b[fdp.ConsumeIntInRange(0, len(b) - 1)] ^= fdp.ConsumeIntInRange(1, 255)
                shards[i] = bytes(b)
        try:
            out = coder.decode(shards)
        except errors.N3CryptoError:
            if lost + 2 * altered <= m:
                raise AssertionError("refused damage within the bound") from None
            return
        if lost + 2 * altered <= m and (
            bytes(out) != payload or len(out.missing) != lost or len(out.corrupted) != altered
        ):
            raise AssertionError("decoded wrong data within the bound")
    else:
        # Arbitrary bytes as shards.
        size = fdp.ConsumeIntInRange(0, 40)
        raw: list[bytes | None] = []
        for _ in range(k + m):
            raw.append(None if fdp.ConsumeBool() else fdp.ConsumeBytes(size))
        try:
            if mode == 1:
                coder.decode(raw)
            else:
                coder.locate_corrupt(raw)
        except errors.N3CryptoError:
            pass


def main() -> None:
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
