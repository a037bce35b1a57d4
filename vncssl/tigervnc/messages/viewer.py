"""What the TigerVNC viewer says about certificates and TLS (1.11-1.16), with the cause.

Pure data. Patterns are regular expressions matched case-insensitively against the pasted
text after whitespace is collapsed to single spaces (TigerVNC wraps its log lines).
Evidence per entry: docs/tigervnc-messages.md. Placeholders in commands: HOST, CERT, KEY, X509CA.
"""

from __future__ import annotations

from vncssl.tigervnc.messages.entry import Cause, Entry

TLS_C = "common/rfb/CSecurityTLS.cxx"
_PROBE = "vncssl probe HOST --ca X509CA"
_INSTALL = ("vncssl tigervnc viewer --install --cert vnc-server.pem  (the server's certificate, "
            "never the key)")
_RENEW = "vncssl renew --cert CERT --key KEY, then install the new certificate on every viewer"

VIEWER = (
    Entry("hostname-mismatch", (
        r"certificate hostname mismatch",
        r"hostname \((?P<host>[^)\s]+)\) does not match (the server|any) certificate",
        r'specified hostname "(?P<host>[^"]+)" does not match the (new )?certificate',
        r"does not match the (new |server )?certificate( provided by)?",
        r"server certificate doesn't match given server name",
        r"the name in the certificate does not match the expected",
        r"\bhostname mismatch\b"),
        "The name or address you typed is not one the certificate lists. The viewer asks "
        "whether to continue; answering yes stores an exception for this host.",
        "1.11-1.16", "viewer", f"{TLS_C} @ v1.11.0..v1.16.2", (
            Cause("name-not-listed",
                  "You typed a name or address the certificate does not list; an IP address "
                  "matches only an IP entry of subjectAltName, never the CN.",
                  "vncssl check CERT --host HOST  (or: vncssl probe HOST)",
                  "vncssl create --ip HOST  (or --dns HOST; keep the other names too)"),
            Cause("no-san", "The certificate has no subjectAltName at all (made without -addext).",
                  "vncssl inspect CERT  (no 'names (SAN)' line)",
                  "vncssl create --ip HOST --force"),
            Cause("other-address",
                  "You reach the server by another address (localhost tunnel, VPN, port "
                  "forward, a new DHCP address).",
                  "vncssl ips  (on the server), then vncssl probe HOST",
                  "Connect with an address the certificate lists, or vncssl create --ip HOST"),
        ), examples=(
            "Certificate hostname mismatch",
            "Hostname (127.0.0.2) does not match the server certificate, do you want to continue?",
            'The specified hostname "127.0.0.2" does not match the certificate provided by '
            'the server:',
            "TLS: Server certificate doesn't match given server name",
            "Hostname (192.168.1.5) does not match any certificate, do you want to continue?")),
    Entry("unknown-issuer", (
        r"unknown certificate issuer",
        r"signed by an unknown authority",
        r"server cert signer not (found|ca)",
        r"certificate issuer unknown",
        r"the certificate issuer is (unknown|not a ca)"),
        "The certificate is not in the viewer's X509CA file and does not chain to a certificate "
        "there or in the system store. The viewer asks whether to trust it anyway.",
        "1.11-1.16", "viewer", f"{TLS_C} @ v1.11.0..v1.16.2", (
            Cause("no-x509ca",
                  "The viewer has no copy of the server's certificate (or its CA) as X509CA: "
                  "no -X509CA, a wrong path, or a file it cannot read (Windows: a path with "
                  "spaces or quotes).",
                  "vncssl doctor HOST  (viewer side: the X509CA file)", _INSTALL),
            Cause("old-cert-in-x509ca",
                  "The X509CA file still holds the certificate from before a renewal (same "
                  "subject, different certificate).",
                  "vncssl check vnc-server.pem --host HOST --ca X509CA  "
                  "(reports same-subject-different-cert)", _INSTALL + " (replaces the old one)"),
            Cause("missing-intermediate",
                  "The server sends a certificate issued by an intermediate CA without the "
                  "intermediate.",
                  _PROBE, "vncssl tigervnc server --cert fullchain.pem --key KEY --write"),
            Cause("different-cert",
                  "The server presents another certificate than the one you copied.",
                  _PROBE + "  (compare SHA-256 with vncssl inspect CERT on the server)",
                  _INSTALL),
            Cause("other-problem-first",
                  "(1.14+) The certificate has another problem (expired, not yet valid, "
                  "insecure algorithm): these viewers ask this question first for every one.",
                  _PROBE, "Answer no, and fix what probe reports"),
        ), examples=(
            "Unknown certificate issuer",
            "This certificate has been signed by an unknown authority:",
            "TLS: server cert signer not found",
            "Authentication failure: Unknown certificate issuer")),
    Entry("unexpected-certificate", (
        r"unexpected server certificate",
        r"previously known with a different certificate",
        r"server host key mismatch"),
        "You accepted an exception for this host earlier (x509_known_hosts), and the server now "
        "presents a certificate with a different key that the viewer does not trust either.",
        "1.11-1.16", "viewer", f"{TLS_C} @ v1.11.0..v1.16.2", (
            Cause("renewed-after-exception",
                  "The server's certificate was renewed or re-created with a new key after you "
                  "answered yes once; the new one is not in X509CA.",
                  "vncssl doctor HOST  (viewer side: exceptions in x509_known_hosts)",
                  _INSTALL + "; then delete HOST's line from x509_known_hosts"),
            Cause("impostor",
                  "Another machine answers at this address (a reused IP, or an attack).",
                  _PROBE + "  (compare SHA-256 with vncssl inspect CERT on the server)",
                  "Do not continue until you know which machine answers"),
        ), weight=4, examples=(
            "Unexpected server certificate",
            "This host is previously known with a different certificate, and the new "
            "certificate has been signed by an unknown authority:",
            "TLS: Server host key mismatch")),
    Entry("expired", (
        r"\bexpired certificate\b",
        r"this certificate has expired",
        r"the new certificate has expired",
        r"certificate chain uses expired certificate",
        r"(server )?certificate has expired"),
        "The server's certificate (or a CA certificate above it) is past its end date. "
        "1.13 and later ask; 1.11 and 1.12 refuse ('Invalid status of server certificate "
        "verification').",
        "1.13-1.16", "viewer", f"{TLS_C} @ v1.13 (index), v1.14 (index), v1.15.0, v1.16.2", (
            Cause("cert-expired", "The server certificate expired.",
                  "vncssl expiry CERT  (on the server; or: vncssl probe HOST)", _RENEW),
            Cause("ca-expired", "The CA certificate that issued it expired.",
                  "vncssl check CERT --host HOST --ca X509CA",
                  "Make a new CA (vncssl ca init) and issue again (vncssl ca issue --ip HOST ...)"),
            Cause("viewer-clock", "The viewer's clock is wrong.", "date -u  (on the viewer)",
                  "Correct the clock (e.g. timedatectl set-ntp true)"),
        ), examples=(
            "Expired certificate", "This certificate has expired:",
            "The certificate is NOT trusted. The certificate chain uses expired certificate.")),
    Entry("not-yet-valid", (
        r"certificate is not yet valid",
        r"new certificate is not yet valid",
        r"uses not yet valid certificate",
        r"has not been activated",
        r"certificate is not yet activated"),
        "The certificate's start date is in the future for the viewer. 1.14 and later ask; "
        "1.11-1.13 refuse ('Invalid status of server certificate verification').",
        "1.14-1.16", "viewer", f"{TLS_C} @ v1.14 (index), v1.15.0, v1.16.2", (
            Cause("viewer-clock", "The viewer's clock is behind.", "date -u  (on the viewer)",
                  "Correct the clock (e.g. timedatectl set-ntp true)"),
            Cause("cert-clock", "The certificate was made on a machine whose clock was ahead.",
                  "vncssl inspect CERT  (valid from)", _RENEW),
        ), examples=("Certificate is not yet valid", "This certificate is not yet valid:")),
    Entry("insecure-algorithm-refused", (
        r"the server certificate uses an insecure algorithm",),
        "GnuTLS rejects the certificate's signature algorithm (SHA-1 or weaker, or a too small "
        "key); 1.11-1.13 refuse without asking.",
        "1.11-1.13", "viewer", f"{TLS_C} @ v1.11.0, v1.12.0, v1.13 (index)", (
            Cause("sha1-signature", "A CA signed the certificate with SHA-1 (or MD5).",
                  "vncssl check CERT --host HOST --ca X509CA  (reports insecure-algorithm)",
                  "Issue it again with SHA-256: vncssl ca issue --ip HOST ... (or " + _RENEW + ")"),
            Cause("small-key",
                  "The key is too small (RSA below 1024 bits).", "vncssl inspect CERT  (key)",
                  _RENEW),
        ), examples=("The server certificate uses an insecure algorithm",)),
    Entry("insecure-algorithm", (
        r"insecure certificate algorithm",
        r"this certificate uses an insecure algorithm",
        r"new certificate uses an insecure algorithm",
        r"certificate chain uses insecure algorithm"),
        "GnuTLS rejects the certificate's signature algorithm (SHA-1 or weaker, or a too small "
        "key); 1.14 and later ask whether to continue.",
        "1.14-1.16", "viewer", f"{TLS_C} @ v1.14 (index), v1.15.0, v1.16.2", (
            Cause("sha1-signature", "A CA signed the certificate with SHA-1 (or MD5).",
                  "vncssl check CERT --host HOST --ca X509CA  (reports insecure-algorithm)",
                  "Issue it again with SHA-256: vncssl ca issue --ip HOST ... (or " + _RENEW + ")"),
            Cause("small-key",
                  "The key is too small (RSA below 1024 bits).", "vncssl inspect CERT  (key)",
                  _RENEW),
        ), examples=("Insecure certificate algorithm",
                     "This certificate uses an insecure algorithm:")),
    Entry("invalid-status", (
        r"invalid status of server certificate verification",
        r"gnutls status of certificate verification: ?(?P<status>0x[0-9a-f]+|\d+)"),
        "GnuTLS reported a problem these viewers never let you override. The status number "
        "(logged just before) says which: 1026 = 0x402 expired, 514 = 0x202 not yet valid.",
        "1.11-1.13", "viewer", f"{TLS_C} @ v1.11.0, v1.12.0, v1.13 (index)", (
            Cause("cert-expired", "The certificate expired (1.11/1.12 never ask about expiry).",
                  "vncssl expiry CERT  (or: vncssl probe HOST)", _RENEW),
            Cause("not-yet-valid", "The certificate is not yet valid (a clock is wrong).",
                  "vncssl inspect CERT  and  date -u", "Correct the clock, or " + _RENEW),
            Cause("old-cert-in-x509ca",
                  "X509CA holds a different certificate with the same subject (status has "
                  "SIGNATURE_FAILURE, 0x800).",
                  "vncssl check vnc-server.pem --host HOST --ca X509CA", _INSTALL),
        ), examples=("Authentication failure: Invalid status of server certificate verification",
                     "TLS: GNUTLS status of certificate verification: 1026",
                     "GNUTLS status of certificate verification: 0x202")),
    Entry("invalid-server-certificate", (
        r"invalid server certificate",
        r"unhandled certificate problems",
        r"the certificate is not trusted"),
        "GnuTLS reported a problem 1.14 and later never let you override; the text after the "
        "colon (GnuTLS's words) says which.",
        "1.14-1.16", "viewer", f"{TLS_C} @ v1.14 (index), v1.15.0, v1.16.2", (
            Cause("non-overridable",
                  "The certificate is revoked, badly signed or breaks its CA's rules.",
                  _PROBE + "  and  vncssl doctor HOST", "See the matching entry for the text "
                  "after the colon (vncssl explain 'TEXT')"),
        ), weight=2, examples=("Invalid server certificate:",
                               "Unhandled certificate problems: 0x4000")),
    Entry("revoked", (
        r"server certificate has been revoked",
        r"certificate chain is revoked",
        r"revoked via ocsp"),
        "The certificate is listed in the viewer's certificate revocation list (X509CRL, "
        "default x509_crl.pem beside x509_ca.pem). Refused, never asked.",
        "1.11-1.16", "viewer", f"{TLS_C} @ v1.11.0..v1.13; 1.14+ in 'Invalid server certificate'", (
            Cause("crl-lists-cert",
                  "The CA revoked this certificate and the viewer has the CA's CRL.",
                  "vncssl doctor HOST  (viewer side: the CRL)",
                  "Issue a new certificate (vncssl ca issue --ip HOST ...) and load it: "
                  "vncssl tigervnc server --cert NEW.pem --key NEW-KEY.pem --write"),
            Cause("crl-outdated", "The viewer's CRL file is outdated or belongs to another CA.",
                  "vncssl doctor HOST", "vncssl ca crl (on the CA), then vncssl tigervnc "
                  "viewer --install-crl crl.pem"),
        ), examples=("Authentication failure: server certificate has been revoked",
                     "CConn: Invalid server certificate: The certificate is NOT trusted. "
                     "The certificate chain is revoked.")),
    Entry("bad-signature", (
        r"signature in the certificate is invalid",
        r"public key signature verification has failed"),
        "A certificate's signature does not verify with the key of the certificate the "
        "viewer took as its issuer.",
        "1.14-1.16", "viewer", f"{TLS_C} @ v1.14 (index), v1.15.0, v1.16.2 + GnuTLS", (
            Cause("old-cert-in-x509ca",
                  "X509CA holds a different certificate with the same subject (the old one "
                  "from before a renewal).",
                  "vncssl check vnc-server.pem --host HOST --ca X509CA", _INSTALL),
            Cause("damaged-cert",
                  "The certificate file was edited or damaged.", "vncssl inspect CERT", _RENEW),
        ), examples=(
            "The certificate is NOT trusted. The signature in the certificate is invalid.",)),
    Entry("chain-rules", (
        r"violates the signer's constraints",
        r"contains an unknown critical extension",
        r"does not match the intended purpose"),
        "The certificate breaks a rule of the CA that issued it (name constraints, path "
        "length), has a critical extension GnuTLS does not know, or is not for TLS servers.",
        "1.14-1.16", "viewer", f"{TLS_C} @ v1.14 (index), v1.15.0, v1.16.2 + GnuTLS", (
            Cause("ca-rules", "It was issued outside the CA's rules or with an unusual extension.",
                  "vncssl inspect CERT  and  vncssl check CERT --host HOST --ca X509CA",
                  "Issue it again with vncssl ca issue --ip HOST ..."),
        ), examples=("The certificate chain violates the signer's constraints.",)),
)
