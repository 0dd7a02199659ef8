"""Data-correctness verification: multipath transfers that repair damage and
pin it on relays (docs/verification.md).

* :func:`send_verified` / :class:`Sender` — signcrypt, Reed–Solomon-code into
  k + m shards, one onion path per shard, acknowledgement through reply
  blocks, retries over fresh paths, a :class:`TransferOutcome` naming the
  implicated paths;
* :class:`Receiver` / :class:`ReceiveSession` — collect, locate corrupt
  shards, repair, unsigncrypt, report (:class:`TransferReport`), acknowledge;
* :class:`BlameLedger` — the sender's path observations in SQLite and the
  blacklisting test with its false-positive budget;
* :class:`Rater`, :class:`RoundBook`, :class:`ReputationBoard` — private
  ballots over a round's relays, a persisted aggregator, and the pooled
  tallies turned into reputation δ, blacklisting and contribution points;
* transports: :class:`LocalNetwork` (in-process) and :class:`NodeTransport`
  (real relays).
"""

from __future__ import annotations

from n3crypto.verification.blame import BlameLedger, RelayScore, hypergeom_sf
from n3crypto.verification.protocol import (
    Ack,
    Fragment,
    ReceiveSession,
    Sealed,
    TransferFailed,
    TransferReport,
    decode_ack,
    encode_ack,
    parse_fragment,
    seal,
)
from n3crypto.verification.ratings import Rater, ReputationBoard, RoundBook
from n3crypto.verification.transfer import (
    Attempt,
    Receiver,
    Recipient,
    Sender,
    TransferOutcome,
    send_verified,
)
from n3crypto.verification.transport import (
    Behaviour,
    LocalNetwork,
    LocalTransport,
    NodeTransport,
    Transport,
    spread_paths,
)

__all__ = [
    "Ack",
    "Attempt",
    "Behaviour",
    "BlameLedger",
    "Fragment",
    "LocalNetwork",
    "LocalTransport",
    "NodeTransport",
    "Rater",
    "ReceiveSession",
    "Receiver",
    "Recipient",
    "RelayScore",
    "ReputationBoard",
    "RoundBook",
    "Sealed",
    "Sender",
    "TransferFailed",
    "TransferOutcome",
    "TransferReport",
    "Transport",
    "decode_ack",
    "encode_ack",
    "hypergeom_sf",
    "parse_fragment",
    "seal",
    "send_verified",
    "spread_paths",
]
