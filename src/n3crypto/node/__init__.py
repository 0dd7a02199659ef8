"""Relays and clients of the onion network over TCP (docs/onion.md).

* :class:`Node` — the relay daemon (asyncio; ``n3crypto relay run --config``):
  length-prefixed frames, per-peer token buckets before curve work, per-epoch
  keys with overlap, a SQLite (WAL) replay cache per epoch, optional Poisson
  delays and loop cover traffic, graceful shutdown.
* :class:`Client` — sends over selected or given paths, acknowledgments and
  replies through SURBs, rerouting around failed relays, exactly-once
  delivery to the application.
* :class:`Directory` — the signed relay list; :class:`PathSelector` — the
  path rules.
"""

from __future__ import annotations

from n3crypto.node.client import Client, Received, SendReport
from n3crypto.node.directory import (
    ClscSigner,
    ClscVerifier,
    Directory,
    DirectoryEntry,
    DirectoryError,
    Signer,
    Verifier,
)
from n3crypto.node.frames import PACKET, STATUS, STATUS_REPLY, FrameError, encode_frame, read_frame
from n3crypto.node.keys import EpochSchedule, KeyStore
from n3crypto.node.paths import PathSelector, cap_weights, network_group, split_address
from n3crypto.node.ratelimit import PeerLimiter, TokenBucket
from n3crypto.node.relay import Node, NodeConfig, query_status
from n3crypto.node.replay import ReplayStore, SqliteReplayCache

__all__ = [
    "PACKET",
    "STATUS",
    "STATUS_REPLY",
    "Client",
    "ClscSigner",
    "ClscVerifier",
    "Directory",
    "DirectoryEntry",
    "DirectoryError",
    "EpochSchedule",
    "FrameError",
    "KeyStore",
    "Node",
    "NodeConfig",
    "PathSelector",
    "PeerLimiter",
    "Received",
    "ReplayStore",
    "SendReport",
    "Signer",
    "SqliteReplayCache",
    "TokenBucket",
    "Verifier",
    "cap_weights",
    "encode_frame",
    "network_group",
    "query_status",
    "read_frame",
    "split_address",
]
