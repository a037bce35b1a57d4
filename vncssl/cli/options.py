"""Options several commands share, defined once so their names and help never drift."""

from typing import TYPE_CHECKING, Annotated, Optional

import typer

if TYPE_CHECKING:
    from vncssl.openssl.binary import OpensslInfo

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON object (for scripts).")]
OpensslOpt = Annotated[Optional[str], typer.Option(
    "--openssl", help="The openssl binary (or its folder). Env: VNCSSL_OPENSSL.",
    show_default=False)]
TimeoutOpt = Annotated[Optional[float], typer.Option(
    help="Seconds each openssl call may take. Env: VNCSSL_TIMEOUT (default 120).",
    show_default=False)]
KeyTypeOpt = Annotated[str, typer.Option(
    "--key-type", help="rsa (2048, the guide's), rsa:BITS, ec (P-256), ec:P-384, ed25519.")]
VerboseOpt = Annotated[bool, typer.Option(
    "--verbose", "-v", help="On bad input, also show what openssl said.")]
TigervncVersionOpt = Annotated[Optional[str], typer.Option(
    "--tigervnc-version", help="The TigerVNC version this is for (e.g. 1.11, 1.12, 1.15): how "
    "its viewer stops, where it keeps its files (~/.vnc/ before 1.14). Default: the version "
    "of the TigerVNC installed here (every vncviewer/Xvnc found, then the package database).",
    show_default=False)]
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace existing files (old ones "
                                        "are kept as .bak).")]
# One rule for every command that replaces a key: the old one is kept as NAME.<time>.bak
# (0600 for a key), unless the user says otherwise.
NoBackupOpt = Annotated[bool, typer.Option(
    "--no-backup", help="Replace without keeping the old files as NAME.<time>.bak.")]


def find_openssl(path: Optional[str], timeout: Optional[float]) -> "OpensslInfo":
    """The openssl a command uses (--openssl, VNCSSL_OPENSSL, PATH, well-known places)."""
    from vncssl.openssl import binary

    return binary.find(path, timeout=timeout)[0]
