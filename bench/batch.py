"""A 500-dossier batch against the sandbox: sign all in one call on the SoftHSM2 demo token (C_Login and C_Sign
counted with OpenSC's pkcs11-spy), then submit all; dossiers per second for each step."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.conftest import minimal_dict
from tests.softhsm import spy_module


def run(count: int = 500) -> dict[str, float]:
    work = Path(tempfile.mkdtemp(prefix="bhxh-bench-batch-"))
    app = [sys.executable, "-m", "bhxh_desk.app"]
    env = {**os.environ, "BHXH_DESK_HOME": str(work / "home"), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    data = work / "sandbox"
    try:
        demo = json.loads(subprocess.run([*app, "sandbox", "demo", "--data", str(data), "--json"], env=env,
                                         capture_output=True, text=True, check=True).stdout)
        env.update(SOFTHSM2_CONF=demo["softhsm_conf"], BENCH_PIN=demo["pin"], BENCH_PW=demo["password"])
        server = subprocess.Popen([*app, "sandbox", "--data", str(data), "--port", "0", "--processing-after",
                                   "600"], env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        url = json.loads(server.stdout.readline())["url"]
        drafts = []
        for i in range(count):
            d = minimal_dict()
            d["forms"]["D02-TS"][0]["Masobhxh"] = f"{5000000000 + i:010d}"
            path = work / f"d{i:04d}.json"
            path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
            drafts.append(str(path))
        spy, log = spy_module(), work / "spy.log"
        module = str(spy) if spy else demo["module"]
        env_sign = {**env, "PKCS11SPY": demo["module"], "PKCS11SPY_OUTPUT": str(log)} if spy else env
        started = time.perf_counter()
        subprocess.run([*app, "sign", *drafts, "-o", str(work / "signed"), "--pkcs11-module", module,
                        "--pin-env", "BENCH_PIN", "--trust", demo["ca"]], env=env_sign, check=True,
                       capture_output=True)
        sign_s = time.perf_counter() - started
        calls = [line.split(":", 1)[1].strip() for line in log.read_text(errors="replace").splitlines()
                 if ": C_" in line and line.split(":", 1)[0].strip().isdigit()] if spy else []
        files = sorted(str(p) for p in (work / "signed").glob("*.xml"))
        started = time.perf_counter()
        subprocess.run([*app, "submit", *files, "--gateway", url, "--unit", "TA1234A", "--password-env", "BENCH_PW",
                        "--ca", demo["ca"]], env=env, check=True, capture_output=True)
        submit_s = time.perf_counter() - started
        server.terminate()
        server.wait()
        return {"count": count, "sign_s": sign_s, "submit_s": submit_s, "logins": calls.count("C_Login"),
                "signs": calls.count("C_Sign")}
    finally:
        shutil.rmtree(work, ignore_errors=True)


def table(count: int = 500) -> str:
    r = run(count)
    n = r["count"]
    return "\n".join([
        f"| batch of {n:,} one-form dossiers, sandbox on 127.0.0.1 | figure |", "|---|---:|",
        f"| sign (one `bhxh-desk sign` call, SoftHSM2) | {n / r['sign_s']:.1f} dossiers/s ({r['sign_s']:.1f} s) |",
        f"| C_Login for the whole batch / C_Sign per dossier (pkcs11-spy) | {r['logins']} / {r['signs'] / n:.2f} |",
        f"| submit (one `bhxh-desk submit` call) | {n / r['submit_s']:.1f} dossiers/s ({r['submit_s']:.1f} s) |",
        f"| sign and submit | {n / (r['sign_s'] + r['submit_s']):.1f} dossiers/s |",
    ])
