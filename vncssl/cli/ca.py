"""Commands for this group register on `vncssl.cli.app` here."""

from vncssl.cli import app  # noqa: F401
