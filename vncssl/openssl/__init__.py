"""The openssl binary: finding it (`locate`), knowing it (`binary`: `version -a` facts, cached
per file by `infocache`), running it (`runner`: the only place vncssl starts a process, with
a timeout and process-tree kill), reading its failures (`diagnose`), and finding or writing an
`openssl.cnf` (`opensslcnf`).

May import: `vncssl.fs`, `vncssl.net`, `vncssl.errors`, `vncssl.notice`.
"""
