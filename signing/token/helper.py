"""The token helper process: the only place a PKCS#11 driver is loaded.

It reads one JSON request per line on stdin and writes one JSON answer per line on the protocol stream.
Requests: ``load``, ``list``, ``login``, ``sign``, ``logout``, ``exit``. Failures are answered with a
stable error code (``token.*``), never with a traceback. PINs arrive in requests and are passed to the
driver only; nothing here logs or stores them.

Drivers sometimes print to stdout. The protocol therefore runs on a duplicate of the original stdout,
and file descriptor 1 is pointed at stderr before any driver is loaded.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import sys
from typing import Any

import PyKCS11

REMOVED = {
    PyKCS11.CKR_TOKEN_NOT_PRESENT, PyKCS11.CKR_DEVICE_REMOVED, PyKCS11.CKR_SESSION_HANDLE_INVALID,
    PyKCS11.CKR_SESSION_CLOSED, PyKCS11.CKR_SLOT_ID_INVALID, PyKCS11.CKR_DEVICE_ERROR,
    PyKCS11.CKR_TOKEN_NOT_RECOGNIZED,
}


class Failure(Exception):
    def __init__(self, code: str, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _text(value: Any) -> str:
    return str(value).strip().rstrip("\x00").strip()


class Helper:
    def __init__(self) -> None:
        self.lib: PyKCS11.PyKCS11Lib | None = None
        self.module = ""
        self.session: PyKCS11.Session | None = None
        self.slot: int | None = None
        self.keys: dict[str, Any] = {}

    # ---------------------------------------------------------------- plumbing

    def _need_lib(self) -> PyKCS11.PyKCS11Lib:
        if self.lib is None:
            raise Failure("token.failed", reason="no driver loaded")
        return self.lib

    def _pkcs11_failure(self, exc: PyKCS11.PyKCS11Error) -> Failure:
        rv = exc.value
        if rv in (PyKCS11.CKR_PIN_INCORRECT, PyKCS11.CKR_PIN_LEN_RANGE, PyKCS11.CKR_PIN_INVALID):
            # Only on this path: the helper starts without the records module.
            from bhxh_desk.signing.token.records import PinStatus

            flags, hardware = self._flags()
            status = PinStatus.from_flags(flags or 0, hardware)
            code = status.wrong_pin_code() if flags is not None else "token.wrong_pin"
            return Failure(code, flags=flags or 0, hardware=hardware)
        if rv == PyKCS11.CKR_PIN_LOCKED:
            return Failure("token.pin_locked")
        if rv in REMOVED:
            return Failure("token.removed")
        if rv == PyKCS11.CKR_USER_NOT_LOGGED_IN:
            return Failure("token.pin_needed")
        return Failure("token.failed", reason=PyKCS11.CKR.get(rv, hex(rv)))

    def _flags(self) -> tuple[int | None, bool]:
        """The token's flags as they are now (a wrong PIN changes them), and whether its slot is hardware."""
        if self.slot is None:
            return None, False
        try:
            return int(self._need_lib().getTokenInfo(self.slot).flags), self._hardware(self.slot)
        except PyKCS11.PyKCS11Error:
            return None, False

    def _hardware(self, slot: int) -> bool:
        """CKF_HW_SLOT: a reader or USB token, which keeps a PIN retry counter (signing.token.records)."""
        try:
            return bool(self._need_lib().getSlotInfo(slot).flags & PyKCS11.CKF_HW_SLOT)
        except PyKCS11.PyKCS11Error:
            return False

    def _token(self, slot: int) -> dict[str, Any]:
        ti = self._need_lib().getTokenInfo(slot)
        return {"serial": _text(ti.serialNumber), "label": _text(ti.label), "manufacturer": _text(ti.manufacturerID),
                "model": _text(ti.model), "flags": int(ti.flags), "hardware": self._hardware(slot)}

    def _slots(self) -> list[tuple[int, dict[str, Any]]]:
        """Slots holding an initialised token (SoftHSM and some readers show an empty 'free' slot too)."""
        lib = self._need_lib()
        out = []
        for slot in lib.getSlotList(tokenPresent=True):
            token = self._token(slot)
            if token["flags"] & PyKCS11.CKF_TOKEN_INITIALIZED:
                out.append((slot, token))
        return out

    def _find_slot(self, serial: str, label: str) -> int:
        present = []
        for slot, t in self._slots():
            present.append(f"{t['label']} ({t['serial']})")
            if (serial and t["serial"] == serial) or (not serial and label and t["label"] == label):
                return slot
        if not present:
            raise Failure("token.no_token")
        raise Failure("token.not_found", token=serial or label, present=", ".join(present))

    # ---------------------------------------------------------------- requests

    def op_load(self, module: str) -> dict[str, Any]:
        lib = PyKCS11.PyKCS11Lib()
        try:
            lib.load(module)
        except PyKCS11.PyKCS11Error as exc:
            raise Failure("token.module_failed", module=module, reason=str(exc)[:200]) from None
        self.lib, self.module = lib, module
        info = lib.getInfo()
        return {"library": _text(info.libraryDescription), "manufacturer": _text(info.manufacturerID)}

    def op_list(self) -> dict[str, Any]:
        lib = self._need_lib()
        tokens = []
        for slot, token in self._slots():
            session = lib.openSession(slot, PyKCS11.CKF_SERIAL_SESSION)
            try:
                certs = []
                for obj in session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_CERTIFICATE),
                                                (PyKCS11.CKA_CERTIFICATE_TYPE, PyKCS11.CKC_X_509)]):
                    value, cka_id, label = session.getAttributeValue(
                        obj, [PyKCS11.CKA_VALUE, PyKCS11.CKA_ID, PyKCS11.CKA_LABEL])
                    certs.append({"der": base64.b64encode(bytes(value)).decode(),
                                  "key_id": bytes(cka_id or b"").hex(), "label": _text(label or "")})
            finally:
                session.closeSession()
            token["certificates"] = certs
            tokens.append(token)
        return {"tokens": tokens}

    def op_login(self, serial: str = "", label: str = "", pin: str = "") -> dict[str, Any]:
        lib = self._need_lib()
        self.op_logout()
        self.slot = self._find_slot(serial, label)
        self.session = lib.openSession(self.slot, PyKCS11.CKF_SERIAL_SESSION | PyKCS11.CKF_RW_SESSION)
        try:
            self.session.login(pin)
        except PyKCS11.PyKCS11Error as exc:
            if exc.value != PyKCS11.CKR_USER_ALREADY_LOGGED_IN:
                self.session.closeSession()
                self.session = None
                raise
        return {"token": self._token(self.slot)}

    def _key(self, key_id: str) -> tuple[Any, bool, int]:
        if key_id not in self.keys:
            assert self.session is not None
            found = self.session.findObjects([(PyKCS11.CKA_CLASS, PyKCS11.CKO_PRIVATE_KEY),
                                              (PyKCS11.CKA_ID, bytes.fromhex(key_id))])
            if not found:
                t = self._token(self.slot) if self.slot is not None else {"label": "?", "serial": "?"}
                raise Failure("token.no_key", token=f"{t['label']} ({t['serial']})", key_id=key_id)
            key = found[0]
            try:
                always = bool(self.session.getAttributeValue(key, [PyKCS11.CKA_ALWAYS_AUTHENTICATE])[0])
            except PyKCS11.PyKCS11Error:
                always = False
            bits = self.session.getAttributeValue(key, [PyKCS11.CKA_MODULUS])[0]
            self.keys[key_id] = (key, always, len(bits))
        key, always, size = self.keys[key_id]
        return key, always, size

    def op_key(self, key_id: str) -> dict[str, Any]:
        if self.session is None:
            raise Failure("token.pin_needed")
        _, always, size = self._key(key_id)
        return {"always_authenticate": always, "modulus_bytes": size}

    def op_sign(self, key_id: str, data: str, pin: str | None = None) -> dict[str, Any]:
        try:
            return self._sign(key_id, data, pin)
        except PyKCS11.PyKCS11Error as exc:
            if exc.value not in (PyKCS11.CKR_KEY_HANDLE_INVALID, PyKCS11.CKR_OBJECT_HANDLE_INVALID):
                raise
        # The key was found earlier in this session and its handle is gone: the token (or its key) went away.
        # A hardware token says CKR_DEVICE_REMOVED; a SoftHSM token whose files vanished says this.
        raise Failure("token.removed")

    def _sign(self, key_id: str, data: str, pin: str | None) -> dict[str, Any]:
        """One C_SignInit and exactly one C_Sign (the buffer is sized from the modulus up front)."""
        if self.session is None:
            raise Failure("token.pin_needed")
        key, always, size = self._key(key_id)
        session = self.session
        mech = PyKCS11.Mechanism(PyKCS11.CKM_SHA256_RSA_PKCS, None).to_native()
        rv = session.lib.C_SignInit(session.session, mech, key)
        if rv != PyKCS11.CKR_OK:
            raise PyKCS11.PyKCS11Error(rv)
        if always:
            if not pin:
                raise Failure("token.pin_needed")
            session.login(pin, user_type=PyKCS11.CKU_CONTEXT_SPECIFIC)
        out = PyKCS11.ckbytelist([0] * size)
        rv = session.lib.C_Sign(session.session, PyKCS11.ckbytelist(base64.b64decode(data)), out)
        if rv != PyKCS11.CKR_OK:
            raise PyKCS11.PyKCS11Error(rv)
        return {"signature": base64.b64encode(bytes(out)).decode()}

    def op_logout(self) -> dict[str, Any]:
        if self.session is not None:
            for step in (self.session.logout, self.session.closeSession):
                with contextlib.suppress(PyKCS11.PyKCS11Error):
                    step()
        self.session, self.slot, self.keys = None, None, {}
        return {}

    def handle(self, request: dict[str, Any]) -> dict[str, Any]:
        op = request.pop("op", "")
        request.pop("id", None)
        method = getattr(self, f"op_{op}", None)
        if method is None:
            raise Failure("token.failed", reason=f"unknown request {op!r}")
        try:
            return method(**request)
        except PyKCS11.PyKCS11Error as exc:
            raise self._pkcs11_failure(exc) from None


def main() -> int:
    protocol = os.fdopen(os.dup(1), "w", encoding="utf-8", buffering=1)
    os.dup2(2, 1)                              # anything a driver prints goes to stderr, not the protocol
    sys.stdout = sys.stderr
    helper = Helper()
    for line in sys.stdin:
        try:
            request = json.loads(line)
        except ValueError:
            continue
        rid = request.get("id")
        if request.get("op") == "exit":
            helper.op_logout()
            protocol.write(json.dumps({"id": rid, "ok": True, "result": {}}) + "\n")
            return 0
        try:
            answer = {"id": rid, "ok": True, "result": helper.handle(request)}
        except Failure as f:
            answer = {"id": rid, "ok": False, "code": f.code, "params": f.params}
        except Exception as exc:          # a driver misbehaving in a way PyKCS11 does not map
            answer = {"id": rid, "ok": False, "code": "token.failed", "params": {"reason": type(exc).__name__}}
        del request
        protocol.write(json.dumps(answer) + "\n")
    helper.op_logout()
    return 0


if __name__ == "__main__":
    sys.exit(main())
