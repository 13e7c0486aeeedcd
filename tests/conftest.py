from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest

from bhxh_desk.forms.draft import Draft, draft_from_dict

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "docs" / "examples" / "600-bao-tang-giam.json"


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test touches the real user folders."""
    monkeypatch.setenv("BHXH_DESK_HOME", str(tmp_path / "home"))


def example_dict() -> dict:
    """The example draft, with its attachment embedded so that the dict can be written anywhere."""
    import base64

    d = copy.deepcopy(json.loads(EXAMPLE.read_text(encoding="utf-8")))
    for a in d.get("attachments", []):
        if "file" in a:
            a["content_base64"] = base64.b64encode((EXAMPLE.parent / a.pop("file")).read_bytes()).decode()
    return d


def example_draft() -> Draft:
    return draft_from_dict(example_dict())


def minimal_dict() -> dict:
    """A valid 600 dossier with one D02-TS adjustment row, as a base for single-mistake tests."""
    d = example_dict()
    d.pop("attachments", None)
    d["forms"] = {
        "D02-TS": [
            {"pa": "DC", "Hoten": "Phạm Quốc Huy", "Masobhxh": "0123456789", "Ngaysinh": "12/05/1988",
             "Gioitinh": "1", "chucVu": "Trưởng phòng", "tienLuong": "15.000.000", "tuThang": "03/2026",
             "maVungLTT": "01"},
        ]
    }
    return d


@pytest.fixture
def example() -> Draft:
    return example_draft()


# ---------------------------------------------------------------- signing fixtures

@pytest.fixture(scope="session")
def pki():
    from tests.pki import TestPKI

    return TestPKI.create()


@pytest.fixture(scope="session")
def token(tmp_path_factory, pki):
    """A real SoftHSM2 token with an RSA-2048 key made on it and a certificate from the test PKI."""
    from tests.softhsm import create_token

    return create_token(tmp_path_factory.mktemp("softhsm"), pki)


@pytest.fixture
def hsm(token, monkeypatch):
    """The session token, visible to this test and to the processes it starts."""
    monkeypatch.setenv("SOFTHSM2_CONF", str(token.conf))
    monkeypatch.setenv("TEST_PIN", token.pin)
    return token


@pytest.fixture
def trust_files(tmp_path, pki):
    root = tmp_path / "root.pem"
    root.write_bytes(pki.root.pem())
    inter = tmp_path / "intermediate.pem"
    inter.write_bytes(pki.intermediate.pem())
    return root, inter


# ---------------------------------------------------------------- the window outside test mode

def offline_home(tmp_path, monkeypatch):
    """A user folder whose settings say: not test mode (no sandbox), for the window tests."""
    import json

    home = tmp_path / "home"
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "settings.json").write_text(json.dumps({"test_mode": False}))
    monkeypatch.setenv("BHXH_DESK_HOME", str(home))
    return home


@pytest.fixture
def offline_app(qtbot, tmp_path, monkeypatch):
    """The app outside test mode, on its own store, its window built."""
    offline_home(tmp_path, monkeypatch)
    from bhxh_desk.app.ui.qt_app import Application

    app = Application(["bhxh-desk"])
    qtbot.addWidget(app.build())
    yield app
    app.window.runner.wait(30_000)
    app.close()


@pytest.fixture
def offline(offline_app):
    """The window of ``offline_app``."""
    return offline_app.window


@pytest.fixture
def window(offline, qtbot):
    """The window outside test mode, shown and active: key events go to it (the typing, picker, keyboard
    and state tests; a test file may define its own)."""
    offline.activateWindow()
    qtbot.waitExposed(offline)
    return offline


# ---------------------------------------------------------------- the office store (a real PostgreSQL)

@pytest.fixture(scope="session")
def postgres_server():
    """One PostgreSQL cluster for the session (tests/postgres.py); skipped only when BHXH_DESK_SKIP_POSTGRES=1."""
    import os

    if os.environ.get("BHXH_DESK_SKIP_POSTGRES") == "1":
        pytest.skip("BHXH_DESK_SKIP_POSTGRES=1")
    from tests import postgres

    try:
        server = postgres.start()
    except (RuntimeError, OSError, ImportError) as exc:      # missing PostgreSQL fails, never skips
        pytest.fail(f"no PostgreSQL for the office store tests: {exc}")
    yield server
    from bhxh_desk.app.store.postgres import close_pools

    close_pools()
    server.stop()


@pytest.fixture
def pg_url(postgres_server):
    """The URL of a fresh, empty office store on the session's server."""
    return postgres_server.store_url()
