"""The `-newkey` arguments a build needs to make a key TigerVNC can use.

Old builds differ (binary.OpensslInfo says how): 1.0.2 and LibreSSL write explicit EC
parameters unless told `ec_param_enc:named_curve` (GnuTLS, hence Xvnc, cannot load those);
LibreSSL before 3.1 cannot generate curve parameters inside `req -newkey` at all, so a
named-curve parameter file from `ecparam` is made first; configs vncssl writes set no
default_bits, so RSA always names its bits (OpenSSL <= 1.0.2f would make 512).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional

from vncssl.openssl import runner

PARAMFILE = "ec-params.pem"


def paramfile_argv(ossl: Any, curve: str, out: str) -> List[str]:
    return [ossl.path, "ecparam", "-name", curve, "-param_enc", "named_curve", "-out", out]


def newkey(ossl: Any, spec: Any, work: Path, *, timeout: Optional[float] = None,
           bits_always: bool = True) -> List[str]:
    """`spec`: a recipe.KeySpec. Writes work/ec-params.pem when the build needs it."""
    paramfile: Optional[str] = None
    if spec.algorithm == "ec" and not ossl.ec_paramgen_with_newkey:
        paramfile = str(work / PARAMFILE)
        runner.run(paramfile_argv(ossl, spec.curve_name, paramfile), timeout=timeout,
                   cwd=str(work), what="openssl ecparam")
    return list(spec.newkey_args(ossl, bits_always=bits_always, paramfile=paramfile))
