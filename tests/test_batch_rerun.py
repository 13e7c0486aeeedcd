"""Re-running a signing batch never signs a finished dossier again (issue 18, deliver 10): a real SoftHSM2
token, the real command, real files."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

from hypothesis import given, settings
from hypothesis import strategies as st

from bhxh_desk.signing.dossier import verify_dossier
from tests.conftest import ROOT, minimal_dict


def sign(token, trust_files, drafts, out, pin_var="TEST_PIN", env=None) -> subprocess.CompletedProcess:
    root, inter = trust_files
    return subprocess.run(
        [sys.executable, "-m", "bhxh_desk.app", "sign", *map(str, drafts), "-o", str(out), "--pkcs11-module",
         str(token.module), "--pin-env", pin_var, "--trust", str(root), "--trust", str(inter), "--lang", "en"],
        capture_output=True, text=True, cwd=ROOT, timeout=300,
        env={**os.environ, "PYTHONPATH": str(ROOT), **(env or {})})


def make_drafts(folder, n=4):
    folder.mkdir()
    paths = []
    for i in range(n):
        d = minimal_dict()
        d["forms"]["D02-TS"][0]["Masobhxh"] = f"{i + 1:010d}"
        path = folder / f"draft{i}.json"
        path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
        paths.append(path)
    return paths


def digests(folder) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.glob("*.xml"))}


def test_a_finished_batch_run_again_signs_nothing_and_asks_no_pin(hsm, trust_files, tmp_path):
    drafts = make_drafts(tmp_path / "drafts")
    out = tmp_path / "signed"
    r = sign(hsm, trust_files, drafts, out)
    assert r.returncode == 0, r.stderr
    first = digests(out)
    assert len(first) == 4
    # No PIN at all this time: a run that tried to log in would fail.
    r = sign(hsm, trust_files, drafts, out, pin_var="NO_SUCH_PIN_VARIABLE")
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("already signed from this very draft by an earlier run") == 4
    assert sorted(r.stdout.split()) == sorted(str(out / n) for n in first)
    assert digests(out) == first                                    # not one byte signed again


def test_a_half_done_batch_signs_only_what_is_missing_or_changed(hsm, trust_files, tmp_path):
    drafts = make_drafts(tmp_path / "drafts")
    out = tmp_path / "signed"
    assert sign(hsm, trust_files, drafts, out).returncode == 0
    first = digests(out)
    (out / "draft1.xml").unlink()                                   # the run stopped before this one
    edited = json.loads(drafts[2].read_text(encoding="utf-8"))      # and this draft was corrected since
    edited["forms"]["D02-TS"][0]["tienLuong"] = "16.000.000"
    drafts[2].write_text(json.dumps(edited), encoding="utf-8")
    # The same content written differently is the same draft.
    drafts[3].write_text(json.dumps(json.loads(drafts[3].read_text(encoding="utf-8")), indent=4, sort_keys=True),
                         encoding="utf-8")
    r = sign(hsm, trust_files, drafts, out)
    assert r.returncode == 0, r.stderr
    now = digests(out)
    assert now["draft0.xml"] == first["draft0.xml"] and now["draft3.xml"] == first["draft3.xml"]
    assert now["draft2.xml"] != first["draft2.xml"]
    assert r.stderr.count("already signed from this very draft") == 2
    assert "draft0.xml: already signed" in r.stderr and "draft3.xml: already signed" in r.stderr
    for name in now:
        assert len(verify_dossier((out / name).read_bytes(), anchors=[], intermediates=[])) == 2


def test_a_signed_file_that_was_changed_is_signed_again(hsm, trust_files, tmp_path):
    drafts = make_drafts(tmp_path / "drafts", n=2)
    out = tmp_path / "signed"
    assert sign(hsm, trust_files, drafts, out).returncode == 0
    target = out / "draft0.xml"
    data = bytearray(target.read_bytes())
    data[data.index(b"<CKy_Dvi") - 20] ^= 1                         # one bit, somewhere in the envelope
    target.write_bytes(bytes(data))
    r = sign(hsm, trust_files, drafts, out)
    assert r.returncode == 0, r.stderr
    assert r.stderr.count("already signed") == 1 and "draft1.xml: already signed" in r.stderr
    assert len(verify_dossier(target.read_bytes(), anchors=[], intermediates=[])) == 2


def test_a_batch_on_a_server_reads_attachments_from_the_folder_it_is_given(hsm, trust_files, tmp_path):
    """Drafts in one folder, scans in another: only ``--attachments-from`` lets ``sign`` read them, and the
    re-run reads them the same way to know the draft is unchanged."""
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "qd.pdf").write_bytes((ROOT / "docs/examples/attachments/quyet-dinh-nghi-viec.pdf").read_bytes())
    drafts = make_drafts(tmp_path / "drafts", n=2)
    for path in drafts:
        d = json.loads(path.read_text(encoding="utf-8"))
        d["attachments"] = [{"name": "qd.pdf", "description": "Quyết định", "file": "../scans/qd.pdf"}]
        path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    out = tmp_path / "signed"
    r = sign(hsm, trust_files, drafts, out)
    assert r.returncode == 2 and "outside the folders it may be read from" in r.stderr, r.stderr
    extra = ["--attachments-from", str(scans)]
    root, inter = trust_files
    args = [sys.executable, "-m", "bhxh_desk.app", "sign", *map(str, drafts), "-o", str(out), "--pkcs11-module",
            str(hsm.module), "--pin-env", "TEST_PIN", "--trust", str(root), "--trust", str(inter), "--lang", "en",
            *extra]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert r.returncode == 0, r.stderr
    r = subprocess.run(args, capture_output=True, text=True, cwd=ROOT, timeout=300, env=env)
    assert r.returncode == 0 and r.stderr.count("already signed") == 2, r.stderr


def _one_shot(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def test_the_draft_digest_hashed_in_pieces_is_that_of_the_whole_text():
    """Records written before the digest was streamed must still match: the pieces hash to the digest of the
    one-shot JSON text, over more rows than one piece, an agent and an attachment."""
    from bhxh_desk.app.actions import batch
    from bhxh_desk.forms.draft import draft_from_dict
    from tests.conftest import example_dict

    d = example_dict()
    base = d["forms"]["D02-TS"][0]
    d["forms"]["D02-TS"] = [dict(base, Masobhxh=f"{i:010d}", Hoten=f"Người \"{i}\" ư") for i in range(2345)]
    draft = draft_from_dict(d)
    whole = hashlib.sha256(_one_shot(draft.to_dict()).encode("utf-8")).hexdigest()
    assert batch.draft_digest(draft) == whole
    assert batch.parts_digest([b"ab", memoryview(b"xcd")[1:], b""]) == hashlib.sha256(b"abcd").hexdigest()


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.tuples(inner, inner)
    | st.dictionaries(st.text(max_size=5), inner, max_size=4)
    | st.dictionaries(st.integers(), inner, max_size=3),
    max_leaves=30)


@settings(max_examples=300, deadline=None)
@given(json_values, st.integers(0, 4))
def test_json_pieces_join_to_the_one_shot_text(value, depth):
    from bhxh_desk.app.actions import batch

    assert "".join(batch._json_pieces(value, depth)) == _one_shot(value)
