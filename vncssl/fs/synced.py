"""Is this path in a folder a sync service copies elsewhere? The guide asks to keep the
private key out of OneDrive, Dropbox and the like."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Optional

_SYNC_NAMES = {
    "onedrive": "OneDrive", "dropbox": "Dropbox", "google drive": "Google Drive",
    "googledrive": "Google Drive", "my drive": "Google Drive", "icloud drive": "iCloud Drive",
    "mobile documents": "iCloud Drive", "com~apple~clouddocs": "iCloud Drive",
    "nextcloud": "Nextcloud", "owncloud": "ownCloud", "mega": "MEGA", "megasync": "MEGA",
    "box": "Box", "box sync": "Box",
}
_SYNC_MARKERS = {
    ".stfolder": "Syncthing", ".dropbox": "Dropbox", ".dropbox.cache": "Dropbox",
    ".owncloudsync.log": "ownCloud", ".megaignore": "MEGA", ".debris": "MEGA",
}


def synced_folder(path: Path) -> Optional[str]:
    """The sync service whose folder holds `path`, or None. Heuristic: folder names the
    clients use by default, their marker files, and the OneDrive environment variables."""
    p = Path(os.path.abspath(str(path)))
    folders = [p.parent, *p.parent.parents]
    env_roots = [os.environ.get(v) for v in ("OneDrive", "OneDriveConsumer",
                                             "OneDriveCommercial")]
    for root in filter(None, env_roots):
        try:
            p.relative_to(root)
            return "OneDrive"
        except ValueError:
            pass
    for folder in folders:
        name = folder.name.lower()
        if name.startswith("onedrive"):
            return "OneDrive"
        if name.startswith("googledrive-") or name.startswith("dropbox ("):
            return "Google Drive" if name.startswith("google") else "Dropbox"
        service = _SYNC_NAMES.get(name)
        if service:
            return service
        if folder.parent.name == "CloudStorage" and folder.parent.parent.name == "Library":
            return folder.name.split("-")[0] or "a cloud storage provider"
        for marker, service in _SYNC_MARKERS.items():
            if (folder / marker).exists():
                return service
        if any(folder.glob("._sync_*.db")) or any(folder.glob(".sync_*.db")):
            return "Nextcloud/ownCloud"
        if folder == folder.parent:
            break
    return None
