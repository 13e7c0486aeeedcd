"""Every user setting, declared once with its type, default and meaning.

Settings live in a small JSON file in the config folder. Secrets never do: passwords go to the OS keyring
(``app.secrets``), PINs are never stored. An unknown or mistyped value in the file falls back to the
default instead of stopping the program, so a hand-edited file cannot lock a user out.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NamedTuple

from bhxh_desk.app.paths import Paths, default_paths, ensure_private_dir


class Setting(NamedTuple):
    """One setting. A NamedTuple, not a dataclass: a store opened by `sign` reads the settings, and the
    command's start-up budget has no room for dataclasses and inspect (tests/test_envelope_signing.py)."""

    key: str
    type: type
    default: Any
    doc_vi: str
    doc_en: str
    choices: tuple[Any, ...] = ()
    editable: bool = True          # shown in the settings dialog; False for what the window remembers itself


SETTINGS: tuple[Setting, ...] = (
    Setting("gateway_url", str, "",
            "Địa chỉ cổng tiếp nhận; để trống để dùng cổng thử nghiệm đi kèm.",
            "Gateway address; empty means the bundled sandbox gateway."),
    Setting("test_mode", bool, True,
            "Chế độ thử nghiệm: làm việc với cổng thử nghiệm trên máy này.",
            "Test mode: work against the sandbox gateway on this computer."),
    Setting("gateway_ca", str, "",
            "Tệp CA của cổng tiếp nhận (để trống: kho chứng thư của hệ điều hành).",
            "The gateway's CA file (empty: the operating system's trust store)."),
    Setting("pkcs11_module", str, "",
            "Đường dẫn thư viện PKCS#11 của USB token; để trống để tự dò.",
            "Path of the USB token's PKCS#11 library; empty to probe the known drivers."),
    Setting("revocation_unknown_blocks", bool, False,
            "Không ký và không chấp nhận chữ ký khi chưa kiểm tra được chứng thư có bị thu hồi không (không tải "
            "được danh sách thu hồi CRL, ví dụ khi máy không có mạng). Mặc định: chỉ ghi lưu ý.",
            "Refuse to sign, and refuse signatures, when the certificate's revocation cannot be checked (its "
            "CRL cannot be fetched, e.g. offline). Default: a note only."),
    Setting("language", str, "vi", "Ngôn ngữ giao diện.", "Interface language.", choices=("vi", "en")),
    Setting("data_dir", str, "",
            "Thư mục dữ liệu; để trống để dùng thư mục mặc định của hệ điều hành.",
            "Data folder; empty for the operating system's default."),
    Setting("window_geometry", str, "",
            "Vị trí và kích thước cửa sổ khi đóng lần trước; để trống: vừa màn hình.",
            "The window's position and size when last closed; empty: fit the screen.", editable=False),
    Setting("splitters", dict, {},
            "Vị trí các vách ngăn (danh sách đơn vị, hồ sơ), theo tên; chiều cao danh sách lỗi.",
            "Splitter positions (units, dossiers), by name; the height of the issues list.", editable=False),
    Setting("sandbox_port", int, 0,
            "Cổng TCP của cổng thử nghiệm trên máy này: chọn một cổng trống ở lần đầu mở, rồi giữ nguyên "
            "(hồ sơ đã nộp gắn với địa chỉ cổng).",
            "The TCP port of the sandbox gateway on this computer: a free one picked at first start, then kept "
            "(filed dossiers are keyed by the gateway's address).", editable=False),
    Setting("store", str, "",
            "Kho dữ liệu: để trống là tệp trên máy này; postgresql://người-dùng@máy-chủ/csdl là kho dùng chung "
            "của văn phòng (không ghi mật khẩu vào đây; BHXH_DESK_STORE được ưu tiên).",
            "The store: empty for the file on this PC; postgresql://user@server/db for the office's shared store "
            "(no password here; BHXH_DESK_STORE wins)."),
    Setting("clerk_name", str, "",
            "Tên nhân viên ghi vào nhật ký kho dùng chung; để trống: tên người dùng của hệ điều hành.",
            "The clerk's name written to the shared store's audit trail; empty: the OS user's name."),
    Setting("column_widths", dict, {},
            "Độ rộng các cột của bảng, theo biểu mẫu.",
            "Column widths of the grid, by form.", editable=False),
)

BY_KEY = {s.key: s for s in SETTINGS}
EDITABLE = tuple(s for s in SETTINGS if s.editable)


class Settings:
    def __init__(self, path: Path, values: dict[str, Any] | None = None) -> None:
        self.path = path
        self._values: dict[str, Any] = {}
        for key, value in (values or {}).items():
            spec = BY_KEY.get(key)
            if spec and isinstance(value, spec.type) and (not spec.choices or value in spec.choices):
                self._values[key] = value

    @classmethod
    def load(cls, paths: Paths | None = None) -> Settings:
        paths = paths or default_paths()
        try:
            data = json.loads(paths.settings_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = {}
        return cls(paths.settings_file, data if isinstance(data, dict) else {})

    def get(self, key: str) -> Any:
        value = self._values.get(key, BY_KEY[key].default)
        return dict(value) if isinstance(value, dict) else value       # a copy: the default is never changed

    def set(self, key: str, value: Any) -> None:
        spec = BY_KEY[key]
        if not isinstance(value, spec.type) or (spec.choices and value not in spec.choices):
            raise ValueError(f"{key}: {value!r} is not a valid {spec.type.__name__}")
        self._values[key] = value

    def is_first_start(self) -> bool:
        return not self.path.exists()

    def save(self) -> None:
        ensure_private_dir(self.path.parent)
        tmp = self.path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(self._values, fh, ensure_ascii=False, indent=2)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(self.path)
