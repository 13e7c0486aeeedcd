"""Where PKCS#11 drivers live: the configured path first, then the known Vietnamese token drivers.

Names on Windows come from the domain reference (public probe lists of VNPT-CA, Viettel-CA, BkavCA,
FPT-CA, CA2, Newtel-CA, SafeNet and Feitian ePass2003 tokens). On Linux the vendors ship few drivers; the
list covers SoftHSM2, OpenSC and SafeNet, which are the ones with public Linux packages.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

MODULE_ENV = "BHXH_DESK_PKCS11_MODULE"

WINDOWS_NAMES = (
    "vnpt-ca_csp11.dll", "vnptca_p11_v10.dll", "vnptca_p11_v9.dll", "vnptca_p11_v8.dll", "vnptca_p11_v7.dll",
    "vnptca_p11_v6.dll", "viettel-ca_v6.dll", "viettel-ca_v5.dll", "viettel-ca_v4.dll", "viettel-ca_v3.dll",
    "viettel-ca_v2.dll", "viettel-ca_v1.dll", "BkavCA.dll", "fpt-ca.dll", "CA2_csp11.dll",
    "ShuttleCsp11_3003.dll", "eps2003csp11.dll", "eTPKCS11.dll", "ncca_csp11_v1.dll", "ica_csp11_v1.dll",
    "NEWTEL-CA.dll",
)
WINDOWS_DIRS = (r"C:\Windows\System32", r"C:\Windows\SysWOW64")

LINUX_NAMES = ("libsofthsm2.so", "opensc-pkcs11.so", "libeTPkcs11.so")
LINUX_DIRS = ("/usr/lib/softhsm", "/usr/lib/x86_64-linux-gnu/softhsm", "/usr/lib/x86_64-linux-gnu/pkcs11",
              "/usr/lib/x86_64-linux-gnu", "/usr/lib/aarch64-linux-gnu/softhsm", "/usr/lib/aarch64-linux-gnu/pkcs11",
              "/usr/lib", "/usr/local/lib", "/usr/local/lib/softhsm")

MACOS_NAMES = ("libsofthsm2.so", "opensc-pkcs11.so", "libeTPkcs11.dylib")
MACOS_DIRS = ("/usr/local/lib", "/usr/local/lib/softhsm", "/opt/homebrew/lib", "/opt/homebrew/lib/softhsm",
              "/Library/OpenSC/lib")


def _table(platform: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if platform.startswith("win"):
        return WINDOWS_NAMES, WINDOWS_DIRS
    if platform == "darwin":
        return MACOS_NAMES, MACOS_DIRS
    return LINUX_NAMES, LINUX_DIRS


def known_locations(platform: str = sys.platform) -> list[Path]:
    names, dirs = _table(platform)
    return [Path(d) / n for n in names for d in dirs]


def candidates(configured: str | None = None, platform: str = sys.platform) -> list[Path]:
    """Every place worth trying, in order, that exists. A configured path is returned even when missing,
    so that its absence is reported rather than silently replaced by a probe."""
    if configured:
        return [Path(configured)]
    env = os.environ.get(MODULE_ENV)
    if env:
        return [Path(env)]
    return [p for p in dict.fromkeys(known_locations(platform)) if p.is_file()]


def searched(configured: str | None = None, platform: str = sys.platform) -> str:
    """The names looked for, for the 'driver not found' message."""
    names = [configured] if configured else list(_table(platform)[0])
    return ", ".join(names)
