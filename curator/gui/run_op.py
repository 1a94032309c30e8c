"""Run a long core function off the main thread (STYLE.md §3).

The one helper every view uses for work that can take more than a blink: the core function
runs on a :class:`QThreadPool` worker with a :class:`~curator.core.progress.Progress` sink and a
:class:`~curator.core.progress.CancelFlag`; a :class:`QTimer` polls the progress every ~100 ms
and hands it to whoever shows it; the result or the error is delivered on the main thread.
Operations that write to the project store are queued so only one runs at a time.

Tests switch the runner to *inline* mode (:func:`set_inline`): the function runs on the calling
thread and the callbacks fire before :meth:`OpRunner.run` returns, which keeps them deterministic.
"""

from __future__ import annotations

import gc
import threading
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal, Slot

from curator.core.progress import CancelFlag, Cancelled, Progress, ProgressState

POLL_MS = 100
_INLINE = False


def set_inline(inline: bool) -> None:
    """Run every op synchronously on the calling thread (for tests)."""
    global _INLINE
    _INLINE = inline


def is_inline() -> bool:
    return _INLINE


@dataclass
class Op:
    """One operation: ``fn(progress=, cancel=)`` plus what to do with its outcome."""

    fn: Callable[..., Any]
    title: str
    on_done: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException, str], None] | None = None
    on_cancelled: Callable[[], None] | None = None
    writes: bool = False            # writes to the project store: run one at a time
    cancellable: bool = True
    heavy: bool = False             # allocates millions of objects: pause the cyclic GC (see _call)
    quiet: bool = False             # too quick to deserve a progress display (a search, a decision)
    progress: Progress = field(default_factory=Progress)
    cancel: CancelFlag = field(default_factory=CancelFlag)
    finished: bool = False


_gc_lock = threading.Lock()
_gc_depth = 0
_gc_was_enabled = True


def _call(op: Op) -> Any:
    """Run the op's function; a heavy op runs with the cyclic garbage collector paused.

    Loading 100,000 records creates millions of container objects. CPython's generation-2
    collection walks all of them while holding the GIL, which froze the window for 0.5–1 s
    at a time (measured by tests/bench/bench_gui_stall.py). So during a heavy op the collector is
    off, and afterwards the survivors are frozen (``gc.freeze``) so later collections skip
    them; reference counting still frees everything as usual.
    """
    global _gc_depth, _gc_was_enabled
    if not op.heavy:
        return op.fn(progress=op.progress, cancel=op.cancel)
    with _gc_lock:
        _gc_depth += 1
        if _gc_depth == 1:
            _gc_was_enabled = gc.isenabled()
            gc.disable()
    try:
        return op.fn(progress=op.progress, cancel=op.cancel)
    finally:
        with _gc_lock:
            _gc_depth -= 1
            if _gc_depth == 0:
                gc.freeze()
                if _gc_was_enabled:
                    gc.enable()


class _Signals(QObject):
    # object payloads: the result / exception travel as Python objects, queued to the main thread
    done = Signal(object, object)
    failed = Signal(object, object, str)


class _Runnable(QRunnable):
    def __init__(self, op: Op, signals: _Signals) -> None:
        super().__init__()
        self.op, self.signals = op, signals
        self.setAutoDelete(True)

    def run(self) -> None:
        try:
            result = _call(self.op)
        except BaseException as exc:  # noqa: BLE001 - delivered to the main thread; a worker must never die silently
            self.signals.failed.emit(self.op, exc, traceback.format_exc())
        else:
            self.signals.done.emit(self.op, result)


class OpRunner(QObject):
    """Starts ops, reports their progress, and delivers their outcome on the main thread.

    Signals
    -------
    started(op), progressed(op, ProgressState), finished(op)
        For a progress display; ``finished`` fires after the op's own callback.
    """

    started = Signal(object)
    progressed = Signal(object, object)
    finished = Signal(object)

    def __init__(self, parent: QObject | None = None, pool: QThreadPool | None = None) -> None:
        super().__init__(parent)
        self.pool = pool or QThreadPool.globalInstance()
        self._signals = _Signals(self)
        self._signals.done.connect(self._on_done)
        self._signals.failed.connect(self._on_failed)
        self._running: list[Op] = []
        self.current_finished: Op | None = None
        self._writes: deque[Op] = deque()
        self._writing: Op | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    # -- public ------------------------------------------------------------------------------

    def run(self, fn: Callable[..., Any], *, title: str, on_done: Callable[[Any], None] | None = None,
            on_error: Callable[[BaseException, str], None] | None = None,
            on_cancelled: Callable[[], None] | None = None, writes: bool = False,
            cancellable: bool = True, heavy: bool = False, quiet: bool = False,
            progress: Progress | None = None) -> Op:
        """Run ``fn(progress=, cancel=)``; returns the :class:`Op` (its ``cancel`` flag is live).
        ``progress``: the sink handed to ``fn`` and polled (default a plain :class:`Progress`;
        a :class:`StepProgress` adds "step x of y")."""
        op = Op(fn, title, on_done, on_error, on_cancelled, writes, cancellable, heavy, quiet)
        if progress is not None:
            op.progress = progress
        if writes:
            if self._writing is not None:
                self._writes.append(op)
                return op
            self._writing = op
        self._start(op)
        return op

    def cancel_all(self) -> None:
        for op in list(self._running) + list(self._writes):
            op.cancel.set()

    def busy(self) -> bool:
        return bool(self._running or self._writes)

    def current(self) -> Op | None:
        return self._running[-1] if self._running else None

    def wait_idle(self, timeout_ms: int = 60000) -> bool:
        """Block until every op is finished (for shutdown and scripts), processing events."""
        from PySide6.QtCore import QCoreApplication, QDeadlineTimer, QElapsedTimer

        clock = QElapsedTimer()
        clock.start()
        while self.busy() and clock.elapsed() < timeout_ms:
            QCoreApplication.processEvents()
            self.pool.waitForDone(QDeadlineTimer(20))
        QCoreApplication.processEvents()
        return not self.busy()

    # -- internals ---------------------------------------------------------------------------

    def _start(self, op: Op) -> None:
        self._running.append(op)
        self.started.emit(op)
        if _INLINE:
            try:
                result = _call(op)
            except BaseException as exc:  # noqa: BLE001 - delivered like a worker's error
                self._on_failed(op, exc, traceback.format_exc())
            else:
                self._on_done(op, result)
            return
        if not self._timer.isActive():
            self._timer.start()
        self.pool.start(_Runnable(op, self._signals))

    def _poll(self) -> None:
        for op in self._running:
            self.progressed.emit(op, op.progress.snapshot())
        if not self._running:
            self._timer.stop()

    @Slot(object, object)
    def _on_done(self, op: Op, result: Any) -> None:
        self._finish(op)
        self.current_finished = op      # the op whose callback is running (it may check op.cancel)
        try:
            if op.on_done:
                op.on_done(result)
        finally:
            self.current_finished = None
            self._after(op)

    @Slot(object, object, str)
    def _on_failed(self, op: Op, exc: BaseException, tb: str) -> None:
        self._finish(op)
        try:
            if isinstance(exc, Cancelled):
                if op.on_cancelled:
                    op.on_cancelled()
            elif op.on_error:
                op.on_error(exc, tb)
            else:
                from . import errors

                errors.report(exc, tb)   # logged, and a dialog; the app keeps running
        finally:
            self._after(op)

    def _finish(self, op: Op) -> None:
        op.finished = True
        if op in self._running:
            self._running.remove(op)
        self.progressed.emit(op, op.progress.snapshot())

    def _after(self, op: Op) -> None:
        self.finished.emit(op)
        if op is self._writing:
            self._writing = None
            if self._writes:
                nxt = self._writes.popleft()
                self._writing = nxt
                self._start(nxt)


@dataclass(frozen=True)
class Step:
    """One step of a :class:`StepProgress` plan: what the user reads, and the progress labels the
    core reports while it runs (a step is recognised by them)."""

    key: str
    title: str
    labels: frozenset[str]
    # shown after the core's label while this step runs ("Checking schema" read in the step that
    # loads a scanned file into the window is its second reading: " again")
    label_suffix: str = ""


@dataclass
class StepState(ProgressState):
    """A :class:`ProgressState` with where the whole work is: step ``step`` (1-based) of ``steps``."""

    step: int = 1
    steps: int = 1
    step_title: str = ""


class StepProgress(Progress):
    """A progress sink for work made of several core calls, that also knows the overall step.

    The plan is the list of steps the work will run, in order. The core reports only its own
    labels ("Reading lines", "Checking schema" …); each update moves to the first step at or after
    the current one that claims the label, so the step number never goes back, and a step that
    did not run (a scan found in the project's cache) is passed over rather than waited for. The
    work itself can say where it is with :meth:`advance_to` (a boundary it knows, where labels
    alone would be ambiguous) and :meth:`replace_rest` (the rest of the work changed). A label no
    step claims is shown as the detail of the current step and kept in :attr:`unclaimed`.
    """

    def __init__(self, steps: list[Step]) -> None:
        if not steps:
            raise ValueError("a step plan needs at least one step")
        super().__init__()
        self._steps = list(steps)
        self._index = 0
        self._state = ProgressState(0, None, self._steps[0].title)     # not "Working…" before the first report
        self.unclaimed: list[str] = []
        self.visited: list[str] = [self._steps[0].key]

    @property
    def steps(self) -> list[Step]:
        with self._lock:
            return list(self._steps)

    def _move(self, index: int) -> None:
        if index > self._index:
            self._index = index
            self.visited.append(self._steps[index].key)

    def update(self, *, done: int, total: int | None = None, label: str = "") -> None:
        with self._lock:
            if label:
                found = next((i for i in range(self._index, len(self._steps)) if label in self._steps[i].labels),
                             None)
                if found is None:
                    if label not in self.unclaimed:
                        self.unclaimed.append(label)
                else:
                    self._move(found)
                    label += self._steps[found].label_suffix
            self._state = ProgressState(done, total, label or self._state.label)

    def advance_to(self, key: str) -> None:
        """The work has reached step ``key`` (the first one at or after the current step); steps
        in between did not run. Nothing moves if no such step is ahead."""
        with self._lock:
            found = next((i for i in range(self._index, len(self._steps)) if self._steps[i].key == key), None)
            if found is not None and found != self._index:
                self._move(found)
                self._state = ProgressState(0, None, self._steps[found].title)

    def replace_rest(self, steps: list[Step]) -> None:
        """The steps after the current one are now ``steps`` (the work found it has more, or
        other, to do). A first step that is the current one continues it."""
        with self._lock:
            rest = list(steps)
            if rest and rest[0].key == self._steps[self._index].key:
                rest = rest[1:]
            self._steps = self._steps[: self._index + 1] + rest

    def snapshot(self) -> StepState:
        with self._lock:
            s, step = self._state, self._steps[self._index]
            return StepState(s.done, s.total, s.label, self._index + 1, len(self._steps), step.title)


def describe_steps(state: ProgressState) -> str:
    """``Step 2 of 5 · Checking schema`` for a :class:`StepState`, else ""."""
    if not isinstance(state, StepState):
        return ""
    return f"Step {state.step} of {state.steps} · {state.step_title}"


def describe_progress(state: ProgressState) -> str:
    """``Checking schema… 41,200 / 100,000`` (or just the step when the total is unknown)."""
    label = state.label or "Working"
    if state.total:
        return f"{label}… {state.done:,} / {state.total:,}"
    return f"{label}…"
