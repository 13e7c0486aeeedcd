"""Logging to a rotating file readable by the user only.

Nothing secret is ever passed to a logger: PINs, passwords and OTPs stay out of log calls by rule, and
``RedactingFilter`` masks anything that still looks like one, as a second line of defence.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import re
from pathlib import Path

from bhxh_desk.app.paths import ensure_private_dir

_SECRET = re.compile(r"(?i)\b(pin|password|passwd|mat_?khau|otp|secret)\b(\s*[=:]\s*)(\S+)")


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _SECRET.sub(lambda m: f"{m[1]}{m[2]}***", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def setup(log_dir: Path, level: int = logging.INFO) -> Path:
    ensure_private_dir(log_dir)
    path = log_dir / "bhxh-desk.log"
    if not path.exists():
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    handler = logging.handlers.RotatingFileHandler(path, maxBytes=2_000_000, backupCount=5, encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    root.addHandler(handler)
    root.setLevel(level)
    return path
