"""A real SoftHSM2 token for the tests, made with softhsm2-util and OpenSC's pkcs11-tool.

The key pair is generated on the token (it never leaves it); the certificate is issued by the test PKI
for the token's public key and written back to the token, as a CA does for a real USB token.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization

from bhxh_desk.signing.drivers import LINUX_DIRS
from tests.pki import Issued, TestPKI

PIN = "7391-hoasen-pin"  # distinctive, so a test can search outputs and logs for it
SO_PIN = "12345678"


def softhsm_module() -> Path | None:
    for d in LINUX_DIRS:
        p = Path(d) / "libsofthsm2.so"
        if p.is_file():
            return p
    return None


def spy_module() -> Path | None:
    for d in ("/usr/lib/x86_64-linux-gnu/pkcs11", "/usr/lib/aarch64-linux-gnu/pkcs11", "/usr/lib/pkcs11"):
        p = Path(d) / "pkcs11-spy.so"
        if p.is_file():
            return p
    return None


@dataclass
class Token:
    conf: Path
    module: Path
    label: str
    serial: str
    key_id: str
    cert: Issued
    pin: str = PIN

    def env(self) -> dict[str, str]:
        return {"SOFTHSM2_CONF": str(self.conf)}

    def tool(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(["pkcs11-tool", "--module", str(self.module), *args], env={**os.environ, **self.env()},
                              capture_output=True, text=True, check=check)


def make_conf(folder: Path) -> Path:
    tokens = folder / "tokens"
    tokens.mkdir(parents=True, exist_ok=True)
    conf = folder / "softhsm2.conf"
    conf.write_text(f"directories.tokendir = {tokens}\nobjectstore.backend = file\nlog.level = ERROR\n")
    return conf


def create_token(folder: Path, pki: TestPKI, *, label: str = "HOA SEN TOKEN", tax_code: str = "0312345678",
                 key_id: str = "a1b2", always_authenticate: bool = False, conf: Path | None = None,
                 **leaf_kw) -> Token:
    module = softhsm_module()
    assert module and shutil.which("softhsm2-util") and shutil.which("pkcs11-tool"), \
        "softhsm2 and opensc are needed: bash installer/bootstrap.sh test installs them"
    conf = conf or make_conf(folder)
    env = {**os.environ, "SOFTHSM2_CONF": str(conf)}
    subprocess.run(["softhsm2-util", "--init-token", "--free", "--label", label, "--pin", PIN, "--so-pin", SO_PIN],
                   env=env, check=True, capture_output=True)
    if always_authenticate:
        _keygen_always_authenticate(module, conf, label, key_id)
    else:
        subprocess.run(["pkcs11-tool", "--module", str(module), "--token-label", label, "--login", "--pin", PIN,
                        "--keypairgen", "--key-type", "rsa:2048", "--id", key_id, "--label", "signing key"],
                       env=env, check=True, capture_output=True)
    pub_der = folder / f"{key_id}.pub.der"
    subprocess.run(["pkcs11-tool", "--module", str(module), "--token-label", label, "--read-object", "--type",
                    "pubkey", "--id", key_id, "-o", str(pub_der)], env=env, check=True, capture_output=True)
    public_key = serialization.load_der_public_key(pub_der.read_bytes())
    cert = pki.leaf(tax_code, public_key, **leaf_kw)
    cert_der = folder / f"{key_id}.crt.der"
    cert_der.write_bytes(cert.cert.public_bytes(serialization.Encoding.DER))
    subprocess.run(["pkcs11-tool", "--module", str(module), "--token-label", label, "--login", "--pin", PIN,
                    "--write-object", str(cert_der), "--type", "cert", "--id", key_id, "--label", "signing cert"],
                   env=env, check=True, capture_output=True)
    out = subprocess.run(["softhsm2-util", "--show-slots"], env=env, check=True, capture_output=True, text=True).stdout
    serial = ""
    block = out.split(f"Label:            {label}")[0].rsplit("Serial number:", 1)[-1]
    serial = block.split()[0] if block else ""
    return Token(conf=conf, module=module, label=label, serial=serial, key_id=key_id, cert=cert)


def _keygen_always_authenticate(module: Path, conf: Path, label: str, key_id: str) -> None:
    """pkcs11-tool cannot set CKA_ALWAYS_AUTHENTICATE, so this key pair is made with PyKCS11 directly."""
    import PyKCS11

    os.environ["SOFTHSM2_CONF"] = str(conf)
    lib = PyKCS11.PyKCS11Lib()
    lib.load(str(module))
    slot = next(s for s in lib.getSlotList(tokenPresent=True) if lib.getTokenInfo(s).label.strip() == label)
    session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
    session.login(PIN)
    ident = bytes.fromhex(key_id)
    public = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PUBLIC_KEY), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_VERIFY, True),
              (PyKCS11.CKA_MODULUS_BITS, 2048), (PyKCS11.CKA_PUBLIC_EXPONENT, (0x01, 0x00, 0x01)),
              (PyKCS11.CKA_ID, ident), (PyKCS11.CKA_LABEL, "signing key")]
    private = [(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY), (PyKCS11.CKA_TOKEN, True), (PyKCS11.CKA_SIGN, True),
               (PyKCS11.CKA_PRIVATE, True), (PyKCS11.CKA_SENSITIVE, True), (PyKCS11.CKA_ID, ident),
               (PyKCS11.CKA_LABEL, "signing key"), (PyKCS11.CKA_ALWAYS_AUTHENTICATE, True)]
    session.generateKeyPair(public, private, mecha=PyKCS11.MechanismRSAGENERATEKEYPAIR)
    session.logout()
    session.closeSession()
    del lib


SHIM_SOURCE = Path(__file__).with_name("pkcs11_pin_shim.c")


def build_pin_shim(folder: Path) -> Path:
    """Compile tests/pkcs11_pin_shim.c: SoftHSM2 with a PIN retry counter that reports PKCS#11's PIN flags
    (SoftHSM2 keeps none). gcc and libc6-dev come with `bash installer/bootstrap.sh test`."""
    gcc = shutil.which("gcc")
    assert gcc, "gcc is needed to build the PIN shim: bash installer/bootstrap.sh test installs it"
    out = folder / "pkcs11_pin_shim.so"
    subprocess.run([gcc, "-shared", "-fPIC", "-O2", "-Wall", "-Werror", "-o", str(out), str(SHIM_SOURCE), "-ldl"],
                   check=True, capture_output=True, text=True)
    return out


@dataclass
class CountingToken:
    """A SoftHSM2 token seen through the PIN shim: ``module`` is the shim, ``state`` its counter folder."""

    token: Token
    module: Path
    state: Path
    tries: int = 3

    def __post_init__(self) -> None:
        self.state.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict[str, str]:
        return {**self.token.env(), "PIN_SHIM_STATE": str(self.state), "PIN_SHIM_TARGET": str(self.token.module),
                "PIN_SHIM_TRIES": str(self.tries)}

    @property
    def counter_file(self) -> Path:
        return self.state / f"{self.token.serial}.tries"

    def tries_left(self) -> int:
        return int(self.counter_file.read_text()) if self.counter_file.exists() else self.tries

    def set_tries_left(self, n: int) -> None:
        self.state.mkdir(parents=True, exist_ok=True)
        self.counter_file.write_text(f"{n}\n")
