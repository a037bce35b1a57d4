"""A certificate's public key and signature algorithm from its DER structure (`der`): the
algorithm, the size GnuTLS's security levels are measured in, the EC curve, the signature's
hash. No key is used for anything here."""

from __future__ import annotations

from dataclasses import dataclass
from typing import List, Optional

from vncssl.x509 import der

RSA, RSA_PSS, EC = "1.2.840.113549.1.1.1", "1.2.840.113549.1.1.10", "1.2.840.10045.2.1"
DSA, ED25519, ED448 = "1.2.840.10040.4.1", "1.3.101.112", "1.3.101.113"
KEY_TYPES = {RSA: "RSA", RSA_PSS: "RSA-PSS", EC: "EC", DSA: "DSA", ED25519: "ED25519",
             ED448: "ED448"}
# Named curves -> (name, bits): the size is the curve's, not the encoded point's.
CURVES = {"1.2.840.10045.3.1.1": ("P-192", 192), "1.3.132.0.33": ("P-224", 224),
          "1.2.840.10045.3.1.7": ("P-256", 256), "1.3.132.0.34": ("P-384", 384),
          "1.3.132.0.35": ("P-521", 521), "1.3.132.0.10": ("secp256k1", 256),
          "1.3.36.3.3.2.8.1.1.7": ("brainpoolP256r1", 256),
          "1.3.36.3.3.2.8.1.1.11": ("brainpoolP384r1", 384),
          "1.3.36.3.3.2.8.1.1.13": ("brainpoolP512r1", 512),
          "1.3.132.0.8": ("secp160r1", 160), "1.3.132.0.6": ("secp112r1", 112),
          "1.3.132.0.28": ("secp128r1", 128)}
_HASHES = {"1.3.14.3.2.26": "sha1", "2.16.840.1.101.3.4.2.1": "sha256",
           "2.16.840.1.101.3.4.2.2": "sha384", "2.16.840.1.101.3.4.2.3": "sha512",
           "2.16.840.1.101.3.4.2.4": "sha224", "1.2.840.113549.2.5": "md5"}
_SIGNATURES = {"1.2.840.113549.1.1.2": "md2", "1.2.840.113549.1.1.3": "md4",
               "1.2.840.113549.1.1.4": "md5", "1.2.840.113549.1.1.5": "sha1",
               "1.2.840.113549.1.1.11": "sha256", "1.2.840.113549.1.1.12": "sha384",
               "1.2.840.113549.1.1.13": "sha512", "1.2.840.113549.1.1.14": "sha224",
               "1.2.840.10045.4.1": "sha1", "1.2.840.10045.4.3.1": "sha224",
               "1.2.840.10045.4.3.2": "sha256", "1.2.840.10045.4.3.3": "sha384",
               "1.2.840.10045.4.3.4": "sha512", "1.2.840.10040.4.3": "sha1",
               "2.16.840.1.101.3.4.3.1": "sha224", "2.16.840.1.101.3.4.3.2": "sha256"}


@dataclass(frozen=True)
class PublicKey:
    algorithm_oid: str
    type: str  # RSA, RSA-PSS, EC, DSA, ED25519, ED448, or the OID
    bits: Optional[int]  # RSA/DSA: modulus/prime bits; EC: curve bits; Ed*: 256/456
    curve_oid: Optional[str] = None  # EC named curve; None for explicit parameters
    curve: Optional[str] = None
    explicit_curve: Optional[str] = None  # explicit parameters of a known curve: its name


# The field primes of the NIST curves, to recognise them in explicit parameters (1.0.2 and
# LibreSSL write those unless told ec_param_enc:named_curve).
_PRIMES = {2**256 - 2**224 + 2**192 + 2**96 - 1: "P-256",
           2**384 - 2**128 - 2**96 + 2**32 - 1: "P-384",
           2**521 - 1: "P-521"}


def _explicit_curve(params: der.Tlv) -> Optional[str]:
    """ECParameters { version, fieldID { prime-field OID, p }, curve, base, order, ... }."""
    try:
        field = params.children()[1].expect(der.SEQUENCE).children()
        prime = int.from_bytes(field[1].expect(der.INTEGER).value, "big")
    except (der.DerError, IndexError):
        return None
    return _PRIMES.get(prime)


def public_key(spki: der.Tlv) -> PublicKey:
    parts = spki.expect(der.SEQUENCE).children()
    if len(parts) != 2:
        raise der.DerError("malformed SubjectPublicKeyInfo")
    alg = parts[0].expect(der.SEQUENCE).children()
    alg_oid = der.oid(alg[0].expect(der.OID).value)
    _unused, key = der.bit_string(parts[1].expect(der.BIT_STRING).value)
    kind = KEY_TYPES.get(alg_oid, alg_oid)
    if alg_oid in (RSA, RSA_PSS):
        fields = der.parse(key).expect(der.SEQUENCE).children()
        return PublicKey(alg_oid, kind, der.integer_bits(fields[0].expect(der.INTEGER).value))
    if alg_oid == DSA:
        params = alg[1].children() if len(alg) > 1 and alg[1].tag == der.SEQUENCE else []
        bits = der.integer_bits(params[0].value) if params else None
        return PublicKey(alg_oid, kind, bits)
    if alg_oid == EC:
        if len(alg) > 1 and alg[1].tag == der.OID:
            curve_oid = der.oid(alg[1].value)
            name, bits = CURVES.get(curve_oid, (curve_oid, None))
            return PublicKey(alg_oid, kind, bits, curve_oid, name)
        explicit = _explicit_curve(alg[1]) if len(alg) > 1 and alg[1].tag == der.SEQUENCE \
            else None
        return PublicKey(alg_oid, kind, None, None, "explicit parameters", explicit)
    return PublicKey(alg_oid, kind, {ED25519: 256, ED448: 456}.get(alg_oid))


def signature_hash(sig_oid: str, params: List[der.Tlv]) -> Optional[str]:
    """The digest a signature algorithm uses (RSA-PSS: from its parameters; SHA-1 when they
    are absent, RFC 4055). None for Ed25519/Ed448 and unknown algorithms."""
    if sig_oid in _SIGNATURES:
        return _SIGNATURES[sig_oid]
    if sig_oid != RSA_PSS:
        return None
    if not params or params[0].tag != der.SEQUENCE:
        return "sha1"
    for item in params[0].children():
        if item.tag == 0xA0:  # [0] hashAlgorithm
            hash_alg = der.parse(item.value).expect(der.SEQUENCE).children()
            return _HASHES.get(der.oid(hash_alg[0].expect(der.OID).value), "unknown")
    return "sha1"
