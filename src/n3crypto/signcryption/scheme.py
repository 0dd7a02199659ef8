"""Signcrypt, unsigncrypt and certificateless Schnorr signatures.

Ciphertext (docs/signcryption.md, "Wire format")::

    hdr (1) || U (32) || ChaCha20-Poly1305_K( field_A (W) || V_A (32) || s (32) || m )

with associated data ``hdr || U || AD``; overhead ``113 + W`` bytes (177 with
the default 64-byte identity field). Neither party's identity or key appears
in the clear.

>>> from n3crypto.signcryption import KGC, UserKey, signcrypt, unsigncrypt
>>> kgc = KGC.generate()
>>> def user(name):
...     u = UserKey.generate(name, kgc.public)
...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
>>> alice, bob = user("alice"), user("bob")
>>> ct = signcrypt(alice, bob.public, b"hi Bob")
>>> len(ct) - len(b"hi Bob")
177
>>> got = unsigncrypt(bob, ct)
>>> got.sender_identity, got.message
('alice', b'hi Bob')
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Iterable, Sequence
from typing import Any, Final, Literal, NamedTuple, overload

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

from n3crypto import errors
from n3crypto._check import check_bytes as _bytes
from n3crypto._check import check_int, check_iterable
from n3crypto.group import Point, Scalar
from n3crypto.signcryption import _common as c
from n3crypto.signcryption import _native
from n3crypto.signcryption.keys import PublicKey, UserKey

__all__ = [
    "FAIL_MESSAGE",
    "InvalidSignature",
    "KeyChanged",
    "Unsigncrypted",
    "header_byte",
    "overhead",
    "sign",
    "signcrypt",
    "signcrypt_batch",
    "unsigncrypt",
    "unsigncrypt_batch",
    "verify",
    "verify_batch",
]

#: The one message of every unsigncrypt failure (no oracle for the cause).
FAIL_MESSAGE: Final[str] = "signcrypted message failed to authenticate"
FORMAT_ONESHOT: Final[int] = 1
FORMAT_STREAM: Final[int] = 2
_ZERO_NONCE: Final[bytes] = bytes(12)
_B: Final[Point] = Point.base()
SIGNATURE_BYTES: Final[int] = 64
# Framed tags and the length prefix of 32-byte items, precomputed for the hot path:
# sha512(_T_SIG + ...) below is exactly c.hash_wide(b"sig", ...) (see tests).
_T_NONCE: Final[bytes] = c.tag(b"nonce")
_T_KEY: Final[bytes] = c.tag(b"key")
_T_SIG: Final[bytes] = c.tag(b"sig")
_L32: Final[bytes] = c.u64(32)
_L1: Final[bytes] = c.u64(1)


class InvalidSignature(errors.IntegrityError):
    """A certificateless Schnorr signature did not verify."""


class KeyChanged(errors.InvalidKey):
    """A pinned identity presented a different public key."""


class Unsigncrypted(NamedTuple):
    """The result of :func:`unsigncrypt`: who sent it (authenticated) and what."""

    sender_identity: str
    sender_public: PublicKey
    message: bytes


def header_byte(fmt: int, width: int) -> int:
    """``fmt | ((width - 64) / 32) << 4``: format in the low nibble, field width in the high.

    >>> header_byte(1, 64), hex(header_byte(2, 128))     # one-shot; stream with a wide field
    (1, '0x22')
    """
    check_int(fmt, "fmt", 0, 15)
    return fmt | (((c.check_width(width) - 64) // 32) << 4)


def parse_header(hdr: int) -> tuple[int, int]:
    """``(format, width)`` of a header byte."""
    return hdr & 0x0F, 64 + 32 * (hdr >> 4)


def overhead(identity_width: int = c.DEFAULT_IDENTITY_WIDTH) -> int:
    """Bytes a one-shot ciphertext adds to its message: ``113 + identity_width``.

    >>> overhead()
    177
    """
    return 1 + 32 + c.check_width(identity_width) + 32 + 32 + 16


def check_pins(pins: Any) -> None:
    """``pins`` must be None or have a ``check(public_key)`` method (a PinStore)."""
    if pins is not None and not callable(getattr(pins, "check", None)):
        raise errors.N3TypeError(
            f"pins must be a PinStore (with a check method), not {type(pins).__name__}"
        )


def _digest(digest: Any) -> bytes:
    d = _bytes(digest, "digest")
    if len(d) != 32:
        raise errors.N3ValueError(f"digest must be 32 bytes (SHA-256), got {len(d)}")
    return d


def _items(items: Any, what: str, sizes: tuple[int, ...]) -> list[tuple[Any, ...]]:
    """The tuples of a batch argument, each of one of the lengths ``sizes``."""
    out = []
    for i, item in enumerate(check_iterable(items, what)):
        if not isinstance(item, tuple | list) or len(item) not in sizes:
            shape = " or ".join(str(n) for n in sizes)
            raise errors.N3TypeError(f"{what}[{i}] must be a tuple of {shape} items")
        out.append(tuple(item))
    return out


def _fail() -> errors.UnsigncryptError:
    return errors.UnsigncryptError(FAIL_MESSAGE)


def _sender_parts(pk: PublicKey) -> tuple[bytes, bytes, bytes]:
    return pk.identity_bytes, c.u64(pk.expiry), bytes(pk.public_value)


def _check_pair(
    sender: UserKey, recipient: PublicKey, now: float | None
) -> tuple[Scalar, PublicKey]:
    if not isinstance(sender, UserKey):
        raise errors.N3TypeError("sender must be a UserKey")
    if not isinstance(recipient, PublicKey):
        raise errors.N3TypeError("recipient must be a PublicKey")
    a, pub = sender._full()
    if recipient.kgc != pub.kgc:
        raise errors.InvalidKey("sender and recipient belong to different KGCs")
    pub.check_current(now)
    recipient.check_current(now)
    return a, pub


def signcrypt(
    sender: UserKey,
    recipient_public: PublicKey,
    message: bytes,
    associated_data: bytes = b"",
    *,
    identity_width: int = c.DEFAULT_IDENTITY_WIDTH,
    now: float | None = None,
) -> bytes:
    """Signcrypt ``message`` from ``sender`` to ``recipient_public``.

    ``associated_data`` is authenticated, not encrypted, and not sent: the
    recipient must pass the same bytes. The sender's identity travels in a
    field of ``identity_width`` bytes, so every sender's ciphertexts of one
    message length have one length. Raises InvalidKey (or its subclass
    KeyExpired) for an incomplete, foreign-KGC or expired key.

    >>> from n3crypto.signcryption import KGC, UserKey, overhead, signcrypt, unsigncrypt
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> alice, bob = user("alice"), user("bob")
    >>> ct = signcrypt(alice, bob.public, b"meet at noon", b"order-17")
    >>> len(ct) == len(b"meet at noon") + overhead()
    True
    >>> unsigncrypt(bob, ct, b"order-17").message
    b'meet at noon'
    >>> len(signcrypt(alice, bob.public, b"meet at noon", identity_width=128)) - len(ct)
    64
    >>> signcrypt(alice, bob.public, b"late", now=alice.public.expiry)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto.signcryption.keys.KeyExpired: the key of 'alice' expired at ...
    """
    a, pub = _check_pair(sender, recipient_public, now)
    m = _bytes(message, "message")
    ad = _bytes(associated_data, "associated_data")
    hdr = bytes([header_byte(FORMAT_ONESHOT, identity_width)])
    rp = recipient_public
    field = pub._field(identity_width)
    lpp, lpa, lpb = pub.kgc._lp, pub._lp, rp._lp
    mh = _L32 + c.message_digest(m)
    lad = c.lp(ad)
    a_b = bytes(a)
    k_wide = hashlib.sha512(
        b"".join((_T_NONCE, _L32, a_b, _L32, c.random_bytes(32), lpp, _L32, rp._qb, lpb, lad, mh))
    ).digest()
    k, u, z = rp._encap(k_wide)
    key = hashlib.sha512(b"".join((_T_KEY, _L32, z, _L32, u, lpp, lpb))).digest()[:32]
    h_wide = hashlib.sha512(b"".join((_T_SIG, _L1, hdr, lpp, _L32, u, lpa, lpb, lad, mh))).digest()
    s = _native.respond(k, h_wide, a_b)
    v_a = bytes(pub.public_value)
    body = ChaCha20Poly1305(key).encrypt(_ZERO_NONCE, field + v_a + s + m, hdr + u + ad)
    return hdr + u + body


def _check_sender(
    sender: PublicKey,
    expected_sender: PublicKey | str | None,
    pins: Any,
    now: float | None,
) -> None:
    if sender.is_expired(now):
        raise _fail()
    if expected_sender is not None:
        if isinstance(expected_sender, PublicKey):
            if expected_sender != sender:
                raise _fail()
        elif c.canonical_identity(expected_sender) != sender.identity_bytes:
            raise _fail()
    if pins is not None:
        pins.check(sender)


def unsigncrypt(
    recipient: UserKey,
    ciphertext: bytes,
    associated_data: bytes = b"",
    expected_sender: PublicKey | str | None = None,
    *,
    pins: Any = None,
    now: float | None = None,
) -> Unsigncrypted:
    """Open and authenticate a signcrypted message.

    Every failure — tampering, wrong recipient, wrong associated data, a
    sender key that is malformed, expired at ``now`` or not
    ``expected_sender`` (a :class:`PublicKey` or an identity) — raises
    :class:`~n3crypto.errors.UnsigncryptError` with one message. With
    ``pins`` (a :class:`~n3crypto.signcryption.PinStore`) the authenticated
    sender key is checked trust-on-first-use and a changed key raises
    :class:`KeyChanged`.

    >>> from n3crypto.signcryption import KGC, UserKey, signcrypt, unsigncrypt
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> alice, bob = user("alice"), user("bob")
    >>> ct = signcrypt(alice, bob.public, b"hi Bob", b"ad")
    >>> got = unsigncrypt(bob, ct, b"ad", expected_sender="alice")
    >>> got.sender_identity, got.sender_public == alice.public, got.message
    ('alice', True, b'hi Bob')
    >>> unsigncrypt(bob, ct, b"other ad")
    Traceback (most recent call last):
    ...
    n3crypto.errors.UnsigncryptError: signcrypted message failed to authenticate
    >>> unsigncrypt(bob, ct, b"ad", expected_sender="carol")
    Traceback (most recent call last):
    ...
    n3crypto.errors.UnsigncryptError: signcrypted message failed to authenticate
    """
    if not isinstance(recipient, UserKey):
        raise errors.N3TypeError("recipient must be a UserKey")
    check_pins(pins)
    a_b, me = recipient._full()
    ct = _bytes(ciphertext, "ciphertext")
    ad = _bytes(associated_data, "associated_data")
    if len(ct) < 1 + 32 + 64 + 64 + 16:
        raise _fail()
    fmt, width = parse_header(ct[0])
    if fmt != FORMAT_ONESHOT or len(ct) < 1 + 32 + width + 64 + 16:
        raise _fail()
    u_b = ct[1:33]
    try:
        z = _native.decap(bytes(a_b), u_b)
    except errors.InvalidEncoding:
        raise _fail() from None
    key = hashlib.sha512(b"".join((_T_KEY, _L32, z, _L32, u_b, me.kgc._lp, me._lp))).digest()
    try:
        pt = ChaCha20Poly1305(key[:32]).decrypt(_ZERO_NONCE, ct[33:], ct[:33] + ad)
    except InvalidTag:
        raise _fail() from None
    result = _open_plaintext(pt, width, ct[:1], u_b, me, ad)
    _check_sender(result.sender_public, expected_sender, pins, now)
    return result


def _open_plaintext(
    pt: bytes, width: int, hdr: bytes, u_b: bytes, me: PublicKey, ad: bytes
) -> Unsigncrypted:
    try:
        sender = PublicKey._from_field(me.kgc, pt[: width + 32])
    except errors.N3ValueError:
        raise _fail() from None
    m = pt[width + 64 :]
    h_wide = hashlib.sha512(
        b"".join(
            (
                _T_SIG,
                _L1,
                hdr,
                me.kgc._lp,
                _L32,
                u_b,
                sender._lp,
                me._lp,
                c.lp(ad),
                _L32,
                c.message_digest(m),
            )
        )
    ).digest()
    try:
        ok = _native.verify_point(pt[width + 32 : width + 64], h_wide, sender._qb)
    except errors.InvalidEncoding:
        raise _fail() from None
    if not hmac.compare_digest(ok, u_b):
        raise _fail()
    return Unsigncrypted(sender.identity, sender, m)


def signcrypt_batch(
    sender: UserKey,
    items: Iterable[tuple[PublicKey, bytes] | tuple[PublicKey, bytes, bytes]],
    *,
    identity_width: int = c.DEFAULT_IDENTITY_WIDTH,
    now: float | None = None,
) -> list[bytes]:
    """Signcrypt many ``(recipient, message[, associated_data])`` items from one sender.

    >>> from n3crypto.signcryption import KGC, UserKey, signcrypt_batch, unsigncrypt
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> alice, bob, carol = user("alice"), user("bob"), user("carol")
    >>> cts = signcrypt_batch(alice, [(bob.public, b"to Bob"), (carol.public, b"to Carol", b"ad")])
    >>> unsigncrypt(bob, cts[0]).message, unsigncrypt(carol, cts[1], b"ad").message
    (b'to Bob', b'to Carol')
    """
    out = []
    for item in _items(items, "items", (2, 3)):
        rp, m, *rest = item
        out.append(
            signcrypt(
                sender, rp, m, rest[0] if rest else b"", identity_width=identity_width, now=now
            )
        )
    return out


@overload
def unsigncrypt_batch(
    recipient: UserKey,
    ciphertexts: Sequence[bytes],
    associated_data: Sequence[bytes] | None = ...,
    *,
    return_exceptions: Literal[False] = ...,
    pins: Any = ...,
    now: float | None = ...,
) -> list[Unsigncrypted]: ...


@overload
def unsigncrypt_batch(
    recipient: UserKey,
    ciphertexts: Sequence[bytes],
    associated_data: Sequence[bytes] | None = ...,
    *,
    return_exceptions: Literal[True],
    pins: Any = ...,
    now: float | None = ...,
) -> list[Unsigncrypted | errors.N3CryptoError]: ...


def unsigncrypt_batch(
    recipient: UserKey,
    ciphertexts: Sequence[bytes],
    associated_data: Sequence[bytes] | None = None,
    *,
    return_exceptions: bool = False,
    pins: Any = None,
    now: float | None = None,
) -> list[Any]:
    """Unsigncrypt many ciphertexts, checking all sender signatures in one
    multi-scalar multiplication (random linear combination).

    With ``return_exceptions=False`` the first failure raises
    UnsigncryptError; otherwise a failed item's slot holds its exception.

    >>> from n3crypto.signcryption import KGC, UserKey, signcrypt_batch, unsigncrypt_batch
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> alice, bob = user("alice"), user("bob")
    >>> cts = signcrypt_batch(alice, [(bob.public, b"one"), (bob.public, b"two", b"ad")])
    >>> [r.message for r in unsigncrypt_batch(bob, cts, [b"", b"ad"])]
    [b'one', b'two']
    >>> tampered = cts[1][:-1] + bytes([cts[1][-1] ^ 1])
    >>> unsigncrypt_batch(bob, [cts[0], tampered], [b"", b"ad"], return_exceptions=True)[1]
    UnsigncryptError('signcrypted message failed to authenticate')
    """
    if not isinstance(recipient, UserKey):
        raise errors.N3TypeError("recipient must be a UserKey")
    check_pins(pins)
    a_b, me = recipient._full()
    ciphertexts = check_iterable(ciphertexts, "ciphertexts")
    if associated_data is not None:
        associated_data = check_iterable(associated_data, "associated_data")
    ads = list(associated_data) if associated_data is not None else [b""] * len(ciphertexts)
    if len(ads) != len(ciphertexts):
        raise errors.N3ValueError("one associated_data per ciphertext is needed")
    pp = bytes(me.kgc.point)
    id_b, exp_b, v_b = _sender_parts(me)
    results: list[Any] = [None] * len(ciphertexts)
    pending: list[tuple[int, Scalar, Scalar, PublicKey, Point, bytes, bytes]] = []
    for i, (ct_any, ad_any) in enumerate(zip(ciphertexts, ads, strict=True)):
        try:
            ct, ad = _bytes(ct_any, "ciphertext"), _bytes(ad_any, "associated_data")
            if len(ct) < 1 + 32 + 64 + 64 + 16:
                raise _fail()
            fmt, width = parse_header(ct[0])
            if fmt != FORMAT_ONESHOT or len(ct) < 1 + 32 + width + 64 + 16:
                raise _fail()
            u_b = ct[1:33]
            try:
                key = c.kdf(b"key", _native.decap(bytes(a_b), u_b), u_b, pp, id_b, exp_b, v_b)
                u = Point.from_bytes(u_b)
            except errors.InvalidEncoding:
                raise _fail() from None
            try:
                pt = ChaCha20Poly1305(key).decrypt(_ZERO_NONCE, ct[33:], ct[:33] + ad)
                id_a, exp_a = c.parse_identity_field(pt[:width])
                v_a = pt[width : width + 32]
                sender = PublicKey._from_parts(me.kgc, id_a, exp_a, v_a)
                s = Scalar.from_bytes(pt[width + 32 : width + 64])
            except (InvalidTag, errors.N3ValueError):
                raise _fail() from None
            m = pt[width + 64 :]
            h = c.hash_scalar(
                b"sig",
                ct[:1],
                pp,
                u_b,
                id_a,
                c.u64(exp_a),
                v_a,
                id_b,
                exp_b,
                v_b,
                ad,
                c.message_digest(m),
            )
            pending.append((i, s, h, sender, u, m, ad))
        except errors.UnsigncryptError as exc:
            if not return_exceptions:
                raise
            results[i] = exc
    if pending and not _batch_equation(
        [(s, h, sender.full_point, u) for _, s, h, sender, u, _, _ in pending]
    ):
        good = [
            Point.vartime_double_mul_base(s, -h, sender.full_point) == u
            for _, s, h, sender, u, _, _ in pending
        ]
    else:
        good = [True] * len(pending)
    for ok, (i, _, _, sender, _, m, _) in zip(good, pending, strict=True):
        try:
            if not ok:
                raise _fail()
            _check_sender(sender, None, pins, now)
            results[i] = Unsigncrypted(sender.identity, sender, m)
        except errors.N3CryptoError as exc:
            if not return_exceptions:
                raise
            results[i] = exc
    return results


def _batch_equation(terms: list[tuple[Scalar, Scalar, Point, Point]]) -> bool:
    """Whether ``s_i B - h_i Q_i == U_i`` for all i, by one random combination.

    Weights are 128-bit random (from ``secrets``, never the test DRBG): a
    false acceptance has probability at most 2^-128.
    """
    if len(terms) == 1:
        s, h, q, u = terms[0]
        return Point.vartime_double_mul_base(s, -h, q) == u
    scalars: list[Scalar] = []
    points: list[Point] = []
    total = Scalar(0)
    for s, h, q, u in terms:
        w = Scalar(int.from_bytes(secrets.token_bytes(16), "little") | 1)
        total = total + w * s
        scalars += [-(w * h), -w]
        points += [q, u]
    scalars.append(total)
    points.append(_B)
    return Point.multiscalar(scalars, points).is_identity()


# -- certificateless Schnorr signatures --------------------------------------------


def _sig_challenge(pk: PublicKey, u_b: bytes, context: bytes, mh: bytes) -> Scalar:
    id_a, exp_a, v_a = _sender_parts(pk)
    return c.hash_scalar(b"schnorr", bytes(pk.kgc.point), id_a, exp_a, v_a, u_b, context, mh)


def sign_digest(
    signer: UserKey, digest: bytes, *, context: bytes = b"", now: float | None = None
) -> bytes:
    """Sign a message given its digest ``mh`` (see :func:`message_hasher`).

    For messages hashed as they stream past; the signature is the one
    :func:`sign` makes, so :func:`verify` checks it against the whole message.

    >>> from n3crypto.signcryption import KGC, UserKey, message_hasher, sign_digest, verify
    >>> kgc = KGC.generate()
    >>> u = UserKey.generate("dir", kgc.public)
    >>> _ = u.accept_partial_key(kgc.issue_partial_key("dir", u.request()))
    >>> h = message_hasher()
    >>> for part in (b"relay ", b"list"):
    ...     h.update(part)
    >>> sig = sign_digest(u, h.digest(), context=b"directory")
    >>> verify(u.public, b"relay list", sig, context=b"directory")
    """
    if not isinstance(signer, UserKey):
        raise errors.N3TypeError("signer must be a UserKey")
    a, pub = signer._full()
    pub.check_current(now)
    ctx = _bytes(context, "context")
    digest = _digest(digest)
    k = c.hash_scalar(b"schnorr-nonce", bytes(a), c.random_bytes(32), bytes(pub), ctx, digest)
    u = bytes(k * _B)
    e = _sig_challenge(pub, u, ctx, digest)
    return u + bytes(k + e * a)


def sign(
    signer: UserKey, message: bytes, *, context: bytes = b"", now: float | None = None
) -> bytes:
    """A 64-byte certificateless Schnorr signature ``U || z`` on ``message``.

    ``e = H("schnorr", P_pub, ID, expiry, V, U, context, mh)``, ``z = k + e a``;
    the nonce ``k`` is hedged (secret, fresh randomness, message).

    >>> from n3crypto.signcryption import KGC, UserKey, sign, verify
    >>> kgc = KGC.generate()
    >>> u = UserKey.generate("dir", kgc.public)
    >>> _ = u.accept_partial_key(kgc.issue_partial_key("dir", u.request()))
    >>> verify(u.public, b"relay list", sign(u, b"relay list"))
    """
    return sign_digest(
        signer, c.message_digest(_bytes(message, "message")), context=context, now=now
    )


def _parse_sig(
    pk: PublicKey, signature: bytes, context: bytes, mh: bytes
) -> tuple[Scalar, Scalar, Point]:
    sig = _bytes(signature, "signature")
    if len(sig) != SIGNATURE_BYTES:
        raise InvalidSignature("signature does not verify")
    try:
        u = Point.from_bytes(sig[:32])
        z = Scalar.from_bytes(sig[32:])
    except errors.InvalidEncoding:
        raise InvalidSignature("signature does not verify") from None
    return z, _sig_challenge(pk, sig[:32], context, mh), u


def verify_digest(
    public: PublicKey,
    digest: bytes,
    signature: bytes,
    *,
    context: bytes = b"",
    now: float | None = None,
) -> None:
    """:func:`verify` given the message digest.

    >>> from n3crypto.signcryption import KGC, UserKey, sign, verify_digest
    >>> from n3crypto.signcryption import message_digest
    >>> kgc = KGC.generate()
    >>> u = UserKey.generate("dir", kgc.public)
    >>> _ = u.accept_partial_key(kgc.issue_partial_key("dir", u.request()))
    >>> verify_digest(u.public, message_digest(b"relay list"), sign(u, b"relay list"))
    """
    if not isinstance(public, PublicKey):
        raise errors.N3TypeError("public must be a PublicKey")
    z, e, u = _parse_sig(public, signature, _bytes(context, "context"), _digest(digest))
    if Point.vartime_double_mul_base(z, -e, public.full_point) != u:
        raise InvalidSignature("signature does not verify")
    if public.is_expired(now):
        raise InvalidSignature("signature does not verify: the signer's key has expired")


def verify(
    public: PublicKey,
    message: bytes,
    signature: bytes,
    *,
    context: bytes = b"",
    now: float | None = None,
) -> None:
    """Raise :class:`InvalidSignature` unless ``signature`` is ``public``'s on
    ``message`` (and the key is current at ``now``).

    >>> from n3crypto.signcryption import KGC, UserKey, sign, verify
    >>> kgc = KGC.generate()
    >>> u = UserKey.generate("dir", kgc.public)
    >>> _ = u.accept_partial_key(kgc.issue_partial_key("dir", u.request()))
    >>> sig = sign(u, b"relay list", context=b"directory")
    >>> verify(u.public, b"relay list", sig, context=b"directory")     # returns None
    >>> verify(u.public, b"relay list", sig)                           # other context
    Traceback (most recent call last):
    ...
    n3crypto.signcryption.scheme.InvalidSignature: signature does not verify
    >>> verify(u.public, b"relay list", sig, context=b"directory", now=u.public.expiry)
    ... # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    n3crypto...InvalidSignature: signature does not verify: the signer's key has expired
    """
    verify_digest(
        public, c.message_digest(_bytes(message, "message")), signature, context=context, now=now
    )


def verify_batch(
    items: Iterable[tuple[PublicKey, bytes, bytes]],
    *,
    context: bytes = b"",
    now: float | None = None,
) -> None:
    """Verify many ``(public, message, signature)`` at once (one multi-scalar
    multiplication); raises InvalidSignature naming the first bad index.

    >>> from n3crypto.signcryption import KGC, UserKey, sign, verify_batch
    >>> kgc = KGC.generate()
    >>> def user(name):
    ...     u = UserKey.generate(name, kgc.public)
    ...     return u.accept_partial_key(kgc.issue_partial_key(name, u.request()))
    >>> a, b = user("relay-a"), user("relay-b")
    >>> items = [(a.public, b"up", sign(a, b"up")), (b.public, b"up", sign(b, b"up"))]
    >>> verify_batch(items)                                            # returns None
    >>> verify_batch([items[0], (b.public, b"down", items[1][2])])
    Traceback (most recent call last):
    ...
    n3crypto.signcryption.scheme.InvalidSignature: signature 1 does not verify
    """
    terms = []
    pubs = []
    ctx = _bytes(context, "context")
    for i, (pk, m, sig) in enumerate(_items(items, "items", (3,))):
        if not isinstance(pk, PublicKey):
            raise errors.N3TypeError("items must be (PublicKey, message, signature)")
        try:
            z, e, u = _parse_sig(pk, sig, ctx, c.message_digest(_bytes(m, "message")))
        except InvalidSignature:
            raise InvalidSignature(f"signature {i} does not verify") from None
        terms.append((z, e, pk.full_point, u))
        pubs.append(pk)
    if terms and not _batch_equation(terms):
        for i, (z, e, q, u) in enumerate(terms):
            if Point.vartime_double_mul_base(z, -e, q) != u:
                raise InvalidSignature(f"signature {i} does not verify")
    for i, pk in enumerate(pubs):
        if pk.is_expired(now):
            raise InvalidSignature(f"signature {i} does not verify: the signer's key has expired")
