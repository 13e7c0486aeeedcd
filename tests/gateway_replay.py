"""Recorded answers of the real sandbox, replayed through the gateway client's transport seam, so the
client's parsing of each reply is tested alone (the end-to-end tests still talk real HTTP to the real
sandbox). ``record`` makes the recording: python -m tests.gateway_replay tests/data/gateway-replies.json
"""

from __future__ import annotations

import base64
import contextlib
import json
import sys
from pathlib import Path
from urllib.parse import urlsplit

import requests

from bhxh_desk.app.gateway.client import RequestsTransport

KEPT_HEADERS = ("Content-Type", "X-Protocol")      # what the client reads; nothing that identifies a session


class RecordingTransport(RequestsTransport):
    """HTTP as usual, each exchange kept: method, path, status, the reply's content type and protocol
    header, and its body (no host, nothing sent, so no password is ever recorded)."""

    def __init__(self) -> None:
        super().__init__()
        self.exchanges: list[dict] = []

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        response = super().request(method, url, **kwargs)
        self.exchanges.append({"method": method, "path": urlsplit(url).path, "status": response.status_code,
                               "headers": {k: response.headers[k] for k in KEPT_HEADERS if k in response.headers},
                               "body": base64.b64encode(response.content).decode()})
        return response


class ReplayTransport:
    """Answers from a recording, in order; a request the recording does not expect is a test failure."""

    def __init__(self, exchanges: list[dict]) -> None:
        self.exchanges = list(exchanges)
        self.asked: list[tuple[str, str]] = []

    def request(self, method: str, url: str, **kwargs) -> requests.Response:
        path = urlsplit(url).path
        self.asked.append((method, path))
        if not self.exchanges:
            raise AssertionError(f"unexpected {method} {path}")
        x = self.exchanges.pop(0)
        assert (x["method"], x["path"]) == (method, path), (x["method"], x["path"], method, path)
        response = requests.Response()
        response.status_code = x["status"]
        response.headers.update(x["headers"])
        response._content = base64.b64decode(x["body"])
        response.url = url
        return response

    def close(self) -> None:
        pass


def load(path: Path) -> dict[str, list[dict]]:
    return json.loads(path.read_text(encoding="utf-8"))


def record(out: Path) -> None:
    """Run the flows the replay tests need against a fresh sandbox and write what it answered."""
    import tempfile
    import time

    from bhxh_desk.app.gateway.client import GatewayClient
    from tests import sandbox as sbx
    from tests.conftest import EXAMPLE
    from tests.pki import TestPKI

    flows: dict[str, list[dict]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        pki = TestPKI.create()
        root, inter = Path(tmp) / "root.pem", Path(tmp) / "inter.pem"
        root.write_bytes(pki.root.pem())
        inter.write_bytes(pki.intermediate.pem())
        data = Path(tmp) / "sandbox"
        data.mkdir()
        sbx.add_account(data, "TA1234A", "--tax-code", "0312345678")
        running = sbx.start(data, "--processing-after", "0", "--result-after", "0", trust=(root, inter))
        try:
            from bhxh_desk.forms.draft import read_draft
            from bhxh_desk.forms.xmlbuild import build_forms
            from bhxh_desk.signing.dossier import sign_dossier
            from bhxh_desk.signing.signer import KeySigner

            leaf = pki.leaf("0312345678")
            signed = sign_dossier(build_forms(read_draft(EXAMPLE)), KeySigner(leaf.key, leaf.cert))

            def flow(name: str, run) -> None:
                t = RecordingTransport()
                client = GatewayClient(running.url, transport=t, retries=0)
                try:
                    run(client)
                finally:
                    client.close()
                flows[name] = t.exchanges

            def filed(c: GatewayClient) -> None:
                from cryptography.hazmat.primitives.serialization import Encoding

                c.login("TA1234A", sbx.PASSWORD)
                c.register_certificate(leaf.cert.public_bytes(Encoding.DER))
                receipt = c.submit(signed, "replay-key-1")
                time.sleep(1.2)
                c.status(so_ho_so=receipt.so_ho_so)
                c.result(receipt.so_ho_so)
                c.submit(signed, "replay-key-1")         # the same key again: the first receipt, repeat

            def refused(c: GatewayClient) -> None:
                c.login("TA1234A", sbx.PASSWORD)
                with contextlib.suppress(Exception):   # recorded as answered; the replay test checks the error
                    c.submit(signed.replace(b"TA1234A", b"TB9999Z", 1), "replay-key-2")

            def wrong_password(c: GatewayClient) -> None:
                with contextlib.suppress(Exception):
                    c.login("TA1234A", "not-the-password")

            flow("filed", filed)
            flow("refused", refused)
            flow("wrong_password", wrong_password)
        finally:
            running.stop()
    out.write_text(json.dumps(flows, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    record(Path(sys.argv[1]))
