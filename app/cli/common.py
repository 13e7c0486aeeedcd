"""What every command module shares: the language, printing records as text or JSON, the one line per
migration when a draft of an earlier version is opened, and the store a command works on. Output only:
the work is the application layer's (``app.actions``)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

EXIT_OK, EXIT_INVALID, EXIT_ERROR, EXIT_INTERRUPTED = 0, 1, 2, 130


def lang_of(args: argparse.Namespace | None) -> str:
    return (getattr(args, "lang", None) if args is not None else None) or os.environ.get("BHXH_DESK_LANG", "vi")


def print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def tell_migrations(migrations, args: argparse.Namespace | None = None) -> None:
    """One line on stderr for each kind of value moved to open an older draft (forms.migrate)."""
    lang = lang_of(args)
    for change in migrations:
        print(change.message(lang), file=sys.stderr)


def opened(draft, args: argparse.Namespace | None = None):
    """A draft as read, after telling what was moved to open it in today's catalog."""
    tell_migrations(draft.migrations, args)
    return draft


def read_draft(path: str, args: argparse.Namespace | None = None):
    """A draft file, its attachments read from its own folder or from ``--attachments-from`` folders."""
    from bhxh_desk.forms.attachments import AttachmentFolders
    from bhxh_desk.forms.draft import read_draft as read

    folders = tuple(Path(f) for f in (getattr(args, "attachments_from", None) or ()))
    return opened(read(path, AttachmentFolders(folders)), args)


def attachments_option(parser: argparse.ArgumentParser) -> None:
    """``--attachments-from DIR`` (repeatable), for a command that reads draft files."""
    parser.add_argument("--attachments-from", action="append", metavar="DIR",
                        help="thư mục được đọc tệp đính kèm (mặc định: thư mục của tệp nháp) / a folder "
                             "attachments may be read from (default: the draft's own folder)")


def print_issues(issues, lang: str, prefix: str = "  ") -> None:
    for issue in issues:
        print(f"{prefix}{issue.where()}: {issue.message(lang)} ({issue.code})", file=sys.stderr)


def write(path: str | Path, data: bytes) -> None:
    from bhxh_desk.app.actions.files import write_atomically

    write_atomically(Path(path), data)


def open_store(args: argparse.Namespace):
    """The store a command works on; a store known to be damaged opens for reading, with its message on
    stderr (every write to it is refused: app.store.health)."""
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.health import Health, damaged_error

    store = Store(getattr(args, "store", None) or None)       # a file's path, or an office store's URL
    if getattr(store, "dialect", "sqlite") == "sqlite" and (reason := Health(Path(store.path)).damage()):
        message = damaged_error(store.path, reason).message(lang_of(args))
        print(message, file=sys.stderr)
        TOLD.add(message)
    return store


# Messages a command has printed already (a damaged store's, on opening it): not printed a second time when
# the command then fails with the same one.
TOLD: set[str] = set()


def group_help(parser: argparse.ArgumentParser):
    """The handler of a command group run with no action: its own help, exit 2."""
    def show(args: argparse.Namespace) -> int:
        parser.print_help()
        return EXIT_ERROR

    return show


def submission_line(sub, lang: str) -> str:
    from bhxh_desk.app.workflow import LABELS_VI, State

    state = LABELS_VI[sub.state] if lang != "en" else str(sub.state)
    line = f"{sub.so_ho_so or '-':<20} {state:<14} {sub.received_at or '':<26} #{sub.id}"
    if sub.reasons and sub.state is State.REJECTED:
        line += "\n    " + "\n    ".join(r.message(lang) for r in sub.reasons)
    return line


def submission_json(sub) -> dict[str, Any]:
    return {"id": sub.id, "so_ho_so": sub.so_ho_so, "received_at": sub.received_at, "status": sub.status,
            "state": str(sub.state), "idempotency_key": sub.idempotency_key, "digest": sub.digest,
            "reasons": [r.to_json() for r in sub.reasons], "result_verified": sub.result_verified,
            "last_error": sub.last_error}
