"""The names openssl prints for the object identifiers a certificate's facts show: attribute
types of a distinguished name (the short names of `-nameopt RFC2253`) and signature
algorithms (the first word of the long name `x509 -text` prints after "Signature Algorithm:").
Taken from `openssl list -objects` of OpenSSL 3.5 for the arcs names use (X.520 2.5.4, PKCS #9,
COSINE/LDAP 0.9.2342.19200300.100.1, EV jurisdiction), less what 1.1.1 or 3.0 do not know
(so every attribute name here is the one all three print); an OID outside the table is
printed as openssl prints one it does not know (dotted, value as #DER hex). Signature names
newer than a build (ML-DSA, SLH-DSA on 1.1.1/3.0) are given by name all the same."""

from __future__ import annotations

from typing import Dict

_ARCS = {"X": "2.5.4", "U": "0.9.2342.19200300.100.1", "P9": "1.2.840.113549.1.9",
         "J": "1.3.6.1.4.1.311.60.2.1", "P1": "1.2.840.113549.1.1",
         "N": "2.16.840.1.101.3.4.3", "E": "1.2.840.10045.4"}


def _table(text: str) -> Dict[str, str]:
    words = text.split()
    out = {}
    for oid, name in zip(words[::2], words[1::2]):
        arc, _, rest = oid.partition(".")
        out[f"{_ARCS[arc]}.{rest}" if arc in _ARCS else oid] = name
    return out


# Attribute types -> short name (what `-nameopt RFC2253` prints before '=').
ATTRIBUTE_NAMES = _table(
    "X.3 CN X.4 SN X.5 serialNumber X.6 C X.7 L X.8 ST X.9 street X.10 O X.11 OU X.12 title "
    "X.13 description X.14 searchGuide X.15 businessCategory X.16 postalAddress "
    "X.17 postalCode X.18 postOfficeBox X.19 physicalDeliveryOfficeName X.20 telephoneNumber "
    "X.21 telexNumber X.22 teletexTerminalIdentifier X.23 facsimileTelephoneNumber "
    "X.24 x121Address X.25 internationaliSDNNumber X.26 registeredAddress "
    "X.27 destinationIndicator X.28 preferredDeliveryMethod X.29 presentationAddress "
    "X.30 supportedApplicationContext X.31 member X.32 owner X.33 roleOccupant X.34 seeAlso "
    "X.35 userPassword X.36 userCertificate X.37 cACertificate X.38 authorityRevocationList "
    "X.39 certificateRevocationList X.40 crossCertificatePair X.41 name X.42 GN "
    "X.43 initials X.44 generationQualifier X.45 x500UniqueIdentifier X.46 dnQualifier "
    "X.47 enhancedSearchGuide X.48 protocolInformation X.49 distinguishedName "
    "X.50 uniqueMember X.51 houseIdentifier X.52 supportedAlgorithms "
    "X.53 deltaRevocationList X.54 dmdName X.65 pseudonym X.72 role "
    "X.97 organizationIdentifier X.98 c3 X.99 n3 X.100 dnsName U.1 UID "
    "U.2 textEncodedORAddress U.3 mail U.4 info U.5 favouriteDrink U.6 roomNumber U.7 photo "
    "U.8 userClass U.9 host U.10 manager U.11 documentIdentifier U.12 documentTitle "
    "U.13 documentVersion U.14 documentAuthor U.15 documentLocation U.20 homeTelephoneNumber "
    "U.21 secretary U.22 otherMailbox U.23 lastModifiedTime U.24 lastModifiedBy U.25 DC "
    "U.26 aRecord U.27 pilotAttributeType27 U.28 mXRecord U.29 nSRecord U.30 sOARecord "
    "U.31 cNAMERecord U.37 associatedDomain U.38 associatedName U.39 homePostalAddress "
    "U.40 personalTitle U.41 mobileTelephoneNumber U.42 pagerTelephoneNumber "
    "U.43 friendlyCountryName U.44 uid U.45 organizationalStatus U.46 janetMailbox "
    "U.47 mailPreferenceOption U.48 buildingName U.49 dSAQuality U.50 singleLevelQuality "
    "U.51 subtreeMinimumQuality U.52 subtreeMaximumQuality U.53 personalSignature "
    "U.54 dITRedirect U.55 audio U.56 documentPublisher P9.1 emailAddress "
    "P9.2 unstructuredName P9.3 contentType P9.4 messageDigest P9.5 signingTime "
    "P9.6 countersignature P9.7 challengePassword P9.8 unstructuredAddress "
    "P9.9 extendedCertificateAttributes P9.14 extReq P9.15 SMIME-CAPS P9.16 SMIME "
    "P9.20 friendlyName P9.21 localKeyID "
    "J.1 jurisdictionL J.2 jurisdictionST J.3 jurisdictionC")

# Signature algorithms -> the first word of the long name (GOST's long names have spaces).
SIGNATURE_NAMES = _table(
    "P1.1 rsaEncryption P1.2 md2WithRSAEncryption P1.3 md4WithRSAEncryption "
    "P1.4 md5WithRSAEncryption P1.5 sha1WithRSAEncryption P1.10 rsassaPss "
    "P1.11 sha256WithRSAEncryption P1.12 sha384WithRSAEncryption "
    "P1.13 sha512WithRSAEncryption P1.14 sha224WithRSAEncryption "
    "P1.15 sha512-224WithRSAEncryption P1.16 sha512-256WithRSAEncryption "
    "1.3.14.3.2.3 md5WithRSA 1.3.14.3.2.13 dsaWithSHA 1.3.14.3.2.15 shaWithRSAEncryption "
    "1.3.14.3.2.27 dsaWithSHA1-old 1.3.14.3.2.29 sha1WithRSA 1.2.840.10040.4.3 dsaWithSHA1 "
    "1.3.36.3.3.1.2 ripemd160WithRSA E.1 ecdsa-with-SHA1 E.3.1 ecdsa-with-SHA224 "
    "E.3.2 ecdsa-with-SHA256 E.3.3 ecdsa-with-SHA384 E.3.4 ecdsa-with-SHA512 "
    "1.3.101.112 ED25519 1.3.101.113 ED448 1.2.156.10197.1.501 SM2-with-SM3 "
    "1.2.156.10197.1.504 sm3WithRSAEncryption 1.2.643.2.2.3 GOST 1.2.643.2.2.4 GOST "
    "1.2.643.7.1.1.3.2 GOST 1.2.643.7.1.1.3.3 GOST N.1 dsa_with_SHA224 N.2 dsa_with_SHA256 "
    "N.3 dsa_with_SHA384 N.4 dsa_with_SHA512 N.5 dsa_with_SHA3-224 N.6 dsa_with_SHA3-256 "
    "N.7 dsa_with_SHA3-384 N.8 dsa_with_SHA3-512 N.9 ecdsa_with_SHA3-224 "
    "N.10 ecdsa_with_SHA3-256 N.11 ecdsa_with_SHA3-384 N.12 ecdsa_with_SHA3-512 "
    "N.13 RSA-SHA3-224 N.14 RSA-SHA3-256 N.15 RSA-SHA3-384 N.16 RSA-SHA3-512 N.17 ML-DSA-44 "
    "N.18 ML-DSA-65 N.19 ML-DSA-87 N.20 SLH-DSA-SHA2-128s N.21 SLH-DSA-SHA2-128f "
    "N.22 SLH-DSA-SHA2-192s N.23 SLH-DSA-SHA2-192f N.24 SLH-DSA-SHA2-256s "
    "N.25 SLH-DSA-SHA2-256f N.26 SLH-DSA-SHAKE-128s N.27 SLH-DSA-SHAKE-128f "
    "N.28 SLH-DSA-SHAKE-192s N.29 SLH-DSA-SHAKE-192f N.30 SLH-DSA-SHAKE-256s "
    "N.31 SLH-DSA-SHAKE-256f N.32 HASH-ML-DSA-44-WITH-SHA512 N.33 HASH-ML-DSA-65-WITH-SHA512 "
    "N.34 HASH-ML-DSA-87-WITH-SHA512 N.35 SLH-DSA-SHA2-128s-WITH-SHA256 "
    "N.36 SLH-DSA-SHA2-128f-WITH-SHA256 N.37 SLH-DSA-SHA2-192s-WITH-SHA512 "
    "N.38 SLH-DSA-SHA2-192f-WITH-SHA512 N.39 SLH-DSA-SHA2-256s-WITH-SHA512 "
    "N.40 SLH-DSA-SHA2-256f-WITH-SHA512 N.41 SLH-DSA-SHAKE-128s-WITH-SHAKE128 "
    "N.42 SLH-DSA-SHAKE-128f-WITH-SHAKE128 N.43 SLH-DSA-SHAKE-192s-WITH-SHAKE256 "
    "N.44 SLH-DSA-SHAKE-192f-WITH-SHAKE256 N.45 SLH-DSA-SHAKE-256s-WITH-SHAKE256 "
    "N.46 SLH-DSA-SHAKE-256f-WITH-SHAKE256")
