"""Files and folders: every file vncssl writes goes through here.

Targets checked before any work (`targets`), private work folders (`workdir`), keys born 0600
(`writes`), atomic install with backups under a folder lock (`atomic`, `filelock`), signals
held off in critical sections (`signals`), synced-folder detection (`synced`), and what to
tell the user about an OSError (`oserror`).

May import: `vncssl.errors`, `vncssl.notice` and the standard library only.
"""
