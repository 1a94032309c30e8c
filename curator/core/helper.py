"""A second process for the scan's heaviest steps, so that they use the machine's second core.

``run_scan(workers=2)`` hands its two MinHash passes (near-duplicate prompts for the contradiction
pass, near-duplicate records) to :class:`HelperProcess` and finds contradictions meanwhile. A
process, not a thread: a thread shares this interpreter's lock, and the passes' Python parts (the
verification loop, shingle tokenising) and the contradiction judging took it from each other
(measured at 100k records: the full scan 4.0-4.3 s with a helper thread, see README).

Jobs are module-level functions with picklable arguments, run one after another in the order they
were submitted, each with ``cancel=None`` (the child cannot see this process's token: it is killed
instead). When the child cannot be started, dies, answers garbage, runs out of memory, or a job's
arguments do not pickle, the job runs in this process when its result is asked for, so a scan never
fails for want of a second process; :class:`Inline` does the same without trying. Either way the
result is the function's own.
"""

from __future__ import annotations

import importlib
import json
import os
import pickle
import queue
import signal
import struct
import subprocess
import sys
import threading
import time
import traceback
from typing import Any, Self

from curator.core.progress import Cancelled, CancelToken

_HEADER = struct.Struct("<BQ")   # status, payload length
_OK, _FAILED = 0, 1
_OUT_OF_MEMORY = b"MemoryError"
_BOOT = ("import signal; signal.signal(signal.SIGINT, signal.SIG_IGN); "   # Ctrl+C: the parent kills this
         "import sys, json; sys.path[:] = json.loads(sys.argv[1]); "
         "from curator.core.helper import serve; serve(int(sys.argv[2]))")
# Sent first by the child once its replies are safe from stray output; whatever came before it on
# the pipe (a sitecustomize that prints while Python starts) is skipped by the parent.
_READY = b"\x00curator-helper-ready\x00"
_MAX_JUNK = 1 << 20
READY_TIMEOUT = 30.0   # seconds a child may take to start; then it is stopped and its jobs run here


class _Job:
    def __init__(self, runner: Inline, label: str, fn, args: tuple, kwargs: dict) -> None:
        self._runner, self.label, self._fn, self._args, self._kwargs = runner, label, fn, args, kwargs
        self._done = threading.Event()
        self._reply: tuple[int, bytes] | None = None
        self.seconds: float | None = None   # the function's own run time, once it has a result

    def _run_here(self) -> Any:
        args, kwargs = self._args, self._kwargs
        self._args = self._kwargs = None
        if args is None or kwargs is None:
            raise RuntimeError("a helper job's result is asked for once")
        t0 = time.perf_counter()
        value = self._fn(*args, progress=self._runner.progress, cancel=self._runner.cancel, **kwargs)
        self.seconds = time.perf_counter() - t0
        return value

    def result(self) -> Any:
        """The function's value, or its exception raised here (``Cancelled`` when the token is set)."""
        return self._runner._result(self)


class Inline:
    """Runs each job in this thread when its result is asked for, with the caller's progress and cancel."""

    concurrent = False

    def __init__(self, progress=None, cancel: CancelToken | None = None) -> None:
        self.progress, self.cancel = progress, cancel

    def submit(self, label: str, fn, *args, **kwargs) -> _Job:
        """Queue ``fn(*args, **kwargs, progress=, cancel=)``; ``fn`` must be a module-level function.
        ``label`` is the progress label while its result is awaited from another process."""
        return _Job(self, label, fn, args, kwargs)

    def _result(self, job: _Job) -> Any:
        return job._run_here()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        pass


class HelperProcess(Inline):
    """Runs jobs in a child Python process, started on entering the ``with`` block.

    Leaving the block waits for the child to finish what it was given; leaving it by an exception
    (``Cancelled`` included) kills the child instead, so no work outlives the call that started it.
    While a result is awaited, ``progress`` shows ``label`` and ``cancel`` is checked every 50 ms.
    """

    def __init__(self, progress=None, cancel: CancelToken | None = None) -> None:
        super().__init__(progress, cancel)
        self._child: subprocess.Popen | None = None
        self._outbox: queue.Queue[bytes | None] = queue.Queue()
        self._waiting: queue.Queue[_Job] = queue.Queue()   # submitted, in order, not yet answered
        self._threads: list[threading.Thread] = []
        self._lock = threading.Lock()
        self._gone = False   # the reader has seen the child's output end: nothing more is answered
        self._closed = False
        self.failure: str | None = None   # why jobs ran in this process instead (None: they did not)
        self.garbled = False   # the child's replies made no sense (it was killed)
        self._ready = threading.Event()
        self._started = 0.0

    @property
    def concurrent(self) -> bool:   # type: ignore[override]
        return self._child is not None and self.failure is None and not self._closed

    def __enter__(self) -> Self:
        if not sys.executable:
            self.failure = "no Python executable to start"
            return self
        # -P: nothing is imported from the working directory (a json.py there) before the boot
        # code sets this process's sys.path. The child stays in this process's group, so that
        # Ctrl+Z stops both; it ignores Ctrl+C (this process kills it), and its stderr goes
        # nowhere: a job's errors come back in its reply, with their traceback, and a Ctrl+C in
        # its first milliseconds, before it ignores them, must not print one on the user's terminal.
        self._started = time.monotonic()
        try:
            self._child = subprocess.Popen(
                [sys.executable, "-P", "-c", _BOOT, json.dumps(sys.path), str(os.getpid())],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        except OSError as exc:
            self.failure = f"could not start a helper process ({exc})"
            return self
        self._threads = [threading.Thread(target=self._write, name="curator-helper-write", daemon=True),
                         threading.Thread(target=self._read, name="curator-helper-read", daemon=True)]
        for t in self._threads:
            t.start()
        return self

    def __exit__(self, exc_type, exc, tb) -> None:
        child = self._child
        self._closed = True
        if child is None:
            return
        self._outbox.put(None)   # no more jobs: the child exits when it has answered the last one
        if exc_type is not None and child.poll() is None:
            child.kill()
        wait_or_kill(child, 60)
        for t in self._threads:
            t.join(timeout=5)

    def submit(self, label: str, fn, *args, **kwargs) -> _Job:
        job = _Job(self, label, fn, args, kwargs)
        if self.concurrent:
            try:
                data = pickle.dumps((fn.__module__, fn.__qualname__, args, kwargs), protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - pickle raises several kinds; then the job runs here
                job._done.set()
                return job
            with self._lock:
                if self._gone:
                    job._done.set()   # runs in this process
                else:
                    self._waiting.put(job)
                    self._outbox.put(data)
        return job

    def _write(self) -> None:
        assert self._child is not None and self._child.stdin is not None
        stdin = self._child.stdin
        try:
            while (data := self._outbox.get()) is not None:
                stdin.write(_HEADER.pack(_OK, len(data)))
                stdin.write(data)
                stdin.flush()
                del data   # (not held while waiting for the next job: the texts, 50 MB at 100k)
        except OSError:
            pass   # the child is gone: the reader reports it
        finally:
            try:
                stdin.close()
            except OSError:
                pass

    def _read(self) -> None:
        assert self._child is not None and self._child.stdout is not None
        stdout = self._child.stdout
        try:
            seen, skipped = b"", 0
            while not seen.endswith(_READY):   # (junk before it: see _READY)
                byte = stdout.read(1)
                if not byte:
                    raise EOFError
                skipped += 1
                if skipped > _MAX_JUNK:
                    raise ValueError("no ready signal from the helper process")
                seen = seen[-len(_READY):] + byte
            self._ready.set()
            while True:
                head = _read_exactly(stdout, _HEADER.size)
                if head is None:
                    break
                status, size = _HEADER.unpack(head)
                if status not in (_OK, _FAILED):
                    raise ValueError(f"garbled reply (status {status})")
                payload = _read_exactly(stdout, size)
                if payload is None:
                    break
                job = self._waiting.get_nowait()
                job._reply = (status, payload)
                job._done.set()
        except EOFError:
            pass   # it ended before it was ready (Ctrl+C while it started, a broken Python, ...)
        except Exception:  # noqa: BLE001 - a garbled stream (MemoryError for a junk length, ...)
            self.garbled = True
            self._child.kill()   # it answers no more: what it was given runs here
        finally:
            stdout.close()
            with self._lock:   # whatever was not answered runs in this process (see _result)
                self._gone = True
                while True:
                    try:
                        self._waiting.get_nowait()._done.set()
                    except queue.Empty:
                        break

    def _result(self, job: _Job) -> Any:
        if job._args is None:
            raise RuntimeError("a helper job's result is asked for once")
        if job._reply is None and self.concurrent:
            if self.progress is not None:
                self.progress.update(done=0, total=None, label=job.label)
            while not job._done.wait(0.05):
                if self.cancel is not None and self.cancel.is_set():
                    raise Cancelled()
                if not self._ready.is_set() and time.monotonic() - self._started > READY_TIMEOUT:
                    self.failure = f"the helper process did not start within {READY_TIMEOUT:.0f} s"
                    self._child.kill()   # (the reader then hands its jobs back: they run here)
        if job._reply is None:   # never sent, not picklable, or the child died first
            if self.failure is None and self._gone and self._child is not None:
                if self.garbled:
                    self.failure = "the helper process's replies were garbled; it was stopped"
                else:
                    try:
                        code = self._child.wait(timeout=5)
                    except subprocess.TimeoutExpired:
                        code = None
                    self.failure = f"the helper process ended (exit code {code})"
                self.failure += "; the rest ran in this process"
            return job._run_here()
        status, payload = job._reply
        job._reply = None
        if status == _FAILED:
            blob, text = pickle.loads(payload)
            if blob == _OUT_OF_MEMORY:   # the child holds its own copy of the data: try here
                return job._run_here()
            job._args = job._kwargs = None
            try:
                error = pickle.loads(blob)
            except Exception:  # noqa: BLE001 - an exception class that does not rebuild from its args
                error = RuntimeError(text)
            try:
                raise error
            finally:
                error = None   # no cycle frame -> error -> traceback -> frame (the collector may be off)
        job._args = job._kwargs = None
        value, job.seconds = pickle.loads(payload)
        return value


def wait_or_kill(child: subprocess.Popen, timeout: float) -> int:
    """Wait up to ``timeout`` seconds for ``child`` to end, then kill it; its exit code."""
    try:
        return child.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        return child.wait()


def _read_exactly(stream, size: int) -> bytes | None:
    chunks, left = [], size
    while left:
        chunk = stream.read(left)
        if not chunk:
            return None
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


def _die_with_parent() -> None:
    # a parent killed outright (SIGKILL, or SIGTERM without a handler: the GUI stopping its scan
    # process) cannot kill this process. On Linux the kernel does it (PR_SET_PDEATHSIG), also in
    # the middle of a long C call; elsewhere _exit_with_parent notices within half a second
    # whenever this process's Python runs (on Windows it cannot tell: the job runs to its end and
    # the process exits on the closed pipe)
    if sys.platform.startswith("linux"):
        try:
            import ctypes
            ctypes.CDLL(None, use_errno=True).prctl(1, int(signal.SIGKILL))   # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass


def _exit_with_parent(parent: int) -> None:
    while os.getppid() == parent:   # (POSIX: an orphan is handed to another parent)
        time.sleep(0.5)
    os._exit(1)


def serve(parent: int) -> None:
    """The child's loop: read a job, run it, write its value (or its exception), until stdin ends.
    ``parent`` is the pid of the process that started this one: when it is gone, so is this one.
    (On Linux "gone" includes the end of the *thread* that started it: a :class:`HelperProcess` is
    entered and left in one thread, as ``run_scan`` does.)"""
    import gc
    gc.disable()   # short-lived, builds many small objects and no cycles (as run_scan does)
    _die_with_parent()
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True).start()
    # jobs come in on a copy of fd 0 and replies go out on a copy of fd 1; fds 0 and 1 themselves
    # now point at the null device: nothing a job does (print(), a C library, a program it starts
    # and that inherits them) can read its next job or corrupt the replies
    stdin, stdout = os.fdopen(os.dup(0), "rb"), os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    os.close(null)
    sys.stdout.flush()   # (into the null device: anything printed while this process started)
    stdout.write(_READY)
    stdout.flush()
    while True:
        head = _read_exactly(stdin, _HEADER.size)
        data = _read_exactly(stdin, _HEADER.unpack(head)[1]) if head is not None else None
        if data is None:   # the parent has no more jobs (or is gone): exit without tearing down
            os._exit(0)
        try:
            module, name, args, kwargs = pickle.loads(data)
            fn = importlib.import_module(module)
            for part in name.split("."):
                fn = getattr(fn, part)
            t0 = time.perf_counter()
            value = fn(*args, progress=None, cancel=None, **kwargs)
            reply = pickle.dumps((value, time.perf_counter() - t0), protocol=pickle.HIGHEST_PROTOCOL)
            status = _OK
        except Exception as exc:  # noqa: BLE001 - raised again in the parent by _result
            text = f"{type(exc).__name__}: {exc}\nin Curator's helper process:\n{traceback.format_exc()}"
            exc.add_note("in Curator's helper process:\n" + traceback.format_exc())
            try:
                blob = _OUT_OF_MEMORY if isinstance(exc, MemoryError) else pickle.dumps(
                    exc, protocol=pickle.HIGHEST_PROTOCOL)
            except Exception:  # noqa: BLE001 - an exception that does not pickle
                blob = b""
            reply = pickle.dumps((blob, text), protocol=pickle.HIGHEST_PROTOCOL)
            status = _FAILED
        try:
            stdout.write(_HEADER.pack(status, len(reply)))
            stdout.write(reply)
            stdout.flush()
        except OSError:
            os._exit(0)
