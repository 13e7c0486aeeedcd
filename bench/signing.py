"""Signing benchmark: ``bhxh-desk sign`` on a SoftHSM2 token against ``xmlsec1 --sign`` with a PEM key,
on the same dossier, in the same run, at 100, 10,000 and 100,000 D02-TS rows.

Three bhxh-desk figures are printed for the unsigned BHXHDienTu.xml that xmlsec1 also signs:

- "built here": the file as ``bhxh-desk build`` wrote it, so its forms and envelope are in the record of
  checked files (forms.checkmemo) and the certificate's verdict is remembered (signing.certmemo), as in
  the usual build-then-sign flow;
- "never seen": the same file with an empty cache folder, so every check runs in full (envelope and
  form XSDs, the whole certificate chain);
- from the draft, which also validates every row and builds the files.

xmlsec1 signs one signature (the envelope); bhxh-desk signs two (the form, then the envelope) and talks
to a real PKCS#11 token in a helper process. The checkout's bytecode is compiled first, as an installed
application's is, so that no figure includes compiling Python sources.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from bench.data import write_draft
from bench.measure import Run, interleaved, median_of, median_run, run_once

TEMPLATE = (
    b'<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
    b'<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    b'<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
    b'<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    b'<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>'
    b'<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo>'
    b"<SignatureValue/><KeyInfo><X509Data/></KeyInfo></Signature>"
)


@dataclass
class Row:
    rows: int
    size_mb: float
    xmlsec: Run
    ours_xml: Run
    ours_cold: Run
    ours_draft: Run
    verify: Run
    xmlsec_verify: Run


def _xdg(home: Path) -> dict[str, str]:
    return {f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("DATA", "CONFIG", "CACHE", "STATE")}


def run(sizes: tuple[int, ...] = (100, 10_000, 100_000), repeat: int = 5) -> list[Row]:
    from tests.pki import TestPKI
    from tests.softhsm import create_token

    xmlsec = shutil.which("xmlsec1")
    if not xmlsec:
        raise SystemExit("xmlsec1 is needed (Debian package xmlsec1)")
    work = Path(tempfile.mkdtemp(prefix="bhxh-bench-"))
    try:
        pki = TestPKI.create()
        token = create_token(work / "hsm", pki)
        soft = pki.leaf("0312345678")
        key_pem, cert_pem = work / "key.pem", work / "cert.pem"
        key_pem.write_bytes(soft.key_pem())
        cert_pem.write_bytes(soft.pem())
        root, inter = work / "root.pem", work / "inter.pem"
        root.write_bytes(pki.root.pem())
        inter.write_bytes(pki.intermediate.pem())
        # As a user runs it: the folders come from platformdirs (here the XDG variables, pointed at the work
        # folder), not from BHXH_DESK_HOME, which would skip importing platformdirs.
        env = {**os.environ, "SOFTHSM2_CONF": str(token.conf), "BENCH_PIN": token.pin, **_xdg(work / "home")}
        for name in ("PYTHONDONTWRITEBYTECODE", "BHXH_DESK_HOME"):
            env.pop(name, None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", "app", "forms", "signing"], check=True,
                       stdout=subprocess.DEVNULL)
        app = [sys.executable, "-m", "bhxh_desk.app"]
        sign = ["--pkcs11-module", str(token.module), "--pin-env", "BENCH_PIN", "--trust", str(root),
                "--trust", str(inter)]
        out = []
        for n in sizes:
            draft = write_draft(work / f"d{n}.json", n)
            unsigned = work / f"u{n}.xml"
            subprocess.run([*app, "build", str(draft), "-o", str(unsigned)], check=True, env=env,
                           stdout=subprocess.DEVNULL)
            template = work / f"t{n}.xml"
            template.write_bytes(unsigned.read_bytes().replace(b"<CKy_Dvi></CKy_Dvi>",
                                                               b"<CKy_Dvi>" + TEMPLATE + b"</CKy_Dvi>"))
            reps = repeat if n <= 10_000 else 1
            # The headline ratio: the two commands take turns, twice as many times as the other figures.
            r_xmlsec, r_xml = interleaved([
                [xmlsec, "--sign", "--privkey-pem", f"{key_pem},{cert_pem}", "--output", str(work / "x.xml"),
                 str(template)],
                [*app, "sign", str(unsigned), "-o", str(work / "s.xml"), *sign],
            ], 2 * reps + 1 if n <= 10_000 else 1, env)
            r_cold = median_of([run_once([*app, "sign", str(unsigned), "-o", str(work / "s.xml"), *sign],
                                         {**env, **_xdg(work / f"cold-{n}-{k}")})
                                for k in range(reps)])
            r_draft = median_run([*app, "sign", str(draft), "-o", str(work / "s.xml"), *sign], reps, env)
            r_verify = median_run([*app, "verify", str(work / "s.xml"), "--trust", str(root), "--trust", str(inter)],
                                  reps, env)
            r_xverify = median_run([xmlsec, "--verify", "--trusted-pem", str(root), "--untrusted-pem", str(inter),
                                    str(work / "s.xml")], reps, env)
            out.append(Row(n, unsigned.stat().st_size / 1e6, r_xmlsec, r_xml, r_cold, r_draft, r_verify, r_xverify))
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(rows: list[Row]) -> str:
    lines = [
        "| D02-TS rows | file MB | xmlsec1 --sign s | bhxh-desk sign XML built here s | ratio "
        "| sign XML never seen s | ratio | sign draft s | ratio "
        "| peak MB xmlsec1 / built / never seen / draft | verify s (peak MB) | xmlsec1 --verify s | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|",
    ]
    for r in rows:
        x = r.xmlsec.seconds
        lines.append(
            f"| {r.rows:,} | {r.size_mb:.1f} | {x:.3f} | {r.ours_xml.seconds:.3f} | {r.ours_xml.seconds / x:.2f} | "
            f"{r.ours_cold.seconds:.3f} | {r.ours_cold.seconds / x:.2f} | "
            f"{r.ours_draft.seconds:.3f} | {r.ours_draft.seconds / x:.2f} | "
            f"{r.xmlsec.peak_mb:.0f} / {r.ours_xml.peak_mb:.0f} / {r.ours_cold.peak_mb:.0f} / "
            f"{r.ours_draft.peak_mb:.0f} | "
            f"{r.verify.seconds:.3f} ({r.verify.peak_mb:.0f}) | {r.xmlsec_verify.seconds:.3f} | "
            f"{r.verify.seconds / r.xmlsec_verify.seconds:.2f} |"
        )
    return "\n".join(lines)
