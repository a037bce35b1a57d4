"""What vncssl knows about a certificate or a key, as plain data (read by `certinfo`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, List, Optional

if TYPE_CHECKING:
    from vncssl.x509.dernames import DerCert


@dataclass
class San:
    type: str  # "IP", "DNS", "email", "URI", ...
    value: str


@dataclass
class KeyInfo:
    type: str  # "RSA", "EC", "ED25519", "ED448", "DSA", ...
    bits: Optional[int]
    curve: Optional[str] = None
    explicit_curve: Optional[str] = None  # a known curve written as explicit parameters


@dataclass
class CertFacts:
    subject: str  # RFC 2253
    issuer: str
    self_signed: bool
    is_ca: bool
    san: List[San]
    not_before: str  # ISO 8601 UTC
    not_after: str
    days_left: int
    fingerprint_sha256: str  # AA:BB:...
    signature_algorithm: str
    key: KeyInfo
    serial: str
    version: int
    key_usage: Optional[List[str]]  # None when the extension is absent
    extended_key_usage: Optional[List[str]]
    subject_key_id: Optional[str]
    authority_key_id: Optional[str]
    public_key_pem: str = field(repr=False)
    pem: str = field(repr=False)
    # The structure the rules read (names, flags, key); None only for facts built by hand.
    der: Optional[DerCert] = field(default=None, repr=False, compare=False)

    @property
    def not_after_dt(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.not_after.replace("Z", "+00:00"))

    @property
    def not_before_dt(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.not_before.replace("Z", "+00:00"))

    @property
    def common_names(self) -> List[str]:
        """Every CN attribute of the subject, from the structure."""
        if self.der is not None:
            return self.der.attribute_values("2.5.4.3")
        return [m.group(1).replace("\\", "") for m in
                re.finditer(r"(?:^|(?<!\\)[,+])CN=((?:[^,+\\]|\\.)*)", self.subject)]

    @property
    def common_name(self) -> Optional[str]:
        cns = self.common_names
        return cns[0] if cns else None

    def san_values(self, kind: str) -> List[str]:
        return [s.value for s in self.san if s.type == kind]


@dataclass
class KeyFacts:
    encrypted: bool
    public_key_pem: Optional[str]  # None when it could not be read (encrypted, damaged)
