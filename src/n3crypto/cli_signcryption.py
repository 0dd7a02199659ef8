"""``n3crypto`` commands for certificateless signcryption, signatures and keys.

:func:`register` adds ``kgc`` (``init``, ``issue``, ``log``), ``keygen``,
``pubkey``, ``signcrypt``, ``unsigncrypt``, ``sign``, ``verify`` and
``inspect`` to the main click group. Failures print one line on stderr and
exit 1; usage errors exit 2. Passphrases come from a prompt, a file
(``--passphrase-file``) or an environment variable (``--passphrase-env``),
never from the command line. ``unsigncrypt`` writes to a temporary file that
is renamed (or copied to stdout) only after the sender's signature over the
whole stream has verified.
"""

from __future__ import annotations

import contextlib
import datetime
import os
import re
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any, BinaryIO

import click
from rich.console import Console
from rich.table import Table

from n3crypto import envelope, errors
from n3crypto._cli import err as _err
from n3crypto._cli import fail as _fail
from n3crypto._cli import given_passphrase as _given_passphrase
from n3crypto._cli import passphrase_options as _passphrase_options
from n3crypto._cli import reported_errors as _errors

__all__ = ["register"]

_SIG_KIND = "clsc-signature"
_PROGRESS_MIN = 16 << 20
#: Option and argument types: a file that must exist, and a file to write.
_EXISTING_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
_FILE = click.Path(dir_okay=False, path_type=Path)


# -- passphrases -------------------------------------------------------------------


def _tty_available() -> bool:
    """Whether a controlling terminal can be opened for a prompt."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY)
    except OSError:
        return False
    os.close(fd)
    return True


def _prompt(text: str, *, confirm: bool = False) -> bytes:
    """Ask on the terminal (/dev/tty, so stdin may carry data), never echoing."""
    import getpass

    if not _tty_available():
        _fail("no terminal to ask for a passphrase: use --passphrase-file or --passphrase-env", 2)
    value = getpass.getpass(f"{text}: ")
    if confirm and getpass.getpass("Repeat it: ") != value:
        _fail("the passphrases do not match", 2)
    if not value:
        _fail("empty passphrase", 2)
    return value.encode("utf-8")


def _new_passphrase(pfile: Path | None, penv: str | None, no_pass: bool) -> bytes | None:
    """The passphrase to protect a new private key with (None: unprotected)."""
    given = _given_passphrase(pfile, penv)
    if given is not None:
        if no_pass:
            _fail("--no-passphrase contradicts a given passphrase", 2)
        return given
    if no_pass:
        return None
    if not _tty_available():
        _fail(
            "no terminal to ask for a passphrase: use --passphrase-file, --passphrase-env "
            "or --no-passphrase",
            2,
        )
    return _prompt("Passphrase for the new key", confirm=True)


def _read_key(path: Path, pfile: Path | None, penv: str | None) -> Any:
    from n3crypto.signcryption import keyfiles

    data = path.read_bytes()
    passphrase = _given_passphrase(pfile, penv)
    if passphrase is None and keyfiles.is_encrypted(data):
        if not _tty_available():
            _fail(f"{path} is passphrase-protected: use --passphrase-file or --passphrase-env")
        passphrase = _prompt(f"Passphrase for {path}")
    return keyfiles.load_bytes(data, passphrase=passphrase), passphrase


def _load_public(path: Path) -> Any:
    from n3crypto.signcryption import PublicKey, UserKey, keyfiles

    obj = keyfiles.load(path)
    if isinstance(obj, UserKey):
        _fail(f"{path} is a private key; pass the public key (n3crypto pubkey)", 2)
    if not isinstance(obj, PublicKey):
        _fail(f"{path} is not a user public key")
    return obj


def _user_key(path: Path, pfile: Path | None, penv: str | None) -> Any:
    from n3crypto.signcryption import UserKey

    key, _ = _read_key(path, pfile, penv)
    if not isinstance(key, UserKey):
        _fail(f"{path} is not a user key")
    if not key.is_complete:
        _fail(f"{path} has no partial key yet: run `n3crypto keygen --accept PARTIAL --key {path}`")
    return key


def _refuse_overwrite(path: Path, force: bool) -> None:
    if path.exists() and not force:
        _fail(f"{path} exists (use --force to overwrite)", 2)


def _safe_name(identity: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]", "_", identity)


# -- streams ---------------------------------------------------------------------


@contextlib.contextmanager
def _input(path: str) -> Iterator[tuple[BinaryIO, int | None]]:
    if path == "-":
        yield sys.stdin.buffer, None
        return
    with open(path, "rb") as fh:
        try:
            size: int | None = os.fstat(fh.fileno()).st_size
        except OSError:
            size = None
        yield fh, size


@contextlib.contextmanager
def _progress(size: int | None, label: str) -> Iterator[Callable[[int], None] | None]:
    if size is None or size < _PROGRESS_MIN or not _err.is_terminal:
        yield None
        return
    from rich.progress import (
        BarColumn,
        DownloadColumn,
        Progress,
        TransferSpeedColumn,
    )

    with Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=_err,
        transient=True,
    ) as prog:
        task = prog.add_task(label, total=size)
        yield lambda n: prog.advance(task, n)


@contextlib.contextmanager
def _output(path: str, *, hold: bool = True) -> Iterator[IO[bytes]]:
    """Where a command writes its result.

    With ``hold`` (unsigncrypt), the data goes to a temporary file next to
    ``path`` — mode 0600 — that becomes ``path`` only if the block completes,
    and is deleted otherwise; for stdout it is spooled (memory up to 16 MiB,
    then a 0600 file in TMPDIR) and copied out only after success. Without
    ``hold``, stdout is written directly (a failed signcrypt leaves a
    ciphertext that cannot authenticate, nothing secret).
    """
    if path == "-":
        if not hold:
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()
            return
        with tempfile.SpooledTemporaryFile(max_size=16 << 20) as spool:
            yield spool
            spool.seek(0)
            shutil.copyfileobj(spool, sys.stdout.buffer, 1 << 20)
            sys.stdout.buffer.flush()
        return
    target_dir = Path(path).resolve().parent
    fd, tmp = tempfile.mkstemp(prefix=".n3crypto-", suffix=".part", dir=target_dir)
    ok = False
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        ok = True
    finally:
        if not ok:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)


def _expiry_option(validity_days: int | None, expires: str | None) -> dict[str, int]:
    if validity_days is not None and expires is not None:
        _fail("give --validity-days or --expires, not both", 2)
    if expires is not None:
        try:
            when = datetime.datetime.fromisoformat(expires)
        except ValueError:
            _fail(f"--expires: not an ISO date: {expires!r}", 2)
        if when.tzinfo is None:
            when = when.replace(tzinfo=datetime.UTC)
        return {"expiry": int(when.timestamp())}
    if validity_days is not None:
        if validity_days <= 0:
            _fail("--validity-days must be positive", 2)
        return {"validity": validity_days * 86400}
    return {}


# -- commands ---------------------------------------------------------------------


def register(main: click.Group) -> None:
    """Add the signcryption commands to ``main``."""

    @main.group()
    def kgc() -> None:
        """Key generation centre: init, issue, log."""

    @kgc.command("init")
    @click.option(
        "-o",
        "--out",
        "out",
        type=_FILE,
        default=Path("kgc.key"),
        show_default=True,
        help="The KGC private key file.",
    )
    @click.option(
        "--public",
        "public_out",
        type=_FILE,
        default=None,
        help="The KGC public key file [default: OUT with .pub].",
    )
    @_passphrase_options
    @click.option("--no-passphrase", is_flag=True, help="Store the private key unprotected.")
    @click.option(
        "--kdf-cost",
        type=click.IntRange(10, 20),  # keyfiles.KDF_LOG2_N_MIN..MAX
        default=15,
        show_default=True,
        help="scrypt cost as log2 N (r = 8, p = 4).",
    )
    @click.option("--force", is_flag=True, help="Overwrite existing files.")
    def kgc_init(
        out: Path,
        public_out: Path | None,
        passphrase_file: Path | None,
        passphrase_env: str | None,
        no_passphrase: bool,
        kdf_cost: int,
        force: bool,
    ) -> None:
        """Create a KGC master key and its public key."""
        from n3crypto.signcryption import KGC, keyfiles

        pub_path = public_out or out.with_suffix(".pub")
        _refuse_overwrite(out, force)
        _refuse_overwrite(pub_path, force)
        pw = _new_passphrase(passphrase_file, passphrase_env, no_passphrase)
        with _errors():
            k = KGC.generate()
            keyfiles.save(out, k, passphrase=pw, kdf_log2_n=kdf_cost)
            keyfiles.save(pub_path, k.public)
        _err.print(f"KGC {k.public.fingerprint}: private key {out}, public key {pub_path}")

    @kgc.command("issue")
    @click.argument("request", type=_EXISTING_FILE)
    @click.option(
        "--key",
        "key_path",
        type=_EXISTING_FILE,
        default=Path("kgc.key"),
        show_default=True,
        help="The KGC private key.",
    )
    @click.option(
        "--identity",
        default=None,
        help="The identity you have verified; the request must match it.",
    )
    @click.option(
        "--log",
        "log_path",
        type=_FILE,
        default=None,
        help="Issuance log [default: KEY with .log].",
    )
    @click.option("--validity-days", type=int, default=None, help="Lifetime [default: 365].")
    @click.option("--expires", default=None, help="Expiry as an ISO date/time (UTC if no zone).")
    @click.option(
        "-o",
        "--out",
        "out",
        type=_FILE,
        default=None,
        help="Partial key file [default: IDENTITY.partial].",
    )
    @_passphrase_options
    def kgc_issue(
        request: Path,
        key_path: Path,
        identity: str | None,
        log_path: Path | None,
        validity_days: int | None,
        expires: str | None,
        out: Path | None,
        passphrase_file: Path | None,
        passphrase_env: str | None,
    ) -> None:
        """Verify a request and issue its partial key (logged)."""
        from n3crypto.signcryption import KGC, IssuanceLog, KeyRequest, keyfiles

        opts = _expiry_option(validity_days, expires)
        with _errors():
            k, _ = _read_key(key_path, passphrase_file, passphrase_env)
            if not isinstance(k, KGC):
                _fail(f"{key_path} is not a KGC private key")
            req = keyfiles.load(request)
            if not isinstance(req, KeyRequest):
                _fail(f"{request} is not a key request")
            ident = identity if identity is not None else req.identity
            log = IssuanceLog(log_path or key_path.with_suffix(".log"))
            partial = k.issue_partial_key(ident, req, log=log, **opts)
            dest = out or Path(_safe_name(partial.identity) + ".partial")
            keyfiles.save(dest, partial)
        _err.print(
            f"issued a partial key for {partial.identity!r} (log entry {partial.log_index}, "
            f"expires {keyfiles._when(partial.expiry)}) to {dest}"
        )

    @kgc.command("log")
    @click.option(
        "--log",
        "log_path",
        type=_EXISTING_FILE,
        default=Path("kgc.log"),
        show_default=True,
    )
    @click.option(
        "--kgc",
        "kgc_pub",
        type=_EXISTING_FILE,
        default=Path("kgc.pub"),
        show_default=True,
        help="The KGC public key.",
    )
    @click.option("--identity", default=None, help="Show only this identity's entries.")
    def kgc_log(log_path: Path, kgc_pub: Path, identity: str | None) -> None:
        """Audit an issuance log (chain, signatures, second keys)."""
        from n3crypto.signcryption import KGCPublic, audit, keyfiles

        with _errors():
            pub = keyfiles.load(kgc_pub)
            if not isinstance(pub, KGCPublic):
                _fail(f"{kgc_pub} is not a KGC public key")
            report = audit(log_path, pub)
            shown = report.keys_of(identity) if identity is not None else report.entries
        table = Table(title=f"issuance log {log_path} ({len(report.entries)} entries, verified)")
        for col in ("seq", "issued", "identity", "V", "expires", "flag"):
            table.add_column(col)
        flagged = {e.seq for es in report.duplicates.values() for e in es}
        for e in shown:
            table.add_row(
                str(e.seq),
                keyfiles._when(e.time),
                e.identity,
                e.public_key.hex()[:16],
                keyfiles._when(e.expiry),
                "[red]second key[/]" if e.seq in flagged else "",
            )
        Console().print(table)
        if report.duplicates:
            names = ", ".join(
                f"{i!r} (entries {', '.join(str(e.seq) for e in es)})"
                for i, es in sorted(report.duplicates.items())
            )
            _fail(f"identities with more than one key valid at once: {names}")

    @main.command("keygen")
    @click.argument("identity", required=False)
    @click.option(
        "--kgc",
        "kgc_pub",
        type=_EXISTING_FILE,
        default=None,
        help="The KGC public key (for a new key).",
    )
    @click.option(
        "--accept",
        "partial",
        type=_EXISTING_FILE,
        default=None,
        help="Complete KEY with this partial key from the KGC.",
    )
    @click.option(
        "--key",
        "key_path",
        type=_FILE,
        default=None,
        help="The user key file [default: IDENTITY.key].",
    )
    @click.option(
        "--request",
        "req_path",
        type=_FILE,
        default=None,
        help="Where to write the request [default: IDENTITY.req].",
    )
    @click.option(
        "--pub",
        "pub_path",
        type=_FILE,
        default=None,
        help="With --accept: public key file [default: KEY with .pub].",
    )
    @_passphrase_options
    @click.option("--no-passphrase", is_flag=True, help="Store the private key unprotected.")
    @click.option(
        "--kdf-cost",
        type=click.IntRange(10, 20),  # keyfiles.KDF_LOG2_N_MIN..MAX
        default=None,
        help="scrypt cost as log2 N [default: 15; --accept keeps the file's].",
    )
    @click.option("--force", is_flag=True, help="Overwrite an existing key file.")
    def keygen(
        identity: str | None,
        kgc_pub: Path | None,
        partial: Path | None,
        key_path: Path | None,
        req_path: Path | None,
        pub_path: Path | None,
        passphrase_file: Path | None,
        passphrase_env: str | None,
        no_passphrase: bool,
        kdf_cost: int | None,
        force: bool,
    ) -> None:
        """Create a key and KGC request, or --accept.

        With IDENTITY and --kgc: a new key and its request to the KGC. With
        --accept PARTIAL: complete the key with the KGC's partial key.
        """
        from n3crypto.signcryption import KGCPublic, PartialKey, UserKey, keyfiles

        if partial is not None:
            if identity is not None or kgc_pub is not None:
                _fail("--accept takes --key, not IDENTITY or --kgc", 2)
            with _errors():
                p = keyfiles.load(partial)
                if not isinstance(p, PartialKey):
                    _fail(f"{partial} is not a partial key")
                if key_path is None:
                    key_path = Path(_safe_name(p.identity) + ".key")
                    if not key_path.exists():
                        _fail(f"no --key given and {key_path} does not exist", 2)
                key, pw = _read_key(key_path, passphrase_file, passphrase_env)
                if not isinstance(key, UserKey):
                    _fail(f"{key_path} is not a user key")
                key.accept_partial_key(p)
                kdf = kdf_cost or keyfiles.kdf_cost_of(key_path.read_bytes())
                keyfiles.save(key_path, key, passphrase=pw, kdf_log2_n=kdf)
                dest = pub_path or key_path.with_suffix(".pub")
                keyfiles.save(dest, key.public)
            _err.print(
                f"{key.identity!r}: key complete, public key {key.public.fingerprint} "
                f"(expires {keyfiles._when(key.public.expiry)}) written to {dest}"
            )
            return
        if identity is None or kgc_pub is None:
            _fail("keygen needs IDENTITY and --kgc KGC_PUBLIC (or --accept PARTIAL --key KEY)", 2)
        with _errors():
            pub = keyfiles.load(kgc_pub)
            if not isinstance(pub, KGCPublic):
                _fail(f"{kgc_pub} is not a KGC public key")
            key = UserKey.generate(identity, pub)
        name = _safe_name(key.identity)
        kp = key_path or Path(name + ".key")
        rp = req_path or kp.with_suffix(".req")
        _refuse_overwrite(kp, force)
        pw = _new_passphrase(passphrase_file, passphrase_env, no_passphrase)
        with _errors():
            keyfiles.save(
                kp, key, passphrase=pw, kdf_log2_n=kdf_cost or keyfiles.DEFAULT_KDF_LOG2_N
            )
            keyfiles.save(rp, key.request())
        _err.print(f"{key.identity!r}: secret key {kp}; send the request {rp} to the KGC")

    @main.command("pubkey")
    @click.option(
        "--key",
        "key_path",
        type=_EXISTING_FILE,
        required=True,
        help="A user key or KGC key.",
    )
    @click.option("-o", "--out", "out", default="-", show_default=True, help="Output file or -.")
    @_passphrase_options
    def pubkey(
        key_path: Path, out: str, passphrase_file: Path | None, passphrase_env: str | None
    ) -> None:
        """Write the public key of a user or KGC key."""
        from n3crypto.signcryption import KGC, UserKey, keyfiles

        with _errors():
            key, _ = _read_key(key_path, passphrase_file, passphrase_env)
            if isinstance(key, KGC):
                public: Any = key.public
            elif isinstance(key, UserKey):
                public = key.public
            else:
                _fail(f"{key_path} is not a private key")
            if out == "-":
                click.echo(keyfiles.armor(bytes(public)), nl=False)
            else:
                keyfiles.save(out, public)

    @main.command("signcrypt")
    @click.option(
        "--key",
        "key_path",
        type=_EXISTING_FILE,
        required=True,
        help="Your (sender's) user key.",
    )
    @click.option(
        "--to",
        "to",
        type=_EXISTING_FILE,
        required=True,
        help="The recipient's public key.",
    )
    @click.argument("infile", default="-")
    @click.argument("outfile", default="-")
    @click.option("--ad", default="", help="Associated data (public context, both sides).")
    @click.option("--chunk-size", type=int, default=1 << 16, show_default=True)
    @_passphrase_options
    def signcrypt_cmd(
        key_path: Path,
        to: Path,
        infile: str,
        outfile: str,
        ad: str,
        chunk_size: int,
        passphrase_file: Path | None,
        passphrase_env: str | None,
    ) -> None:
        """Signcrypt a file (or stdin) to a recipient.

        INFILE and OUTFILE default to stdin and stdout.
        """
        from n3crypto.signcryption import signcrypt_stream

        with _errors():
            key = _user_key(key_path, passphrase_file, passphrase_env)
            rp = _load_public(to)
            with (
                _input(infile) as (src, size),
                _progress(size, "signcrypt") as prog,
                _output(outfile) as dst,
            ):
                signcrypt_stream(
                    key, rp, src, dst, ad.encode("utf-8"), chunk_size=chunk_size, progress=prog
                )

    @main.command("unsigncrypt")
    @click.option(
        "--key",
        "key_path",
        type=_EXISTING_FILE,
        required=True,
        help="Your (recipient's) user key.",
    )
    @click.argument("infile", default="-")
    @click.argument("outfile", default="-")
    @click.option(
        "--from",
        "from_pub",
        type=_EXISTING_FILE,
        default=None,
        help="Require this sender public key.",
    )
    @click.option("--from-identity", default=None, help="Require this sender identity.")
    @click.option(
        "--pins",
        type=_FILE,
        default=None,
        help="Trust-on-first-use pin store (JSON); a changed sender key fails.",
    )
    @click.option("--ad", default="", help="Associated data (must match the sender's).")
    @_passphrase_options
    def unsigncrypt_cmd(
        key_path: Path,
        infile: str,
        outfile: str,
        from_pub: Path | None,
        from_identity: str | None,
        pins: Path | None,
        ad: str,
        passphrase_file: Path | None,
        passphrase_env: str | None,
    ) -> None:
        """Open a signcrypted file (sender on stderr).

        INFILE and OUTFILE default to stdin and stdout.

        Nothing is written to OUTFILE unless the whole input authenticates.
        """
        from n3crypto.signcryption import unsigncrypt, unsigncrypt_stream

        if from_pub is not None and from_identity is not None:
            _fail("give --from or --from-identity, not both", 2)
        with _errors():
            key = _user_key(key_path, passphrase_file, passphrase_env)
            expected: Any = _load_public(from_pub) if from_pub is not None else from_identity
            store = None
            if pins is not None:
                from n3crypto.signcryption.pins import PinStore

                store = PinStore(pins)
            with (
                _input(infile) as (src, size),
                _progress(size, "unsigncrypt") as prog,
                _output(outfile) as dst,
            ):
                first = src.read(1)
                rest = _Prepend(first, src)
                if first and first[0] & 0x0F == 1:
                    res: Any = unsigncrypt(
                        key, rest.read(), ad.encode("utf-8"), expected, pins=store
                    )
                    dst.write(res.message)
                else:
                    res = unsigncrypt_stream(
                        key, rest, dst, ad.encode("utf-8"), expected, pins=store, progress=prog
                    )
        _err.print(f"authenticated sender: {res.sender_identity} ({res.sender_public.fingerprint})")

    @main.command("sign")
    @click.option(
        "--key",
        "key_path",
        type=_EXISTING_FILE,
        required=True,
    )
    @click.argument("infile", default="-")
    @click.option(
        "-o", "--out", "out", default="-", show_default=True, help="Signature file or - for stdout."
    )
    @click.option("--context", default="", help="Context string (must match at verification).")
    @_passphrase_options
    def sign_cmd(
        key_path: Path,
        infile: str,
        out: str,
        context: str,
        passphrase_file: Path | None,
        passphrase_env: str | None,
    ) -> None:
        """Sign a file (detached certificateless Schnorr signature)."""
        from n3crypto.signcryption import _common, keyfiles
        from n3crypto.signcryption.scheme import sign_digest
        from n3crypto.utils import atomic_write

        with _errors():
            key = _user_key(key_path, passphrase_file, passphrase_env)
            with _input(infile) as (src, _):
                h = _common.message_hasher()
                while chunk := src.read(1 << 20):
                    h.update(chunk)
            sig = sign_digest(key, h.digest(), context=context.encode("utf-8"))
            pk = bytes(key.public)
            blob = envelope.pack(_SIG_KIND, 1, len(pk).to_bytes(2, "big") + pk + sig)
            text = keyfiles.armor(blob)
            if out == "-":
                click.echo(text, nl=False)
            else:
                atomic_write(out, text.encode("ascii"))

    @main.command("verify")
    @click.option(
        "--pub",
        "pub_path",
        type=_EXISTING_FILE,
        default=None,
        help="The signer's public key you trust (pinned).",
    )
    @click.option(
        "--kgc",
        "kgc_path",
        type=_EXISTING_FILE,
        default=None,
        help="Or: trust any key this KGC vouches for (certificateless).",
    )
    @click.option("--identity", default=None, help="With --kgc: require this signer identity.")
    @click.option(
        "--sig",
        "sig_path",
        type=_EXISTING_FILE,
        required=True,
        help="The signature file.",
    )
    @click.argument("infile", default="-")
    @click.option("--context", default="", help="Context string given when signing.")
    def verify_cmd(
        pub_path: Path | None,
        kgc_path: Path | None,
        identity: str | None,
        sig_path: Path,
        infile: str,
        context: str,
    ) -> None:
        """Verify a detached signature (exit 1 unless it is good).

        The signer is trusted either as a given public key (--pub) or as any
        key the KGC vouches for (--kgc, optionally with --identity): a
        certificateless key binds its identity through the KGC's key.
        """
        from n3crypto.signcryption import (
            InvalidSignature,
            KGCPublic,
            PublicKey,
            _common,
            canonical_identity,
            keyfiles,
        )
        from n3crypto.signcryption.scheme import verify_digest

        if (pub_path is None) == (kgc_path is None):
            _fail("give exactly one of --pub and --kgc", 2)
        if identity is not None and kgc_path is None:
            _fail("--identity goes with --kgc", 2)
        with _errors():
            signer, sig = _parse_signature(keyfiles.dearmor(sig_path.read_bytes()))
            if pub_path is not None:
                pub = _load_public(pub_path)
                if signer != bytes(pub):
                    raise InvalidSignature("the signature is by another key than --pub")
            else:
                assert kgc_path is not None
                kgc = keyfiles.load(kgc_path)
                if not isinstance(kgc, KGCPublic):
                    _fail(f"{kgc_path} is not a KGC public key")
                pub = PublicKey.from_bytes(signer)
                if pub.kgc != kgc:
                    raise InvalidSignature("the signer's key is vouched for by another KGC")
                if identity is not None and canonical_identity(identity) != pub.identity_bytes:
                    raise InvalidSignature(f"the signature is by {pub.identity!r}")
            with _input(infile) as (src, _):
                h = _common.message_hasher()
                while chunk := src.read(1 << 20):
                    h.update(chunk)
            verify_digest(pub, h.digest(), sig, context=context.encode("utf-8"))
        _err.print(f"good signature by {pub.identity} ({pub.fingerprint})")

    @main.command("inspect")
    @click.argument("file", type=_EXISTING_FILE)
    def inspect_cmd(file: Path) -> None:
        """Describe a key, signature or ciphertext file.

        Never prints a secret.
        """
        from n3crypto.signcryption import PublicKey, keyfiles

        with _errors():
            with open(file, "rb") as fh:
                head = fh.read(1 << 16)
            rows: list[tuple[str, str]]
            if b"-----BEGIN N3CRYPTO" in head or head[:2] == envelope.MAGIC:
                data = file.read_bytes()
                blob = keyfiles.dearmor(data)
                if envelope.peek_kind(blob) == _SIG_KIND:
                    signer, _ = _parse_signature(blob)
                    pk = PublicKey.from_bytes(signer)
                    rows = [
                        ("kind", _SIG_KIND),
                        ("signer", pk.identity),
                        ("signer key", pk.fingerprint),
                        ("algorithm", "certificateless Schnorr on ristretto255"),
                    ]
                else:
                    rows = keyfiles.describe(data)
            else:
                rows = _describe_ciphertext(head, file.stat().st_size)
        table = Table(title=str(file), show_header=False)
        table.add_column("field")
        table.add_column("value")
        for k, v in rows:
            table.add_row(k, v)
        Console().print(table)


def _parse_signature(blob: bytes) -> tuple[bytes, bytes]:
    _, body = envelope.unpack(blob, _SIG_KIND)
    if len(body) < 2:
        raise errors.InvalidEncoding("truncated signature file")
    n = int.from_bytes(body[:2], "big")
    if len(body) != 2 + n + 64:
        raise errors.InvalidEncoding("malformed signature file")
    return body[2 : 2 + n], body[2 + n :]


def _describe_ciphertext(head: bytes, size: int) -> list[tuple[str, str]]:
    from n3crypto.signcryption.scheme import FORMAT_ONESHOT, FORMAT_STREAM, parse_header

    if not head:
        raise errors.InvalidEncoding("empty file")
    fmt, width = parse_header(head[0])
    if fmt == FORMAT_ONESHOT and size >= 1 + 32 + width + 80:
        return [
            ("kind", "signcrypted message (one-shot, format 1)"),
            ("identity field", f"{width} bytes"),
            ("message length", str(size - (113 + width))),
            ("sender, recipient", "not visible (encrypted / anonymous)"),
        ]
    if fmt == FORMAT_STREAM and len(head) >= 34 and 10 <= head[1] <= 24:
        return [
            ("kind", "signcrypted stream (format 2)"),
            ("identity field", f"{width} bytes"),
            ("chunk size", str(1 << head[1])),
            ("file size", str(size)),
            ("sender, recipient", "not visible (encrypted / anonymous)"),
        ]
    raise errors.InvalidEncoding("not an n3crypto key, signature or ciphertext file")


class _Prepend:
    """A reader that yields ``first`` and then the rest of ``src``."""

    def __init__(self, first: bytes, src: BinaryIO) -> None:
        self._first, self._src = first, src

    def read(self, n: int = -1) -> bytes:
        if self._first:
            head, self._first = self._first, b""
            if n < 0:
                return head + self._src.read()
            return head + self._src.read(max(n - len(head), 0))
        return self._src.read(n)
