"""Viewer messages around the certificate check: handshake, VeNCrypt, its own files, old
generations, connecting. Pure data (conventions: viewer.py)."""

from __future__ import annotations

from vncssl.tigervnc.messages.entry import Cause, Entry

TLS_C = "common/rfb/CSecurityTLS.cxx"
VEN_C = "common/rfb/CSecurityVeNCrypt.cxx"
_SRV_LOG = "Read the server's log (Xvnc -Log *:stderr:100), or vncssl doctor on the server"

SESSION = (
    Entry("server-tls-setup-failed", (
        r"server failed to initiali[sz]e tls session",),
        "The server answered the TLS request with 'no': it could not load its X509Cert / "
        "X509Key. The server's own log has the reason.",
        "1.12-1.16", "viewer", f"{TLS_C} @ v1.12.0..v1.16.2 (1.11 shows the server's reason)", (
            Cause("key-unreadable",
                  "The server cannot read X509Key or X509Cert (missing, wrong path, or "
                  "readable only by root while the server runs as you).",
                  "vncssl doctor  (on the server)",
                  "chown USER KEY && chmod 600 KEY  (or point X509Key at a file USER can read)"),
            Cause("key-mismatch", "X509Key is not the key of X509Cert.",
                  "vncssl check CERT --key KEY --host HOST  (reports key-mismatch)",
                  "Point X509Key at the key made with this certificate, or vncssl renew "
                  "--cert CERT --key KEY"),
            Cause("key-encrypted", "The key has a passphrase.", "vncssl inspect CERT --key KEY",
                  "openssl pkey -in KEY -out plain-key.pem, then use plain-key.pem (mode 0600)"),
            Cause("not-pem", "A file is not PEM, or the two settings are swapped.",
                  "vncssl inspect CERT --key KEY",
                  "vncssl tigervnc server --cert CERT --key KEY --write"),
        ), examples=("Authentication failure: Server failed to initialize TLS session",)),
    Entry("peer-terminated", (
        r"peer has terminated the connection",),
        "The server broke off the TLS handshake; its log says why.",
        "1.11-1.16", "viewer", f"{TLS_C} + GnuTLS (seen: 1.12 viewer, [::1])", (
            Cause("key-usage", "The server finds no cipher suite for its key (keyUsage without "
                  "digitalSignature).", "vncssl check CERT --host HOST  (reports key-usage)",
                  "vncssl create --ip HOST --force"),
            Cause("ipv6-sni",
                  "You connected to an IPv6 address ([::1], [fd00::5]) with a viewer before "
                  "1.16: it sends the address as TLS server name and Xvnc refuses it.",
                  "vncssl doctor  (viewer generation)",
                  "Connect by a DNS name the certificate lists (vncssl create --dns NAME ...), "
                  "by IPv4, or use viewer 1.16+"),
        ), examples=("TLS: TLS Handshake failed: Peer has terminated the connection",)),
    Entry("fatal-alert", (
        r"a tls fatal alert has been received",),
        "The server refused the TLS handshake with an alert; its log says why.",
        "1.11-1.16", "viewer", f"{TLS_C} + GnuTLS", (
            Cause("key-usage", "The server finds no cipher suite for its key (keyUsage without "
                  "digitalSignature) or GnuTLSPriority is too narrow.",
                  "vncssl probe HOST  and  vncssl check CERT --host HOST",
                  "vncssl create --ip HOST --force; remove GnuTLSPriority settings"),
            Cause("ipv6-sni",
                  "The viewer sent an IPv6 address as server name (viewer before 1.16).",
                  "vncssl doctor", "Connect by DNS name or IPv4, or use viewer 1.16+"),
        ), examples=("TLS Handshake failed: A TLS fatal alert has been received.",)),
    Entry("key-usage-violation", (
        r"key usage violation",
        r"\(-48\)"),
        "The certificate's keyUsage forbids what the handshake needs (a signature).",
        "1.11-1.16", "viewer", f"{TLS_C} + GnuTLS (against an OpenSSL server, x11vnc)", (
            Cause("key-usage",
                  "keyUsage lacks digitalSignature.", "vncssl check CERT --host HOST  (key-usage)",
                  "vncssl create --ip HOST --force"),
        ), examples=(
            "TLS Handshake failed: Key usage violation in certificate has been detected.",)),
    Entry("tls-handshake-failed", (
        r"tls handshake failed",),
        "The TLS handshake with the server failed; the words after the colon (GnuTLS's) or "
        "the server's log say why.",
        "1.11-1.16", "viewer", f"{TLS_C} @ v1.11.0..v1.16.2", (
            Cause("server-refused",
                  "The server refused the handshake (key usage, cipher priority, server name).",
                  "vncssl probe HOST", _SRV_LOG),
        ), weight=2, examples=("Authentication failure: TLS Handshake failed",)),
    Entry("no-vencrypt-subtype", (
        r"no valid vencrypt sub-type",
        r"server reported (no|0) vencrypt sub-types",
        r"no matching security types",
        r"requested security type not available"),
        "Viewer and server share no security type (e.g. viewer X509None, server X509Vnc).",
        "1.11-1.16", "viewer", f"{VEN_C}, common/rfb/SSecurityVeNCrypt.cxx @ v1.11.0..v1.16.2", (
            Cause("viewer-types",
                  "The viewer's SecurityTypes do not include what the server offers.",
                  "vncssl probe HOST  (lists the server's VeNCrypt subtypes)",
                  "vncviewer -SecurityTypes X509Vnc,X509Plain,X509None HOST"),
            Cause("server-no-x509",
                  "The server offers no X509 type.", "vncssl doctor  (on the server)",
                  "vncssl tigervnc server --cert CERT --key KEY --write"),
        ), examples=("No valid VeNCrypt sub-type",)),
    Entry("ca-file-unreadable", (
        r"could not load (the )?user specified certificate authority",
        r"failed to load the user specified certificate authority"),
        "The X509CA file could not be loaded (missing, unreadable, not PEM). The viewer goes "
        "on without it and then asks 'Unknown certificate issuer'.",
        "1.12-1.16", "viewer", f"{TLS_C} @ v1.12.0..v1.16.2", (
            Cause("no-ca-file",
                  "No file at the X509CA path (the default x509_ca.pem does not exist).",
                  "vncssl doctor HOST  (viewer side)",
                  "vncssl tigervnc viewer --install --cert vnc-server.pem"),
            Cause("bad-ca-path",
                  "The path is wrong or (Windows) has spaces or quotes.", "vncssl doctor HOST",
                  "Put vnc-server.pem next to vncviewer.exe and set X509CA to its bare file name"),
            Cause("ca-not-pem", "The file is not PEM (a DER .cer/.crt).", "vncssl inspect X509CA",
                  "openssl x509 -inform DER -in X509CA -out x509_ca.pem"),
        ), weight=1, examples=("TLS: Could not load user specified certificate authority",)),
    Entry("ca-load-failed-old", (
        r"load of ca cert failed",),
        "1.11 and older stop at once when the X509CA file cannot be loaded.",
        "<=1.11", "viewer", f"{TLS_C} @ v1.11.0 (Debian 1.11.0 binary); index versions <= 1.10", (
            Cause("bad-ca-path",
                  "The X509CA path is wrong, unreadable or not PEM (Windows: spaces/quotes).",
                  "vncssl doctor HOST", "vncssl tigervnc viewer --install --cert vnc-server.pem"),
        ), examples=("Authentication failure: load of CA cert failed",)),
    Entry("crl-load-failed-old", (
        r"load of crl failed",),
        "1.11 and older stop at once when the X509CRL file cannot be loaded.",
        "<=1.11", "viewer", f"{TLS_C} @ v1.11.0 (Debian 1.11.0 binary)", (
            Cause("bad-crl-path", "X509CRL names a missing or non-PEM file.", "vncssl doctor HOST",
                  "Point X509CRL at the CA's PEM CRL, or clear the setting"),
        ), examples=("Authentication failure: load of CRL failed",)),
    Entry("crl-missing", (
        r"could not load (the )?user specified certificate revocation list",
        r"failed to load the user specified certificate revocation list"),
        "No CRL file: normal unless you use one. Only logged.",
        "1.12-1.16", "viewer", f"{TLS_C} @ v1.12.0..v1.16.2", (
            Cause("no-crl", "There is no x509_crl.pem (the usual case).", "vncssl doctor HOST",
                  "Nothing to do unless your CA publishes a CRL"),
        ), weight=0, examples=("TLS: Could not load user specified certificate revocation list",)),
    Entry("known-hosts-file", (
        r"could not load known hosts database",
        r"failed to store server certificate to known hosts database",
        r"could not obtain vnc (home|state) directory path for known hosts storage"),
        "The viewer cannot read or write x509_known_hosts, where it keeps the exceptions you "
        "accepted.",
        "1.11-1.16", "viewer", f"{TLS_C} @ v1.11.0..v1.16.2 (home dir <= 1.13, state dir 1.14+)", (
            Cause("known-hosts-owner",
                  "The file or its folder belongs to another user (vncviewer once run with "
                  "sudo) or is damaged.", "vncssl doctor HOST  (viewer side: x509_known_hosts)",
                  "sudo chown -R USER ~/.vnc ~/.local/state/tigervnc  (or delete a damaged "
                  "file)"),
        ), examples=("Could not load known hosts database",)),
    Entry("known-host-accepted", (
        r"server certificate found in known hosts file",
        r"exception added for server host"),
        "The viewer connects because you accepted this certificate once (x509_known_hosts), "
        "not because it is trusted.",
        "1.11-1.16", "viewer", f"{TLS_C} @ v1.11.0..v1.16.2", (
            Cause("exception-stored", "An exception is stored for this host.", "vncssl doctor HOST",
                  "Install the certificate as X509CA (vncssl tigervnc viewer --install --cert "
                  "vnc-server.pem) and delete HOST's line from x509_known_hosts"),
        ), weight=0, examples=("TLS: Server certificate found in known hosts file",)),
    Entry("out-of-memory", (
        r"\bout of memory\b",),
        "TigerVNC 1.10 and older fail this way right after you answer yes to 'certificate "
        "issuer unknown' (saving the exception is broken). The real problem is that the "
        "viewer does not trust the certificate: typically on Windows an X509CA path it cannot "
        "read. 1.11 and later do not print it.",
        "<=1.10", "viewer", f"{TLS_C} (index, TigerVNC <= 1.10: gnutls_x509_crt_export size "
        "query); TigerVNC issues #915, #893", (
            Cause("untrusted-cert",
                  "The X509CA setting is empty or names a file the viewer cannot read "
                  "(Windows: spaces or quotes in the path).", "vncssl doctor HOST",
                  "Put vnc-server.pem next to vncviewer.exe and set X509CA to its bare file "
                  "name (vncssl tigervnc viewer --format windows)"),
            Cause("old-viewer", "The viewer is older than 1.11.", "vncviewer -h  (first line)",
                  "Install TigerVNC 1.11 or later"),
        ), examples=("Authentication failure: Out of memory",)),
    Entry("auth-cancelled", (
        r"authentication cancell?ed",),
        "You answered no to a certificate question (or closed it).",
        "1.11-1.16", "viewer", "vncviewer/CConn.cxx, common/rfb/Exception.h @ v1.11.0..v1.16.2", (
            Cause("user-declined",
                  "The viewer asked about the certificate.", "vncssl probe HOST --ca X509CA",
                  "Fix what probe reports, then connect again"),
        ), weight=1, examples=("Authentication cancelled",)),
    Entry("password-rejected", (
        r"^(\S+: +)?authentication fail(ure|ed)\.?$",),
        "The server refused the password (X509Vnc, X509Plain, VncAuth); TLS worked.",
        "1.11-1.16", "viewer", "common/rfb/CConnection.cxx @ v1.11.0..v1.16.2", (
            Cause("wrong-password",
                  "Wrong VNC password or user.", "vncssl probe HOST  (certificate part is fine)",
                  "vncpasswd  (on the server) and connect again"),
        ), weight=2, examples=("Authentication failure",)),
    Entry("cannot-connect", (
        r"unable to connect to socket",
        r"failed to connect to address",
        r"connection refused"),
        "Nothing answered at that address and port (display :N is port 5900+N).",
        "1.11-1.16", "viewer", "common/network/TcpSocket.cxx @ v1.11.0..v1.16.2", (
            Cause("server-not-running",
                  "The server is not running or listens on another display or port.",
                  "vncssl probe HOST:N", "Start the server, or use the right display (HOST:N) or "
                  "port (HOST::PORT)"),
            Cause("firewall", "A firewall blocks the port.", "vncssl probe HOST::PORT",
                  "Open TCP 5900+N on the server's firewall"),
        ), examples=("unable to connect to socket: Connection refused (111)",)),
)
