"""The gateway client's parsing, on the real sandbox's recorded answers (tests/data/gateway-replies.json,
made by ``python -m tests.gateway_replay``) replayed through its transport seam. The end-to-end tests in
test_gateway.py keep talking real HTTP to the real sandbox."""

from __future__ import annotations

import pytest

from bhxh_desk.app.gateway.client import GatewayClient
from bhxh_desk.app.gateway.errors import Refused
from bhxh_desk.app.gateway.protocol import RESULT
from tests.conftest import ROOT
from tests.gateway_replay import ReplayTransport, load

REPLIES = load(ROOT / "tests" / "data" / "gateway-replies.json")


def client(flow: str) -> tuple[GatewayClient, ReplayTransport]:
    transport = ReplayTransport(REPLIES[flow])
    return GatewayClient("https://gateway.invalid", transport=transport, retries=0), transport


def test_a_filing_is_read_into_its_records():
    c, transport = client("filed")
    session = c.login("TA1234A", "pw")
    assert session.account == "TA1234A" and "TA1234A" in session.units and session.token
    record = c.register_certificate(b"der")
    assert record.tax_code == "0312345678" and record.serial
    receipt = c.submit(b"<signed/>", "replay-key-1")
    assert receipt.so_ho_so == "00001/2026/07906" and receipt.status == 200 and not receipt.repeat
    assert receipt.idempotency_key == "replay-key-1" and len(receipt.digest) == 64
    status = c.status(so_ho_so=receipt.so_ho_so)
    assert status.status == RESULT and status.result_available and status.reasons == ()
    document = c.result(receipt.so_ho_so)
    assert document.startswith(b"<?xml") and b"<SoHoSo>00001/2026/07906</SoHoSo>" in document
    again = c.submit(b"<signed/>", "replay-key-1")
    assert again.repeat and again.so_ho_so == receipt.so_ho_so           # the first receipt, not a new filing
    assert transport.exchanges == []                                       # every recorded answer was used


def test_a_refusal_carries_its_typed_reasons():
    c, _ = client("refused")
    c.login("TA1234A", "pw")
    with pytest.raises(Refused) as info:
        c.submit(b"<signed/>", "replay-key-2")
    err = info.value
    assert err.http_status == 422 and err.code == "gw.unit_mismatch"
    assert err.reasons and err.reasons[0].where and err.reasons[0].message("vi") != err.reasons[0].message("en")
    assert err.reasons[0].message("en") in err.message("en")


def test_a_wrong_password_is_a_translated_refusal():
    c, _ = client("wrong_password")
    with pytest.raises(Refused) as info:
        c.login("TA1234A", "wrong")
    assert info.value.http_status == 401 and info.value.code == "auth.invalid"
    assert "mật khẩu" in info.value.message("vi")
    assert c.session is None
