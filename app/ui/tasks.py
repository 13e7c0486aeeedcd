"""The one way long work leaves the UI thread.

``TaskRunner.start(fn, ...)`` runs ``fn(progress)`` on a worker thread. ``progress`` reports (done, total,
text) and carries the cancel flag; results, failures and progress come back to the UI thread as typed
signals. Tests can set ``synchronous`` to run tasks inline.
"""

from __future__ import annotations

import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal

from bhxh_desk.forms.errors import BhxhError


@dataclass(frozen=True, slots=True)
class ProgressEvent:
    done: int
    total: int
    text: str


@dataclass(frozen=True, slots=True)
class TaskFailure:
    error: BhxhError          # always one of ours: anything else is wrapped as error.internal


class Progress:
    """Handed to a task: report progress, and look at ``cancelled`` between steps."""

    def __init__(self, emit: Callable[[ProgressEvent], None]) -> None:
        self._emit = emit
        self.cancel_event = threading.Event()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()

    def report(self, done: int, total: int, text: str = "") -> None:
        self._emit(ProgressEvent(done, total, text))


class Task(QObject):
    progressed = Signal(ProgressEvent)
    succeeded = Signal(object)
    failed = Signal(TaskFailure)
    finished = Signal()

    def __init__(self, fn: Callable[[Progress], Any]) -> None:
        super().__init__()
        self.fn = fn
        self.progress = Progress(self.progressed.emit)

    def cancel(self) -> None:
        self.progress.cancel_event.set()

    def run(self) -> None:
        try:
            result = self.fn(self.progress)
        except BhxhError as exc:
            self.failed.emit(TaskFailure(exc))
        except Exception as exc:       # never a traceback in front of a user: logged, then shown short
            import logging

            logging.getLogger("bhxh-desk.ui").error("task failed\n%s", traceback.format_exc())
            self.failed.emit(TaskFailure(BhxhError("error.internal", reason=type(exc).__name__)))
        else:
            self.succeeded.emit(result)
        finally:
            self.finished.emit()


class _Runnable(QRunnable):
    def __init__(self, task: Task) -> None:
        super().__init__()
        self.task = task
        self.setAutoDelete(True)

    def run(self) -> None:
        self.task.run()


class TaskRunner(QObject):
    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.pool = QThreadPool(self)
        self.pool.setMaxThreadCount(2)
        self.synchronous = False
        self._alive: set[Task] = set()

    def start(self, fn: Callable[[Progress], Any], *, on_done: Callable[[Any], None] | None = None,
              on_error: Callable[[TaskFailure], None] | None = None,
              on_progress: Callable[[ProgressEvent], None] | None = None) -> Task:
        task = Task(fn)
        if on_done:
            task.succeeded.connect(on_done)
        if on_error:
            task.failed.connect(on_error)
        if on_progress:
            task.progressed.connect(on_progress)
        self._alive.add(task)
        task.finished.connect(lambda: self._alive.discard(task))
        if self.synchronous:
            task.run()
        else:
            self.pool.start(_Runnable(task))
        return task

    def wait(self, msecs: int = 30000) -> bool:
        return self.pool.waitForDone(msecs)
