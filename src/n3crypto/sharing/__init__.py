"""Secret sharing, verifiable sharing and threshold Paillier decryption.

* :func:`split` / :func:`combine` — Shamir over GF(2^8) (``bytes`` of any
  length), the ristretto255 scalar field (``Scalar``) or any prime field
  (``int``); :class:`Share` carries scheme, index, threshold and dealing id.
* :func:`robust_combine` — locates and excludes up to ``⌊(N − t)/2⌋`` wrong
  shares (Berlekamp–Welch) and names them.
* :func:`feldman_deal` / :func:`pedersen_deal` — verifiable sharing with
  ristretto255 commitments; :func:`refresh` / :func:`refresh_verifiable`.
* :class:`ThresholdPaillier` — Shoup/Damgård–Jurik threshold decryption with
  zero-knowledge proofs (:func:`combine_partials`), the whitepaper's
  key-rebuild mode, a rating-round :class:`ThresholdDecryptor` and a
  multiprocess committee (:mod:`n3crypto.sharing.committee`).

See docs/sharing.md for the trusted-dealer model and the threat model.

>>> from n3crypto.sharing import split, combine, robust_combine
>>> shares = split(b"\\x00" * 32, 10, 6)
>>> combine(shares[4:]) == bytes(32)
True
"""

from __future__ import annotations

from n3crypto.sharing._demo import demo_chapter
from n3crypto.sharing.committee import Committee, ThresholdDecryptor
from n3crypto.sharing.robust import robust_combine
from n3crypto.sharing.shamir import Share, check_shares, combine, refresh, split
from n3crypto.sharing.threshold_paillier import (
    CheatingMembers,
    KeyRebuildWarning,
    KeyShare,
    PartialDecryption,
    Plaintext,
    ThresholdPaillier,
    VerificationKeys,
    combine_partials,
    rebuild_private_key,
    verify_partial,
)
from n3crypto.sharing.vss import (
    PEDERSEN_H,
    Commitments,
    feldman_deal,
    pedersen_deal,
    refresh_apply,
    refresh_deal,
    refresh_verifiable,
)

__all__ = [
    "PEDERSEN_H",
    "CheatingMembers",
    "Commitments",
    "Committee",
    "KeyRebuildWarning",
    "KeyShare",
    "PartialDecryption",
    "Plaintext",
    "Share",
    "ThresholdDecryptor",
    "ThresholdPaillier",
    "VerificationKeys",
    "check_shares",
    "combine",
    "combine_partials",
    "demo_chapter",
    "feldman_deal",
    "pedersen_deal",
    "rebuild_private_key",
    "refresh",
    "refresh_apply",
    "refresh_deal",
    "refresh_verifiable",
    "robust_combine",
    "split",
    "verify_partial",
]
