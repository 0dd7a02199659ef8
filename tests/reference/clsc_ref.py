"""A slow, independent model of n3crypto's certificateless signcryption.

Written from docs/signcryption.md on Python integers over
tests/reference/ristretto_ref.py (no n3crypto imports): framing, hashes,
key issuance, one-shot signcrypt/unsigncrypt, stream opening and Schnorr
signatures. Only the AEAD (ChaCha20-Poly1305) comes from a library.
Used as a differential oracle on tests/vectors/signcryption.json.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from tests.reference import ristretto_ref as rr

L = rr.L
DOMAIN = b"n3crypto-clsc-v1:"
B = rr.decode(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))
assert B is not None


def u64(n: int) -> bytes:
    return n.to_bytes(8, "big")


def lp(x: bytes) -> bytes:
    return len(x).to_bytes(8, "big") + x


def frame(tag: bytes, *parts: bytes) -> bytes:
    return lp(DOMAIN + tag) + b"".join(lp(p) for p in parts)


def hs(tag: bytes, *parts: bytes) -> int:
    return int.from_bytes(hashlib.sha512(frame(tag, *parts)).digest(), "little") % L


def kdf(tag: bytes, *parts: bytes) -> bytes:
    return hashlib.sha512(frame(tag, *parts)).digest()[:32]


def mh(m: bytes) -> bytes:
    return hashlib.sha256(lp(DOMAIN + b"msg") + m).digest()


def sc(n: int) -> bytes:
    return (n % L).to_bytes(32, "little")


def mulb(k: int) -> bytes:
    return rr.encode(rr.mul(k % L, B))


def mul(k: int, p: bytes) -> bytes:
    q = rr.decode(p)
    assert q is not None
    return rr.encode(rr.mul(k % L, q))


def add(p: bytes, q: bytes) -> bytes:
    return rr.point_add(p, q)


def sub(p: bytes, q: bytes) -> bytes:
    qq = rr.decode(q)
    pp = rr.decode(p)
    assert pp is not None and qq is not None
    return rr.encode(rr.add(pp, rr.neg(qq)))


def envelope(kind: str, body: bytes) -> bytes:
    k = kind.encode()
    return b"N3\x01" + bytes([len(k)]) + k + b"\x01" + body


def canonical(identity: str) -> bytes:
    return unicodedata.normalize(
        "NFKC", unicodedata.normalize("NFKC", identity).casefold()
    ).encode()


def field(ident: bytes, exp: int, width: int) -> bytes:
    return bytes([len(ident)]) + ident + bytes(width - 9 - len(ident)) + u64(exp)


@dataclass
class Pub:
    """(P, ID, V, exp) and the derived Q."""

    p: bytes
    ident: bytes
    v: bytes
    exp: int

    def h1(self) -> int:
        return hs(b"h1", self.p, self.ident, self.v, u64(self.exp))

    def q(self) -> bytes:
        return add(self.v, mul(self.h1(), self.p))

    def blob(self) -> bytes:
        body = self.p + self.v + u64(self.exp) + bytes([len(self.ident)]) + self.ident
        return envelope("clsc-public-key", body)


def schnorr(tag: bytes, secret: int, public: bytes, rand: bytes, *parts: bytes) -> bytes:
    k = hs(tag + b"-nonce", sc(secret), rand, public, *parts)
    u = mulb(k)
    e = hs(tag, public, u, *parts)
    return u + sc(k + e * secret)


def request(x: int, p: bytes, ident: bytes, rand: bytes) -> bytes:
    xp = mulb(x)
    proof = schnorr(b"pop", x, xp, rand, p, ident)
    return envelope("clsc-key-request", p + xp + proof + bytes([len(ident)]) + ident)


def issue(
    s: int, ident: bytes, xp: bytes, exp: int, r_rand: bytes, e: int, log_index: int
) -> tuple[bytes, int]:
    """The partial key blob and d."""
    p = mulb(s)
    r = hs(b"kgc-r", sc(s), r_rand, p, ident, xp)
    v = add(xp, mulb(r))
    h1 = hs(b"h1", p, ident, v, u64(exp))
    d = (r + h1 * s) % L
    eph = mulb(e)
    parts = (p, ident, xp, v, u64(exp), eph)
    key = kdf(b"wrap", mul(e, xp), *parts)
    wrapped = ChaCha20Poly1305(key).encrypt(bytes(12), sc(d), frame(b"wrap-ad", *parts))
    body = p + v + u64(exp) + eph + wrapped + u64(log_index) + bytes([len(ident)]) + ident
    return envelope("clsc-partial-key", body), d


def accept(x: int, partial_blob: bytes) -> tuple[Pub, int]:
    """Unwrap and check a partial key; returns the public key and a = x + d."""
    body = partial_blob[4 + len("clsc-partial-key") + 1 :]
    p, v, exp = body[:32], body[32:64], int.from_bytes(body[64:72], "big")
    eph, wrapped = body[72:104], body[104:152]
    ident = body[161 : 161 + body[160]]
    xp = mulb(x)
    parts = (p, ident, xp, v, u64(exp), eph)
    key = kdf(b"wrap", mul(x, eph), *parts)
    d = int.from_bytes(
        ChaCha20Poly1305(key).decrypt(bytes(12), wrapped, frame(b"wrap-ad", *parts)), "little"
    )
    pub = Pub(p, ident, v, exp)
    assert mulb(d) == add(sub(v, xp), mul(pub.h1(), p)), "partial key does not verify"
    return pub, (x + d) % L


def signcrypt(a: int, pa: Pub, pb: Pub, m: bytes, ad: bytes, width: int, rand: bytes) -> bytes:
    hdr = bytes([0x01 | ((width - 64) // 32) << 4])
    digest = mh(m)
    qb = pb.q()
    k = hs(b"nonce", sc(a), rand, pa.p, qb, pb.ident, u64(pb.exp), pb.v, ad, digest)
    u = mulb(k)
    z = mul(k, qb)
    key = kdf(b"key", z, u, pa.p, pb.ident, u64(pb.exp), pb.v)
    h = hs(
        b"sig", hdr, pa.p, u, pa.ident, u64(pa.exp), pa.v, pb.ident, u64(pb.exp), pb.v, ad, digest
    )
    s = (k + h * a) % L
    pt = field(pa.ident, pa.exp, width) + pa.v + sc(s) + m
    return hdr + u + ChaCha20Poly1305(key).encrypt(bytes(12), pt, hdr + u + ad)


def _sender(p: bytes, fld: bytes, v: bytes) -> Pub | None:
    n = fld[0]
    if n == 0 or n > len(fld) - 9 or any(fld[1 + n : -8]):
        return None
    vv = rr.decode(v)
    if vv is None or v == bytes(32):
        return None
    return Pub(p, fld[1 : 1 + n], v, int.from_bytes(fld[-8:], "big"))


def unsigncrypt(a: int, me: Pub, ct: bytes, ad: bytes) -> tuple[Pub, bytes] | None:
    """``(sender, message)`` or None (every failure alike)."""
    if len(ct) < 1 or ct[0] & 0x0F != 1:
        return None
    width = 64 + 32 * (ct[0] >> 4)
    if len(ct) < 1 + 32 + width + 80:
        return None
    u = ct[1:33]
    if rr.decode(u) is None or u == bytes(32):
        return None
    key = kdf(b"key", mul(a, u), u, me.p, me.ident, u64(me.exp), me.v)
    try:
        pt = ChaCha20Poly1305(key).decrypt(bytes(12), ct[33:], ct[:33] + ad)
    except InvalidTag:
        return None
    sender = _sender(me.p, pt[:width], pt[width : width + 32])
    s = int.from_bytes(pt[width + 32 : width + 64], "little")
    if sender is None or s >= L:
        return None
    m = pt[width + 64 :]
    h = hs(
        b"sig",
        ct[:1],
        me.p,
        u,
        sender.ident,
        u64(sender.exp),
        sender.v,
        me.ident,
        u64(me.exp),
        me.v,
        ad,
        mh(m),
    )
    if sub(mulb(s), mul(h, sender.q())) != u:
        return None
    return sender, m


def open_stream(a: int, me: Pub, ct: bytes, ad: bytes) -> tuple[Pub, bytes] | None:
    """Open a whole stream (format 2) at once."""
    if len(ct) < 34 or ct[0] & 0x0F != 2 or not 10 <= ct[1] <= 24:
        return None
    width, chunk = 64 + 32 * (ct[0] >> 4), 1 << ct[1]
    hdr, u = ct[:34], ct[2:34]
    if rr.decode(u) is None or u == bytes(32):
        return None
    aead = ChaCha20Poly1305(kdf(b"stream-key", mul(a, u), hdr, me.p, me.ident, u64(me.exp), me.v))
    rest, i, data, sender = ct[34:], 0, [], None
    while True:
        pre = width + 32 if i == 0 else 0
        final = len(rest) <= pre + chunk + 64 + 16
        seg = rest if final else rest[: pre + chunk + 16]
        try:
            pt = aead.decrypt(
                i.to_bytes(11, "big") + bytes([final]), seg, hdr + ad if i == 0 else b""
            )
        except InvalidTag:
            return None
        if i == 0:
            sender = _sender(me.p, pt[:width], pt[width : width + 32])
            if sender is None:
                return None
            pt = pt[width + 32 :]
        if final:
            data.append(pt[:-64])
            u2, s2 = pt[-64:-32], int.from_bytes(pt[-32:], "little")
            break
        data.append(pt)
        rest, i = rest[len(seg) :], i + 1
    assert sender is not None
    m = b"".join(data)
    if s2 >= L or rr.decode(u2) is None:
        return None
    h2 = hs(
        b"stream-sig",
        hdr,
        me.p,
        u2,
        sender.ident,
        u64(sender.exp),
        sender.v,
        me.ident,
        u64(me.exp),
        me.v,
        ad,
        mh(m),
        u64(len(m)),
        u64(i),
    )
    if sub(mulb(s2), mul(h2, sender.q())) != u2:
        return None
    return sender, m


def sign(a: int, pub: Pub, m: bytes, context: bytes, rand: bytes) -> bytes:
    digest = mh(m)
    k = hs(b"schnorr-nonce", sc(a), rand, pub.blob(), context, digest)
    u = mulb(k)
    e = hs(b"schnorr", pub.p, pub.ident, u64(pub.exp), pub.v, u, context, digest)
    return u + sc(k + e * a)


def verify(pub: Pub, m: bytes, context: bytes, sig: bytes) -> bool:
    u, z = sig[:32], int.from_bytes(sig[32:], "little")
    if len(sig) != 64 or z >= L or rr.decode(u) is None:
        return False
    e = hs(b"schnorr", pub.p, pub.ident, u64(pub.exp), pub.v, u, context, mh(m))
    return sub(mulb(z), mul(e, pub.q())) == u
