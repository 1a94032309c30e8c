"""Progress sinks and cancel tokens for long-running core work.

Core functions never talk to Qt, and to their caller they are plain blocking
calls: the GUI decides where they run. They accept an optional ``progress`` sink
(anything with ``update(done=, total=, label=)``) and an optional ``cancel``
token (anything with ``is_set()``), and raise :class:`Cancelled` when the token
is set.

Inside one call, a step whose heavy lifting happens in numpy or rapidfuzz (which
release the GIL) may run on the machine's second core through :class:`Alongside`;
it is always joined before the call returns or raises, reports no progress of its
own (only the calling thread talks to the sink) and honours the same cancel token.
"""

from __future__ import annotations

import sys
import threading
import time
from dataclasses import dataclass
from typing import Protocol, Self


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


class _Either:
    """A cancel token that is set when the caller's token or an internal abort flag is."""

    def __init__(self, cancel: CancelToken | None, abort: threading.Event) -> None:
        self.cancel, self.abort = cancel, abort

    def is_set(self) -> bool:
        return self.abort.is_set() or (self.cancel is not None and self.cancel.is_set())


class Alongside:
    """Run ``fn(cancel=token)`` on a second thread while the calling thread goes on.

    Use it as a context manager around the work done meanwhile; :meth:`result`
    joins and returns ``fn``'s value or re-raises its exception. Leaving the block
    by an exception aborts ``fn`` (through its cancel token) and joins it, so no
    work outlives the call that started it. Worth it only when ``fn`` spends most
    of its time in code that releases the GIL (numpy, rapidfuzz).
    """

    def __init__(self, fn, cancel: CancelToken | None = None) -> None:
        self._abort = threading.Event()
        self._token = _Either(cancel, self._abort)
        self._value = None
        self._error: BaseException | None = None
        self._closed = False
        self._thread = threading.Thread(target=self._run, args=(fn,), name="curator-alongside", daemon=True)

    def _run(self, fn) -> None:
        try:
            self._value = fn(cancel=self._token)
        except BaseException as e:  # noqa: BLE001 - handed to the caller by result()
            self._error = e

    # While the helper runs, the interpreter hands the GIL over every 0.5 ms instead of 5 ms: the
    # helper needs it back after each numpy call, and with the default it waited up to 5 ms each
    # time behind this thread's Python work (the LSH step beside a busy Python thread: 0.7-2.3 s
    # at 5 ms, 0.32 s at 0.5 ms; alone 0.15 s).
    SWITCH_INTERVAL = 0.0005

    def __enter__(self) -> Self:
        self._switch = sys.getswitchinterval()
        self._thread.start()        # (first: if it cannot start, the interval is left as it was)
        sys.setswitchinterval(min(self._switch, self.SWITCH_INTERVAL))
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        if exc_type is not None:
            self._abort.set()
        self._thread.join()
        sys.setswitchinterval(self._switch)
        # an exception kept here holds a traceback that points back at this object: a cycle only
        # the cyclic collector frees, and callers may run with it off (the GUI does)
        self._error = self._value = None
        self._closed = True

    def result(self):
        """``fn``'s value, or its exception raised here; call it inside the ``with`` block."""
        if self._closed:
            raise RuntimeError("Alongside.result() called after its with-block ended")
        self._thread.join()
        error, self._error = self._error, None
        if error is not None:
            try:
                raise error
            finally:
                error = None   # no reference from this frame to the traceback (see __exit__)
        value, self._value = self._value, None
        return value
