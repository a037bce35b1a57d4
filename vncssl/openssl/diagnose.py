"""Turn openssl's stderr into what went wrong and what to do. Only imported on failure."""

from __future__ import annotations

import re
import signal
from typing import Tuple

# (pattern in stderr, message, fix). First match wins; order from specific to general.
_RULES = [
    (r"unknown option.*-?addext|addext: (Unknown|unknown)|req: Unrecognized flag addext",
     "This openssl does not know -addext (it predates OpenSSL 1.1.1 / LibreSSL 3.1).",
     "vncssl normally detects this and uses a config section instead; if you pinned the "
     "command, upgrade openssl or let vncssl choose."),
    (r"unknown option|unrecognized flag|Unknown (cipher|digest|algorithm|option)",
     "openssl did not understand an option in the command.",
     "Your openssl may be too old for this request; check `openssl version` and try a "
     "simpler --key-type (rsa)."),
    (r"(Can't open|cannot open|unable to load|Unable to load).*(openssl\.cnf|config)|"
     r"error loading the config file|Can't load .*config",
     "openssl could not load its configuration file.",
     "Pass a readable config with --config, or fix OPENSSL_CONF; vncssl can also write a "
     "minimal one if none is found."),
    (r"unable to find 'distinguished_name'|distinguished_name",
     "The openssl config has no [req] distinguished_name (openssl before 3.0 needs it).",
     "Pass another config with --config, or let vncssl use its own minimal config."),
    (r"(subject name is expected|Error parsing|problems making Certificate Request|"
     r"Hit end of string before finding|missing value for|Error making certificate request|"
     r"unable to parse subject)",
     "openssl rejected the certificate subject (-subj).",
     "Use plain names: vncssl escapes / + and \\ for you; report a bug if you see this."),
    (r"(bad decrypt|bad password|unable to load Private Key|Could not read private key|"
     r"unable to load key)",
     "openssl could not read the private key (encrypted, damaged or not a key).",
     "TigerVNC needs an unencrypted PEM key (the guide's -nodes); check the file."),
    (r"(unable to load certificate|Could not read certificate|Expecting: TRUSTED CERTIFICATE|"
     r"Could not find certificate|no certificate)",
     "openssl could not read the certificate (not PEM, damaged, or not a certificate).",
     "Check the file: it should start with -----BEGIN CERTIFICATE-----."),
    (r"(No space left on device|Disk quota exceeded|File too large)",
     "openssl could not write its output: the disk (or your quota) is full.",
     "Free some space, or write the files to another disk with --cert/--key. "
     "Nothing was written; existing files are unchanged."),
    (r"(No such file or directory|Permission denied|Read-only file system)",
     "openssl could not read or write a file.",
     "Check the paths, permissions and free space, then try again."),
    (r"(invalid (curve|algorithm)|unknown curve|Error setting .*pkeyopt|"
     r"parameter error|Algorithm .* not found|unsupported algorithm|"
     r"Error setting up keygen context|generic_fetch:unsupported)",
     "openssl does not support the requested key type.",
     "Try --key-type rsa (the guide's choice) or ec; builds in FIPS mode refuse some "
     "algorithms."),
]


def explain_failure(returncode: int, stderr: str) -> Tuple[str, str]:
    """(message, fix) for an openssl run that exited `returncode` and printed `stderr`."""
    stderr = stderr or ""
    if returncode < 0:
        # Killed by a signal: a crash, whatever it managed to print before.
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return (f"openssl crashed ({name}).",
                "The openssl binary is broken: reinstall it, or point --openssl at another.")
    for pattern, message, fix in _RULES:
        if re.search(pattern, stderr, re.IGNORECASE):
            return message, fix
    if returncode < 0 or returncode >= 128:
        return (f"openssl crashed (exit status {returncode}).",
                "Reinstall openssl or point --openssl at another binary.")
    first = next((line for line in stderr.splitlines() if line.strip()), "no error message")
    return (f"openssl failed (exit status {returncode}): {first.strip()}",
            "Read openssl's full message below; run the command yourself to investigate.")
