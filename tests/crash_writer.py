"""Child process for the kill -9 test: writes drafts and edits forever, reporting each commit.

After every call that has returned (so is committed), it prints ``id revision digest`` and flushes, where
digest is the SHA-256 of the draft's JSON as the child last wrote it.
"""

from __future__ import annotations

import hashlib
import json
import random
import sys
from pathlib import Path

from bhxh_desk.app.store import Store
from bhxh_desk.forms.draft import draft_from_dict


def digest(draft) -> str:
    return hashlib.sha256(json.dumps(draft.to_dict(), sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def main() -> None:
    path, seed = Path(sys.argv[1]), int(sys.argv[2])
    example = json.loads(Path(sys.argv[3]).read_text(encoding="utf-8"))
    rng = random.Random(seed)
    store = Store(path)
    out = sys.stdout
    while True:
        d = json.loads(json.dumps(example))
        d["unit"]["name"] = f"Công ty số {rng.randrange(10**6)}"
        rows = d["forms"]["D02-TS"]
        count = rng.randrange(1, 60)
        d["forms"]["D02-TS"] = [dict(rows[i % len(rows)], ghiChu=f"r{rng.random()}") for i in range(count)]
        draft = draft_from_dict(d, Path(sys.argv[3]).parent)     # the example's attachment rides along
        draft_id = store.create_draft(draft)
        out.write(f"{draft_id} 1 {digest(draft)}\n")
        out.flush()
        revision = 1
        for _ in range(rng.randrange(1, 8)):
            i = rng.randrange(len(draft.forms["D02-TS"]))
            row = dict(draft.forms["D02-TS"][i], ghiChu=f"edit {rng.random()}")
            draft.forms["D02-TS"][i] = row
            revision = store.set_row(draft_id, "D02-TS", i, row, expected_revision=revision)
            out.write(f"{draft_id} {revision} {digest(draft)}\n")
            out.flush()


if __name__ == "__main__":
    main()
