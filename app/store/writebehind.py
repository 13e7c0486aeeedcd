"""The window's edits committed off the UI thread, in the order they were made.

On an office store a commit is a round trip to the server: milliseconds on a LAN, more on a bad one. The
editor must never wait for one while the clerk types, so ``WriteBehind`` stands in for the store in the
editor: each edit (``set_row``, ``insert_row``…) is queued and returns at once, and one thread of its own,
on its own connection, commits them one after another, each as soon as it can, as the editor did itself.
A read first waits for the edits queued before it, so the editor always reads what it wrote. A refused
edit (another clerk took the lease after it ran out, the server went away) is handed to ``on_error`` with
its message; the edits already committed stay committed.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Any

from bhxh_desk.forms.errors import BhxhError, StoreError

log = logging.getLogger("bhxh-desk.store")

WRITES = frozenset({"set_row", "insert_row", "delete_row", "append_rows", "truncate_rows", "set_header",
                    "save_draft", "ui_set"})


class WriteBehind:
    def __init__(self, store, on_error: Callable[[BhxhError], None] | None = None) -> None:
        self._store = store
        self._on_error = on_error
        self._queue: queue.Queue = queue.Queue()
        self._opened = threading.Event()
        self._thread = threading.Thread(target=self._run, name="store-writes", daemon=True)
        self._thread.start()
        self._opened.wait(30)

    def _run(self) -> None:
        from bhxh_desk.app.store.store import Store

        try:
            own = Store(self._store.path, clerk=self._store.clerk)
        except BhxhError as exc:
            own = None
            self._report(exc)
        self._opened.set()
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                name, args, kwargs = item
                if own is None:
                    raise StoreError("store.failed", path=self._store.location, reason="not connected")
                getattr(own, name)(*args, **kwargs)
            except BhxhError as exc:
                self._report(exc)
            except Exception as exc:           # never silent: logged, and told as a store error
                log.exception("queued store write failed")
                self._report(StoreError("store.failed", path=self._store.location, reason=type(exc).__name__))
            finally:
                self._queue.task_done()
                if item is None and own is not None:
                    own.close()

    def _report(self, exc: BhxhError) -> None:
        if self._on_error is not None:
            self._on_error(exc)

    def flush(self) -> None:
        """Wait until every edit queued so far is committed (or refused)."""
        self._queue.join()

    def close(self) -> None:
        if self._thread.is_alive():
            self._queue.put(None)
            self._thread.join(30)

    def __getattr__(self, name: str) -> Any:
        if name in WRITES:
            return lambda *args, **kwargs: self._queue.put((name, args, kwargs))
        self.flush()
        return getattr(self._store, name)
