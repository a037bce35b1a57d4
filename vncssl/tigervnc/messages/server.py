"""What the TigerVNC server (Xvnc, x0vncserver, vncsession) logs about its certificate and
TLS, 1.11-1.16. Pure data (conventions: viewer.py)."""

from __future__ import annotations

from vncssl.tigervnc.messages.entry import Cause, Entry

TLS_S = "common/rfb/SSecurityTLS.cxx"
_DOCTOR = "vncssl doctor  (on the server; --user USER if it runs as another user)"
_CHOWN = "chown USER KEY && chmod 600 KEY  (USER: the one the server runs as)"
_SETTINGS = "vncssl tigervnc server --cert CERT --key KEY --write"

SERVER = (
    Entry("key-unreadable", (
        r"error while reading file",
        r"\(-64\)",
        r"error loading x509 certificate or key"),
        "The server could not read X509Cert or X509Key. 1.15+ log 'Failed to load certificate "
        "and key: Error while reading file. (-64)'; 1.11-1.14 log 'Error loading X509 "
        "certificate or key' (also for an encrypted or non-PEM key). The viewer says 'Server "
        "failed to initialize TLS session'.",
        "1.11-1.16", "server", f"{TLS_S} @ v1.11.0, v1.12.0, v1.14 (index), v1.15.0, v1.16.2", (
            Cause("key-unreadable",
                  "The key (or certificate) is readable only by root, or by another user, while "
                  "the server runs as you.", _DOCTOR, _CHOWN),
            Cause("bad-path",
                  "The path in X509Key / X509Cert is wrong or the file was moved.", _DOCTOR,
                  _SETTINGS),
            Cause("key-encrypted", "(1.11-1.14) The key has a passphrase, or a file is not PEM.",
                  "vncssl inspect CERT --key KEY",
                  "openssl pkey -in KEY -out plain-key.pem, then use plain-key.pem (mode 0600)"),
        ), examples=("Failed to load certificate and key: Error while reading file. (-64)",
                     "SConnection: AuthFailureException: Authentication failure: Error loading "
                     "X509 certificate or key")),
    Entry("key-mismatch", (
        r"private key does not match certificate",
        r"certificate and the given key do not match",
        r"\(-60\)"),
        "X509Key is not the private key of X509Cert. 1.11-1.14 log 'Private key does not match "
        "certificate' (a 1.11 viewer shows it too); 1.15+ 'Failed to load certificate and "
        "key: The certificate and the given key do not match. (-60)'.",
        "1.11-1.16", "server", f"{TLS_S} @ v1.11.0, v1.12.0, v1.14 (index), v1.15.0, v1.16.2", (
            Cause("key-mismatch",
                  "The certificate was renewed with a new key but X509Key names the old key "
                  "(or two pairs got mixed).",
                  "vncssl check CERT --key KEY --host HOST  (reports key-mismatch)",
                  "Point X509Key at the key made with this certificate, or vncssl renew "
                  "--cert CERT --key KEY"),
        ), examples=("Private key does not match certificate",
                     "Failed to load certificate and key: The certificate and the given key do "
                     "not match. (-60)")),
    Entry("key-encrypted", (
        r"failed to load (the server )?certificate and (private )?key: decryption has failed",
        r"\(-24\)"),
        "The private key has a passphrase; the server cannot use it (the guide's -nodes).",
        "1.15-1.16", "server", f"{TLS_S} @ v1.15.0, v1.16.2 + GnuTLS 3.7.9 (checked)", (
            Cause("key-encrypted",
                  "The key was made or exported with a passphrase.",
                  "vncssl inspect CERT --key KEY",
                  "openssl pkey -in KEY -out plain-key.pem, then use plain-key.pem (mode 0600)"),
        ), examples=("Failed to load certificate and key: Decryption has failed. (-24)",)),
    Entry("not-pem", (
        r"base64 decoding error",
        r"base64 unexpected header error",
        r"requested data were not available",
        r"\((-34|-56|-207)\)"),
        "A file is not what the setting expects: X509Cert not a PEM certificate (DER, empty, "
        "a key), or X509Key not a PEM key (empty, DER, a certificate).",
        "1.15-1.16", "server", f"{TLS_S} @ v1.15.0, v1.16.2 + GnuTLS 3.7.9 (checked)", (
            Cause("cert-not-pem", "The certificate is DER (.cer/.der) or the file is empty.",
                  "vncssl inspect CERT", "openssl x509 -inform DER -in CERT -out cert.pem"),
            Cause("files-swapped", "X509Cert and X509Key are swapped or name the same file.",
                  "vncssl inspect CERT --key KEY", _SETTINGS),
        ), examples=("Failed to load certificate and key: Base64 decoding error. (-34)",
                     "Failed to load certificate and key: The requested data were not "
                     "available. (-56)")),
    Entry("explicit-ec-key", (
        r"asn1 parser: error in der parsing",
        r"\(-69\)"),
        "GnuTLS cannot parse the key; typically an EC key with explicit curve parameters "
        "(OpenSSL 1.0.2 / LibreSSL 3.3 'req -newkey ec' without named_curve).",
        "1.15-1.16", "server", f"{TLS_S} @ v1.15.0, v1.16.2 + GnuTLS 3.7.9 (checked)", (
            Cause("explicit-ec",
                  "The EC key has explicit parameters.", "vncssl inspect CERT --key KEY",
                  "vncssl create --ip HOST --key-type ec --force  (a named-curve key)"),
        ), examples=(
            "Failed to load certificate and key: ASN1 parser: Error in DER parsing. (-69)",)),
    Entry("server-load-failed", (
        r"failed to load (the server )?certificate and (private )?key",
        r"unsupported certificate type"),
        "The server could not load its certificate and key; the words after the colon say why.",
        "1.15-1.16", "server", f"{TLS_S} @ v1.15.0, v1.16.2; 'the server certificate and "
        "private key' after 1.16 (index, development)", (
            Cause("load-failed",
                  "A file is unreadable, does not match, is encrypted or is not PEM.",
                  _DOCTOR, "See the entry for the text after the colon"),
        ), weight=2, examples=("Failed to load certificate and key",)),
    Entry("no-cipher-suites", (
        r"no supported cipher suites have been found",
        r"could not negotiate a supported cipher suite",
        r"\((-87|-21)\)"),
        "The server has no cipher suite it may use with its key, so the handshake fails.",
        "1.11-1.16", "server", f"{TLS_S} + GnuTLS (seen: 1.12)", (
            Cause("key-usage",
                  "The certificate's keyUsage lacks digitalSignature (an EC key always needs "
                  "it; RSA needs it for TLS 1.3).",
                  "vncssl check CERT --host HOST  (reports key-usage)",
                  "vncssl create --ip HOST --force  (no restricting keyUsage)"),
            Cause("priority",
                  "GnuTLSPriority is set too narrowly on the server or the viewer.", _DOCTOR,
                  "Remove the GnuTLSPriority setting"),
        ), examples=("TLS: TLS Handshake failed: No supported cipher suites have been found.",)),
    Entry("disallowed-sni", (
        r"disallowed sni server name",
        r"\(-82\)"),
        "The viewer sent an IPv6 address as TLS server name and the server (GnuTLS) refuses "
        "it, whatever the certificate. Viewers before 1.16 do this; 1.16 sends names only.",
        "1.11-1.16", "server", f"{TLS_S} + GnuTLS; viewer fix: CSecurityTLS.cxx 1.16", (
            Cause("ipv6-sni",
                  "Someone connected to [::1] or another IPv6 literal with a viewer older than "
                  "1.16.", "vncssl doctor  (viewer generation)",
                  "Connect by a DNS name the certificate lists (vncssl create --dns NAME ...) or "
                  "IPv4, or use viewer 1.16+"),
        ), examples=("TLS Handshake failed: A disallowed SNI server name has been received.",)),
    Entry("viewer-went-away", (
        r"non-properly terminated",
        r"\(-110\)"),
        "The viewer closed the connection in the middle of TLS: typically it stopped at a "
        "certificate question, or it was closed.",
        "1.11-1.16", "server", f"{TLS_S} + GnuTLS (seen: 1.12)", (
            Cause("user-declined",
                  "The viewer asked about the certificate.", "vncssl probe HOST --ca X509CA",
                  "Fix what probe reports"),
        ), weight=1, examples=("readTLS: The TLS connection was non-properly terminated. (-110)",)),
    Entry("no-x509-option", (
        r"unrecognized option:? \S{0,3}x509(cert|key)",),
        "The server did not recognise -X509Cert / -X509Key: usually a dash that is not ASCII "
        "(pasted from a web page) or a server built without TLS.",
        "1.11-1.16", "server", "unix/xserver/hw/vnc (Xvnc option parsing); TigerVNC issue #1720", (
            Cause("unicode-dash", "The option was typed with a Unicode dash or two dashes.",
                  "vncssl tigervnc server --format xvnc --cert CERT --key KEY",
                  "Copy the option from vncssl tigervnc server --format xvnc"),
        ), examples=("Unrecognized option: −-X509Cert=/root/.vnc/desktop_vnc.pem",)),
    Entry("tls-noise", (
        r"tls shutdown failed",
        r"error in the (push|pull) function"),
        "Follow-on noise after a failed or closed connection; the line before it matters.",
        "1.11-1.16", "server", f"{TLS_S} @ v1.12.0..v1.16.2", (
            Cause("follow-on", "The connection already failed for another reason.", _DOCTOR,
                  "Explain the line before this one"),
        ), weight=0, examples=("TLS: TLS shutdown failed: Error in the push function.",)),
)
