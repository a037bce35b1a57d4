"""create's (and renew's) `-newkey` for the build in use, shown exactly as it is run.

The guide's `-newkey rsa` stays the shown command wherever it makes 2048 bits (the config
sets default_bits, or the build's compiled-in default is 2048); on OpenSSL <= 1.0.2f with a
config without default_bits it would make RSA-512, so `rsa:2048` is shown and run. EC keys get
`ec_param_enc:named_curve` where the build would write explicit parameters, and a named-curve
parameter file (`-newkey ec:ec-params.pem`, made first by `openssl ecparam`) where the build
cannot generate parameters inside `req` (LibreSSL < 3.1).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional, Tuple

from vncssl.errors import UsageError
from vncssl.notice import Notice
from vncssl.openssl import keygen, opensslcnf, runner
from vncssl.openssl.binary import OpensslInfo
from vncssl.teach import recipe

if TYPE_CHECKING:  # the read-back's data, imported while openssl runs (commands/create)
    from vncssl.x509.certfacts import CertFacts, KeyInfo


def _config_sets_bits(config_path: Optional[str]) -> bool:
    if config_path is None:  # vncssl's minimal config: default_bits = 2048
        return True
    try:
        text = Path(config_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return False
    return "default_bits" in opensslcnf.parse_sections(text).get("req", {})


def build_newkey(info: OpensslInfo, spec: recipe.KeySpec, config_path: Optional[str],
                 display: str) -> Tuple[Optional[Tuple[str, ...]], List[Notice]]:
    """(the -newkey args when they differ from the guide's, notices explaining why)."""
    if spec.algorithm == "rsa" and spec.bits is None and info.compiled_rsa_bits < 2048 \
            and not _config_sets_bits(config_path):
        return ("-newkey", "rsa:2048"), [Notice(
            "rsa-bits", f"{info.version_text} makes 512-bit RSA keys for `-newkey rsa` when "
            "the config sets no default_bits (as this one): the command names 2048 bits.", "")]
    if spec.algorithm != "ec":
        return None, []
    if not info.ec_paramgen_with_newkey:
        first = recipe.render_posix(keygen.paramfile_argv(
            dataclasses.replace(info, path=display), spec.curve_name, keygen.PARAMFILE))
        return tuple(spec.newkey_args(info, paramfile=keygen.PARAMFILE)), [Notice(
            "ec-paramfile", f"{info.version_text} cannot generate curve parameters inside "
            f"`req -newkey`: the key is made from a parameter file. Run this first: {first}",
            "")]
    if info.ec_needs_named_curve_option:
        return tuple(spec.newkey_args(info)), [Notice(
            "ec-named-curve", f"{info.version_text} writes explicit curve parameters unless "
            "told `-pkeyopt ec_param_enc:named_curve`; TigerVNC's server (GnuTLS) cannot load "
            "such a key, so the command says it.", "")]
    return None, []


def config_notices(config_path: Optional[str], use_addext: bool) -> List[Notice]:
    """A config without x509_extensions (LibreSSL's shipped openssl.cnf) gives the guide's
    command a certificate with the SAN alone: still trusted when it is in X509CA."""
    if config_path is None or not use_addext:
        return []  # vncssl's own config / SAN section carry v3_ca's extensions
    try:
        text = Path(config_path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    if opensslcnf.parse_sections(text).get("req", {}).get("x509_extensions"):
        return []
    return [Notice("no-x509-extensions", f"{config_path} sets no x509_extensions (LibreSSL's "
                   "shipped config does not), so the certificate carries only the "
                   "subjectAltName, not the CA:TRUE and key identifiers Debian's config adds. "
                   "TigerVNC trusts it all the same when it is the viewer's X509CA.", "")]


def newkey_for_run(newkey: Optional[Tuple[str, ...]], info: OpensslInfo, spec: recipe.KeySpec,
                   work: Path, timeout: Optional[float]) -> Optional[Tuple[str, ...]]:
    """The shown -newkey args with the parameter file made in `work` (when one is named)."""
    if not newkey or f"ec:{keygen.PARAMFILE}" not in newkey:
        return newkey
    target = work / keygen.PARAMFILE
    runner.run(keygen.paramfile_argv(info, spec.curve_name, str(target)), timeout=timeout,
               cwd=str(work), what="openssl ecparam")
    return tuple(f"ec:{target}" if a == f"ec:{keygen.PARAMFILE}" else a for a in newkey)


def renewed_key_type(old: CertFacts, notices: List[Notice]) -> str:
    """renew: the --key-type that makes a key like the old certificate's (a usable one)."""
    k = old.key
    if k.type == "RSA":
        if k.bits and k.bits < 2048:
            notices.append(Notice("rsa-upgraded", f"The old key was RSA-{k.bits}, too "
                                         "weak today: the new one is RSA-2048."))
            return "rsa"
        return f"rsa:{k.bits}" if k.bits and k.bits != 2048 else "rsa"
    if k.type == "EC" and k.explicit_curve:
        notices.append(Notice(
            "ec-explicit", f"The old key is {k.explicit_curve} written with explicit curve "
            "parameters (what OpenSSL 1.0.2 and LibreSSL make unless told otherwise), which "
            f"TigerVNC's server cannot load: the new key is {k.explicit_curve} as a named "
            "curve."))
        return f"ec:{k.explicit_curve}"
    if k.type == "EC" and k.curve == "explicit parameters":
        raise UsageError("The old certificate's EC key has explicit curve parameters of a "
                         "curve vncssl does not recognise (and TigerVNC's server cannot load "
                         "such a key).", "Make a new one: `vncssl create --key-type ec` "
                         "(P-256), or `--key-type ec:P-384`.")
    if k.type == "EC" and k.curve:
        return f"ec:{k.curve}"
    if k.type == "ED25519":
        return "ed25519"
    raise UsageError(f"The old certificate's key type ({k.type}) is one vncssl cannot make.",
                     "Make a new certificate with `vncssl create --key-type rsa`.")


def refuse_explicit_reuse(key_info: KeyInfo, key: str) -> None:
    """renew --reuse-key of an EC key with explicit parameters would make another certificate
    TigerVNC's server cannot load (it is the key itself that cannot be loaded)."""
    if key_info.type == "EC" and key_info.curve == "explicit parameters":
        curve = key_info.explicit_curve or "P-256"
        raise UsageError(
            f"--reuse-key: {key} has explicit curve parameters, which TigerVNC's server "
            "cannot load; a certificate for the same key would be just as unusable.",
            f"Renew without --reuse-key: a new {curve} key with the named curve (the old "
            "certificate never worked with TigerVNC, so no viewer loses anything).")
