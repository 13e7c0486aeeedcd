"""Exactly once across workstations: three ``bhxh-desk sync --daemon`` processes share one PostgreSQL
outbox and file 200 dossiers to the sandbox, which has ``--no-dedupe`` on (it files every upload it gets as
a new dossier) and loses replies and resets connections; the gateway must hold each dossier once."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time

from bhxh_desk.app.store import Store
from bhxh_desk.app.store.outbox import Outbox
from bhxh_desk.app.workflow import State
from tests import sandbox as sbx
from tests.conftest import ROOT
from tests.test_gateway import MST, UNIT, register, signed

FILED = (State.RECEIVED, State.PROCESSING, State.RESULT)


def test_three_senders_file_200_dossiers_exactly_once(tmp_path, trust_files, pki, pg_url, capsys):
    from bhxh_desk.signing.signer import KeySigner

    leaf = pki.leaf(MST)
    signer = KeySigner(leaf.key, leaf.cert)
    data = tmp_path / "sandbox"
    data.mkdir()
    sbx.add_account(data, UNIT, "--tax-code", MST, "--name", "Công ty TNHH Hoa Sen")
    clean = sbx.start(data, trust=trust_files)
    try:
        register(clean, signer)
    finally:
        clean.stop()
    running = sbx.start(data, "--no-dedupe", "--lose-reply-rate", "0.25", "--reset-rate", "0.1",
                        "--fault-seed", "20", "--processing-after", "3600", "--result-after", "7200",
                        trust=trust_files)
    try:
        files = [signed(signer, 5000 + i) for i in range(200)]
        with Store(pg_url) as store:
            outbox = Outbox(store)
            for f in files:
                outbox.queue(f, gateway=running.url, account=UNIT, unit=UNIT)
        creds = tmp_path / "daemon-credentials.json"
        creds.write_text(json.dumps({UNIT: sbx.PASSWORD}))
        os.chmod(creds, 0o600)
        cmd = [sys.executable, "-m", "bhxh_desk.app", "sync", "--daemon", "--store", pg_url, "--gateway", running.url,
               "--ca", str(running.ca), "--credentials", str(creds), "--interval", "0.2", "--exit-when-done",
               "--send-only",
               "--timeout", "10"]
        started = time.monotonic()
        procs = [subprocess.Popen(cmd, cwd=ROOT, env=sbx.app_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                  text=True) for _ in range(3)]
        outputs = [p.communicate(timeout=180) for p in procs]
        took = time.monotonic() - started
        assert all(f"{UNIT}" in out.splitlines()[0] for out, _ in outputs), outputs[0]      # says what it sends for
        per_process = [sum(1 for line in out.splitlines() if "/" in line and "#" in line) for out, _ in outputs]
        with Store(pg_url) as store:
            local = Outbox(store).all()
            attempts = sum(s.attempts for s in local)
        conn = sqlite3.connect(running.data / "sandbox.sqlite3")
        rows = conn.execute("SELECT so_ho_so, digest, idempotency_key FROM dossiers").fetchall()
        conn.close()
        assert len(local) == 200 and all(s.state in FILED and s.so_ho_so for s in local)
        assert attempts > 200                                   # the faults did bite
        assert len(rows) == 200, f"{len(rows) - 200} dossiers filed twice"
        assert len({r[1] for r in rows}) == 200 and {s.so_ho_so for s in local} == {r[0] for r in rows}
        assert sum(1 for n in per_process if n) >= 2            # the senders shared the work
        with capsys.disabled():
            print(f"\noffice soak: 200 dossiers by 3 senders ({per_process}), {attempts} uploads, {took:.1f} s; "
                  f"gateway (no dedupe, 25% replies lost, 10% resets) holds {len(rows)}, none twice")
    finally:
        running.stop()


def test_a_sender_files_only_for_the_accounts_it_holds_a_password_for(tmp_path, trust_files, pki, pg_url):
    from bhxh_desk.signing.signer import KeySigner

    leaf = pki.leaf(MST)
    signer = KeySigner(leaf.key, leaf.cert)
    data = tmp_path / "sandbox"
    data.mkdir()
    sbx.add_account(data, UNIT, "--tax-code", MST, "--name", "Công ty TNHH Hoa Sen")
    running = sbx.start(data, "--no-dedupe", trust=trust_files)
    try:
        register(running, signer)
        with Store(pg_url) as store:
            outbox = Outbox(store)
            ours = outbox.queue(signed(signer, 9001), gateway=running.url, account=UNIT, unit=UNIT)
            theirs = outbox.queue(b"<not ours/>", gateway=running.url, account="TB9999B", unit="TB9999B")
        creds = tmp_path / "accounts.json"
        creds.write_text(json.dumps({UNIT: sbx.PASSWORD}))
        cmd = [sys.executable, "-m", "bhxh_desk.app", "sync", "--daemon", "--store", pg_url, "--gateway", running.url,
               "--ca", str(running.ca), "--credentials", str(creds), "--exit-when-done", "--send-only"]
        os.chmod(creds, 0o644)
        refused = subprocess.run(cmd, cwd=ROOT, env={**sbx.app_env(), "BHXH_DESK_LANG": "en"}, capture_output=True,
                                 text=True, timeout=120)
        assert refused.returncode != 0 and "chmod 600" in refused.stderr
        os.chmod(creds, 0o600)
        done = subprocess.run(cmd, cwd=ROOT, env={**sbx.app_env(), "BHXH_DESK_LANG": "en"}, capture_output=True,
                              text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        assert f"can send for these accounts: {UNIT}." in done.stdout
        assert "no gateway password for account TB9999B" in done.stderr
        with Store(pg_url) as store:
            outbox = Outbox(store)
            assert outbox.get(ours.id).state in FILED and outbox.get(theirs.id).state is State.QUEUED
    finally:
        running.stop()
