"""Test mode's sandbox takes a free port at first start and keeps it: the README's walkthrough sandbox
(8765) and the open window never collide, and filed dossiers keep their gateway's address."""

from __future__ import annotations

import socket

from bhxh_desk.app.paths import default_paths
from bhxh_desk.app.settings import Settings
from bhxh_desk.app.testmode import port_is_free, sandbox_port


def test_the_port_is_chosen_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("BHXH_DESK_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("BHXH_DESK_SANDBOX_PORT", raising=False)
    busy = socket.socket()
    busy.bind(("127.0.0.1", 8765)) if port_is_free(8765) else None
    try:
        first = sandbox_port(Settings.load(default_paths()))
        assert first and first != 8765
        assert sandbox_port(Settings.load(default_paths())) == first      # read back from the settings file
    finally:
        busy.close()
    monkeypatch.setenv("BHXH_DESK_SANDBOX_PORT", "40123")
    assert sandbox_port(Settings.load(default_paths())) == 40123

