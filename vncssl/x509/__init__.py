"""Certificates as TigerVNC's viewer sees them.

Names (`names`: IP/DNS validation), certificate and key facts (`certfacts` data, read by
`certinfo`: a file's certificates parsed and hashed by openssl at once, `chainread`; the rest
from the DER, `derfacts`, names exactly as openssl prints them, `dnrender`), GnuTLS's
hostname rules (`hostname`), the extensions vncssl asks for (`extensions`), RFC 2253
subjects (`rfc2253`), X509CA bundles (`bundle`), expiry, the `inspect` view (`inspection`)
and the viewer's verdict (`verdict`: the one copy of the rules).

May import: `vncssl.openssl`, `vncssl.fs`, `vncssl.net`, `vncssl.errors`, `vncssl.notice`.
"""
