"""Progress sinks and cancel tokens for long-running core work.

Core functions never talk to Qt, and to their caller they are plain blocking
calls: the GUI decides where they run. They accept an optional ``progress`` sink
(anything with ``update(done=, total=, label=)``) and an optional ``cancel``
token (anything with ``is_set()``), and raise :class:`Cancelled` when the token
is set.

Inside one call, a step may run on the machine's second core in a helper process
(``curator.core.helper``): it is always finished or killed before the call returns
or raises, reports no progress of its own (only the calling thread talks to the
sink) and stops when the same cancel token is set.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol


class Cancelled(Exception):
    """Raised by core work when its cancel token is set."""


class ProgressSink(Protocol):
    def update(self, *, done: int, total: int | None = None, label: str = "") -> None: ...


class CancelToken(Protocol):
    def is_set(self) -> bool: ...


class CancelFlag:
    """A thread-safe cancel flag (a thin wrapper over :class:`threading.Event`)."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def is_set(self) -> bool:
        return self._event.is_set()


@dataclass
class ProgressState:
    done: int = 0
    total: int | None = None
    label: str = ""


class Progress:
    """A progress sink that only stores the latest state.

    A GUI polls :meth:`snapshot` from a timer; the worker thread calls
    :meth:`update`. Plain attribute writes are atomic enough for this purpose,
    but a lock keeps done/total/label consistent with each other.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._state = ProgressState()

    def update(self, *, done: int, total: int | None = None, label: str = "") -> None:
        with self._lock:
            self._state = ProgressState(done, total, label or self._state.label)

    def snapshot(self) -> ProgressState:
        with self._lock:
            return ProgressState(self._state.done, self._state.total, self._state.label)


class Ticker:
    """Rate-limits progress reports and cancel checks inside hot loops.

    ``tick(i)`` is cheap: it only reports every ``every`` items.
    """

    __slots__ = ("progress", "cancel", "total", "label", "every", "_next")

    def __init__(self, progress: ProgressSink | None, cancel: CancelToken | None,
                 total: int | None, label: str, every: int = 2000) -> None:
        self.progress = progress
        self.cancel = cancel
        self.total = total
        self.label = label
        self.every = max(1, every)
        self._next = 0
        self.report(0)

    def tick(self, done: int) -> None:
        if done >= self._next:
            self._next = done + self.every
            self.report(done)

    def report(self, done: int) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled()
        if self.progress is not None:
            self.progress.update(done=done, total=self.total, label=self.label)

    def finish(self) -> None:
        self.report(self.total if self.total is not None else 0)


def check_cancel(cancel: CancelToken | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled()


class Stopwatch:
    """Collects named step timings (seconds) for reports such as ``scan --json``."""

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}

    def step(self, name: str) -> "_Step":
        return _Step(self, name)


class _Step:
    def __init__(self, watch: Stopwatch, name: str) -> None:
        self.watch, self.name = watch, name

    def __enter__(self) -> None:
        self.t0 = time.perf_counter()

    def __exit__(self, *exc: object) -> None:
        self.watch.timings[self.name] = round(
            self.watch.timings.get(self.name, 0.0) + time.perf_counter() - self.t0, 4)
