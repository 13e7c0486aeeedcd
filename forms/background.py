"""Work run in a second thread, whose error is raised where its result is needed.

Used for checks that lxml runs in C (parsing and XSD validation let other threads run meanwhile): on a
machine with two cores, the XSD check of a 10,000-row form overlaps the rest of signing instead of
adding to it. The waiting side always calls ``result()``, so nothing that failed is ever taken as done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


class Background:
    """``target(*args)`` in a daemon thread; ``result()`` waits, then returns its value or raises its error."""

    def __init__(self, target: Callable[..., Any], *args: Any, name: str = "background-check") -> None:
        self._error: BaseException | None = None
        self._value: Any = None

        def run() -> None:
            try:
                self._value = target(*args)
            except BaseException as exc:     # handed to the waiting thread, which raises it
                self._error = exc

        self._thread = threading.Thread(target=run, name=name, daemon=True)
        self._thread.start()

    def result(self) -> Any:
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._value
