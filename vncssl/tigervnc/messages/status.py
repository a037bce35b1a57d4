"""GnuTLS certificate verification status numbers (gnutls_certificate_status_t), as the
viewer logs them: decimal in 1.11/1.12 ("... verification: 1026"), hex from 1.13 ("0x402").

Values from gnutls/gnutls.h (GnuTLS 3.7.9; unchanged since 3.x); each sentence is what
gnutls_certificate_verification_status_print() says for the bit, which 1.14+ viewers show
after "Invalid server certificate:".
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

# bit -> (name, GnuTLS's sentence, the message-table entry it leads to)
STATUS_BITS: Dict[int, Tuple[str, str, Optional[str]]] = {
    1 << 1: ("INVALID", "The certificate is NOT trusted.", None),
    1 << 5: ("REVOKED", "The certificate chain is revoked.", "revoked"),
    1 << 6: ("SIGNER_NOT_FOUND", "The certificate issuer is unknown.", "unknown-issuer"),
    1 << 7: ("SIGNER_NOT_CA", "The certificate issuer is not a CA.", "unknown-issuer"),
    1 << 8: ("INSECURE_ALGORITHM", "The certificate chain uses insecure algorithm.",
             "insecure-algorithm"),
    1 << 9: ("NOT_ACTIVATED", "The certificate chain uses not yet valid certificate.",
             "not-yet-valid"),
    1 << 10: ("EXPIRED", "The certificate chain uses expired certificate.", "expired"),
    1 << 11: ("SIGNATURE_FAILURE", "The signature in the certificate is invalid.",
              "bad-signature"),
    1 << 12: ("REVOCATION_DATA_SUPERSEDED",
              "The revocation or OCSP data are old and have been superseded.", "revoked"),
    1 << 14: ("UNEXPECTED_OWNER", "The name in the certificate does not match the expected.",
              "hostname-mismatch"),
    1 << 15: ("REVOCATION_DATA_ISSUED_IN_FUTURE",
              "The revocation or OCSP data are issued with a future date.", "revoked"),
    1 << 16: ("SIGNER_CONSTRAINTS_FAILURE",
              "The certificate chain violates the signer's constraints.", "chain-rules"),
    1 << 17: ("MISMATCH", "The certificate doesn't match the local copy (TOFU).",
              "unexpected-certificate"),
    1 << 18: ("PURPOSE_MISMATCH",
              "The certificate chain does not match the intended purpose.", "chain-rules"),
    1 << 19: ("MISSING_OCSP_STATUS", "The certificate requires the server to include an OCSP "
              "status in its response, but the OCSP status is missing.", "revoked"),
    1 << 20: ("INVALID_OCSP_STATUS", "The received OCSP status response is invalid.",
              "revoked"),
    1 << 21: ("UNKNOWN_CRIT_EXTENSIONS",
              "The certificate contains an unknown critical extension.", "chain-rules"),
}

MAX_STATUS = (1 << 32) - 1  # an unsigned int in TigerVNC


def _bits(n: int) -> List[int]:
    return [1 << k for k in range(n.bit_length()) if n & (1 << k)]


def decode_status(n: int) -> List[str]:
    """The bits set in n, lowest first; a bit GnuTLS does not define is "BIT_k"."""
    if n < 0 or n > MAX_STATUS:
        raise ValueError(f"{n} is not a certificate status (0 to {MAX_STATUS})")
    return [STATUS_BITS[b][0] if b in STATUS_BITS else f"BIT_{b.bit_length() - 1}"
            for b in _bits(n)]


def status_sentences(n: int) -> List[str]:
    return [STATUS_BITS[b][1] for b in _bits(n) if b in STATUS_BITS]


def parse_status(token: str) -> int:
    """'1026' -> 1026, '0x402' -> 1026. ValueError for anything else."""
    token = token.strip().lower()
    n = int(token, 16) if token.startswith("0x") else int(token, 10)
    decode_status(n)  # range check
    return n


def related_to_status(n: int) -> List[str]:
    """Message-table entry ids for the bits of n, in bit order, without repeats."""
    out: List[str] = []
    for b in _bits(n):
        eid = STATUS_BITS.get(b, ("", "", None))[2]
        if eid and eid not in out:
            out.append(eid)
    return out
