"""This machine's network addresses (ifaddr), ranked for a certificate.

May import: `vncssl.errors`, `vncssl.notice` and ifaddr only.
"""
