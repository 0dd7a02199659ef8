"""Slow, obviously-correct model of reedsolo-style Reed-Solomon codewords.

Written from the definitions (shift-and-add field multiplication,
polynomial long division, syndromes as polynomial evaluations), independent
of the C tables and of reedsolo. Conventions: a codeword's first byte is
its highest-degree coefficient; the generator polynomial is
prod_{i<nsym} (x - alpha^(fcr+i)) with alpha = ``generator``.
"""

from __future__ import annotations

from functools import cache


def mul(a: int, b: int, prim: int) -> int:
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= prim
        b >>= 1
    return r


@cache
def powers(generator: int, prim: int) -> tuple[int, ...]:
    """alpha^0 .. alpha^254."""
    out, x = [], 1
    for _ in range(255):
        out.append(x)
        x = mul(x, generator, prim)
    return tuple(out)


def is_primitive(generator: int, prim: int) -> bool:
    """True if prim is irreducible and generator has order 255 modulo it."""
    seen, x = set(), 1
    for _ in range(255):
        if x in seen or x == 0:
            return False
        seen.add(x)
        x = mul(x, generator, prim)
    return x == 1


@cache
def primitive_polys() -> tuple[int, ...]:
    """The degree-8 polynomials for which 2 is a primitive element."""
    return tuple(p for p in range(0x101, 0x200, 2) if is_primitive(2, p))


@cache
def generators(prim: int) -> tuple[int, ...]:
    return tuple(g for g in range(2, 256) if is_primitive(g, prim))


def apow(e: int, generator: int, prim: int) -> int:
    return powers(generator, prim)[e % 255]


def generator_poly(nsym: int, fcr: int, generator: int, prim: int) -> list[int]:
    g = [1]
    for i in range(nsym):
        r = apow(fcr + i, generator, prim)
        # g * (x + r), highest degree first
        g = [a ^ mul(b, r, prim) for a, b in zip([*g, 0], [0, *g], strict=True)]
    return g


def poly_eval(p: bytes | list[int], x: int, prim: int) -> int:
    y = 0
    for c in p:
        y = mul(y, x, prim) ^ c
    return y


def encode_chunk(msg: bytes, nsym: int, fcr: int, generator: int, prim: int) -> bytes:
    g = generator_poly(nsym, fcr, generator, prim)
    rem = list(msg) + [0] * nsym
    for i in range(len(msg)):
        c = rem[i]
        if c:
            for j in range(1, nsym + 1):
                rem[i + j] ^= mul(g[j], c, prim)
    return bytes(msg) + bytes(rem[len(msg) :])


def encode(data: bytes, nsym: int, nsize: int, fcr: int, generator: int, prim: int) -> bytes:
    k = nsize - nsym
    return b"".join(
        encode_chunk(data[i : i + k], nsym, fcr, generator, prim) for i in range(0, len(data), k)
    )


def syndromes(cw: bytes, nsym: int, fcr: int, generator: int, prim: int) -> list[int]:
    return [poly_eval(cw, apow(fcr + j, generator, prim), prim) for j in range(nsym)]


def is_codeword(cw: bytes, nsym: int, fcr: int, generator: int, prim: int) -> bool:
    return not any(syndromes(cw, nsym, fcr, generator, prim))
