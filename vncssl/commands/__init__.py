"""The domain side of the certificate commands: plan, execute, verify, and return data
(`create`, `renew`, `csr`). The CLI renders what these return; they never print.

May import: `vncssl.ca` and everything below it.
"""
