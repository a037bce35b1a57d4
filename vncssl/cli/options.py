"""Options several commands share, defined once so their names and help never drift."""

from __future__ import annotations

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
ForceOpt = Annotated[bool, typer.Option("--force", help="Replace existing files (old ones "
                                        "are kept as .bak).")]


def find_openssl(path: Optional[str], timeout: Optional[float]) -> OpensslInfo:
    """The openssl a command uses (--openssl, VNCSSL_OPENSSL, PATH, well-known places)."""
    from vncssl.openssl import binary

    return binary.find(path, timeout=timeout)[0]
