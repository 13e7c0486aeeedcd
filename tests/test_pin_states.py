"""The token's PIN state (ok, low, final try, locked, unknown) through a PKCS#11 module that reports it.

SoftHSM2 keeps no retry counter, so these tests compile tests/pkcs11_pin_shim.c, a module over SoftHSM2
that keeps one (in a file per token, as a chip keeps it across processes) and sets the PKCS#11 flags.
Everything above the module is the real program: the token helper process, the command line, the prompts.
"""

from __future__ import annotations

import contextlib
import os
import pty
import select
import sys
import time

import pytest

from bhxh_desk.signing.errors import TokenError
from bhxh_desk.signing.token.client import TokenHelper
from tests.conftest import EXAMPLE, ROOT
from tests.softhsm import CountingToken, build_pin_shim, create_token
from tests.test_signing import Scripted, cli, sign_cli


@pytest.fixture(scope="module")
def shim(tmp_path_factory):
    return build_pin_shim(tmp_path_factory.mktemp("shim"))


@pytest.fixture(scope="module")
def shim_token(tmp_path_factory, pki):
    return create_token(tmp_path_factory.mktemp("counting-hsm"), pki, label="COUNTING TOKEN")


@pytest.fixture
def counting(shim, shim_token, tmp_path, monkeypatch) -> CountingToken:
    """The token through the shim, with a fresh counter (3 tries) for each test."""
    c = CountingToken(shim_token, shim, tmp_path / "pin-state")
    for key, value in c.env().items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("TEST_PIN", shim_token.pin)
    return c


class Via:
    """``sign_cli`` wants an object with the module to load: the shim, not SoftHSM2 itself."""

    def __init__(self, module):
        self.module = module


# ---------------------------------------------------------------- tokens

@pytest.mark.parametrize(("left", "vi", "en", "state"), [
    (3, "bình thường", "ok", "ok"),
    (2, "đã có lần nhập sai", "low (wrong tries made)", "low"),
    (1, "chỉ còn MỘT lần thử", "final try", "final_try"),
    (0, "đã khóa", "locked", "locked"),
])
def test_tokens_shows_the_pin_state(counting, left, vi, en, state):
    counting.set_tries_left(left)
    r = cli("tokens", "--pkcs11-module", str(counting.module))
    assert r.returncode == 0, r.stderr
    (line,) = [x for x in r.stdout.splitlines() if x.startswith("COUNTING TOKEN")]
    assert line.endswith(f"PIN: {vi}")
    r = cli("tokens", "--pkcs11-module", str(counting.module), "--lang", "en")
    assert f"PIN: {en}" in r.stdout
    r = cli("tokens", "--pkcs11-module", str(counting.module), "--json")
    assert f'"pin_state": "{state}"' in r.stdout
    assert counting.tries_left() == left             # listing never touches the counter


def test_a_token_without_a_counter_is_unknown(counting):
    r = cli("tokens", "--pkcs11-module", str(counting.token.module), "--lang", "en")    # SoftHSM2 itself
    assert r.returncode == 0, r.stderr
    assert "PIN: unknown (the token reports no retry counter)" in r.stdout


# ---------------------------------------------------------------- the helper and the prompter

def test_each_wrong_pin_brings_the_state_the_token_reports(counting):
    prompter = Scripted(["0000-wrong", "1111-wrong"])       # then None: the person stops at the last try
    with TokenHelper(counting.module) as helper:
        cert = helper.find()
        assert cert.token.pin.state == "ok"
        with pytest.raises(TokenError) as info, helper.session(cert, prompter):
            pass
    assert info.value.code == "token.wrong_pin_final"
    assert [r.status.state for r in prompter.requests] == ["ok", "low", "final_try"]
    assert [r.previous_error for r in prompter.requests] == [None, "token.wrong_pin_low", "token.wrong_pin_final"]
    assert counting.tries_left() == 1

    prompter = Scripted([counting.token.pin])
    with TokenHelper(counting.module) as helper:
        cert = helper.find()
        assert cert.token.pin.state == "final_try"
        with helper.session(cert, prompter) as session:
            assert len(session.sign(b"data")) == 256
    assert counting.tries_left() == 3                       # a good PIN resets the counter, as a chip does


def test_a_locked_token_is_never_asked(counting):
    import PyKCS11

    counting.set_tries_left(0)
    prompter = Scripted([counting.token.pin])
    with TokenHelper(counting.module) as helper:
        cert = helper.find()
        assert cert.token.pin.state == "locked"
        with pytest.raises(TokenError) as info, helper.session(cert, prompter):
            pass
    assert info.value.code == "token.pin_locked" and prompter.requests == []
    # and the shim does lock: even the right PIN is refused without being tried
    lib = PyKCS11.PyKCS11Lib()
    lib.load(str(counting.module))
    slot = next(s for s in lib.getSlotList(tokenPresent=True)
                if lib.getTokenInfo(s).label.strip() == "COUNTING TOKEN")
    session = lib.openSession(slot)
    with pytest.raises(PyKCS11.PyKCS11Error) as err:
        session.login(counting.token.pin)
    assert err.value.value == PyKCS11.CKR_PIN_LOCKED
    session.closeSession()


# ---------------------------------------------------------------- --pin-env

@pytest.mark.parametrize(("left", "says"), [
    (2, "reports earlier wrong PIN tries, so the PIN in the environment variable TEST_PIN is not used"),
    (1, "reports ONE PIN try left, so the PIN in the environment variable TEST_PIN is not used"),
    (0, "The token's PIN is locked"),
])
def test_a_script_pin_is_never_used_on_a_token_that_warns(counting, trust_files, tmp_path, left, says):
    counting.set_tries_left(left)
    out = tmp_path / "signed.xml"
    r = sign_cli(Via(counting.module), trust_files, str(EXAMPLE), out=out, extra=("--lang", "en"))
    assert r.returncode == 2, r.stdout
    assert says in r.stderr and "Traceback" not in r.stderr
    assert counting.tries_left() == left and not out.exists()


def test_a_stale_script_pin_spends_one_try_and_never_locks_the_token(counting, trust_files, tmp_path):
    """The probe of issue 18: a script with a stale PIN locked a real token in three runs."""
    out = tmp_path / "signed.xml"
    for run in range(4):
        r = sign_cli(Via(counting.module), trust_files, str(EXAMPLE), out=out, env={"TEST_PIN": "stale-0000"},
                     extra=("--lang", "en"))
        assert r.returncode == 2
        assert ("Wrong PIN" if run == 0 else "is not used") in r.stderr
    assert counting.tries_left() == 2 and not out.exists()


def test_a_script_pin_signs_when_the_token_is_ok(counting, trust_files, tmp_path):
    out = tmp_path / "signed.xml"
    r = sign_cli(Via(counting.module), trust_files, str(EXAMPLE), out=out, extra=("--lang", "en"))
    assert r.returncode == 0, r.stderr
    assert out.exists() and "retry counter" not in r.stderr
    assert counting.tries_left() == 3


def test_a_script_pin_on_a_token_without_a_counter_goes_with_a_note(counting, trust_files, tmp_path):
    out = tmp_path / "signed.xml"
    r = sign_cli(Via(counting.token.module), trust_files, str(EXAMPLE), out=out, extra=("--lang", "en"))
    assert r.returncode == 0, r.stderr
    assert "reports no PIN retry counter; the PIN in TEST_PIN is tried once only" in r.stderr
    assert out.exists()


# ---------------------------------------------------------------- the terminal

class Terminal:
    """``bhxh-desk`` on a pseudo-terminal, as a person runs it: read the screen, type a line."""

    def __init__(self, *args: str) -> None:
        self.pid, self.fd = pty.fork()
        if self.pid == 0:          # the child: the pty is its controlling terminal, as getpass wants
            os.chdir(ROOT)
            os.execve(sys.executable, [sys.executable, "-m", "bhxh_desk.app", *args],
                      {**os.environ, "PYTHONPATH": str(ROOT)})
        self.screen = ""
        self.seen = 0          # what the last wait found ends here: the next looks only after it

    def wait_for(self, text: str, timeout: float = 60.0) -> str:
        end = time.monotonic() + timeout
        while text not in self.screen[self.seen:]:
            left = end - time.monotonic()
            assert left > 0, f"{text!r} never appeared; the screen:\n{self.screen}"
            ready, _, _ = select.select([self.fd], [], [], left)
            if ready:
                try:
                    chunk = os.read(self.fd, 4096)
                except OSError:
                    chunk = b""
                assert chunk, f"the program ended before {text!r}; the screen:\n{self.screen}"
                self.screen += chunk.decode(errors="replace")
        self.seen = self.screen.index(text, self.seen) + len(text)
        return self.screen

    def type(self, line: str) -> None:
        os.write(self.fd, line.encode() + b"\r")

    def exit_code(self, timeout: float = 60.0) -> int:
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with_data, _, _ = select.select([self.fd], [], [], 0.2)
            if with_data:
                with contextlib.suppress(OSError):
                    self.screen += os.read(self.fd, 4096).decode(errors="replace")
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                os.close(self.fd)
                return os.waitstatus_to_exitcode(status)
        os.kill(self.pid, 9)
        raise AssertionError(f"the program did not end; the screen:\n{self.screen}")


def test_the_prompt_warns_and_asks_before_the_last_try(counting, trust_files, tmp_path, monkeypatch):
    monkeypatch.delenv("TEST_PIN")
    root, inter = trust_files
    out = tmp_path / "signed.xml"
    args = ("sign", str(EXAMPLE), "-o", str(out), "--pkcs11-module", str(counting.module), "--trust", str(root),
            "--trust", str(inter), "--lang", "en")
    term = Terminal(*args)
    term.wait_for("PIN for token COUNTING TOKEN")
    term.type("0000-wrong")
    term.wait_for("check carefully before trying again")
    term.wait_for("PIN for token")
    term.type("1111-wrong")
    term.wait_for("ONE try is left: another wrong PIN locks the token.")
    term.wait_for('Use the last try? Type "yes" to go on, anything else to stop:')
    term.type("no")
    assert term.exit_code() == 2
    assert "Stopped before the last PIN try: token COUNTING TOKEN" in term.screen
    assert counting.tries_left() == 1 and not out.exists()
    assert term.screen.count("PIN for token") == 2            # the third PIN was never asked

    term = Terminal(*args)                                      # the next run: the token says final try
    term.wait_for("Token COUNTING TOKEN")
    term.wait_for("reports ONE PIN try left")
    term.wait_for('Type "yes" to go on')
    term.type("yes")
    term.wait_for("PIN for token")
    term.type(counting.token.pin)
    assert term.exit_code() == 0, term.screen
    assert out.exists() and counting.tries_left() == 3
    assert counting.token.pin not in term.screen               # typed without echo


# ---------------------------------------------------------------- the window's signing dialog

def signing_dialog(qtbot, tmp_path, module, trust):
    """The window's signing dialog over a store holding one valid dossier of the token's unit."""
    pytest.importorskip("pytestqt")
    from bhxh_desk.app.actions.checking import record_check
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.ui.signing_dialog import SigningDialog
    from bhxh_desk.app.ui.tasks import TaskRunner
    from bhxh_desk.forms.draft import draft_from_dict
    from tests.conftest import minimal_dict

    store = Store(tmp_path / "store.sqlite3")
    draft_id = store.create_draft(draft_from_dict(minimal_dict()))
    record_check(store, draft_id, 0)
    runner = TaskRunner()
    dialog = SigningDialog(runner, store.path, [draft_id], module=str(module), extra_trust=[str(p) for p in trust],
                           lang="en")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitUntil(lambda: dialog.cert_box.count() == 1 and dialog.checked is not None, timeout=60_000)
    return dialog, store, draft_id, runner


def test_the_dialog_shows_the_state_and_asks_before_the_last_try(qtbot, counting, trust_files, tmp_path):
    from PySide6.QtCore import Qt

    from bhxh_desk.app.workflow import State

    counting.set_tries_left(1)
    dialog, store, draft_id, runner = signing_dialog(qtbot, tmp_path, counting.module, trust_files)
    assert dialog.pin_state.text() == "final try"
    assert dialog.final_try.isVisible() and not dialog.final_try.isChecked()
    assert dialog.pin.isEnabled() and not dialog.sign_button.isEnabled()     # the box must be ticked first
    qtbot.keyClicks(dialog.pin, counting.token.pin)
    qtbot.keyClick(dialog.pin, Qt.Key.Key_Return)                            # Enter does not go around it
    assert store.draft_info(draft_id).state is State.VALID and counting.tries_left() == 1
    dialog.final_try.click()
    assert dialog.sign_button.isEnabled()
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: store.draft_info(draft_id).state is State.SIGNED, timeout=60_000)
    assert counting.tries_left() == 3
    qtbot.waitUntil(lambda: dialog.pin_state.text() == "ok", timeout=10_000)     # the good PIN reset it
    assert not dialog.final_try.isVisible()
    runner.wait(30_000)
    store.close()


def test_the_dialog_warns_after_each_wrong_pin_and_never_offers_a_locked_token(qtbot, counting, trust_files,
                                                                               tmp_path):
    from PySide6.QtCore import Qt

    dialog, store, _, runner = signing_dialog(qtbot, tmp_path, counting.module, trust_files)
    assert dialog.pin_state.text() == "ok" and dialog.sign_button.isEnabled()
    qtbot.keyClicks(dialog.pin, "0000-wrong")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pin_state.text() == "low (wrong tries made)", timeout=60_000)
    assert "check carefully" in dialog.status.text() and dialog.sign_button.isEnabled()
    qtbot.keyClicks(dialog.pin, "1111-wrong")
    qtbot.mouseClick(dialog.sign_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.pin_state.text() == "final try", timeout=60_000)
    assert "ONE try is left" in dialog.status.text()
    assert dialog.final_try.isVisible() and not dialog.sign_button.isEnabled()
    assert counting.tries_left() == 1
    dialog.stop()                                                             # Cancel: the last try is kept
    qtbot.waitUntil(lambda: dialog.task is None, timeout=60_000)
    assert counting.tries_left() == 1
    runner.wait(30_000)
    store.close()

    counting.set_tries_left(0)
    dialog, store, _draft_id, runner = signing_dialog(qtbot, tmp_path / "again", counting.module, trust_files)
    assert "PIN is locked" in dialog.pin_state.text()
    assert not dialog.pin.isEnabled() and not dialog.sign_button.isEnabled()
    runner.wait(30_000)
    store.close()
