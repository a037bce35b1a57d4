"""TigerVNC itself: its generations and where each keeps its files (`generations`), security
types (`security`), the server's and the viewer's settings (`server`, `viewer`, with the
shared writing helpers in `settings`), the RFB/VeNCrypt client (`rfb`), the probe of a live
server (`probe`) and `HOST:DISPLAY` / `HOST::PORT` addresses (`address`).

May import: `vncssl.x509` and everything below it (openssl, fs, net, errors, notice).
"""
