"""Child process for the office kill -9 test: a clerk who leases a dossier and edits it forever, with a
heartbeat, reporting each committed edit as ``edit N VALUE``."""

from __future__ import annotations

import sys
import uuid
from pathlib import Path

from bhxh_desk.app.store import Store
from bhxh_desk.app.store.clerks import Clerk
from bhxh_desk.forms.draft import read_draft


def main() -> None:
    url, example, seconds = sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])
    store = Store(url, clerk=Clerk("an", "Nguyễn Văn An"))
    draft = read_draft(example)
    draft_id = store.create_draft(draft)
    token = uuid.uuid4().hex
    store.acquire_lease(draft_id, token, seconds=seconds)
    print(f"draft {draft_id}", flush=True)
    rows = draft.forms["D02-TS"]
    n = 0
    while True:
        value = f"edit_{n}_{uuid.uuid4().hex[:8]}"
        store.set_row(draft_id, "D02-TS", n % len(rows), dict(rows[n % len(rows)], ghiChu=value))
        print(f"edit {n} {value}", flush=True)
        store.acquire_lease(draft_id, token, seconds=seconds)        # the heartbeat
        n += 1


if __name__ == "__main__":
    main()
