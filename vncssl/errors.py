"""The one exception family. Each error carries the user's message, a fix, and its exit code.

Exit codes (documented in README "Exit codes"):
  0  done / yes
  1  a negative verdict (certificate refused, renewal due, probe found problems), or a
     question answered "no" (nothing was changed)
  2  bad input or usage
  3  operational failure (openssl missing or failed, network, file system)
"""

from __future__ import annotations

from typing import Optional, Sequence

EXIT_OK = 0
EXIT_VERDICT = 1
EXIT_USAGE = 2
EXIT_FAILURE = 3
# Answering "no" to "Replace?" or "Renew now?" is not bad input: nothing was done, as asked.
# It is the user's negative answer, and a script's `&&` must not go on as if it were done.
EXIT_DECLINED = EXIT_VERDICT


class VncsslError(Exception):
    """Base class: `message` says what went wrong, `fix` what to do about it."""

    exit_code = EXIT_FAILURE

    def __init__(self, message: str, fix: str = "", *, details: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.fix = fix
        self.details = details

    def __str__(self) -> str:
        return self.message


class UsageError(VncsslError):
    """Bad input: a value, an option combination, a path. Nothing was run or written."""

    exit_code = EXIT_USAGE


class InvalidNameError(UsageError):
    """An IP address or DNS name that cannot go into a certificate."""


class FileProblem(UsageError):
    """A path that cannot be used as asked (exists, is a symlink, not writable...)."""


class NotOpenssl(UsageError):
    """A binary that answered `version -a` with something that is not OpenSSL/LibreSSL."""


class OpensslNotFound(VncsslError):
    """No usable openssl binary."""


class OpensslFailed(VncsslError):
    """openssl ran and failed; keeps the command, exit status and stderr for the user."""

    def __init__(
        self,
        message: str,
        fix: str = "",
        *,
        argv: Sequence[str] = (),
        returncode: Optional[int] = None,
        stderr: str = "",
    ) -> None:
        super().__init__(message, fix, details=stderr)
        self.argv = list(argv)
        self.returncode = returncode
        self.stderr = stderr


class OpensslTimeout(OpensslFailed):
    """openssl did not finish in time and was killed."""


class OpensslRunaway(OpensslFailed):
    """openssl printed more than vncssl reads (a broken or hostile binary) and was killed:
    the binary's fault, never the input file's."""


class WriteFailed(VncsslError):
    """The file system refused: read-only, full, permissions."""


class ConnectFailed(VncsslError):
    """Network or protocol failure while talking to a VNC server."""


# What a plain token may hold: one word of letters, digits and the punctuation of paths,
# addresses and names. Anything else (a space, a quote, a symbol such as a check mark) could
# make outside text read as vncssl's own words.
_PLAIN_PUNCT = frozenset("._-/:@+=,~%#()[]")


def quoted(text: object) -> str:
    """Outside text (a server's words, a certificate field, a file name) as it appears in a
    message or on screen: THE rule, for every layer (cli.ui.outside renders it).

    One plain token (letters, digits, `._-/:@+=,~%#()[]`) is shown as itself: it cannot
    pass for a line of vncssl's. Anything else is shown in double quotes, with a `"` inside
    as `\\x22` and every space that could pad or align (leading, trailing, a second in a
    row, any space but U+0020) as an escape, so the text always ends at its closing quote.
    Control and format characters become escapes when printed (cli.ui.clean)."""
    value = str(text)
    if value and all(c.isalnum() or c in _PLAIN_PUNCT for c in value):
        return value
    out = []
    for i, c in enumerate(value):
        if c == '"':
            out.append("\\x22")
        elif c == " " and (i == 0 or i == len(value) - 1 or value[i - 1] == " "):
            out.append("\\x20")
        elif c.isspace() and c != " ":  # a newline, a tab, U+2028, U+00A0...
            out.append(f"\\x{ord(c):02x}" if ord(c) < 0x100 else f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'
