"""A slow, independent model of the Sphinx format of docs/onion.md.

Written from the document, not from src/n3crypto/onion: the group is the
pure-Python ristretto255 of ``ristretto_ref``, ChaCha20 is the RFC 8439
block function in Python, HKDF is RFC 5869 spelled out, and the header is
built the textbook way (each shared secret by repeated multiplication,
O(n^2)). Used as a differential oracle in both directions:
packets it creates are processed by the library and vice versa.
"""

from __future__ import annotations

import hashlib
import hmac
import struct
from dataclasses import dataclass

from tests.reference import ristretto_ref as rr

MAX_HOPS = 5
BLOCK = 53
BETA = MAX_HOPS * BLOCK
HEADER = 1 + 4 + 32 + 16 + BETA
SALT = b"n3crypto/sphinx/v1"
INFO = b"hop keys"
B_ENC = rr._BASE_ENC


# -- ChaCha20 (RFC 8439 section 2.3), counter 0, nonce 0 --------------------
def _rotl(v: int, c: int) -> int:
    return ((v << c) & 0xFFFFFFFF) | (v >> (32 - c))


def _qr(s: list[int], a: int, b: int, c: int, d: int) -> None:
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF
    s[d] = _rotl(s[d] ^ s[a], 16)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF
    s[b] = _rotl(s[b] ^ s[c], 12)
    s[a] = (s[a] + s[b]) & 0xFFFFFFFF
    s[d] = _rotl(s[d] ^ s[a], 8)
    s[c] = (s[c] + s[d]) & 0xFFFFFFFF
    s[b] = _rotl(s[b] ^ s[c], 7)


def _block(key: bytes, counter: int) -> bytes:
    const = [0x61707865, 0x3320646E, 0x79622D32, 0x6B206574]
    state = const + list(struct.unpack("<8I", key)) + [counter, 0, 0, 0]
    w = list(state)
    for _ in range(10):
        _qr(w, 0, 4, 8, 12)
        _qr(w, 1, 5, 9, 13)
        _qr(w, 2, 6, 10, 14)
        _qr(w, 3, 7, 11, 15)
        _qr(w, 0, 5, 10, 15)
        _qr(w, 1, 6, 11, 12)
        _qr(w, 2, 7, 8, 13)
        _qr(w, 3, 4, 9, 14)
    return struct.pack("<16I", *((x + y) & 0xFFFFFFFF for x, y in zip(w, state, strict=True)))


def keystream(key: bytes, n: int) -> bytes:
    out = b"".join(_block(key, i) for i in range((n + 63) // 64))
    return out[:n]


def xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def stream_xor(key: bytes, data: bytes) -> bytes:
    return xor(data, keystream(key, len(data)))


# -- HKDF-SHA-512, MAC, LIONESS ---------------------------------------------
def hkdf(ikm: bytes, length: int) -> bytes:
    prk = hmac.new(SALT, ikm, hashlib.sha512).digest()
    t, out, i = b"", b"", 1
    while len(out) < length:
        t = hmac.new(prk, t + INFO + bytes([i]), hashlib.sha512).digest()
        out += t
        i += 1
    return out[:length]


def mac(key: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(data, key=key, digest_size=16).digest()


def _h(key: bytes, data: bytes) -> bytes:
    return hashlib.blake2b(data, key=key, digest_size=32).digest()


def lioness_enc(k: bytes, m: bytes) -> bytes:
    k1, k2, k3, k4 = k[:32], k[32:64], k[64:96], k[96:128]
    left, right = m[:32], m[32:]
    right = stream_xor(xor(left, k1), right)
    left = xor(left, _h(k2, right))
    right = stream_xor(xor(left, k3), right)
    left = xor(left, _h(k4, right))
    return left + right


def lioness_dec(k: bytes, m: bytes) -> bytes:
    k1, k2, k3, k4 = k[:32], k[32:64], k[64:96], k[96:128]
    left, right = m[:32], m[32:]
    left = xor(left, _h(k4, right))
    right = stream_xor(xor(left, k3), right)
    left = xor(left, _h(k2, right))
    right = stream_xor(xor(left, k1), right)
    return left + right


@dataclass
class HopKeys:
    mu: bytes
    rho: bytes  # (MAX_HOPS + 1) * BLOCK bytes of keystream
    blind: int
    lioness: bytes
    tag: bytes


def hop_keys(shared: bytes) -> HopKeys:
    okm = hkdf(shared, 64)
    ks = keystream(okm[32:], 526)
    return HopKeys(
        mu=okm[:32],
        rho=ks[:318],
        blind=int.from_bytes(ks[318:382], "little") % rr.L,
        lioness=ks[382:510],
        tag=ks[510:526],
    )


def address_field(addr: str) -> bytes:
    raw = addr.encode()
    return bytes([len(raw)]) + raw + bytes(31 - len(raw))


# -- creation, the textbook way -----------------------------------------------
def create(
    path: list[tuple[str, bytes, int]],
    message: bytes,
    x: int,
    pad: bytes,
    body_bytes: int = 2048,
    final: bytes | None = None,
) -> tuple[bytes, list[HopKeys]]:
    """``path``: (address, public key encoding, epoch) per hop; ``x`` the
    sender's secret; ``pad`` the (MAX_HOPS - n) * BLOCK random padding."""
    n = len(path)
    blinds: list[int] = []
    keys: list[HopKeys] = []
    alpha0 = rr.scalarmult(x, B_ENC)
    for _, y_pub, _ in path:
        shared = rr.scalarmult(x, y_pub)
        for b in blinds:  # s_i = x b_0 .. b_{i-1} Y_i, one factor at a time
            shared = rr.scalarmult(b, shared)
        k = hop_keys(shared)
        keys.append(k)
        blinds.append(k.blind)
    filler = b""
    for i in range(n - 1):
        filler = xor(filler + bytes(BLOCK), keys[i].rho[(MAX_HOPS - i) * BLOCK :])
    if final is None:
        final = b"\x02" + bytes(BLOCK - 1)
    head = final + pad
    beta = xor(head, keys[n - 1].rho[: len(head)]) + filler
    gamma = mac(keys[n - 1].mu, b"\x01" + path[n - 1][2].to_bytes(4, "big") + beta)
    for i in range(n - 2, -1, -1):
        addr, _, ep = path[i + 1]
        block = b"\x01" + ep.to_bytes(4, "big") + address_field(addr) + gamma
        beta = xor(block + beta[: BETA - BLOCK], keys[i].rho[:BETA])
        gamma = mac(keys[i].mu, b"\x01" + path[i][2].to_bytes(4, "big") + beta)
    header = b"\x01" + path[0][2].to_bytes(4, "big") + alpha0 + gamma + beta
    body = bytes(16) + len(message).to_bytes(2, "big") + message
    body += bytes(body_bytes - len(body))
    for k in reversed(keys):
        body = lioness_enc(k.lioness, body)
    return header + body, keys


# -- processing ---------------------------------------------------------------
def process(y: int, epoch: int, packet: bytes) -> tuple[str, object]:
    """("forward", (address, packet)) | ("deliver", message) |
    ("reply", (surb_id, body)) | ("drop", reason)."""
    if len(packet) < HEADER + 64 or packet[0] != 1:
        return ("drop", "framing")
    if int.from_bytes(packet[1:5], "big") != epoch:
        return ("drop", "epoch")
    alpha = packet[5:37]
    pt = rr.decode(alpha)
    if pt is None or rr.equal(pt, rr.IDENTITY):
        return ("drop", "alpha")
    shared = rr.encode(rr.mul(y, pt))
    k = hop_keys(shared)
    beta = packet[53:HEADER]
    if mac(k.mu, packet[:5] + beta) != packet[37:53]:
        return ("drop", "mac")
    plain = xor(beta + bytes(BLOCK), k.rho)
    body = lioness_dec(k.lioness, packet[HEADER:])
    flag = plain[0]
    if flag == 1:
        raw = plain[5:37]
        addr = raw[1 : 1 + raw[0]].decode()
        nxt = b"\x01" + plain[1:5] + rr.encode(rr.mul(k.blind, pt)) + plain[37:53]
        return ("forward", (addr, nxt + plain[BLOCK:] + body))
    if flag == 2:
        n = int.from_bytes(body[16:18], "big")
        if body[:16] != bytes(16) or any(body[18 + n :]):
            return ("drop", "payload")
        return ("deliver", body[18 : 18 + n])
    if flag == 3:
        return ("reply", (plain[1:17], body))
    return ("drop", "routing")
