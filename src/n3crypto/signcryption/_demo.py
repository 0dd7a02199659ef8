"""The "signcryption" chapter of ``n3crypto demo``."""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from n3crypto import errors

if TYPE_CHECKING:
    from rich.console import Console

__all__ = ["demo_chapter"]


def demo_chapter(console: Console, rng: random.Random) -> None:
    """A KGC, two users, an anonymous signcrypted message, a tampered copy
    rejected, and a KGC that cannot read what it certified.

    ``rng`` picks the demo's choices (which byte is flipped), never keys.
    """
    from rich.panel import Panel
    from rich.table import Table

    from n3crypto.signcryption import KGC, UserKey, overhead, signcrypt, unsigncrypt
    from n3crypto.signcryption.scheme import FAIL_MESSAGE

    console.print(
        Panel.fit(
            "A key generation centre (KGC) vouches for identities [italic]without[/] learning "
            "their secrets. Alice signcrypts to Bob: only Bob can read it, Bob knows it is "
            "from Alice, and the ciphertext names neither of them.",
            title="Chapter: signcryption",
        )
    )
    kgc = KGC.generate()
    users = {}
    for name in ("alice", "bob"):
        key = UserKey.generate(name, kgc.public)
        users[name] = key.accept_partial_key(kgc.issue_partial_key(name, key.request()))
    table = Table(title="Keys")
    table.add_column("who")
    table.add_column("public key fingerprint")
    table.add_column("KGC knows")
    table.add_row("KGC", kgc.public.fingerprint, "its master secret s")
    for name, key in users.items():
        table.add_row(name, key.public.fingerprint, "d (partial key), not x")
    console.print(table)

    alice, bob = users["alice"], users["bob"]
    message = b"Meet at relay 7 at dawn."
    ct = signcrypt(alice, bob.public, message)
    visible = (
        ("alice" in ct.decode("latin-1"))
        or bytes(alice.public.public_value) in ct
        or bytes(bob.public.public_value) in ct
    )
    console.print(
        f"ciphertext: {len(ct)} bytes ({overhead()} bytes of overhead), "
        f"first bytes [dim]{ct[:24].hex()}…[/]; names or keys visible in it: "
        f"[bold]{'yes' if visible else 'no'}[/]"
    )
    opened = unsigncrypt(bob, ct)
    console.print(
        f"Bob opens it: from [bold green]{opened.sender_identity}[/] "
        f"({opened.sender_public.fingerprint}): {opened.message.decode()!r}"
    )
    pos = rng.randrange(len(ct))
    bad = bytearray(ct)
    bad[pos] ^= 1 << rng.randrange(8)
    try:
        unsigncrypt(bob, bytes(bad))
        console.print("[red]tampered ciphertext accepted?![/]")
    except errors.UnsigncryptError as exc:
        console.print(f"one bit flipped at byte {pos}: [bold red]rejected[/] ({exc})")
    # The KGC can derive Bob's partial key d, but d alone opens nothing.
    impostor = UserKey.generate("bob", kgc.public)
    impostor_key = impostor.accept_partial_key(kgc.issue_partial_key("bob", impostor.request()))
    try:
        unsigncrypt(impostor_key, ct)
        console.print("[red]the KGC read Bob's mail?![/]")
    except errors.UnsigncryptError:
        console.print(
            "the KGC certifies a second key for 'bob' and tries to open the message: "
            f"[bold red]{FAIL_MESSAGE}[/] — it lacks Bob's secret value x. (That second key "
            "is what pinning and the issuance log expose.)"
        )
