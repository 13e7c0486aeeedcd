"""Where bhxh-desk keeps its files.

``BHXH_DESK_HOME`` puts everything (data, config, logs) under one folder: tests, portable installs and
people who keep several companies apart use it. Otherwise the platform's folders come from platformdirs.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

APP_NAME = "bhxh-desk"
HOME_ENV = "BHXH_DESK_HOME"


class Paths(NamedTuple):
    """The app's folders (a NamedTuple, as records on the signing path are: see docs/architecture.md)."""

    data: Path
    config: Path
    logs: Path
    cache: Path         # what can be thrown away: the record of files already checked (forms.checkmemo)

    @property
    def store(self) -> Path:
        return self.data / "bhxh-desk.sqlite3"

    @property
    def settings_file(self) -> Path:
        return self.config / "settings.json"


def default_paths() -> Paths:
    home = os.environ.get(HOME_ENV)
    if home:
        base = Path(home).expanduser()
        return Paths(data=base / "data", config=base / "config", logs=base / "logs", cache=base / "cache")
    import platformdirs

    return Paths(
        data=Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)),
        config=Path(platformdirs.user_config_dir(APP_NAME, appauthor=False)),
        logs=Path(platformdirs.user_log_dir(APP_NAME, appauthor=False)),
        cache=Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False)),
    )


def ensure_private_dir(path: Path) -> Path:
    """Create ``path`` readable by the user only: it will hold identity numbers and salaries."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
