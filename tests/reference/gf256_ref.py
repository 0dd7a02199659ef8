"""Slow, obviously-correct GF(2^8) and Cauchy Reed–Solomon reference (pure Python).

Written from the definitions only (shift-and-add multiplication, Fermat
inversion, Gauss–Jordan), independent of the C tables it checks.
"""

from __future__ import annotations

PRIM = 0x11D


def mul(a: int, b: int, prim: int = PRIM) -> int:
    r = 0
    while b:
        if b & 1:
            r ^= a
        a <<= 1
        if a & 0x100:
            a ^= prim
        b >>= 1
    return r


def pow_(a: int, e: int, prim: int = PRIM) -> int:
    r = 1
    for _ in range(e):
        r = mul(r, a, prim)
    return r


def inv(a: int, prim: int = PRIM) -> int:
    if a == 0:
        raise ZeroDivisionError
    r, base, e = 1, a, 254
    while e:
        if e & 1:
            r = mul(r, base, prim)
        base = mul(base, base, prim)
        e >>= 1
    return r


def dot(coeffs: list[list[int]], srcs: list[bytes]) -> list[bytes]:
    out = []
    length = len(srcs[0]) if srcs else 0
    for row in coeffs:
        acc = bytearray(length)
        for c, s in zip(row, srcs, strict=True):
            for p in range(length):
                acc[p] ^= mul(c, s[p])
        out.append(bytes(acc))
    return out


def cauchy_parity(k: int, m: int) -> list[list[int]]:
    """Row j, column i: 1 / (a_i + a_{k+j}) with evaluation points a_l = l + 1."""
    return [[inv((i + 1) ^ (k + j + 1)) for i in range(k)] for j in range(m)]


def invert(a: list[list[int]]) -> list[list[int]]:
    n = len(a)
    w = [row[:] + [int(i == j) for j in range(n)] for i, row in enumerate(a)]
    for c in range(n):
        p = next(r for r in range(c, n) if w[r][c])
        w[c], w[p] = w[p], w[c]
        iv = inv(w[c][c])
        w[c] = [mul(iv, x) for x in w[c]]
        for r in range(n):
            if r != c and w[r][c]:
                e = w[r][c]
                w[r] = [x ^ mul(e, y) for x, y in zip(w[r], w[c], strict=True)]
    return [row[n:] for row in w]
