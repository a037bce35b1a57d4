"""What to do after `vncssl create`: the wiki's next steps (load the pair into the server,
copy the certificate, never the key, to each viewer, renew in time), each as a command for
the files just made."""

from __future__ import annotations

import os
from typing import List, Sequence

from vncssl.notice import command
from vncssl.x509.hostname import bracketed
from vncssl.x509.names import Name


def after_create(cert: str, key: str, names: Sequence[Name]) -> List[str]:
    """Each command carries the paths it is about, shell-quoted (a folder with a space)."""
    host = names[0].value
    name = os.path.basename(cert)
    xvnc = command("Xvnc", "-SecurityTypes", "X509Vnc", "-X509Cert", cert, "-X509Key", key)
    server = command("vncssl", "tigervnc", "server", "--cert", cert, "--key", key)
    return [
        f"Server: enable an X509 security type and load the pair, e.g. `{xvnc}`, or let "
        f"vncssl write the settings: `{server}`.",
        f"Viewer: copy {name} (never the key) to each viewer and use it as "
        f"X509CA: `{command('vncviewer', '-X509CA', name, bracketed(host))}`.",
        f"Renew before it expires; this tells when: `{command('vncssl', 'expiry', cert)}`.",
    ]
