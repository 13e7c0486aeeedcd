"""How long the Qt event loop went without running a timer: the measure of a frozen window, shared by the GUI
test and the editor benchmark so both mean the same thing by "longest gap"."""

from __future__ import annotations

import time


class EventLoopProbe:
    """A 10 ms timer that records the time between its ticks; a long gap means the UI thread was busy."""

    def __init__(self, interval_ms: int = 10) -> None:
        from PySide6.QtCore import QTimer

        self.gaps: list[float] = []
        self._last = time.perf_counter()
        self._timer = QTimer(interval=interval_ms)
        self._timer.timeout.connect(self._tick)

    def _tick(self) -> None:
        now = time.perf_counter()
        self.gaps.append(now - self._last)
        self._last = now

    def start(self) -> None:
        self._last = time.perf_counter()
        self._timer.start()

    def stop(self) -> None:
        self._timer.stop()

    @property
    def worst_ms(self) -> float:
        return max(self.gaps) * 1000
