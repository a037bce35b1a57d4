"""vncssl: X.509 certificates for TigerVNC, made by the system's openssl."""

__version__ = "0.1.0"
