"""vncssl's private certificate authority: the CA folder (`authority`: init, load), issuing
one certificate (`issuance`), and a whole `--from HOSTS_FILE` batch in parallel (`fleet`).

May import: `vncssl.teach` and everything below it.
"""
