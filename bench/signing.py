"""Signing and verifying benchmark: ``bhxh-desk sign`` on a SoftHSM2 token and ``bhxh-desk verify``
against ``xmlsec1 --sign`` (PEM key) and ``xmlsec1 --verify``, on the same dossier, in the same run, at
100, 10,000 and 100,000 D02-TS rows. In each ratio the two tools take turns, run after run, so that a
shared machine's drift falls on both alike.

- "built here" (the shortcut, issue 3): the unsigned BHXHDienTu.xml as ``bhxh-desk build`` wrote it, so
  its forms and envelope are in the record of checked files (forms.checkmemo) and the certificate's
  verdict is remembered (signing.certmemo), against ``xmlsec1 --sign`` of the same file.
- "from the draft", cold: the JSON draft validated, built and signed at both levels by one
  ``bhxh-desk sign`` process with a fresh home folder (no record of checks, no certificate verdict, no
  memo), against ``xmlsec1 --sign`` of the built file.
- "verify", cold: ``bhxh-desk verify`` of the signed file, never seen (fresh home), against
  ``xmlsec1 --verify`` of the envelope and then of the form it carries (both levels, as we verify),
  the two xmlsec1 times added.

The certificates name CRLs, served over HTTP on 127.0.0.1 as a CA's CRL host serves them; each fresh
home gets a copy of the CRLs fetched once before (the CRL may be cached: a clerk's machine keeps them
until their nextUpdate). xmlsec1 checks no CRL. xmlsec1 signs one signature (the envelope); bhxh-desk
signs two (the form, then the envelope) and talks to a real PKCS#11 token in a helper process. The
checkout's bytecode is compiled first, as an installed application's is.
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
from bench.measure import Run, median_of, run_once

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
    xmlsec: Run                 # xmlsec1 --sign, in turns with "built here"
    ours_xml: Run
    xmlsec_d: Run               # xmlsec1 --sign, in turns with "from the draft"
    ours_draft: Run
    xmlsec_verify: Run          # xmlsec1 --verify of the envelope + of the form, in turns with ours
    verify: Run


def _xdg(home: Path) -> dict[str, str]:
    return {f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("DATA", "CONFIG", "CACHE", "STATE")}


class _Homes:
    """A fresh home folder for every cold run, holding only the CRLs a first run fetched."""

    def __init__(self, work: Path, warm: Path) -> None:
        self.work, self.warm, self.count = work, warm, 0

    def fresh(self) -> dict[str, str]:
        self.count += 1
        home = self.work / f"cold-{self.count}"
        for crl in self.warm.glob("cache/**/crl"):
            shutil.copytree(crl, home / crl.relative_to(self.warm))
        return _xdg(home)


def _alternate(theirs: list[list[str]], ours: list[str], repeat: int, env: dict[str, str],
               fresh: _Homes | None) -> tuple[Run, Run]:
    """The median run of ``theirs`` (one or more commands, their times added) and of ``ours``, taking
    turns; ``fresh``: each of our runs gets a new home folder. Each of our sign runs writes a new file:
    a batch run again skips an output already signed from the same draft (app.actions.batch)."""
    mine, other = [], []
    for k in range(repeat):
        runs = [run_once(cmd, env) for cmd in theirs]
        other.append(Run(seconds=sum(r.seconds for r in runs), peak_mb=max(r.peak_mb for r in runs)))
        cmd = [part.replace("{k}", str(k)) for part in ours]
        mine.append(run_once(cmd, {**env, **fresh.fresh()} if fresh is not None else env))
        if "-o" in cmd:
            out = Path(cmd[cmd.index("-o") + 1])
            for leftover in [*out.parent.glob(f"{out.name}*"), *out.parent.glob(f".{out.name}*")]:
                leftover.unlink()
    return median_of(other), median_of(mine)


def run(sizes: tuple[int, ...] = (100, 10_000, 100_000), repeat: int = 5) -> list[Row]:
    from tests.pki import CrlServer, TestPKI
    from tests.softhsm import create_token

    xmlsec = shutil.which("xmlsec1")
    if not xmlsec:
        raise SystemExit("xmlsec1 is needed (Debian package xmlsec1)")
    work = Path(tempfile.mkdtemp(prefix="bhxh-bench-"))
    crl = CrlServer()
    try:
        pki = TestPKI.create(crl_base=crl.url)
        crl.files["/root.crl"] = pki.crl(pki.root)
        crl.files["/issuing.crl"] = pki.crl(pki.intermediate)
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
        warm = work / "home"
        env = {**os.environ, "SOFTHSM2_CONF": str(token.conf), "BENCH_PIN": token.pin, **_xdg(warm)}
        for name in ("PYTHONDONTWRITEBYTECODE", "BHXH_DESK_HOME"):
            env.pop(name, None)
        subprocess.run([sys.executable, "-m", "compileall", "-q", "app", "forms", "signing"], check=True,
                       stdout=subprocess.DEVNULL)
        app = [sys.executable, "-m", "bhxh_desk.app"]
        trust = ["--trust", str(root), "--trust", str(inter)]
        sign = ["--pkcs11-module", str(token.module), "--pin-env", "BENCH_PIN", *trust]
        out = []
        for n in sizes:
            draft = write_draft(work / f"d{n}.json", n)
            unsigned, signed = work / f"u{n}.xml", work / f"s{n}.xml"
            subprocess.run([*app, "build", str(draft), "-o", str(unsigned)], check=True, env=env,
                           stdout=subprocess.DEVNULL)
            template = work / f"t{n}.xml"
            template.write_bytes(unsigned.read_bytes().replace(b"<CKy_Dvi></CKy_Dvi>",
                                                               b"<CKy_Dvi>" + TEMPLATE + b"</CKy_Dvi>"))
            run_once([*app, "sign", str(unsigned), "-o", str(signed), *sign], env)   # the records; the CRLs
            homes = _Homes(work / f"cold{n}", warm)
            form = work / f"f{n}.xml"
            _extract_form(signed, form)
            reps = 2 * repeat + 1 if n <= 10_000 else 1
            xmlsec_sign = [xmlsec, "--sign", "--privkey-pem", f"{key_pem},{cert_pem}", "--output",
                           str(work / "x.xml"), str(template)]
            r_xmlsec, r_xml = _alternate([xmlsec_sign], [*app, "sign", str(unsigned), "-o",
                                                         str(work / "o{k}.xml"), *sign], reps, env, None)
            r_xmlsec_d, r_draft = _alternate([xmlsec_sign], [*app, "sign", str(draft), "-o",
                                                             str(work / "o{k}.xml"), *sign], reps, env, homes)
            verify_their = [[xmlsec, "--verify", "--trusted-pem", str(root), "--untrusted-pem", str(inter), str(p)]
                            for p in (signed, form)]
            r_xverify, r_verify = _alternate(verify_their, [*app, "verify", str(signed), *trust], reps, env, homes)
            out.append(Row(n, unsigned.stat().st_size / 1e6, r_xmlsec, r_xml, r_xmlsec_d, r_draft, r_xverify,
                           r_verify))
            for p in (draft, unsigned, template, signed, form):
                p.unlink()
            shutil.rmtree(work / f"cold{n}", ignore_errors=True)
        return out
    finally:
        crl.close()
        shutil.rmtree(work, ignore_errors=True)


def _extract_form(signed: Path, form: Path) -> None:
    """The signed D02-TS the envelope carries, for xmlsec1 to verify at the second level."""
    import pybase64

    data = signed.read_bytes()
    start = data.index(b"<NoiDungFile>") + len(b"<NoiDungFile>")
    form.write_bytes(pybase64.b64decode(data[start:data.index(b"</NoiDungFile>", start)]))


def table(rows: list[Row]) -> str:
    lines = [
        "| D02-TS rows | file MB | xmlsec1 --sign s | sign, built here s | ratio | xmlsec1 --sign s "
        "| sign from the draft, cold s | ratio | xmlsec1 --verify ×2 s | verify, cold s | ratio "
        "| peak MB: xmlsec1 sign / built here / draft / xmlsec1 verify / verify |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r.rows:,} | {r.size_mb:.1f} | {r.xmlsec.seconds:.3f} | {r.ours_xml.seconds:.3f} | "
            f"{r.ours_xml.seconds / r.xmlsec.seconds:.2f} | {r.xmlsec_d.seconds:.3f} | {r.ours_draft.seconds:.3f} | "
            f"**{r.ours_draft.seconds / r.xmlsec_d.seconds:.2f}** | {r.xmlsec_verify.seconds:.3f} | "
            f"{r.verify.seconds:.3f} | **{r.verify.seconds / r.xmlsec_verify.seconds:.2f}** | "
            f"{r.xmlsec.peak_mb:.0f} / {r.ours_xml.peak_mb:.0f} / {r.ours_draft.peak_mb:.0f} / "
            f"{r.xmlsec_verify.peak_mb:.0f} / {r.verify.peak_mb:.0f} |"
        )
    return "\n".join(lines)
