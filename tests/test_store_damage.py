"""A damaged store is never written, a foreign file is never replaced, and what can be read is recovered
(issue 18, deliver 8): real SQLite files, damaged the way a disk or a cut copy damages them, and the real
command line."""

from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bhxh_desk.app.store import Store
from bhxh_desk.app.store.health import Health
from bhxh_desk.forms.draft import draft_from_dict
from bhxh_desk.forms.errors import StoreError
from tests.conftest import ROOT, minimal_dict

PAGE = 4096


def cli(*args: str, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PYTHONPATH=str(ROOT), BHXH_DESK_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "bhxh_desk.app", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=120)


def big_draft(rows: int = 1500):
    d = minimal_dict()
    row = d["forms"]["D02-TS"][0]
    d["forms"]["D02-TS"] = [dict(row, ghiChu=f"{'ghi chú ' * 20}{i}") for i in range(rows)]
    return draft_from_dict(d)


def filled_store(path: Path, drafts: int = 4) -> int:
    """A real store of several thousand rows, closed cleanly; returns how many form rows it holds."""
    with Store(path) as store:
        for _ in range(drafts):
            store.create_draft(big_draft())
    return drafts * 1500


def damage_middle(path: Path, pages: int = 12, seed: int = 18) -> None:
    """What a bad sector or a copy cut short does: pages in the middle of the file overwritten (as `dd
    conv=notrunc` would), the first page and the end left alone."""
    size = path.stat().st_size
    assert size > 100 * PAGE
    first = (size // PAGE) // 2
    rng = random.Random(seed)
    with path.open("r+b") as fh:
        fh.seek(first * PAGE)
        fh.write(bytes(rng.randrange(256) for _ in range(pages * PAGE)))


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_drafts_import_into_a_store_damaged_mid_file_fails_with_the_message(tmp_path):
    home = tmp_path / "home"
    store = home / "data" / "bhxh-desk.sqlite3"
    store.parent.mkdir(parents=True)
    filled_store(store)
    damage_middle(store)
    before = sha(store)
    draft = tmp_path / "d.json"
    draft.write_text(json.dumps(minimal_dict()), encoding="utf-8")
    for lang, words in (("en", "is damaged"), ("vi", "bị hỏng")):
        r = cli("drafts", "--lang", lang, "import", str(draft), home=home)
        assert r.returncode == 2, r.stdout + r.stderr
        assert words in r.stderr and str(store) in r.stderr and "bhxh-desk store recover" in r.stderr
        assert r.stderr.count(words) == 1                  # told once, not again when the import fails
        assert "Unexpected" not in r.stderr and "không mong muốn" not in r.stderr and not r.stdout
    assert sha(store) == before                          # not one byte written
    log = (home / "logs" / "bhxh-desk.log").read_text(encoding="utf-8")
    assert "changed while no bhxh-desk had it open; running a full check" in log


def test_damage_found_by_any_read_stops_writes_at_once_everywhere(tmp_path):
    """Another process has the store open (so nothing is compared at open); a read of a bad page marks the
    store, and from then on a write that would not even touch that page is refused, in this connection, in
    another connection, and in a new process."""
    path = tmp_path / "s.sqlite3"
    filled_store(path)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom bhxh_desk.app.store import Store\n"
                               "s = Store(sys.argv[1]); print('open', flush=True); time.sleep(600)", str(path)],
                              stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "open"
        damage_middle(path)
        with Store(path) as a, Store(path) as b:
            assert Health(path).damage() is None           # not compared at open: another process has it
            with pytest.raises(StoreError) as info:
                for draft_id in range(1, 5):
                    a.load_draft(draft_id)
            assert info.value.code == "store.damaged"
            assert str(path) in info.value.message("en") and "store recover" in info.value.message("vi")
            for store in (a, b):
                with pytest.raises(StoreError) as info:
                    store.upsert_unit(draft_from_dict(minimal_dict()).unit)
                assert info.value.code == "store.damaged"
        r = cli("drafts", "--store", str(path), "import", str(ROOT / "docs/examples/600-bao-tang-giam.json"),
                home=tmp_path / "home")
        assert r.returncode == 2 and "store recover" in r.stderr, r.stderr
    finally:
        holder.kill()
        holder.wait()


def test_store_check_and_recover_from_the_command_line(tmp_path):
    home = tmp_path / "home"
    path = tmp_path / "s.sqlite3"
    rows = filled_store(path)
    conn = sqlite3.connect(path)
    before = {(d, f, q): c for d, f, q, c in conn.execute("SELECT draft_id, form, seq, content FROM draft_rows")}
    conn.close()
    damage_middle(path)
    damaged = sha(path)
    r = cli("store", "--lang", "en", "check", "--store", str(path), home=home)
    assert r.returncode == 1 and "is damaged" in r.stderr and "store recover" in r.stderr, r.stderr
    r = cli("store", "--lang", "en", "recover", "--store", str(path), home=home)
    assert r.returncode == 0, r.stderr
    assert "tables with unreadable parts: draft_rows" in r.stdout
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("s.sqlite3.damaged-") and p.suffix != ".sqlite3-wal"
            and not p.name.endswith(("-wal", "-shm"))]
    assert len(kept) == 1 and sha(kept[0]) == damaged                     # the old file, kept as it was
    recovered = r
    r = cli("store", "check", "--store", str(path), home=home)
    assert r.returncode == 0 and "không có lỗi" in r.stdout, r.stderr
    r = recovered
    conn = sqlite3.connect(path)
    after = {(d, f, q): c for d, f, q, c in conn.execute("SELECT draft_id, form, seq, content FROM draft_rows")}
    conn.close()
    # Every row back but those on the 12 overwritten pages (at most 15 a page here), those under a
    # destroyed inner page of the tree too (read page by page), and each exactly as it was.
    assert rows - 12 * 15 <= len(after) < rows
    assert all(before[key] == content for key, content in after.items())
    assert "read page by page" in r.stdout or "đọc từng trang" in r.stdout
    with Store(path) as store:
        assert len(store.drafts()) == 4
        store.create_draft(draft_from_dict(minimal_dict()))  # and it takes writes again


def test_a_zero_byte_store_with_no_wal_is_initialised_and_logged(tmp_path):
    home = tmp_path / "home"
    store = home / "data" / "bhxh-desk.sqlite3"
    store.parent.mkdir(parents=True)
    store.write_bytes(b"")
    draft = tmp_path / "d.json"
    draft.write_text(json.dumps(minimal_dict()), encoding="utf-8")
    r = cli("drafts", "import", str(draft), home=home)
    assert r.returncode == 0, r.stderr
    log = (home / "logs" / "bhxh-desk.log").read_text(encoding="utf-8")
    assert f"store {store} was an empty file (an interrupted first start); initialised" in log
    with Store(store) as s:
        assert len(s.drafts()) == 1


@pytest.mark.parametrize("kind", ["text", "another program's SQLite"])
def test_a_foreign_file_is_reported_and_never_replaced(tmp_path, kind):
    path = tmp_path / "s.sqlite3"
    if kind == "text":
        path.write_bytes("Bảng lương tháng 3\n".encode() * 200)
    else:
        conn = sqlite3.connect(path)
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total INTEGER)")
        conn.execute("INSERT INTO invoices (total) VALUES (42)")
        conn.commit()
        conn.close()
    before = sha(path)
    with pytest.raises(StoreError) as info:
        Store(path)
    assert info.value.code == "store.foreign" and str(path) in info.value.message("en")
    # the reason reads in the message's language (it said "(not a SQLite database)" in Vietnamese)
    why_vi = "không phải tệp SQLite" if kind == "text" else "tệp SQLite của chương trình khác: invoices"
    assert why_vi in info.value.message("vi") and "database" not in info.value.message("vi")
    r = cli("drafts", "--store", str(path), "list", home=tmp_path / "home")
    assert r.returncode == 2 and "not a bhxh-desk store" not in r.stderr and "không phải kho" in r.stderr
    r = cli("store", "recover", "--store", str(path), home=tmp_path / "home")
    assert r.returncode == 2 and "không phải kho" in r.stderr
    assert sha(path) == before
    assert not [p for p in tmp_path.iterdir() if ".damaged-" in p.name or ".recovering-" in p.name]


def test_after_a_kill_9_the_next_open_checks_the_whole_file(tmp_path):
    """A session left by a process that is gone means the last shutdown was not clean: a full check runs,
    and finds damage that was made meanwhile."""
    path = tmp_path / "s.sqlite3"
    filled_store(path)
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom bhxh_desk.app.store import Store\n"
                              "s = Store(sys.argv[1]); print('open', flush=True); time.sleep(600)", str(path)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "open"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert Health(path).why_check() == "the last shutdown was not clean"
    # The check itself, on a sound file, passes and leaves the store writable.
    child = subprocess.Popen([sys.executable, "-c", "import sys, time\nfrom bhxh_desk.app.store import Store\n"
                              "s = Store(sys.argv[1]); print('open', flush=True); time.sleep(600)", str(path)],
                             stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert child.stdout.readline().strip() == "open"
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    damage_middle(path)
    with Store(path) as store:
        assert Health(path).damage() is not None
        with pytest.raises(StoreError) as info:
            store.create_draft(draft_from_dict(minimal_dict()))
        assert info.value.code == "store.damaged"


def test_recover_reads_what_is_still_only_in_the_wal(tmp_path):
    """A writer killed with its last commits still in the WAL, and pages of the file damaged: the recovered
    store has those commits too, exactly as written."""
    path = tmp_path / "s.sqlite3"
    filled_store(path)
    child = subprocess.Popen([sys.executable, "-c", (
        "import sys, sqlite3\nfrom bhxh_desk.app.store import Store\n"
        "from bhxh_desk.forms.draft import draft_from_dict\nfrom tests.conftest import minimal_dict\n"
        "s = Store(sys.argv[1])\nd = minimal_dict(); row = d['forms']['D02-TS'][0]\n"
        "d['forms']['D02-TS'] = [dict(row, ghiChu=f'wal {i}') for i in range(300)]\n"
        "print(s.create_draft(draft_from_dict(d)), flush=True)\nimport time; time.sleep(600)"), str(path)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT)
    new_id = int(child.stdout.readline())
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    wal = path.with_name(path.name + "-wal")
    assert wal.stat().st_size > 300 * 100     # the new draft is in the WAL (under SQLite's 1,000-page checkpoint)
    damage_middle(path, pages=6)
    r = cli("store", "recover", "--store", str(path), home=tmp_path / "home")
    assert r.returncode == 0, r.stderr
    conn = sqlite3.connect(path)
    got = conn.execute("SELECT count(*) FROM draft_rows WHERE draft_id = ? AND content LIKE '%wal %'",
                       (new_id,)).fetchone()[0]
    conn.close()
    assert got == 300
