"""The office store against the single-PC file: what one committed edit costs, what the window's UI thread
waits for it (the write-behind's enqueue), a lease heartbeat, and opening a worker's store from the pool.
PostgreSQL here is a throwaway cluster on 127.0.0.1 (tests/postgres.py), so the figures leave out the LAN's
round trip, which adds itself to every commit but never to the UI thread's wait."""

from __future__ import annotations

import statistics
import tempfile
import time
import uuid
from pathlib import Path


def _median_ms(fn, n: int) -> float:
    times = []
    for i in range(n):
        start = time.perf_counter()
        fn(i)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def _one(name: str, where, n: int) -> list[tuple[str, str, str]]:
    from bhxh_desk.app.store import Store
    from bhxh_desk.app.store.writebehind import WriteBehind
    from tests.conftest import example_draft

    with Store(where) as store:
        i = store.create_draft(example_draft())
        edit = _median_ms(lambda k: store.set_row(i, "D02-TS", 0, {"pa": "DC", "ghiChu": str(k)}), n)
        behind = WriteBehind(store)
        enqueue = _median_ms(lambda k: behind.set_row(i, "D02-TS", 1, {"pa": "DC", "ghiChu": str(k)}), n)
        behind.flush()
        behind.close()
        token = uuid.uuid4().hex
        beat = _median_ms(lambda k: store.acquire_lease(i, token), n)
        opened = _median_ms(lambda k: Store(where).close(), 50)
    return [(name, "one edit committed (set_row)", f"{edit:.2f} ms"),
            (name, "UI thread's wait for it (write-behind)", f"{enqueue * 1000:.0f} µs"),
            (name, "lease heartbeat", f"{beat:.2f} ms"),
            (name, "a worker opens its store", f"{opened:.2f} ms")]


def run(n: int = 200) -> list[tuple[str, str, str]]:
    from bhxh_desk.app.store.postgres import close_pools
    from tests import postgres

    server = postgres.start()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            return _one("SQLite file", Path(tmp) / "s.sqlite3", n) + _one("PostgreSQL", server.store_url(), n)
    finally:
        close_pools()
        server.stop()


def table(n: int = 200) -> str:
    rows = run(n)
    width = max(len(r[1]) for r in rows)
    return "\n".join(f"  {store:<12} {what:<{width}}  {value:>10}" for store, what, value in rows)


if __name__ == "__main__":
    print(table())
