"""A draft's attachments are read only from where they may be, only as regular files, and never unbounded
(issue 18, deliver 1); a file the user picks is copied into the dossier's store and travels embedded."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bhxh_desk.forms import attachments as att
from bhxh_desk.forms.attachments import AttachmentFolders
from bhxh_desk.forms.draft import read_draft
from bhxh_desk.forms.errors import DraftError
from tests.conftest import EXAMPLE, ROOT, minimal_dict

PDF = (EXAMPLE.parent / "attachments" / "quyet-dinh-nghi-viec.pdf").read_bytes()


def cli(*args: str, home: Path, timeout: float = 60) -> subprocess.CompletedProcess:
    """The real command in its own process, with a timeout: a pipe that hangs the reader fails the test
    instead of hanging the suite."""
    env = dict(os.environ, PYTHONPATH=str(ROOT), BHXH_DESK_HOME=str(home))
    return subprocess.run([sys.executable, "-m", "bhxh_desk.app", *args], capture_output=True, text=True,
                          cwd=ROOT, env=env, timeout=timeout)


def draft_naming(folder: Path, file: str, name: str = "quyet-dinh.pdf") -> Path:
    d = minimal_dict()
    d["attachments"] = [{"name": name, "description": "Quyết định", "file": file}]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "draft.json"
    path.write_text(json.dumps(d, ensure_ascii=False), encoding="utf-8")
    return path


def refusal(path: Path, folders: AttachmentFolders | None = None) -> DraftError:
    with pytest.raises(DraftError) as info:
        read_draft(path, folders)
    return info.value


def test_a_file_in_the_drafts_own_folder_is_read(tmp_path):
    (tmp_path / "d" / "scans").mkdir(parents=True)
    (tmp_path / "d" / "scans" / "qd.pdf").write_bytes(PDF)
    draft = read_draft(draft_naming(tmp_path / "d", "scans/qd.pdf"))
    assert draft.attachments[0].content == PDF


def test_an_absolute_path_is_refused_naming_the_attachment(tmp_path):
    secret = tmp_path / "private" / "secret.pdf"
    secret.parent.mkdir()
    secret.write_bytes(PDF)
    err = refusal(draft_naming(tmp_path / "d", str(secret), name="bang-luong.pdf"))
    assert err.code == "attachment.absolute"
    for lang in ("vi", "en"):
        text = err.message(lang)
        assert "bang-luong.pdf" in text and str(secret) in text and "--adopt-attachments" in text


def test_dot_dot_out_of_the_folder_is_refused(tmp_path):
    (tmp_path / "secret.pdf").write_bytes(PDF)
    err = refusal(draft_naming(tmp_path / "d", "../secret.pdf"))
    assert err.code == "attachment.outside" and "quyet-dinh.pdf" in err.message("en")


def test_a_link_out_is_refused_and_a_link_inside_is_read(tmp_path):
    (tmp_path / "secret.pdf").write_bytes(PDF)
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "out.pdf").symlink_to(tmp_path / "secret.pdf")
    assert refusal(draft_naming(folder, "out.pdf")).code == "attachment.outside"
    (folder / "real.pdf").write_bytes(PDF)
    (folder / "in.pdf").symlink_to(folder / "real.pdf")
    assert read_draft(draft_naming(folder, "in.pdf")).attachments[0].content == PDF


def test_a_link_to_dev_zero_is_refused(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "zero.pdf").symlink_to("/dev/zero")
    assert refusal(draft_naming(folder, "zero.pdf")).code == "attachment.outside"


def test_a_device_is_refused_even_in_an_allowed_folder(tmp_path):
    err = refusal(draft_naming(tmp_path / "d", "/dev/zero"), AttachmentFolders((Path("/dev"),)))
    assert err.code == "attachment.not_regular" and err.params["kind"] == "device"


def test_a_size_over_the_limit_is_refused_before_reading(tmp_path, monkeypatch):
    folder = tmp_path / "d"
    folder.mkdir()
    with (folder / "big.pdf").open("wb") as fh:          # sparse: stat says 11 MB, the disk holds nothing
        fh.write(b"%PDF-")
        fh.truncate(att.MAX_ONE + 1)
    reads = []
    real_read = os.read
    monkeypatch.setattr(os, "read", lambda fd, n: reads.append(n) or real_read(fd, n))
    err = refusal(draft_naming(folder, "big.pdf"))
    assert err.code == "attachment.too_large" and err.params["limit_mb"] == 10
    assert reads == []


def test_many_files_stop_at_the_limit_of_the_whole_set(tmp_path, monkeypatch):
    monkeypatch.setattr(att, "MAX_ALL", 2 * len(PDF))
    monkeypatch.setattr("bhxh_desk.forms.draft.MAX_ALL", 2 * len(PDF))
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "a.pdf").write_bytes(PDF)
    d = minimal_dict()
    d["attachments"] = [{"name": f"{i}.pdf", "file": "a.pdf"} for i in range(3)]
    (folder / "draft.json").write_text(json.dumps(d), encoding="utf-8")
    assert refusal(folder / "draft.json").code == "attachment.total"


def test_another_folder_is_read_only_when_allowed(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "qd.pdf").write_bytes(PDF)
    path = draft_naming(tmp_path / "drafts", "../scans/qd.pdf")
    assert refusal(path).code == "attachment.outside"
    assert read_draft(path, AttachmentFolders((scans,))).attachments[0].content == PDF
    # Allowing another folder replaces the default: the draft's own folder is no longer read.
    (tmp_path / "drafts" / "own.pdf").write_bytes(PDF)
    own = draft_naming(tmp_path / "drafts", "own.pdf")
    assert refusal(own, AttachmentFolders((scans,))).code == "attachment.outside"


def test_a_pipe_does_not_hang_validate_or_build(tmp_path):
    folder = tmp_path / "d"
    folder.mkdir()
    os.mkfifo(folder / "pipe.pdf")
    path = draft_naming(folder, "pipe.pdf")
    for command in (["validate", str(path)], ["build", str(path), "-o", str(tmp_path / "out.xml")]):
        r = cli(*command, "--lang", "en", home=tmp_path / "home", timeout=60)
        assert r.returncode == 2, r.stderr
        assert "is not a regular file (pipe)" in r.stderr and "quyet-dinh.pdf" in r.stderr
        assert "Unexpected" not in r.stderr and "Traceback" not in r.stderr
    assert not (tmp_path / "out.xml").exists()


def test_dev_zero_from_the_command_line_is_refused_quickly(tmp_path):
    path = draft_naming(tmp_path / "d", "/dev/zero")
    r = cli("validate", str(path), "--lang", "en", home=tmp_path / "home", timeout=60)
    assert r.returncode == 2 and "absolute path (/dev/zero)" in r.stderr, r.stderr
    r = cli("validate", str(path), "--attachments-from", "/dev", "--lang", "en", home=tmp_path / "home")
    assert r.returncode == 2 and "not a regular file (device)" in r.stderr, r.stderr


def test_attachments_from_option_on_the_command_line(tmp_path):
    scans = tmp_path / "scans"
    scans.mkdir()
    (scans / "qd.pdf").write_bytes(PDF)
    path = draft_naming(tmp_path / "drafts", "../scans/qd.pdf")
    assert cli("validate", str(path), home=tmp_path / "home").returncode == 2
    r = cli("validate", str(path), "--attachments-from", str(scans), home=tmp_path / "home")
    assert r.returncode == 0, r.stdout + r.stderr


# ---------------------------------------------------------------- the store: picker, export, adoption


def test_a_chosen_file_is_copied_into_the_store_and_exported_embedded(tmp_path):
    from bhxh_desk.app.actions.attachments import attach_file, remove_attachment
    from bhxh_desk.app.store import Store
    from bhxh_desk.forms.draft import draft_from_dict

    chosen = tmp_path / "Downloads" / "giay-uy-quyen.pdf"
    chosen.parent.mkdir()
    chosen.write_bytes(PDF)
    with Store(tmp_path / "store.sqlite") as store:
        draft_id = store.create_draft(draft_from_dict(minimal_dict()))
        got = attach_file(store, draft_id, chosen, description="Giấy ủy quyền", kind="GUQ")
        assert got.name == "giay-uy-quyen.pdf"
        chosen.unlink()                                  # the store keeps its own copy
        stored = store.load_draft(draft_id)
        assert [(a.name, a.kind, a.content) for a in stored.attachments] == [("giay-uy-quyen.pdf", "GUQ", PDF)]
        exported = json.loads(stored.to_json())
        assert base64.b64decode(exported["attachments"][0]["content_base64"]) == PDF
        assert remove_attachment(store, draft_id, 0).name == "giay-uy-quyen.pdf"
        assert store.load_draft(draft_id).attachments == []


@pytest.mark.parametrize("kind", ["pipe", "device", "wrong type"])
def test_the_picker_refuses_what_cannot_go(tmp_path, kind):
    from bhxh_desk.app.actions.attachments import attach_file
    from bhxh_desk.app.store import Store
    from bhxh_desk.forms.draft import draft_from_dict

    if kind == "pipe":
        path = tmp_path / "p.pdf"
        os.mkfifo(path)
    elif kind == "device":
        path = Path("/dev/zero")
    else:
        path = tmp_path / "run.exe"
        path.write_bytes(b"MZ\x90\x00")
    with Store(tmp_path / "store.sqlite") as store:
        draft_id = store.create_draft(draft_from_dict(minimal_dict()))
        with pytest.raises(DraftError) as info:
            attach_file(store, draft_id, path)
        assert info.value.code == ("attachment.type" if kind == "wrong type" else "attachment.not_regular")
        assert store.load_draft(draft_id).attachments == []


def test_the_picker_keeps_the_whole_set_within_its_limit(tmp_path, monkeypatch):
    from bhxh_desk.app.actions.attachments import attach_file
    from bhxh_desk.app.store import Store
    from bhxh_desk.forms.draft import draft_from_dict

    monkeypatch.setattr(att, "MAX_ALL", len(PDF) + 10)
    chosen = tmp_path / "a.pdf"
    chosen.write_bytes(PDF)
    with Store(tmp_path / "store.sqlite") as store:
        draft_id = store.create_draft(draft_from_dict(minimal_dict()))
        attach_file(store, draft_id, chosen)
        with pytest.raises(DraftError) as info:
            attach_file(store, draft_id, chosen)
        assert info.value.code == "attachment.total"
        assert len(store.load_draft(draft_id).attachments) == 1


def test_a_release_0_1_draft_with_an_absolute_path_is_adopted_into_the_store(tmp_path):
    """Today's release wrote absolute paths; such a draft opens with a message that names the command, and
    that one command brings the file into the store."""
    scan = tmp_path / "elsewhere" / "quyet-dinh.pdf"
    scan.parent.mkdir()
    scan.write_bytes(PDF)
    path = draft_naming(tmp_path / "drafts", str(scan))
    home = tmp_path / "home"
    r = cli("drafts", "--lang", "en", "import", str(path), home=home)
    assert r.returncode == 2 and "drafts import --adopt-attachments" in r.stderr, r.stderr
    assert "Unexpected" not in r.stderr
    r = cli("drafts", "import", "--adopt-attachments", str(path), home=home)
    assert r.returncode == 0, r.stderr
    draft_id = int(r.stdout.split()[0])
    scan.unlink()
    out = tmp_path / "exported.json"
    r = cli("drafts", "export", str(draft_id), "-o", str(out), home=home)
    assert r.returncode == 0, r.stderr
    assert read_draft(out).attachments[0].content == PDF


def test_drafts_attach_on_the_command_line(tmp_path):
    home = tmp_path / "home"
    draft = tmp_path / "d.json"
    draft.write_text(json.dumps(minimal_dict()), encoding="utf-8")
    r = cli("drafts", "import", str(draft), home=home)
    draft_id = r.stdout.split()[0]
    (tmp_path / "gdyk.pdf").write_bytes(PDF)
    r = cli("drafts", "attach", draft_id, str(tmp_path / "gdyk.pdf"), "--kind", "GDYK", home=home)
    assert r.returncode == 0 and "gdyk.pdf" in r.stdout, r.stderr
    r = cli("drafts", "--lang", "en", "attach", draft_id, "/dev/zero", home=home)
    assert r.returncode == 2 and "not a regular file (device)" in r.stderr, r.stderr
