"""The ``n3crypto`` command line.

One-line messages on stderr; exit 1 for cryptographic/decoding failures,
2 for usage errors. Secrets are never taken from or echoed to the command
line.
"""

from __future__ import annotations

import secrets
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from n3crypto import __version__, errors
from n3crypto._cli import err as _err
from n3crypto._cli import fail as _fail


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="n3crypto")
def main() -> None:
    """n3crypto: cryptography and privacy protocols for the Network3 system."""


@main.command()
def info() -> None:
    """Show the native core's CPU features and kernels."""
    from n3crypto.bindings import KERNELS, available_kernels, default_kernel, kernel_name, lib

    console = Console()
    feats = lib.n3_cpu_features()
    names = ["AVX2", "GFNI", "AVX512BW", "AVX512VL", "AVX512IFMA", "AVX512F", "BMI2", "ADX"]
    have = [n for i, n in enumerate(names) if feats & (1 << i)]
    table = Table(title=f"n3crypto {__version__}")
    table.add_column("item")
    table.add_column("value")
    table.add_row("SIMD in this build", "yes" if lib.n3_build_has_simd() else "no (N3_PORTABLE)")
    table.add_row("CPU features", ", ".join(have) or "none")
    table.add_row(
        "GF(2^8) kernels", ", ".join(available_kernels()) + f"  (of {', '.join(KERNELS)})"
    )
    try:
        table.add_row("default kernel", kernel_name(default_kernel()))
    except errors.N3CryptoError as exc:
        table.add_row("default kernel", f"[red]{exc}[/]")
    console.print(table)


@main.command()
@click.option("--chapter", "-c", default=None, help="Play one chapter (see --list), or 'all'.")
@click.option("--list", "list_", is_flag=True, help="List the chapters.")
@click.option(
    "--seed", type=int, default=None, help="Seed the simulation's choices (never the keys)."
)
@click.option("--relays", type=int, default=12, show_default=True, help="Relay processes.")
@click.option("--malicious", type=int, default=2, show_default=True, help="Misbehaving relays.")
@click.option("--transfers", type=int, default=200, show_default=True, help="Verified transfers.")
@click.option(
    "--json",
    "json_report",
    type=click.Path(dir_okay=False),
    default=None,
    help="Write the report (malicious, blacklisted, transfers, intact, failed, ...) as JSON.",
)
@click.option(
    "--plot",
    type=click.Path(dir_okay=False),
    default=None,
    help="Plot reputation over rounds to a PNG (needs matplotlib: pip install n3crypto[plot]).",
)
def demo(
    chapter: str | None,
    list_: bool,
    seed: int | None,
    relays: int,
    malicious: int,
    transfers: int,
    json_report: str | None,
    plot: str | None,
) -> None:
    """The whole Network3 story on this machine: relays as processes, verified
    transfers, blame, threshold-decrypted ratings, rewards. With --chapter,
    one capability at a time."""
    from n3crypto import demo as demo_mod

    if list_:
        for name, (title, _) in demo_mod.CHAPTERS.items():
            click.echo(f"{name:16} {title}")
        click.echo(f"{'all':16} every chapter above, in order")
        return
    if chapter is not None and chapter != "all" and chapter not in demo_mod.CHAPTERS:
        _fail(f"unknown chapter {chapter!r}; try --list", 2)
    try:
        if chapter is None:
            from n3crypto.verification.demo import run_network_demo

            run_network_demo(
                Console(),
                relays=relays,
                malicious=malicious,
                transfers=transfers,
                seed=seed,
                json_report=json_report,
                plot=plot,
            )
        else:
            demo_mod.run(None if chapter == "all" else chapter, seed=seed)
    except errors.N3CryptoError as exc:
        _fail(str(exc))


@main.group()
def rs() -> None:
    """Reed–Solomon erasure coding of files into shards."""


@rs.command("encode")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-k", "--data-shards", "k", type=int, default=10, show_default=True)
@click.option("-m", "--parity-shards", "m", type=int, default=4, show_default=True)
@click.option(
    "-o",
    "--out-dir",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Directory for the shard files FILE.NNN (created if missing).",
)
def rs_encode(file: Path, k: int, m: int, out_dir: Path) -> None:
    """Split FILE into k data + m parity shard files."""
    from n3crypto.rs import ErasureCoder, Shard
    from n3crypto.utils import atomic_write

    try:
        coder = ErasureCoder(k, m)
    except errors.N3ValueError as exc:
        _fail(str(exc), 2)
    out_dir.mkdir(parents=True, exist_ok=True)
    set_id = secrets.token_bytes(16)
    shards = coder.encode(file.read_bytes())
    for i, s in enumerate(shards):
        atomic_write(out_dir / f"{file.name}.{i:03d}", Shard(set_id, k, m, i, s).to_bytes())
    click.echo(f"wrote {len(shards)} shards of {len(shards[0])} bytes to {out_dir}")


@rs.command("decode")
@click.argument("shard_files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
def rs_decode(shard_files: tuple[Path, ...], output: Path) -> None:
    """Rebuild a file from its shard files (missing ones may be left out);
    corrupted shards are located, repaired and named."""
    from n3crypto.rs import ErasureCoder, Shard
    from n3crypto.utils import atomic_write

    if not shard_files:
        _fail("no shard files given", 2)
    loaded: list[Shard] = []
    for p in shard_files:
        try:
            loaded.append(Shard.from_bytes(p.read_bytes()))
        except OSError as exc:
            _err.print(f"warning: skipping {p}: {exc.strerror}", highlight=False)
        except errors.InvalidEncoding as exc:
            _err.print(f"warning: skipping {p}: {exc}", highlight=False)
    if not loaded:
        _fail("no readable shard files")
    first = loaded[0]
    same = [s for s in loaded if (s.set_id, s.k, s.m) == (first.set_id, first.k, first.m)]
    if len(same) != len(loaded):
        _err.print("warning: ignoring shards of another encoding", highlight=False)
    coder = ErasureCoder(first.k, first.m)
    slots: list[bytes | None] = [None] * coder.n
    for s in same:
        slots[s.index] = s.data
    try:
        out = coder.decode(slots)
    except errors.N3CryptoError as exc:
        _fail(str(exc))
    atomic_write(output, bytes(out))
    click.echo(
        f"wrote {len(out)} bytes to {output}; missing shards: {out.missing or 'none'}; "
        f"corrupted and repaired: {out.corrupted or 'none'}"
    )


def _register_protocol_commands() -> None:
    """Commands of the protocol layers, each defined beside its protocol."""
    from n3crypto import cli_signcryption
    from n3crypto.cli_incentives import incentives
    from n3crypto.cli_onion import relay
    from n3crypto.cli_paillier import paillier
    from n3crypto.cli_sharing import sharing

    cli_signcryption.register(main)
    main.add_command(paillier)
    main.add_command(incentives)
    main.add_command(relay)
    main.add_command(sharing)


_register_protocol_commands()

if __name__ == "__main__":  # pragma: no cover
    main()
